// The bodies of segpipe's fuzz targets, shared by the libFuzzer entry points
// (tflite_reader_fuzzer.cc, tflite_exec_fuzzer.cc) and by the regression test that replays every
// committed finding (fuzz_regression_test.cc) in every build, with or without libFuzzer.
//
// Each function takes arbitrary bytes and must return normally: bad input becomes a Status, and a
// broken invariant of the code under test hits SEGPIPE_CHECK (abort), which the fuzzer reports.
// Thread-safety: no shared state.
#ifndef SEGPIPE_FUZZ_FUZZ_TARGETS_H_
#define SEGPIPE_FUZZ_FUZZ_TARGETS_H_

#include <cstdint>
#include <span>

namespace segpipe::fuzz {

// Reads the bytes as a .tflite file. When that succeeds, everything a tool does with a model it
// has read must succeed too: summaries (text and JSON), layer grouping, op costs, segment
// extraction, and writing; and the written file must read back and write again byte-for-byte.
void FuzzTfliteReader(std::span<const uint8_t> bytes);

// Reads the bytes as a .tflite file and, when the model is small enough to run quickly (see
// kMaxFuzzMacs and friends in the .cc), prepares it with the reference kernels and runs one
// inference on a fixed input. Preparing may refuse the model with a Status; running may not
// fail or touch memory outside the arena.
void FuzzTfliteExec(std::span<const uint8_t> bytes);

}  // namespace segpipe::fuzz

#endif  // SEGPIPE_FUZZ_FUZZ_TARGETS_H_
