// Model summaries for `segpipe inspect`: the numbers come from the graph IR (ComputeOpCost,
// QuantizationKind); this file only collects and formats them.
#include "segpipe/tflite/internal/inspect.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "segpipe/tflite/internal/schema_mapping.h"

namespace segpipe {
namespace {

std::string ShapeText(const std::vector<int32_t>& shape) {
  if (shape.empty()) return "scalar";
  return fmt::format("{}", fmt::join(shape, "x"));
}

TensorSummary SummarizeTensor(const Model& model, int32_t index) {
  const Tensor& t = model.tensor(index);
  return TensorSummary{index, t.name, t.type, t.shape, QuantizationKind(t), t.quant};
}

std::string QuantText(const TensorSummary& t) {
  if (t.quant.empty()) return t.quantization;
  if (!t.quant.per_channel())
    return fmt::format("{} (scale {:g}, zero point {})", t.quantization, t.quant.scale[0],
                       t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]);
  return fmt::format("{} ({} channels on axis {})", t.quantization, t.quant.scale.size(), t.quant.axis);
}

nlohmann::json TensorJson(const TensorSummary& t) {
  return {{"index", t.index},
          {"name", t.name},
          {"type", std::string(DataTypeName(t.type))},
          {"shape", t.shape},
          {"quantization", t.quantization},
          {"scale", t.quant.scale},
          {"zero_point", t.quant.zero_point},
          {"axis", t.quant.axis}};
}

// Bytes as the compiler reports them, followed by the exact count.
std::string BytesText(int64_t bytes) {
  constexpr double kKiB = 1024.0;
  if (bytes >= 1024 * 1024)
    return fmt::format("{:.2f}MiB ({} bytes)", static_cast<double>(bytes) / (kKiB * kKiB), bytes);
  if (bytes >= 1024)
    return fmt::format("{:.2f}KiB ({} bytes)", static_cast<double>(bytes) / kKiB, bytes);
  return fmt::format("{} bytes", bytes);
}

std::string LayersText(const std::vector<EdgeTpuLayer>& layers) {
  std::vector<std::string> parts;
  for (const EdgeTpuLayer& l : layers)
    parts.push_back(
        fmt::format("{} {}x{}x{} ({} bytes)", l.name, l.y_dim, l.x_dim, l.z_dim, l.size_bytes));
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string EdgeTpuText(const EdgeTpuCompiledModel& e) {
  std::string out = fmt::format(
      "\nEdge TPU (edgetpu_compiler {}): {} compiled subgraph(s), {} op(s) on the CPU\n",
      e.compiler_version.empty() ? "version unknown" : e.compiler_version, e.subgraphs.size(),
      e.cpu_ops.size());
  out += fmt::format("  on-chip memory used for caching model parameters: {}\n",
                     BytesText(e.on_chip_bytes));
  out += fmt::format("  off-chip memory used for streaming uncached model parameters: {}\n",
                     BytesText(e.off_chip_bytes));
  for (size_t i = 0; i < e.subgraphs.size(); ++i) {
    const EdgeTpuSubgraph& g = e.subgraphs[i];
    out += fmt::format("  subgraph {} (op {}): on-chip {}, off-chip {}\n", i + 1, g.op_index,
                       BytesText(g.package.on_chip_bytes), BytesText(g.package.off_chip_bytes));
    out += fmt::format("    inputs: {}; outputs: {}\n", fmt::join(g.input_tensors, ", "),
                       fmt::join(g.output_tensors, ", "));
    for (const EdgeTpuExecutable& x : g.package.executables) {
      out += fmt::format("    executable {}: {} of parameters{}\n", x.type,
                         BytesText(x.parameter_bytes),
                         x.chip.empty() ? "" : fmt::format(", chip {}", x.chip));
      if (!x.input_layers.empty() || !x.output_layers.empty())
        out += fmt::format("      input layers: {}; output layers: {}\n",
                           LayersText(x.input_layers), LayersText(x.output_layers));
    }
  }
  out += fmt::format("  ops on the CPU: {}\n", e.cpu_ops.empty()
                                                   ? std::string("none")
                                                   : fmt::format("{}", fmt::join(e.cpu_ops, ", ")));
  return out;
}

nlohmann::json EdgeTpuJson(const EdgeTpuCompiledModel& e) {
  auto layers = [](const std::vector<EdgeTpuLayer>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const EdgeTpuLayer& l : list)
      out.push_back(
          {{"name", l.name}, {"size_bytes", l.size_bytes}, {"shape", {l.y_dim, l.x_dim, l.z_dim}}});
    return out;
  };
  nlohmann::json subgraphs = nlohmann::json::array();
  for (const EdgeTpuSubgraph& g : e.subgraphs) {
    nlohmann::json executables = nlohmann::json::array();
    for (const EdgeTpuExecutable& x : g.package.executables)
      executables.push_back({{"type", x.type},
                             {"parameter_bytes", x.parameter_bytes},
                             {"chip", x.chip},
                             {"estimated_cycles", x.estimated_cycles},
                             {"input_layers", layers(x.input_layers)},
                             {"output_layers", layers(x.output_layers)}});
    subgraphs.push_back({{"op_index", g.op_index},
                         {"compiler_version", g.package.compiler_version},
                         {"on_chip_bytes", g.package.on_chip_bytes},
                         {"off_chip_bytes", g.package.off_chip_bytes},
                         {"inputs", g.input_tensors},
                         {"outputs", g.output_tensors},
                         {"executables", executables}});
  }
  return {{"compiler_version", e.compiler_version},
          {"on_chip_bytes", e.on_chip_bytes},
          {"off_chip_bytes", e.off_chip_bytes},
          {"cpu_ops", e.cpu_ops},
          {"subgraphs", subgraphs}};
}

}  // namespace

ModelSummary SummarizeModel(const Model& model) {
  ModelSummary s;
  s.description = model.description;
  std::set<std::string> unsupported;
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const Op& op = model.ops[i];
    const OpCost cost = ComputeOpCost(model, op);
    OpSummary row;
    row.index = static_cast<int>(i);
    row.type = OpDisplayName(op);
    row.supported = op.type != OpType::kCustom && op.type != OpType::kUnknownBuiltin;
    for (int32_t t : op.outputs) row.output_shapes.push_back(model.tensor(t).shape);
    row.macs = cost.macs;
    row.weight_bytes = cost.weight_bytes;
    const bool has_weights = op.inputs.size() > 1 && op.inputs[1] >= 0 &&
                             model.tensor(op.inputs[1]).is_constant &&
                             !model.tensor(op.inputs[1]).quant.empty();
    if (has_weights)
      row.quantization = QuantizationKind(model.tensor(op.inputs[1]));
    else if (!op.outputs.empty())
      row.quantization = QuantizationKind(model.tensor(op.outputs[0]));
    s.total_macs += row.macs;
    s.total_weight_bytes += row.weight_bytes;
    ++s.op_counts[row.type];
    if (!row.supported) unsupported.insert(row.type);
    s.ops.push_back(std::move(row));
  }
  s.unsupported_ops.assign(unsupported.begin(), unsupported.end());
  for (int32_t t : model.inputs) s.inputs.push_back(SummarizeTensor(model, t));
  for (int32_t t : model.outputs) s.outputs.push_back(SummarizeTensor(model, t));
  return s;
}

std::string FormatSummaryText(const ModelSummary& s) {
  std::string out;
  if (!s.description.empty()) out += fmt::format("description: {}\n", s.description);
  size_t type_width = 4;
  for (const OpSummary& op : s.ops) type_width = std::max(type_width, op.type.size());
  out += fmt::format("{:>5}  {:<{}}  {:<22}  {:>14}  {:>12}  {}\n", "index", "op", type_width,
                     "output shape", "MACs", "weight bytes", "quantization");
  for (const OpSummary& op : s.ops) {
    std::vector<std::string> shapes;
    for (const auto& shape : op.output_shapes) shapes.push_back(ShapeText(shape));
    // Joined first: a width given to a join view would pad every element instead.
    const std::string shape_text = fmt::format("{}", fmt::join(shapes, ", "));
    out += fmt::format("{:>5}  {:<{}}  {:<22}  {:>14}  {:>12}  {}\n", op.index, op.type, type_width,
                       shape_text, op.macs, op.weight_bytes, op.quantization);
  }
  out += fmt::format("\ntotals: {} ops, {} MACs, {} weight bytes\n", s.ops.size(), s.total_macs,
                     s.total_weight_bytes);
  std::vector<std::string> counts;
  for (const auto& [type, n] : s.op_counts) counts.push_back(fmt::format("{} {}", type, n));
  out += fmt::format("ops by type: {}\n", fmt::join(counts, ", "));
  if (!s.unsupported_ops.empty())
    out += fmt::format("unsupported ops (segpipe cannot execute them): {}\n",
                       fmt::join(s.unsupported_ops, ", "));
  auto tensors = [&](const char* title, const std::vector<TensorSummary>& list) {
    out += fmt::format("{}:\n", title);
    for (const TensorSummary& t : list)
      out += fmt::format("  {} (tensor {}): {} [{}] {}\n", t.name, t.index, DataTypeName(t.type),
                         fmt::join(t.shape, ", "), QuantText(t));
  };
  tensors("inputs", s.inputs);
  tensors("outputs", s.outputs);
  if (s.edgetpu) out += EdgeTpuText(*s.edgetpu);
  return out;
}

std::string FormatSummaryJson(const ModelSummary& s) {
  nlohmann::json ops = nlohmann::json::array();
  for (const OpSummary& op : s.ops)
    ops.push_back({{"index", op.index},
                   {"type", op.type},
                   {"supported", op.supported},
                   {"macs", op.macs},
                   {"weight_bytes", op.weight_bytes},
                   {"output_shape", op.output_shapes.empty() ? std::vector<int32_t>{}
                                                             : op.output_shapes[0]},
                   {"output_shapes", op.output_shapes},
                   {"quantization", op.quantization}});
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (const TensorSummary& t : s.inputs) inputs.push_back(TensorJson(t));
  for (const TensorSummary& t : s.outputs) outputs.push_back(TensorJson(t));
  nlohmann::json root = {
      {"description", s.description},
      {"ops", ops},
      {"totals",
       {{"ops", s.ops.size()},
        {"macs", s.total_macs},
        {"weight_bytes", s.total_weight_bytes},
        {"op_counts", s.op_counts},
        {"unsupported_ops", s.unsupported_ops}}},
      {"inputs", inputs},
      {"outputs", outputs}};
  if (s.edgetpu) root["edgetpu"] = EdgeTpuJson(*s.edgetpu);
  // Names come from the file and need not be valid UTF-8; the default handler throws on them.
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace segpipe
