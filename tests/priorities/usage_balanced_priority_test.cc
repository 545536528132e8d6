#include "priorities/usage_balanced_priority.h"

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/model/node_usage.h"
#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using nbsched::testing::ContainerBuilder;
using testing::MakeNode;
using testing::MakePod;
using testing::NoRequests;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kGi = int64_t{1} << 30;

// A KubeSpawner notebook: guarantee 500m / 1Gi, limit 2 / 4Gi.
Pod Notebook(const std::string& name) {
  return MakePod()
      .Name(name)
      .Namespace("jhub")
      .Container(ContainerBuilder("notebook")
                     .Req("cpu", "500m")
                     .Req("memory", "1Gi")
                     .Limit("cpu", "2")
                     .Limit("memory", "4Gi")
                     .Obj())
      .Obj();
}

std::shared_ptr<const UsageTable> Table(int64_t cpu, int64_t memory, int64_t age_ms,
                                        bool with_pods = false) {
  auto t = std::make_shared<UsageTable>();
  t->nodes["w1"] = {cpu, memory, kNow - age_ms};
  t->max_age_ms = 120'000;
  t->fetched_unix_ms = kNow;
  if (with_pods) t->pods["jhub/some-other-pod"] = {10, 10, kNow - age_ms};
  return t;
}

TEST_CASE("UsageBalancedPriority scores measured usage plus the pod's",
          "[priorities][usage_balanced]") {
  struct Row {
    std::string name;
    std::optional<UsageContext> usage;  // nullopt: no usage source at all
    Pod pod;
    NodeInfo node;
    PluginArgs args;
    int64_t want;
  };
  // w1: 4 cpu / 8Gi, one running notebook (requests 500m / 1Gi, no usage annotation).
  const NodeInfo w1 = MakeNode("w1").Alloc("4", "8Gi").Info({Notebook("nb-a")});
  const NodeInfo busy = MakeNode("w1")
                            .Alloc("4", "8Gi")
                            .Info({MakePod()
                                       .Name("nb-busy")
                                       .Req("500m", "1Gi")
                                       .Annotation("nbsched.io/usage-cpu-milli", "2000")
                                       .Annotation("nbsched.io/usage-memory-mib", "4096")
                                       .Obj()});
  const UsageContext fresh{Table(1000, 2 * kGi, 1000), kNow};
  const std::vector<Row> rows = {
      // sample 1000m / 2Gi + pod 500m / 1Gi: cpu (4000−1500)·100/4000 = 62, mem (8−3)·100/8 = 62.
      {"fresh usage", fresh, Notebook("nb-new"), w1, {}, 62},
      // 200 s old > max age 120 s: requests, 500m + 500m → 75; 1Gi + 1Gi → 75.
      {"stale sample: from requests",
       UsageContext{Table(1000, 2 * kGi, 200'000), kNow},
       Notebook("nb-new"),
       w1,
       {},
       75},
      // Exactly max age is still fresh: 62 as above.
      {"sample exactly max age is fresh",
       UsageContext{Table(1000, 2 * kGi, 120'000), kNow},
       Notebook("nb-new"),
       w1,
       {},
       62},
      {"node missing from the table: from requests",
       UsageContext{Table(0, 0, 0), kNow},
       Notebook("nb-new"),
       MakeNode("w2").Alloc("4", "8Gi").Info({Notebook("nb-a")}),
       {},
       75},
      {"no usage source: from requests", std::nullopt, Notebook("nb-new"), w1, {}, 75},
      // Fallback counts annotations: 2000m + 500m → (4000−2500)·100/4000 = 37; 4Gi + 1Gi → 37.
      {"annotated running pod, no sample", std::nullopt, Notebook("nb-new"), busy, {}, 37},
      // A pod without requests adds nothing: cpu 1000 → 75, mem 2Gi → 75.
      {"pod without requests", fresh, NoRequests(), w1, {}, 75},
      // The table has pod samples but none for nb-a: bound after the poll, its 500m / 1Gi is
      // added: cpu 1000+500+500 → 50, mem 2+1+1 → 50.
      {"pod bound after the sample is added",
       UsageContext{Table(1000, 2 * kGi, 1000, true), kNow},
       Notebook("nb-new"),
       w1,
       {},
       50},
      // cpu 5000m + 500m ≥ 4000 → 0; mem 3Gi → 62; (0 + 62)/2 = 31.
      {"usage over allocatable",
       UsageContext{Table(5000, 2 * kGi, 1000), kNow},
       Notebook("nb-new"),
       w1,
       {},
       31},
      // podUsage limit at 50 %: pod 1000m / 2Gi: cpu 2000 → 50, mem 4Gi → 50.
      {"podUsage limit 50%",
       fresh,
       Notebook("nb-new"),
       w1,
       {{"podUsage", {"limit"}}, {"limitPercent", {"50"}}},
       50},
      // podUsage request ignores the incoming pod's annotation: as "fresh usage", 62.
      {"podUsage request",
       fresh,
       MakePod().Req("500m", "1Gi").Annotation("nbsched.io/usage-cpu-milli", "3000").Obj(),
       w1,
       {{"podUsage", {"request"}}},
       62},
      // podUsage expected reads it: cpu 1000+3000 → 0; mem 2Gi+1Gi → 62 → 31.
      {"podUsage expected reads the pod's annotation",
       fresh,
       MakePod().Req("500m", "1Gi").Annotation("nbsched.io/usage-cpu-milli", "3000").Obj(),
       w1,
       {},
       31},
      // Weights 3:1, sample 1000m / 6Gi: cpu 1500 → 62, mem 7Gi → 12; (3·62 + 12)/4 = 49.
      {"cpu weight 3",
       UsageContext{Table(1000, 6 * kGi, 1000), kNow},
       Notebook("nb-new"),
       w1,
       {{"cpuWeight", {"3"}}},
       49},
      // Only memory: 12 as above.
      {"memory only",
       UsageContext{Table(1000, 6 * kGi, 1000), kNow},
       Notebook("nb-new"),
       w1,
       {{"cpuWeight", {"0"}}},
       12},
      {"nothing allocatable", fresh, Notebook("nb-new"), MakeNode("w1").Info(), {}, 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto plugin = UsageBalancedPriority::Create(row.args);
      REQUIRE(plugin.ok());
      CycleState state;
      if (row.usage) state.Write(kUsageStateKey, *row.usage);
      CHECK((*plugin)->Score(state, row.pod, row.node) == row.want);
    }
  }
}

TEST_CASE("UsageBalancedPriority falls back per node and explains it",
          "[priorities][usage_balanced]") {
  const NodeInfo w1 = MakeNode("w1").Alloc("4", "8Gi").Info({Notebook("nb-a")});
  const NodeInfo w2 = MakeNode("w2").Alloc("4", "8Gi").Info({Notebook("nb-b")});
  const UsageContext usage{Table(1000, 2 * kGi, 1000), kNow};
  CHECK_FALSE(UsageOf(&usage, w1).from_requests);
  CHECK(UsageOf(&usage, w1).used == CpuMemory{1000, 2 * kGi});
  CHECK(UsageOf(&usage, w2).from_requests);
  CHECK(UsageOf(&usage, w2).used == CpuMemory{500, kGi});
  CHECK(UsageOf(nullptr, w1).used == CpuMemory{500, kGi});

  CycleState state;
  state.Write(kUsageStateKey, usage);
  const UsageBalancedPriority plugin;
  std::vector<std::pair<std::string, int64_t>> details;
  plugin.Explain(state, Notebook("nb-new"), w1, details);
  CHECK(details == std::vector<std::pair<std::string, int64_t>>{{"nodeCpuUsedMilli", 1000},
                                                                {"nodeMemoryUsedMiB", 2048},
                                                                {"podCpuMilli", 500},
                                                                {"podMemoryMiB", 1024}});
  CHECK(plugin.UsesUsage());
}

TEST_CASE("Pod expected usage and limits", "[priorities][usage_balanced]") {
  struct Row {
    std::string name;
    Pod pod;
    CpuMemory want_usage;
    CpuMemory want_limits;
    bool want_invalid;
  };
  const std::vector<Row> rows = {
      {"notebook: usage = requests, limits", Notebook("a"), {500, kGi}, {2000, 4 * kGi}, false},
      {"annotations win, each on its own",
       MakePod().Req("500m", "1Gi").Annotation("nbsched.io/usage-memory-mib", "300").Obj(),
       {500, 300 << 20},
       {500, kGi},
       false},
      {"bad annotation ignored and flagged",
       MakePod().Req("500m", "1Gi").Annotation("nbsched.io/usage-cpu-milli", "1.5").Obj(),
       {500, kGi},
       {500, kGi},
       true},
      {"negative annotation ignored",
       MakePod().Req("500m", "1Gi").Annotation("nbsched.io/usage-cpu-milli", "-1").Obj(),
       {500, kGi},
       {500, kGi},
       true},
      {"no requests, no limits", NoRequests(), {0, 0}, {0, 0}, false},
      // Two containers: one limited (2 cpu), one without a limit (its 1 cpu request counts).
      {"container without a limit counts its request",
       MakePod()
           .Container(ContainerBuilder("a").Req("cpu", "500m").Limit("cpu", "2").Obj())
           .Container(ContainerBuilder("b").Req("cpu", "1").Req("memory", "1Gi").Obj())
           .Obj(),
       {1500, kGi},
       {3000, kGi},
       false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(row.pod.expected_usage == row.want_usage);
      CHECK(row.pod.limits == row.want_limits);
      CHECK(row.pod.usage_annotation_invalid == row.want_invalid);
    }
  }
  // The node sums both.
  const NodeInfo n = MakeNode("n").Alloc("4", "8Gi").Info({Notebook("a"), Notebook("b")});
  CHECK(n.expected_usage() == CpuMemory{1000, 2 * kGi});
  CHECK(n.limits() == CpuMemory{4000, 8 * kGi});
  CHECK(n.WithPod(std::make_shared<const Pod>(Notebook("c")))->limits() ==
        CpuMemory{6000, 12 * kGi});
}

TEST_CASE("UsageBalancedPriority::Create validates its args", "[priorities][usage_balanced]") {
  struct Row {
    std::string name;
    PluginArgs args;
    std::string want_error;  // empty: accepted
  };
  const std::vector<Row> rows = {
      {"defaults", {}, ""},
      {"all args", {{"podUsage", {"limit"}}, {"limitPercent", {"30"}}, {"cpuWeight", {"2"}}}, ""},
      {"unknown arg",
       {{"target", {"1"}}},
       "UsageBalancedPriority: unknown arg \"target\" (want podUsage, limitPercent, cpuWeight or "
       "memoryWeight)"},
      {"bad podUsage",
       {{"podUsage", {"peak"}}},
       "UsageBalancedPriority: podUsage must be one of expected, request, limit (got \"peak\")"},
      {"limitPercent 0",
       {{"podUsage", {"limit"}}, {"limitPercent", {"0"}}},
       "UsageBalancedPriority: limitPercent must be one integer in 1..100 (got \"0\")"},
      {"limitPercent without limit",
       {{"limitPercent", {"50"}}},
       "UsageBalancedPriority: limitPercent applies only with podUsage: limit"},
      {"weight not a number",
       {{"memoryWeight", {"x"}}},
       "UsageBalancedPriority: memoryWeight must be one integer in 0..100 (got \"x\")"},
      {"both weights 0",
       {{"cpuWeight", {"0"}}, {"memoryWeight", {"0"}}},
       "UsageBalancedPriority: cpuWeight and memoryWeight cannot both be 0"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto plugin = UsageBalancedPriority::Create(row.args);
      if (row.want_error.empty()) {
        CHECK(plugin.ok());
      } else {
        REQUIRE_FALSE(plugin.ok());
        CHECK(std::string(plugin.status().message()) == row.want_error);
      }
    }
  }
}

}  // namespace
}  // namespace nbsched::priorities
