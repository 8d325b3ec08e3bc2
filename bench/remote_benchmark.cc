// Pipelines across hosts on loopback, measured in one run (docs/benchmarks.md):
//  - per-hop overhead: the one-way time of a 100 KB frame between two stage hosts' gRPC stacks,
//    p50 of round trips (100 KB there, 1 byte back) less half the 1-byte round trip;
//  - allocations per frame: malloc calls of the whole chain (coordinator and two stage hosts, in
//    this process) per input, against the in-process pipeline's;
//  - a 2-host CPU pipeline of a model against the same split in one process, alternating.
//
//   remote_benchmark [--model M.tflite] [--batch 300] [--rounds 2000] [--keep-awake 1]
//                    [--json out.json]
//
// --keep-awake 1 runs one spinning thread per core at SCHED_IDLE, which only gets a core nobody
// else wants: the cores never go idle, as on hosts whose stages keep them busy. An idle machine's
// cores sleep between frames, and waking them is then most of a round trip.
// The stage hosts run in this process, on their own gRPC threads and ports, as two `segpipe
// serve` would; the coordinator talks to them through loopback TCP like any other host.

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "segpipe/core/internal/file_io.h"
#include "segpipe/pipeline/internal/run.h"
#include "segpipe/remote/internal/probe.h"
#include "segpipe/remote/internal/remote_pipeline.h"
#include "segpipe/remote/internal/stage_host.h"
#include "segpipe/tflite/internal/reader.h"

// Counts every malloc of the process (gRPC's and ours): glibc's allocator, reached through its
// exported __libc_* entry points, behind a counter.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
}
namespace {
std::atomic<int64_t> g_mallocs{0};
}
extern "C" void* malloc(size_t n) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t n, size_t m) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, size_t n) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}

namespace segpipe {
namespace {

int64_t P50(std::vector<int64_t> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

struct Flags {
  std::string model = std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v2_1.0_224_quant.tflite";
  int batch = 300;
  int rounds = 2000;
  int repeats = 3;
  bool keep_awake = false;
  std::string json;
};

// Spinning threads at SCHED_IDLE (see the top of the file), stopped when destroyed.
class KeepAwake {
 public:
  explicit KeepAwake(bool on) {
    if (!on) return;
    for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i)
      threads_.emplace_back([this] {
        sched_param param{};
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
  }
  ~KeepAwake() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

Status Main(const Flags& flags) {
  KeepAwake awake(flags.keep_awake);
  remote::StageHostOptions o;
  o.listen = "127.0.0.1:0";
  o.token = "benchmark-token";
  o.peers.token = o.token;
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<remote::StageHost> a, remote::StageHost::Start(o));
  SEGPIPE_ASSIGN_OR_RETURN(std::unique_ptr<remote::StageHost> b, remote::StageHost::Start(o));
  remote::ClientSecurity security{o.token, ""};
  nlohmann::ordered_json out;

  // Per hop, 100 KB frames.
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<int64_t> small,
                           remote::MeasureRoundTrips(a->address(), security, 1, 1, flags.rounds));
  SEGPIPE_ASSIGN_OR_RETURN(
      std::vector<int64_t> frame,
      remote::MeasureRoundTrips(a->address(), security, 100'000, 1, flags.rounds));
  const double small_us = static_cast<double>(P50(small)) / 1e3;
  const double frame_us = static_cast<double>(P50(frame)) / 1e3;
  out["keep_awake"] = flags.keep_awake;
  out["per_hop"] = {{"frame_bytes", 100000},
                    {"rounds", flags.rounds},
                    {"round_trip_1B_p50_us", small_us},
                    {"round_trip_100KB_1B_p50_us", frame_us},
                    {"one_way_100KB_p50_us", frame_us - small_us / 2}};
  std::printf("per hop: 100 KB one way p50 %.1f us (round trips p50: 100 KB + 1 B %.1f us, "
              "1 B + 1 B %.1f us, %d rounds each)\n",
              frame_us - small_us / 2, frame_us, small_us, flags.rounds);

  // The same split in one process and on two hosts.
  SEGPIPE_ASSIGN_OR_RETURN(Model model, ReadTfliteFile(flags.model));
  RunConfig local;
  local.devices = "cpu:2";
  local.split = "params";
  local.batch = flags.batch;
  // The split both runs use: the in-process default for cpu:2 is `params`, so is this one.
  RunConfig remote_config = local;
  remote_config.devices = fmt::format("cpu:1@{},cpu:1@{}", a->address(), b->address());
  remote_config.remote = remote::RemotePipelineFactoryFor({security});
  std::vector<double> local_tput, remote_tput;
  int64_t local_mallocs = 0, remote_mallocs = 0;
  for (int r = 0; r < flags.repeats; ++r) {
    int64_t before = g_mallocs.load();
    SEGPIPE_ASSIGN_OR_RETURN(RunReport l, RunPipeline(model, local));
    local_mallocs += g_mallocs.load() - before;
    before = g_mallocs.load();
    SEGPIPE_ASSIGN_OR_RETURN(RunReport m, RunPipeline(model, remote_config));
    remote_mallocs += g_mallocs.load() - before;
    local_tput.push_back(l.throughput_per_s);
    remote_tput.push_back(m.throughput_per_s);
    std::printf("round %d: in process %.1f/s, two hosts %.1f/s (%.1f%%)\n", r + 1,
                l.throughput_per_s, m.throughput_per_s,
                100 * m.throughput_per_s / l.throughput_per_s);
  }
  // Allocations per frame: a short run's count taken off a long one's (setup cancels out).
  auto per_frame = [&](RunConfig c) -> StatusOr<double> {
    c.batch = 20;
    int64_t before = g_mallocs.load();
    SEGPIPE_RETURN_IF_ERROR(RunPipeline(model, c).status());
    const int64_t short_run = g_mallocs.load() - before;
    c.batch = 20 + flags.batch;
    before = g_mallocs.load();
    SEGPIPE_RETURN_IF_ERROR(RunPipeline(model, c).status());
    const int64_t long_run = g_mallocs.load() - before;
    return static_cast<double>(long_run - short_run) / flags.batch;
  };
  SEGPIPE_ASSIGN_OR_RETURN(double local_per_frame, per_frame(local));
  SEGPIPE_ASSIGN_OR_RETURN(double remote_per_frame, per_frame(remote_config));
  std::sort(local_tput.begin(), local_tput.end());
  std::sort(remote_tput.begin(), remote_tput.end());
  const double local_median = local_tput[local_tput.size() / 2];
  const double remote_median = remote_tput[remote_tput.size() / 2];
  out["two_hosts"] = {{"model", flags.model},
                      {"batch", flags.batch},
                      {"repeats", flags.repeats},
                      {"in_process_per_s", local_tput},
                      {"two_hosts_per_s", remote_tput},
                      {"ratio_of_medians", remote_median / local_median}};
  out["allocations_per_frame"] = {{"in_process", local_per_frame},
                                  {"two_hosts", remote_per_frame}};
  std::printf("two hosts / in process (medians): %.1f%%\n", 100 * remote_median / local_median);
  std::printf("malloc calls per frame (whole chain, this process): in process %.2f, two hosts "
              "%.2f\n",
              local_per_frame, remote_per_frame);
  if (!flags.json.empty())
    SEGPIPE_RETURN_IF_ERROR(WriteFileAtomically(flags.json, out.dump(2) + "\n"));
  a->Shutdown(std::chrono::seconds(1));
  b->Shutdown(std::chrono::seconds(1));
  return OkStatus();
}

}  // namespace
}  // namespace segpipe

int main(int argc, char** argv) {
  segpipe::Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") flags.model = value;
    else if (flag == "--batch") flags.batch = std::atoi(value.c_str());
    else if (flag == "--rounds") flags.rounds = std::atoi(value.c_str());
    else if (flag == "--repeats") flags.repeats = std::atoi(value.c_str());
    else if (flag == "--json") flags.json = value;
    else if (flag == "--keep-awake") flags.keep_awake = value == "1";
    else {
      std::fprintf(stderr, "usage: remote_benchmark [--model M] [--batch N] [--rounds N] "
                           "[--repeats N] [--keep-awake 0|1] [--json FILE]\n");
      return 2;
    }
  }
  if (flags.batch < 1 || flags.rounds < 1 || flags.repeats < 1) {
    std::fprintf(stderr, "remote_benchmark: --batch, --rounds and --repeats must be positive\n");
    return 2;
  }
  const segpipe::Status s = segpipe::Main(flags);
  if (!s.ok()) {
    std::fprintf(stderr, "remote_benchmark: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
