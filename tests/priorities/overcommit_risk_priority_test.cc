#include "priorities/overcommit_risk_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using nbsched::testing::ContainerBuilder;
using testing::MakeNode;
using testing::MakePod;
using testing::NoRequests;

Pod Limited(const std::string& req_cpu, const std::string& req_mem, const std::string& lim_cpu,
            const std::string& lim_mem) {
  return MakePod()
      .Container(ContainerBuilder("c")
                     .Req("cpu", req_cpu)
                     .Req("memory", req_mem)
                     .Limit("cpu", lim_cpu)
                     .Limit("memory", lim_mem)
                     .Obj())
      .Obj();
}

TEST_CASE("OvercommitRiskPriority scores limits over allocatable",
          "[priorities][overcommit_risk]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    PluginArgs args;
    int64_t want;
  };
  const Pod notebook = Limited("500m", "1Gi", "2", "4Gi");
  // 4 cpu / 8Gi, one notebook running (limits 2 / 4Gi).
  const NodeInfo w1 = MakeNode("w1").Alloc("4", "8Gi").Info({notebook});
  const std::vector<Row> rows = {
      // cpu limits 2000+2000 → ρ = 1000‰; M = 400 % → zero at 4000‰: (4000−1000)·100/4000 = 75;
      // memory 4+4 = 8Gi → 1000‰ → 75; min 75.
      {"notebook on a notebook", notebook, w1, {}, 75},
      // Running limits 20 cpu: 22000·1000/4000 = 5500‰ ≥ 4000 → 0; memory 75; the worse: 0.
      {"limits far above allocatable",
       notebook,
       MakeNode("w1").Alloc("4", "8Gi").Info({Limited("500m", "1Gi", "20", "4Gi")}),
       {},
       0},
      // No limits anywhere: the requests count: cpu 1000+500 = 1500 → 375‰ →
      // 3625·100/4000 = 90; memory 2Gi+1Gi → 375‰ → 90.
      {"containers without limits count their requests",
       MakePod().Req("500m", "1Gi").Obj(),
       MakeNode("w1").Alloc("4", "8Gi").Info({MakePod().Req("1", "2Gi").Obj()}),
       {},
       90},
      // A best-effort pod on an empty node: nothing promised → 100.
      {"pod without requests, empty node",
       NoRequests(),
       MakeNode("e").Alloc("4", "8Gi").Info(),
       {},
       100},
      // ... on w1: only w1's limits, 500‰ → 87 on both.
      {"pod without requests on w1", NoRequests(), w1, {}, 87},
      // Memory decides: cpu 1000+2000 = 3000 → 750‰ → 81; memory 16+4 = 20Gi → 2500‰ → 37.
      {"memory risk decides",
       notebook,
       MakeNode("w1").Alloc("4", "8Gi").Info({Limited("500m", "1Gi", "1", "16Gi")}),
       {},
       37},
      // maxLimitPercent 200: zero at 2000‰: (2000−1000)·100/2000 = 50.
      {"maxLimitPercent 200", notebook, w1, {{"maxLimitPercent", {"200"}}}, 50},
      // cpu allocatable 0: memory only (75).
      {"cpu allocatable 0 skipped",
       notebook,
       MakeNode("m").Res("memory", "8Gi").Info({notebook}),
       {},
       75},
      {"nothing allocatable", notebook, MakeNode("none").Info(), {}, 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto plugin = OvercommitRiskPriority::Create(row.args);
      REQUIRE(plugin.ok());
      CHECK((*plugin)->Score(CycleState(), row.pod, row.node) == row.want);
    }
  }
  std::vector<std::pair<std::string, int64_t>> details;
  OvercommitRiskPriority().Explain(CycleState(), notebook, w1, details);
  CHECK(details == std::vector<std::pair<std::string, int64_t>>{{"cpuLimitPermille", 1000},
                                                                {"memoryLimitPermille", 1000}});
  CHECK(OvercommitRiskPriority::LimitPermille(INT64_MAX, 1, 4000) == INT64_MAX);
}

TEST_CASE("OvercommitRiskPriority::Create validates its args", "[priorities][overcommit_risk]") {
  CHECK(OvercommitRiskPriority::Create({}).ok());
  CHECK(OvercommitRiskPriority::Create({{"maxLimitPercent", {"101"}}}).ok());
  const auto low = OvercommitRiskPriority::Create({{"maxLimitPercent", {"100"}}});
  REQUIRE_FALSE(low.ok());
  CHECK(std::string(low.status().message()) ==
        "OvercommitRiskPriority: maxLimitPercent must be one integer in 101..10000 (got \"100\")");
  const auto unknown = OvercommitRiskPriority::Create({{"weight", {"1"}}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(std::string(unknown.status().message()) ==
        "OvercommitRiskPriority: unknown arg \"weight\" (want maxLimitPercent)");
}

}  // namespace
}  // namespace nbsched::priorities
