#!/usr/bin/env bash
# What segpipe is for, in under a minute:
#  1. The paper's largest FC model (n = 2620) on one modelled Edge TPU streams most of its
#     weights from host memory on every inference. `segpipe plan --strategy auto` picks how many
#     TPUs to use and where to cut; the chosen pipeline runs (paced to the Edge TPU model) and
#     the speedup over one TPU is printed.
#  2. A real model (MobileNet v2 1.0, 224x224, uint8) split over this machine's CPU cores by
#     profiling each candidate segment for real (`--profile measure`), then run as a pipeline
#     with measured throughput next to one core.
#  3. The same model across two stage hosts (`segpipe serve`, here both on loopback): hosts
#     stream to each other over gRPC, and the outputs equal the whole model's.
# Usage: scripts/demo.sh [BUILD_DIR]   (default: build). Installs the Debian packages segpipe
# needs, builds the CLI (`ninja segpipe_cli`, incremental) and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
segpipe="$build/segpipe"
bash scripts/install-deps.sh
echo "== building $segpipe"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" segpipe_cli
work=$(mktemp -d)
hosts=()
cleanup() {
  for pid in "${hosts[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

echo "== 1. The paper's FC model, n = 2620 (5 dense layers, 21 MiB of int8 weights)"
"$segpipe" synth fc --hidden 2620 --calibration-inputs 0 -o "$work/fc2620.tflite" >/dev/null
echo "-- auto: how many of 4 Edge TPUs, and where to cut (analytic Edge TPU model)"
"$segpipe" plan "$work/fc2620.tflite" --devices edgetpu:4 --strategy auto --no-replication
"$segpipe" plan "$work/fc2620.tflite" --devices edgetpu:4 --strategy auto --no-replication \
  --json -o "$work/fc_plan.json" >/dev/null
tpus=$(json "$work/fc_plan.json" 'len(d["segments"])')
split=$(json "$work/fc_plan.json" 'd["layout"]')
echo "-- running 50 inputs on 1 modelled Edge TPU, then on the $tpus-TPU pipeline auto chose"
"$segpipe" run "$work/fc2620.tflite" --devices edgetpu:1 --batch 50 --json > "$work/fc_1.json"
"$segpipe" run "$work/fc2620.tflite" --plan "$work/fc_plan.json" --batch 50 \
  --json > "$work/fc_n.json"
one=$(json "$work/fc_1.json" 'd["time_per_inference_ms"]')
many=$(json "$work/fc_n.json" 'd["time_per_inference_ms"]')
/usr/bin/python3 -c "import sys; a,b,n=float(sys.argv[1]),float(sys.argv[2]),sys.argv[3]; \
print(f'1 Edge TPU: {a:.3f} ms per inference; {n} Edge TPUs {sys.argv[4]}: '\
f'{b:.3f} ms per inference; speedup {a/b:.1f}x')" "$one" "$many" "$tpus" "$split"

echo
model=../shared/models/coral/mobilenet_v2_1.0_224_quant.tflite
cores=$(nproc)
(( cores > 4 )) && cores=4
if [[ ! -f "$model" || $cores -lt 2 ]]; then
  echo "== 2. skipped: needs $model and at least 2 CPU cores"
  exit 0
fi
echo "== 2. MobileNet v2 1.0 over $cores CPU cores, split by measuring every candidate segment"
"$segpipe" plan "$model" --devices "cpu:$cores" --profile measure --strategy optimal \
  --measure-repeats 3 --json -o "$work/cpu_plan.json" >/dev/null
echo "$(json "$work/cpu_plan.json" 'd["layout"]') chosen from $(json "$work/cpu_plan.json" \
  'd["profiles_taken"]') measured segments (predicted bottleneck \
$(json "$work/cpu_plan.json" 'round(d["period_ms"], 2)') ms)"
"$segpipe" run "$model" --devices cpu:1 --batch 20 --json > "$work/cpu_1.json"
"$segpipe" run "$model" --plan "$work/cpu_plan.json" --batch 20 --json > "$work/cpu_n.json"
/usr/bin/python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); \
print(f'1 core: {a[\"throughput_per_s\"]:.1f} inferences/s; {sys.argv[3]}-stage pipeline: '\
f'{b[\"throughput_per_s\"]:.1f} inferences/s (measured, batch of 20)')" \
  "$work/cpu_1.json" "$work/cpu_n.json" "$cores"

echo
echo "== 3. MobileNet v2 across two stage hosts (two 'segpipe serve' on loopback, gRPC between them)"
head -c 24 /dev/urandom | base64 > "$work/token"
addresses=()
for h in 1 2; do
  "$segpipe" serve --listen 127.0.0.1:0 --devices cpu:1 --token-file "$work/token" \
    > "$work/host$h.out" 2> "$work/host$h.err" &
  hosts+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/host$h.out" && break; sleep 0.1; done
  addresses+=("$(awk '/listening on/ {print $3}' "$work/host$h.out")")
done
devices="cpu:1@${addresses[0]},cpu:1@${addresses[1]}"
echo "-- segpipe run $model --devices $devices --token-file TOKEN --batch 100"
"$segpipe" run "$model" --devices "$devices" --token-file "$work/token" --batch 100 \
  --json > "$work/remote.json"
"$segpipe" run "$model" --random --repeat 1 --json > "$work/whole.json"
/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); w=json.load(open(sys.argv[2])); \
print(f'two hosts: {r[\"throughput_per_s\"]:.1f} inferences/s; outputs digest '\
f'{\"equal to\" if r[\"outputs_digest\"] == w[\"outputs_digest\"] else \"DIFFERENT from\"} '\
f'the whole model run in one process')" "$work/remote.json" "$work/whole.json"
