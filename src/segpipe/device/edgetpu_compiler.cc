// Segment choice, per-segment placement and the compiler-style report; see edgetpu_compiler.h.
#include "segpipe/device/internal/edgetpu_compiler.h"

#include <charconv>

#include <fmt/format.h>

namespace segpipe {

StatusOr<SplitSpec> ParseSplitSpec(std::string_view text) {
  SplitSpec split;
  if (text == "default" || text == "params") return split;
  if (text == "uniform") {
    split.kind = SplitKind::kUniform;
    return split;
  }
  split.kind = SplitKind::kExplicit;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    int value = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || value < 1)
      return InvalidArgumentError(
          fmt::format("split '{}': expected params, uniform or a list of layer numbers such as "
                      "'2' or '1,3' (1-based last layer of each segment but the last)",
                      text));
    if (!split.cut_after_layers.empty() && value <= split.cut_after_layers.back())
      return InvalidArgumentError(
          fmt::format("split '{}': layer numbers must be strictly ascending", text));
    split.cut_after_layers.push_back(value);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) return InvalidArgumentError(fmt::format("split '{}': trailing comma", text));
  }
  if (split.cut_after_layers.empty())
    return InvalidArgumentError("split: empty; use params, uniform or layer numbers");
  return split;
}

std::string SplitSpecName(const SplitSpec& split) {
  switch (split.kind) {
    case SplitKind::kParams:
      return "params";
    case SplitKind::kUniform:
      return "uniform";
    case SplitKind::kExplicit:
      break;
  }
  std::string out;
  for (int layer : split.cut_after_layers) {
    if (!out.empty()) out.push_back(',');
    out.append(std::to_string(layer));
  }
  return out;
}

StatusOr<std::vector<int>> SegmentLayerCounts(const std::vector<int64_t>& layer_weight_bytes,
                                              int num_segments, const SplitSpec& split) {
  const int num_layers = static_cast<int>(layer_weight_bytes.size());
  if (num_segments < 1)
    return InvalidArgumentError(fmt::format("--segments must be at least 1, got {}", num_segments));
  if (num_segments > num_layers)
    return FailedPreconditionError(fmt::format(
        "cannot cut a model of {} layers into {} segments; use at most {}", num_layers, num_segments,
        num_layers));
  std::vector<int> counts;
  switch (split.kind) {
    case SplitKind::kUniform: {
      const int base = num_layers / num_segments;
      const int extra = num_layers % num_segments;  // one more to each of the last `extra`
      for (int s = 0; s < num_segments; ++s)
        counts.push_back(base + (s >= num_segments - extra ? 1 : 0));
      break;
    }
    case SplitKind::kExplicit: {
      const std::vector<int>& cuts = split.cut_after_layers;
      if (static_cast<int>(cuts.size()) != num_segments - 1)
        return InvalidArgumentError(fmt::format(
            "split {} gives {} segments but --segments is {}", SplitSpecName(split),
            cuts.size() + 1, num_segments));
      if (cuts.back() >= num_layers)
        return InvalidArgumentError(fmt::format(
            "split {}: the model has {} layers, so the last cut must be before layer {}",
            SplitSpecName(split), num_layers, num_layers));
      int previous = 0;
      for (int cut : cuts) {
        counts.push_back(cut - previous);
        previous = cut;
      }
      counts.push_back(num_layers - previous);
      break;
    }
    case SplitKind::kParams: {
      int64_t total = 0;
      for (int64_t w : layer_weight_bytes) total += w;
      const double target = static_cast<double>(total) / num_segments;
      int64_t current_bytes = 0;
      int current_layers = 0;
      for (int i = 0; i < num_layers; ++i) {
        const int segments_left = num_segments - static_cast<int>(counts.size());
        const bool over = current_bytes + layer_weight_bytes[i] > target;
        // Every later segment needs at least one layer.
        const bool must_cut = num_layers - i == segments_left - 1;
        if (current_layers > 0 && segments_left > 1 && (over || must_cut)) {
          counts.push_back(current_layers);
          current_bytes = 0;
          current_layers = 0;
        }
        current_bytes += layer_weight_bytes[i];
        ++current_layers;
      }
      counts.push_back(current_layers);
      break;
    }
  }
  return counts;
}

std::vector<int64_t> LayerWeightBytes(const Model& model, std::span<const int> layer_ends,
                                      const EdgeTpuSpec& spec) {
  std::vector<int64_t> bytes;
  int first_op = 0;
  for (int end : layer_ends) {
    int64_t sum = 0;
    for (int op = first_op; op <= end; ++op) sum += EdgeTpuWeightBytes(model, model.ops[op], spec);
    bytes.push_back(sum);
    first_op = end + 1;
  }
  return bytes;
}

StatusOr<std::vector<int>> SplitLastLayers(const Model& model, std::span<const int> layer_ends,
                                           int num_segments, const SplitSpec& split,
                                           const EdgeTpuSpec& spec) {
  SEGPIPE_ASSIGN_OR_RETURN(
      std::vector<int> counts,
      SegmentLayerCounts(LayerWeightBytes(model, layer_ends, spec), num_segments, split));
  std::vector<int> last;
  int end = -1;
  for (int count : counts) last.push_back(end += count);
  return last;
}

StatusOr<EdgeTpuCompilation> CompileForEdgeTpu(const Model& model, int num_segments,
                                               const SplitSpec& split, const EdgeTpuSpec& spec) {
  if (model.ops.empty()) return InvalidArgumentError("the model has no ops to compile");
  const std::vector<int> ends = LayerEnds(model);
  SEGPIPE_ASSIGN_OR_RETURN(
      std::vector<int> counts,
      SegmentLayerCounts(LayerWeightBytes(model, ends, spec), num_segments, split));
  EdgeTpuCompilation out;
  out.num_segments = num_segments;
  out.split = split;
  int first_layer = 0;  // 0-based
  for (int s = 0; s < num_segments; ++s) {
    const int last_layer = first_layer + counts[s] - 1;
    const int first_op = first_layer == 0 ? 0 : ends[first_layer - 1] + 1;
    const int last_op = ends[last_layer];
    CompiledSegment seg;
    seg.index = s;
    seg.first_layer = first_layer + 1;
    seg.last_layer = last_layer + 1;
    SEGPIPE_ASSIGN_OR_RETURN(seg.placement, PlaceSegment(model, first_op, last_op, spec));
    seg.timing = EstimateSegmentTiming(seg.placement, spec);
    seg.ops = MapOpsForEdgeTpu(model, first_op, last_op);
    out.segments.push_back(std::move(seg));
    first_layer = last_layer + 1;
  }
  return out;
}

std::string FormatCompilerBytes(int64_t bytes) {
  if (bytes >= kMiB) return fmt::format("{:.2f}MiB", static_cast<double>(bytes) / kMiB);
  if (bytes >= 1024) return fmt::format("{:.2f}KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.2f}B", static_cast<double>(bytes));
}

std::string FormatCompilerReport(const Model& model, const EdgeTpuCompilation& compilation) {
  std::string out;
  for (const CompiledSegment& seg : compilation.segments) {
    const SegmentPlacement& p = seg.placement;
    out += fmt::format("Segment {} of {} (layers {}-{}, ops {}-{})\n", seg.index + 1,
                       compilation.num_segments, seg.first_layer, seg.last_layer, p.first_op,
                       p.last_op);
    out += fmt::format("On-chip memory used for caching model parameters: {}\n",
                       FormatCompilerBytes(p.on_chip_bytes));
    out += fmt::format("On-chip memory remaining for caching model parameters: {}\n",
                       FormatCompilerBytes(p.remaining_bytes));
    out += fmt::format("Off-chip memory used for streaming uncached model parameters: {}\n",
                       FormatCompilerBytes(p.off_chip_bytes));
    out += fmt::format("Number of operations that will run on Edge TPU: {}\n", p.num_edgetpu_ops);
    out += fmt::format("Number of operations that will run on CPU: {}\n", p.cpu_ops.size());
    if (p.cpu_ops.empty())
      out +=
          fmt::format("Estimated time per invocation: {:.3f} ms\n", seg.timing.total_ns() * 1e-6);
    else
      out += fmt::format(
          "Estimated time per invocation: {:.3f} ms (Edge TPU {:.3f} ms + CPU ops {:.3f} ms)\n",
          (seg.timing.total_ns() + p.cpu_ops_ns) * 1e-6, seg.timing.total_ns() * 1e-6,
          p.cpu_ops_ns * 1e-6);
    out.push_back('\n');
    out.append(FormatOperationTable(OperationTable(model, seg.ops)));
    out.push_back('\n');
  }
  return out;
}

}  // namespace segpipe
