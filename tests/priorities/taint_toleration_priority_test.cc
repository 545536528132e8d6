#include "priorities/taint_toleration_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using nbsched::testing::MakeSnapshot;
using testing::MakeNode;
using testing::MakePod;

TEST_CASE("TaintTolerationPriority prefers fewer untolerated PreferNoSchedule taints",
          "[priorities][taint_toleration_priority]") {
  // n0: no taint; n1: one PreferNoSchedule; n3: three PreferNoSchedule and a NoSchedule.
  const auto snapshot = MakeSnapshot({
      {MakeNode("n0").Obj(), {}},
      {MakeNode("n1").Taint("dedicated", "gpu", "PreferNoSchedule").Obj(), {}},
      {MakeNode("n3")
           .Taint("dedicated", "gpu", "PreferNoSchedule")
           .Taint("team", "ml", "PreferNoSchedule")
           .Taint("spot", "", "PreferNoSchedule")
           .Taint("hard", "x", "NoSchedule")
           .Obj(),
       {}},
  });
  struct Row {
    std::string name;
    Pod pod;
    std::vector<int64_t> want;  // n0, n1, n3
  };
  const std::vector<Row> rows = {
      // raw 0, 1, 3 → 100 − 0, 100 − 100·1/3 = 67, 100 − 100 = 0.
      {"no tolerations", MakePod().Obj(), {100, 67, 0}},
      // Tolerates dedicated=gpu: raw 0, 0, 2 → 100, 100, 0.
      {"Equal toleration, PreferNoSchedule",
       MakePod().Toleration("dedicated", "Equal", "gpu", "PreferNoSchedule").Obj(),
       {100, 100, 0}},
      // Empty effect covers PreferNoSchedule: raw 0, 0, 2.
      {"empty effect tolerates",
       MakePod().Toleration("dedicated", "", "gpu", "").Obj(),
       {100, 100, 0}},
      // A NoSchedule toleration does not count for PreferNoSchedule taints: raw 0, 1, 3.
      {"NoSchedule toleration ignored",
       MakePod().Toleration("dedicated", "Equal", "gpu", "NoSchedule").Obj(),
       {100, 67, 0}},
      // Wrong value: raw 0, 1, 3.
      {"value mismatch", MakePod().Toleration("dedicated", "Equal", "cpu", "").Obj(), {100, 67, 0}},
      // Exists with an empty key tolerates everything: raw 0, 0, 0 → all 100 (reverse).
      {"tolerate all", MakePod().Toleration("", "Exists", "", "").Obj(), {100, 100, 100}},
      // Tolerates team and spot: raw 0, 1, 1 → 100, 0, 0.
      {"Exists on keys",
       MakePod()
           .Toleration("team", "Exists", "", "PreferNoSchedule")
           .Toleration("spot", "Exists", "", "")
           .Obj(),
       {100, 0, 0}},
  };
  const TaintTolerationPriority plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(testing::RunScores(plugin, row.pod, *snapshot) == row.want); }
  }
}

TEST_CASE("TaintTolerationPriority raw count ignores other effects",
          "[priorities][taint_toleration_priority]") {
  const NodeInfo node = MakeNode("n")
                            .Taint("a", "", "NoSchedule")
                            .Taint("b", "", "NoExecute")
                            .Taint("c", "", "PreferNoSchedule")
                            .Info();
  CHECK(TaintTolerationPriority().Score(CycleState(), MakePod().Obj(), node) == 1);
}

}  // namespace
}  // namespace nbsched::priorities
