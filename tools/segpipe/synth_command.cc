// `segpipe synth fc|conv ... -o FILE` and `segpipe synth sweep fc|conv -o DIR`: the paper's
// model families (one model, or every model of a sweep) as int8 .tflite files;
// `segpipe synth zoo NAME -o FILE`: a standard architecture (synth/zoo_models.h).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "segpipe/core/internal/file_io.h"
#include "segpipe/report/internal/progress.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/synth/internal/zoo_models.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::cli {
namespace {

struct SynthFlags {
  synth::FcConfig fc;
  synth::ConvConfig conv;
  std::string output;
  std::string family;        // sweep: fc or conv
  int calibration_inputs = 0;  // sweep: shape-only by default (placement and timing studies)
  synth::ZooConfig zoo;
  bool zoo_list = false;
};

Status WriteZoo(const SynthFlags& flags) {
  if (flags.zoo_list) {
    for (const std::string& name : synth::ZooNames()) std::printf("%s\n", name.c_str());
    return OkStatus();
  }
  if (flags.zoo.name.empty())
    return InvalidArgumentError("synth zoo needs a model NAME (synth zoo --list names them)");
  if (flags.output.empty()) return InvalidArgumentError("synth zoo needs -o FILE");
  report::BusyIndicator busy("segpipe synth zoo", ProgressWanted());
  SEGPIPE_ASSIGN_OR_RETURN(synth::ZooModel m, synth::SynthesizeZoo(flags.zoo));
  busy.Finish();
  SEGPIPE_RETURN_IF_ERROR(WriteTfliteFile(m.model, flags.output));
  std::printf("wrote %s (%s; %lld parameters)\n", flags.output.c_str(),
              m.model.description.c_str(), static_cast<long long>(m.parameters.deployed));
  return OkStatus();
}

Status Write(const Model& model, const std::string& path) {
  SEGPIPE_RETURN_IF_ERROR(WriteTfliteFile(model, path));
  std::printf("wrote %s (%s)\n", path.c_str(), model.description.c_str());
  return OkStatus();
}

// Every model of one of the paper's sweeps, as DIR/fc_n<n>.tflite or DIR/conv_f<f>.tflite.
Status WriteSweep(const SynthFlags& flags) {
  SEGPIPE_RETURN_IF_ERROR(CreateOutputDirectory(flags.output, "-o"));
  // Every model is written before any is renamed into place: the sweep appears whole or not at all.
  FileSetWriter files;
  std::vector<std::string> lines;
  const bool fc = flags.family == "fc";
  const std::vector<int> sizes = fc ? synth::FcSweepHidden() : synth::ConvSweepFilters();
  report::ProgressBar bar("segpipe synth sweep", static_cast<int64_t>(sizes.size()),
                          ProgressWanted());
  for (int size : sizes) {
    StatusOr<synth::SynthModel> m = Status(InternalError("unset"));
    if (fc) {
      synth::FcConfig c;
      c.hidden = size;
      c.calibration_inputs = flags.calibration_inputs;
      m = synth::SynthesizeFc(c);
    } else {
      synth::ConvConfig c;
      c.filters = size;
      c.calibration_inputs = flags.calibration_inputs;
      m = synth::SynthesizeConv(c);
    }
    if (!m.ok()) return m.status();
    const std::string name = fmt::format("{}_{}{}.tflite", flags.family, fc ? "n" : "f", size);
    const std::string path = (std::filesystem::path(flags.output) / name).string();
    SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, WriteTflite(m->model));
    SEGPIPE_RETURN_IF_ERROR(files.Add(path, bytes));
    lines.push_back(fmt::format("wrote {} ({})", path, m->model.description));
    bar.Advance();
  }
  bar.Finish();
  SEGPIPE_RETURN_IF_ERROR(files.Commit());
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return OkStatus();
}

}  // namespace

void RegisterSynth(CLI::App& app, Action* action) {
  auto flags = std::make_shared<SynthFlags>();
  auto* cmd = app.add_subcommand(
      "synth", "Write one of the paper's synthetic models (FC or CONV) as an int8 .tflite file");
  cmd->require_subcommand(1);

  auto* fc = cmd->add_subcommand("fc", "FC: inputs -> (layers-1) x hidden (tanh) -> outputs");
  fc->add_option("--hidden", flags->fc.hidden, "hidden units n (paper: 100..2620 step 40)")
      ->required();
  fc->add_option("--layers", flags->fc.layers, "dense layers")->capture_default_str();
  fc->add_option("--inputs", flags->fc.inputs, "input features")->capture_default_str();
  fc->add_option("--outputs", flags->fc.outputs, "output units")->capture_default_str();
  fc->add_option("--seed", flags->fc.seed, "weight and dataset seed")->capture_default_str();
  fc->add_option("--calibration-inputs", flags->fc.calibration_inputs,
                 "representative inputs for activation ranges (0: estimate from weights)")
      ->capture_default_str();
  fc->add_option("-o,--output", flags->output, "output .tflite")->required();
  AddQuietFlag(fc);
  fc->callback([flags, action] {
    *action = [flags]() -> Status {
      report::BusyIndicator busy("segpipe synth fc", ProgressWanted());
      SEGPIPE_ASSIGN_OR_RETURN(synth::SynthModel m, synth::SynthesizeFc(flags->fc));
      busy.Finish();
      return Write(m.model, flags->output);
    };
  });

  auto* conv = cmd->add_subcommand("conv", "CONV: size x size x channels -> layers x conv + relu");
  conv->add_option("--filters", flags->conv.filters, "filters f (paper: 32..702 step 10)")
      ->required();
  conv->add_option("--layers", flags->conv.layers, "conv layers")->capture_default_str();
  conv->add_option("--size", flags->conv.size, "input height = width")->capture_default_str();
  conv->add_option("--channels", flags->conv.channels, "input channels")->capture_default_str();
  conv->add_option("--kernel", flags->conv.kernel, "square kernel size")->capture_default_str();
  conv->add_option("--seed", flags->conv.seed, "weight and dataset seed")->capture_default_str();
  conv->add_option("--calibration-inputs", flags->conv.calibration_inputs,
                   "representative inputs for activation ranges (0: estimate from weights; "
                   "100 runs the float model 100 times, slow for large f)")
      ->capture_default_str();
  conv->add_option("-o,--output", flags->output, "output .tflite")->required();
  AddQuietFlag(conv);
  conv->callback([flags, action] {
    *action = [flags]() -> Status {
      report::BusyIndicator busy("segpipe synth conv", ProgressWanted());
      SEGPIPE_ASSIGN_OR_RETURN(synth::SynthModel m, synth::SynthesizeConv(flags->conv));
      busy.Finish();
      return Write(m.model, flags->output);
    };
  });

  auto* sweep = cmd->add_subcommand(
      "sweep", "The paper's sweeps: FC n = 100..2620 step 40, CONV f = 32..702 step 10");
  sweep->add_option("family", flags->family, "fc or conv")
      ->required()
      ->check(CLI::IsMember({"fc", "conv"}));
  sweep->add_option("--calibration-inputs", flags->calibration_inputs,
                    "representative inputs per model (0: ranges estimated from the weights)")
      ->capture_default_str();
  sweep->add_option("-o,--output-dir", flags->output, "folder for the .tflite files")->required();
  AddQuietFlag(sweep);
  sweep->callback([flags, action] { *action = [flags] { return WriteSweep(*flags); }; });

  auto* zoo = cmd->add_subcommand(
      "zoo", "A standard CNN (MobileNet, Inception, ResNet, VGG, DenseNet, SqueezeNet) with the "
             "published layer shapes and random weights");
  zoo->add_option("name", flags->zoo.name, "architecture (--list names them)");
  zoo->add_flag("--list", flags->zoo_list, "print the architecture names and exit");
  zoo->add_option("--input-size", flags->zoo.input_size,
                  "input height = width (default: 224; 299 for the ResNets and inception_v4)");
  zoo->add_option("--classes", flags->zoo.classes, "classifier outputs")->capture_default_str();
  zoo->add_option("--seed", flags->zoo.seed, "weight and dataset seed")->capture_default_str();
  zoo->add_option("--calibration-inputs", flags->zoo.calibration_inputs,
                  "representative inputs for activation ranges (0: estimate from weights)")
      ->capture_default_str();
  zoo->add_option("-o,--output", flags->output, "output .tflite");
  AddQuietFlag(zoo);
  zoo->callback([flags, action] { *action = [flags] { return WriteZoo(*flags); }; });
}

}  // namespace segpipe::cli
