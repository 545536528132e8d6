#include "priorities/resource_allocation.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace nbsched::priorities {
namespace {

TEST_CASE("Per-resource scorers use integer division", "[priorities][resource_allocation]") {
  struct Row {
    std::string name;
    ResourceScorer scorer;
    int64_t requested;
    int64_t allocatable;
    int64_t want;
  };
  const std::vector<Row> rows = {
      {"least: 5000·100/8000 = 62.5 → 62", LeastAllocatedScore, 3000, 8000, 62},
      {"least: full → 0", LeastAllocatedScore, 8000, 8000, 0},
      {"least: over → 0", LeastAllocatedScore, 8001, 8000, 0},
      {"least: empty → 100", LeastAllocatedScore, 0, 8000, 100},
      {"least: allocatable 0 → 0", LeastAllocatedScore, 0, 0, 0},
      {"most: 3000·100/8000 = 37.5 → 37", MostAllocatedScore, 3000, 8000, 37},
      {"most: over clamps → 100", MostAllocatedScore, 9000, 8000, 100},
      {"most: empty → 0", MostAllocatedScore, 0, 8000, 0},
      {"most: allocatable 0 → 0", MostAllocatedScore, 5, 0, 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(row.scorer(row.requested, row.allocatable) == row.want); }
  }
}

TEST_CASE("CpuMemoryMean averages the kept resources", "[priorities][resource_allocation]") {
  constexpr int64_t kGi = int64_t{1} << 30;
  struct Row {
    std::string name;
    CpuMemory requested;
    CpuMemory allocatable;
    int64_t want;
  };
  const std::vector<Row> rows = {
      // (62 + 68) / 2 = 65.
      {"both kept", {3000, 10 * kGi}, {8000, 32 * kGi}, 65},
      // only memory: 68.
      {"cpu skipped", {3000, 10 * kGi}, {0, 32 * kGi}, 68},
      // only cpu: 62.
      {"memory skipped", {3000, 10 * kGi}, {8000, 0}, 62},
      {"none kept → 0", {3000, 10 * kGi}, {0, 0}, 0},
      // cpu 100, memory (2^30 − 1)·100/2^30 = 99 → 199/2 = 99.
      {"integer mean", {0, 1}, {8000, 1 * kGi}, 99},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(CpuMemoryMean(row.requested, row.allocatable, LeastAllocatedScore) == row.want);
    }
  }
}

TEST_CASE("CpuMemorySum saturates", "[priorities][resource_allocation]") {
  Resources node;
  node.milli_cpu = INT64_MAX - 1;
  node.memory = 5;
  Resources pod;
  pod.milli_cpu = 10;
  pod.memory = 7;
  const CpuMemory sum = CpuMemorySum(node, pod);
  CHECK(sum.milli_cpu == INT64_MAX);
  CHECK(sum.memory == 12);
  // Over capacity whatever the size: least 0, most 100.
  CHECK(CpuMemoryMean(sum, {4000, 0}, LeastAllocatedScore) == 0);
  CHECK(CpuMemoryMean(sum, {4000, 0}, MostAllocatedScore) == 100);
}

TEST_CASE("Balanced scorers", "[priorities][resource_allocation]") {
  constexpr int64_t kGi = int64_t{1} << 30;
  // Running example (kubernetes-semantics.md §5.7).
  CHECK(BalancedStdScore({3000, 10 * kGi}, {8000, 32 * kGi}) == 96);
  CHECK(BalancedStdScore({13000, 26 * kGi}, {16000, 64 * kGi}) == 79);
  CHECK(LegacyBalancedScore({3000, 10 * kGi}, {8000, 32 * kGi}) == 9);
  CHECK(LegacyBalancedScore({13000, 26 * kGi}, {16000, 64 * kGi}) == 5);
  // Both over capacity: current caps both at 1 → 100; legacy 0.
  CHECK(BalancedStdScore({9000, 40 * kGi}, {8000, 32 * kGi}) == 100);
  CHECK(LegacyBalancedScore({9000, 40 * kGi}, {8000, 32 * kGi}) == 0);
  // Nothing allocatable: current keeps no fraction → 100; legacy fractions 1.0 → 0.
  CHECK(BalancedStdScore({0, 0}, {0, 0}) == 100);
  CHECK(LegacyBalancedScore({0, 0}, {0, 0}) == 0);
}

}  // namespace
}  // namespace nbsched::priorities
