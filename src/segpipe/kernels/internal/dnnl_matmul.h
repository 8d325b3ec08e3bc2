// Fast FULLY_CONNECTED, and CONV_2D written as a matrix product, through oneDNN's matmul.
//
// oneDNN's matmul takes a weight zero point, which its convolution does not. That makes the
// legacy uint8 scheme exact whatever the weights: they are stored as s8 w - 128 with zero point
// zw - 128, so (w_s8 - zp) = (w - zw). A 1x1 stride-1 convolution is a matmul over the NHWC
// pixels as it stands; any other convolution is lowered with im2col into a buffer allocated at
// Prepare (padding taps are filled with the input zero point, i.e. real 0, as TFLite pads).
#ifndef SEGPIPE_KERNELS_INTERNAL_DNNL_MATMUL_H_
#define SEGPIPE_KERNELS_INTERNAL_DNNL_MATMUL_H_

#include <memory>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe {

// FULLY_CONNECTED over [batch, in] (input flattened as TFLite does), int8 or uint8, with or
// without bias, per-tensor or per-channel weights. nullptr when not covered.
StatusOr<std::unique_ptr<Kernel>> PrepareDnnlFullyConnected(const Model& model, int op_index,
                                                            const KernelOptions& options);

// CONV_2D as matmul (1x1 stride 1 directly, otherwise through im2col). nullptr when not covered.
StatusOr<std::unique_ptr<Kernel>> PrepareDnnlMatmulConv2D(const Model& model, int op_index,
                                                          const KernelOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_DNNL_MATMUL_H_
