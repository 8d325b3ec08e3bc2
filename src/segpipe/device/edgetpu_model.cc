// Edge TPU placement (compiler accounting) and per-invocation timing; see edgetpu_model.h.
#include "segpipe/device/internal/edgetpu_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace segpipe {
namespace {

// USB 3.0 Accelerator link, fitted with the rest of the model (docs/edgetpu-model.md).
constexpr double kUsbInvokeOverheadNs = 0;
constexpr double kUsbLinkBytesPerS = 488.492e6;

int64_t RoundUp(int64_t value, int64_t multiple) {
  if (multiple <= 1) return value;
  return (value + multiple - 1) / multiple * multiple;
}

LayerKind KindOf(OpType type) {
  switch (type) {
    case OpType::kFullyConnected:
      return LayerKind::kFullyConnected;
    case OpType::kConv2D:
      return LayerKind::kConv2D;
    case OpType::kDepthwiseConv2D:
      return LayerKind::kDepthwiseConv2D;
    default:
      return LayerKind::kOther;
  }
}

// Weightless ops the compiler maps to the Edge TPU that read and write whole activations
// (element-wise arithmetic, pooling, concatenation, reductions, padding, resizing). Activation
// functions are applied on the way out of the array and layout ops (reshape, squeeze) are free.
bool MovesDataOnVectorUnit(OpType type) {
  switch (type) {
    case OpType::kAdd:
    case OpType::kMul:
    case OpType::kSub:
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kConcatenation:
    case OpType::kMean:
    case OpType::kPad:
    case OpType::kResizeBilinear:
      return true;
    default:
      return false;
  }
}

// The constant filter of a weighted op, or nullptr when the op has none we can account.
const Tensor* Filter(const Model& model, const Op& op) {
  if (op.inputs.size() < 2 || op.inputs[1] < 0) return nullptr;
  const Tensor& t = model.tensor(op.inputs[1]);
  return t.is_constant ? &t : nullptr;
}

int64_t TensorBytes(const Model& model, int32_t index) {
  return index < 0 ? 0 : model.tensor(index).num_bytes();
}

}  // namespace

std::string_view LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kFullyConnected:
      return "FULLY_CONNECTED";
    case LayerKind::kConv2D:
      return "CONV_2D";
    case LayerKind::kDepthwiseConv2D:
      return "DEPTHWISE_CONV_2D";
    case LayerKind::kOther:
      break;
  }
  return "OTHER";
}

int64_t EdgeTpuWeightBytes(const Model& model, const Op& op, const EdgeTpuSpec& spec) {
  const Tensor* filter = Filter(model, op);
  if (filter == nullptr) return 0;
  const std::vector<int32_t>& s = filter->shape;
  int64_t inputs_per_output = 0;  // K: weights feeding one output channel
  int64_t out_channels = 0;
  int32_t channel_pad = spec.output_channel_pad;
  bool channel_metadata = filter->quant.per_channel();
  switch (op.type) {
    case OpType::kFullyConnected:  // [units, in]
      if (s.size() != 2) return 0;
      out_channels = s[0];
      inputs_per_output = s[1];
      break;
    case OpType::kConv2D:  // [OC, KH, KW, IC]
      if (s.size() != 4) return 0;
      out_channels = s[0];
      inputs_per_output = int64_t{s[1]} * s[2] * RoundUp(s[3], spec.conv_input_channel_pad);
      if (s[1] == 1 && s[2] == 1) channel_pad = spec.pointwise_output_channel_pad;
      channel_metadata = true;
      break;
    case OpType::kDepthwiseConv2D:  // [1, KH, KW, OC]: each output channel reads one input channel
      if (s.size() != 4) return 0;
      out_channels = s[3];
      inputs_per_output = int64_t{s[1]} * s[2] * spec.depthwise_tap_bytes;
      channel_metadata = true;
      break;
    default:
      return 0;
  }
  const int64_t padded_channels = RoundUp(out_channels, channel_pad);
  int64_t bytes = inputs_per_output * padded_channels;
  if (channel_metadata) bytes += spec.per_channel_overhead_bytes * padded_channels;
  return bytes;
}

namespace {

// Kind, device weight bytes, MACs and activation bytes of the layer made of ops [start, stop].
LayerPlacement MeasureLayer(const Model& model, int start, int stop, const EdgeTpuSpec& spec) {
  LayerPlacement layer;
  layer.first_op = start;
  layer.last_op = stop;
  for (int i = start; i <= stop; ++i) {
    const Op& op = model.ops[i];
    const LayerKind kind = KindOf(op.type);
    if (kind == LayerKind::kOther) {
      if (MovesDataOnVectorUnit(op.type)) {
        for (int32_t t : op.inputs)
          if (t >= 0 && !model.tensor(t).is_constant) layer.vector_bytes += TensorBytes(model, t);
        for (int32_t t : op.outputs) layer.vector_bytes += TensorBytes(model, t);
      }
      continue;
    }
    const OpCost cost = ComputeOpCost(model, op);
    layer.kind = kind;
    layer.weight_bytes += EdgeTpuWeightBytes(model, op, spec);
    layer.macs += cost.macs;
    layer.input_activation_bytes += TensorBytes(model, op.inputs.empty() ? -1 : op.inputs[0]);
    const Tensor* filter = Filter(model, op);
    if (filter != nullptr && op.type == OpType::kConv2D && filter->shape.size() == 4) {
      const Tensor& out = model.tensor(op.outputs[0]);
      const int64_t pixels = out.num_elements() / std::max<int64_t>(1, filter->shape[0]);
      layer.padded_macs += pixels * filter->shape[1] * filter->shape[2] *
                           RoundUp(filter->shape[3], spec.conv_input_channel_pad) *
                           RoundUp(filter->shape[0], spec.output_channel_pad);
      layer.padded_output_bytes += pixels * RoundUp(filter->shape[0], spec.output_channel_pad);
    } else if (filter != nullptr && op.type == OpType::kFullyConnected &&
               filter->shape.size() == 2) {
      const int64_t rows = model.tensor(op.outputs[0]).num_elements() /
                           std::max<int64_t>(1, filter->shape[0]);
      layer.padded_macs +=
          rows * filter->shape[1] * RoundUp(filter->shape[0], spec.output_channel_pad);
    } else if (filter != nullptr && op.type == OpType::kDepthwiseConv2D &&
               filter->shape.size() == 4) {
      // Channels go to the array's columns and each column sums only its kh x kw window: the
      // rows are padded to the array height, so a 3x3 depthwise layer keeps 9 of 64 rows busy.
      const int64_t channels = filter->shape[3];
      const Tensor& out = model.tensor(op.outputs[0]);
      const int64_t pixels = out.num_elements() / std::max<int64_t>(1, channels);
      const int64_t padded_channels = RoundUp(channels, spec.output_channel_pad);
      layer.padded_macs += pixels * RoundUp(int64_t{filter->shape[1]} * filter->shape[2],
                                            spec.array_rows) *
                           padded_channels;
      layer.padded_output_bytes += pixels * padded_channels;
    } else {
      layer.padded_macs += cost.macs;
    }
  }
  for (int32_t t : model.ops[stop].outputs) layer.output_activation_bytes += TensorBytes(model, t);
  return layer;
}

}  // namespace

PlacementIndex BuildPlacementIndex(const Model& model, const EdgeTpuSpec& spec) {
  const int num_ops = static_cast<int>(model.ops.size());
  PlacementIndex index;
  index.producer.assign(model.tensors.size(), -1);
  index.last_reader.assign(model.tensors.size(), -1);
  for (int i = 0; i < num_ops; ++i) {
    for (int32_t t : model.ops[i].outputs) index.producer[t] = i;
    for (int32_t t : model.ops[i].inputs)
      if (t >= 0) index.last_reader[t] = i;
  }
  for (int32_t t : model.outputs) index.last_reader[t] = num_ops;
  index.layer_ends = LayerEnds(model);
  index.op_checks = CheckEdgeTpuOps(model);
  int start = 0;
  for (int end : index.layer_ends) {
    index.layers.push_back(MeasureLayer(model, start, end, spec));
    start = end + 1;
  }
  return index;
}

StatusOr<SegmentPlacement> PlaceSegment(const Model& model, int first_op, int last_op,
                                        const EdgeTpuSpec& spec) {
  return PlaceSegment(model, BuildPlacementIndex(model, spec), first_op, last_op, spec);
}

StatusOr<SegmentPlacement> PlaceSegment(const Model& model, const PlacementIndex& index,
                                        int first_op, int last_op, const EdgeTpuSpec& spec) {
  const int num_ops = static_cast<int>(model.ops.size());
  if (first_op < 0 || last_op >= num_ops || first_op > last_op)
    return InvalidArgumentError(fmt::format(
        "segment [{}, {}] is not a valid op range of a model with {} ops", first_op, last_op,
        num_ops));
  SEGPIPE_CHECK(index.producer.size() == model.tensors.size() &&
                index.layers.size() == index.layer_ends.size() &&
                index.op_checks.size() == model.ops.size());
  SegmentPlacement p;
  p.first_op = first_op;
  p.last_op = last_op;
  p.num_ops = last_op - first_op + 1;

  // Ops the compiler cannot map run on the CPU; only the Edge TPU subgraph's layers hold
  // parameters on the device.
  const SegmentOpMapping mapping = MapOpsForEdgeTpu(model, index.op_checks, first_op, last_op);
  p.cpu_ops = mapping.cpu_ops;
  p.num_edgetpu_ops = mapping.num_edgetpu_ops;
  for (int op : p.cpu_ops) {
    const OpCost cost = ComputeOpCost(model, model.ops[static_cast<size_t>(op)]);
    p.cpu_op_macs += cost.macs;
    p.cpu_op_weight_bytes += cost.weight_bytes;
    p.cpu_op_output_bytes += cost.output_bytes;
  }
  p.cpu_ops_ns =
      EstimateCpuOpsNs(p.cpu_op_macs, p.cpu_op_weight_bytes, p.cpu_op_output_bytes,
                       static_cast<int>(p.cpu_ops.size()));
  const int device_last_op = mapping.end_op - 1;

  // Segment inputs: non-constant tensors read inside but produced outside the range (each
  // counted once). Outputs: tensors produced inside and read after it (or model outputs).
  std::vector<int32_t> inputs;
  for (int i = first_op; i <= last_op; ++i) {
    for (int32_t t : model.ops[i].inputs) {
      if (t < 0 || model.tensor(t).is_constant) continue;
      if (index.producer[t] >= first_op && index.producer[t] <= last_op) continue;
      inputs.push_back(t);
    }
    for (int32_t t : model.ops[i].outputs)
      if (index.last_reader[t] > last_op) p.output_bytes += TensorBytes(model, t);
  }
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  for (int32_t t : inputs) p.input_bytes += TensorBytes(model, t);

  // Layers, grouped as LayerEnds groups them, clipped to the range. Whole layers come measured
  // from the index; a layer the range cuts through is measured here.
  int start = first_op;
  size_t layer_index = static_cast<size_t>(
      std::lower_bound(index.layer_ends.begin(), index.layer_ends.end(), first_op) -
      index.layer_ends.begin());
  for (; device_last_op >= first_op && layer_index < index.layer_ends.size(); ++layer_index) {
    const int end = index.layer_ends[layer_index];
    const int stop = std::min(end, device_last_op);
    const LayerPlacement& whole = index.layers[layer_index];
    if (whole.first_op == start && whole.last_op == stop)
      p.layers.push_back(whole);
    else
      p.layers.push_back(MeasureLayer(model, start, stop, spec));
    start = stop + 1;
    if (stop == device_last_op) break;
  }

  // The compiler caches from the last layer backwards; a layer that does not fit is streamed
  // and the walk goes on, so a smaller earlier layer may still be cached.
  int64_t used = p.input_bytes;
  for (size_t i = p.layers.size(); i-- > 0;) {
    LayerPlacement& layer = p.layers[i];
    layer.on_chip = used + layer.weight_bytes <= spec.on_chip_capacity_bytes;
    if (layer.on_chip) {
      used += layer.weight_bytes;
      p.on_chip_bytes += layer.weight_bytes;
    } else {
      p.off_chip_bytes += layer.weight_bytes;
    }
  }
  p.remaining_bytes = std::max<int64_t>(0, spec.on_chip_capacity_bytes - used);
  return p;
}

SegmentTiming EstimateSegmentTiming(const SegmentPlacement& placement, const EdgeTpuSpec& spec) {
  SegmentTiming t;
  const double ns_per_s = 1e9;
  const double ns_per_cycle = ns_per_s / spec.clock_hz;
  t.invoke_ns = spec.invoke_overhead_ns;
  t.input_transfer_ns = placement.input_bytes * ns_per_s / spec.activation_link_bytes_per_s;
  t.output_transfer_ns = placement.output_bytes * ns_per_s / spec.activation_link_bytes_per_s;
  const double array_macs_per_cycle = static_cast<double>(spec.array_rows) * spec.array_cols;
  double last_layer_ns = 0;
  for (const LayerPlacement& layer : placement.layers) {
    const bool conv_like =
        layer.kind == LayerKind::kConv2D || layer.kind == LayerKind::kDepthwiseConv2D;
    double layer_ns = 0;
    if (layer.kind == LayerKind::kFullyConnected) {
      // Weight-bound: every (padded) weight byte enters the array once per inference.
      layer_ns += layer.padded_macs * ns_per_cycle / spec.fc_weight_bytes_per_cycle;
    } else if (conv_like) {
      // Padded MACs on the array (depthwise: few rows busy, see MeasureLayer), then the output
      // path (requantize, write back) and the per-layer fill/drain.
      layer_ns +=
          layer.padded_macs * ns_per_cycle / (array_macs_per_cycle * spec.conv_array_efficiency) +
          layer.padded_output_bytes * ns_per_cycle / spec.conv_output_bytes_per_cycle +
          spec.conv_layer_overhead_ns;
    }
    layer_ns += layer.vector_bytes * ns_per_cycle / spec.vector_bytes_per_cycle;
    t.compute_ns += layer_ns;
    last_layer_ns = layer_ns;
    if (layer.on_chip || layer.weight_bytes == 0) continue;
    const double once_ns = layer.weight_bytes * ns_per_s / spec.stream_link_bytes_per_s;
    t.stream_ns += once_ns;
    if (conv_like) {
      // The image is cut into tiles whose activations fit beside the streaming buffers; each
      // tile needs the whole filter again.
      const int passes = StreamedWeightPasses(layer, spec);
      t.restream_ns += (passes - 1) * once_ns;
      t.max_weight_passes = std::max(t.max_weight_passes, passes);
    }
  }
  if (placement.off_chip_bytes > 0) t.stream_ns += spec.stream_setup_ns;
  // The compiler reserves SRAM for the segment's whole input, which is copied in before the
  // first layer runs, and none for its output: the output is written to host memory as the last
  // layer produces it, so that layer's array time and the output transfer overlap and the
  // segment pays the longer of the two.
  if (spec.output_overlaps_last_layer)
    t.output_transfer_ns -= std::min(t.output_transfer_ns, last_layer_ns);
  return t;
}

int StreamedWeightPasses(const LayerPlacement& layer, const EdgeTpuSpec& spec) {
  if (layer.kind != LayerKind::kConv2D && layer.kind != LayerKind::kDepthwiseConv2D) return 1;
  const int64_t activation_bytes = layer.input_activation_bytes + layer.output_activation_bytes;
  const int64_t budget = std::max<int64_t>(1, spec.restream_tile_budget_bytes);
  return static_cast<int>(std::max<int64_t>(1, (activation_bytes + budget - 1) / budget));
}

std::string_view EdgeTpuLinkName(EdgeTpuLink link) {
  return link == EdgeTpuLink::kUsb ? "edgetpu-usb" : "edgetpu";
}

EdgeTpuSpec EdgeTpuSpecFor(EdgeTpuLink link) { return WithLink(EdgeTpuSpec{}, link); }

EdgeTpuSpec WithLink(EdgeTpuSpec spec, EdgeTpuLink link) {
  if (link == EdgeTpuLink::kUsb) {
    // Fitted on the USB rows of docs/edgetpu-model.md; the link carries activations and
    // streamed weights alike (no USB measurement separates the two).
    spec.invoke_overhead_ns = kUsbInvokeOverheadNs;
    spec.activation_link_bytes_per_s = kUsbLinkBytesPerS;
    spec.stream_link_bytes_per_s = kUsbLinkBytesPerS;
  }
  return spec;
}

StatusOr<SegmentTiming> EstimateSegmentTiming(const Model& model, int first_op, int last_op,
                                              const EdgeTpuSpec& spec) {
  SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement, PlaceSegment(model, first_op, last_op, spec));
  return EstimateSegmentTiming(placement, spec);
}

double EstimateCpuOpsNs(int64_t macs, int64_t weight_bytes, int64_t output_bytes, int num_ops,
                        const CpuOpCostModel& cpu) {
  if (num_ops <= 0) return 0;
  return static_cast<double>(macs) * cpu.ns_per_mac +
         static_cast<double>(weight_bytes) * cpu.ns_per_weight_byte +
         static_cast<double>(output_bytes) * cpu.ns_per_output_byte + num_ops * cpu.ns_per_op;
}

HostProfile PaperHostProfile() {
  HostProfile p;
  p.name = "paper";
  p.per_stage_host_ns = 232820;  // fitted, docs/edgetpu-model.md
  p.host_serialized = true;
  p.per_hop_ns = 0;
  p.startup_ns = 41923.7;
  return p;
}

HostProfile NativeHostProfile() {
  HostProfile p;
  p.name = "native";
  p.per_stage_host_ns = 0;
  p.host_serialized = false;
  // Measured hand-off cost of our pipeline runtime between two stages (bench/pipeline_benchmark,
  // docs/benchmarks.md "Pipeline": p50 2.6-4.6 us on the 2-core build machine).
  p.per_hop_ns = 3e3;
  p.startup_ns = 0;
  return p;
}

StatusOr<HostProfile> HostProfileByName(std::string_view name) {
  if (name == "paper") return PaperHostProfile();
  if (name == "native") return NativeHostProfile();
  return InvalidArgumentError(
      fmt::format("unknown host profile '{}'; expected 'paper' or 'native'", name));
}

}  // namespace segpipe
