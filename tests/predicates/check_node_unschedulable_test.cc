#include "predicates/check_node_unschedulable.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

TEST_CASE("CheckNodeUnschedulable honours the unschedulable toleration",
          "[predicates][check_node_unschedulable]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const NodeInfo cordoned = MakeNode("n").Unschedulable().Info();
  const Status fail = Status::UnschedulableAndUnresolvable({"node(s) were unschedulable"});
  const std::vector<Row> rows = {
      {"schedulable node", MakePod().Obj(), MakeNode("n").Info(), Status::Success()},
      {"cordoned node", MakePod().Obj(), cordoned, fail},
      {"tolerates by key Exists",
       MakePod().Toleration("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule").Obj(),
       cordoned, Status::Success()},
      {"tolerates with any effect",
       MakePod().Toleration("node.kubernetes.io/unschedulable", "Exists", "", "").Obj(), cordoned,
       Status::Success()},
      {"tolerates everything", MakePod().Toleration("", "Exists", "", "").Obj(), cordoned,
       Status::Success()},
      {"Equal with empty value matches the empty taint value",
       MakePod().Toleration("node.kubernetes.io/unschedulable", "", "", "NoSchedule").Obj(),
       cordoned, Status::Success()},
      {"wrong effect",
       MakePod().Toleration("node.kubernetes.io/unschedulable", "Exists", "", "NoExecute").Obj(),
       cordoned, fail},
      {"wrong key", MakePod().Toleration("other", "Exists", "", "NoSchedule").Obj(), cordoned,
       fail},
      {"Equal with a value",
       MakePod().Toleration("node.kubernetes.io/unschedulable", "Equal", "x", "").Obj(), cordoned,
       fail},
  };
  const CheckNodeUnschedulable plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
