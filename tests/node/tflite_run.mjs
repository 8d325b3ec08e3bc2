// Runs a .tflite file in the real TFLite runtime (its WebAssembly build from
// @tensorflow/tfjs-tflite) on raw input tensors, so tests can compare what segpipe reads, writes
// and computes with what TFLite itself does.
//
//   node tests/node/tflite_run.mjs MODEL.tflite IN_DIR OUT_DIR
//
// For every input set IN_DIR/<k>/ holding input<i>.bin (raw bytes of model input i) it writes
// OUT_DIR/<k>/output<j>.bin (raw bytes of model output j). One runtime instance serves all sets,
// because starting the runtime takes far longer than one inference. It also writes
// OUT_DIR/io.json describing the model's inputs and outputs (name, type, shape) as the runtime
// sees them. Exit code 0 on success; 1 with a message on stderr otherwise.
//
// The package's documented entry point needs a browser; loading the Emscripten module directly
// works under Node once it is handed the .wasm bytes (otherwise it tries fetch() on a relative
// URL, which Node rejects).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.join(here, 'node_modules', '@tensorflow', 'tfjs-tflite', 'wasm');

function fail(message) {
  process.stderr.write(`tflite_run: ${message}\n`);
  process.exit(1);
}

// Byte view of a tensor's memory inside the wasm heap. Taken fresh each time: the heap may grow
// and detach older views.
function bytesOf(tensor) {
  const d = tensor.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function describe(vector) {
  const list = [];
  for (let i = 0; i < vector.size(); ++i) {
    const t = vector.get(i);
    list.push({ name: t.name, type: t.dataType, shape: String(t.shape).split(',').filter((s) => s !== '').map(Number), bytes: bytesOf(t).length });
  }
  return list;
}

async function main() {
  const [modelPath, inDir, outDir] = process.argv.slice(2);
  if (!modelPath || !inDir || !outDir) fail('usage: node tflite_run.mjs MODEL.tflite IN_DIR OUT_DIR');
  const jsPath = path.join(wasmDir, 'tflite_web_api_cc_simd.js');
  if (!fs.existsSync(jsPath)) fail(`${jsPath} is missing: run tests/node/ensure.sh first`);
  let modelBytes;
  try {
    modelBytes = fs.readFileSync(modelPath);
  } catch (e) {
    fail(`cannot read ${modelPath}: ${e.message}`);
  }
  let sets;
  try {
    sets = fs.readdirSync(inDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (e) {
    fail(`cannot list ${inDir}: ${e.message}`);
  }

  const require = createRequire(import.meta.url);
  const factory = require(jsPath);
  const log = (s) => process.stderr.write(`${s}\n`);
  const runtime = await factory({
    wasmBinary: fs.readFileSync(path.join(wasmDir, 'tflite_web_api_cc_simd.wasm')),
    print: log,
    printErr: log,
  });

  const ptr = runtime._malloc(modelBytes.length);
  runtime.HEAPU8.set(modelBytes, ptr);
  // The runner keeps pointing at the model bytes, so they stay allocated until exit.
  const created = runtime.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, modelBytes.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!created.ok()) fail(`the TFLite runtime refused ${modelPath}: ${created.errorMessage()}`);
  const runner = created.value();
  const inputs = runner.GetInputs();
  const outputs = runner.GetOutputs();
  for (let j = 0; j < outputs.size(); ++j) {
    // The JS binding exposes no view for some types (int64 among them): refuse rather than
    // write an empty file a test could mistake for a result.
    if (outputs.get(j).dataType === 'unknown') {
      fail(`output ${j} ('${outputs.get(j).name}') has a type the runtime's JS API does not expose ` +
           '(e.g. int64); cut the model before the op that produces it');
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'io.json'),
                   JSON.stringify({ inputs: describe(inputs), outputs: describe(outputs) }, null, 1));

  for (const set of sets) {
    for (let i = 0; i < inputs.size(); ++i) {
      const file = path.join(inDir, set, `input${i}.bin`);
      let data;
      try {
        data = fs.readFileSync(file);
      } catch (e) {
        fail(`cannot read ${file}: ${e.message}`);
      }
      const dst = bytesOf(inputs.get(i));
      if (data.length !== dst.length) {
        fail(`${file} has ${data.length} bytes but input ${i} ('${inputs.get(i).name}') needs ${dst.length}`);
      }
      dst.set(data);
    }
    if (!runner.Infer()) fail(`inference failed on input set '${set}'`);
    fs.mkdirSync(path.join(outDir, set), { recursive: true });
    for (let j = 0; j < outputs.size(); ++j) {
      fs.writeFileSync(path.join(outDir, set, `output${j}.bin`), bytesOf(outputs.get(j)));
    }
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
