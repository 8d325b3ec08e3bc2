// SVG drawing of a plan (see plan_svg.h). Plain SVG 1.1 elements, no scripts or external
// resources, so any browser or viewer shows it.
#include "plan_svg.h"

#include <fmt/format.h>

#include <algorithm>

namespace segpipe::cli {
namespace {

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MiB(int64_t bytes) {
  return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

std::string PlanSvg(const Plan& plan, const EdgeTpuSpec& spec, const std::string& title) {
  constexpr int kLabel = 170, kBar = 300, kGap = 40, kRow = 56, kTop = 70;
  const int rows = static_cast<int>(plan.segments.size());
  const int width = kLabel + 2 * kBar + 2 * kGap + 20;
  const int height = kTop + rows * kRow + 40;
  // Bytes are drawn against the capacity, or against the largest stage when one overflows it.
  int64_t bytes_scale = spec.on_chip_capacity_bytes;
  double time_scale = plan.period_ms;
  for (const SegmentProfile& p : plan.segments) {
    bytes_scale = std::max(bytes_scale, p.on_chip_bytes + p.off_chip_bytes);
    time_scale = std::max(time_scale, p.stage_ms);
  }
  const double bytes_px =
      static_cast<double>(kBar) / static_cast<double>(std::max<int64_t>(bytes_scale, 1));
  const double time_px = time_scale > 0 ? kBar / time_scale : 0;
  const int bytes_x = kLabel, time_x = kLabel + kBar + kGap;

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">{}: {} ({})</text>\n"
      "<text x=\"{}\" y=\"50\">parameters: on chip (blue), off chip (orange); line = on-chip "
      "capacity {}</text>\n"
      "<text x=\"{}\" y=\"50\">stage time; line = bottleneck {:.4f} ms</text>\n",
      width, height, width, height, Escape(title), Escape(title),
      Escape(std::string(StrategyName(plan.strategy))), Escape(ObjectiveName(plan.objective)),
      bytes_x, MiB(spec.on_chip_capacity_bytes), time_x, plan.period_ms);
  for (int k = 0; k < rows; ++k) {
    const Segment& s = plan.partition.segments[static_cast<size_t>(k)];
    const SegmentProfile& p = plan.segments[static_cast<size_t>(k)];
    const int y = kTop + k * kRow;
    std::string device = DeviceName(s.device);
    if (s.replicas > 1) device += fmt::format(" x{}", s.replicas);
    svg += fmt::format("<g class=\"stage\" id=\"stage{}\">\n", k + 1);
    svg +=
        fmt::format("<text x=\"10\" y=\"{}\">stage {}: {}</text>\n", y + 16, k + 1, Escape(device));
    svg += fmt::format("<text x=\"10\" y=\"{}\" fill=\"#555\">ops {}-{}</text>\n", y + 32,
                       s.first_op, s.last_op);
    const bool tpu = IsEdgeTpu(s.device.kind);
    if (tpu) {
      const double on = static_cast<double>(p.on_chip_bytes) * bytes_px;
      const double off = static_cast<double>(p.off_chip_bytes) * bytes_px;
      svg +=
          fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"20\" fill=\"#4878d0\"/>\n",
                      bytes_x, y + 4, on);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"20\" fill=\"#ee854a\"/>\n",
          bytes_x + on, y + 4, off);
      const double cap = static_cast<double>(spec.on_chip_capacity_bytes) * bytes_px;
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"black\" "
          "stroke-dasharray=\"3,2\"/>\n",
          bytes_x + cap, y, bytes_x + cap, y + 28);
      svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{} on chip, {} off chip</text>\n",
                         bytes_x, y + 40, MiB(p.on_chip_bytes), MiB(p.off_chip_bytes));
    } else {
      svg +=
          fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">CPU stage: no on-chip memory</text>\n",
                      bytes_x, y + 18);
    }
    const bool bottleneck = p.stage_ms >= plan.period_ms * 0.999;
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"20\" fill=\"{}\"/>\n",
                       time_x, y + 4, p.stage_ms * time_px, bottleneck ? "#d65f5f" : "#6acc64");
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"black\" "
        "stroke-dasharray=\"3,2\"/>\n",
        time_x + plan.period_ms * time_px, y, time_x + plan.period_ms * time_px, y + 28);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{:.4f} ms{}</text>\n", time_x, y + 40,
                       p.stage_ms, bottleneck ? " (bottleneck)" : "");
    svg += "</g>\n";
  }
  svg += fmt::format(
      "<text x=\"10\" y=\"{}\">{:.4f} ms per inference, {:.1f} inferences/s</text>\n", height - 14,
      plan.time_per_inference_ms, plan.period_ms > 0 ? 1000.0 / plan.period_ms : 0.0);
  svg += "</svg>\n";
  return svg;
}

}  // namespace segpipe::cli
