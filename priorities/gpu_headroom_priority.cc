#include "priorities/gpu_headroom_priority.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "scheduler/model/gpu.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kCpuKey = "cpuPerGpu";
constexpr std::string_view kMemoryKey = "memoryPerGpu";
constexpr std::string_view kScaleKey = "scale";
constexpr int64_t kMiB = 1024 * 1024;

absl::Status BadArg(std::string_view key, std::string_view want, std::string_view got) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(GPUHeadroomPriority::kName), ": ",
                                                 std::string(key), " must be ", std::string(want),
                                                 " (got \"", std::string(got), "\")"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<const ScorePlugin>> GPUHeadroomPriority::Create(
    const PluginArgs& args) {
  int64_t cpu = 10800;
  int64_t memory = 0;
  double scale = 1000;
  for (const auto& [key, values] : args) {
    const std::string v = values.size() == 1 ? values[0] : std::string();
    const char* end = v.data() + v.size();
    if (key == kCpuKey || key == kMemoryKey) {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), end, n);
      const bool ok = !v.empty() && ec == std::errc() && p == end && n >= (key == kCpuKey ? 1 : 0);
      if (!ok) return BadArg(key, key == kCpuKey ? "one positive integer" : "one integer >= 0", v);
      (key == kCpuKey ? cpu : memory) = n;
    } else if (key == kScaleKey) {
      auto [p, ec] = std::from_chars(v.data(), end, scale);
      if (v.empty() || ec != std::errc() || p != end || !(scale > 0) || !std::isfinite(scale)) {
        return BadArg(key, "one positive number", v);
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(std::string(kName), ": unknown arg \"", key,
                                                     "\" (want cpuPerGpu, memoryPerGpu or scale)"));
    }
  }
  return std::make_unique<const GPUHeadroomPriority>(cpu, memory, scale);
}

double GPUHeadroomPriority::Stranded(int64_t idle_milli, int64_t cpu_left,
                                     int64_t mem_left_bytes) const {
  double reachable = 1000.0 * static_cast<double>(std::max<int64_t>(cpu_left, 0)) /
                     static_cast<double>(cpu_per_gpu_);
  if (memory_per_gpu_mib_ > 0) {
    const double by_memory = 1000.0 * static_cast<double>(std::max<int64_t>(mem_left_bytes, 0)) /
                             static_cast<double>(memory_per_gpu_mib_ * kMiB);
    reachable = std::min(reachable, by_memory);
  }
  return std::max(0.0, static_cast<double>(idle_milli) - reachable);
}

int64_t GPUHeadroomPriority::Score(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  const GpuSlots& slots = node.gpus();
  const GpuDemand demand = PodGpuDemand(pod);
  const int64_t cpu_left = node.allocatable().milli_cpu - node.requested().milli_cpu;
  const int64_t mem_left = node.allocatable().memory - node.requested().memory;
  const int64_t cpu_after = cpu_left - pod.request.milli_cpu;
  const int64_t mem_after = mem_left - pod.request.memory;
  if (cpu_after < 0 || mem_after < 0 || (!demand.none() && !slots.Fits(demand))) return 0;
  if (slots.gpu_count() == 0) return kMaxNodeScore / 2;
  const int64_t idle = slots.idle_milli();
  const double before = Stranded(idle, cpu_left, mem_left);
  const double after = Stranded(idle - demand.total_milli(), cpu_after, mem_after);
  const double sigma = 1.0 / (1.0 + std::exp(-(before - after) / scale_));
  return static_cast<int64_t>(100.0 * sigma);  // σ first, then ×100, truncated (as FGD)
}

}  // namespace nbsched::priorities
