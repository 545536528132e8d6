#pragma once

/// Scoring math shared by the resource priorities (upstream noderesources/resource_allocation.go):
/// a per-resource score over cpu and memory, combined as a weighted mean. Pure functions,
/// thread-safe, allocation-free (they run once per feasible node).

#include <cstdint>

#include "scheduler/model/plugin.h"
#include "scheduler/model/resources.h"

namespace nbsched::priorities {

/// The two resources the cpu/memory priorities read: cpu in millicores, memory in bytes. Copying
/// a whole `Resources` would copy its scalar map (an allocation per node), so scores use this.
using CpuMemory = nbsched::CpuMemory;

inline CpuMemory CpuMemoryOf(const Resources& r) { return {r.milli_cpu, r.memory}; }
/// node aggregate + pod request, saturating.
inline CpuMemory CpuMemorySum(const Resources& node, const Resources& pod) {
  return {SaturatingAdd(node.milli_cpu, pod.milli_cpu), SaturatingAdd(node.memory, pod.memory)};
}

/// Per-resource score from `requested` and a non-zero `allocatable`, in 0..kMaxNodeScore.
using ResourceScorer = int64_t (*)(int64_t requested, int64_t allocatable);

/// Upstream leastRequestedScore: (allocatable − requested)·100/allocatable, 0 when over capacity.
/// Inline, with CpuMemoryMean: they run for every feasible node of every request.
inline int64_t LeastAllocatedScore(int64_t requested, int64_t allocatable) {
  if (allocatable == 0 || requested > allocatable) return 0;
  return (allocatable - requested) * kMaxNodeScore / allocatable;  // integer division, as upstream
}
/// Upstream mostRequestedScore: min(requested, allocatable)·100/allocatable.
int64_t MostAllocatedScore(int64_t requested, int64_t allocatable);

/// Σ s_r·w_r / Σ w_r over cpu and memory (weights 1, as upstream's default `cpu:1, memory:1`),
/// integer division. A resource whose allocatable is 0 is skipped; 0 if none is left.
inline int64_t CpuMemoryMean(CpuMemory requested, CpuMemory allocatable, ResourceScorer scorer) {
  constexpr int64_t kWeight = 1;  // upstream default resources: cpu:1, memory:1
  int64_t node_score = 0;
  int64_t weight_sum = 0;
  if (allocatable.milli_cpu != 0) {
    node_score += scorer(requested.milli_cpu, allocatable.milli_cpu) * kWeight;
    weight_sum += kWeight;
  }
  if (allocatable.memory != 0) {
    node_score += scorer(requested.memory, allocatable.memory) * kWeight;
    weight_sum += kWeight;
  }
  if (weight_sum == 0) return 0;
  return node_score / weight_sum;
}

/// Upstream balancedResourceScorer (std-dev form, v1.22+) over cpu and memory: fractions
/// min(1, requested/allocatable), skipping resources with allocatable 0; for two fractions the
/// std is |f1 − f2|/2; score trunc((1 − std)·100).
int64_t BalancedStdScore(CpuMemory requested, CpuMemory allocatable);

/// 1.13 balancedResourceScorer on the 0..10 scale: fraction req/alloc (alloc 0 → 1.0); 0 when a
/// fraction is ≥ 1, else trunc((1 − |f_cpu − f_mem|)·10).
int64_t LegacyBalancedScore(CpuMemory requested, CpuMemory allocatable);

}  // namespace nbsched::priorities
