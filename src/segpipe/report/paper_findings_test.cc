// The finding checks on hand-made sweeps: each claim is judged from the numbers given, so a
// sweep that contradicts it is reported as not holding.
#include "segpipe/report/internal/paper_findings.h"

#include <gtest/gtest.h>

namespace segpipe::report {
namespace {

SplitRun MakeRun(int tpus, SplitMethod method, double b1_ms, double batch_ms,
                 int64_t off_chip = 0) {
  SplitRun r;
  r.tpus = tpus;
  r.method = method;
  r.batch1_ms = b1_ms;
  r.batch_ms = batch_ms;
  SegmentResult s;
  s.off_chip_bytes = off_chip;
  r.segments = {s};
  return r;
}

// A model whose single-TPU time is `single_ms` and whose k-TPU default runs take times[k - 2].
ModelSweep Model(PaperFamily family, int size, double single_ms, std::vector<SplitRun> runs,
                 int64_t single_off_chip = 0) {
  ModelSweep m;
  m.family = family;
  m.size = size;
  m.single_ms = single_ms;
  m.single.off_chip_bytes = single_off_chip;
  HostRuns h;
  h.host = PaperHostProfile();
  h.runs = std::move(runs);
  m.hosts = {h};
  return m;
}

TEST(PaperFindingsTest, TwoAndThreeTpusAlikeNeedsTheSameSpillSizes) {
  std::vector<ModelSweep> fc = {Model(
      PaperFamily::kFc, 100, 1,
      {MakeRun(2, SplitMethod::kDefault, 1, 1, 10), MakeRun(3, SplitMethod::kDefault, 1, 1, 0)})};
  EXPECT_FALSE(CheckFcTwoAndThreeAlike(fc, "paper").holds);
  fc[0].hosts[0].runs[1] = MakeRun(3, SplitMethod::kDefault, 1.05, 1.05, 10);
  EXPECT_TRUE(CheckFcTwoAndThreeAlike(fc, "paper").holds);
  fc[0].hosts[0].runs[1] = MakeRun(3, SplitMethod::kDefault, 1.5, 1.05, 10);  // 50% apart at B=1
  EXPECT_FALSE(CheckFcTwoAndThreeAlike(fc, "paper").holds);
}

TEST(PaperFindingsTest, FewestOnChipFailsWhenMoreTpusAreFaster) {
  // One TPU keeps everything on chip, but two TPUs are faster.
  std::vector<ModelSweep> fc = {
      Model(PaperFamily::kFc, 100, 1.0, {MakeRun(2, SplitMethod::kDefault, 1, 0.5)})};
  const Finding f = CheckFcFewestOnChip(fc, "paper");
  EXPECT_FALSE(f.holds);
  EXPECT_NE(f.evidence.find("100"), std::string::npos);
  fc[0].hosts[0].runs[0].batch_ms = 2.0;
  EXPECT_TRUE(CheckFcFewestOnChip(fc, "paper").holds);
}

TEST(PaperFindingsTest, ConvSlowerExceptLargestNeedsTheLargestToWin) {
  // Sizes 7..9 do not fit on one TPU (it streams weights); only the largest one wins.
  std::vector<ModelSweep> conv;
  for (int f = 0; f < 10; ++f)
    conv.push_back(Model(PaperFamily::kConv, 32 + 10 * f, 10,
                         {MakeRun(2, SplitMethod::kDefault, f == 9 ? 8 : 12, 1)}, f >= 7 ? 1 : 0));
  EXPECT_TRUE(CheckConvSegmentedSlower(conv, "paper").holds);
  conv[7].hosts[0].runs[0].batch1_ms = 5;  // a model one TPU cannot hold wins too: still holds
  EXPECT_TRUE(CheckConvSegmentedSlower(conv, "paper").holds);
  conv[2].hosts[0].runs[0].batch1_ms = 5;  // a model that fits on one TPU wins
  Finding f = CheckConvSegmentedSlower(conv, "paper");
  EXPECT_FALSE(f.holds);
  EXPECT_NE(f.evidence.find("fit on one TPU"), std::string::npos);
  conv[2].hosts[0].runs[0].batch1_ms = 12;
  conv[7].hosts[0].runs[0].batch1_ms = 12;
  conv[9].hosts[0].runs[0].batch1_ms = 12;  // nothing wins
  f = CheckConvSegmentedSlower(conv, "paper");
  EXPECT_FALSE(f.holds);
  EXPECT_NE(f.evidence.find("does not win even for the largest"), std::string::npos);
}

}  // namespace
}  // namespace segpipe::report
