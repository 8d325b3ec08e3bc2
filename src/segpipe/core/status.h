// Status and StatusOr: how every recoverable failure travels in segpipe.
//
// A Status carries a code and a message a user can act on ("model.tflite: op 12 (CUSTOM
// 'fake-op-double') is not supported"). Bugs are not Statuses: they hit SEGPIPE_CHECK.
// Both types are cheap to move; an ok Status holds no heap memory.
#ifndef SEGPIPE_CORE_STATUS_H_
#define SEGPIPE_CORE_STATUS_H_

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace segpipe {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     // bad flag, bad shape, bad plan given by the user
  kNotFound,            // missing file or entry
  kDataLoss,            // corrupt or truncated file
  kUnimplemented,       // valid input we do not support (op, type, Edge TPU binary)
  kFailedPrecondition,  // impossible request: no feasible partition, too many segments
  kResourceExhausted,   // does not fit (memory, device capacity)
  kCancelled,           // stopped on request
  kDeadlineExceeded,    // a bounded wait ran out
  kUnavailable,         // a device failed
  kWriteFailed,         // an output file could not be written (folder, permissions, full disk)
  kUnauthenticated,     // a stage host refused the call's token
  kInternal,            // an invariant broke that is not the user's fault
};

std::string_view StatusCodeName(StatusCode code);

// The process exit code `segpipe` uses for a failure of this kind. Distinct per code so scripts
// can tell a missing file from a corrupt one from an unsupported op.
int ExitCodeFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Prefixes the message with context ("reading x.tflite: ...") and keeps the code.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status WriteFailedError(std::string m) { return {StatusCode::kWriteFailed, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);

// Either a value or a non-ok Status. Access to value() on an error is a bug (CHECK).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : status_(status) {  // NOLINT: implicit by design
    if (status_.ok()) CheckFailed(__FILE__, __LINE__, "StatusOr built from an ok Status");
  }
  StatusOr(Status&& status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) CheckFailed(__FILE__, __LINE__, "StatusOr built from an ok Status");
  }
  StatusOr(const T& value) : value_(value) {}  // NOLINT
  StatusOr(T&& value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & { Ensure(); return *value_; }
  const T& value() const& { Ensure(); return *value_; }
  T&& value() && { Ensure(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Ensure() const {
    if (!status_.ok()) CheckFailed(__FILE__, __LINE__, status_.ToString().c_str());
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace segpipe

#define SEGPIPE_CHECK(cond) \
  ((cond) ? (void)0 : ::segpipe::CheckFailed(__FILE__, __LINE__, #cond))

#define SEGPIPE_CONCAT_INNER_(a, b) a##b
#define SEGPIPE_CONCAT_(a, b) SEGPIPE_CONCAT_INNER_(a, b)

#define SEGPIPE_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::segpipe::Status segpipe_status_ = (expr);       \
    if (!segpipe_status_.ok()) return segpipe_status_; \
  } while (0)

#define SEGPIPE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

// SEGPIPE_ASSIGN_OR_RETURN(auto model, ReadTfliteFile(path));
#define SEGPIPE_ASSIGN_OR_RETURN(lhs, expr) \
  SEGPIPE_ASSIGN_OR_RETURN_IMPL_(SEGPIPE_CONCAT_(segpipe_statusor_, __LINE__), lhs, expr)

#endif  // SEGPIPE_CORE_STATUS_H_
