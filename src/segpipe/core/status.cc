// Status names, exit codes and the CHECK failure path.
#include "segpipe/core/status.h"

namespace segpipe {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kWriteFailed:
      return "WRITE_FAILED";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
    case StatusCode::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument: return 2;  // same as CLI11's usage errors
    case StatusCode::kNotFound: return 3;
    case StatusCode::kDataLoss: return 4;
    case StatusCode::kUnimplemented: return 5;
    case StatusCode::kFailedPrecondition: return 6;
    case StatusCode::kResourceExhausted: return 7;
    case StatusCode::kCancelled: return 8;
    case StatusCode::kDeadlineExceeded: return 9;
    case StatusCode::kUnavailable: return 10;
    case StatusCode::kWriteFailed:
      return 73;  // sysexits.h EX_CANTCREAT, beside INTERNAL's 70
    case StatusCode::kUnauthenticated: return 11;
    case StatusCode::kInternal: return 70;
  }
  return 70;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "segpipe: internal check failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}

}  // namespace segpipe
