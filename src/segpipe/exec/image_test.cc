// Image decoding (BMP built byte by byte here, PNG and JPEG written with their libraries) and
// TFLite-style preprocessing into input tensors.
#include "segpipe/exec/internal/image.h"

#include <png.h>

#include <cstdio>
#include <filesystem>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace segpipe {
namespace {

using ::testing::ElementsAre;

void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A BMP with the given bits per pixel; `rows` are stored as given (bottom row first unless
// top_down), each padded to 4 bytes.
std::vector<uint8_t> MakeBmp(int width, int height, int bits, const std::vector<std::vector<uint8_t>>& rows,
                             const std::vector<uint8_t>& palette_bgra = {}, bool top_down = false) {
  const size_t stride = (static_cast<size_t>(width) * bits + 31) / 32 * 4;
  const size_t offset = 54 + palette_bgra.size();
  std::vector<uint8_t> b(offset + stride * height, 0);
  b[0] = 'B';
  b[1] = 'M';
  Put32(b, 2, static_cast<uint32_t>(b.size()));
  Put32(b, 10, static_cast<uint32_t>(offset));
  Put32(b, 14, 40);
  Put32(b, 18, static_cast<uint32_t>(width));
  Put32(b, 22, static_cast<uint32_t>(top_down ? -height : height));
  b[26] = 1;
  b[28] = static_cast<uint8_t>(bits);
  Put32(b, 46, static_cast<uint32_t>(palette_bgra.size() / 4));
  std::copy(palette_bgra.begin(), palette_bgra.end(), b.begin() + 54);
  for (int r = 0; r < height; ++r) std::copy(rows[r].begin(), rows[r].end(), b.begin() + offset + r * stride);
  return b;
}

TEST(DecodeBmpTest, Reads24BitBottomUpRowsWithPadding) {
  // Stored bottom row first, BGR: bottom = {red, green}, top = {blue, white}.
  const auto bmp = MakeBmp(2, 2, 24, {{0, 0, 255, 0, 255, 0}, {255, 0, 0, 255, 255, 255}});
  StatusOr<Image> image = DecodeBmp(bmp);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->width, 2);
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->channels, 3);
  EXPECT_THAT(image->pixels, ElementsAre(0, 0, 255, 255, 255, 255,   // top: blue, white
                                         255, 0, 0, 0, 255, 0));     // bottom: red, green
}

TEST(DecodeBmpTest, GreyPaletteGivesOneChannelOfLevels) {
  std::vector<uint8_t> palette;
  for (int i = 0; i < 256; ++i) palette.insert(palette.end(), {static_cast<uint8_t>(i), static_cast<uint8_t>(i), static_cast<uint8_t>(i), 0});
  const auto bmp = MakeBmp(3, 1, 8, {{7, 200, 0}}, palette, /*top_down=*/true);
  StatusOr<Image> image = DecodeBmp(bmp);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->channels, 1);
  EXPECT_THAT(image->pixels, ElementsAre(7, 200, 0));
}

TEST(DecodeBmpTest, RefusesDamagedFilesWithoutCrashing) {
  auto bmp = MakeBmp(4, 4, 24, std::vector<std::vector<uint8_t>>(4, std::vector<uint8_t>(12, 1)));
  for (size_t cut : {0ul, 10ul, 30ul, 54ul, bmp.size() - 1}) {
    std::vector<uint8_t> truncated(bmp.begin(), bmp.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(DecodeBmp(truncated).ok()) << "cut at " << cut;
  }
  auto huge = bmp;
  Put32(huge, 18, 1u << 30);
  EXPECT_FALSE(DecodeBmp(huge).ok());
  auto compressed = bmp;
  Put32(compressed, 30, 1);  // RLE8
  EXPECT_EQ(DecodeBmp(compressed).status().code(), StatusCode::kUnimplemented);
}

TEST(ReadImageFileTest, ReadsTheSharedBmpAndWrittenPngAndJpeg) {
  StatusOr<Image> cat = ReadImageFile(std::string(SEGPIPE_SHARED_DIR) + "/inputs/coral/cat.bmp");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ(cat->channels, 3);
  EXPECT_GT(cat->width, 0);

  const std::filesystem::path dir = std::filesystem::path(SEGPIPE_BINARY_DIR) / "test_work" / "image_test";
  std::filesystem::create_directories(dir);
  std::vector<uint8_t> rgb(4 * 3 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7);

  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = 4;
  png.height = 3;
  png.format = PNG_FORMAT_RGB;
  const std::string png_path = (dir / "small.png").string();
  ASSERT_TRUE(png_image_write_to_file(&png, png_path.c_str(), 0, rgb.data(), 0, nullptr));
  StatusOr<Image> from_png = ReadImageFile(png_path);
  ASSERT_TRUE(from_png.ok()) << from_png.status().ToString();
  EXPECT_EQ(from_png->pixels, rgb);

  const std::string jpeg_path = (dir / "small.jpg").string();
  {
    std::vector<uint8_t> flat(16 * 8 * 3, 120);  // a flat image survives JPEG almost exactly
    FILE* file = std::fopen(jpeg_path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    jpeg_compress_struct info;
    jpeg_error_mgr error;
    info.err = jpeg_std_error(&error);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, file);
    info.image_width = 16;
    info.image_height = 8;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
      JSAMPROW row = flat.data() + info.next_scanline * 16 * 3;
      jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::fclose(file);
  }
  StatusOr<Image> from_jpeg = ReadImageFile(jpeg_path);
  ASSERT_TRUE(from_jpeg.ok()) << from_jpeg.status().ToString();
  EXPECT_EQ(from_jpeg->width, 16);
  EXPECT_EQ(from_jpeg->height, 8);
  for (uint8_t v : from_jpeg->pixels) EXPECT_NEAR(v, 120, 2);

  // A corrupt JPEG is an error, not a crash or an exit.
  std::vector<uint8_t> bytes = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
  const std::string bad_path = (dir / "bad.jpg").string();
  FILE* bad = std::fopen(bad_path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), bad);
  std::fclose(bad);
  EXPECT_EQ(ReadImageFile(bad_path).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ReadImageFile((dir / "missing.bmp").string()).status().code(), StatusCode::kNotFound);
}

TEST(PreprocessTest, ResizesWithHalfPixelCentresAndTruncates) {
  const Image row{2, 1, 1, {10, 20}};
  EXPECT_THAT(ResizeBilinear(row, 4, 1).pixels, ElementsAre(10, 12, 17, 20));
  EXPECT_EQ(ResizeBilinear(row, 2, 1).pixels, row.pixels);
  const Image rgb{1, 1, 3, {30, 60, 90}};
  EXPECT_THAT(ConvertChannels(rgb, 1).pixels, ElementsAre(54));  // 0.299*30 + 0.587*60 + 0.114*90
}

TEST(PreprocessTest, MapsBytesIntoInt8InputsEitherWay) {
  Tensor input;
  input.type = DataType::kInt8;
  input.shape = {1, 1, 2, 1};
  const Image grey{2, 1, 1, {0, 200}};
  StatusOr<std::vector<uint8_t>> shifted = ImageToInputTensor(grey, input);
  ASSERT_TRUE(shifted.ok());
  EXPECT_THAT(*shifted, ElementsAre(static_cast<uint8_t>(-128), 72));
  StatusOr<std::vector<uint8_t>> raw = ImageToInputTensor(grey, input, Int8Input::kReinterpret);
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, ElementsAre(0, 200));
  input.shape = {1, 4};
  EXPECT_EQ(ImageToInputTensor(grey, input).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace segpipe
