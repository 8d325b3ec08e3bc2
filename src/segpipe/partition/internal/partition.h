// Partitions of a model into consecutive op ranges, one pipeline stage each.
//
// The ops of a Model are kept in a topological order, so a partition is a list of consecutive
// op ranges covering every op once. Each stage runs on one device (stages may use different
// devices, e.g. a CPU core and Edge TPUs) and may be replicated on several identical devices
// that take turns on consecutive inputs. Cuts are only placed at *cut candidates*, by default
// the ends of the paper's layers (LayerEnds): the partitioners search over candidate indices
// ("units") and translate back to op indices here.
#ifndef SEGPIPE_PARTITION_INTERNAL_PARTITION_H_
#define SEGPIPE_PARTITION_INTERNAL_PARTITION_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/device/internal/device_list.h"
#include "segpipe/model/model.h"

namespace segpipe {

// One device a stage runs on: the kind (device/device_list.h) and its index among the devices
// of that kind.
struct StageDevice {
  using Kind = DeviceKind;
  Kind kind = Kind::kEdgeTpu;
  int index = 0;
  std::string host;  // the stage host serving it ("HOST:PORT"), empty for this process
  bool operator==(const StageDevice&) const = default;
};

// "edgetpu:0", "cpu:1", "edgetpu-usb:0", "cpu:0@10.0.0.2:7070"
std::string DeviceName(const StageDevice& device);
StatusOr<StageDevice> ParseDeviceName(std::string_view text);  // inverse of DeviceName

// A device list (ParseDeviceList, the one parser: "edgetpu:4", "cpu:1,edgetpu:3",
// "edgetpu-usb:2") with each device numbered among those of its kind. Stages use the devices in
// this order.
StatusOr<std::vector<StageDevice>> ParseStageDevices(std::string_view text);
// "edgetpu:4", "cpu:1@10.0.0.2:7070,cpu:1@10.0.0.3:7070"
std::string FormatStageDevices(std::span<const StageDevice> devices);

struct Segment {
  int first_op = 0;
  int last_op = 0;     // inclusive
  StageDevice device;  // the first device of the stage
  int replicas = 1;    // identical devices running this stage on alternate inputs
  bool operator==(const Segment&) const = default;
};

struct Partition {
  std::vector<Segment> segments;
  bool operator==(const Partition&) const = default;

  int num_devices() const;  // sum of replicas
};

// Checks that the segments are non-empty, consecutive and cover all `num_ops` ops.
Status ValidatePartition(const Partition& partition, int num_ops);

// The cut candidates of a model: the last op of each layer (LayerEnds). A stage always ends at
// one of them.
std::vector<int> CutCandidates(const Model& model);

// Builds the partition whose stage k ends at candidate `last_unit[k]` and runs on devices[k].
Partition PartitionFromUnits(std::span<const int> unit_ends, std::span<const int> last_unit,
                             std::span<const StageDevice> devices);

// The candidate index each stage ends at; fails if a stage does not end at a candidate.
StatusOr<std::vector<int>> UnitsOfPartition(const Partition& partition,
                                            std::span<const int> unit_ends);

// The partition in the paper's notation, layers numbered from 1: "[1,2][3][4,5]" (runs of six
// or more layers as "[1-26]", replicated stages with "x2"). Ranges that
// do not end at layer ends are shown as op ranges "[ops 0-7]".
std::string FormatLayers(const Partition& partition, std::span<const int> layer_ends);

}  // namespace segpipe

#endif  // SEGPIPE_PARTITION_INTERNAL_PARTITION_H_
