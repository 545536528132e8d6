#include "priorities/most_requested_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using testing::Alice;
using testing::Gpu1;
using testing::Gpu2;
using testing::InfoOf;
using testing::MakeNode;
using testing::MakePod;
using testing::NoRequests;

TEST_CASE("MostRequestedPriority scores used cpu and memory", "[priorities][most_requested]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    int64_t want;
  };
  // Node 4 cpu / 8Gi; a running pod requests 2 cpu / 1Gi.
  const NodeInfo w1 = MakeNode("w1").Alloc("4", "8Gi").Info({MakePod().Req("2", "1Gi").Obj()});
  const NodeInfo empty = MakeNode("empty").Alloc("4", "8Gi").Info();
  const std::vector<Row> rows = {
      // gpu-1: 3000·100/8000 = 37, 10·100/32 = 31 → 68/2 = 34.
      {"running example gpu-1", Alice(), InfoOf(Gpu1()), 34},
      // gpu-2: 13000·100/16000 = 81, 26·100/64 = 40 → 121/2 = 60.
      {"running example gpu-2", Alice(), InfoOf(Gpu2()), 60},
      // cpu 3000·100/4000 = 75, memory 2·100/8 = 25 → 50.
      {"explicit", MakePod().Req("1", "1Gi").Obj(), w1, 50},
      // 100m/200Mi: cpu 2100·100/4000 = 52, memory 1224·100/8192 = 14 → 66/2 = 33.
      {"no requests", NoRequests(), w1, 33},
      // cpu 100·100/4000 = 2, memory 200·100/8192 = 2 → 2.
      {"no requests on an empty node", NoRequests(), empty, 2},
      // explicit "0" stays 0: 0, 0 → 0.
      {"explicit zero requests on an empty node", MakePod().Req("0", "0").Obj(), empty, 0},
      // Over capacity clamps (current form): cpu min(5000, 4000) → 100, memory 1·100/8 = 12
      // → 112/2 = 56.
      {"cpu over capacity clamps", MakePod().Req("5", "1Gi").Obj(), empty, 56},
      // cpu allocatable 0 skipped: memory 1·100/8 = 12.
      {"cpu allocatable 0 skipped", MakePod().Req("1", "1Gi").Obj(),
       MakeNode("memonly").Res("memory", "8Gi").Info(), 12},
      {"nothing allocatable", MakePod().Req("1", "1Gi").Obj(), MakeNode("none").Info(), 0},
  };
  const MostRequestedPriority plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Score(CycleState(), row.pod, row.node) == row.want); }
  }
}

TEST_CASE("MostRequestedPriority needs no normalisation", "[priorities][most_requested]") {
  const auto snapshot = nbsched::testing::MakeSnapshot({Gpu1(), Gpu2()});
  CHECK(testing::RunScores(MostRequestedPriority(), Alice(), *snapshot) ==
        std::vector<int64_t>{34, 60});
  CHECK(MostRequestedPriority().Name() == "MostRequestedPriority");
}

}  // namespace
}  // namespace nbsched::priorities
