// Segment names, README and compiled-segment checks; see edgetpu_handoff.h.
#include "segpipe/device/internal/edgetpu_handoff.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <tuple>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe {
namespace {

constexpr char kCompiledSuffix[] = "_edgetpu.tflite";

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

std::string JoinOrNone(const std::vector<std::string>& names) {
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string SegmentFileName(const std::string& stem, int k, int n) {
  return fmt::format("{}_segment_{}_of_{}.tflite", stem, k, n);
}

std::string CompiledFileName(const std::string& cpu_file) {
  return Stem(cpu_file) + kCompiledSuffix;
}

StatusOr<std::vector<std::string>> WriteCompiledSegments(const Model& model,
                                                         const std::string& model_path,
                                                         const EdgeTpuCompilation& c,
                                                         const std::string& out_dir,
                                                         const std::vector<std::string>& inputs) {
  // A model read from memory has no path: its files and README are named after "model.tflite".
  const std::string source = model_path.empty() ? std::string("model.tflite") : model_path;
  SEGPIPE_RETURN_IF_ERROR(CheckModelCanBeCut(model, source));
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return WriteFailedError(fmt::format("{}: cannot create the folder: {}", out_dir,
                                              ec.message()));
  if (!std::filesystem::is_directory(out_dir, ec))
    return WriteFailedError(fmt::format("{}: is not a folder", out_dir));
  const std::string stem = Stem(source);
  // Every segment is written before any is renamed into place: all of them or none.
  FileSetWriter files;
  std::vector<std::string> paths;
  for (const CompiledSegment& seg : c.segments) {
    SEGPIPE_ASSIGN_OR_RETURN(Model piece,
                             ExtractSegment(model, seg.placement.first_op, seg.placement.last_op));
    const std::string path =
        (std::filesystem::path(out_dir) / SegmentFileName(stem, seg.index, c.num_segments))
            .string();
    SEGPIPE_RETURN_IF_ERROR(CheckOutputIsNotAnInput(path, "segment file", inputs));
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, WriteTflite(piece));
    SEGPIPE_RETURN_IF_ERROR(files.Add(path, bytes));
    paths.push_back(path);
  }
  SEGPIPE_RETURN_IF_ERROR(files.Add((std::filesystem::path(out_dir) / "README.txt").string(),
                                    HandoffReadme(source, c)));
  SEGPIPE_RETURN_IF_ERROR(files.Commit());
  return paths;
}

std::string HandoffReadme(const std::string& model_path, const EdgeTpuCompilation& c) {
  const std::string stem = Stem(model_path);
  std::string out =
      fmt::format("Segments of {} for {} Edge TPU(s), written by `segpipe compile` (split {}).\n\n",
                  std::filesystem::path(model_path).filename().string(), c.num_segments,
                  SplitSpecName(c.split));
  out +=
      "1. Compile each segment for the Edge TPU (edgetpu_compiler, https://coral.ai/software/),\n"
      "   from this directory:\n\n";
  for (const CompiledSegment& seg : c.segments)
    out += fmt::format("   edgetpu_compiler --show_operations --out_dir . {}\n",
                       SegmentFileName(stem, seg.index, c.num_segments));
  out += "\n   Each writes <segment>_edgetpu.tflite and <segment>_edgetpu.log here.\n\n";
  out +=
      "2. Compare what the compiler did with segpipe's prediction (bytes on and off chip, ops\n"
      "   left on the CPU):\n\n   segpipe compile --check-compiled .\n\n";
  out += "   segpipe predicted:\n";
  for (const CompiledSegment& seg : c.segments) {
    out += fmt::format(
        "   segment {} (layers {}-{}, ops {}-{}): on-chip {}, off-chip {}, {} op(s) on the CPU\n",
        seg.index, seg.first_layer, seg.last_layer, seg.placement.first_op, seg.placement.last_op,
        FormatCompilerBytes(seg.placement.on_chip_bytes),
        FormatCompilerBytes(seg.placement.off_chip_bytes), seg.placement.cpu_ops.size());
  }
  out += "\n3. Run the compiled segments as a pipeline, one Edge TPU per segment (pycoral):\n\n";
  out +=
      "import threading\n\nimport numpy as np\n"
      "from pycoral.pipeline.pipelined_model_runner import PipelinedModelRunner\n"
      "from pycoral.utils.edgetpu import make_interpreter\n\n";
  out += "paths = [\n";
  for (const CompiledSegment& seg : c.segments)
    out += fmt::format("    '{}',\n",
                       CompiledFileName(SegmentFileName(stem, seg.index, c.num_segments)));
  out += "]\n";
  out +=
      "interpreters = [make_interpreter(path, device=':%d' % i) for i, path in enumerate(paths)]\n"
      "for interpreter in interpreters:\n"
      "    interpreter.allocate_tensors()\n"
      "runner = PipelinedModelRunner(interpreters)\n"
      "details = interpreters[0].get_input_details()[0]\n\n"
      "def produce(count):\n"
      "    for _ in range(count):\n"
      "        runner.push({details['name']: np.zeros(details['shape'], details['dtype'])})\n"
      "    runner.push({})  # end of input\n\n"
      "producer = threading.Thread(target=produce, args=(100,))\n"
      "producer.start()\n"
      "while True:\n"
      "    outputs = runner.pop()  # dict: output tensor name -> numpy array\n"
      "    if not outputs:\n"
      "        break\n"
      "producer.join()\n";
  return out;
}

StatusOr<std::vector<CompiledSegmentCheck>> CheckCompiledSegments(const std::string& dir,
                                                                  const EdgeTpuSpec& spec) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return NotFoundError(
        fmt::format("{}: not a directory; pass the directory `compile -o` wrote", dir));
  static const std::regex kSegment(R"((.+)_segment_(\d+)_of_(\d+)\.tflite)");
  std::vector<CompiledSegmentCheck> checks;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, kSegment)) continue;
    CompiledSegmentCheck check;
    check.k = std::stoi(match[2].str().substr(0, 6));
    check.n = std::stoi(match[3].str().substr(0, 6));
    check.cpu_file = name;
    check.compiled_file = CompiledFileName(name);
    checks.push_back(std::move(check));
  }
  if (ec) return DataLossError(fmt::format("{}: cannot list: {}", dir, ec.message()));
  if (checks.empty())
    return NotFoundError(fmt::format(
        "{}: no <model>_segment_<k>_of_<n>.tflite files; write them with `segpipe compile MODEL "
        "--segments N -o {}`",
        dir, dir));
  std::sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) {
    return std::tie(a.n, a.cpu_file) < std::tie(b.n, b.cpu_file);
  });
  for (CompiledSegmentCheck& check : checks) {
    const std::string cpu_path = (std::filesystem::path(dir) / check.cpu_file).string();
    SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(cpu_path));
    SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation predicted,
                             CompileForEdgeTpu(model, 1, SplitSpec{}, spec));
    const SegmentPlacement& p = predicted.segments[0].placement;
    check.predicted_on_chip_bytes = p.on_chip_bytes;
    check.predicted_off_chip_bytes = p.off_chip_bytes;
    for (int op : p.cpu_ops) check.predicted_cpu_ops.push_back(OpDisplayName(model.ops[op]));
    const std::string compiled_path = (std::filesystem::path(dir) / check.compiled_file).string();
    if (!std::filesystem::exists(compiled_path, ec)) continue;
    SEGPIPE_ASSIGN_OR_RETURN(Model compiled_model,
                             ReadTfliteFile(compiled_path, {.allow_edgetpu = true}));
    StatusOr<EdgeTpuCompiledModel> compiled = ReadEdgeTpuCompiledModel(compiled_model);
    if (!compiled.ok()) return compiled.status().WithContext(compiled_path);
    check.compiled = true;
    check.actual_on_chip_bytes = compiled->on_chip_bytes;
    check.actual_off_chip_bytes = compiled->off_chip_bytes;
    check.actual_cpu_ops = compiled->cpu_ops;
    check.compiler_version = compiled->compiler_version;
  }
  return checks;
}

std::string FormatCompiledSegmentChecks(const std::vector<CompiledSegmentCheck>& checks) {
  std::string out;
  int compiled = 0;
  for (const CompiledSegmentCheck& c : checks) {
    out += fmt::format("Segment {} of {}: {}\n", c.k, c.n, c.cpu_file);
    if (!c.compiled) {
      out += fmt::format("  predicted on-chip {}, off-chip {}; CPU ops: {}\n",
                         FormatCompilerBytes(c.predicted_on_chip_bytes),
                         FormatCompilerBytes(c.predicted_off_chip_bytes),
                         JoinOrNone(c.predicted_cpu_ops));
      out += fmt::format("  not compiled yet: {} is missing (see README.txt)\n", c.compiled_file);
      continue;
    }
    ++compiled;
    auto row = [&](const char* what, int64_t predicted, int64_t actual) {
      out += fmt::format("  {:<9} predicted {:>10}  actual {:>10}  error {:+.2f} MiB\n", what,
                         FormatCompilerBytes(predicted), FormatCompilerBytes(actual),
                         static_cast<double>(predicted - actual) / kMiB);
    };
    out += fmt::format("  compiled by edgetpu_compiler {}\n", c.compiler_version);
    row("on-chip", c.predicted_on_chip_bytes, c.actual_on_chip_bytes);
    row("off-chip", c.predicted_off_chip_bytes, c.actual_off_chip_bytes);
    out += fmt::format("  CPU ops   predicted {}; actual {}{}\n", JoinOrNone(c.predicted_cpu_ops),
                       JoinOrNone(c.actual_cpu_ops),
                       c.predicted_cpu_ops == c.actual_cpu_ops ? " (same)" : " (differ)");
  }
  out += fmt::format("{} of {} segment(s) compiled\n", compiled, checks.size());
  return out;
}

}  // namespace segpipe
