// Images for classification: reading BMP (our own reader), PNG (libpng) and JPEG (libjpeg), and
// turning an image into a model's input tensor the way TFLite's examples do: bilinear resize
// with half-pixel centres computed in float and truncated to uint8, channel conversion, and for
// int8 models a shift of the bytes into int8.
//
// Bad files never crash: every reader checks sizes and returns DataLoss / InvalidArgument /
// Unimplemented with the path in the message. Images are plain values.
#ifndef SEGPIPE_EXEC_INTERNAL_IMAGE_H_
#define SEGPIPE_EXEC_INTERNAL_IMAGE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segpipe/core/status.h"
#include "segpipe/model/model.h"

namespace segpipe {

// The most pixels an image may have (RESOURCE_EXHAUSTED above): absurd sizes in a header are
// refused instead of allocated.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

// Interleaved 8-bit pixels, rows top to bottom; channels is 1 (grey) or 3 (RGB).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // width * height * channels
};

// Picks the decoder from the file's magic bytes (BMP, PNG or JPEG). 8-bit palette BMPs whose
// palette is grey come back as 1-channel images holding the grey levels; everything else as RGB
// (PNG/JPEG grey images also as 1 channel).
StatusOr<Image> ReadImageFile(const std::string& path);
StatusOr<Image> DecodeBmp(std::span<const uint8_t> bytes);

// Same pixels with `channels` channels: grey -> RGB repeats the level; RGB -> grey uses the
// ITU-R BT.601 luma weights, rounded.
Image ConvertChannels(const Image& image, int channels);

// Bilinear resize with half-pixel centres (align_corners = false), in float, truncated to uint8,
// as TFLite's image classification examples and tests prepare their inputs.
Image ResizeBilinear(const Image& image, int width, int height);

// How bytes reach an int8 input tensor: shifted by -128 (the usual uint8 -> int8 mapping), or
// reinterpreted as they are (what TFLite Micro's person detection test does with its images).
enum class Int8Input : uint8_t { kSubtract128, kReinterpret };

// The bytes of input tensor `input` ([1, H, W, C] uint8 or int8) for `image`: channels
// converted, resized to W x H, mapped to int8 when the tensor is int8.
StatusOr<std::vector<uint8_t>> ImageToInputTensor(const Image& image, const Tensor& input,
                                                  Int8Input int8_input = Int8Input::kSubtract128);

}  // namespace segpipe

#endif  // SEGPIPE_EXEC_INTERNAL_IMAGE_H_
