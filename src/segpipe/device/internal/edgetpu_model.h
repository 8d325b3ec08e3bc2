// A model of the Google Edge TPU (PCIe M.2) for one compiled segment: where the compiler puts
// each layer's parameters (on-chip SRAM or host memory, streamed on every inference) and how long
// one invocation of the segment takes on one device.
//
// Usage:
//   EdgeTpuSpec spec;  // fitted defaults, see docs/edgetpu-model.md
//   SEGPIPE_ASSIGN_OR_RETURN(SegmentPlacement placement, PlaceSegment(model, 0, 5, spec));
//   SEGPIPE_ASSIGN_OR_RETURN(SegmentTiming timing, EstimateSegmentTiming(model, 0, 5, spec));
//   double ms = timing.total_ns() * 1e-6;
//
// Placement follows the compiler's rules as reconstructed from its reports (../shared/paper/
// SYSTEM.md section 3): weights padded to the array width, whole tensors only, on-chip capacity
// shared with the segment's input activation, caching from the last layer backwards. Timing is a
// physical model with a handful of parameters (fixed invoke cost, host link bandwidth, effective
// MAC rates per layer kind, weight re-streaming) fitted to the authors' measurements by
// `segpipe calibrate`. All functions are pure and thread-safe.
#ifndef SEGPIPE_DEVICE_INTERNAL_EDGETPU_MODEL_H_
#define SEGPIPE_DEVICE_INTERNAL_EDGETPU_MODEL_H_

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/edgetpu_ops.h"
#include "segpipe/model/model.h"

namespace segpipe {

inline constexpr int64_t kMiB = 1024 * 1024;

// Everything the Edge TPU model assumes about the device, in one place. Defaults are the values
// fitted to ../shared/paper/measured (see docs/edgetpu-model.md for the fit and its errors).
struct EdgeTpuSpec {
  // --- Placement (exact compiler accounting) ---
  // Bytes of SRAM available for cached parameters plus the segment's input activation. The data
  // admit anything in 7.74..7.77 MiB.
  int64_t on_chip_capacity_bytes = 7.75 * kMiB;
  // Output channels (FC units) are padded to the systolic array width.
  int32_t output_channel_pad = 64;
  // Conv input channels are padded to this multiple (weights laid out in groups of 4 bytes).
  int32_t conv_input_channel_pad = 4;
  // Extra bytes per padded output channel of a per-channel quantized layer (scale + zero point
  // or folded requantization parameters). Convolutions (CONV_2D, DEPTHWISE_CONV_2D) carry them
  // whatever their quantization: their bias and requantization are applied per output channel
  // on the device. Fully connected layers quantized per tensor do not (the paper's FC data).
  int64_t per_channel_overhead_bytes = 8;
  // A 1x1 convolution (a pointwise matrix product over pixels) pads its output channels to this
  // multiple instead of output_channel_pad: half the array width, fitted on the training pairs
  // (MobileNet v1/v2, DeepLab, PoseNet; docs/edgetpu-model.md "Real models").
  int32_t pointwise_output_channel_pad = 32;
  // Depthwise convolutions: every tap of a channel takes a 4-byte group (the array's channel
  // group of 4, of which one lane is used), channels padded to output_channel_pad.
  int32_t depthwise_tap_bytes = 4;

  // --- Timing (physics; the values come from `segpipe calibrate`, docs/edgetpu-model.md) ---
  double clock_hz = 480e6;  // array clock
  int32_t array_rows = 64;  // systolic array: rows take the K (input) dimension
  int32_t array_cols = 64;  // columns produce output channels
  // Fixed cost of one invocation: driver call, descriptor setup, DMA start, completion interrupt.
  double invoke_overhead_ns = 105211;
  // Host-link rate for the segment's input and output activations, i.e. the inter-TPU hop:
  // device-to-host copy, host hand-off, host-to-device copy of a tensor the next segment waits
  // for. Pinned by the CONV 3-TPU pipeline file (docs/edgetpu-model.md).
  double activation_link_bytes_per_s = 127.434e6;
  // Host-link rate for streamed (off-chip) weights: large sequential DMA over PCIe Gen2 x1.
  double stream_link_bytes_per_s = 380.821e6;
  // Latency paid once per invocation when any weights are streamed (first DMA round trip before
  // the array can start on a streamed layer).
  double stream_setup_ns = 0;
  // Batch-1 FULLY_CONNECTED: a matrix-vector product reuses no weight, so the layer runs at the
  // rate weights move from SRAM into the array, in bytes per cycle, not at the array's MAC peak.
  double fc_weight_bytes_per_cycle = 158.206;
  // CONV_2D reuses each weight at every output pixel and fills the array: padded MACs run at this
  // fraction of array_rows * array_cols MACs per cycle.
  double conv_array_efficiency = 0.428266;
  // CONV_2D output path: padded output bytes (pixels x output channels rounded up to the array
  // width) leave the array, are requantized and written back to SRAM at this many per cycle.
  double conv_output_bytes_per_cycle = 12.4121;
  // Per CONV_2D layer: array pipeline fill/drain and instruction fetch for its spatial tiles.
  double conv_layer_overhead_ns = 9592.51;
  // A conv layer whose weights are streamed works on spatial tiles whose input + output
  // activations fit this SRAM budget; the weights are streamed once per tile.
  int64_t restream_tile_budget_bytes = 106 * kMiB / 64;  // 1.65625 MiB
  // Ops that use no weights but move activations through the vector unit (ADD, MUL, pools,
  // CONCATENATION, MEAN, PAD, ...): input + output bytes at this many per cycle. Infinite when
  // the fit finds the path costs nothing measurable (it overlaps the array's work).
  double vector_bytes_per_cycle = std::numeric_limits<double>::infinity();
  // The compiler reserves SRAM for a segment's whole input (copied in before the first layer)
  // but none for its output, which is written to host memory while the last layer produces it:
  // the segment pays max(output transfer, last layer's array time) rather than their sum.
  // `false` adds them (kept to show what the data say without the overlap).
  bool output_overlaps_last_layer = true;
};

// How an Edge TPU is attached to the host: the paper's PCIe M.2 module (device kind `edgetpu`)
// or the USB 3.0 Accelerator (`edgetpu-usb`). The chip is the same; the link rates and the
// per-invocation cost differ.
enum class EdgeTpuLink : uint8_t { kPcie, kUsb };
std::string_view EdgeTpuLinkName(EdgeTpuLink link);  // "edgetpu" or "edgetpu-usb"
// The fitted spec of a device on `link` (docs/edgetpu-model.md): EdgeTpuSpec{} for PCIe; for
// USB the same array with the USB link's fitted invoke cost and transfer rate.
EdgeTpuSpec EdgeTpuSpecFor(EdgeTpuLink link);
// `spec` (a caller's device, e.g. with another capacity) behind `link`: for USB its invoke cost
// and transfer rates become the USB link's fitted ones; for PCIe it is returned unchanged.
EdgeTpuSpec WithLink(EdgeTpuSpec spec, EdgeTpuLink link);

// How the compiler accounts one layer (a weighted op plus the unweighted ops that follow it).
enum class LayerKind : uint8_t { kFullyConnected, kConv2D, kDepthwiseConv2D, kOther };
std::string_view LayerKindName(LayerKind kind);

struct LayerPlacement {
  int first_op = 0;            // op range of the layer in the model
  int last_op = 0;
  LayerKind kind = LayerKind::kOther;
  int64_t weight_bytes = 0;    // device bytes (padded, with per-channel overhead)
  int64_t macs = 0;            // real MACs of the layer
  int64_t padded_macs = 0;     // MACs on the padded array tiles
  int64_t input_activation_bytes = 0;   // bytes of the weighted op's activation input
  int64_t output_activation_bytes = 0;  // bytes of the layer's last output
  int64_t padded_output_bytes = 0;      // conv, depthwise: output pixels x padded channels
  int64_t vector_bytes = 0;    // input + output bytes of the layer's weightless data-moving ops
  bool on_chip = false;        // cached in SRAM (true) or streamed from host memory (false)
};

// Placement of one segment [first_op, last_op] compiled alone for one Edge TPU.
struct SegmentPlacement {
  int first_op = 0;
  int last_op = 0;
  int num_ops = 0;
  std::vector<LayerPlacement> layers;  // in model order
  int64_t input_bytes = 0;             // bytes of the segment's input tensors
  int64_t output_bytes = 0;            // bytes of the segment's output tensors
  int64_t on_chip_bytes = 0;           // cached parameters ("On-chip memory used ...")
  int64_t off_chip_bytes = 0;          // streamed parameters ("Off-chip memory used ...")
  int64_t remaining_bytes = 0;         // capacity - input - on_chip ("... remaining ...")
  // Ops the compiler leaves on the CPU (edgetpu_ops.h): the op that ends the Edge TPU subgraph
  // and every op after it, plus a leading QUANTIZE from float. Only the other ops' layers are in
  // `layers` and count towards on_chip_bytes/off_chip_bytes.
  std::vector<int> cpu_ops;         // model op indices, ascending
  int num_edgetpu_ops = 0;          // num_ops - cpu_ops.size()
  int64_t cpu_op_macs = 0;          // MACs of cpu_ops
  int64_t cpu_op_weight_bytes = 0;  // constant (weight and bias) bytes cpu_ops read
  int64_t cpu_op_output_bytes = 0;  // bytes the cpu_ops write
  // Host CPU time of cpu_ops per invocation (EstimateCpuOpsNs); a stage's time is the device's
  // plus this.
  double cpu_ops_ns = 0;
};

// Device bytes of one weighted op under the compiler's accounting; 0 for unweighted ops.
int64_t EdgeTpuWeightBytes(const Model& model, const Op& op, const EdgeTpuSpec& spec);

// Layers of ops [first_op, last_op] (grouped like LayerEnds, within the range) and where the
// compiler caches their parameters. Fails on an invalid range.
StatusOr<SegmentPlacement> PlaceSegment(const Model& model, int first_op, int last_op,
                                        const EdgeTpuSpec& spec);

// What PlaceSegment needs to know about the whole model (producer and last reader of every
// tensor, layers and their costs), computed once per model and spec: a partitioner places
// O(l^2) segments of one model, and each placement then costs time in the number of layers of
// the segment, not in the ops of the model. Valid for the Model and spec it was built from.
struct PlacementIndex {
  std::vector<int> producer;            // op producing each tensor, -1 for none
  std::vector<int> last_reader;         // last op reading each tensor, ops.size() for outputs
  std::vector<int> layer_ends;          // LayerEnds(model)
  std::vector<LayerPlacement> layers;   // each whole layer measured (placement not yet decided)
  std::vector<EdgeTpuOpCheck> op_checks;  // CheckEdgeTpuOp of every op
};
PlacementIndex BuildPlacementIndex(const Model& model, const EdgeTpuSpec& spec);
StatusOr<SegmentPlacement> PlaceSegment(const Model& model, const PlacementIndex& index,
                                        int first_op, int last_op, const EdgeTpuSpec& spec);

// Service time of one invocation of a segment on one Edge TPU, broken down. Parts add up: the
// device runs them one after the other for a batch-1 inference.
struct SegmentTiming {
  double invoke_ns = 0;            // fixed per-invocation cost
  double input_transfer_ns = 0;    // segment input over the host link
  double output_transfer_ns = 0;   // segment output over the host link, the part not
                                   // overlapped with the last layer's array time
  double compute_ns = 0;           // MACs on the array, summed over layers
  double stream_ns = 0;            // off-chip weights over the host link, once each
  double restream_ns = 0;          // extra weight passes of tiled streamed conv layers
  int max_weight_passes = 1;       // largest number of passes over any streamed layer
  double total_ns() const {
    return invoke_ns + input_transfer_ns + output_transfer_ns + compute_ns + stream_ns +
           restream_ns;
  }
};

SegmentTiming EstimateSegmentTiming(const SegmentPlacement& placement, const EdgeTpuSpec& spec);

// Host CPU time of the ops a segment leaves on the CPU (SegmentPlacement::cpu_ops), from a
// throughput model of one host core running TFLite's int8 kernels: a rate per MAC, per weight
// byte read (an FC layer reads each weight once per inference, a convolution reuses it across
// pixels), per output byte and per op. The defaults are the fit on the paper's single-thread CPU measurements
// (FitCpuOpCostModel, cpu_op_cost.h; checked by cpu_op_cost_test, shown in
// docs/edgetpu-model.md).
struct CpuOpCostModel {
  double ns_per_mac = 0.0528946;
  double ns_per_weight_byte = 0.06533;
  double ns_per_output_byte = 0;
  double ns_per_op = 44.7443;
};
double EstimateCpuOpsNs(int64_t macs, int64_t weight_bytes, int64_t output_bytes, int num_ops,
                        const CpuOpCostModel& cpu = {});
// Times a streamed layer's weights cross the link per inference: 1, or for a conv-like layer
// the number of spatial tiles its input + output activations need (restream_tile_budget_bytes).
int StreamedWeightPasses(const LayerPlacement& layer, const EdgeTpuSpec& spec);
StatusOr<SegmentTiming> EstimateSegmentTiming(const Model& model, int first_op, int last_op,
                                              const EdgeTpuSpec& spec);

// Host-side cost of running segments as a pipeline (one thread and one interpreter per device,
// queues between stages), separate from the device. Two profiles:
//  - "paper": the authors' Python runtime. Each stage does `per_stage_host_ns` of host work per
//    inference (queue get/put, tensor copies, interpreter call) under one interpreter lock, so
//    the host work of all stages is serialized; `startup_ns` is paid once per batch (threads).
//  - "native": our C++ runtime. Host work of different stages overlaps; each hop between stages
//    costs `per_hop_ns` (queue hand-off and copy).
struct HostProfile {
  std::string name;
  double per_stage_host_ns = 0;   // host work per stage per inference
  bool host_serialized = false;   // true: host work of all stages shares one lock
  double per_hop_ns = 0;          // per inter-stage hand-off (also input and output hand-offs)
  double startup_ns = 0;          // once per batch: thread start, join
};

HostProfile PaperHostProfile();
HostProfile NativeHostProfile();
// "paper" or "native".
StatusOr<HostProfile> HostProfileByName(std::string_view name);

// A pipeline of such stages is timed by EstimatePipelineTime (device/pipeline_time.h).

}  // namespace segpipe

#endif  // SEGPIPE_DEVICE_INTERNAL_EDGETPU_MODEL_H_
