// Which ops edgetpu_compiler maps to the Edge TPU, and which it leaves on the CPU.
//
//   SegmentOpMapping m = MapOpsForEdgeTpu(model, 0, last_op);
//   for (int op : m.cpu_ops) ...;                    // ops that stay on the CPU
//   std::cout << FormatOperationTable(model, m);      // "Operator  Count  Status"
//
// An op is mappable when its type is on Coral's published list of supported operations and its
// parameters meet that list's limits and the model requirements (8-bit quantized tensors, at most
// three dimensions above a batch of one, sizes fixed at compile time). The compiler makes one
// Edge TPU subgraph: walking the ops in order, the first op it cannot map ends it, and that op
// and every op after it run on the CPU even where they could be mapped ("More than one subgraph
// is not supported"). Custom ops other than a compiled Edge TPU op are unknown to the compiler
// and run on the CPU. Pure functions; thread-safe.
#ifndef SEGPIPE_DEVICE_INTERNAL_EDGETPU_OPS_H_
#define SEGPIPE_DEVICE_INTERNAL_EDGETPU_OPS_H_

#include <string>
#include <vector>

#include "segpipe/model/model.h"

namespace segpipe {

// The compiler's status words (its operation table prints them verbatim).
inline constexpr char kEdgeTpuMapped[] = "Mapped to Edge TPU";
inline constexpr char kEdgeTpuAfterCpuOp[] = "More than one subgraph is not supported";

// Whether the Edge TPU can run `op` by itself. `reason` is kEdgeTpuMapped or why not, in the
// compiler's words where it has them ("Operation not supported", "Operation is working on an
// unsupported data type", "Tensor has unsupported rank ...") followed by the limit that failed.
struct EdgeTpuOpCheck {
  bool mappable = false;
  std::string reason;
};
EdgeTpuOpCheck CheckEdgeTpuOp(const Model& model, const Op& op);

// Ops [first_op, last_op] compiled alone, as the compiler maps them.
struct SegmentOpMapping {
  int first_op = 0;
  int last_op = 0;
  std::vector<bool> on_edgetpu;     // per op of the range
  std::vector<std::string> status;  // per op: kEdgeTpuMapped or the reason it stays on the CPU
  std::vector<int> cpu_ops;         // model op indices that run on the CPU, ascending
  int num_edgetpu_ops = 0;
  int end_op = 0;  // see MapOpsForEdgeTpu
};
//  - `end_op`: the op that ended the Edge TPU subgraph (last_op + 1 when none did). Ops before it
//    run on the Edge TPU, except a leading QUANTIZE from a float input, which the compiler leaves
//    on the CPU without ending the subgraph (a float model interface).
SegmentOpMapping MapOpsForEdgeTpu(const Model& model, int first_op, int last_op);
// The same from precomputed CheckEdgeTpuOp results, one per model op (for callers that map many
// segments of one model).
SegmentOpMapping MapOpsForEdgeTpu(const Model& model, const std::vector<EdgeTpuOpCheck>& checks,
                                  int first_op, int last_op);
std::vector<EdgeTpuOpCheck> CheckEdgeTpuOps(const Model& model);

// One row per (operator, status) in order of first appearance, as the compiler prints them;
// operators are named as `segpipe inspect` names them (OpDisplayName, model/op_name.h).
struct OperationTableRow {
  std::string op;
  int count = 0;
  std::string status;
};
std::vector<OperationTableRow> OperationTable(const Model& model, const SegmentOpMapping& mapping);
// The table as text with the compiler's header "Operator  Count  Status".
std::string FormatOperationTable(const std::vector<OperationTableRow>& rows);

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_EDGETPU_OPS_H_
