// `segpipe paper` end to end on a few sizes: every file is written, the report holds every
// section, and bad flags are refused with a message.
#include "segpipe/report/internal/paper_experiments.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace segpipe::report {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

PaperRunOptions SmallRun(const std::string& name) {
  PaperRunOptions options;
  options.out_dir = (fs::temp_directory_path() / ("segpipe_paper_test_" + name)).string();
  fs::remove_all(options.out_dir);
  options.measured_dir = std::string(SEGPIPE_SHARED_DIR) + "/paper/measured";
  options.fc_sizes = {100, 1580, 1620, 2620};
  options.conv_sizes = {32, 442, 452};
  options.plots = false;
  options.command = "segpipe paper (test)";
  return options;
}

TEST(PaperExperimentsTest, AllWritesEveryTableAndTheReport) {
  PaperRunOptions options = SmallRun("all");
  auto summary = RunPaperExperiments(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  for (const char* file :
       {"fig2_fc.csv", "fig2_conv.csv", "table1_fc_steps.csv", "table2_conv_steps.csv",
        "table3_fc_2seg.csv", "table3_fc_3seg.csv", "table4_conv_4seg.csv", "runs.csv",
        "measured_pipelines.csv", "headline.csv", "auto_fc_paper.csv", "auto_conv_native.csv",
        "summary.json", "report.md"})
    EXPECT_TRUE(fs::exists(fs::path(options.out_dir) / file)) << file;
  EXPECT_FALSE(summary->plots_drawn);
  EXPECT_NE(summary->plot_note.find("--no-plots"), std::string::npos);

  const std::string report = Read(fs::path(options.out_dir) / "report.md");
  for (const char* section :
       {"## Headline", "## The paper's qualitative findings", "## Fig. 2",
        "## Table I:", "## Table II:", "## Table III (2 segments)", "## Table III (3 segments)",
        "## Table IV", "## Fig. 4", "## Fig. 5", "## Fig. 6", "## What `auto` chooses",
        "## Where our numbers differ", "per hand-off between stages", "docs/benchmarks.md"})
    EXPECT_NE(report.find(section), std::string::npos) << section;
  // Figures that were not drawn are named, with the reason.
  EXPECT_NE(report.find("fig2.png) not drawn"), std::string::npos);

  // The measured single-TPU values sit beside ours.
  const std::string fig2 = Read(fs::path(options.out_dir) / "fig2_fc.csv");
  EXPECT_NE(fig2.find("\n1620,7993080,"), std::string::npos);
  EXPECT_NE(fig2.find(",5.3400,2.5700,7.4236,"), std::string::npos);
  fs::remove_all(options.out_dir);
}

TEST(PaperExperimentsTest, OneExperimentWritesOnlyItsFiles) {
  PaperRunOptions options = SmallRun("fig2");
  options.experiment = "fig2";
  options.host_profile = "native";
  auto summary = RunPaperExperiments(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_TRUE(fs::exists(fs::path(options.out_dir) / "fig2_fc.csv"));
  EXPECT_FALSE(fs::exists(fs::path(options.out_dir) / "runs.csv"));
  EXPECT_FALSE(fs::exists(fs::path(options.out_dir) / "table1_fc_steps.csv"));
  const std::string report = Read(fs::path(options.out_dir) / "report.md");
  EXPECT_EQ(report.find("## Headline"), std::string::npos);
  fs::remove_all(options.out_dir);
}

TEST(PaperExperimentsTest, MissingMeasurementsOnlyDropTheOverlays) {
  PaperRunOptions options = SmallRun("nomeasured");
  options.experiment = "fig2";
  options.measured_dir = "no/such/dir";
  auto summary = RunPaperExperiments(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_NE(Read(fs::path(options.out_dir) / "report.md").find("were not found"),
            std::string::npos);
  fs::remove_all(options.out_dir);
}

TEST(PaperExperimentsTest, FiguresComeFromTheCallersDrawerWithItsReason) {
  PaperRunOptions options = SmallRun("noscript");
  options.experiment = "fig2";
  options.plots = true;
  auto summary = RunPaperExperiments(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_FALSE(summary->plots_drawn);
  EXPECT_NE(summary->plot_note.find("no figure drawer"), std::string::npos);
  std::vector<std::string> asked;
  options.draw_figures = [&asked](const std::string& dir, const std::vector<std::string>& figures,
                                  std::string* note) {
    EXPECT_TRUE(fs::exists(fs::path(dir) / "fig2_fc.csv"));
    asked = figures;
    *note = "plot script not found";
    return std::vector<std::string>{};
  };
  summary = RunPaperExperiments(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(asked, std::vector<std::string>{"fig2.png"});
  EXPECT_FALSE(summary->plots_drawn);
  EXPECT_NE(summary->plot_note.find("not found"), std::string::npos);
  EXPECT_TRUE(fs::exists(fs::path(options.out_dir) / "report.md"));
  fs::remove_all(options.out_dir);
}

TEST(PaperExperimentsTest, RefusesUnknownExperimentsAndHostProfiles) {
  EXPECT_EQ(ParseExperiments("fig3").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseExperiments("all")->size(), 5u);
  PaperRunOptions options = SmallRun("bad");
  options.host_profile = "python";
  EXPECT_EQ(RunPaperExperiments(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe::report
