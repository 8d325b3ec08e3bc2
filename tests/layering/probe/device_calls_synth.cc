// Plays a device-layer file that reaches up into synth: it compiles (the header is on the include
// path) but must not link against segpipe_device alone, which links only model and core.
#include "segpipe/device/internal/edgetpu_model.h"
#include "segpipe/synth/internal/paper_models.h"

int main() {
  segpipe::synth::FcConfig config;
  config.calibration_inputs = 0;
  return segpipe::synth::SynthesizeFc(config).ok() ? 0 : 1;
}
