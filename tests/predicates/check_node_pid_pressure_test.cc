#include "predicates/check_node_pid_pressure.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

TEST_CASE("CheckNodePIDPressure fails every pod under pid pressure",
          "[predicates][check_node_pid_pressure]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const Status fail = Status::UnschedulableAndUnresolvable({"node(s) had pid pressure"});
  const std::vector<Row> rows = {
      {"no condition", MakePod().Obj(), MakeNode("n").Info(), Status::Success()},
      {"condition False", MakePod().Obj(), MakeNode("n").Condition("PIDPressure", "False").Info(),
       Status::Success()},
      {"condition Unknown", MakePod().Obj(),
       MakeNode("n").Condition("PIDPressure", "Unknown").Info(), Status::Success()},
      {"BestEffort pod under pressure", MakePod().Obj(),
       MakeNode("n").Condition("PIDPressure", "True").Info(), fail},
      {"Burstable pod under pressure too", MakePod().Req("1", "1Gi").Obj(),
       MakeNode("n").Condition("PIDPressure", "True").Info(), fail},
  };
  const CheckNodePIDPressure plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
