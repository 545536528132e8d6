#include "scheduler/model/gpu.h"

#include <algorithm>
#include <charconv>

#include "scheduler/model/resources.h"

namespace nbsched {

GpuDemand PodGpuDemandOfScalars(const Pod& pod) {
  const int64_t whole = pod.request.scalars.Get(kResourceNvidiaGpu);
  if (whole > 0) return {whole, kMilliPerGpu};
  const int64_t milli = pod.request.scalars.Get(kResourceGpuMilli);
  if (milli <= 0) return {};
  if (milli % kMilliPerGpu == 0) return {milli / kMilliPerGpu, kMilliPerGpu};
  if (milli > kMilliPerGpu) return {1, kMilliPerGpu + 1};  // can never fit one GPU
  return {1, static_cast<int32_t>(milli)};
}

std::optional<std::vector<int>> ParseGpuIndex(std::string_view text, int gpu_count) {
  std::vector<int> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int value = -1;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || value < 0 ||
        value >= gpu_count || std::find(out.begin(), out.end(), value) != out.end()) {
      return std::nullopt;
    }
    out.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string FormatGpuIndex(const std::vector<int>& gpus) {
  std::string out;
  for (size_t i = 0; i < gpus.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(gpus[i]);
  }
  return out;
}

int64_t GpuSlots::idle_milli() const {
  int64_t sum = 0;
  for (int32_t f : free_) sum += f;
  return sum;
}

int GpuSlots::fully_free() const {
  return static_cast<int>(std::count(free_.begin(), free_.end(), kMilliPerGpu));
}

bool GpuSlots::Fits(const GpuDemand& demand) const {
  if (demand.none()) return true;
  int64_t room = 0;
  for (int32_t f : free_) room += f >= demand.milli;
  return room >= demand.count;
}

std::vector<int> GpuSlots::Choose(const GpuDemand& demand) const {
  std::vector<int> out;
  if (demand.none()) return out;
  if (!demand.shared()) {
    for (int g = 0; g < gpu_count() && static_cast<int64_t>(out.size()) < demand.count; ++g) {
      if (free_[static_cast<size_t>(g)] == kMilliPerGpu) out.push_back(g);
    }
    if (static_cast<int64_t>(out.size()) < demand.count) out.clear();
    return out;
  }
  int best = -1;
  for (int g = 0; g < gpu_count(); ++g) {
    const int32_t f = free_[static_cast<size_t>(g)];
    if (f >= demand.milli && (best < 0 || f < free_[static_cast<size_t>(best)])) best = g;
  }
  if (best >= 0) out.push_back(best);
  return out;
}

bool GpuSlots::CanTake(const GpuDemand& demand, const std::vector<int>& gpus) const {
  if (static_cast<int64_t>(gpus.size()) != demand.count) return false;
  for (size_t i = 0; i < gpus.size(); ++i) {
    const int g = gpus[i];
    if (g < 0 || g >= gpu_count() || free_[static_cast<size_t>(g)] < demand.milli) return false;
    if (std::find(gpus.begin(), gpus.begin() + static_cast<std::ptrdiff_t>(i), g) !=
        gpus.begin() + static_cast<std::ptrdiff_t>(i)) {
      return false;
    }
  }
  return true;
}

void GpuSlots::Take(const GpuDemand& demand, const std::vector<int>& gpus) {
  for (int g : gpus) free_[static_cast<size_t>(g)] -= demand.milli;
}

}  // namespace nbsched
