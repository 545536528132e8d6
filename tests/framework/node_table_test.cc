// The node table's fast paths (FilterPlugin::FilterRow, ScorePlugin::ScoreRows) give exactly the
// answers of Filter and ScoreAll on the NodeInfos, for every built-in plugin, on nodes tainted,
// labelled and loaded in different ways, with rows from the snapshot's table and rows built per
// request (no TaintSet index), after PreFilter / PreScore judged the snapshot's TaintSets.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "tests/testing/builders.h"

namespace nbsched::framework {
namespace {

using testing::MakeNode;
using testing::MakePod;
using testing::MakeSnapshot;
using testing::NodeReq;

std::shared_ptr<const Snapshot> VariedSnapshot() {
  std::vector<std::pair<Node, std::vector<Pod>>> nodes;
  for (int i = 0; i < 40; ++i) {
    auto b = MakeNode("n" + std::to_string(i)).Alloc(i % 4 == 0 ? "2" : "8", "16Gi").MaxPods(6);
    b.Label("zone", i % 3 == 0 ? "a" : "b").Label("purpose", i % 5 == 0 ? "core" : "user");
    if (i % 7 == 0) b.Label("gpu", "yes").Gpus(2);
    if (i % 4 == 1) b.Taint("dedicated", "user", "NoSchedule");
    if (i % 6 == 2) b.Taint("soft", "x", "PreferNoSchedule");
    if (i % 9 == 3) b.Taint("other", "", "NoExecute").Taint("dedicated", "user", "NoSchedule");
    if (i % 11 == 4) b.Condition("Ready", "False");
    if (i % 13 == 5) b.Unschedulable();
    if (i % 8 == 6) b.Condition("MemoryPressure", "True");
    std::vector<Pod> pods;
    for (int k = 0; k < i % 7; ++k) {
      pods.push_back(MakePod()
                         .Name("p" + std::to_string(i) + "-" + std::to_string(k))
                         .Namespace("jhub")
                         .Label("app", "jupyterhub")
                         .Req(k % 2 == 0 ? "1" : "", "2Gi")
                         .Obj());
    }
    nodes.emplace_back(b.Obj(), std::move(pods));
  }
  return MakeSnapshot(nodes);
}

std::vector<Pod> Pods() {
  std::vector<Pod> pods;
  pods.push_back(MakePod().Name("plain").Namespace("jhub").Req("500m", "1Gi").Obj());
  pods.push_back(MakePod().Name("best-effort").Namespace("jhub").Obj());
  pods.push_back(
      MakePod()
          .Name("z2jh")
          .Namespace("jhub")
          .Label("app", "jupyterhub")
          .Req("3", "4Gi")
          .Toleration("dedicated", "Equal", "user", "NoSchedule")
          .PreferredNodeAffinity(1, {{NodeReq("purpose", SelectorOp::kIn, {"user"})}, {}})
          .PreferredNodeAffinity(5, {{NodeReq("zone", SelectorOp::kNotIn, {"a"})}, {}})
          .Obj());
  pods.push_back(MakePod()
                     .Name("gpu")
                     .Namespace("jhub")
                     .Req("1", "1Gi")
                     .Gpus(1)
                     .NodeSelector("gpu", "yes")
                     .Toleration("", "Exists", "", "")
                     .Obj());
  pods.push_back(MakePod()
                     .Name("required")
                     .Namespace("jhub")
                     .Req("100m", "")
                     .Toleration("other", "Exists", "", "NoExecute")
                     .RequiredNodeAffinity({{{NodeReq("zone", SelectorOp::kIn, {"b", "c"})}, {}},
                                            {{NodeReq("purpose", SelectorOp::kDoesNotExist)}, {}}})
                     .Obj());
  pods.push_back(
      MakePod()
          .Name("gt")
          .Namespace("jhub")
          .Req("100m", "")
          .PreferredNodeAffinity(3, {{}, {NodeReq("metadata.name", SelectorOp::kIn, {"n3", "n8"})}})
          .Obj());
  return pods;
}

void CheckPlugins(const Snapshot& snapshot, const std::vector<NodeRow>& rows) {
  const Registry& registry = Registry::Default();
  std::vector<const NodeInfo*> nodes;
  std::vector<const NodeRow*> row_ptrs;
  for (size_t p = 0; p < snapshot.nodes().size(); ++p) {
    nodes.push_back(snapshot.nodes()[p].get());
    row_ptrs.push_back(&rows[p]);
  }
  for (const Pod& pod : Pods()) {
    for (const std::string& name : registry.filter_names()) {
      auto filter = (*registry.FindFilter(name))({});
      if (!filter.ok()) continue;
      CycleState state;
      (*filter)->PreFilter(state, pod, snapshot);
      for (size_t p = 0; p < nodes.size(); ++p) {
        INFO(pod.name << " " << name << " " << nodes[p]->name());
        CHECK((*filter)->FilterRow(state, pod, rows[p]) ==
              (*filter)->Filter(state, pod, *nodes[p]));
      }
    }
    for (const std::string& name : registry.score_names()) {
      auto plugin = (*registry.FindScore(name))({});
      if (!plugin.ok()) continue;
      CycleState state;
      (*plugin)->PreScore(state, pod, snapshot, nodes);
      std::vector<NodeScore> want(nodes.size()), got(nodes.size());
      (*plugin)->ScoreAll(state, pod, nodes, want);
      (*plugin)->ScoreRows(state, pod, nodes, row_ptrs, got);
      for (size_t p = 0; p < nodes.size(); ++p) {
        INFO(pod.name << " " << name << " " << nodes[p]->name());
        CHECK(got[p].node == want[p].node);
        CHECK(got[p].score == want[p].score);
      }
    }
  }
}

TEST_CASE("FilterRow and ScoreRows answer as Filter and ScoreAll", "[framework][node_table]") {
  const auto snapshot = VariedSnapshot();
  SECTION("the snapshot's rows (TaintSets numbered)") {
    std::vector<NodeRow> rows;
    for (size_t p = 0; p < snapshot->nodes().size(); ++p) rows.push_back(snapshot->row(p));
    CHECK(rows[1].taint_index != NodeRow::kNoTaintIndex);
    CheckPlugins(*snapshot, rows);
  }
  SECTION("rows built per request (no TaintSet index)") {
    std::vector<NodeRow> rows;
    for (const auto& info : snapshot->nodes()) rows.push_back(NodeRow::Of(*info));
    CheckPlugins(*snapshot, rows);
  }
}

TEST_CASE("Schedule decides alike from the snapshot's rows and from request-supplied nodes",
          "[framework][node_table]") {
  const auto snapshot = VariedSnapshot();
  const Registry& registry = Registry::Default();
  Policy policy;
  for (const std::string& name : registry.filter_names()) {
    policy.filters.push_back(*(*registry.FindFilter(name))({}));
  }
  for (const char* name :
       {"LeastRequestedPriority", "BalancedResourceAllocation", "SelectorSpreadPriority",
        "NodeAffinityPriority", "TaintTolerationPriority"}) {
    policy.scorers.push_back({*(*registry.FindScore(name))({}), 1, {}});
  }
  std::vector<std::string> names;
  std::vector<std::shared_ptr<const Node>> objects;
  for (const auto& info : snapshot->nodes()) {
    names.push_back(info->name());
    // Copies: OverlayNodes' equal-node shortcut is not taken, every node gets a request row.
    auto copy = std::make_shared<Node>(info->node());
    copy->labels["extra"] = "1";
    objects.push_back(std::move(copy));
  }
  for (const Pod& pod : Pods()) {
    INFO(pod.name);
    const Decision by_name = Schedule(policy, *snapshot, pod, ResolveNames(*snapshot, names));
    const Candidates overlay = OverlayNodes(*snapshot, objects);
    const Decision by_object = Schedule(policy, *snapshot, pod, overlay);
    REQUIRE(by_name.nodes.size() == by_object.nodes.size());
    for (size_t i = 0; i < by_name.nodes.size(); ++i) {
      INFO(names[i]);
      CHECK(by_name.nodes[i].status == by_object.nodes[i].status);
      CHECK(by_name.nodes[i].weighted == by_object.nodes[i].weighted);
      CHECK(
          std::vector<int64_t>(by_name.nodes[i].scores.begin(), by_name.nodes[i].scores.end()) ==
          std::vector<int64_t>(by_object.nodes[i].scores.begin(), by_object.nodes[i].scores.end()));
    }
  }
}

}  // namespace
}  // namespace nbsched::framework
