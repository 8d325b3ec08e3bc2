// libFuzzer entry point: arbitrary bytes read as a model, prepared with the reference kernels and
// run once (see FuzzTfliteExec).
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  segpipe::fuzz::FuzzTfliteExec({data, size});
  return 0;
}
