// Op display names; the builtin table is generated from the TFLite schema (model/CMakeLists.txt).
#include "segpipe/model/internal/op_name.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>

namespace segpipe {
namespace {

struct BuiltinName {
  int32_t code;
  std::string_view name;
};

constexpr BuiltinName kBuiltinNames[] = {
#include "segpipe/model/builtin_operator_names.inc"
};

}  // namespace

std::string BuiltinOperatorName(int32_t code) {
  const auto* it = std::find_if(std::begin(kBuiltinNames), std::end(kBuiltinNames),
                                [code](const BuiltinName& b) { return b.code == code; });
  if (it != std::end(kBuiltinNames)) return std::string(it->name);
  return fmt::format("builtin code {}", code);
}

std::string OpDisplayName(const Op& op) {
  if (op.type == OpType::kCustom) return fmt::format("CUSTOM({})", op.custom_code);
  if (op.type == OpType::kUnknownBuiltin) return BuiltinOperatorName(op.builtin_code);
  return std::string(OpTypeName(op.type));
}

}  // namespace segpipe
