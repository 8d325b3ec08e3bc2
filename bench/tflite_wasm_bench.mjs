// Times the real TFLite runtime (its WebAssembly build, XNNPACK, one thread) on the models and
// inputs models_benchmark exported, so segpipe's latency can be put side by side with it.
//
//   tests/node/ensure.sh
//   build/bench/models_benchmark --export_dir=DIR --benchmark_filter=NONE
//   node bench/tflite_wasm_bench.mjs DIR/manifest.json [--repetitions=R] [--min_seconds=S]
//
// For every network of the manifest ({name, macs, input, models: [file, ...]}; the models run
// back to back, output 0 of one feeding input 0 of the next) it prints one JSON line:
// {name, macs, iterations, repetitions, median_cpu_ms, median_wall_ms, min_wall_ms}. Each
// repetition runs inferences for at least min_seconds and records the mean time per inference;
// medians are over repetitions. CPU time is the process's user+system time: the runtime is
// single-threaded here, and on a shared machine wall time also counts other processes.
// The runtime is loaded as tests/node/tflite_run.mjs loads it (the package's documented entry
// point needs a browser; the Emscripten module is handed the .wasm bytes directly).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.join(here, '..', 'tests', 'node', 'node_modules', '@tensorflow', 'tfjs-tflite', 'wasm');

function fail(message) {
  process.stderr.write(`tflite_wasm_bench: ${message}\n`);
  process.exit(1);
}

function bytesOf(tensor) {
  const d = tensor.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

async function loadRuntime() {
  const jsPath = path.join(wasmDir, 'tflite_web_api_cc_simd.js');
  if (!fs.existsSync(jsPath)) fail(`${jsPath} is missing: run tests/node/ensure.sh first`);
  const require = createRequire(import.meta.url);
  const factory = require(jsPath);
  const log = (s) => process.stderr.write(`${s}\n`);
  return factory({
    wasmBinary: fs.readFileSync(path.join(wasmDir, 'tflite_web_api_cc_simd.wasm')),
    print: log,
    printErr: log,
  });
}

function createRunner(runtime, file) {
  const bytes = fs.readFileSync(file);
  const ptr = runtime._malloc(bytes.length);
  runtime.HEAPU8.set(bytes, ptr);  // the runner keeps pointing at these bytes
  const created = runtime.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!created.ok()) fail(`the TFLite runtime refused ${file}: ${created.errorMessage()}`);
  return created.value();
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main() {
  const args = process.argv.slice(2);
  const manifestPath = args.find((a) => !a.startsWith('--'));
  if (!manifestPath) fail('usage: node tflite_wasm_bench.mjs MANIFEST.json [--repetitions=R] [--min_seconds=S]');
  const option = (name, fallback) => {
    const a = args.find((x) => x.startsWith(`--${name}=`));
    return a ? Number(a.split('=')[1]) : fallback;
  };
  const repetitions = option('repetitions', 5);
  const minSeconds = option('min_seconds', 0.5);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const runtime = await loadRuntime();

  for (const net of manifest) {
    const runners = net.models.map((file) => createRunner(runtime, file));
    const input = fs.readFileSync(net.input);
    const first = bytesOf(runners[0].GetInputs().get(0));
    if (first.length !== input.length) fail(`${net.input}: ${input.length} bytes, the model wants ${first.length}`);
    first.set(input);
    const infer = () => {
      for (let i = 0; i < runners.length; ++i) {
        if (i > 0) bytesOf(runners[i].GetInputs().get(0)).set(bytesOf(runners[i - 1].GetOutputs().get(0)));
        if (!runners[i].Infer()) fail(`inference failed in ${net.models[i]}`);
      }
    };
    infer();  // warm-up: first-run allocations and packing
    const cpuMs = [];
    const wallMs = [];
    let iterations = 0;
    for (let r = 0; r < repetitions; ++r) {
      const cpu0 = process.cpuUsage();
      const wall0 = process.hrtime.bigint();
      let n = 0;
      let elapsed = 0;
      do {
        infer();
        ++n;
        elapsed = Number(process.hrtime.bigint() - wall0) / 1e9;
      } while (elapsed < minSeconds);
      const cpu = process.cpuUsage(cpu0);
      cpuMs.push((cpu.user + cpu.system) / 1000 / n);
      wallMs.push((elapsed * 1000) / n);
      iterations += n;
    }
    process.stdout.write(JSON.stringify({
      name: net.name,
      macs: net.macs,
      iterations,
      repetitions,
      median_cpu_ms: median(cpuMs),
      median_wall_ms: median(wallMs),
      min_wall_ms: Math.min(...wallMs),
    }) + '\n');
    for (const r of runners) r.delete?.();
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
