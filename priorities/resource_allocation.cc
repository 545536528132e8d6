#include "priorities/resource_allocation.h"

#include <array>
#include <cmath>
#include <cstddef>

#include "scheduler/model/plugin.h"

namespace nbsched::priorities {
namespace {

// 1.13's schedulerapi.MaxPriority: legacy scores are computed on 0..10, as upstream did.
constexpr int64_t kLegacyMaxPriority = 10;

struct Pair {
  int64_t requested;
  int64_t allocatable;
};

std::array<Pair, 2> Pairs(CpuMemory requested, CpuMemory allocatable) {
  return {{{requested.milli_cpu, allocatable.milli_cpu}, {requested.memory, allocatable.memory}}};
}

}  // namespace

int64_t MostAllocatedScore(int64_t requested, int64_t allocatable) {
  if (allocatable == 0) return 0;
  // Clamped since upstream PR #102925 (1.13 gave 0 over capacity instead).
  if (requested > allocatable) requested = allocatable;
  return requested * kMaxNodeScore / allocatable;
}

int64_t BalancedStdScore(CpuMemory requested, CpuMemory allocatable) {
  std::array<double, 2> fractions{};
  size_t count = 0;
  for (const Pair& r : Pairs(requested, allocatable)) {
    if (r.allocatable == 0) continue;
    double fraction = static_cast<double>(r.requested) / static_cast<double>(r.allocatable);
    if (fraction > 1) fraction = 1;
    fractions[count++] = fraction;
  }
  // Upstream also has the population std-dev for three or more resources; with cpu and memory
  // only, at most two fractions exist.
  double std_dev = 0;
  if (count == 2) std_dev = std::abs((fractions[0] - fractions[1]) / 2);
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

int64_t LegacyBalancedScore(CpuMemory requested, CpuMemory allocatable) {
  auto fraction_of_capacity = [](int64_t req, int64_t capacity) {
    if (capacity == 0) return 1.0;
    return static_cast<double>(req) / static_cast<double>(capacity);
  };
  const double cpu = fraction_of_capacity(requested.milli_cpu, allocatable.milli_cpu);
  const double memory = fraction_of_capacity(requested.memory, allocatable.memory);
  if (cpu >= 1 || memory >= 1) return 0;
  const double diff = std::abs(cpu - memory);
  return static_cast<int64_t>((1 - diff) * static_cast<double>(kLegacyMaxPriority));
}

}  // namespace nbsched::priorities
