// The name of an op as TFLite and `segpipe inspect` give it, for messages and reports in every
// layer (kernels' errors, the Edge TPU operation table, inspect's op table).
#ifndef SEGPIPE_MODEL_INTERNAL_OP_NAME_H_
#define SEGPIPE_MODEL_INTERNAL_OP_NAME_H_

#include <cstdint>
#include <string>

#include "segpipe/model/model.h"

namespace segpipe {

// The builtin name TFLite uses for this op ("UNIDIRECTIONAL_SEQUENCE_LSTM") or "CUSTOM(name)".
std::string OpDisplayName(const Op& op);

// TFLite's name of a builtin operator code ("CONV_2D"), or "builtin code N" for one our schema
// does not name.
std::string BuiltinOperatorName(int32_t code);

}  // namespace segpipe

#endif  // SEGPIPE_MODEL_INTERNAL_OP_NAME_H_
