// Checked reads and atomic writes (see file_io.h).
#include "segpipe/core/internal/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace segpipe {
namespace {

namespace fs = std::filesystem;

std::atomic<int64_t> g_fault_budget{-1};

// The budget starts from the environment once, so a CLI test can make the binary's writes fail.
int64_t FaultBudgetFromEnvironment() {
  static const bool loaded = [] {
    if (const char* env = std::getenv("SEGPIPE_FAIL_WRITES_AFTER_BYTES")) {
      char* end = nullptr;
      const long long n = std::strtoll(env, &end, 10);
      if (end != env && n >= 0) g_fault_budget.store(n);
    }
    return true;
  }();
  (void)loaded;
  return g_fault_budget.load();
}

// Writes as much of `n` bytes as the fault budget allows; returns false with errno set.
bool WriteAll(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    size_t chunk = n;
    const int64_t budget = FaultBudgetFromEnvironment();
    if (budget >= 0) {
      if (budget == 0) {
        errno = ENOSPC;
        return false;
      }
      chunk = std::min<size_t>(chunk, static_cast<size_t>(budget));
    }
    const ssize_t w = ::write(fd, data, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (budget >= 0) g_fault_budget.fetch_sub(w);
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::string WriteError(const std::string& path, int err) {
  const std::string parent = fs::path(path).parent_path().string();
  if (err == ENOENT)
    return fmt::format("cannot write {}: the folder {} does not exist", path,
                       parent.empty() ? "." : parent);
  if (err == ENOSPC || err == EFBIG || err == EDQUOT)
    return fmt::format("cannot write {}: {} (nothing was changed; free space and retry)", path,
                       std::strerror(err));
  return fmt::format("cannot write {}: {}", path, std::strerror(err));
}

mode_t NewFileMode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

// Writes `bytes` into a new temporary file beside `path`; *temp receives its name.
Status WriteTemporary(const std::string& path, std::span<const uint8_t> bytes, std::string* temp) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return Status(StatusCode::kWriteFailed,
                  fmt::format("cannot write {}: it is a directory; name a file", path));
  const fs::path target(path);
  const fs::path dir = target.parent_path();
  std::string pattern = (dir / fmt::format(".{}.tmp-XXXXXX", target.filename().string())).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return Status(StatusCode::kWriteFailed, WriteError(path, errno));
  struct stat st;
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : NewFileMode();
  bool ok = ::fchmod(fd, mode) == 0 && WriteAll(fd, bytes.data(), bytes.size());
  int err = ok ? 0 : errno;
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(pattern.c_str());
    return Status(StatusCode::kWriteFailed, WriteError(path, err));
  }
  *temp = std::move(pattern);
  return OkStatus();
}

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path, std::string_view what,
                                             int64_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return NotFoundError(fmt::format("{}: no such file (check the path)", path));
    return DataLossError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode))
    return DataLossError(
        fmt::format("{}: is a directory, not a {}; pass the file itself", path, what));
  if (!S_ISREG(st.st_mode))
    return DataLossError(
        fmt::format("{}: is not a regular file (a device or pipe), not a {}", path, what));
  if (st.st_size > max_bytes)
    return ResourceExhaustedError(
        fmt::format("{}: {} bytes is more than the {} bytes a {} may have", path,
                    static_cast<int64_t>(st.st_size), max_bytes, what));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return DataLossError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t r = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      const int err = r < 0 ? errno : 0;
      ::close(fd);
      return DataLossError(fmt::format("{}: read error: {}", path,
                                       err ? std::strerror(err) : "the file shrank while read"));
    }
    done += static_cast<size_t>(r);
  }
  ::close(fd);
  return bytes;
}

Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  FileSetWriter writer;
  SEGPIPE_RETURN_IF_ERROR(writer.Add(path, bytes));
  return writer.Commit();
}

Status WriteFileAtomically(const std::string& path, std::string_view text) {
  return WriteFileAtomically(path, AsBytes(text));
}

FileSetWriter::~FileSetWriter() {
  for (const Pending& p : pending_) ::unlink(p.temp.c_str());
}

Status FileSetWriter::Add(const std::string& path, std::span<const uint8_t> bytes) {
  std::string temp;
  SEGPIPE_RETURN_IF_ERROR(WriteTemporary(path, bytes, &temp));
  pending_.push_back({std::move(temp), path});
  return OkStatus();
}

Status FileSetWriter::Add(const std::string& path, std::string_view text) {
  return Add(path, AsBytes(text));
}

Status FileSetWriter::Commit() {
  // Every byte is already on disk, so what is left is renames within one folder each: they
  // fail only if the folder itself changes under us.
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (::rename(pending_[i].temp.c_str(), pending_[i].target.c_str()) != 0) {
      const int err = errno;
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(i));
      return Status(StatusCode::kWriteFailed, WriteError(pending_.front().target, err));
    }
  }
  pending_.clear();
  return OkStatus();
}

Status CheckOutputIsNotAnInput(const std::string& output, std::string_view flag,
                               const std::vector<std::string>& inputs) {
  std::error_code ec;
  if (!fs::exists(output, ec)) return OkStatus();
  for (const std::string& input : inputs) {
    if (!input.empty() && fs::equivalent(output, input, ec))
      return InvalidArgumentError(fmt::format(
          "{} {} is also an input; write to another file", flag, output));
  }
  return OkStatus();
}

void SetWriteFaultAfterBytesForTesting(int64_t bytes) {
  FaultBudgetFromEnvironment();  // so a later first call does not overwrite this
  g_fault_budget.store(bytes);
}

}  // namespace segpipe
