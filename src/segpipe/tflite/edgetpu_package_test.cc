// DWN1 packages built here with the same schema: parsed back exactly, and every truncation or
// corruption gives DataLoss, never a crash.
#include "segpipe/tflite/internal/edgetpu_package.h"

#include <flatbuffers/flatbuffers.h>
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include "segpipe/tflite/internal/edgetpu_package_generated.h"

namespace segpipe {
namespace {

namespace dwn = tflite_internal::dwn;

std::vector<uint8_t> Executable(dwn::ExecutableType type, size_t parameter_bytes) {
  flatbuffers::FlatBufferBuilder b;
  const std::vector<uint8_t> params(parameter_bytes, 7);
  auto layer = dwn::CreateLayer(b, b.CreateString("input"), 192, 8, 8, 3);
  auto layers = b.CreateVector(std::vector{layer});
  dwn::ExecutableBuilder e(b);
  e.add_parameters(b.CreateVector(params));
  e.add_input_layers(layers);
  e.add_type(type);
  e.add_estimated_cycles_64bit(1234);
  b.Finish(e.Finish());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> CustomOptions(size_t cached, size_t streamed) {
  const std::vector<uint8_t> caching = Executable(dwn::ExecutableType_PARAMETER_CACHING, cached);
  const std::vector<uint8_t> execution = Executable(dwn::ExecutableType_EXECUTION_ONLY, streamed);
  flatbuffers::FlatBufferBuilder mb;
  auto list = mb.CreateVector(std::vector{
      mb.CreateString(reinterpret_cast<const char*>(caching.data()), caching.size()),
      mb.CreateString(reinterpret_cast<const char*>(execution.data()), execution.size())});
  mb.Finish(dwn::CreateMultiExecutable(mb, list));
  flatbuffers::FlatBufferBuilder pb;
  auto multi = pb.CreateVector(mb.GetBufferPointer(), mb.GetSize());
  auto version = pb.CreateString("test-compiler 1");
  dwn::PackageBuilder p(pb);
  p.add_serialized_multi_executable(multi);
  p.add_compiler_version(version);
  pb.Finish(p.Finish(), dwn::PackageIdentifier());
  flexbuffers::Builder fb;
  fb.Map([&] {
    fb.Int("1", 0);
    fb.String("4", std::string(reinterpret_cast<const char*>(pb.GetBufferPointer()), pb.GetSize()));
  });
  fb.Finish();
  return fb.GetBuffer();
}

TEST(EdgeTpuPackageTest, ReadsCachedAndStreamedBytes) {
  StatusOr<EdgeTpuPackage> p = ParseEdgeTpuPackage(CustomOptions(4096, 320));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->compiler_version, "test-compiler 1");
  EXPECT_EQ(p->on_chip_bytes, 4096);
  EXPECT_EQ(p->off_chip_bytes, 320);
  ASSERT_EQ(p->executables.size(), 2u);
  EXPECT_EQ(p->executables[0].type, "PARAMETER_CACHING");
  EXPECT_EQ(p->executables[1].type, "EXECUTION_ONLY");
  EXPECT_EQ(p->executables[1].estimated_cycles, 1234);
  ASSERT_EQ(p->executables[1].input_layers.size(), 1u);
  EXPECT_EQ(p->executables[1].input_layers[0].name, "input");
  EXPECT_EQ(p->executables[1].input_layers[0].z_dim, 3);
}

TEST(EdgeTpuPackageTest, TruncatedOptionsAreDataLoss) {
  const std::vector<uint8_t> good = CustomOptions(256, 64);
  for (size_t n = 0; n < good.size(); n += 7) {
    StatusOr<EdgeTpuPackage> p = ParseEdgeTpuPackage(std::span(good.data(), n));
    ASSERT_FALSE(p.ok()) << n;
    EXPECT_EQ(p.status().code(), StatusCode::kDataLoss) << n;
  }
}

TEST(EdgeTpuPackageTest, CorruptBytesNeverCrash) {
  const std::vector<uint8_t> good = CustomOptions(256, 64);
  uint32_t seed = 12345;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> bad = good;
    for (int flips = 0; flips < 4; ++flips) {
      seed = seed * 1664525u + 1013904223u;
      bad[(seed >> 8) % bad.size()] ^= static_cast<uint8_t>(1u << (seed & 7));
    }
    StatusOr<EdgeTpuPackage> p = ParseEdgeTpuPackage(bad);
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST(EdgeTpuPackageTest, OptionsWithoutAPackageAreDataLoss) {
  flexbuffers::Builder fb;
  fb.Map([&] { fb.String("4", "not a package"); });
  fb.Finish();
  StatusOr<EdgeTpuPackage> p = ParseEdgeTpuPackage(fb.GetBuffer());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(p.status().message().find("no DWN1 package"), std::string::npos);
}

}  // namespace
}  // namespace segpipe
