// 2,000 corrupted variants of the real-model corpus (truncations, byte overwrites, bit flips;
// fixed seed) are each read or refused with an error; none crashes (the ASan+UBSan CI build
// runs this too). Corruption is aimed mostly at the flatbuffer structure, outside the weight
// bytes, where it can mislead a reader; a variant that still reads must also summarize, write
// and read back to the same Model.
#include <map>
#include <random>
#include <span>
#include <utility>

#include <gtest/gtest.h>
#include <sanitizer/asan_interface.h>

#include "segpipe/tflite/internal/inspect.h"
#include "segpipe/tflite/internal/reader.h"
#include "segpipe/tflite/internal/schema_generated.h"
#include "segpipe/tflite/internal/writer.h"
#include "tflite_test_support.h"

namespace segpipe {
namespace {

constexpr int kVariants = 2000;

struct CorpusFile {
  std::string path;
  std::vector<uint8_t> bytes;
  // Byte ranges [begin, end) that are not constant tensor data: tables, vectors, strings.
  std::vector<std::pair<size_t, size_t>> structure;
  size_t structure_bytes = 0;
};

CorpusFile Load(const std::string& path) {
  CorpusFile f{path, ReadFileBytes(path).value(), {}, 0};
  std::vector<std::pair<size_t, size_t>> data;
  const auto* model = tflite_fb::GetModel(f.bytes.data());
  if (model->buffers() != nullptr)
    for (const tflite_fb::Buffer* b : *model->buffers())
      if (b->data() != nullptr && b->data()->size() > 0) {
        const size_t begin = static_cast<size_t>(b->data()->data() - f.bytes.data());
        data.emplace_back(begin, begin + b->data()->size());
      }
  std::sort(data.begin(), data.end());
  size_t at = 0;
  for (auto [begin, end] : data) {
    if (begin > at) f.structure.emplace_back(at, begin);
    at = std::max(at, end);
  }
  if (at < f.bytes.size()) f.structure.emplace_back(at, f.bytes.size());
  for (auto [begin, end] : f.structure) f.structure_bytes += end - begin;
  return f;
}

// A position in the file: three times in four inside the structure, else anywhere.
size_t PickPosition(const CorpusFile& f, std::mt19937& rng) {
  if (rng() % 4 != 0 && f.structure_bytes > 0) {
    size_t k = rng() % f.structure_bytes;
    for (auto [begin, end] : f.structure) {
      if (k < end - begin) return begin + k;
      k -= end - begin;
    }
  }
  return rng() % f.bytes.size();
}

TEST(TfliteRobustnessTest, CorruptedCorpusFilesAreReadOrRefusedNeverCrash) {
  std::vector<CorpusFile> corpus;
  for (const std::string& path : testing_support::CorpusModelPaths()) corpus.push_back(Load(path));
  ASSERT_GE(corpus.size(), 15u);
  std::mt19937 rng(20240611);
  std::map<StatusCode, int> outcomes;
  for (int v = 0; v < kVariants; ++v) {
    CorpusFile& f = corpus[static_cast<size_t>(v) % corpus.size()];
    // Corrupt in place and undo afterwards: copying multi-megabyte files 2,000 times would
    // dominate the run time under ASan.
    std::vector<std::pair<size_t, uint8_t>> undo;
    auto set_byte = [&](size_t at, uint8_t value) {
      undo.emplace_back(at, f.bytes[at]);
      f.bytes[at] = value;
    };
    size_t length = f.bytes.size();
    std::string what;
    switch (v % 4) {
      case 0: {  // truncation, often just short of the end
        length = rng() % 2 ? rng() % length : length - 1 - rng() % 64;
        what = "truncated to " + std::to_string(length);
        break;
      }
      case 1: {  // 1-8 random bytes overwritten
        const int n = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < n; ++i) set_byte(PickPosition(f, rng), static_cast<uint8_t>(rng()));
        what = std::to_string(n) + " bytes overwritten";
        break;
      }
      case 2: {  // 1-4 single-bit flips
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < n; ++i) {
          const size_t at = PickPosition(f, rng);
          set_byte(at, f.bytes[at] ^ static_cast<uint8_t>(1u << (rng() % 8)));
        }
        what = std::to_string(n) + " bits flipped";
        break;
      }
      default: {  // a flipped byte and a truncation together
        const size_t at = PickPosition(f, rng);
        set_byte(at, f.bytes[at] ^ 0xff);
        length -= rng() % std::min<size_t>(length, 4096);
        what = "flipped and truncated";
        break;
      }
    }
    const std::span<const uint8_t> bytes(f.bytes.data(), length);
    // Under ASan the cut-off tail is poisoned, so reading past the end of a truncated file is
    // caught as if the file were a separate, shorter allocation.
    ASAN_POISON_MEMORY_REGION(f.bytes.data() + length, f.bytes.size() - length);
    SCOPED_TRACE(f.path + " variant " + std::to_string(v) + ": " + what);
    StatusOr<Model> model = ReadTflite(bytes);
    ASAN_UNPOISON_MEMORY_REGION(f.bytes.data() + length, f.bytes.size() - length);
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) f.bytes[it->first] = it->second;
    if (!model.ok()) {
      EXPECT_FALSE(model.status().message().empty());
      ++outcomes[model.status().code()];
      continue;
    }
    ++outcomes[StatusCode::kOk];
    const ModelSummary summary = SummarizeModel(*model);
    EXPECT_EQ(summary.ops.size(), model->ops.size());
    StatusOr<std::vector<uint8_t>> written = WriteTflite(*model);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    StatusOr<Model> back = ReadTflite(*written);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == *model);
  }
  // Both outcomes occur: the corruption reaches the reader's checks, and harmless changes
  // (inside weights) still read.
  EXPECT_GT(outcomes[StatusCode::kOk], 0);
  EXPECT_GT(outcomes[StatusCode::kDataLoss], 0);
  int total = 0;
  for (const auto& [code, n] : outcomes) {
    total += n;
    std::printf("%-20s %d\n", std::string(StatusCodeName(code)).c_str(), n);
  }
  EXPECT_EQ(total, kVariants);
}

}  // namespace
}  // namespace segpipe
