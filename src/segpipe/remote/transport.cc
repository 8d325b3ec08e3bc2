// Channels, tokens, TLS and status mapping for the stage host protocol (transport.h).
#include "segpipe/remote/internal/transport.h"

#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <grpc/support/log.h>

#include "segpipe/core/internal/file_io.h"

namespace segpipe::remote {

StatusOr<std::string> ReadTokenFile(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, "token file", 4096));
  std::string token(bytes.begin(), bytes.end());
  if (size_t nl = token.find_first_of("\r\n"); nl != std::string::npos) token.resize(nl);
  if (token.empty())
    return InvalidArgumentError(fmt::format("{}: the token file's first line is empty", path));
  for (char c : token)
    if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20)
      return InvalidArgumentError(
          fmt::format("{}: the token has whitespace or control characters in it", path));
  return token;
}

StatusOr<std::string> ReadPemFile(const std::string& path, std::string_view what) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path, what, 1 << 20));
  std::string pem(bytes.begin(), bytes.end());
  if (pem.find("-----BEGIN ") == std::string::npos)
    return InvalidArgumentError(fmt::format("{}: not a PEM file ({})", path, what));
  return pem;
}

void QuietGrpcLogs() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("GRPC_VERBOSITY") == nullptr)
      gpr_set_log_function([](gpr_log_func_args*) {});
  });
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const ClientSecurity& security) {
  QuietGrpcLogs();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Reconnect promptly to a restarted host instead of backing off for up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Each coordinator and host gets its own connection, not one shared per process.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      security.tls_ca_pem.empty()
          ? grpc::InsecureChannelCredentials()
          : grpc::SslCredentials(grpc::SslCredentialsOptions{security.tls_ca_pem, "", ""});
  return grpc::CreateCustomChannel(address, credentials, args);
}

void PrepareContext(grpc::ClientContext& context, const ClientSecurity& security,
                    std::string_view session, std::chrono::milliseconds deadline) {
  context.AddMetadata("authorization", "Bearer " + security.token);
  if (!session.empty()) context.AddMetadata(kSessionHeader, std::string(session));
  if (deadline.count() > 0) context.set_deadline(std::chrono::system_clock::now() + deadline);
}

bool TokensEqual(std::string_view a, std::string_view b) {
  // Compare over the longer length so the time says nothing about the length of the prefix.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return OkStatus();
  std::string message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED: return UnauthenticatedError(message);
    case grpc::StatusCode::INVALID_ARGUMENT: return InvalidArgumentError(message);
    case grpc::StatusCode::NOT_FOUND: return NotFoundError(message);
    case grpc::StatusCode::DATA_LOSS: return DataLossError(message);
    case grpc::StatusCode::UNIMPLEMENTED: return UnimplementedError(message);
    case grpc::StatusCode::FAILED_PRECONDITION: return FailedPreconditionError(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return ResourceExhaustedError(message);
    case grpc::StatusCode::CANCELLED: return CancelledError(message);
    case grpc::StatusCode::DEADLINE_EXCEEDED: return DeadlineExceededError(message);
    case grpc::StatusCode::UNAVAILABLE: return UnavailableError(message);
    default: return InternalError(message);
  }
}

grpc::Status ToGrpc(const Status& status) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (status.code()) {
    case StatusCode::kOk: return grpc::Status::OK;
    case StatusCode::kInvalidArgument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case StatusCode::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case StatusCode::kDataLoss: code = grpc::StatusCode::DATA_LOSS; break;
    case StatusCode::kUnimplemented: code = grpc::StatusCode::UNIMPLEMENTED; break;
    case StatusCode::kFailedPrecondition: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case StatusCode::kResourceExhausted: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case StatusCode::kCancelled: code = grpc::StatusCode::CANCELLED; break;
    case StatusCode::kDeadlineExceeded: code = grpc::StatusCode::DEADLINE_EXCEEDED; break;
    case StatusCode::kUnavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case StatusCode::kUnauthenticated: code = grpc::StatusCode::UNAUTHENTICATED; break;
    case StatusCode::kWriteFailed:
    case StatusCode::kInternal: code = grpc::StatusCode::INTERNAL; break;
  }
  return grpc::Status(code, status.message());
}

Status StatusFromWire(int code, const std::string& message) {
  if (code <= 0 || code > static_cast<int>(StatusCode::kInternal))
    return InternalError(message);
  return Status(static_cast<StatusCode>(code), message);
}

}  // namespace segpipe::remote
