#!/usr/bin/python3
"""Prints the markdown tables of docs/benchmarks.md from benchmark results.

    bench/render_benchmarks.py KERNELS.json MODELS.json WASM.jsonl

KERNELS.json / MODELS.json: Google Benchmark JSON (--benchmark_out_format=json) of
kernels_benchmark / models_benchmark run with --benchmark_repetitions and
--benchmark_report_aggregates_only; the tables use the *median* aggregates. WASM.jsonl: the
output of bench/tflite_wasm_bench.mjs (one JSON object per line).
"""
import json
import sys


def medians(path):
    """name -> median aggregate row of a Google Benchmark JSON file."""
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            rows[b["run_name"]] = b
    return data.get("context", {}), rows


def ms(row, key):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[row["time_unit"]]
    return row[key] * scale


def fmt_ms(value):
    """Milliseconds, switching to microseconds below 0.1 ms so small models keep digits."""
    return f"{value * 1000:.2f} us" if value < 0.1 else f"{value:.3f} ms"


def main():
    kernels_path, models_path, wasm_path = sys.argv[1:4]
    context, kernels = medians(kernels_path)
    _, models = medians(models_path)
    wasm = {}
    with open(wasm_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                entry = json.loads(line)
                wasm[entry["name"]] = entry

    peak = kernels["BM_VnniPeak"]["GOPS"]
    print(f"Measured int8 peak (BM_VnniPeak, median): **{peak:.1f} GOPS** on one core "
          f"({context.get('mhz_per_cpu', '?')} MHz nominal, {context.get('num_cpus', '?')} CPUs).\n")
    print("| layer (one thread) | median CPU time | GOPS | % of measured peak |")
    print("|---|---:|---:|---:|")
    for name, row in kernels.items():
        if not name.startswith("BM_Layer/"):
            continue
        gops = row["GOPS"]
        print(f"| {name[len('BM_Layer/'):]} | {fmt_ms(ms(row, 'cpu_time'))} | {gops:.1f} | "
              f"{100.0 * gops / peak:.1f}% |")
    print()
    print("| model (one thread) | segpipe fast: median CPU time | median wall time | GOPS | "
          "% of peak | fast ops / ops | TFLite wasm: median CPU time | wasm / segpipe |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in models.items():
        short = name[len("BM_Model/"):]
        ours = ms(row, "cpu_time")
        gops = row["GOPS"]
        w = wasm.get(short)
        theirs = fmt_ms(w["median_cpu_ms"]) if w else "n/a"
        ratio = f"{w['median_cpu_ms'] / ours:.1f}x" if w else "n/a"
        print(f"| {short} | {fmt_ms(ours)} | {fmt_ms(ms(row, 'real_time'))} | {gops:.1f} | "
              f"{100.0 * gops / peak:.1f}% | {int(row['fast_ops'])} / {int(row['ops'])} | "
              f"{theirs} | {ratio} |")


if __name__ == "__main__":
    main()
