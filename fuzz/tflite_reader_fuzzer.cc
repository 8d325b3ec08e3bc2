// libFuzzer entry point: arbitrary bytes through the TFLite reader and everything tools do with
// a model they have read (see FuzzTfliteReader).
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  segpipe::fuzz::FuzzTfliteReader({data, size});
  return 0;
}
