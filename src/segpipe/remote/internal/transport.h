// What the stage host and its clients share: channels with keepalive, the token on every call,
// TLS, and the mapping between gRPC and segpipe statuses.
//
//   ClientSecurity security{.token = *ReadTokenFile("token"), .tls_ca_pem = ""};
//   std::shared_ptr<grpc::Channel> channel = MakeChannel("10.0.0.2:7070", security);
//   grpc::ClientContext context;
//   PrepareContext(context, security, /*session=*/"");
//
// Keepalive pings every kKeepaliveMs and a kKeepaliveTimeoutMs wait for the answer bound how long
// a dead or cut-off peer can go unnoticed on an open stream (docs/distributed.md, failures).
// Free functions; thread-safe.
#ifndef SEGPIPE_REMOTE_INTERNAL_TRANSPORT_H_
#define SEGPIPE_REMOTE_INTERNAL_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "segpipe/core/status.h"

namespace segpipe::remote {

inline constexpr int kKeepaliveMs = 1000;
inline constexpr int kKeepaliveTimeoutMs = 3000;
inline constexpr char kSessionHeader[] = "segpipe-session";

struct ClientSecurity {
  std::string token;       // sent as `authorization: Bearer TOKEN`
  std::string tls_ca_pem;  // roots the host's certificate must chain to; empty: plaintext
};

// The token in a token file: its first line, without the newline. Refuses a missing or empty
// file, and a token with whitespace inside.
StatusOr<std::string> ReadTokenFile(const std::string& path);
// A PEM file (certificate, key or CA bundle) for TLS; `what` names its role in messages.
StatusOr<std::string> ReadPemFile(const std::string& path, std::string_view what);

// gRPC's own log lines (its errors repeat what our Status says, in its internal terms) go
// nowhere, unless GRPC_VERBOSITY is set to ask for them. Idempotent.
void QuietGrpcLogs();

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const ClientSecurity& security);
// The token (and, for Stream calls, the session) on a call; `deadline` > 0 bounds it.
void PrepareContext(grpc::ClientContext& context, const ClientSecurity& security,
                    std::string_view session, std::chrono::milliseconds deadline = {});

// Constant-time comparison (the time does not depend on where the two first differ).
bool TokensEqual(std::string_view a, std::string_view b);

Status FromGrpc(const grpc::Status& status);
grpc::Status ToGrpc(const Status& status);
// The segpipe code a Frame or Credit error carries (as StatusCode's int) back to a Status.
Status StatusFromWire(int code, const std::string& message);

}  // namespace segpipe::remote

#endif  // SEGPIPE_REMOTE_INTERNAL_TRANSPORT_H_
