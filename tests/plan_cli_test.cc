// `segpipe plan` end to end through the built binary: JSON keys and the paper's split, plan files
// accepted by `run --plan` and `compile --plan`, and refusals with a message and a failing exit.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

class PlanCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("segpipe_plan_cli_" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    const CliResult r = Run({"synth", "fc", "--hidden", "2620", "--calibration-inputs", "0", "-o",
                             Path("fc.tflite")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Path(const std::string& name) { return (*dir_ / name).string(); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static CliResult Run(const std::vector<std::string>& args) {
    std::string cmd = std::string("'") + SEGPIPE_CLI_PATH + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " >'" + Path("out.txt") + "' 2>'" + Path("err.txt") + "'";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(Path("out.txt"));
    r.err = Slurp(Path("err.txt"));
    return r;
  }
  static std::filesystem::path* dir_;
};
std::filesystem::path* PlanCliTest::dir_ = nullptr;

TEST_F(PlanCliTest, JsonHasTheSplitAndTheDocumentedKeys) {
  const CliResult r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["strategy"], "optimal");
  EXPECT_EQ(j["layout"], "[1,2][3][4,5]");
  EXPECT_EQ(j["segments"][1]["layers"], nlohmann::json::array({3, 3}));
  EXPECT_EQ(j["segments"][0]["index"], 1);
  EXPECT_EQ(j["model_sha256"].get<std::string>().size(), 64u);
  EXPECT_GT(j["time_per_inference_ms"].get<double>(), 0);
  EXPECT_GT(j["profiles_taken"].get<int>(), 0);
  ASSERT_EQ(j["segments"].size(), 3u);
  for (const auto& s : j["segments"]) {
    for (const char* key : {"first_op", "last_op", "on_chip_bytes", "off_chip_bytes", "stage_ms"})
      EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_EQ(s["off_chip_bytes"], 0);
  }
}

TEST_F(PlanCliTest, PlanFileDrivesRunAndCompile) {
  ASSERT_EQ(Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:3", "-o", Path("plan.json")})
                .exit_code,
            0);
  const CliResult run = Run({"run", Path("fc.tflite"), "--plan", Path("plan.json"), "--simulate",
                             "--batch", "10", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["stages"].size(), 3u);
  const CliResult compile = Run({"compile", Path("fc.tflite"), "--plan", Path("plan.json"), "--json"});
  ASSERT_EQ(compile.exit_code, 0) << compile.err;
  const nlohmann::json c = nlohmann::json::parse(compile.out);
  ASSERT_EQ(c["segments"].size(), 3u);
  EXPECT_EQ(c["segments"][1]["layers"], nlohmann::json::array({3, 3}));
}

// One device vocabulary: `edgetpu-usb` and mixed lists through plan, the plan file, run --plan
// and compile --plan; bad lists get one line and exit 2.
TEST_F(PlanCliTest, UsbAndMixedDeviceListsPlanRunAndCompile) {
  for (const std::string devices : {"edgetpu-usb:2", "cpu:1,edgetpu:2,edgetpu-usb:1"}) {
    const CliResult plan =
        Run({"plan", Path("fc.tflite"), "--devices", devices, "--json", "-o", Path("mixed.json")});
    ASSERT_EQ(plan.exit_code, 0) << devices << ": " << plan.err;
    const nlohmann::json p = nlohmann::json::parse(plan.out);
    std::set<std::string> kinds;
    for (const nlohmann::json& s : p["segments"]) {
      const std::string device = s["device"];
      kinds.insert(device.substr(0, device.find(':')));
    }
    EXPECT_TRUE(kinds.count("edgetpu-usb")) << devices << ": " << plan.out;
    const CliResult run = Run({"run", Path("fc.tflite"), "--plan", Path("mixed.json"), "--simulate",
                               "--batch", "4", "--json"});
    ASSERT_EQ(run.exit_code, 0) << devices << ": " << run.err;
    const nlohmann::json r = nlohmann::json::parse(run.out);
    ASSERT_EQ(r["stages"].size(), p["segments"].size()) << run.out;
    for (size_t k = 0; k < r["stages"].size(); ++k) {
      const std::string planned = p["segments"][k]["device"];
      const std::string ran = r["stages"][k]["device"];
      EXPECT_EQ(ran.substr(0, ran.find(':')), planned.substr(0, planned.find(':'))) << k;
    }
    const CliResult compile =
        Run({"compile", Path("fc.tflite"), "--plan", Path("mixed.json"), "--json"});
    ASSERT_EQ(compile.exit_code, 0) << devices << ": " << compile.err;
  }
  for (const std::string bad : {"edgetpu-pci:2", "edgetpu:2,", "edgetpu-usb:17"}) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"plan", Path("fc.tflite"), "--devices", bad},
          std::vector<std::string>{"run", Path("fc.tflite"), "--devices", bad, "--simulate"}}) {
      const CliResult r = Run(args);
      EXPECT_EQ(r.exit_code, 2) << args[0] << " " << bad << ": " << r.err;
      EXPECT_NE(r.err.find("device list '" + bad + "'"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    }
  }
}

TEST_F(PlanCliTest, CompareShowsEveryStrategy) {
  const CliResult r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:3", "--compare", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plans"].size(), 6u);
}

TEST_F(PlanCliTest, RefusalsSayWhyAndFail) {
  CliResult r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:3", "--strategy",
                     "exhaustive", "--max-partitions", "2"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--strategy optimal"), std::string::npos) << r.err;
  r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:9"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("at most 5"), std::string::npos) << r.err;
  r = Run({"plan", Path("fc.tflite"), "--objective", "fastest"});
  EXPECT_NE(r.exit_code, 0);
  std::ofstream(Path("broken.json")) << "{\"format\": \"segpipe-plan\", \"version\": 1, \"num_ops\": 9, "
                                        "\"segments\": [{\"first_op\": 0, \"last_op\": 4, "
                                        "\"device\": \"edgetpu:0\"}]}";
  r = Run({"run", Path("fc.tflite"), "--plan", Path("broken.json"), "--simulate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("plan"), std::string::npos) << r.err;
}

// #12 row 5: the default auto plan (replicated) runs, simulated and paced, and its simulated
// time per inference is within 5% of the plan's (#11's acceptance, FC n=2620).
TEST_F(PlanCliTest, DefaultAutoPlanRunsAndMatchesItsPrediction) {
  CliResult r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:4", "--strategy", "auto",
                     "--objective", "batch:50", "-o", Path("auto.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json plan = nlohmann::json::parse(Slurp(Path("auto.json")));
  EXPECT_TRUE(plan.contains("run_split"));
  EXPECT_TRUE(plan.contains("run_devices"));
  bool replicated = false;
  for (const auto& s : plan["segments"]) replicated |= s["replicas"].get<int>() > 1;
  EXPECT_EQ(replicated, plan.contains("run_replicas"));
  r = Run({"run", Path("fc.tflite"), "--plan", Path("auto.json"), "--batch", "50", "--simulate",
           "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json run = nlohmann::json::parse(r.out);
  EXPECT_NEAR(run["time_per_inference_ms"].get<double>() /
                  plan["time_per_inference_ms"].get<double>(), 1, 0.05);
  r = Run({"run", Path("fc.tflite"), "--plan", Path("auto.json"), "--batch", "50", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// #12 row 4: auto considers every device count 1..min(devices, layers) instead of refusing.
TEST_F(PlanCliTest, AutoTakesMoreDevicesThanLayers) {
  const CliResult r = Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:8", "--strategy",
                           "auto", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::set<int> plain;
  for (const auto& o : j["auto_options"])
    if (!o["replicated"].get<bool>()) plain.insert(o["devices_used"].get<int>());
  EXPECT_EQ(plain, (std::set<int>{1, 2, 3, 4, 5}));
}

// #12 row 20: the latency objective is printed as the latency of one input, not per inference.
TEST_F(PlanCliTest, LatencyObjectiveIsLabelledAsOneInputsLatency) {
  const CliResult r =
      Run({"plan", Path("fc.tflite"), "--devices", "edgetpu:3", "--objective", "latency"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("for one input through the empty pipeline"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ms per inference"), std::string::npos) << r.out;
}

// #12 run --trace: the threaded runtime and the simulator write Chrome trace JSON, one track
// per stage.
TEST_F(PlanCliTest, RunTraceWritesChromeTraceJsonForRuntimeAndSimulator) {
  for (bool simulate : {false, true}) {
    std::vector<std::string> args = {"run", Path("fc.tflite"), "--devices", "edgetpu:3",
                                     "--batch", "8", "--trace", Path("trace.json")};
    if (simulate) args.push_back("--simulate");
    const CliResult r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(Slurp(Path("trace.json")));
    std::set<int> tracks;
    for (const auto& e : j["traceEvents"])
      if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["tid"].get<int>());
    EXPECT_EQ(tracks.size(), 3u) << (simulate ? "simulated" : "threaded");
  }
}

}  // namespace
