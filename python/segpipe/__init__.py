"""segpipe: split quantized TFLite models across memory-limited accelerators and run them as a
pipeline. See docs/python.md.

    import segpipe
    model = segpipe.load_model("mobilenet_v1.tflite")
    plan = segpipe.plan(model, devices="cpu:2")
    with segpipe.PipelinedModelRunner(model, plan) as runner:
        runner.push([image])
        scores = runner.pop()
"""

from ._segpipe import (  # noqa: F401
    __version__,
    Error,
    InvalidArgumentError,
    NotFoundError,
    DataLossError,
    UnimplementedError,
    FailedPreconditionError,
    ResourceExhaustedError,
    CancelledError,
    DeadlineExceededError,
    UnavailableError,
    WriteFailedError,
    UnauthenticatedError,
    InternalError,
    TensorInfo,
    Model,
    Segment,
    Plan,
    PipelinedModelRunner,
    load_model,
    run,
    plan,
    compile,
    simulate,
    read_image,
)
