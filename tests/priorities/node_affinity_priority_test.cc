#include "priorities/node_affinity_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using nbsched::testing::MakeSnapshot;
using nbsched::testing::NodeReq;
using testing::Cpu1;
using testing::Gpu1;
using testing::Gpu2;
using testing::MakeNode;
using testing::MakePod;

NodeSelectorTerm Expr(std::string key, SelectorOp op, std::vector<std::string> values = {}) {
  NodeSelectorTerm term;
  term.match_expressions.push_back(NodeReq(std::move(key), op, std::move(values)));
  return term;
}

NodeSelectorTerm Field(SelectorOp op, std::string name) {
  NodeSelectorTerm term;
  term.match_fields.push_back(NodeReq("metadata.name", op, {std::move(name)}));
  return term;
}

TEST_CASE("NodeAffinityPriority sums matching preferred weights, normalised to 100",
          "[priorities][node_affinity_priority]") {
  // Nodes in order cpu-1 (zone-b), gpu-1 (zone-a, A100), gpu-2 (zone-a).
  const auto snapshot = MakeSnapshot({Cpu1(), Gpu1(), Gpu2()});
  const NodeSelectorTerm a100 =
      Expr("nvidia.com/gpu.product", SelectorOp::kIn, {"NVIDIA-A100-SXM4-40GB"});
  const NodeSelectorTerm zone_a = Expr("topology.kubernetes.io/zone", SelectorOp::kIn, {"zone-a"});
  struct Row {
    std::string name;
    Pod pod;
    std::vector<int64_t> want;  // cpu-1, gpu-1, gpu-2
  };
  const std::vector<Row> rows = {
      // raw cpu-1 0, gpu-1 5 + 3 = 8, gpu-2 3 → 0, 100, 100·3/8 = 37.
      {"running example",
       MakePod().PreferredNodeAffinity(5, a100).PreferredNodeAffinity(3, zone_a).Obj(),
       {0, 100, 37}},
      {"no affinity: all zero stays 0", MakePod().Obj(), {0, 0, 0}},
      {"nothing matches: stays 0",
       MakePod().PreferredNodeAffinity(5, Expr("missing", SelectorOp::kExists)).Obj(),
       {0, 0, 0}},
      // The weight-0 term is skipped: raw 0, 0, 0.
      {"weight 0 ignored", MakePod().PreferredNodeAffinity(0, zone_a).Obj(), {0, 0, 0}},
      // An empty preference matches nothing: raw 0, 5, 5 → 0, 100, 100.
      {"empty preference matches nothing",
       MakePod()
           .PreferredNodeAffinity(7, NodeSelectorTerm{})
           .PreferredNodeAffinity(5, zone_a)
           .Obj(),
       {0, 100, 100}},
      // matchFields count in the current form: raw cpu-1 2, gpu-1 0, gpu-2 0 + 4 → 50, 0, 100.
      {"matchFields",
       MakePod()
           .PreferredNodeAffinity(2, Field(SelectorOp::kIn, "cpu-1"))
           .PreferredNodeAffinity(4, Field(SelectorOp::kIn, "gpu-2"))
           .Obj(),
       {50, 0, 100}},
      // NotIn zone-a: raw 1, 0, 0 → 100, 0, 0.
      {"NotIn",
       MakePod()
           .PreferredNodeAffinity(
               1, Expr("topology.kubernetes.io/zone", SelectorOp::kNotIn, {"zone-a"}))
           .Obj(),
       {100, 0, 0}},
      // A term that does not parse matches no node (upstream fails the scoring cycle): raw 0,
      // 3, 3 → 0, 100, 100, though NotIn would match all three.
      {"a term that does not parse scores nothing",
       MakePod()
           .PreferredNodeAffinity(
               5, Expr("topology.kubernetes.io/zone", SelectorOp::kNotIn, {"bad value: @#$%^"}))
           .PreferredNodeAffinity(3, zone_a)
           .Obj(),
       {0, 100, 100}},
      {"a key that does not parse scores nothing",
       MakePod().PreferredNodeAffinity(5, Expr("a/b/c", SelectorOp::kDoesNotExist)).Obj(),
       {0, 0, 0}},
      // Required terms do not score.
      {"required terms ignored", MakePod().RequiredNodeAffinity({zone_a}).Obj(), {0, 0, 0}},
  };
  const NodeAffinityPriority plugin;
  const std::vector<const NodeInfo*> nodes = testing::AllNodes(*snapshot);
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(testing::RunScores(plugin, row.pod, *snapshot) == row.want);
      // ScoreAll (terms checked once per request) agrees with Score node by node.
      std::vector<NodeScore> all(nodes.size());
      plugin.ScoreAll(CycleState(), row.pod, nodes, all);
      for (size_t j = 0; j < nodes.size(); ++j) {
        CHECK(all[j].node == nodes[j]);
        CHECK(all[j].score == plugin.Score(CycleState(), row.pod, *nodes[j]));
      }
    }
  }
}

TEST_CASE("NodeAffinityPriority raw scores", "[priorities][node_affinity_priority]") {
  const NodeInfo node = MakeNode("n").Label("a", "1").Label("b", "2").Info();
  const Pod pod = MakePod()
                      .PreferredNodeAffinity(10, Expr("a", SelectorOp::kIn, {"1"}))
                      .PreferredNodeAffinity(20, Expr("b", SelectorOp::kGt, {"1"}))
                      .PreferredNodeAffinity(40, Expr("c", SelectorOp::kExists))
                      .Obj();
  // 10 + 20 (b = 2 > 1); c absent.
  CHECK(NodeAffinityPriority().Score(CycleState(), pod, node) == 30);
}

}  // namespace
}  // namespace nbsched::priorities
