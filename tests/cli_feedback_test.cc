// What the CLI tells a user beyond its results: no progress feedback off a terminal or with
// --quiet (the bar itself: report_progress_test), pipelined runs' outputs (checkable against the
// whole model), the fixed baseline of plan's per-device column, stage numbers from 1, and what
// calibrate says when the measurements are missing. Runs the built binary (SEGPIPE_CLI_PATH) in a
// scratch folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "segpipe/core/status.h"

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kShared = SEGPIPE_SHARED_DIR;
const std::string kMobileNet = kShared + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

class CliFeedbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(SEGPIPE_BINARY_DIR) / "cli_feedback" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  std::string Scratch(const std::string& name) const { return (dir_ / name).string(); }

  CliResult Run(const std::vector<std::string>& args) const {
    std::string cmd = std::string("'") + SEGPIPE_CLI_PATH + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    cmd += " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
    const int status = std::system(cmd.c_str());
    CliResult r;
    if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  nlohmann::json RunJson(const std::vector<std::string>& args) const {
    const CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  fs::path dir_;
};

// Off a terminal (stderr is a file here) nothing but errors reaches stderr, with or without
// --quiet, globally or on the subcommand.
TEST_F(CliFeedbackTest, NoProgressOffATerminalOrWithQuiet) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"synth", "fc", "--hidden", "200", "--calibration-inputs", "20",
                                 "-o", Scratch("a.tflite")},
        {"synth", "fc", "--hidden", "200", "--calibration-inputs", "20", "-o", Scratch("b.tflite"),
         "--quiet"},
        {"--quiet", "synth", "fc", "--hidden", "200", "-o", Scratch("c.tflite")},
        {"plan", kMobileNet, "--devices", "edgetpu:2", "--quiet"},
        {"compile", kMobileNet, "--segments", "2", "-o", Scratch("seg"), "--quiet"}}) {
    SCOPED_TRACE(args[1]);
    const CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
  }
}

// On a terminal (a pseudo-terminal from util-linux's `script`) a long synth draws its line on
// stderr, and --quiet keeps it silent there too. The line starts after a second, so the first
// check applies only when the run took longer than that.
TEST_F(CliFeedbackTest, ProgressOnATerminalUnlessQuiet) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "no `script`";
  const auto on_terminal = [&](const std::string& extra, double* seconds) {
    const std::string cmd = std::string("script -qec \"'") + SEGPIPE_CLI_PATH +
                            "' synth fc --hidden 1000 --calibration-inputs 300 -o '" +
                            Scratch("t.tflite") + "'" + extra + "\" /dev/null >'" +
                            Scratch("tty.txt") + "' 2>&1 </dev/null";
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Slurp(Scratch("tty.txt"));
  };
  double seconds = 0;
  const std::string quiet = on_terminal(" --quiet", &seconds);
  EXPECT_THAT(quiet, HasSubstr("wrote "));
  EXPECT_EQ(quiet.find('\r' + std::string("segpipe synth")), std::string::npos) << quiet;
  const std::string drawn = on_terminal("", &seconds);
  if (seconds > 1.5) {
    EXPECT_THAT(drawn, HasSubstr("\rsegpipe synth fc"));
    EXPECT_THAT(drawn, HasSubstr("done in"));
  }
}

// A pipelined run prints the first input's outputs as a whole-model run does, so the two can
// be compared: the same digest on CPU stages, in the simulator (which computes through the
// segments on the CPU), with --compute on paced Edge TPU stages, and with --input files.
TEST_F(CliFeedbackTest, PipelineOutputsMatchTheWholeModel) {
  const nlohmann::json whole =
      RunJson({"run", kMobileNet, "--repeat", "1", "--show", "3", "--json"});
  ASSERT_TRUE(whole.contains("outputs")) << whole.dump();
  const nlohmann::json expected = whole["outputs"];
  ASSERT_EQ(expected[0]["values"].size(), 3u);
  for (const std::vector<std::string>& devices : {std::vector<std::string>{"--devices", "cpu:2"},
                                                  {"--devices", "edgetpu:2", "--simulate"},
                                                  {"--devices", "edgetpu:2", "--compute"}}) {
    SCOPED_TRACE(devices[1]);
    std::vector<std::string> args = {"run", kMobileNet, "--batch", "3", "--show", "3", "--json"};
    args.insert(args.end(), devices.begin(), devices.end());
    const nlohmann::json j = RunJson(args);
    ASSERT_TRUE(j.contains("outputs")) << j.dump();
    EXPECT_EQ(j["outputs"], expected);
    EXPECT_THAT(j["outputs_of"].get<std::string>(), HasSubstr("first input"));
  }
  // Paced Edge TPU stages compute nothing: no digest, and the reason.
  const nlohmann::json paced =
      RunJson({"run", kMobileNet, "--devices", "edgetpu:2", "--batch", "2", "--json"});
  EXPECT_FALSE(paced.contains("outputs"));
  EXPECT_THAT(paced["outputs_note"].get<std::string>(), HasSubstr("--compute"));

  // The same input file, whole and pipelined; the text report shows the digest too.
  std::string bytes(128 * 128 * 3, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7) % 251);
  const std::string input = Scratch("in.raw");
  std::ofstream(input, std::ios::binary) << bytes;
  const nlohmann::json whole_file =
      RunJson({"run", kMobileNet, "--input", input, "--repeat", "1", "--json"});
  const CliResult text =
      Run({"run", kMobileNet, "--devices", "cpu:2", "--batch", "2", "--input", input});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out,
              HasSubstr("digest " + whole_file["outputs"][0]["digest"].get<std::string>()));
  EXPECT_NE(whole_file["outputs"][0]["digest"], expected[0]["digest"]);
}

// Stages are numbered from 1 in run's text report, as in its JSON and in plan.
TEST_F(CliFeedbackTest, RunReportNumbersStagesFromOne) {
  const CliResult r =
      Run({"run", kMobileNet, "--devices", "edgetpu:2", "--simulate", "--batch", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\n    1  "));
  EXPECT_THAT(r.out, HasSubstr("\n    2  "));
  EXPECT_THAT(r.out, Not(HasSubstr("\n    0  ")));
}

// Every latency is {p50, p90, p99, max}.
TEST_F(CliFeedbackTest, LatenciesHaveFourPercentiles) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", kMobileNet, "--repeat", "2", "--json"},
        {"run", kMobileNet, "--devices", "cpu:2", "--batch", "2", "--json"},
        {"run", kMobileNet, "--devices", "edgetpu:2", "--simulate", "--batch", "2", "--json"},
        {"plan", kMobileNet, "--devices", "edgetpu:2", "--json"}}) {
    SCOPED_TRACE(args[2]);
    const nlohmann::json j = RunJson(args);
    for (const char* key : {"p50", "p90", "p99", "max"})
      EXPECT_TRUE(j["latency_ms"].contains(key)) << key << ": " << j["latency_ms"].dump();
    EXPECT_TRUE(j.contains("model"));
    EXPECT_TRUE(j.contains("segpipe_version"));
  }
}

// The per-device column is against one fixed baseline, the whole model on one device: a
// layout reads the same with and without --on-chip-only (which drops the 1-device row).
TEST_F(CliFeedbackTest, PerDeviceColumnHasAFixedOneDeviceBaseline) {
  const std::string fc = Scratch("fc2620.tflite");
  ASSERT_EQ(Run({"synth", "fc", "--hidden", "2620", "-o", fc}).exit_code, 0);
  const nlohmann::json all =
      RunJson({"plan", fc, "--devices", "edgetpu:4", "--strategy", "auto", "--json"});
  const nlohmann::json on_chip = RunJson(
      {"plan", fc, "--devices", "edgetpu:4", "--strategy", "auto", "--on-chip-only", "--json"});
  std::map<std::string, double> efficiency;
  double one_device = 0;
  for (const auto& o : all["auto_options"]) {
    efficiency[o["layout"]] = o["efficiency"];
    if (o["devices_used"] == 1 && !o["replicated"].get<bool>()) one_device = o["throughput_per_s"];
  }
  ASSERT_GT(one_device, 0);
  for (const auto& o : all["auto_options"])
    EXPECT_NEAR(
        o["efficiency"].get<double>(),
        o["throughput_per_s"].get<double>() / (o["devices_used"].get<double>() * one_device), 1e-9);
  int shared = 0;
  for (const auto& o : on_chip["auto_options"]) {
    EXPECT_NE(o["devices_used"], 1) << "the 1-device layout streams weights";
    if (!efficiency.count(o["layout"])) continue;
    ++shared;
    EXPECT_NEAR(o["efficiency"].get<double>(), efficiency[o["layout"]], 1e-9) << o["layout"];
  }
  EXPECT_GT(shared, 0);
  const CliResult text = Run({"plan", fc, "--devices", "edgetpu:4", "--strategy", "auto"});
  EXPECT_THAT(text.out,
              HasSubstr("per-device: the layout's speedup over the whole model on one edgetpu"));
}

// calibrate needs the measurements: a missing or empty folder is NOT_FOUND (as paper's is a
// warning), in one line that says what to pass.
TEST_F(CliFeedbackTest, CalibrateSaysWhichMeasurementsAreMissing) {
  fs::create_directories(Scratch("empty"));
  for (const std::string& dir : {std::string("/no/such/dir"), Scratch("empty")}) {
    SCOPED_TRACE(dir);
    const CliResult r = Run({"calibrate", "--measured", dir});
    EXPECT_EQ(r.exit_code, ExitCodeFor(StatusCode::kNotFound));
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--measured " + dir));
    EXPECT_THAT(r.err, HasSubstr("pass --measured DIR"));
  }
}

}  // namespace
}  // namespace segpipe
