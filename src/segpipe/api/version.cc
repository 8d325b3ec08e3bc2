#include "segpipe/api/version.h"

namespace segpipe::api {

std::string_view Version() { return SEGPIPE_VERSION; }

}  // namespace segpipe::api
