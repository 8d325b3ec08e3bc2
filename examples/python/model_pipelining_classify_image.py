#!/usr/bin/python3
"""Classifies an image with a model split into segments run as a pipeline, as pycoral's example
of the same name does with Edge TPUs (here: segpipe, over any device list).

  PYTHONPATH=build/python /usr/bin/python3 examples/python/model_pipelining_classify_image.py \
      --model ../shared/models/coral/mobilenet_v2_1.0_224_quant.tflite \
      --labels ../shared/inputs/coral/imagenet_labels.txt \
      --input ../shared/inputs/coral/cat.bmp --devices cpu:2
"""
import argparse
import pathlib
import re
import threading
import time

import numpy as np

import segpipe

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"


def read_label_file(path):
    """Labels as {index: name}, from 'N name' lines or one name per line."""
    labels = {}
    for i, line in enumerate(pathlib.Path(path).read_text().splitlines()):
        m = re.match(r"^\s*(\d+)[:\s]+(.*)$", line)
        if m:
            labels[int(m.group(1))] = m.group(2).strip()
        elif line.strip():
            labels[i] = line.strip()
    return labels


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("-m", "--model",
                        default=str(SHARED / "models/coral/mobilenet_v2_1.0_224_quant.tflite"))
    parser.add_argument("-i", "--input", default=str(SHARED / "inputs/coral/cat.bmp"))
    parser.add_argument("-l", "--labels", default=str(SHARED / "inputs/coral/imagenet_labels.txt"))
    parser.add_argument("-d", "--devices", default="cpu:2", help="devices of the pipeline")
    parser.add_argument("-k", "--top_k", type=int, default=1)
    parser.add_argument("-c", "--count", type=int, default=5, help="times to run the image")
    args = parser.parse_args()

    model = segpipe.load_model(args.model)
    plan = segpipe.plan(model, devices=args.devices, strategy="uniform")
    labels = read_label_file(args.labels) if args.labels else {}
    image = segpipe.read_image(model, args.input)

    with segpipe.PipelinedModelRunner(model, plan) as runner:
        def producer():
            for _ in range(args.count):
                runner.push([image])
            runner.close()

        start = time.perf_counter()
        thread = threading.Thread(target=producer)
        thread.start()
        results = []
        while (result := runner.pop()) is not None:
            results.append(result)
        thread.join()
        elapsed_ms = (time.perf_counter() - start) * 1000

    print(f"Segments: {len(plan.segments)} on {args.devices}")
    print(f"Average inference time (over {args.count} inferences): "
          f"{elapsed_ms / args.count:.2f} ms (pipelined)")
    out = model.outputs[0]
    scores = results[-1][0].reshape(-1).astype(np.float64)
    if out.scale:
        scores = (scores - out.zero_point) * out.scale
    print("-------RESULTS--------")
    for index in np.argsort(-scores)[: args.top_k]:
        print(f"{labels.get(int(index), int(index))}: {scores[index]:.5f}")


if __name__ == "__main__":
    main()
