#include "predicates/pod_tolerates_node_taints.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

Status Untolerated(const std::string& shown) {
  return Status::UnschedulableAndUnresolvable({"node(s) had untolerated taint " + shown});
}

TEST_CASE("PodToleratesNodeTaints reports the first untolerated hard taint",
          "[predicates][pod_tolerates_node_taints]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const NodeInfo gpu = MakeNode("gpu-1").Taint("nvidia.com/gpu", "present", "NoSchedule").Info();
  const NodeInfo two = MakeNode("n")
                           .Taint("soft", "x", "PreferNoSchedule")
                           .Taint("a", "1", "NoExecute")
                           .Taint("b", "", "NoSchedule")
                           .Info();
  const std::vector<Row> rows = {
      {"no taints", MakePod().Obj(), MakeNode("n").Info(), Status::Success()},
      {"PreferNoSchedule does not filter", MakePod().Obj(),
       MakeNode("n").Taint("soft", "x", "PreferNoSchedule").Info(), Status::Success()},
      // kubernetes-semantics.md §4.6 example.
      {"CPU notebook on a GPU node", MakePod().Obj(), gpu,
       Untolerated("{nvidia.com/gpu: present}")},
      {"Equal toleration",
       MakePod().Toleration("nvidia.com/gpu", "Equal", "present", "NoSchedule").Obj(), gpu,
       Status::Success()},
      {"empty operator means Equal",
       MakePod().Toleration("nvidia.com/gpu", "", "present", "").Obj(), gpu, Status::Success()},
      {"Equal with another value",
       MakePod().Toleration("nvidia.com/gpu", "Equal", "absent", "NoSchedule").Obj(), gpu,
       Untolerated("{nvidia.com/gpu: present}")},
      {"Exists on the key", MakePod().Toleration("nvidia.com/gpu", "Exists", "", "").Obj(), gpu,
       Status::Success()},
      {"wrong effect", MakePod().Toleration("nvidia.com/gpu", "Exists", "", "NoExecute").Obj(), gpu,
       Untolerated("{nvidia.com/gpu: present}")},
      {"tolerate everything", MakePod().Toleration("", "Exists", "", "").Obj(), two,
       Status::Success()},
      {"first untolerated in node order", MakePod().Obj(), two, Untolerated("{a: 1}")},
      {"empty value printed as {key: }", MakePod().Toleration("a", "Exists", "", "").Obj(), two,
       Untolerated("{b: }")},
      {"all hard taints tolerated",
       MakePod()
           .Toleration("a", "Equal", "1", "NoExecute")
           .Toleration("b", "Exists", "", "NoSchedule")
           .Obj(),
       two, Status::Success()},
  };
  const PodToleratesNodeTaints plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
