// Checks of the paper's qualitative findings.
#include "segpipe/report/internal/paper_findings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "segpipe/core/internal/statistics.h"
#include "segpipe/report/internal/paper_tables.h"

namespace segpipe::report {
namespace {

std::string SizeList(const std::vector<int>& sizes) {
  if (sizes.empty()) return "none";
  std::string text;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i == 8) return text + fmt::format(", ... ({} in all)", sizes.size());
    text += fmt::format("{}{}", i ? ", " : "", sizes[i]);
  }
  return text;
}

}  // namespace

Finding CheckFcTwoAndThreeAlike(const std::vector<ModelSweep>& fc, std::string_view host) {
  Finding f;
  f.claim = "FC with 2 and 3 TPUs (default split) behave alike";
  std::vector<int> spill2, spill3;
  double worst = 0;
  int worst_size = 0;
  for (const ModelSweep& m : fc) {
    const SplitRun& two = m.Host(host).Run(2, SplitMethod::kDefault);
    const SplitRun& three = m.Host(host).Run(3, SplitMethod::kDefault);
    if (two.off_chip_bytes() > 0) spill2.push_back(m.size);
    if (three.off_chip_bytes() > 0) spill3.push_back(m.size);
    if (two.off_chip_bytes() == 0 || three.off_chip_bytes() == 0) continue;
    for (double d : {three.batch1_ms / two.batch1_ms - 1, three.batch_ms / two.batch_ms - 1}) {
      if (std::abs(d) > worst) {
        worst = std::abs(d);
        worst_size = m.size;
      }
    }
  }
  f.holds = spill2 == spill3 && !spill2.empty() && worst <= 0.15;
  f.evidence = fmt::format(
      "2 TPUs stream weights from host memory at n = {}; 3 TPUs at n = {}. Where both stream, "
      "their times differ by at most {:.1f}% (n={}).",
      spill2.empty() ? "none" : fmt::format("{}..{}", spill2.front(), spill2.back()),
      spill3.empty() ? "none" : fmt::format("{}..{}", spill3.front(), spill3.back()), 100 * worst,
      worst_size);
  if (!fc.empty()) {
    const ModelSweep& last = fc.back();
    f.evidence +=
        fmt::format(" At n={}: {:.2f} ms vs {:.2f} ms (B=1), {:.2f} ms vs {:.2f} ms (B=50).",
                    last.size, last.Host(host).Run(2, SplitMethod::kDefault).batch1_ms,
                    last.Host(host).Run(3, SplitMethod::kDefault).batch1_ms,
                    last.Host(host).Run(2, SplitMethod::kDefault).batch_ms,
                    last.Host(host).Run(3, SplitMethod::kDefault).batch_ms);
  }
  return f;
}

Finding CheckFcFewestOnChip(const std::vector<ModelSweep>& fc, std::string_view host) {
  Finding f;
  f.claim = "The best FC choice is the fewest TPUs that keep every weight on chip";
  int agree = 0, compared = 0;
  std::vector<int> mismatches;
  std::string ranges;
  int run_start = -1, run_tpus = -1, previous = -1;
  auto close_run = [&] {
    if (run_start < 0) return;
    ranges += fmt::format("{}n={}..{}: {} TPU{}", ranges.empty() ? "" : "; ", run_start, previous,
                          run_tpus, run_tpus == 1 ? "" : "s");
  };
  for (const TpuChoice& c : TpuChoices(fc, host)) {
    if (c.fastest_tpus != run_tpus) {
      close_run();
      run_start = c.size;
      run_tpus = c.fastest_tpus;
    }
    previous = c.size;
    if (c.fewest_on_chip_tpus == 0) continue;
    ++compared;
    if (c.fastest_tpus == c.fewest_on_chip_tpus)
      ++agree;
    else
      mismatches.push_back(c.size);
  }
  close_run();
  f.holds = compared > 0 && agree == compared;
  f.evidence = fmt::format(
      "Fastest TPU count: {}. It is the fewest TPUs with nothing in host "
      "memory at {} of {} sizes (other sizes: {}).",
      ranges, agree, compared, SizeList(mismatches));
  return f;
}

Finding CheckConvSegmentedSlower(const std::vector<ModelSweep>& conv, std::string_view host) {
  Finding f;
  f.claim = "Segmented single-input CONV is slower than one TPU except for the largest models";
  if (conv.empty()) return f;
  std::vector<int> faster;
  double best = 0;
  int best_size = 0, best_tpus = 0;
  int streaming_from = 0;  // smallest size at which one TPU streams weights (0: none)
  int streaming_sizes = 0;
  for (const ModelSweep& m : conv) {
    if (m.single.off_chip_bytes > 0) {
      ++streaming_sizes;
      if (streaming_from == 0) streaming_from = m.size;
    }
    bool any = false;
    for (const SplitRun& r : m.Host(host).runs) {
      if (r.method != SplitMethod::kDefault) continue;
      const double s = Speedup(m, r, false);
      if (s > best) {
        best = s;
        best_size = m.size;
        best_tpus = r.tpus;
      }
      any |= s > 1;
    }
    if (any) faster.push_back(m.size);
  }
  const auto streams = [&](int size) {
    for (const ModelSweep& m : conv)
      if (m.size == size) return m.single.off_chip_bytes > 0;
    return false;
  };
  const bool only_largest = std::all_of(faster.begin(), faster.end(), streams);
  const bool largest_faster = !faster.empty() && faster.back() == conv.back().size;
  f.holds = only_largest && largest_faster;
  const std::string largest =
      streaming_from == 0
          ? std::string("none: one TPU holds every model")
          : fmt::format("the {} sizes one TPU cannot hold, f >= {}", streaming_sizes, streaming_from);
  f.evidence = fmt::format(
      "With the default split at B=1, 2-4 TPUs beat one TPU at f = {} (largest models: {}); at "
      "the other {} sizes every segmented run is slower. Best B=1 speedup {:.2f}x (f={}, {} "
      "TPUs).",
      SizeList(faster), largest, conv.size() - faster.size(), best, best_size, best_tpus);
  if (!only_largest)
    f.evidence += " Segmentation also wins on models whose weights fit on one TPU.";
  if (!largest_faster) f.evidence += " Segmentation does not win even for the largest model.";
  return f;
}

std::vector<Finding> CheckFindings(const PaperSweep& sweep, std::string_view host) {
  std::vector<Finding> findings;
  if (!sweep.fc.empty() && sweep.options.max_tpus >= 3) {
    findings.push_back(CheckFcTwoAndThreeAlike(sweep.fc, host));
    findings.push_back(CheckFcFewestOnChip(sweep.fc, host));
  }
  if (!sweep.conv.empty() && sweep.options.max_tpus >= 2)
    findings.push_back(CheckConvSegmentedSlower(sweep.conv, host));
  return findings;
}

AutoAgreement CheckAutoAgreesWithSimulation(const std::vector<ModelSweep>& models,
                                            std::string_view host) {
  AutoAgreement a;
  std::vector<double> differences;
  const std::vector<TpuChoice> choices = TpuChoices(models, host);
  for (size_t i = 0; i < models.size(); ++i) {
    const ModelSweep& m = models[i];
    const AutoChoice& chosen = m.Host(host).auto_pipeline;
    const int fastest = std::max(1, choices[i].fastest_tpus);
    ++a.sizes;
    if (std::max(1, chosen.devices_used) == fastest) ++a.same_tpus;
    // Times compare where both are pipelines through the host runtime (the one-TPU figure of
    // the sweep is the device time alone, as the paper timed it).
    double best_ms = INFINITY;
    for (const SplitRun& r : m.Host(host).runs)
      if (r.tpus == chosen.devices_used) best_ms = std::min(best_ms, r.batch_ms);
    if (std::isfinite(best_ms))
      differences.push_back(std::abs(chosen.time_per_inference_ms / best_ms - 1));
  }
  a.pipelined = static_cast<int>(differences.size());
  a.median_time_difference = Median(differences);
  if (!differences.empty())
    a.worst_time_difference = *std::max_element(differences.begin(), differences.end());
  return a;
}

}  // namespace segpipe::report
