// What `edgetpu_compiler --num_segments S` does to a CPU model, as far as placement goes: choose
// the segment boundaries (its parameter-balanced split, or another named split), place each
// segment's parameters (edgetpu_model.h) and write the per-segment report in the compiler's own
// words and units. We cannot produce Edge TPU binaries; segment files stay CPU TFLite models.
//
// Usage:
//   SEGPIPE_ASSIGN_OR_RETURN(SplitSpec split, ParseSplitSpec("uniform"));
//   SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuCompilation c, CompileForEdgeTpu(model, 2, split, spec));
//   std::cout << FormatCompilerReport(model, c);
//
// Pure functions; thread-safe.
#ifndef SEGPIPE_DEVICE_INTERNAL_EDGETPU_COMPILER_H_
#define SEGPIPE_DEVICE_INTERNAL_EDGETPU_COMPILER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/device/internal/edgetpu_ops.h"
#include "segpipe/model/model.h"

namespace segpipe {

// How to cut a model into segments, in layers (LayerEnds). Layers are numbered from 1 as the
// paper does.
//  - kParams ("params"; "default" is its deprecated name): the compiler's split. Walking the
//    layers in order, cut just before the layer whose parameters would push the running segment
//    past total_parameter_bytes / S.
//  - kUniform ("uniform"): the paper's hand split of FC models: floor(L/S) layers per segment,
//    the remainder one extra to each of the last segments (5 into 2 = [1,2][3,4,5]).
//  - kExplicit ("2" or "1,3"): the last layer of every segment but the last, ascending
//    ("2" = [1,2][3,4,5]; "1,3" = [1][2,3][4,5]).
enum class SplitKind : uint8_t { kParams, kUniform, kExplicit };

struct SplitSpec {
  SplitKind kind = SplitKind::kParams;
  std::vector<int> cut_after_layers;  // kExplicit only, 1-based, ascending
};

StatusOr<SplitSpec> ParseSplitSpec(std::string_view text);
std::string SplitSpecName(const SplitSpec& split);

// Layer counts per segment for a model of `num_layers` layers (kParams needs the layer weights:
// pass each layer's device weight bytes). Fails when the split is impossible (more segments than
// layers, cuts out of range).
StatusOr<std::vector<int>> SegmentLayerCounts(const std::vector<int64_t>& layer_weight_bytes,
                                              int num_segments, const SplitSpec& split);

// Each layer's Edge TPU weight bytes (EdgeTpuWeightBytes), layer k ending at op layer_ends[k].
std::vector<int64_t> LayerWeightBytes(const Model& model, std::span<const int> layer_ends,
                                      const EdgeTpuSpec& spec);

// The one layer split behind the compiler's rule, the planner's uniform/params starting points
// and the paper sweep: `split` over the layers ending at `layer_ends`, as the 0-based index of
// each segment's last layer (e.g. 5 layers, uniform into 2: {1, 4}).
StatusOr<std::vector<int>> SplitLastLayers(const Model& model, std::span<const int> layer_ends,
                                           int num_segments, const SplitSpec& split,
                                           const EdgeTpuSpec& spec);

struct CompiledSegment {
  int index = 0;             // 0-based
  int first_layer = 0;       // 1-based, inclusive
  int last_layer = 0;
  SegmentPlacement placement;  // carries first_op/last_op, per-layer residency and totals
  SegmentTiming timing;        // one invocation on one device
  SegmentOpMapping ops;        // which ops the compiler maps (the operation table)
};

struct EdgeTpuCompilation {
  int num_segments = 0;
  SplitSpec split;
  std::vector<CompiledSegment> segments;
};

// Splits `model` into `num_segments` and places each segment. Fails when the model has fewer
// layers than segments or the split is malformed.
StatusOr<EdgeTpuCompilation> CompileForEdgeTpu(const Model& model, int num_segments,
                                               const SplitSpec& split, const EdgeTpuSpec& spec);

// Formats bytes as the compiler prints them: "0.00B", "51.75KiB", "7.43MiB".
std::string FormatCompilerBytes(int64_t bytes);

// The per-segment report in the compiler's words, e.g.
//   Segment 1 of 2 (layers 1-2, 4 ops)
//   On-chip memory used for caching model parameters: 4.07MiB
//   On-chip memory remaining for caching model parameters: 3.68MiB
//   Off-chip memory used for streaming uncached model parameters: 0.00B
//   Number of operations that will run on Edge TPU: 4
//   Number of operations that will run on CPU: 0
//   Operator           Count  Status
//   FULLY_CONNECTED    2      Mapped to Edge TPU
std::string FormatCompilerReport(const Model& model, const EdgeTpuCompilation& compilation);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_EDGETPU_COMPILER_H_
