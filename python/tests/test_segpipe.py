"""The segpipe Python module: models, plans, the pipelined runner and its failure semantics."""
import subprocess
import threading

import numpy as np
import pytest

import segpipe

from conftest import REPO, SHARED, SMALL_MODEL


def random_input(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=t.shape, dtype=np.uint8) for t in model.inputs]


def test_version():
    assert segpipe.__version__.count(".") == 2


def test_model_description(model):
    (inp,) = model.inputs
    assert inp.shape == (1, 128, 128, 3)
    assert inp.dtype == np.uint8
    assert inp.scale > 0
    assert model.outputs[0].shape[-1] == 1001
    assert model.ops > 10
    assert model.macs > 0


def test_missing_model_raises_not_found():
    with pytest.raises(segpipe.NotFoundError) as e:
        segpipe.load_model("/nonexistent/model.tflite")
    assert isinstance(e.value, segpipe.Error)
    assert "/nonexistent/model.tflite" in str(e.value)


def test_error_classes_cover_every_status_code():
    names = ["InvalidArgumentError", "NotFoundError", "DataLossError", "UnimplementedError",
             "FailedPreconditionError", "ResourceExhaustedError", "CancelledError",
             "DeadlineExceededError", "UnavailableError", "WriteFailedError",
             "UnauthenticatedError", "InternalError"]
    for name in names:
        assert issubclass(getattr(segpipe, name), segpipe.Error)


def test_corrupt_model_raises_data_loss(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a flatbuffer at all, just text")
    with pytest.raises(segpipe.Error):
        segpipe.load_model(str(bad))


def test_two_stage_runner_matches_the_whole_model_bit_for_bit(model, cpu2_plan):
    assert len(cpu2_plan.segments) == 2
    assert [s.device for s in cpu2_plan.segments] == ["cpu:0", "cpu:1"]
    inputs = [random_input(model, k) for k in range(5)]
    results = []
    with segpipe.PipelinedModelRunner(model, cpu2_plan) as runner:
        def produce():
            for x in inputs:
                runner.push(x)
            runner.close()
        producer = threading.Thread(target=produce)
        producer.start()
        while (out := runner.pop()) is not None:
            results.append(out)
        producer.join()
        assert runner.stats()["completed"] == len(inputs)
    assert len(results) == len(inputs)
    for x, got in zip(inputs, results):
        want = segpipe.run(model, x)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_dict_push_by_input_name(model, cpu2_plan):
    x = random_input(model, 7)
    with segpipe.PipelinedModelRunner(model, cpu2_plan) as runner:
        runner.push({model.inputs[0].name: x[0]})
        out = runner.pop()
    np.testing.assert_array_equal(out[0], segpipe.run(model, x)[0])


def test_bad_inputs_are_refused_and_the_stream_goes_on(model, cpu2_plan):
    with segpipe.PipelinedModelRunner(model, cpu2_plan) as runner:
        with pytest.raises(segpipe.InvalidArgumentError, match="shape"):
            runner.push([np.zeros((1, 64, 64, 3), np.uint8)])
        with pytest.raises(segpipe.InvalidArgumentError, match="uint8"):
            runner.push([np.zeros((1, 128, 128, 3), np.float32)])
        with pytest.raises(segpipe.InvalidArgumentError, match="no input named"):
            runner.push({"nope": np.zeros((1, 128, 128, 3), np.uint8)})
        x = random_input(model, 3)
        runner.push(x)
        runner.close()
        out = runner.pop()
        np.testing.assert_array_equal(out[0], segpipe.run(model, x)[0])
        assert runner.pop() is None  # end of stream
        assert runner.pop() is None
        with pytest.raises(segpipe.FailedPreconditionError):
            runner.push(x)  # after close


def test_leaving_unpopped_results_does_not_hang(model, cpu2_plan):
    runner = segpipe.PipelinedModelRunner(model, cpu2_plan, queue_size=2)
    runner.push(random_input(model, 1))
    runner.push(random_input(model, 2))
    with runner:
        pass  # closes and joins with two results never popped
    del runner


def test_plan_save_and_load(model, tmp_path):
    plan = segpipe.plan(model, devices="edgetpu:2", strategy="optimal")
    path = tmp_path / "plan.json"
    plan.save(str(path))
    back = segpipe.Plan.load(str(path))
    assert [(s.first_op, s.last_op, s.device) for s in back.segments] == \
        [(s.first_op, s.last_op, s.device) for s in plan.segments]
    assert back.segments[0].on_chip_bytes == plan.segments[0].on_chip_bytes
    assert back.time_per_inference_ms == pytest.approx(plan.time_per_inference_ms)
    report = segpipe.simulate(model, back, batch=10)
    assert report["time_per_inference_ms"] > 0
    assert len(report["stages"]) == 2


def test_plan_refuses_bad_words(model):
    with pytest.raises(segpipe.InvalidArgumentError):
        segpipe.plan(model, devices="gpu:3")
    with pytest.raises(segpipe.InvalidArgumentError):
        segpipe.plan(model, devices="cpu:2", strategy="fastest")


def test_plan_for_another_model_is_refused(model, cpu2_plan):
    other = segpipe.load_model(str(SHARED / "models" / "coral" / "mobilenet_v1_0.5_160_quant.tflite"))
    with pytest.raises(segpipe.InvalidArgumentError):
        segpipe.PipelinedModelRunner(other, cpu2_plan)


def test_compile_writes_the_segments(model, tmp_path):
    plan = segpipe.plan(model, devices="edgetpu:2", strategy="uniform")
    files = segpipe.compile(model, str(tmp_path / "out"), plan=plan)
    assert len(files) == 2
    for f in files:
        assert segpipe.load_model(f).ops > 0
    assert len(segpipe.compile(model, str(tmp_path / "three"), segments=3)) == 3


def test_read_image_gives_the_model_input(model):
    x = segpipe.read_image(model, str(SHARED / "inputs" / "coral" / "cat.bmp"))
    assert x.shape == model.inputs[0].shape and x.dtype == np.uint8
    with pytest.raises(segpipe.NotFoundError):
        segpipe.read_image(model, "/nonexistent.bmp")


def _serve(token_file, log):
    """A `segpipe serve` on a free loopback port: (process, "127.0.0.1:PORT")."""
    cli = REPO / "build" / "segpipe"
    proc = subprocess.Popen([str(cli), "serve", "--listen", "127.0.0.1:0", "--token-file",
                             str(token_file)], stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


@pytest.mark.skipif(not (REPO / "build" / "segpipe").exists(), reason="the CLI is not built")
def test_runner_on_two_stage_hosts_matches_the_whole_model(model, tmp_path):
    token = tmp_path / "token"
    token.write_text("python-test-token\n")
    with open(tmp_path / "hosts.log", "w") as log:
        hosts = [_serve(token, log) for _ in range(2)]
        try:
            devices = ",".join(f"cpu:1@{address}" for _, address in hosts)
            plan = segpipe.plan(model, devices=devices, strategy="uniform")
            assert [s.device for s in plan.segments] == [f"cpu:0@{hosts[0][1]}",
                                                         f"cpu:1@{hosts[1][1]}"]
            inputs = [random_input(model, k) for k in range(3)]
            with segpipe.PipelinedModelRunner(model, plan,
                                              stage_host_token="python-test-token") as runner:
                for x in inputs:
                    runner.push(x)
                runner.close()
                results = []
                while (out := runner.pop()) is not None:
                    results.append(out)
            assert len(results) == len(inputs)
            for x, got in zip(inputs, results):
                for g, w in zip(got, segpipe.run(model, x)):
                    np.testing.assert_array_equal(g, w)
            with pytest.raises(segpipe.UnauthenticatedError):
                segpipe.PipelinedModelRunner(model, plan, stage_host_token="wrong")
        finally:
            for proc, _ in hosts:
                proc.terminate()
                assert proc.wait(timeout=30) == 0
