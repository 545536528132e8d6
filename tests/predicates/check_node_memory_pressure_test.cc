#include "predicates/check_node_memory_pressure.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::ContainerBuilder;
using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

TEST_CASE("CheckNodeMemoryPressure fails only BestEffort pods",
          "[predicates][check_node_memory_pressure]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const NodeInfo pressure = MakeNode("n").Condition("MemoryPressure", "True").Info();
  const Status fail = Status::UnschedulableAndUnresolvable({"node(s) had memory pressure"});
  const std::vector<Row> rows = {
      {"no condition", MakePod().Obj(), MakeNode("n").Info(), Status::Success()},
      {"condition False", MakePod().Obj(),
       MakeNode("n").Condition("MemoryPressure", "False").Info(), Status::Success()},
      {"condition Unknown", MakePod().Obj(),
       MakeNode("n").Condition("MemoryPressure", "Unknown").Info(), Status::Success()},
      {"BestEffort: no containers", MakePod().Obj(), pressure, fail},
      {"BestEffort: container without resources",
       MakePod().Container(ContainerBuilder().Obj()).Obj(), pressure, fail},
      {"BestEffort: explicit zero requests", MakePod().Req("0", "0").Obj(), pressure, fail},
      {"BestEffort: only a GPU", MakePod().Gpus(1).Obj(), pressure, fail},
      {"BestEffort: init container requests do not count",
       MakePod().InitContainer(ContainerBuilder("init").Req("cpu", "1").Obj()).Obj(), pressure,
       fail},
      {"Burstable: cpu request", MakePod().Req("100m", "").Obj(), pressure, Status::Success()},
      {"Burstable: memory request", MakePod().Req("", "1Mi").Obj(), pressure, Status::Success()},
      {"Burstable: cpu limit only",
       MakePod().Container(ContainerBuilder().Limit("cpu", "1").Obj()).Obj(), pressure,
       Status::Success()},
      {"Burstable: memory limit only, second container",
       MakePod()
           .Container(ContainerBuilder("a").Obj())
           .Container(ContainerBuilder("b").Limit("memory", "1Gi").Obj())
           .Obj(),
       pressure, Status::Success()},
  };
  const CheckNodeMemoryPressure plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
