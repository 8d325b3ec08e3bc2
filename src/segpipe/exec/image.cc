// Image decoding (BMP ourselves, PNG through libpng, JPEG through libjpeg) and the TFLite-style
// preprocessing of images into input tensors.
#include "segpipe/exec/internal/image.h"

#include <png.h>
#include <setjmp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

// jpeglib.h needs FILE and size_t declared first.
#include <fmt/format.h>
#include <jpeglib.h>

#include "segpipe/core/internal/file_io.h"

namespace segpipe {
namespace {

constexpr int64_t kMaxPixels = kMaxImagePixels;

uint32_t Le32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
uint16_t Le16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

// Value of the bits of `pixel` under `mask`, scaled to 0..255.
uint8_t MaskedChannel(uint32_t pixel, uint32_t mask) {
  if (mask == 0) return 255;
  int shift = 0;
  while (((mask >> shift) & 1u) == 0) ++shift;
  const uint32_t max = mask >> shift;
  const uint32_t v = (pixel & mask) >> shift;
  return static_cast<uint8_t>(max == 255 ? v : (v * 255 + max / 2) / max);
}

StatusOr<Image> DecodePng(const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    return DataLossError(fmt::format("{}: not a readable PNG ({})", path, png.message));
  }
  const bool grey = (png.format & PNG_FORMAT_FLAG_COLOR) == 0;
  png.format = grey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  if (static_cast<int64_t>(png.width) * png.height > kMaxPixels) {
    png_image_free(&png);
    return ResourceExhaustedError(
        fmt::format("{}: image of {}x{} pixels is more than the {} pixels segpipe reads", path,
                    png.width, png.height, kMaxPixels));
  }
  Image image{static_cast<int>(png.width), static_cast<int>(png.height), grey ? 1 : 3, {}};
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.pixels.data(), 0, nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    return DataLossError(fmt::format("{}: corrupt PNG ({})", path, message));
  }
  return image;
}

// libjpeg reports fatal errors through a callback that must not return: jump back instead of
// letting it exit the process.
struct JpegError {
  jpeg_error_mgr manager;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void JpegErrorExit(j_common_ptr info) {
  JpegError* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  longjmp(error->jump, 1);
}

// libjpeg's warnings (level -1) would print on stderr and decoding would go on with grey rows
// ("Premature end of JPEG file"): a damaged file is an error instead, with the same words.
void JpegEmitMessage(j_common_ptr info, int level) {
  if (level >= 0) return;  // trace messages
  JpegError* error = reinterpret_cast<JpegError*>(info->err);
  if (info->err->num_warnings++ == 0) (*info->err->format_message)(info, error->message);
}

StatusOr<Image> DecodeJpeg(const std::string& path, std::span<const uint8_t> bytes) {
  jpeg_decompress_struct info;
  JpegError error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = JpegErrorExit;
  error.manager.emit_message = JpegEmitMessage;
  // Everything that lives across setjmp is set up before it, so longjmp leaves no leaks.
  Image image;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    return DataLossError(fmt::format("{}: truncated or corrupt JPEG ({})", path, error.message));
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&info);
    return UnimplementedError(
        fmt::format("{}: CMYK JPEG images are not supported; convert it to RGB", path));
  }
  const bool grey = info.jpeg_color_space == JCS_GRAYSCALE;
  info.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  if (static_cast<int64_t>(info.output_width) * info.output_height > kMaxPixels) {
    jpeg_destroy_decompress(&info);
    return ResourceExhaustedError(
        fmt::format("{}: image of {}x{} pixels is more than the {} pixels segpipe reads", path,
                    info.output_width, info.output_height, kMaxPixels));
  }
  image.width = static_cast<int>(info.output_width);
  image.height = static_cast<int>(info.output_height);
  image.channels = info.output_components;
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * image.channels);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = image.pixels.data() + static_cast<size_t>(info.output_scanline) * image.width * image.channels;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  const bool damaged = error.manager.num_warnings > 0;
  jpeg_destroy_decompress(&info);
  if (damaged)
    return DataLossError(fmt::format("{}: truncated or corrupt JPEG ({})", path, error.message));
  return image;
}

}  // namespace

StatusOr<Image> DecodeBmp(std::span<const uint8_t> b) {
  if (b.size() < 26 || b[0] != 'B' || b[1] != 'M') return DataLossError("not a BMP file");
  const uint32_t data_offset = Le32(b, 10);
  const uint32_t header_size = Le32(b, 14);
  if (header_size < 40) {
    return UnimplementedError("BMP with a " + std::to_string(header_size) +
                              "-byte header (only Windows BMP headers of 40 bytes or more are "
                              "supported); convert it to a 24-bit BMP, PNG or JPEG");
  }
  if (14 + static_cast<uint64_t>(header_size) > b.size()) {
    return DataLossError(
        fmt::format("BMP is truncated: its {}-byte header needs {} bytes, the file has {}",
                    header_size, 14 + static_cast<uint64_t>(header_size), b.size()));
  }
  const int32_t width = static_cast<int32_t>(Le32(b, 18));
  const int32_t raw_height = static_cast<int32_t>(Le32(b, 22));
  const uint16_t bits = Le16(b, 28);
  const uint32_t compression = Le32(b, 30);
  uint32_t colors_used = Le32(b, 46);
  const bool top_down = raw_height < 0;
  const int64_t height = top_down ? -static_cast<int64_t>(raw_height) : raw_height;
  if (width <= 0 || height <= 0 || static_cast<int64_t>(width) * height > kMaxPixels) {
    return DataLossError(fmt::format("BMP has an invalid size {}x{}", width, raw_height));
  }
  const bool bitfields = compression == 3 && bits == 32;
  if (!(compression == 0 || bitfields) || !(bits == 8 || bits == 24 || bits == 32)) {
    return UnimplementedError(fmt::format("BMP with {} bits per pixel and compression {} (supported: "
                                     "uncompressed 8, 24 or 32 bits)", bits, compression));
  }
  const uint64_t stride = (static_cast<uint64_t>(width) * bits + 31) / 32 * 4;
  if (data_offset > b.size() || stride * height > b.size() - data_offset) {
    return DataLossError("BMP pixel data is truncated");
  }
  // Palette (8-bit): BGRA entries after the header.
  std::vector<uint8_t> palette;  // RGB triples
  bool grey_palette = true;
  if (bits == 8) {
    if (colors_used == 0 || colors_used > 256) colors_used = 256;
    const uint64_t at = 14 + static_cast<uint64_t>(header_size);
    if (at + 4ull * colors_used > data_offset) return DataLossError("BMP palette is truncated");
    for (uint32_t i = 0; i < colors_used; ++i) {
      const uint8_t blue = b[at + 4 * i], green = b[at + 4 * i + 1], red = b[at + 4 * i + 2];
      palette.insert(palette.end(), {red, green, blue});
      grey_palette = grey_palette && red == green && green == blue;
    }
  }
  uint32_t masks[3] = {0x00FF0000u, 0x0000FF00u, 0x000000FFu};  // R, G, B
  if (bitfields) {
    if (b.size() < 66) return DataLossError("BMP bit masks are truncated");
    for (int i = 0; i < 3; ++i) masks[i] = Le32(b, 54 + 4 * i);
  }
  Image image{width, static_cast<int>(height), bits == 8 && grey_palette ? 1 : 3, {}};
  image.pixels.resize(static_cast<size_t>(width) * height * image.channels);
  for (int64_t y = 0; y < height; ++y) {
    const int64_t src_row = top_down ? y : height - 1 - y;
    const uint8_t* row = b.data() + data_offset + src_row * stride;
    uint8_t* out = image.pixels.data() + y * width * image.channels;
    for (int32_t x = 0; x < width; ++x) {
      if (bits == 8) {
        const uint8_t index = row[x];
        if (index >= colors_used) return DataLossError("BMP pixel refers past the palette");
        if (image.channels == 1) {
          out[x] = palette[3 * index];
        } else {
          std::memcpy(out + 3 * x, &palette[3 * index], 3);
        }
      } else if (bits == 24) {
        out[3 * x] = row[3 * x + 2];
        out[3 * x + 1] = row[3 * x + 1];
        out[3 * x + 2] = row[3 * x];
      } else {
        const uint32_t pixel = Le32(std::span<const uint8_t>(row, 4 * static_cast<size_t>(width)), 4 * x);
        for (int c = 0; c < 3; ++c) out[3 * x + c] = MaskedChannel(pixel, masks[c]);
      }
    }
  }
  return image;
}

StatusOr<Image> ReadImageFile(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(path, "image"));
  if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') {
    StatusOr<Image> image = DecodeBmp(bytes);
    if (!image.ok()) return image.status().WithContext(path);
    return image;
  }
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return DecodePng(path);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    return DecodeJpeg(path, bytes);
  }
  return InvalidArgumentError(fmt::format("{}: not a BMP, PNG or JPEG image; convert it to one of these", path));
}

Image ConvertChannels(const Image& image, int channels) {
  if (image.channels == channels) return image;
  Image out{image.width, image.height, channels, {}};
  const size_t n = static_cast<size_t>(image.width) * image.height;
  out.pixels.resize(n * channels);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = &image.pixels[i * image.channels];
    if (channels == 1) {
      out.pixels[i] = static_cast<uint8_t>(std::lround(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]));
    } else {
      for (int c = 0; c < channels; ++c) out.pixels[i * channels + c] = p[0];
    }
  }
  return out;
}

Image ResizeBilinear(const Image& image, int width, int height) {
  Image out{width, height, image.channels, {}};
  out.pixels.resize(static_cast<size_t>(width) * height * image.channels);
  const float scale_y = static_cast<float>(image.height) / static_cast<float>(height);
  const float scale_x = static_cast<float>(image.width) / static_cast<float>(width);
  auto source = [](int o, float scale, int size, float* value, int* lo, int* hi) {
    *value = (static_cast<float>(o) + 0.5f) * scale - 0.5f;
    *lo = std::max(static_cast<int>(std::floor(*value)), 0);
    *hi = std::min(static_cast<int>(std::ceil(*value)), size - 1);
  };
  const int c_n = image.channels;
  auto at = [&](int y, int x, int c) {
    return static_cast<float>(image.pixels[(static_cast<size_t>(y) * image.width + x) * c_n + c]);
  };
  for (int y = 0; y < height; ++y) {
    float in_y;
    int y0, y1;
    source(y, scale_y, image.height, &in_y, &y0, &y1);
    const float dy = in_y - static_cast<float>(y0);
    for (int x = 0; x < width; ++x) {
      float in_x;
      int x0, x1;
      source(x, scale_x, image.width, &in_x, &x0, &x1);
      const float dx = in_x - static_cast<float>(x0);
      for (int c = 0; c < c_n; ++c) {
        const float v = at(y0, x0, c) * (1 - dy) * (1 - dx) + at(y1, x0, c) * dy * (1 - dx) +
                        at(y0, x1, c) * (1 - dy) * dx + at(y1, x1, c) * dy * dx;
        out.pixels[(static_cast<size_t>(y) * width + x) * c_n + c] =
            static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
      }
    }
  }
  return out;
}

StatusOr<std::vector<uint8_t>> ImageToInputTensor(const Image& image, const Tensor& input,
                                                  Int8Input int8_input) {
  if (input.shape.size() != 4 || input.shape[0] != 1 ||
      (input.shape[3] != 1 && input.shape[3] != 3) ||
      (input.type != DataType::kUInt8 && input.type != DataType::kInt8)) {
    return InvalidArgumentError(fmt::format(
        "the model's input '{}' ({} [{}]) is not an image: expected [1, height, width, 1 or 3] "
        "of uint8 or int8", input.name, DataTypeName(input.type), fmt::join(input.shape, ", ")));
  }
  if (image.width <= 0 || image.height <= 0) return InvalidArgumentError("the image is empty");
  const Image ready = ResizeBilinear(ConvertChannels(image, input.shape[3]), input.shape[2], input.shape[1]);
  std::vector<uint8_t> bytes = ready.pixels;
  if (input.type == DataType::kInt8 && int8_input == Int8Input::kSubtract128) {
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(static_cast<int8_t>(b - 128));
  }
  return bytes;
}

}  // namespace segpipe
