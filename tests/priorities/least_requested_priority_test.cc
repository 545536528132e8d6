#include "priorities/least_requested_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using testing::Alice;
using testing::Cpu1;
using testing::Gpu1;
using testing::Gpu2;
using testing::InfoOf;
using testing::MakeNode;
using testing::MakePod;
using testing::NoRequests;

TEST_CASE("LeastRequestedPriority scores free cpu and memory", "[priorities][least_requested]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    int64_t want;
  };
  // Node 4 cpu / 8Gi; a running pod requests 2 cpu / 1Gi (STYLE.md §6).
  const NodeInfo w1 = MakeNode("w1").Alloc("4", "8Gi").Info({MakePod().Req("2", "1Gi").Obj()});
  const NodeInfo empty = MakeNode("empty").Alloc("4", "8Gi").Info();
  const std::vector<Row> rows = {
      // gpu-1: cpu (8000−3000)·100/8000 = 62, memory (32−10)·100/32 = 68 → 130/2 = 65.
      {"running example gpu-1", Alice(), InfoOf(Gpu1()), 65},
      // gpu-2: cpu 3000·100/16000 = 18, memory 38·100/64 = 59 → 77/2 = 38.
      {"running example gpu-2", Alice(), InfoOf(Gpu2()), 38},
      // cpu-1: cpu 1500m, memory 3Gi used: (4000−2500)·100/4000 = 37, (8−5)·100/8 = 37 → 37.
      {"running example cpu-1", Alice(), InfoOf(Cpu1()), 37},
      // cpu 1000·100/4000 = 25, memory 6·100/8 = 75 → 50.
      {"explicit", MakePod().Req("1", "1Gi").Obj(), w1, 50},
      // 100m/200Mi: cpu 1900·100/4000 = 47, memory 6968·100/8192 = 85 → 132/2 = 66.
      {"no requests", NoRequests(), w1, 66},
      // An explicit "0" is not defaulted: cpu 100, memory 100 → 100.
      {"explicit zero requests on an empty node", MakePod().Req("0", "0").Obj(), empty, 100},
      // Defaults on both sides: running pod 100m/200Mi + pod 100m/200Mi: cpu 3800·100/4000 = 95,
      // memory (8192−400)·100/8192 = 95 → 95.
      {"request-less pods on both sides", NoRequests(),
       MakeNode("n").Alloc("4", "8Gi").Info({NoRequests()}), 95},
      // cpu over capacity → 0; memory (8−3)·100/8 = 62 → 62/2 = 31.
      {"cpu over capacity", MakePod().Req("3", "2Gi").Obj(), w1, 31},
      // Exactly full cpu is not over: 0; memory 62 → 31.
      {"cpu exactly full", MakePod().Req("2", "2Gi").Obj(), w1, 31},
      // cpu allocatable 0 is skipped: memory only, (8−1)·100/8 = 87.
      {"cpu allocatable 0 skipped", MakePod().Req("1", "1Gi").Obj(),
       MakeNode("memonly").Res("memory", "8Gi").Info(), 87},
      // Neither cpu nor memory allocatable: no resource left → 0.
      {"nothing allocatable", MakePod().Req("1", "1Gi").Obj(), MakeNode("none").Info(), 0},
      // GPUs do not count: cpu (8000−1000)·100/8000 = 87, memory 30·100/32 = 93 → 180/2 = 90.
      {"extended resources ignored", Alice(), MakeNode("g").Alloc("8", "32Gi").Gpus(4).Info(), 90},
  };
  const LeastRequestedPriority plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Score(CycleState(), row.pod, row.node) == row.want); }
  }
}

TEST_CASE("LeastRequestedPriority needs no normalisation", "[priorities][least_requested]") {
  const auto snapshot = nbsched::testing::MakeSnapshot({Gpu1(), Gpu2()});
  CHECK(testing::RunScores(LeastRequestedPriority(), Alice(), *snapshot) ==
        std::vector<int64_t>{65, 38});
  CHECK(LeastRequestedPriority().Name() == "LeastRequestedPriority");
}

}  // namespace
}  // namespace nbsched::priorities
