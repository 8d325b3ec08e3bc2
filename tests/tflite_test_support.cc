// See tflite_test_support.h.
#include "tflite_test_support.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <memory>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace segpipe::testing_support {
namespace fs = std::filesystem;

std::string SharedPath(const std::string& relative) {
  return (fs::path(SEGPIPE_SHARED_DIR) / relative).string();
}

std::vector<std::string> CorpusModelPaths() {
  std::vector<std::string> paths;
  const fs::path root = fs::path(SEGPIPE_SHARED_DIR) / "models";
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(root, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".tflite")
      paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

namespace {

StatusOr<std::vector<uint8_t>> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(fmt::format("{}: cannot open", path));
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint32_t Le32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}

}  // namespace

StatusOr<Image> ReadBmp(const std::string& path) {
  SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> b, ReadAll(path));
  if (b.size() < 54 || b[0] != 'B' || b[1] != 'M') return DataLossError(path + ": not a BMP file");
  const uint32_t data_offset = Le32(b, 10);
  const uint32_t header_size = Le32(b, 14);
  const int32_t width = static_cast<int32_t>(Le32(b, 18));
  const int32_t raw_height = static_cast<int32_t>(Le32(b, 22));
  const int bpp = b[28] | b[29] << 8;
  const uint32_t compression = Le32(b, 30);
  if (compression != 0 && compression != 3) return UnimplementedError(path + ": compressed BMP");
  if (bpp != 24 && bpp != 32 && bpp != 8) return UnimplementedError(fmt::format("{}: {} bpp BMP", path, bpp));
  const bool bottom_up = raw_height > 0;
  const int height = std::abs(raw_height);
  const size_t row_bytes = (static_cast<size_t>(width) * bpp / 8 + 3) / 4 * 4;
  if (width <= 0 || height <= 0 || data_offset + row_bytes * height > b.size())
    return DataLossError(path + ": truncated BMP");
  Image img;
  img.width = width;
  img.height = height;
  img.channels = bpp == 8 ? 1 : 3;
  img.pixels.resize(static_cast<size_t>(width) * height * img.channels);
  const size_t palette = 14 + header_size;
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = &b[data_offset + row_bytes * (bottom_up ? height - 1 - y : y)];
    for (int x = 0; x < width; ++x) {
      uint8_t* out = &img.pixels[(static_cast<size_t>(y) * width + x) * img.channels];
      if (bpp == 8) {
        out[0] = palette + 4 * row[x] + 2 < b.size() ? b[palette + 4 * row[x]] : row[x];
      } else {
        const uint8_t* px = row + x * (bpp / 8);
        out[0] = px[2];  // stored as BGR(A)
        out[1] = px[1];
        out[2] = px[0];
      }
    }
  }
  return img;
}

Image ResizeBilinear(const Image& image, int width, int height) {
  Image out;
  out.width = width;
  out.height = height;
  out.channels = image.channels;
  out.pixels.resize(static_cast<size_t>(width) * height * image.channels);
  const float scale_y = static_cast<float>(image.height) / height;
  const float scale_x = static_cast<float>(image.width) / width;
  auto at = [&](int y, int x, int c) {
    return static_cast<float>(image.pixels[(static_cast<size_t>(y) * image.width + x) * image.channels + c]);
  };
  for (int y = 0; y < height; ++y) {
    const float in_y = (y + 0.5f) * scale_y - 0.5f;
    const int y0 = std::max(static_cast<int>(std::floor(in_y)), 0);
    const int y1 = std::min(static_cast<int>(std::ceil(in_y)), image.height - 1);
    const float dy = in_y - std::floor(in_y);
    for (int x = 0; x < width; ++x) {
      const float in_x = (x + 0.5f) * scale_x - 0.5f;
      const int x0 = std::max(static_cast<int>(std::floor(in_x)), 0);
      const int x1 = std::min(static_cast<int>(std::ceil(in_x)), image.width - 1);
      const float dx = in_x - std::floor(in_x);
      for (int c = 0; c < image.channels; ++c) {
        const float v = at(y0, x0, c) * (1 - dy) * (1 - dx) + at(y0, x1, c) * (1 - dy) * dx +
                        at(y1, x0, c) * dy * (1 - dx) + at(y1, x1, c) * dy * dx;
        out.pixels[(static_cast<size_t>(y) * width + x) * image.channels + c] =
            static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
      }
    }
  }
  return out;
}

StatusOr<std::vector<std::vector<std::vector<uint8_t>>>> RunReferenceRuntime(
    const std::string& model_path, const std::vector<std::vector<std::vector<uint8_t>>>& input_sets,
    const std::string& work_dir) {
  const fs::path node_dir = fs::path(SEGPIPE_SOURCE_DIR) / "tests" / "node";
  const fs::path dir(work_dir);
  const fs::path log = dir / "stderr.txt";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "in");
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string cmd = fmt::format("sh '{}' 2> '{}'", (node_dir / "ensure.sh").string(), log.string());
  if (std::system(cmd.c_str()) != 0)
    return UnavailableError("installing the Node packages of the TFLite reference runtime failed "
                            "(tests/node/ensure.sh needs node, npm and the npm registry): " + slurp(log));
  for (size_t k = 0; k < input_sets.size(); ++k) {
    const fs::path set = dir / "in" / fmt::format("{:04}", k);
    fs::create_directories(set);
    for (size_t i = 0; i < input_sets[k].size(); ++i) {
      std::ofstream out(set / fmt::format("input{}.bin", i), std::ios::binary);
      out.write(reinterpret_cast<const char*>(input_sets[k][i].data()),
                static_cast<std::streamsize>(input_sets[k][i].size()));
    }
  }
  cmd = fmt::format("node '{}' '{}' '{}' '{}' 2> '{}'", (node_dir / "tflite_run.mjs").string(),
                    model_path, (dir / "in").string(), (dir / "out").string(), log.string());
  if (std::system(cmd.c_str()) != 0)
    return UnavailableError(fmt::format("the TFLite runtime failed on {}: {}", model_path, slurp(log)));
  std::vector<std::vector<std::vector<uint8_t>>> outputs(input_sets.size());
  for (size_t k = 0; k < input_sets.size(); ++k) {
    for (int j = 0;; ++j) {
      const fs::path file = dir / "out" / fmt::format("{:04}", k) / fmt::format("output{}.bin", j);
      if (!fs::exists(file)) break;
      SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadAll(file.string()));
      outputs[k].push_back(std::move(bytes));
    }
  }
  return outputs;
}

std::string RunCli(const std::string& args, int* exit_code) {
  const std::string cmd = fmt::format("'{}/segpipe' {} 2>&1", SEGPIPE_BINARY_DIR, args);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  const int status = pclose(pipe.release());
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace segpipe::testing_support
