// Writes the synthesized part of the fuzz seed corpus into a folder:
//   make_fuzz_seeds OUT_DIR [MODEL.tflite ...]
// - a model with one op of every mapped type (the reader's round-trip model),
// - small members of the paper's FC and CONV families,
// - for every model given: each of its layers (LayerEnds) cut out as a stand-alone model, so the
//   exec fuzzer starts from small, runnable pieces of real networks.
// Shared models themselves are copied by scripts/fuzz.sh; nothing here is committed.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "segpipe/model/model.h"
#include "segpipe/synth/internal/paper_models.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/test_models.h"
#include "segpipe/tflite/internal/writer.h"

namespace {

// Segments larger than this only slow the fuzzer down.
constexpr size_t kMaxSeedBytes = 256 * 1024;
constexpr int kMaxSegmentsPerModel = 24;

int written = 0;

void Write(const segpipe::Model& model, const std::string& path) {
  segpipe::StatusOr<std::vector<uint8_t>> bytes = segpipe::WriteTflite(model);
  if (!bytes.ok() || bytes->size() > kMaxSeedBytes) return;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  std::fwrite(bytes->data(), 1, bytes->size(), f);
  std::fclose(f);
  ++written;
}

std::string Stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [MODEL.tflite ...]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  Write(segpipe::testing_models::AllOpsModel(), out + "/synth_all_ops.tflite");

  segpipe::synth::FcConfig fc;
  fc.hidden = 24;
  fc.layers = 3;
  fc.inputs = 16;
  fc.outputs = 4;
  fc.calibration_inputs = 8;
  if (auto m = segpipe::synth::SynthesizeFc(fc); m.ok()) Write(m->model, out + "/synth_fc.tflite");
  segpipe::synth::ConvConfig conv;
  conv.filters = 4;
  conv.layers = 2;
  conv.size = 8;
  conv.channels = 3;
  conv.calibration_inputs = 8;
  if (auto m = segpipe::synth::SynthesizeConv(conv); m.ok()) Write(m->model, out + "/synth_conv.tflite");

  for (int i = 2; i < argc; ++i) {
    segpipe::StatusOr<segpipe::Model> model = segpipe::ReadTfliteFile(argv[i]);
    if (!model.ok()) continue;
    const std::vector<int> ends = segpipe::LayerEnds(*model);
    int first = 0;
    for (size_t l = 0; l < ends.size() && static_cast<int>(l) < kMaxSegmentsPerModel; ++l) {
      if (auto seg = segpipe::ExtractSegment(*model, first, ends[l]); seg.ok())
        Write(*seg, fmt::format("{}/{}_layer{}.tflite", out, Stem(argv[i]), l));
      first = ends[l] + 1;
    }
  }
  std::printf("%d seed models written to %s\n", written, out.c_str());
  return 0;
}
