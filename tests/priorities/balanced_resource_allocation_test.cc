#include "priorities/balanced_resource_allocation.h"

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
using Form = BalancedResourceAllocation::Form;

TEST_CASE("BalancedResourceAllocation scores cpu/memory balance",
          "[priorities][balanced_resource_allocation]") {
  struct Row {
    std::string name;
    Form form;
    Pod pod;
    NodeInfo node;
    int64_t want;
  };
  const NodeInfo empty = MakeNode("empty").Alloc("4", "8Gi").Info();
  // 1 cpu / 1Gi with a request-less pod running: real requests 0/0, defaults 100m/200Mi.
  const NodeInfo small = MakeNode("small").Alloc("1", "1Gi").Info({NoRequests()});
  // Regular container 1 cpu / 2Gi, init container 4 cpu / 1Gi.
  const Pod with_init =
      MakePod()
          .Req("1", "2Gi")
          .InitContainer(
              nbsched::testing::ContainerBuilder("init").Req("cpu", "4").Req("memory", "1Gi").Obj())
          .Obj();
  const NodeInfo big = MakeNode("big").Alloc("8", "32Gi").Info();
  const std::vector<Row> rows = {
      // f = 3000/8000 = 0.375, 10/32 = 0.3125 → std 0.03125 → 96.875 → 96.
      {"current: running example gpu-1", Form::kCurrent, Alice(), InfoOf(Gpu1()), 96},
      // f = 0.8125, 0.40625 → std 0.203125 → 79.6875 → 79.
      {"current: running example gpu-2", Form::kCurrent, Alice(), InfoOf(Gpu2()), 79},
      // |0.375 − 0.3125| = 0.0625 → 9.375 → 9 → ×10 = 90.
      {"legacy: running example gpu-1", Form::kLegacy, Alice(), InfoOf(Gpu1()), 90},
      // 0.40625 → 5.9375 → 5 → ×10 = 50.
      {"legacy: running example gpu-2", Form::kLegacy, Alice(), InfoOf(Gpu2()), 50},
      // Real requests: f = 0, 0 → std 0 → 100 (defaults would give 0.2, 0.390625 → 90).
      {"current: no defaults", Form::kCurrent, NoRequests(), small, 100},
      // Defaults: f = 200/1000 = 0.2, 400Mi/1024Mi = 0.390625 → 1 − 0.190625 → 8.09 → 8 → 80.
      {"legacy: defaults included", Form::kLegacy, NoRequests(), small, 80},
      // f cpu = min(1, 8000/4000) = 1, memory 1/8 = 0.125 → std 0.4375 → 56.25 → 56.
      {"current: over capacity capped at 1", Form::kCurrent, MakePod().Req("8", "1Gi").Obj(), empty,
       56},
      // f cpu = 2 ≥ 1 → 0.
      {"legacy: over capacity is 0", Form::kLegacy, MakePod().Req("8", "1Gi").Obj(), empty, 0},
      // f cpu = 4000/4000 = 1 ≥ 1 → 0 (current: std (1 − 0.125)/2 = 0.4375 → 56).
      {"legacy: exactly full is 0", Form::kLegacy, MakePod().Req("4", "1Gi").Obj(), empty, 0},
      {"current: exactly full", Form::kCurrent, MakePod().Req("4", "1Gi").Obj(), empty, 56},
      // cpu allocatable 0 skipped: one fraction → std 0 → 100.
      {"current: cpu allocatable 0 skipped", Form::kCurrent, MakePod().Req("1", "1Gi").Obj(),
       MakeNode("memonly").Res("memory", "8Gi").Info(), 100},
      // alloc 0 → fraction 1.0 → 0.
      {"legacy: cpu allocatable 0 is full", Form::kLegacy, MakePod().Req("1", "1Gi").Obj(),
       MakeNode("memonly").Res("memory", "8Gi").Info(), 0},
      {"current: nothing allocatable", Form::kCurrent, MakePod().Req("1", "1Gi").Obj(),
       MakeNode("none").Info(), 100},
      // Effective request max(1000, 4000)m / 2Gi: f = 0.5, 0.0625 → std 0.21875 → 78.125 → 78.
      {"current: init containers count", Form::kCurrent, with_init, big, 78},
      // 1.13 counts regular containers only: 0.125, 0.0625 → 1 − 0.0625 → 9.375 → 9 → 90.
      {"legacy: init containers ignored", Form::kLegacy, with_init, big, 90},
      // Perfect balance: 2000/4000 = 0.5, 4Gi/8Gi = 0.5 → 100 (legacy 10 → 100).
      {"current: balanced", Form::kCurrent, MakePod().Req("2", "4Gi").Obj(), empty, 100},
      {"legacy: balanced", Form::kLegacy, MakePod().Req("2", "4Gi").Obj(), empty, 100},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const BalancedResourceAllocation plugin(row.form);
      CHECK(plugin.Score(CycleState(), row.pod, row.node) == row.want);
    }
  }
}

TEST_CASE("BalancedResourceAllocation::Create validates its args",
          "[priorities][balanced_resource_allocation]") {
  struct Row {
    std::string name;
    PluginArgs args;
    std::string want_error;  // empty: accepted
    int64_t want_gpu2 = 0;   // score on gpu-2 when accepted (79 current, 50 legacy)
  };
  const std::vector<Row> rows = {
      {"no args: current", {}, "", 79},
      {"form: current", {{"form", {"current"}}}, "", 79},
      {"form: legacy", {{"form", {"legacy"}}}, "", 50},
      {"unknown form",
       {{"form", {"x"}}},
       "BalancedResourceAllocation: unknown form \"x\" (want current or legacy)"},
      {"form is case-sensitive",
       {{"form", {"Legacy"}}},
       "BalancedResourceAllocation: unknown form \"Legacy\" (want current or legacy)"},
      {"unknown key",
       {{"resources", {"cpu"}}},
       "BalancedResourceAllocation: unknown arg \"resources\" (want form)"},
      {"two forms",
       {{"form", {"current", "legacy"}}},
       "BalancedResourceAllocation: form takes one value (current or legacy), got 2"},
      {"empty form",
       {{"form", {}}},
       "BalancedResourceAllocation: form takes one value (current or legacy), got 0"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto plugin = BalancedResourceAllocation::Create(row.args);
      if (row.want_error.empty()) {
        REQUIRE(plugin.ok());
        CHECK((*plugin)->Name() == "BalancedResourceAllocation");
        CHECK((*plugin)->Score(CycleState(), Alice(), InfoOf(Gpu2())) == row.want_gpu2);
      } else {
        REQUIRE_FALSE(plugin.ok());
        CHECK(plugin.status().code() == absl::StatusCode::kInvalidArgument);
        CHECK(std::string(plugin.status().message()) == row.want_error);
      }
    }
  }
}

}  // namespace
}  // namespace nbsched::priorities
