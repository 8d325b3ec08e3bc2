// Reading and writing the files segpipe is given and produces.
//
// Reads check what they are given before allocating: a directory, a device such as /dev/zero or
// a file larger than the caller's limit is an error, not an endless read or a bad_alloc.
//
// Writes are atomic: the bytes go to a temporary file in the target's directory, which is
// renamed over the target only once every byte is on disk. On failure the temporary file is
// removed and an existing target is untouched, so a full disk or an unwritable folder never
// leaves a half-written model, plan or report behind. Every failure to write an output has one
// code, kWriteFailed (exit 73), whatever the cause (missing folder, permissions, full disk).
//
//   SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically("plan.json", text));
//
//   FileSetWriter out;                       // several files: all of them or none
//   SEGPIPE_RETURN_IF_ERROR(out.Add("a.tflite", bytes_a));
//   SEGPIPE_RETURN_IF_ERROR(out.Add("b.tflite", bytes_b));
//   SEGPIPE_RETURN_IF_ERROR(out.Commit());   // renames; destroying it uncommitted removes all
#ifndef SEGPIPE_CORE_INTERNAL_FILE_IO_H_
#define SEGPIPE_CORE_INTERNAL_FILE_IO_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {

// The largest input file segpipe reads (models, images, raw inputs, plans): 2 GiB, the most a
// FlatBuffer (and so a .tflite file) can address.
inline constexpr int64_t kMaxInputFileBytes = int64_t{2} << 30;

// The whole of a regular file. `what` names the file's role in messages ("model file", "image").
// NOT_FOUND when it does not exist; DATA_LOSS for a directory, a non-regular file or a read
// error; RESOURCE_EXHAUSTED when it is larger than `max_bytes`.
StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path, std::string_view what,
                                             int64_t max_bytes = kMaxInputFileBytes);

// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes);
Status WriteFileAtomically(const std::string& path, std::string_view text);

// Several output files that appear together or not at all: Add writes each to a temporary file
// beside its target, Commit renames them all. Without Commit (an error on the way), the
// destructor removes every temporary file and no target is touched.
class FileSetWriter {
 public:
  FileSetWriter() = default;
  FileSetWriter(const FileSetWriter&) = delete;
  FileSetWriter& operator=(const FileSetWriter&) = delete;
  ~FileSetWriter();

  Status Add(const std::string& path, std::span<const uint8_t> bytes);
  Status Add(const std::string& path, std::string_view text);
  Status Commit();

 private:
  struct Pending {
    std::string temp, target;
  };
  std::vector<Pending> pending_;
};

// Refuses an output path that names the same file as one of the command's inputs (so a failed
// or successful write cannot destroy what it was computed from). `flag` names the output in the
// message: the CLI flag ("-o") or, in the library, what is written ("segment file").
Status CheckOutputIsNotAnInput(const std::string& output, std::string_view flag,
                               const std::vector<std::string>& inputs);

// Test seam: after this many more bytes written by this process's atomic writes, the next
// write fails as a full disk would (ENOSPC). Negative (the default) turns the fault off.
// The CLI sets it from the environment variable SEGPIPE_FAIL_WRITES_AFTER_BYTES.
void SetWriteFaultAfterBytesForTesting(int64_t bytes);

}  // namespace segpipe

#endif  // SEGPIPE_CORE_INTERNAL_FILE_IO_H_
