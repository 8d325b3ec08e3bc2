// Fuzz target bodies: see fuzz_targets.h.
#include "fuzz_targets.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/model/model.h"
#include "segpipe/tflite/internal/edgetpu_package.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::fuzz {
namespace {

// Limits on the models the exec target runs, so one execution stays in the low milliseconds
// under ASan. Models above them are read and validated, then skipped: their size is not a bug.
constexpr int64_t kMaxFuzzMacs = 2'000'000;           // all ops together
constexpr int64_t kMaxFuzzElementsPerOp = 1'000'000;  // inputs + outputs of one op
constexpr int64_t kMaxFuzzWindowWork = 4'000'000;     // pool window area x output elements
constexpr size_t kMaxFuzzOps = 256;

// Sum of the elements an op reads and writes; -1 when a shape is invalid.
int64_t OpElements(const Model& model, const Op& op) {
  int64_t total = 0;
  for (const std::vector<int32_t>* list : {&op.inputs, &op.outputs})
    for (int32_t t : *list) {
      if (t < 0) continue;
      const int64_t n = model.tensor(t).num_elements();
      if (n < 0) return -1;
      total += n;
    }
  return total;
}

bool SmallEnoughToRun(const Model& model) {
  if (model.ops.size() > kMaxFuzzOps) return false;
  int64_t macs = 0;
  for (const Op& op : model.ops) {
    const int64_t elements = OpElements(model, op);
    if (elements < 0 || elements > kMaxFuzzElementsPerOp) return false;
    const OpCost cost = ComputeOpCost(model, op);
    if (cost.macs < 0 || cost.macs > kMaxFuzzMacs) return false;
    macs += cost.macs;
    if (macs > kMaxFuzzMacs) return false;
    if (op.type == OpType::kAveragePool2D || op.type == OpType::kMaxPool2D) {
      const int64_t area = static_cast<int64_t>(std::max(op.options.filter_w, 0)) *
                           std::max(op.options.filter_h, 0);
      if (area * elements > kMaxFuzzWindowWork) return false;
    }
  }
  return true;
}

}  // namespace

void FuzzTfliteReader(std::span<const uint8_t> bytes) {
  // The bytes as a DarwiNN package, and the model as a compiled one: malformed packages are
  // DataLoss, never a crash.
  StatusOr<EdgeTpuPackage> package = ParseEdgeTpuPackage(bytes);
  SEGPIPE_CHECK(package.ok() || package.status().code() == StatusCode::kDataLoss);
  if (StatusOr<Model> compiled = ReadTflite(bytes, {.allow_edgetpu = true});
      compiled.ok() && IsEdgeTpuCompiled(*compiled)) {
    StatusOr<EdgeTpuCompiledModel> e = ReadEdgeTpuCompiledModel(*compiled);
    SEGPIPE_CHECK(e.ok() || e.status().code() == StatusCode::kDataLoss);
    ModelSummary summary = SummarizeModel(*compiled);
    if (e.ok()) summary.edgetpu = *std::move(e);
    (void)FormatSummaryText(summary);
    (void)FormatSummaryJson(summary);
  }
  StatusOr<Model> model = ReadTflite(bytes);
  if (!model.ok()) {
    // A refusal must say something a user can act on.
    SEGPIPE_CHECK(!model.status().message().empty());
    return;
  }
  const ModelSummary summary = SummarizeModel(*model);
  (void)FormatSummaryText(summary);
  (void)FormatSummaryJson(summary);
  const std::vector<int> ends = LayerEnds(*model);
  SEGPIPE_CHECK(model->ops.empty() || (!ends.empty() && ends.back() == static_cast<int>(model->ops.size()) - 1));
  for (const Op& op : model->ops) (void)ComputeOpCost(*model, op);
  if (!model->ops.empty()) {
    (void)SegmentBoundaries(*model, ends);
    const int last = static_cast<int>(model->ops.size()) - 1;
    StatusOr<Model> head = ExtractSegment(*model, 0, last / 2);
    StatusOr<Model> tail = ExtractSegment(*model, last / 2 + (last > 0 ? 1 : 0), last);
    (void)head;
    (void)tail;
  }

  // Whatever we read, we can write; the written file reads back, and writing that again gives
  // the same bytes (byte equality also holds for NaN scales, where Model equality would not).
  StatusOr<std::vector<uint8_t>> written = WriteTflite(*model);
  if (!written.ok()) std::fprintf(stderr, "write failed: %s\n", written.status().ToString().c_str());
  SEGPIPE_CHECK(written.ok());
  StatusOr<Model> reread = ReadTflite(*written);
  if (!reread.ok()) std::fprintf(stderr, "re-read failed: %s\n", reread.status().ToString().c_str());
  SEGPIPE_CHECK(reread.ok());
  SEGPIPE_CHECK(reread->ops.size() == model->ops.size());
  SEGPIPE_CHECK(reread->tensors.size() == model->tensors.size());
  StatusOr<std::vector<uint8_t>> rewritten = WriteTflite(*reread);
  SEGPIPE_CHECK(rewritten.ok());
  SEGPIPE_CHECK(*rewritten == *written);
}

void FuzzTfliteExec(std::span<const uint8_t> bytes) {
  StatusOr<Model> model = ReadTflite(bytes);
  if (!model.ok() || !SmallEnoughToRun(*model)) return;
  StatusOr<std::unique_ptr<Executor>> exec =
      Executor::Create(std::move(*model), KernelOptions{.kernels = KernelSet::kReference,
                                                        .max_arena_bytes = int64_t{256} << 20});
  if (!exec.ok()) {
    SEGPIPE_CHECK(!exec.status().message().empty());
    return;
  }
  Executor& e = **exec;
  // A fixed, non-constant input pattern: the fuzzer varies the model, not the data.
  for (int i = 0; i < e.num_inputs(); ++i) {
    std::span<uint8_t> in = e.input(i);
    for (size_t k = 0; k < in.size(); ++k) in[k] = static_cast<uint8_t>(k * 37 + 11);
  }
  e.Invoke();
  for (int i = 0; i < e.num_outputs(); ++i) {
    std::span<const uint8_t> out = e.output(i);
    SEGPIPE_CHECK(static_cast<int64_t>(out.size()) == e.output_tensor(i).num_bytes());
  }
}

}  // namespace segpipe::fuzz
