// Reading DarwiNN packages out of edgetpu-custom-op ops; see edgetpu_package.h.
#include "segpipe/tflite/internal/edgetpu_package.h"

#include <flatbuffers/flatbuffers.h>
#include <flatbuffers/flexbuffers.h>
#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "segpipe/tflite/internal/edgetpu_package_generated.h"
#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/schema_mapping.h"

namespace segpipe {
namespace {

namespace dwn = tflite_internal::dwn;

// Same bounds as the TFLite reader: real packages are shallow; a hostile one must not make
// verification slow.
constexpr flatbuffers::uoffset_t kMaxVerifierDepth = 64;
constexpr flatbuffers::uoffset_t kMaxVerifierTables = 1'000'000;

// A flatbuffer nested in another buffer need not be aligned where it lies; the verifier (and
// the accessors) want scalars aligned, so it is copied into memory the allocator aligns.
std::vector<uint8_t> AlignedCopy(const uint8_t* data, size_t size) {
  return std::vector<uint8_t>(data, data + size);
}

std::string_view ExecutableTypeName(dwn::ExecutableType type) {
  switch (type) {
    case dwn::ExecutableType_STAND_ALONE:
      return "STAND_ALONE";
    case dwn::ExecutableType_PARAMETER_CACHING:
      return "PARAMETER_CACHING";
    case dwn::ExecutableType_EXECUTION_ONLY:
      return "EXECUTION_ONLY";
  }
  return "";
}

std::vector<EdgeTpuLayer> ReadLayers(
    const flatbuffers::Vector<flatbuffers::Offset<dwn::Layer>>* v) {
  std::vector<EdgeTpuLayer> out;
  if (v == nullptr) return out;
  for (const dwn::Layer* l : *v) {
    EdgeTpuLayer layer;
    if (l->name() != nullptr) layer.name = l->name()->str();
    layer.size_bytes = l->size_bytes();
    layer.y_dim = l->y_dim();
    layer.x_dim = l->x_dim();
    layer.z_dim = l->z_dim();
    out.push_back(std::move(layer));
  }
  return out;
}

StatusOr<EdgeTpuExecutable> ParseExecutable(const flatbuffers::String& bytes, size_t index) {
  const std::vector<uint8_t> buffer =
      AlignedCopy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  flatbuffers::Verifier verifier(buffer.data(), buffer.size(), kMaxVerifierDepth,
                                 kMaxVerifierTables);
  if (buffer.size() < 8 || !verifier.VerifyBuffer<dwn::Executable>(nullptr))
    return DataLossError(fmt::format("executable {} of the package does not verify", index));
  const dwn::Executable& e = *flatbuffers::GetRoot<dwn::Executable>(buffer.data());
  EdgeTpuExecutable out;
  out.type = std::string(ExecutableTypeName(e.type()));
  if (out.type.empty())
    return DataLossError(
        fmt::format("executable {} has an unknown type ({})", index, static_cast<int>(e.type())));
  out.parameter_bytes = e.parameters() == nullptr ? 0 : e.parameters()->size();
  if (e.chip() != nullptr) out.chip = e.chip()->str();
  out.estimated_cycles =
      e.estimated_cycles_64bit() != 0 ? e.estimated_cycles_64bit() : e.estimated_cycles();
  out.input_layers = ReadLayers(e.input_layers());
  out.output_layers = ReadLayers(e.output_layers());
  return out;
}

// The DWN1 package inside the custom options: the flexbuffer root is a map, one of whose values
// (a string in the files we have seen, under the key "4"; a blob would do as well) holds a
// flatbuffer with the DWN1 identifier. The first such value is taken, so that the reader does
// not depend on the key.
std::optional<std::span<const uint8_t>> FindPackageBytes(flexbuffers::Reference root) {
  auto bytes_of = [](flexbuffers::Reference r) -> std::optional<std::span<const uint8_t>> {
    std::span<const uint8_t> bytes;
    if (r.IsBlob()) {
      const flexbuffers::Blob blob = r.AsBlob();
      bytes = {blob.data(), blob.size()};
    } else if (r.IsString()) {
      const flexbuffers::String str = r.AsString();
      bytes = {reinterpret_cast<const uint8_t*>(str.c_str()), str.length()};
    } else {
      return std::nullopt;
    }
    if (bytes.size() < 8 ||
        std::memcmp(bytes.data() + flatbuffers::kFileIdentifierLength, "DWN1", 4) != 0)
      return std::nullopt;
    return bytes;
  };
  if (auto bytes = bytes_of(root)) return bytes;
  if (!root.IsMap()) return std::nullopt;
  const flexbuffers::Vector values = root.AsMap().Values();
  for (size_t i = 0; i < values.size(); ++i)
    if (auto bytes = bytes_of(values[i])) return bytes;
  return std::nullopt;
}

}  // namespace

StatusOr<EdgeTpuPackage> ParseEdgeTpuPackage(std::span<const uint8_t> custom_options) {
  if (custom_options.size() < 3 || custom_options.size() >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return DataLossError(fmt::format("the Edge TPU custom options ({} bytes) are not a flexbuffer",
                                     custom_options.size()));
  const std::vector<uint8_t> options = AlignedCopy(custom_options.data(), custom_options.size());
  if (!flexbuffers::VerifyBuffer(options.data(), options.size()))
    return DataLossError("the Edge TPU custom options are not a valid flexbuffer");
  const std::optional<std::span<const uint8_t>> found =
      FindPackageBytes(flexbuffers::GetRoot(options.data(), options.size()));
  if (!found) return DataLossError("the Edge TPU custom options hold no DWN1 package");

  const std::vector<uint8_t> package_bytes = AlignedCopy(found->data(), found->size());
  flatbuffers::Verifier verifier(package_bytes.data(), package_bytes.size(), kMaxVerifierDepth,
                                 kMaxVerifierTables);
  if (!dwn::VerifyPackageBuffer(verifier))
    return DataLossError("the Edge TPU package (DWN1) does not verify: truncated or corrupt");
  const dwn::Package& package = *dwn::GetPackage(package_bytes.data());

  EdgeTpuPackage out;
  if (package.compiler_version() != nullptr)
    out.compiler_version = package.compiler_version()->str();
  out.min_runtime_version = package.min_runtime_version();
  const auto* multi_bytes = package.serialized_multi_executable();
  if (multi_bytes == nullptr || multi_bytes->size() < 8)
    return DataLossError("the Edge TPU package carries no executables");
  const std::vector<uint8_t> multi_buffer = AlignedCopy(multi_bytes->data(), multi_bytes->size());
  flatbuffers::Verifier multi_verifier(multi_buffer.data(), multi_buffer.size(), kMaxVerifierDepth,
                                       kMaxVerifierTables);
  if (!multi_verifier.VerifyBuffer<dwn::MultiExecutable>(nullptr))
    return DataLossError("the Edge TPU package's executable list does not verify");
  const dwn::MultiExecutable& multi =
      *flatbuffers::GetRoot<dwn::MultiExecutable>(multi_buffer.data());
  if (multi.serialized_executables() == nullptr || multi.serialized_executables()->size() == 0)
    return DataLossError("the Edge TPU package carries no executables");
  for (size_t i = 0; i < multi.serialized_executables()->size(); ++i) {
    SEGPIPE_ASSIGN_OR_RETURN(EdgeTpuExecutable e,
                             ParseExecutable(*multi.serialized_executables()->Get(i), i));
    if (e.type == "PARAMETER_CACHING")
      out.on_chip_bytes += e.parameter_bytes;
    else
      out.off_chip_bytes += e.parameter_bytes;
    out.executables.push_back(std::move(e));
  }
  return out;
}

bool IsEdgeTpuCompiled(const Model& model) {
  for (const Op& op : model.ops)
    if (op.type == OpType::kCustom && op.custom_code == tflite_internal::kEdgeTpuCustomCode)
      return true;
  return false;
}

StatusOr<EdgeTpuCompiledModel> ReadEdgeTpuCompiledModel(const Model& model) {
  if (!IsEdgeTpuCompiled(model))
    return FailedPreconditionError(
        "the model is not compiled for the Edge TPU (it has no edgetpu-custom-op)");
  EdgeTpuCompiledModel out;
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const Op& op = model.ops[i];
    if (op.type != OpType::kCustom || op.custom_code != tflite_internal::kEdgeTpuCustomCode) {
      out.cpu_ops.push_back(OpDisplayName(op));
      continue;
    }
    EdgeTpuSubgraph subgraph;
    subgraph.op_index = static_cast<int>(i);
    StatusOr<EdgeTpuPackage> package = ParseEdgeTpuPackage(op.custom_options);
    if (!package.ok())
      return package.status().WithContext(fmt::format("op {} (edgetpu-custom-op)", i));
    subgraph.package = *std::move(package);
    for (int32_t t : op.inputs)
      if (t >= 0) subgraph.input_tensors.push_back(model.tensor(t).name);
    for (int32_t t : op.outputs) subgraph.output_tensors.push_back(model.tensor(t).name);
    out.on_chip_bytes += subgraph.package.on_chip_bytes;
    out.off_chip_bytes += subgraph.package.off_chip_bytes;
    if (out.compiler_version.empty()) out.compiler_version = subgraph.package.compiler_version;
    out.subgraphs.push_back(std::move(subgraph));
  }
  return out;
}

}  // namespace segpipe
