// Direct DEPTHWISE_CONV_2D for legacy uint8 weights that do not fit int8 after removing their
// zero point (the usual case: asymmetric weights span 0..255), which oneDNN's convolution cannot
// take. One pass per output pixel over NHWC channels in int32, exact up to the final rounding,
// fused requantization and clamp; the compiler vectorizes the channel loops for AVX-512/AVX2
// (one clone per ISA, chosen at load time).
#ifndef SEGPIPE_KERNELS_INTERNAL_DNNL_DEPTHWISE_H_
#define SEGPIPE_KERNELS_INTERNAL_DNNL_DEPTHWISE_H_

#include <memory>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe {

// uint8 per-tensor DEPTHWISE_CONV_2D (any depth multiplier, stride, dilation, padding).
// nullptr when not covered.
StatusOr<std::unique_ptr<Kernel>> PrepareDirectDepthwiseConv2D(const Model& model, int op_index,
                                                               const KernelOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_DNNL_DEPTHWISE_H_
