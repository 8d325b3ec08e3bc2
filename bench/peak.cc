// The measured int8 peak (see peak.h).
#include "peak.h"

#include <algorithm>
#include <ctime>

namespace segpipe::bench {

constexpr int64_t kAccumulators = 12;
constexpr int64_t kMacsPerInstruction = 64;

int64_t VnniLoopOps(int64_t iterations) {
  return iterations * kAccumulators * kMacsPerInstruction * 2;
}

__attribute__((target("avx512f,avx512vnni"))) void VnniLoop(int64_t iterations) {
  asm volatile(
      "vpternlogd $0xff, %%zmm14, %%zmm14, %%zmm14\n\t"  // all ones: operands that never change
      "vpternlogd $0xff, %%zmm15, %%zmm15, %%zmm15\n\t"
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
      "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"
      "vpxord %%zmm2, %%zmm2, %%zmm2\n\t"
      "vpxord %%zmm3, %%zmm3, %%zmm3\n\t"
      "vpxord %%zmm4, %%zmm4, %%zmm4\n\t"
      "vpxord %%zmm5, %%zmm5, %%zmm5\n\t"
      "vpxord %%zmm6, %%zmm6, %%zmm6\n\t"
      "vpxord %%zmm7, %%zmm7, %%zmm7\n\t"
      "vpxord %%zmm8, %%zmm8, %%zmm8\n\t"
      "vpxord %%zmm9, %%zmm9, %%zmm9\n\t"
      "vpxord %%zmm10, %%zmm10, %%zmm10\n\t"
      "vpxord %%zmm11, %%zmm11, %%zmm11\n\t"
      "1:\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm0\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm1\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm2\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm3\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm4\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm5\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm6\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm7\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm8\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm9\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm10\n\t"
      "vpdpbusd %%zmm14, %%zmm15, %%zmm11\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      "vzeroupper\n\t"
      : "+r"(iterations)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm14", "xmm15", "cc");
}

namespace {
// CPU time of the calling thread: on a shared machine, wall time also counts the time other
// processes hold the core.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

double MeasureVnniPeakGops() {
  constexpr int64_t kIterations = 20'000'000;  // ~0.1 s at 460 GOPS
  double best_gops = 0.0;
  for (int run = 0; run < 5; ++run) {
    const double start = ThreadCpuSeconds();
    VnniLoop(kIterations);
    const double seconds = ThreadCpuSeconds() - start;
    best_gops = std::max(best_gops, static_cast<double>(VnniLoopOps(kIterations)) / seconds / 1e9);
  }
  return best_gops;
}

}  // namespace segpipe::bench
