#include "predicates/check_node_condition.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

constexpr const char* kNotReady = "node(s) were not ready";
constexpr const char* kNoNetwork = "node(s) had unavailable network";

TEST_CASE("CheckNodeCondition needs Ready=True and a network",
          "[predicates][check_node_condition]") {
  struct Row {
    std::string name;
    NodeInfo node;
    Status want;
  };
  const std::vector<Row> rows = {
      {"ready", MakeNode("n").Info(), Status::Success()},
      {"ready, network available", MakeNode("n").Condition("NetworkUnavailable", "False").Info(),
       Status::Success()},
      {"other conditions ignored",
       MakeNode("n").Condition("MemoryPressure", "True").Condition("OutOfDisk", "True").Info(),
       Status::Success()},
      {"ready false", MakeNode("n").Condition("Ready", "False").Info(),
       Status::UnschedulableAndUnresolvable({kNotReady})},
      {"ready unknown", MakeNode("n").Condition("Ready", "Unknown").Info(),
       Status::UnschedulableAndUnresolvable({kNotReady})},
      {"no Ready condition at all", MakeNode("n").NoConditions().Info(),
       Status::UnschedulableAndUnresolvable({kNotReady})},
      {"network unavailable", MakeNode("n").Condition("NetworkUnavailable", "True").Info(),
       Status::UnschedulableAndUnresolvable({kNoNetwork})},
      {"network unknown counts as unavailable",
       MakeNode("n").Condition("NetworkUnavailable", "Unknown").Info(),
       Status::UnschedulableAndUnresolvable({kNoNetwork})},
      // Reasons in the fixed order even when the node lists the conditions the other way round.
      {"both, not-ready first",
       MakeNode("n")
           .NoConditions()
           .Condition("NetworkUnavailable", "True")
           .Condition("Ready", "False")
           .Info(),
       Status::UnschedulableAndUnresolvable({kNotReady, kNoNetwork})},
      {"unschedulable is not this predicate's", MakeNode("n").Unschedulable().Info(),
       Status::Success()},
  };
  const CheckNodeCondition plugin;
  const Pod pod = MakePod().Obj();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
