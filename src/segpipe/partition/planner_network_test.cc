// The planner with devices on stage hosts: the links between hosts take part in the search (a
// slow link keeps a big activation on one host), the plan reports them, and an all-local device
// list plans exactly as before.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <vector>

#include "segpipe/partition/internal/model_profiler.h"
#include "segpipe/partition/internal/optimal.h"
#include "segpipe/partition/internal/plan_file.h"
#include "segpipe/partition/internal/planner.h"
#include "segpipe/synth/internal/paper_models.h"

namespace segpipe {
namespace {

// Three FULLY_CONNECTED layers in a chain (one unit each). The activation after layer 1 is
// 1 MB, the one after layer 2 is 1 kB: cutting after layer 1 balances compute best, cutting after
// layer 2 sends a thousand times fewer bytes.
Model ChainModel() {
  Model m;
  auto tensor = [&](int elements) {
    Tensor t;
    t.type = DataType::kInt8;
    t.shape = {1, elements};
    m.tensors.push_back(t);
    return static_cast<int32_t>(m.tensors.size() - 1);
  };
  m.inputs = {tensor(1000)};
  int32_t previous = m.inputs[0];
  for (int elements : {1'000'000, 1000, 10}) {
    Op op;
    op.type = OpType::kFullyConnected;
    op.inputs = {previous};
    op.outputs = {tensor(elements)};
    previous = op.outputs[0];
    m.ops.push_back(op);
  }
  m.outputs = {previous};
  return m;
}

// A segment costs the sum of its ops' times, on any device: 1.0, 0.3 and 0.8 ms. Two stages:
// [1][2,3] has bottleneck 1.1 ms, [1,2][3] 1.3 ms.
class SumProfiler : public SegmentProfiler {
 public:
  std::string name() const override { return "sum"; }
  static double Ms(int first_op, int last_op) {
    constexpr double kOpMs[] = {1.0, 0.3, 0.8};
    double ms = 0;
    for (int i = first_op; i <= last_op; ++i) ms += kOpMs[i];
    return ms;
  }

 protected:
  StatusOr<SegmentProfile> ProfileUncached(int first_op, int last_op,
                                           const StageDevice&) override {
    return SegmentProfile{Ms(first_op, last_op), 0, 0};
  }
};

NetworkModel NetworkWithLink(double bandwidth_mbit_s) {
  NetworkModel network;
  network.Set("a:1", "b:1", LinkModel{0.1, bandwidth_mbit_s, "test"});
  return network;
}

Plan PlanOn(const Model& model, std::string_view devices, NetworkModel network,
            Objective objective = Objective::Throughput(),
            Strategy strategy = Strategy::kOptimal) {
  SumProfiler profiler;
  PlanOptions options;
  options.strategy = strategy;
  options.objective = objective;
  options.devices = *ParseStageDevices(devices);
  options.network = std::move(network);
  auto plan = MakePlan(model, profiler, options);
  SEGPIPE_CHECK(plan.ok());
  return *plan;
}

std::string Layers(const Model& model, const Plan& plan) {
  return FormatLayers(plan.partition, CutCandidates(model));
}

TEST(PlannerNetworkTest, SlowLinkKeepsTheBigActivationOnOneHost) {
  const Model model = ChainModel();
  for (Objective objective : {Objective::Throughput(), Objective::Batch(50)}) {
    SCOPED_TRACE(ObjectiveName(objective));
    // 1 MB over 10 Mbit/s is 800 ms on the wire; 1 kB is 0.8 ms, below the 1.3 ms stage.
    const Plan slow = PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(10), objective);
    EXPECT_EQ(Layers(model, slow), "[1,2][3]");
    // At 100 Gbit/s the megabyte takes 0.08 ms: the compute-best cut wins again.
    const Plan fast = PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(100'000), objective);
    EXPECT_EQ(Layers(model, fast), "[1][2,3]");
  }
  // Latency pays every transfer once: 800 ms against 0.8 ms.
  const Plan latency =
      PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(10), Objective::Latency());
  EXPECT_EQ(Layers(model, latency), "[1,2][3]");
  // coral and auto search with the same costs.
  EXPECT_EQ(Layers(model, PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(10),
                                 Objective::Throughput(), Strategy::kCoral)),
            "[1,2][3]");
}

TEST(PlannerNetworkTest, ReportsEveryLinkBetweenEndpoints) {
  const Model model = ChainModel();
  const Plan plan = PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(10));
  ASSERT_EQ(plan.links.size(), 3u);
  EXPECT_EQ(plan.links[0].from, kCoordinator);
  EXPECT_EQ(plan.links[0].to, "a:1");
  EXPECT_EQ(plan.links[0].after_stage, 0);
  EXPECT_EQ(plan.links[0].bytes, 1000);
  EXPECT_EQ(plan.links[0].source, "default");
  EXPECT_EQ(plan.links[1].from, "a:1");
  EXPECT_EQ(plan.links[1].to, "b:1");
  EXPECT_EQ(plan.links[1].after_stage, 1);
  EXPECT_EQ(plan.links[1].bytes, 1000);
  EXPECT_NEAR(plan.links[1].wire_ms, 0.8, 1e-9);
  EXPECT_NEAR(plan.links[1].transfer_ms, 0.9, 1e-9);
  EXPECT_EQ(plan.links[1].source, "test");
  EXPECT_EQ(plan.links[2].from, "b:1");
  EXPECT_EQ(plan.links[2].to, kCoordinator);
  EXPECT_EQ(plan.links[2].bytes, 10);
  // The stages bound the period here (1.3 ms); one input pays every transfer.
  EXPECT_NEAR(plan.period_ms, 1.3, 1e-9);
  double transfers = 0;
  for (const PlanLink& l : plan.links) transfers += l.transfer_ms;
  EXPECT_NEAR(plan.latency_ms, 2.1 + transfers, 1e-9);
  // The plan file lists them, and its devices carry the hosts.
  nlohmann::json j = PlanToJson(plan, static_cast<int>(model.ops.size()));
  ASSERT_TRUE(j.contains("links"));
  EXPECT_EQ(j["links"].size(), 3u);
  EXPECT_EQ(j["links"][1]["to"], "b:1");
  EXPECT_EQ(j["devices"], "cpu:1@a:1,cpu:1@b:1");
  auto loaded = ParsePlanJson(j.dump());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->partition, plan.partition);
}

TEST(PlannerNetworkTest, ALinkCanBeTheBottleneck) {
  // Every cut sends at least 1 kB: at 1 Mbit/s that is 8 ms on the wire, above any stage.
  const Model model = ChainModel();
  const Plan plan = PlanOn(model, "cpu:1@a:1,cpu:1@b:1", NetworkWithLink(1));
  EXPECT_EQ(Layers(model, plan), "[1,2][3]");
  EXPECT_NEAR(plan.period_ms, 8.0, 1e-9);
  EXPECT_NEAR(plan.time_per_inference_ms, 8.0, 1e-9);
}

TEST(PlannerNetworkTest, DevicesOnOneHostTalkForFree) {
  // Both stages on host a: only the coordinator's links are paid, the cut between them is not.
  const Model model = ChainModel();
  NetworkModel network;
  network.set_default_link(LinkModel{0.1, 10, "test"});
  const Plan plan = PlanOn(model, "cpu:2@a:1", network);
  EXPECT_EQ(Layers(model, plan), "[1][2,3]");
  ASSERT_EQ(plan.links.size(), 2u);
  EXPECT_EQ(plan.links[0].to, "a:1");
  EXPECT_EQ(plan.links[1].from, "a:1");
  EXPECT_EQ(plan.links[1].to, kCoordinator);
}

TEST(PlannerNetworkTest, AutoDoesNotReplicateAcrossHosts) {
  const Model model = ChainModel();
  const Plan plan = PlanOn(model, "cpu:4@a:1", NetworkModel{}, Objective::Throughput(),
                           Strategy::kAuto);
  EXPECT_TRUE(plan.replication_off_for_hosts);
  for (const AutoOption& o : plan.auto_options) EXPECT_FALSE(o.replicated) << o.layout;
  for (const Segment& s : plan.partition.segments) EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(PlanToJson(plan, 3)["replication_off_for_hosts"], true);
  // Without hosts the same list replicates the slowest stage.
  const Plan local = PlanOn(model, "cpu:4", NetworkModel{}, Objective::Throughput(),
                            Strategy::kAuto);
  EXPECT_FALSE(local.replication_off_for_hosts);
  bool replicated = false;
  for (const AutoOption& o : local.auto_options) replicated |= o.replicated;
  EXPECT_TRUE(replicated);
}

TEST(PlannerNetworkTest, AllLocalDevicesIgnoreTheNetwork) {
  // Local devices share the coordinator's endpoint: however slow the network, nothing changes,
  // and the plan is the exact search over the stage times alone.
  const Model model = ChainModel();
  NetworkModel crawl;
  crawl.set_default_link(LinkModel{1000, 0.001, "test"});
  for (Objective objective :
       {Objective::Throughput(), Objective::Latency(), Objective::Batch(50)}) {
    SCOPED_TRACE(ObjectiveName(objective));
    const Plan plain = PlanOn(model, "cpu:2", NetworkModel{}, objective);
    const Plan slow = PlanOn(model, "cpu:2", crawl, objective);
    EXPECT_EQ(plain.partition, slow.partition);
    EXPECT_EQ(plain.objective_value, slow.objective_value);
    EXPECT_EQ(plain.period_ms, slow.period_ms);
    EXPECT_EQ(plain.latency_ms, slow.latency_ms);
    EXPECT_TRUE(slow.links.empty());
    EXPECT_FALSE(PlanToJson(slow, 3).contains("links"));
    auto exact = OptimalSplit(3, 2, objective, [](int i, int j, int) -> StatusOr<double> {
      return SumProfiler::Ms(i, j);
    });
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(slow.objective_value, exact->objective_value);
  }
}

TEST(PlannerNetworkTest, PaperModelPlansDoNotChangeWithANetwork) {
  synth::FcConfig config;
  config.calibration_inputs = 0;
  auto fc = synth::SynthesizeFc(config);
  ASSERT_TRUE(fc.ok());
  const Model& model = fc->model;
  NetworkModel crawl;
  crawl.set_default_link(LinkModel{1000, 0.001, "test"});
  for (Strategy strategy : {Strategy::kUniform, Strategy::kParams, Strategy::kCoral,
                            Strategy::kOptimal, Strategy::kAuto}) {
    SCOPED_TRACE(std::string(StrategyName(strategy)));
    auto plan = [&](const NetworkModel& network) {
      ModelProfiler profiler(model);
      PlanOptions options;
      options.strategy = strategy;
      options.devices = *ParseStageDevices("edgetpu:3");
      options.network = network;
      auto p = MakePlan(model, profiler, options);
      SEGPIPE_CHECK(p.ok());
      return *p;
    };
    const Plan plain = plan(NetworkModel{}), slow = plan(crawl);
    EXPECT_EQ(plain.partition, slow.partition);
    EXPECT_EQ(plain.time_per_inference_ms, slow.time_per_inference_ms);
    EXPECT_EQ(plain.latency_ms, slow.latency_ms);
    EXPECT_TRUE(slow.links.empty());
  }
}

}  // namespace
}  // namespace segpipe
