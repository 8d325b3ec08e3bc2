// report.md of `segpipe paper`.
#include "segpipe/report/internal/paper_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "segpipe/core/internal/statistics.h"
#include "segpipe/report/internal/paper_findings.h"
#include "segpipe/report/internal/paper_tables.h"
#include "segpipe/report/internal/table.h"

namespace segpipe::report {
namespace {

bool Has(const PaperReportContext& c, const char* experiment) {
  return c.experiments.count(experiment) > 0;
}

void Figure(std::string& md, const PaperReportContext& c, const std::string& file,
            const std::string& caption) {
  if (std::find(c.figures.begin(), c.figures.end(), file) != c.figures.end())
    md += fmt::format("![{}]({})\n\n", caption, file);
  else
    md += fmt::format("*{} ({}) not drawn: {}*\n\n", caption, file,
                      c.plot_note.empty() ? "plotting was skipped" : c.plot_note);
}

struct FitSummary {
  int rows = 0;
  double median_time_error = 0, worst_time_error = 0;
  int worst_size = 0;
  double worst_memory_diff_mib = 0;
};

FitSummary SummarizeFit(const std::vector<ModelSweep>& models, const PaperMeasurement* file) {
  FitSummary s;
  std::vector<double> errors;
  for (const ModelSweep& m : models) {
    const PaperRow* row = FindRow(file, m.size);
    if (row == nullptr || row->time_ms <= 0 || row->on_chip_mib.empty() ||
        row->off_chip_mib.empty())
      continue;
    const double e = std::abs(m.single_ms / row->time_ms - 1);
    errors.push_back(e);
    if (e > s.worst_time_error) {
      s.worst_time_error = e;
      s.worst_size = m.size;
    }
    const double mib = static_cast<double>(kMiB);
    s.worst_memory_diff_mib = std::max(
        {s.worst_memory_diff_mib, std::abs(m.single.on_chip_bytes / mib - row->on_chip_mib[0]),
         std::abs(m.single.off_chip_bytes / mib - row->off_chip_mib[0])});
  }
  s.rows = static_cast<int>(errors.size());
  s.median_time_error = Median(errors);
  return s;
}

// The sizes shown in the per-segment tables: both sides of every single-TPU step, and the
// largest model (the CSV files hold every size).
std::vector<int> ShownSizes(const std::vector<ModelSweep>& models) {
  std::vector<int> sizes;
  for (auto [before, after] : SingleTpuSteps(models)) {
    sizes.push_back(models[static_cast<size_t>(before)].size);
    sizes.push_back(models[static_cast<size_t>(after)].size);
  }
  if (!models.empty()) sizes.push_back(models.back().size);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

std::vector<ModelSweep> VariantModels(const std::vector<ModelSweep>& models, size_t index) {
  std::vector<ModelSweep> out;
  for (const ModelSweep& m : models)
    if (index < m.variants.size()) out.push_back(m.variants[index]);
  return out;
}

bool HasHost(const PaperSweep& sweep, std::string_view name) {
  for (const HostProfile& h : sweep.options.hosts)
    if (h.name == name) return true;
  return false;
}

std::string HostLine(const HostProfile& h) {
  return fmt::format(
      "`{}`: {:.0f} us of host work per stage and inference{}, {:.0f} us per hand-off between "
      "stages, {:.0f} us once per batch (thread start and join)",
      h.name, h.per_stage_host_ns * 1e-3,
      h.host_serialized ? " under one interpreter lock (the stages' host work never overlaps)"
                        : " (overlapping across stages)",
      h.per_hop_ns * 1e-3, h.startup_ns * 1e-3);
}

void Headline(std::string& md, const PaperSweep& sweep) {
  md += "## Headline: best speedup over one TPU\n\n";
  md += fmt::format(
      "Speedup = time of the whole model on one TPU (one invocation, as the paper timed Fig. 2) "
      "divided by the pipeline's time per inference at B={}, best over model sizes.\n\n",
      sweep.options.batch);
  const std::vector<PaperTarget> targets = PaperTargets(sweep);
  if (!targets.empty()) {
    Table t(
        {"paper's figure", "paper", "ours (`paper` profile)", "where", "difference", "within 25%"});
    for (const PaperTarget& target : targets)
      t.AddRow({target.what, Cell(fmt::format("~{:.0f}x", target.paper_speedup)),
                Cell(fmt::format("{:.1f}x", target.ours.speedup)),
                Cell(fmt::format("{}={}, {} TPUs {}", SizeName(target.family), target.ours.size,
                                 target.ours.tpus, target.ours.layout)),
                Cell(fmt::format("{:+.0f}%", 100 * target.relative_error())),
                Cell(std::abs(target.relative_error()) <= 0.25 ? "yes" : "**no**")});
    md += ToMarkdown(t) + "\n";
  }
  md += "Every TPU count and split, both host profiles (`headline.csv`):\n\n";
  md += ToMarkdown(HeadlineTable(sweep)) + "\n";
}

void Findings(std::string& md, const PaperSweep& sweep) {
  md += "## The paper's qualitative findings\n\n";
  for (const HostProfile& host : sweep.options.hosts) {
    md += fmt::format("With the `{}` host profile:\n\n", host.name);
    for (const Finding& f : CheckFindings(sweep, host.name))
      md += fmt::format("- **{}** {}. {}\n", f.holds ? "Holds:" : "Does not hold:", f.claim,
                        f.evidence);
    md += "\n";
  }
}

void Fig2(std::string& md, const PaperSweep& sweep, const std::vector<PaperMeasurement>& measured,
          const PaperReportContext& c) {
  md += "## Fig. 2: one Edge TPU\n\n";
  Figure(md, c, "fig2.png", "Fig. 2: single-TPU time, memory and GOPS vs MACs");
  Table t({"family", "measured rows", "median time error", "worst time error",
           "worst memory difference"});
  for (PaperFamily family : {PaperFamily::kFc, PaperFamily::kConv}) {
    const FitSummary s =
        SummarizeFit(sweep.Family(family), FindMeasurement(measured, family, 1, 1));
    if (s.rows == 0) continue;
    t.AddRow({std::string(FamilyName(family)), s.rows,
              Cell(fmt::format("{:.1f}%", 100 * s.median_time_error)),
              Cell(fmt::format("{:.1f}% ({}={})", 100 * s.worst_time_error, SizeName(family),
                               s.worst_size)),
              Cell(fmt::format("{:.3f} MiB", s.worst_memory_diff_mib))});
  }
  if (!t.empty())
    md += "Our model against the authors' single-TPU measurements:\n\n" + ToMarkdown(t) + "\n";
  double fc_gops = 0, conv_gops = 0;
  for (const ModelSweep& m : sweep.fc) fc_gops = std::max(fc_gops, m.gops());
  for (const ModelSweep& m : sweep.conv) conv_gops = std::max(conv_gops, m.gops());
  if (fc_gops > 0 && conv_gops > 0)
    md += fmt::format(
        "Peak modelled throughput: FC {:.1f} GOPS, CONV {:.0f} GOPS ({:.0f}x FC; 4 TOPS is the "
        "device's peak): FC is memory-bound, CONV reuses each weight at every pixel.\n\n",
        fc_gops, conv_gops, conv_gops / fc_gops);
  md += "Data: `fig2_fc.csv`, `fig2_conv.csv`.\n\n";
}

void Tables(std::string& md, const PaperSweep& sweep,
            const std::vector<PaperMeasurement>& measured) {
  const char* names[] = {"Table I", "Table II"};
  const char* files[] = {"table1_fc_steps.csv", "table2_conv_steps.csv"};
  int i = 0;
  for (PaperFamily family : {PaperFamily::kFc, PaperFamily::kConv}) {
    if (!sweep.Family(family).empty()) {
      md += fmt::format(
          "## {}: {} on one TPU, just before and after each step\n\nA step is a size at which "
          "one more layer's weights move to host memory (MiB, ms; `measured_*` from the "
          "authors).\n\n",
          names[i], FamilyName(family));
      md += ToMarkdown(StepTable(sweep, family, measured)) + "\n";
      md += fmt::format("Data: `{}`.\n\n", files[i]);
    }
    ++i;
  }
  if (!sweep.fc.empty() && sweep.options.max_tpus >= 3) {
    const std::vector<int> shown = ShownSizes(sweep.fc);
    for (int tpus : {2, 3}) {
      md += fmt::format(
          "## Table III ({} segments): FC per-segment memory, default split\n\nSizes around each "
          "single-TPU step and the largest model; `table3_fc_{}seg.csv` has every size.\n\n",
          tpus, tpus);
      md += ToMarkdown(SegmentMemoryTable(sweep, PaperFamily::kFc, tpus, shown, measured)) + "\n";
    }
  }
  if (!sweep.conv.empty() && sweep.options.max_tpus >= 4) {
    md +=
        "## Table IV: CONV per-segment memory, 4 segments, default split\n\nSizes around each "
        "single-TPU step and the largest model; `table4_conv_4seg.csv` has every size. A "
        "segment that receives a 64x64xf activation must hold it on chip too (`input_mib`).\n\n";
    md += ToMarkdown(
              SegmentMemoryTable(sweep, PaperFamily::kConv, 4, ShownSizes(sweep.conv), measured)) +
          "\n";
  }
}

void PipelineFigures(std::string& md, const PaperSweep& sweep, const PaperReportContext& c) {
  if (Has(c, "fig4")) {
    md += "## Fig. 4: segmented time, default split, B=1\n\n";
    Figure(md, c, "fig4.png", "Fig. 4: time per inference at B=1, default split, 1-4 TPUs");
  }
  if (Has(c, "fig5")) {
    md += fmt::format("## Fig. 5: profiled split, B={}\n\n", sweep.options.batch);
    Figure(md, c, "fig5.png", "Fig. 5: time per inference at B=50, profiled split, 1-4 TPUs");
  }
  if (Has(c, "fig6")) {
    md += "## Fig. 6: speedup over one TPU\n\n";
    Figure(md, c, "fig6.png", "Fig. 6: speedup over one TPU at B=50, default and profiled");
  }
  md += fmt::format(
      "Data: `runs.csv` (every size, host profile, TPU count and split: layout, time at B=1 and "
      "B={}, speedups, MiB streamed), `measured_pipelines.csv` (the authors' 2-TPU runs).\n\n",
      sweep.options.batch);
}

void Auto(std::string& md, const PaperSweep& sweep) {
  md += fmt::format(
      "## What `auto` chooses (up to {} TPUs, objective batch:{})\n\n`auto` runs the exact "
      "search for every TPU count on the analytic stage times and keeps the fewest TPUs within "
      "1% of the best; with replication it may also run copies of a stage on several TPUs.\n\n",
      sweep.options.max_tpus, sweep.options.batch);
  for (const HostProfile& host : sweep.options.hosts) {
    for (PaperFamily family : {PaperFamily::kFc, PaperFamily::kConv}) {
      if (sweep.Family(family).empty()) continue;
      md += fmt::format("{}, `{}` profile:\n\n", FamilyName(family), host.name);
      md += ToMarkdown(AutoChoiceTable(sweep, family, host.name)) + "\n";
    }
  }
}

// The paper's headline speedup for a family and split method (PaperTargets), 0 when absent.
double PaperSpeedup(const PaperSweep& sweep, PaperFamily family, SplitMethod method) {
  for (const PaperTarget& t : PaperTargets(sweep))
    if (t.family == family && t.method == method) return t.paper_speedup;
  return 0;
}

// The number in the first "<digits>[.<digits>] us" of `text`, if any.
std::optional<double> FirstMicroseconds(std::string_view text) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < text.size(); ++i) {
    if (!digit(text[i]) || (i > 0 && (digit(text[i - 1]) || text[i - 1] == '.'))) continue;
    size_t j = i;
    while (j < text.size() && digit(text[j])) ++j;
    if (j + 1 < text.size() && text[j] == '.' && digit(text[j + 1])) {
      ++j;
      while (j < text.size() && digit(text[j])) ++j;
    }
    if (text.substr(j, 3) == " us") return std::stod(std::string(text.substr(i, j - i)));
  }
  return std::nullopt;
}

// Where the native per-hop cost comes from, and whether the profile uses the measured figure.
std::string NativeHopText(const HostProfile& native, const std::string& source) {
  if (source.empty())
    return "the per-hop cost is meant to be the measured hand-off cost of our pipeline runtime, "
           "but docs/benchmarks.md has no \"Pipeline\" measurement of it yet, so the value "
           "above is the library's placeholder (docs/edgetpu-model.md) and the native "
           "predictions carry that uncertainty";
  std::string text = fmt::format(
      "the per-hop cost should be the measured hand-off cost of our pipeline runtime "
      "(docs/benchmarks.md, \"Pipeline\": \"{}\")",
      source);
  // The first "<number> us" of the measurement line, to compare with the profile's value.
  if (const std::optional<double> measured = FirstMicroseconds(source)) {
    const double measured_us = *measured;
    const double profile_us = native.per_hop_ns * 1e-3;
    if (std::abs(profile_us - measured_us) > 0.1 * measured_us)
      text += fmt::format(
          ". The profile still uses {:.0f} us, not the measured ~{:g} us: it has not taken the "
          "measurement yet, so these native predictions charge each hop {} than our runtime "
          "does ({} speedups than measured hops would give)",
          profile_us, measured_us, profile_us > measured_us ? "more" : "less",
          profile_us > measured_us ? "slightly lower" : "slightly higher");
  }
  return text;
}

void Discussion(std::string& md, const PaperSweep& sweep,
                const std::vector<PaperMeasurement>& measured, const PaperReportContext& c) {
  const EdgeTpuSpec& spec = sweep.options.spec;
  md += "## Where our numbers differ from the paper's, and why\n\n";
  md += fmt::format(
      "- **What is modelled.** Nothing runs an inference. Each model is synthesized at its size "
      "(shapes only: no float calibration, which would only move activation scales), placed by "
      "the compiler's rules (capacity {:.2f} MiB shared with the segment's input activation, "
      "caching from the last layer backwards) and timed by the fitted device model: {:.0f} us per "
      "invocation, activations over the host link at {:.0f} MB/s, streamed weights at {:.0f} MB/s "
      "+ {:.0f} us setup, FC layers at {:.0f} weight bytes per cycle, CONV at {:.0f}% of the "
      "64x64 array plus {:.2f} output bytes per cycle (docs/edgetpu-model.md). Pipelines run in "
      "the discrete-event simulator the way the paper timed them (all B inputs queued, threads "
      "started, joined; time / B).\n",
      static_cast<double>(spec.on_chip_capacity_bytes) / kMiB, spec.invoke_overhead_ns * 1e-3,
      spec.activation_link_bytes_per_s * 1e-6, spec.stream_link_bytes_per_s * 1e-6,
      spec.stream_setup_ns * 1e-3, spec.fc_weight_bytes_per_cycle,
      100 * spec.conv_array_efficiency, spec.conv_output_bytes_per_cycle);
  if (HasHost(sweep, "paper") && !sweep.fc.empty() && sweep.options.max_tpus >= 4) {
    const ModelSweep& last = sweep.fc.back();
    const HostRuns& h = last.Host("paper");
    // The authors' 2-TPU floor: their B=batch runs with every weight on chip.
    std::vector<double> floor_ms;
    if (const PaperMeasurement* two = FindMeasurement(measured, PaperFamily::kFc, 2,
                                                       sweep.options.batch))
      for (const PaperRow& row : two->rows) {
        bool on_chip = !row.off_chip_mib.empty();
        for (double mib : row.off_chip_mib) on_chip &= mib == 0;
        if (on_chip) floor_ms.push_back(row.time_ms);
      }
    const PaperRow* last_row =
        FindRow(FindMeasurement(measured, PaperFamily::kFc, 1, 1), last.size);
    md += fmt::format(
        "- **FC.** With everything on chip the B={} time of an FC pipeline is the paper "
        "runtime's serialized host work, {:.2f} / {:.2f} / {:.2f} ms for 2 / 3 / 4 TPUs (ours at "
        "n={}){}. So the FC speedups follow from the single-TPU time at the largest sizes ({:.1f} "
        "ms ours{}) divided by that floor: default 4 TPUs {:.1f}x, profiled 3 TPUs {} {:.1f}x "
        "(paper: ~{:.0f}x and ~{:.0f}x). The simulated floor is exact, while the authors' measured floor "
        "varies from run to run{}.\n",
        sweep.options.batch, sweep.fc.front().Host("paper").Run(2, SplitMethod::kProfiled).batch_ms,
        sweep.fc.front().Host("paper").Run(3, SplitMethod::kProfiled).batch_ms,
        sweep.fc.front().Host("paper").Run(4, SplitMethod::kProfiled).batch_ms,
        sweep.fc.front().size,
        floor_ms.empty() ? ""
                         : fmt::format("; the authors measured a median {:.2f} ms for 2 TPUs",
                                       Median(floor_ms)),
        last.single_ms,
        last_row == nullptr
            ? ""
            : fmt::format(", {:.1f} ms measured at n={}", last_row->time_ms, last.size),
        Speedup(last, h.Run(4, SplitMethod::kDefault), true),
        h.Run(3, SplitMethod::kProfiled).layout,
        Speedup(last, h.Run(3, SplitMethod::kProfiled), true),
        PaperSpeedup(sweep, PaperFamily::kFc, SplitMethod::kDefault),
        PaperSpeedup(sweep, PaperFamily::kFc, SplitMethod::kProfiled),
        floor_ms.empty()
            ? ""
            : fmt::format(" ({:.2f}-{:.2f} ms for 2 TPUs over {} sizes)",
                          *std::min_element(floor_ms.begin(), floor_ms.end()),
                          *std::max_element(floor_ms.begin(), floor_ms.end()), floor_ms.size()));
  }
  if (HasHost(sweep, "paper") && !sweep.conv.empty() && sweep.options.max_tpus >= 4) {
    const ModelSweep& last = sweep.conv.back();
    const int64_t activation_bytes = 64LL * 64 * last.size;
    const double hop_ms = 2.0 * activation_bytes / spec.activation_link_bytes_per_s * 1e3;
    const BestSpeedup ours = FindBestSpeedup(sweep.conv, "paper", 4, SplitMethod::kProfiled);
    md += fmt::format(
        "- **CONV.** Between two TPUs the {}x{}x{} int8 activation ({:.2f} MB at f={}) leaves "
        "one device and enters the next over the host link: {:.1f} ms per hop at {:.0f} MB/s, "
        "next to ~{:.0f} ms of compute for one large layer; the output half of the hop overlaps "
        "the sending layer's array time. Our best 4-TPU profiled speedup is "
        "{:.1f}x (f={}) against the paper's ~{:.0f}x{}. The hop rate is the one the authors' CONV "
        "3-TPU pipeline file pins (docs/edgetpu-model.md, where the single-TPU files and the "
        "published rows predict that file when it is left out of the fit).",
        64, 64, last.size, activation_bytes * 1e-6, last.size, hop_ms,
        spec.activation_link_bytes_per_s * 1e-6,
        64.0 * 64 * 9 * last.size * last.size /
            (spec.array_rows * spec.array_cols * spec.conv_array_efficiency * spec.clock_hz) * 1e3,
        ours.speedup, ours.size, PaperSpeedup(sweep, PaperFamily::kConv, SplitMethod::kProfiled),
        CheckConvSegmentedSlower(sweep.conv, "paper").holds
            ? ""
            : ", and the B=1 finding on segmented CONV does not come out as the paper has it");
    for (size_t v = 0; v < sweep.options.variants.size(); ++v) {
      const SpecVariant& variant = sweep.options.variants[v];
      if (!variant.conv) continue;
      size_t index = 0;  // position among the variants that run on CONV
      for (size_t k = 0; k < v; ++k) index += sweep.options.variants[k].conv ? 1 : 0;
      const std::vector<ModelSweep> models = VariantModels(sweep.conv, index);
      if (models.empty()) continue;
      const BestSpeedup alt = FindBestSpeedup(models, "paper", 4, SplitMethod::kProfiled);
      const Finding slower = CheckConvSegmentedSlower(models, "paper");
      const FitSummary fit =
          SummarizeFit(models, FindMeasurement(measured, PaperFamily::kConv, 1, 1));
      md += fmt::format(
          " What-if, same model for every size, {} (activations at {:.0f} MB/s): 4-TPU "
          "profiled {:.1f}x "
          "(f={}); the B=1 finding then {} ({}); single-TPU CONV median error {:.1f}% "
          "(worst {:.1f}%, without refitting the other parameters).",
          variant.description, variant.spec.activation_link_bytes_per_s * 1e-6, alt.speedup,
          alt.size, slower.holds ? "holds" : "does not hold", slower.evidence,
          100 * fit.median_time_error, 100 * fit.worst_time_error);
    }
    md += "\n";
  }
  if (HasHost(sweep, "native")) {
    const HostProfile native = [&] {
      for (const HostProfile& h : sweep.options.hosts)
        if (h.name == "native") return h;
      return NativeHostProfile();
    }();
    md += fmt::format(
        "- **The `native` profile** predicts what our C++ runtime achieves on the same devices. "
        "Assumptions: {}; queues hold one frame between stages (as our runtime); {}; device "
        "times are the same fitted Edge TPU model as above. Without the Python runtime's "
        "serialized host work, an FC pipeline's period falls to its slowest stage (~{:.2f} ms "
        "for a whole on-chip FC model), so FC speedups rise well above the paper's; CONV barely "
        "moves, being bound by device time and transfers, not by the host.\n",
        HostLine(native), NativeHopText(native, c.native_hop_source),
        sweep.fc.empty() ? 0.0 : sweep.fc.front().single_ms);
    if (!sweep.fc.empty() && sweep.options.max_tpus >= 3) {
      const Finding fewest = CheckFcFewestOnChip(sweep.fc, "native");
      if (!fewest.holds)
        md += fmt::format(
            "  The paper's rule \"fewest TPUs that keep every weight on chip\" comes from its "
            "runtime's host floor: without it, splitting an on-chip FC model still shortens the "
            "period. {}\n",
            fewest.evidence);
    }
  }
  if (HasHost(sweep, "paper") && !sweep.fc.empty()) {
    const AutoAgreement agree = CheckAutoAgreesWithSimulation(sweep.fc, "paper");
    md += fmt::format(
        "- **`auto` with the `paper` profile** counts the host work of every stage under the "
        "interpreter lock in its period. Over the {} FC sizes it picks the TPU count the "
        "simulated paper runtime finds fastest for {}; where it pipelines ({} sizes) its "
        "predicted time per inference is a median {:.1f}% from the simulated time of the best "
        "split on that many TPUs (worst {:.1f}%). The `native` rows are what our runtime would "
        "choose.\n",
        agree.sizes,
        agree.same_tpus == agree.sizes ? std::string("every one")
                                       : fmt::format("{} of them", agree.same_tpus),
        agree.pipelined, 100 * agree.median_time_difference, 100 * agree.worst_time_difference);
  }
  md += "\n";
}

}  // namespace

std::string PaperReportMarkdown(const PaperSweep& sweep,
                                const std::vector<PaperMeasurement>& measured,
                                const PaperReportContext& c) {
  std::string md =
      "# Reproducing \"Improving inference time in multi-TPU systems with profiled model "
      "segmentation\"\n\n";
  md += fmt::format("Generated by `{}`; do not edit by hand.\n\n", c.command);
  md += fmt::format(
      "Models: FC n = {}..{} ({} sizes), CONV f = {}..{} ({} sizes); 1-{} Edge TPUs; B = 1 and "
      "{}. Splits: *default* (FC: the authors' hand split; CONV: the compiler's "
      "parameter-balanced split), *profiled* (the authors' method: FC every contiguous split "
      "timed as a pipeline on the batch; CONV Google's partition_with_profiling bisection) and "
      "*optimal* (our exact search, objective batch:{}).\n\n",
      sweep.fc.empty() ? 0 : sweep.fc.front().size, sweep.fc.empty() ? 0 : sweep.fc.back().size,
      sweep.fc.size(), sweep.conv.empty() ? 0 : sweep.conv.front().size,
      sweep.conv.empty() ? 0 : sweep.conv.back().size, sweep.conv.size(), sweep.options.max_tpus,
      sweep.options.batch, sweep.options.batch);
  md += "Host profiles:\n\n";
  for (const HostProfile& h : sweep.options.hosts) md += "- " + HostLine(h) + "\n";
  md += c.measured_dir.empty()
            ? "\nThe authors' measurements were not found: no measured overlays.\n\n"
            : fmt::format("\nMeasured values: the authors' files in `{}`.\n\n", c.measured_dir);
  const bool pipelines = Has(c, "fig4") || Has(c, "fig5") || Has(c, "fig6");
  if (pipelines && sweep.options.max_tpus >= 2) {
    Headline(md, sweep);
    Findings(md, sweep);
  }
  if (Has(c, "fig2")) Fig2(md, sweep, measured, c);
  if (Has(c, "tables")) Tables(md, sweep, measured);
  if (pipelines) {
    PipelineFigures(md, sweep, c);
    Auto(md, sweep);
  }
  if (pipelines) Discussion(md, sweep, measured, c);
  return md;
}

}  // namespace segpipe::report
