// The version of the segpipe library (the project version in CMakeLists.txt).
#ifndef SEGPIPE_API_VERSION_H_
#define SEGPIPE_API_VERSION_H_

#include <string_view>

namespace segpipe::api {

// "0.1.0"
std::string_view Version();

}  // namespace segpipe::api

#endif  // SEGPIPE_API_VERSION_H_
