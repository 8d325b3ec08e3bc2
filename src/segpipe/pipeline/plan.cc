// PipelinePlan: segment extraction, edge layouts and forwarding for a split model.
#include "segpipe/pipeline/internal/plan.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

namespace segpipe {
namespace {

constexpr int64_t kAlignBytes = 64;

EdgeLayout MakeLayout(const Model& model, std::vector<int32_t> tensors) {
  EdgeLayout layout;
  layout.tensors = std::move(tensors);
  for (int32_t t : layout.tensors) {
    const int64_t bytes = model.tensor(t).num_bytes();
    layout.offsets.push_back(layout.frame_bytes);
    layout.bytes.push_back(bytes);
    layout.frame_bytes += (bytes + kAlignBytes - 1) / kAlignBytes * kAlignBytes;
  }
  return layout;
}

int FindSlot(const EdgeLayout& layout, int32_t tensor) {
  auto it = std::find(layout.tensors.begin(), layout.tensors.end(), tensor);
  return it == layout.tensors.end() ? -1 : static_cast<int>(it - layout.tensors.begin());
}

}  // namespace

int64_t EdgeLayout::live_bytes() const {
  int64_t sum = 0;
  for (int64_t b : bytes) sum += b;
  return sum;
}

StatusOr<PipelinePlan> MakePipelinePlan(const Model& model, std::span<const int> last_ops) {
  const int num_ops = static_cast<int>(model.ops.size());
  if (last_ops.empty()) return InvalidArgumentError("a pipeline needs at least one stage");
  for (size_t i = 0; i < last_ops.size(); ++i) {
    const int prev = i == 0 ? -1 : last_ops[i - 1];
    if (last_ops[i] <= prev || last_ops[i] >= num_ops)
      return InvalidArgumentError(fmt::format(
          "split point {} (op {}) must be greater than the previous one and below the op count {}",
          i, last_ops[i], num_ops));
  }
  if (last_ops.back() != num_ops - 1)
    return InvalidArgumentError(fmt::format("the last stage must end at the last op ({}), not {}",
                                            num_ops - 1, last_ops.back()));

  PipelinePlan plan;
  std::vector<std::vector<int32_t>> boundaries = SegmentBoundaries(model, last_ops);
  plan.edges.push_back(MakeLayout(model, model.inputs));
  for (size_t i = 0; i + 1 < last_ops.size(); ++i)
    plan.edges.push_back(MakeLayout(model, std::move(boundaries[i])));
  plan.edges.push_back(MakeLayout(model, model.outputs));

  for (size_t s = 0; s < last_ops.size(); ++s) {
    StagePlan stage;
    stage.first_op = s == 0 ? 0 : last_ops[s - 1] + 1;
    stage.last_op = last_ops[s];
    SEGPIPE_ASSIGN_OR_RETURN(stage.segment, ExtractSegment(model, stage.first_op, stage.last_op));
    // The segment's tensors keep the model's relative order, so map them back by rank.
    std::vector<bool> used(model.tensors.size(), false);
    for (int i = stage.first_op; i <= stage.last_op; ++i) {
      for (int32_t t : model.ops[i].inputs)
        if (t >= 0) used[t] = true;
      for (int32_t t : model.ops[i].outputs) used[t] = true;
    }
    std::vector<int32_t> model_index;  // segment tensor index -> model tensor index
    for (size_t t = 0; t < used.size(); ++t)
      if (used[t]) model_index.push_back(static_cast<int32_t>(t));
    if (model_index.size() != stage.segment.tensors.size())
      return InternalError("segment tensor mapping does not match ExtractSegment");

    const EdgeLayout& in = plan.edges[s];
    const EdgeLayout& out = plan.edges[s + 1];
    for (int32_t seg_t : stage.segment.inputs) {
      const int slot = FindSlot(in, model_index[static_cast<size_t>(seg_t)]);
      if (slot < 0)
        return InternalError(fmt::format("stage {} input tensor '{}' is not live at its cut", s,
                                         stage.segment.tensor(seg_t).name));
      stage.input_slots.push_back(slot);
    }
    std::vector<bool> written(out.tensors.size(), false);
    for (int32_t seg_t : stage.segment.outputs) {
      const int slot = FindSlot(out, model_index[static_cast<size_t>(seg_t)]);
      // A segment output is live after the segment by construction; only duplicates in
      // Model::outputs could leave a second slot unwritten, which the forwarding loop covers.
      stage.output_slots.push_back(slot);
      if (slot >= 0) written[static_cast<size_t>(slot)] = true;
    }
    for (size_t o = 0; o < out.tensors.size(); ++o) {
      if (written[o]) continue;
      const int32_t t = out.tensors[o];
      StageForward fwd;
      fwd.dst_slot = static_cast<int>(o);
      fwd.src_slot = FindSlot(in, t);
      if (fwd.src_slot < 0) {
        // A tensor listed twice in Model::outputs and produced here: copy the written slot.
        fwd.src_slot = FindSlot(out, t);
        fwd.from_out_edge = true;
        if (fwd.src_slot < 0 || !written[static_cast<size_t>(fwd.src_slot)])
          return InternalError(fmt::format(
              "tensor '{}' is neither produced by stage {} nor live before it",
              model.tensor(t).name, s));
      }
      stage.forwards.push_back(fwd);
    }
    for (int slot : stage.output_slots)
      if (slot < 0) return InternalError(fmt::format("stage {} output is not live after it", s));
    plan.stages.push_back(std::move(stage));
  }
  return plan;
}

StatusOr<std::vector<int>> LastOpsFromLayerCounts(const Model& model,
                                                  std::span<const int> cumulative_layers) {
  const std::vector<int> ends = LayerEnds(model);
  std::vector<int> last_ops;
  int prev = 0;
  for (int layers : cumulative_layers) {
    if (layers <= prev || layers > static_cast<int>(ends.size()))
      return InvalidArgumentError(fmt::format(
          "layer split {} must be increasing and within 1..{} (the model's layer count)", layers,
          ends.size()));
    last_ops.push_back(ends[static_cast<size_t>(layers - 1)]);
    prev = layers;
  }
  if (prev != static_cast<int>(ends.size()))
    return InvalidArgumentError(
        fmt::format("the split must end at the last layer ({}), not {}", ends.size(), prev));
  return last_ops;
}

}  // namespace segpipe
