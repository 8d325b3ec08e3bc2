// Fast CONV_2D and DEPTHWISE_CONV_2D through oneDNN's convolution primitive.
//
// Covers int8 (per-channel or per-tensor symmetric weights) and uint8 per-tensor ops whose
// weights minus zero point fit int8, which oneDNN requires of convolution weights. Other uint8
// convolutions go through the matmul path (dnnl_matmul.h), other uint8 depthwise convolutions
// through the direct kernel (dnnl_depthwise.h). Each Prepare returns nullptr (not an error) for
// configurations it does not cover.
#ifndef SEGPIPE_KERNELS_INTERNAL_DNNL_CONV_H_
#define SEGPIPE_KERNELS_INTERNAL_DNNL_CONV_H_

#include <memory>

#include "segpipe/core/status.h"
#include "segpipe/kernels/internal/kernel.h"
#include "segpipe/model/model.h"

namespace segpipe {

// CONV_2D: oneDNN convolution when the weights fit int8 after removing their zero point,
// otherwise the matmul-based kernel.
StatusOr<std::unique_ptr<Kernel>> PrepareDnnlConv2D(const Model& model, int op_index,
                                                    const KernelOptions& options);

// DEPTHWISE_CONV_2D: oneDNN grouped convolution when the weights fit int8 after removing their
// zero point, otherwise the direct kernel.
StatusOr<std::unique_ptr<Kernel>> PrepareDnnlDepthwiseConv2D(const Model& model, int op_index,
                                                             const KernelOptions& options);

}  // namespace segpipe

#endif  // SEGPIPE_KERNELS_INTERNAL_DNNL_CONV_H_
