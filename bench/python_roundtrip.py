#!/usr/bin/python3
"""What the Python module adds to a pipeline's round trip: push one input, pop its result, one
input in flight, through segpipe.PipelinedModelRunner and through the same runner from C++
(bench/runner_roundtrip.cc), on the same model and plan. Prints both and the difference per input
(the best round of each; C++ and Python rounds alternate, so both see the same machine).

  PYTHONPATH=build/python /usr/bin/python3 bench/python_roundtrip.py \
      --cpp build/bench/runner_roundtrip --model MODEL.tflite
"""
import argparse
import subprocess
import time

import numpy as np

import segpipe


def python_us(model, plan, inputs, rounds):
    x = [np.full(t.shape, 7, dtype=t.dtype) for t in model.inputs]
    best = float("inf")
    for _ in range(rounds):
        with segpipe.PipelinedModelRunner(model, plan) as runner:
            start = time.perf_counter()
            for _ in range(inputs):
                runner.push(x)
                runner.pop()
            best = min(best, (time.perf_counter() - start) * 1e6 / inputs)
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cpp", required=True, help="the runner_roundtrip binary")
    p.add_argument("--model", required=True)
    p.add_argument("--devices", default="cpu:2")
    p.add_argument("--inputs", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    model = segpipe.load_model(a.model)
    plan = segpipe.plan(model, devices=a.devices, strategy="uniform")
    cpp = py = float("inf")
    for _ in range(a.rounds):
        cpp = min(cpp, float(subprocess.check_output(
            [a.cpp, a.devices, a.model, str(a.inputs), "1"], text=True)))
        py = min(py, python_us(model, plan, a.inputs, 1))
    print(f"model {a.model}, devices {a.devices}, {a.inputs} inputs x {a.rounds} rounds (best)")
    print(f"C++ push/pop round trip:    {cpp:8.2f} us per input")
    print(f"Python push/pop round trip: {py:8.2f} us per input")
    print(f"Python overhead:            {py - cpp:8.2f} us per input")


if __name__ == "__main__":
    main()
