#include "predicates/match_node_selector.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;
using nbsched::testing::NodeReq;

TEST_CASE("MatchNodeSelector needs nodeSelector and required affinity",
          "[predicates][match_node_selector]") {
  struct Row {
    std::string name;
    Pod pod;
    Status want;
  };
  const NodeInfo node = MakeNode("gpu-1")
                            .Label("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB")
                            .Label("topology.kubernetes.io/zone", "zone-a")
                            .Label("gpus", "4")
                            .Info();
  const Status fail =
      Status::UnschedulableAndUnresolvable({"node(s) didn't match Pod's node affinity/selector"});
  const NodeSelectorTerm a100{{NodeReq("nvidia.com/gpu.product", SelectorOp::kIn,
                                       {"NVIDIA-A100-SXM4-40GB", "NVIDIA-H100"})},
                              {}};
  const NodeSelectorTerm zone_b{
      {NodeReq("topology.kubernetes.io/zone", SelectorOp::kIn, {"zone-b"})}, {}};
  const std::vector<Row> rows = {
      {"no constraints", MakePod().Obj(), Status::Success()},
      {"nodeSelector matches",
       MakePod().NodeSelector("topology.kubernetes.io/zone", "zone-a").Obj(), Status::Success()},
      {"nodeSelector wrong value",
       MakePod().NodeSelector("topology.kubernetes.io/zone", "zone-b").Obj(), fail},
      {"nodeSelector missing label", MakePod().NodeSelector("disk", "ssd").Obj(), fail},
      {"nodeSelector: every key must match",
       MakePod()
           .NodeSelector("topology.kubernetes.io/zone", "zone-a")
           .NodeSelector("gpus", "8")
           .Obj(),
       fail},
      {"required term matches", MakePod().RequiredNodeAffinity({a100}).Obj(), Status::Success()},
      {"required terms are ORed", MakePod().RequiredNodeAffinity({zone_b, a100}).Obj(),
       Status::Success()},
      {"required term does not match", MakePod().RequiredNodeAffinity({zone_b}).Obj(), fail},
      {"expressions inside a term are ANDed",
       MakePod()
           .RequiredNodeAffinity(
               {{{a100.match_expressions[0],
                  NodeReq("topology.kubernetes.io/zone", SelectorOp::kIn, {"zone-b"})},
                 {}}})
           .Obj(),
       fail},
      {"Gt on a numeric label",
       MakePod().RequiredNodeAffinity({{{NodeReq("gpus", SelectorOp::kGt, {"2"})}, {}}}).Obj(),
       Status::Success()},
      {"NotIn with absent label",
       MakePod().RequiredNodeAffinity({{{NodeReq("disk", SelectorOp::kNotIn, {"hdd"})}, {}}}).Obj(),
       Status::Success()},
      {"matchFields metadata.name",
       MakePod()
           .RequiredNodeAffinity({{{}, {NodeReq("metadata.name", SelectorOp::kIn, {"gpu-1"})}}})
           .Obj(),
       Status::Success()},
      {"matchFields other name",
       MakePod()
           .RequiredNodeAffinity({{{}, {NodeReq("metadata.name", SelectorOp::kIn, {"gpu-2"})}}})
           .Obj(),
       fail},
      {"required block without terms matches nothing", MakePod().RequiredNodeAffinity({}).Obj(),
       fail},
      // Upstream's LazyErrorNodeSelector: a term that does not parse matches no node, the other
      // terms still count (zone is zone-a, so NotIn would otherwise match).
      {"a NotIn value that is no label value spoils the term",
       MakePod()
           .RequiredNodeAffinity({{{NodeReq("topology.kubernetes.io/zone", SelectorOp::kNotIn,
                                            {"invalid value: ___@#$%^"})},
                                   {}}})
           .Obj(),
       fail},
      {"a key that is no qualified name spoils the term",
       MakePod()
           .RequiredNodeAffinity({{{NodeReq("no such/key/x", SelectorOp::kDoesNotExist, {})}, {}}})
           .Obj(),
       fail},
      {"Gt with a negative value does not parse",
       MakePod().RequiredNodeAffinity({{{NodeReq("gpus", SelectorOp::kGt, {"-1"})}, {}}}).Obj(),
       fail},
      {"an unparsable term ORed with a matching one",
       MakePod()
           .RequiredNodeAffinity(
               {{{NodeReq("topology.kubernetes.io/zone", SelectorOp::kNotIn, {"a b"})}, {}}, a100})
           .Obj(),
       Status::Success()},
      {"empty term matches nothing", MakePod().RequiredNodeAffinity({NodeSelectorTerm{}}).Obj(),
       fail},
      {"selector and affinity both needed: affinity fails",
       MakePod()
           .NodeSelector("topology.kubernetes.io/zone", "zone-a")
           .RequiredNodeAffinity({zone_b})
           .Obj(),
       fail},
      {"selector and affinity both needed: selector fails",
       MakePod().NodeSelector("disk", "ssd").RequiredNodeAffinity({a100}).Obj(), fail},
      {"preferred terms do not filter", MakePod().PreferredNodeAffinity(10, zone_b).Obj(),
       Status::Success()},
  };
  const MatchNodeSelector plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      // Without PreFilter: the string matcher.
      CHECK(plugin.Filter(CycleState(), row.pod, node) == row.want);
      // After PreFilter: the pod compiled against the interned label ids, the same verdict.
      CycleState state;
      plugin.PreFilter(state, row.pod, Snapshot());
      CHECK(plugin.Filter(state, row.pod, node) == row.want);
    }
  }
}

}  // namespace
}  // namespace nbsched::predicates
