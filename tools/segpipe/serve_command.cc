// `segpipe serve --listen HOST:PORT [--devices cpu:1,edgetpu:2] --token-file F
//  [--tls-cert C --tls-key K] [--tls-ca CA] [--max-segment-mib N]`: a stage host. Prints
// `listening on HOST:PORT` once it takes calls; SIGTERM (or SIGINT) drains the streams in flight
// and exits 0. `segpipe probe HOST:PORT ...` measures the links to stage hosts and between them.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/device/internal/network_model.h"
#include "segpipe/remote/internal/probe.h"
#include "segpipe/remote/internal/stage_host.h"
#include "segpipe/core/internal/file_io.h"

namespace segpipe::cli {
namespace {

constexpr int kDrainSeconds = 30;

struct ServeFlags {
  std::string listen;
  std::string devices = "cpu:1";
  std::string token_file;
  std::string tls_cert, tls_key, tls_ca;
  double max_segment_mib = static_cast<double>(remote::kDefaultMaxSegmentBytes) / (1 << 20);
};

Status Serve(const ServeFlags& flags) {
  remote::StageHostOptions options;
  options.listen = flags.listen;
  SEGPIPE_ASSIGN_OR_RETURN(options.devices, ParseDeviceList(flags.devices));
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<DeviceSpec> specs, ParseDevices(flags.devices));
  if (HasRemoteDevices(specs))
    return InvalidArgumentError("serve --devices names this host's own devices, without @HOST:PORT");
  SEGPIPE_ASSIGN_OR_RETURN(options.token, remote::ReadTokenFile(flags.token_file));
  options.peers.token = options.token;
  if (flags.tls_cert.empty() != flags.tls_key.empty())
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  if (!flags.tls_cert.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(options.tls_cert_pem,
                             remote::ReadPemFile(flags.tls_cert, "TLS certificate"));
    SEGPIPE_ASSIGN_OR_RETURN(options.tls_key_pem, remote::ReadPemFile(flags.tls_key, "TLS key"));
    // Calls to the next host are TLS too: trust --tls-ca, else this host's own certificate (one
    // certificate shared by all hosts).
    options.peers.tls_ca_pem = options.tls_cert_pem;
  }
  if (!flags.tls_ca.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(options.peers.tls_ca_pem,
                             remote::ReadPemFile(flags.tls_ca, "TLS CA certificates"));
  }
  // A gRPC message carries at most 2 GiB - 1 bytes.
  if (!(flags.max_segment_mib > 0 && flags.max_segment_mib < 2048))
    return InvalidArgumentError("--max-segment-mib must be above 0 and below 2048");
  options.max_segment_bytes = static_cast<int64_t>(flags.max_segment_mib * (1 << 20));
  options.log = [](const std::string& line) {
    std::fprintf(stderr, "segpipe serve: %s\n", line.c_str());
  };
  // SIGTERM and SIGINT are taken by sigwait below, on this thread: block them before any gRPC
  // thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<remote::StageHost> host,
                           remote::StageHost::Start(std::move(options)));
  std::printf("listening on %s\n", host->address().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(stderr, "segpipe serve: %s: draining (at most %d s)\n",
               signal == SIGTERM ? "SIGTERM" : "SIGINT", kDrainSeconds);
  host->Shutdown(std::chrono::seconds(kDrainSeconds));
  std::fprintf(stderr, "segpipe serve: stopped\n");
  return OkStatus();
}

struct ProbeFlags {
  std::vector<std::string> hosts;
  std::string token_file, tls_ca, out;
  bool json = false;
};

Status Probe(const ProbeFlags& flags) {
  remote::ClientSecurity security;
  SEGPIPE_ASSIGN_OR_RETURN(security.token, remote::ReadTokenFile(flags.token_file));
  if (!flags.tls_ca.empty()) {
    SEGPIPE_ASSIGN_OR_RETURN(security.tls_ca_pem,
                             remote::ReadPemFile(flags.tls_ca, "TLS CA certificates"));
  }
  for (const std::string& h : flags.hosts) SEGPIPE_RETURN_IF_ERROR(CheckHostAddress(h));
  NetworkModel network;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  auto add = [&](const std::string& from, const std::string& to, const LinkModel& link) {
    network.Set(from, to, link);
    rows.push_back({{"from", from},
                    {"to", to},
                    {"latency_ms", link.latency_ms},
                    {"bandwidth_mbit_s", link.bandwidth_mbit_s}});
    if (!flags.json)
      std::printf("%-24s -> %-24s latency %8.3f ms  bandwidth %9.1f Mbit/s\n", from.c_str(),
                  to.c_str(), link.latency_ms, link.bandwidth_mbit_s);
  };
  for (const std::string& host : flags.hosts) {
    StatusOr<LinkModel> link = remote::MeasureLink(host, security);
    if (!link.ok()) return link.status();
    add(std::string(kCoordinator), host, *link);
  }
  // Each host to the next, measured by the sending host itself.
  for (size_t i = 0; i + 1 < flags.hosts.size(); ++i) {
    StatusOr<LinkModel> link =
        remote::MeasurePeerLink(flags.hosts[i], flags.hosts[i + 1], security);
    if (!link.ok()) return link.status();
    add(flags.hosts[i], flags.hosts[i + 1], *link);
  }
  if (!flags.out.empty())
    SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically(flags.out, HostsFileJson(network)));
  if (flags.json) {
    nlohmann::ordered_json j;
    j["links"] = rows;
    std::printf("%s\n", j.dump(2).c_str());
  }
  return OkStatus();
}

}  // namespace

void RegisterServe(CLI::App& app, Action* action) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve", "Serve this machine's devices as a stage host of pipelines across hosts");
  cmd->add_option("--listen", flags->listen,
                  "HOST:PORT to listen on (e.g. 0.0.0.0:7070; port 0: any free port, printed)")
      ->required();
  cmd->add_option("--devices", flags->devices, "the devices served, e.g. cpu:2 or cpu:1,edgetpu:2")
      ->capture_default_str();
  cmd->add_option("--token-file", flags->token_file,
                  "file whose first line is the token every call must carry")
      ->required();
  cmd->add_option("--tls-cert", flags->tls_cert, "serve TLS with this PEM certificate");
  cmd->add_option("--tls-key", flags->tls_key, "the PEM private key of --tls-cert");
  cmd->add_option("--tls-ca", flags->tls_ca,
                  "trust these PEM certificates when calling the next host (default: --tls-cert)");
  cmd->add_option("--max-segment-mib", flags->max_segment_mib,
                  "refuse segments larger than this")
      ->capture_default_str();
  cmd->callback([action, flags] { *action = [flags] { return Serve(*flags); }; });

  auto pflags = std::make_shared<ProbeFlags>();
  auto* probe = app.add_subcommand(
      "probe", "Measure the links to stage hosts and between consecutive ones (a hosts file)");
  probe->add_option("HOSTS", pflags->hosts, "stage hosts HOST:PORT, in pipeline order")
      ->required();
  probe->add_option("--token-file", pflags->token_file, "the hosts' token file")->required();
  probe->add_option("--tls-ca", pflags->tls_ca, "talk TLS, trusting these PEM certificates");
  probe->add_option("-o,--out", pflags->out,
                    "write the links as a hosts file (for run/plan --hosts)");
  probe->add_flag("--json", pflags->json, "print JSON");
  probe->callback([action, pflags] { *action = [pflags] { return Probe(*pflags); }; });
}

}  // namespace segpipe::cli
