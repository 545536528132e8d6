#include "predicates/pod_fits_host.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

TEST_CASE("PodFitsHost compares spec.nodeName", "[predicates][pod_fits_host]") {
  struct Row {
    std::string name;
    Pod pod;
    Status want;
  };
  const NodeInfo node = MakeNode("w1").Info();
  const std::vector<Row> rows = {
      {"no nodeName", MakePod().Obj(), Status::Success()},
      {"same name", MakePod().Node("w1").Obj(), Status::Success()},
      {"other name", MakePod().Node("w2").Obj(),
       Status::UnschedulableAndUnresolvable({"node(s) didn't match the requested node name"})},
      {"prefix is not a match", MakePod().Node("w").Obj(),
       Status::UnschedulableAndUnresolvable({"node(s) didn't match the requested node name"})},
  };
  const PodFitsHost plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
