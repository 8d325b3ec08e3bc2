// The paper's figures and tables built from a sweep and the authors' measurements.
#include "segpipe/report/internal/paper_tables.h"

#include <fmt/format.h>

#include <algorithm>

namespace segpipe::report {
namespace {

double Mib(int64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(kMiB); }

std::string JoinMib(const std::vector<double>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i)
    text += fmt::format("{}{:.3f}", i ? ";" : "", values[i]);
  return text;
}

std::string LayerRange(const SegmentResult& s) {
  return s.first_layer == s.last_layer ? fmt::format("{}", s.first_layer)
                                       : fmt::format("{}-{}", s.first_layer, s.last_layer);
}

// Cells for a measured value that may be absent.
Cell Maybe(bool present, double value, int decimals) {
  return present ? Cell(value, decimals) : Cell("");
}

}  // namespace

const PaperMeasurement* FindMeasurement(const std::vector<PaperMeasurement>& measured,
                                        PaperFamily family, int num_tpus, int batch) {
  for (const PaperMeasurement& m : measured)
    if (m.family == family && m.num_tpus == num_tpus && m.batch == batch) return &m;
  return nullptr;
}

const PaperRow* FindRow(const PaperMeasurement* file, int size) {
  if (file == nullptr) return nullptr;
  for (const PaperRow& row : file->rows)
    if (row.size == size) return &row;
  return nullptr;
}

Table SingleTpuTable(const PaperSweep& sweep, PaperFamily family,
                     const std::vector<PaperMeasurement>& measured) {
  Table table({std::string(SizeName(family)), "macs", "on_chip_mib", "off_chip_mib",
               "streamed_layers", "time_ms", "gops", "measured_on_chip_mib",
               "measured_off_chip_mib", "measured_time_ms", "measured_gops", "time_error"});
  const PaperMeasurement* file = FindMeasurement(measured, family, 1, 1);
  for (const ModelSweep& m : sweep.Family(family)) {
    const PaperRow* row = FindRow(file, m.size);
    const bool has = row != nullptr && !row->on_chip_mib.empty() && !row->off_chip_mib.empty();
    const double measured_gops = has && row->time_ms > 0 ? 2.0 * m.macs / (row->time_ms * 1e6) : 0;
    table.AddRow(
        {m.size, m.macs, Cell(Mib(m.single.on_chip_bytes), 4),
         Cell(Mib(m.single.off_chip_bytes), 4), m.single.streamed_layers, Cell(m.single_ms, 4),
         Cell(m.gops(), 3), Maybe(has, has ? row->on_chip_mib[0] : 0, 4),
         Maybe(has, has ? row->off_chip_mib[0] : 0, 4), Maybe(has, has ? row->time_ms : 0, 4),
         Maybe(has, measured_gops, 3), Maybe(has, has ? m.single_ms / row->time_ms - 1 : 0, 3)});
  }
  return table;
}

std::vector<std::pair<int, int>> SingleTpuSteps(const std::vector<ModelSweep>& models) {
  std::vector<std::pair<int, int>> steps;
  for (size_t i = 1; i < models.size(); ++i)
    if (models[i].single.streamed_layers != models[i - 1].single.streamed_layers)
      steps.emplace_back(static_cast<int>(i - 1), static_cast<int>(i));
  return steps;
}

Table StepTable(const PaperSweep& sweep, PaperFamily family,
                const std::vector<PaperMeasurement>& measured) {
  Table table({"step", "side", std::string(SizeName(family)), "on_chip_mib", "off_chip_mib",
               "streamed_layers", "time_ms", "measured_on_chip_mib", "measured_off_chip_mib",
               "measured_time_ms"});
  const PaperMeasurement* file = FindMeasurement(measured, family, 1, 1);
  const std::vector<ModelSweep>& models = sweep.Family(family);
  int step = 0;
  for (auto [before, after] : SingleTpuSteps(models)) {
    ++step;
    for (int i : {before, after}) {
      const ModelSweep& m = models[static_cast<size_t>(i)];
      const PaperRow* row = FindRow(file, m.size);
      const bool has = row != nullptr && !row->on_chip_mib.empty() && !row->off_chip_mib.empty();
      table.AddRow(
          {step, i == before ? "before" : "after", m.size, Cell(Mib(m.single.on_chip_bytes), 2),
           Cell(Mib(m.single.off_chip_bytes), 2), m.single.streamed_layers, Cell(m.single_ms, 2),
           Maybe(has, has ? row->on_chip_mib[0] : 0, 2),
           Maybe(has, has ? row->off_chip_mib[0] : 0, 2), Maybe(has, has ? row->time_ms : 0, 2)});
    }
  }
  return table;
}

Table SegmentMemoryTable(const PaperSweep& sweep, PaperFamily family, int tpus,
                         const std::vector<int>& sizes,
                         const std::vector<PaperMeasurement>& measured) {
  Table table({std::string(SizeName(family)), "segment", "layers", "on_chip_mib", "off_chip_mib",
               "input_mib", "device_ms", "measured_on_chip_mib", "measured_off_chip_mib"});
  const PaperMeasurement* file = FindMeasurement(measured, family, tpus, 1);
  for (const ModelSweep& m : sweep.Family(family)) {
    if (!sizes.empty() && std::find(sizes.begin(), sizes.end(), m.size) == sizes.end()) continue;
    if (m.hosts.empty()) continue;
    const SplitRun& run = m.hosts.front().Run(tpus, SplitMethod::kDefault);
    const PaperRow* row = FindRow(file, m.size);
    for (size_t k = 0; k < run.segments.size(); ++k) {
      const SegmentResult& s = run.segments[k];
      const bool has = row != nullptr && row->on_chip_mib.size() == run.segments.size() &&
                       row->off_chip_mib.size() == run.segments.size();
      table.AddRow({m.size, static_cast<int>(k + 1), LayerRange(s), Cell(Mib(s.on_chip_bytes), 2),
                    Cell(Mib(s.off_chip_bytes), 2), Cell(Mib(s.input_bytes), 3),
                    Cell(s.device_ms, 3), Maybe(has, has ? row->on_chip_mib[k] : 0, 2),
                    Maybe(has, has ? row->off_chip_mib[k] : 0, 2)});
    }
  }
  return table;
}

Table RunsTable(const PaperSweep& sweep) {
  Table table({"family", "host", "size", "tpus", "split", "layout", "batch", "time_b1_ms",
               "time_batch_ms", "speedup_b1", "speedup_batch", "off_chip_mib"});
  for (PaperFamily family : {PaperFamily::kFc, PaperFamily::kConv}) {
    for (const ModelSweep& m : sweep.Family(family)) {
      for (const HostRuns& h : m.hosts) {
        table.AddRow({std::string(FamilyName(family)), h.host.name, m.size, 1, "single", "[1-5]",
                      sweep.options.batch, Cell(m.single_ms, 5), Cell(m.single_ms, 5), Cell(1.0, 3),
                      Cell(1.0, 3), Cell(Mib(m.single.off_chip_bytes), 3)});
        for (const SplitRun& r : h.runs)
          table.AddRow({std::string(FamilyName(family)), h.host.name, m.size, r.tpus,
                        std::string(SplitMethodName(r.method)), r.layout, sweep.options.batch,
                        Cell(r.batch1_ms, 5), Cell(r.batch_ms, 5), Cell(Speedup(m, r, false), 3),
                        Cell(Speedup(m, r, true), 3), Cell(Mib(r.off_chip_bytes()), 3)});
      }
    }
  }
  return table;
}

Table MeasuredPipelineTable(const std::vector<PaperMeasurement>& measured) {
  Table table({"family", "tpus", "batch", "size", "time_ms", "on_chip_mib", "off_chip_mib"});
  for (const PaperMeasurement& file : measured)
    for (const PaperRow& row : file.rows)
      table.AddRow({std::string(FamilyName(file.family)), file.num_tpus, file.batch, row.size,
                    Cell(row.time_ms, 5), JoinMib(row.on_chip_mib), JoinMib(row.off_chip_mib)});
  return table;
}

BestSpeedup FindBestSpeedup(const std::vector<ModelSweep>& models, std::string_view host, int tpus,
                            SplitMethod method, bool at_batch) {
  BestSpeedup best;
  for (const ModelSweep& m : models) {
    const HostRuns& h = m.Host(host);
    for (const SplitRun& r : h.runs) {
      if (r.method != method || (tpus != 0 && r.tpus != tpus)) continue;
      const double s = Speedup(m, r, at_batch);
      if (s > best.speedup) best = {s, m.size, r.tpus, r.layout};
    }
  }
  return best;
}

Table HeadlineTable(const PaperSweep& sweep) {
  std::vector<std::string> columns = {"family", "tpus", "split"};
  for (const HostProfile& host : sweep.options.hosts) {
    columns.push_back(host.name + " speedup");
    columns.push_back(host.name + " at");
    columns.push_back(host.name + " layout");
  }
  Table table(columns);
  for (PaperFamily family : {PaperFamily::kFc, PaperFamily::kConv}) {
    const std::vector<ModelSweep>& models = sweep.Family(family);
    if (models.empty()) continue;
    for (int tpus = 2; tpus <= sweep.options.max_tpus; ++tpus) {
      for (SplitMethod method : kAllSplitMethods) {
        std::vector<Cell> row = {std::string(FamilyName(family)), tpus,
                                 std::string(SplitMethodName(method))};
        for (const HostProfile& host : sweep.options.hosts) {
          const BestSpeedup best = FindBestSpeedup(models, host.name, tpus, method);
          row.push_back(Cell(best.speedup, 1));
          row.push_back(Cell(fmt::format("{}={}", SizeName(family), best.size)));
          row.push_back(Cell(best.layout));
        }
        table.AddRow(std::move(row));
      }
    }
  }
  return table;
}

std::vector<PaperTarget> PaperTargets(const PaperSweep& sweep) {
  std::vector<PaperTarget> targets = {
      {"FC, 4 TPUs, default split, B=50", PaperFamily::kFc, 4, SplitMethod::kDefault, 36, {}},
      {"FC, profiled split (best TPU count), B=50",
       PaperFamily::kFc,
       0,
       SplitMethod::kProfiled,
       46,
       {}},
      {"CONV, 4 TPUs, profiled split, B=50", PaperFamily::kConv, 4, SplitMethod::kProfiled, 6, {}},
  };
  std::vector<PaperTarget> present;
  for (PaperTarget& t : targets) {
    const std::vector<ModelSweep>& models = sweep.Family(t.family);
    if (models.empty() || t.tpus > sweep.options.max_tpus) continue;
    bool has_paper_host = false;
    for (const HostProfile& h : sweep.options.hosts) has_paper_host |= h.name == "paper";
    if (!has_paper_host) continue;
    t.ours = FindBestSpeedup(models, "paper", t.tpus, t.method);
    present.push_back(t);
  }
  return present;
}

Table AutoChoiceTable(const PaperSweep& sweep, PaperFamily family, std::string_view host) {
  const std::string size_name(SizeName(family));
  Table table({size_name + " from", size_name + " to", "pipeline TPUs", "pipeline layout",
               "with replication: TPUs", "with replication: layout"});
  const std::vector<ModelSweep>& models = sweep.Family(family);
  size_t start = 0;
  for (size_t i = 1; i <= models.size(); ++i) {
    const HostRuns& a = models[start].Host(host);
    const bool same = i < models.size() &&
                      models[i].Host(host).auto_pipeline.layout == a.auto_pipeline.layout &&
                      models[i].Host(host).auto_replicated.layout == a.auto_replicated.layout;
    if (same) continue;
    table.AddRow({models[start].size, models[i - 1].size, a.auto_pipeline.devices_used,
                  a.auto_pipeline.layout, a.auto_replicated.devices_used,
                  a.auto_replicated.layout});
    start = i;
  }
  return table;
}

std::vector<TpuChoice> TpuChoices(const std::vector<ModelSweep>& models, std::string_view host) {
  std::vector<TpuChoice> choices;
  for (const ModelSweep& m : models) {
    TpuChoice c;
    c.size = m.size;
    double best_ms = m.single_ms;
    if (m.single.off_chip_bytes == 0) c.fewest_on_chip_tpus = 1;
    for (const SplitRun& r : m.Host(host).runs) {
      // Runs come in ascending TPU count; strictly faster, so among equals the fewest win.
      if (r.batch_ms < best_ms) {
        best_ms = r.batch_ms;
        c.fastest_tpus = r.tpus;
      }
      if (r.off_chip_bytes() == 0 && (c.fewest_on_chip_tpus == 0 || r.tpus < c.fewest_on_chip_tpus))
        c.fewest_on_chip_tpus = r.tpus;
    }
    choices.push_back(c);
  }
  return choices;
}

}  // namespace segpipe::report
