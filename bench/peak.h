// The CPU's int8 peak, measured: a loop of AVX-512 VNNI vpdpbusd on independent accumulators.
//
// One vpdpbusd on a 512-bit register does 64 u8 x s8 multiply-accumulates (16 int32 lanes, 4
// products each). We count 2 ops per MAC (a multiply and an add), as every GOPS figure in the
// benchmarks does, so peak ops/s = 128 * vpdpbusd/s.
#ifndef SEGPIPE_BENCH_PEAK_H_
#define SEGPIPE_BENCH_PEAK_H_

#include <cstdint>

namespace segpipe::bench {

// Ops (2 per MAC) performed by VnniLoop(iterations).
int64_t VnniLoopOps(int64_t iterations);

// Runs `iterations` rounds of 12 independent vpdpbusd (enough to hide their latency).
void VnniLoop(int64_t iterations);

// Best of a few runs of VnniLoop timed in the calling thread's CPU time, in GOPS (1e9 ops/s).
double MeasureVnniPeakGops();

}  // namespace segpipe::bench

#endif  // SEGPIPE_BENCH_PEAK_H_
