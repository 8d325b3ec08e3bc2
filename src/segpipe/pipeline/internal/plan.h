// PipelinePlan: how a model split into consecutive op ranges flows through a pipeline.
//
//   SEGPIPE_ASSIGN_OR_RETURN(PipelinePlan plan, MakePipelinePlan(model, {12, 30, 57}));
//
// Edge e carries the tensors live between stage e-1 and stage e: edge 0 = the model inputs (in
// Model::inputs order), edge S = the model outputs (in Model::outputs order), the rest = the
// SegmentBoundaries of the cut. Each stage reads its segment's inputs from its in-edge, writes
// its segment's outputs into its out-edge, and copies ("forwards") the out-edge tensors it does
// not produce from its in-edge: that is how a residual branch skips a stage.
// All tensors of one edge live in one buffer (a frame) at fixed, 64-byte aligned offsets.
//
// A plain value; immutable after MakePipelinePlan.
#ifndef SEGPIPE_PIPELINE_INTERNAL_PLAN_H_
#define SEGPIPE_PIPELINE_INTERNAL_PLAN_H_

#include <cstdint>
#include <span>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

struct EdgeLayout {
  std::vector<int32_t> tensors;  // model tensor indices
  std::vector<int64_t> offsets;  // byte offset of each tensor in the frame
  std::vector<int64_t> bytes;    // byte size of each tensor
  int64_t frame_bytes = 0;

  int64_t live_bytes() const;  // sum of `bytes`: the cost of the cut
};

// One tensor a stage copies into its out-edge instead of computing it.
struct StageForward {
  int src_slot = 0;            // in-edge slot (or out-edge slot when from_out_edge)
  int dst_slot = 0;            // out-edge slot
  bool from_out_edge = false;  // a model output listed twice: copy the slot already written
};

struct StagePlan {
  int first_op = 0, last_op = 0;
  Model segment;                     // ExtractSegment(model, first_op, last_op)
  std::vector<int> input_slots;      // in-edge slot of each segment input
  std::vector<int> output_slots;     // out-edge slot written by each segment output
  std::vector<StageForward> forwards;  // out-edge tensors copied rather than computed
};

struct PipelinePlan {
  std::vector<StagePlan> stages;
  std::vector<EdgeLayout> edges;  // stages.size() + 1
};

// `last_ops`: the last op of each stage, strictly increasing, ending at model.ops.size() - 1.
StatusOr<PipelinePlan> MakePipelinePlan(const Model& model, std::span<const int> last_ops);

// Converts a split given in paper layers (LayerEnds) to op ranges: cumulative_layers[i] is the
// number of layers in stages 0..i, the last one equal to the model's layer count.
StatusOr<std::vector<int>> LastOpsFromLayerCounts(const Model& model,
                                                  std::span<const int> cumulative_layers);

}  // namespace segpipe

#endif  // SEGPIPE_PIPELINE_INTERNAL_PLAN_H_
