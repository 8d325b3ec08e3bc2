// Pipelines across hosts end to end on loopback: `segpipe serve` processes and `segpipe run` with
// devices KIND:N@127.0.0.1:PORT. The same outputs as one process, refusals (token, size, device
// count, mixed lists), a killed host named within a bounded time, a restarted host serving a new
// run, SIGTERM draining a run in flight, and TLS.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kModels = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/";
const std::string kSmall = kModels + "mobilenet_v1_0.25_128_quant.tflite";
const std::string kV2 = kModels + "mobilenet_v2_1.0_224_quant.tflite";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

class RemoteCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("segpipe_remote_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << "loopback-test-token\n";
    std::ofstream(dir_ / "wrong") << "not-the-token\n";
  }
  void TearDown() override {
    for (Host& h : hosts_) Kill(h, SIGKILL);
    fs::remove_all(dir_);
  }

  struct Host {
    pid_t pid = -1;
    std::string address;
    fs::path out, err;
  };

  // Starts `segpipe serve` and waits for its `listening on` line.
  Host& Serve(std::vector<std::string> extra = {}, const std::string& listen = "127.0.0.1:0") {
    Host h;
    const int n = static_cast<int>(hosts_.size());
    h.out = dir_ / ("host" + std::to_string(n) + ".out");
    h.err = dir_ / ("host" + std::to_string(n) + ".err");
    std::vector<std::string> args = {SEGPIPE_CLI_PATH, "serve", "--listen", listen,
                                     "--token-file", (dir_ / "token").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, h.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, h.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    EXPECT_EQ(posix_spawn(&h.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      const std::string out = Slurp(h.out);
      if (const size_t at = out.find("listening on "); at != std::string::npos &&
                                                       out.find('\n', at) != std::string::npos) {
        h.address = out.substr(at + 13, out.find('\n', at) - at - 13);
        break;
      }
      int status = 0;
      if (waitpid(h.pid, &status, WNOHANG) == h.pid) {
        h.pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_FALSE(h.address.empty()) << "serve did not start: " << Slurp(h.err);
    hosts_.push_back(h);
    return hosts_.back();
  }

  // Signals the host and reaps it; its exit code (-1 when killed by a signal).
  static int Kill(Host& h, int signal) {
    if (h.pid <= 0) return -1;
    ::kill(h.pid, signal);
    int status = 0;
    waitpid(h.pid, &status, 0);
    h.pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  CliResult Run(const std::vector<std::string>& args) {
    std::string cmd = std::string("'") + SEGPIPE_CLI_PATH + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    const fs::path out = dir_ / "run.out", err = dir_ / "run.err";
    cmd += " >'" + out.string() + "' 2>'" + err.string() + "'";
    const auto start = Clock::now();
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  std::string Token() const { return (dir_ / "token").string(); }
  std::string Devices(const Host& a, const Host& b) const {
    return "cpu:1@" + a.address + ",cpu:1@" + b.address;
  }
  static std::string DigestOf(const CliResult& r) {
    return nlohmann::json::parse(r.out).value("outputs_digest", std::string("missing"));
  }

  fs::path dir_;
  std::deque<Host> hosts_;  // a deque: Serve hands out references that must stay valid
};

TEST_F(RemoteCliTest, TwoHostsGiveTheOutputsOfOneProcess) {
  Host& a = Serve();
  Host& b = Serve();
  for (const std::string& model : {kSmall, kV2}) {
    const CliResult local = Run({"run", model, "--random", "--repeat", "1", "--json"});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    const CliResult remote = Run({"run", model, "--random", "--repeat", "1", "--devices",
                                  Devices(a, b), "--token-file", Token(), "--json"});
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_EQ(DigestOf(remote), DigestOf(local)) << model;
    const nlohmann::json j = nlohmann::json::parse(remote.out);
    ASSERT_EQ(j["stages"].size(), 2u);
    EXPECT_NE(j["stages"][1]["description"].get<std::string>().find(b.address),
              std::string::npos);
    // Frames cross coordinator -> a -> b -> coordinator.
    ASSERT_EQ(j["links"].size(), 3u);
    EXPECT_EQ(j["links"][1]["from"], a.address);
    EXPECT_EQ(j["links"][1]["to"], b.address);
  }
  // A batch streams through the chain, in order, every input answered.
  const CliResult batch = Run({"run", kSmall, "--batch", "300", "--devices", Devices(a, b),
                               "--token-file", Token(), "--json"});
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(nlohmann::json::parse(batch.out)["batch"], 300);
}

TEST_F(RemoteCliTest, ThreeStagesOnTwoHostsKeepTheirOrder) {
  // cpu:2 on the first host: one segment, two local stages; the digest still matches.
  Host& a = Serve({"--devices", "cpu:2"});
  Host& b = Serve();
  const CliResult local = Run({"run", kV2, "--random", "--repeat", "1", "--json"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const CliResult remote =
      Run({"run", kV2, "--random", "--repeat", "1", "--devices",
           "cpu:2@" + a.address + ",cpu:1@" + b.address, "--token-file", Token(), "--json"});
  ASSERT_EQ(remote.exit_code, 0) << remote.err;
  EXPECT_EQ(DigestOf(remote), DigestOf(local));
  EXPECT_EQ(nlohmann::json::parse(remote.out)["stages"].size(), 3u);
}

TEST_F(RemoteCliTest, WrongTokenIsRefusedAndTheHostKeepsServing) {
  Host& a = Serve();
  Host& b = Serve();
  const CliResult wrong = Run({"run", kSmall, "--repeat", "1", "--devices", Devices(a, b),
                               "--token-file", (dir_ / "wrong").string()});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("token is missing or wrong"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find(a.address), std::string::npos) << wrong.err;
  EXPECT_NE(Slurp(a.err).find("wrong token"), std::string::npos) << Slurp(a.err);
  const CliResult right = Run({"run", kSmall, "--repeat", "1", "--devices", Devices(a, b),
                               "--token-file", Token()});
  EXPECT_EQ(right.exit_code, 0) << right.err;
}

TEST_F(RemoteCliTest, KilledHostIsNamedAndARestartedOneServesANewRun) {
  Host& a = Serve();
  Host& b = Serve();
  const std::string b_address = b.address;
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    Kill(b, SIGKILL);
  });
  const CliResult r = Run({"run", kSmall, "--batch", "200000", "--devices", Devices(a, b),
                           "--token-file", Token()});
  killer.join();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.seconds, 45);
  EXPECT_NE(r.err.find(b_address), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("inputs from sequence"), std::string::npos) << r.err;
  // The same port again: a new host there serves a new run (the coordinator reconnects).
  Host& again = Serve({}, b_address);
  const CliResult next = Run({"run", kSmall, "--batch", "20", "--devices", Devices(a, again),
                              "--token-file", Token()});
  EXPECT_EQ(next.exit_code, 0) << next.err;
}

TEST_F(RemoteCliTest, AKilledCoordinatorFreesTheHostsForTheNextRun) {
  Host& a = Serve();
  Host& b = Serve();
  // `timeout -s KILL` ends the coordinator mid-stream, without a chance to finish its sessions.
  const std::string cmd = "timeout -s KILL 2 '" + std::string(SEGPIPE_CLI_PATH) + "' run '" +
                          kSmall + "' --batch 200000 --devices '" + Devices(a, b) +
                          "' --token-file '" + Token() + "' >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 137);  // killed, as intended
  // The hosts see their streams end (the connection is reset) and free their devices: a new run
  // gets them, within moments (a host still tearing down says "0 free" meanwhile).
  CliResult next;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  do {
    next = Run({"run", kSmall, "--batch", "20", "--devices", Devices(a, b), "--token-file",
                Token()});
    if (next.exit_code == 0) break;
    EXPECT_NE(next.err.find("0 free"), std::string::npos) << next.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (Clock::now() < deadline);
  EXPECT_EQ(next.exit_code, 0) << next.err;
}

TEST_F(RemoteCliTest, SigtermDrainsTheRunInFlightAndExitsZero) {
  Host& a = Serve();
  Host& b = Serve();
  CliResult r;
  std::thread run([&] {
    r = Run({"run", kSmall, "--batch", "3000", "--devices", Devices(a, b), "--token-file",
             Token()});
  });
  // Once the run's session is loaded on b, and frames flow, b is told to stop.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Slurp(b.err).find("session") == std::string::npos && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int code = Kill(b, SIGTERM);
  run.join();
  EXPECT_EQ(code, 0) << Slurp(b.err);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Slurp(b.err).find("draining"), std::string::npos);
}

TEST_F(RemoteCliTest, RefusalsSayWhy) {
  Host& b = Serve();
  Host& tiny = Serve({"--max-segment-mib", "0.01"});
  Host& c = Serve();
  // The second segment holds most of the weights (0.5 MiB).
  const CliResult big = Run({"run", kSmall, "--repeat", "1", "--devices", Devices(b, tiny),
                             "--token-file", Token()});
  EXPECT_NE(big.exit_code, 0);
  EXPECT_NE(big.err.find("above this host's limit"), std::string::npos) << big.err;
  EXPECT_NE(big.err.find(tiny.address), std::string::npos) << big.err;
  // More devices than the host serves.
  const CliResult count = Run({"run", kSmall, "--repeat", "1", "--devices",
                               "cpu:1@" + b.address + ",cpu:2@" + c.address, "--token-file",
                               Token()});
  EXPECT_NE(count.exit_code, 0);
  EXPECT_NE(count.err.find("1 free"), std::string::npos) << count.err;
  const CliResult mixed = Run({"run", kSmall, "--repeat", "1", "--devices",
                               "cpu:1,cpu:1@" + b.address, "--token-file", Token()});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("serve the local ones too"), std::string::npos) << mixed.err;
  const CliResult no_token =
      Run({"run", kSmall, "--repeat", "1", "--devices", Devices(b, tiny)});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("--token-file"), std::string::npos) << no_token.err;
  for (const char* mib : {"0", "-1", "1e30", "nan"}) {
    const CliResult limit = Run({"serve", "--listen", "127.0.0.1:0", "--token-file", Token(),
                                 "--max-segment-mib", mib});
    EXPECT_EQ(limit.exit_code, 2) << mib;
    EXPECT_NE(limit.err.find("--max-segment-mib"), std::string::npos) << limit.err;
  }
  const CliResult in_use = Run({"serve", "--listen", b.address, "--token-file", Token()});
  EXPECT_EQ(in_use.exit_code, 10);
  EXPECT_EQ(in_use.err, "segpipe: error: cannot listen on " + b.address +
                            " (in use, or not an address of this machine)\n");
  const CliResult nobody = Run({"run", kSmall, "--repeat", "1", "--devices",
                                "cpu:1@127.0.0.1:1,cpu:1@127.0.0.1:2", "--token-file", Token()});
  EXPECT_NE(nobody.exit_code, 0);
  EXPECT_NE(nobody.err.find("127.0.0.1:1"), std::string::npos) << nobody.err;
  EXPECT_LT(nobody.seconds, 20);
}

TEST_F(RemoteCliTest, SimulatedRunCostsTheLinksOfAHostsFile) {
  std::ofstream(dir_ / "hosts.json")
      << R"({"links": [{"from": "10.0.0.2:7070", "to": "10.0.0.3:7070", "latency_ms": 1,
                        "bandwidth_mbit_s": 8}]})";
  const CliResult r = Run({"run", kSmall, "--simulate", "--batch", "20", "--split", "2",
                           "--devices", "cpu:1@10.0.0.2:7070,cpu:1@10.0.0.3:7070", "--hosts",
                           (dir_ / "hosts.json").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const nlohmann::json& cut = j["links"][1];
  EXPECT_EQ(cut["source"], "hosts file");
  // 8 Mbit/s: one byte per microsecond; the cut link is the bottleneck.
  EXPECT_NEAR(cut["wire_ms"].get<double>(), cut["bytes"].get<double>() / 1000, 1e-6);
  EXPECT_NEAR(j["throughput_per_s"].get<double>(), 1000 / cut["wire_ms"].get<double>(),
              0.05 * 1000 / cut["wire_ms"].get<double>());
}

TEST_F(RemoteCliTest, PlanMovesTheCutToASmallActivationOnASlowLink) {
  auto cut_bytes = [&](double mbit_s) {
    std::ofstream(dir_ / "hosts.json")
        << R"({"links": [{"from": "10.0.0.2:7070", "to": "10.0.0.3:7070", "latency_ms": 0.1,
                          "bandwidth_mbit_s": )"
        << mbit_s << "}]}";
    // Modelled Edge TPUs: the analytic profile, the same stage times for both links.
    const CliResult r = Run({"plan", kV2, "--devices",
                             "edgetpu:1@10.0.0.2:7070,edgetpu:1@10.0.0.3:7070",
                             "--hosts", (dir_ / "hosts.json").string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["links"][1]["from"], "10.0.0.2:7070");
    return j["links"][1]["bytes"].get<int64_t>();
  };
  const int64_t fast = cut_bytes(10000), slow = cut_bytes(50);
  EXPECT_LT(slow, fast / 4) << "a 50 Mbit/s link should push the cut to a smaller activation";
}

TEST_F(RemoteCliTest, TlsWithTheHostsCertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "openssl is not installed";
  const std::string key = (dir_ / "key.pem").string(), cert = (dir_ / "cert.pem").string();
  const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=segpipe "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout '" + key + "' -out '" +
                          cert + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  Host& a = Serve({"--tls-cert", cert, "--tls-key", key});
  Host& b = Serve({"--tls-cert", cert, "--tls-key", key});
  const CliResult local = Run({"run", kSmall, "--random", "--repeat", "1", "--json"});
  const CliResult tls = Run({"run", kSmall, "--random", "--repeat", "1", "--devices",
                             Devices(a, b), "--token-file", Token(), "--tls-ca", cert, "--json"});
  ASSERT_EQ(tls.exit_code, 0) << tls.err;
  EXPECT_EQ(DigestOf(tls), DigestOf(local));
  const CliResult plain = Run({"run", kSmall, "--repeat", "1", "--devices", Devices(a, b),
                               "--token-file", Token()});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_LT(plain.seconds, 20);
}

}  // namespace
