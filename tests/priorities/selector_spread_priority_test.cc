#include "priorities/selector_spread_priority.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/priorities/score_testing.h"

namespace nbsched::priorities {
namespace {

using nbsched::testing::MakeSnapshot;
using nbsched::testing::NodeBuilder;
using testing::AllNodes;
using testing::MakeNode;
using testing::MakePod;
using testing::RunScores;
using Kind = WorkloadSelector::Kind;

constexpr char kZone[] = "topology.kubernetes.io/zone";
constexpr char kBetaZone[] = "failure-domain.beta.kubernetes.io/zone";
constexpr char kRegion[] = "topology.kubernetes.io/region";
constexpr char kBetaRegion[] = "failure-domain.beta.kubernetes.io/region";

WorkloadSelector Service(std::string name, Labels selector, std::string ns = "default") {
  WorkloadSelector w;
  w.kind = Kind::kService;
  w.namespace_ = std::move(ns);
  w.name = std::move(name);
  w.map_selector = std::move(selector);
  return w;
}

WorkloadSelector Controller(Kind kind, std::string name, Labels selector,
                            std::string ns = "default") {
  WorkloadSelector w = Service(std::move(name), {}, std::move(ns));
  w.kind = kind;
  if (kind == Kind::kReplicationController) {
    w.map_selector = std::move(selector);
  } else {
    w.label_selector.match_labels = std::move(selector);
  }
  return w;
}

/// `n` pods labelled app=web in namespace default.
std::vector<Pod> Web(int n, const std::string& prefix = "web") {
  std::vector<Pod> pods;
  for (int i = 0; i < n; ++i) {
    pods.push_back(MakePod().Name(prefix + std::to_string(i)).Label("app", "web").Obj());
  }
  return pods;
}

std::vector<Pod> Concat(std::vector<Pod> a, const std::vector<Pod>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Functions, not globals: Pod::Finalize reads constants of another translation unit.
Pod Incoming() { return MakePod().Name("incoming").Label("app", "web").Obj(); }
std::vector<WorkloadSelector> WebService() { return {Service("web", {{"app", "web"}})}; }

TEST_CASE("SelectorSpreadPriority blends node and zone spread",
          "[priorities][selector_spread_priority]") {
  using Nodes = std::vector<std::pair<Node, std::vector<Pod>>>;
  struct Row {
    std::string name;
    Nodes nodes;
    std::vector<int64_t> want;
  };
  std::vector<Pod> hundred = Web(100);
  const std::vector<Row> rows = {
      // maxNode 3; zones a = 3, b = 1 + 0 = 1, maxZone 3.
      // n1: 100·(0/3) = 0, zone 0 → 0. n2: 100·(2/3) = 66.67, zone 100·(2/3) → 66.67 → 66.
      // n3: 100, zone 66.67 → 100/3 + 2/3·66.67 = 77.78 → 77.
      {"raw 3, 1, 0 in zones a, b, b",
       {{MakeNode("n1").Label(kZone, "a").Obj(), Web(3)},
        {MakeNode("n2").Label(kZone, "b").Obj(), Web(1)},
        {MakeNode("n3").Label(kZone, "b").Obj(), {}}},
       {0, 66, 77}},
      // No zones: 0, 100·(2/3) = 66.67 → 66, 100.
      {"raw 3, 1, 0 without zones",
       {{MakeNode("n1").Obj(), Web(3)}, {MakeNode("n2").Obj(), Web(1)}, {MakeNode("n3").Obj(), {}}},
       {0, 66, 100}},
      // Divide first: 100·(29/100) = 28.999… → 28, not 29.
      {"division order: maxNode 100, raw 71",
       {{MakeNode("n1").Obj(), hundred}, {MakeNode("n2").Obj(), Web(71)}},
       {0, 28}},
      // A zoneless node among zoned ones keeps its node score only: maxNode 2, zone a = 2.
      // n1: 0, zone 0 → 0. n2 (no zone): 100·(1/2) = 50. n3: 100, zone a 0 → 33.33 + 0 → 33.
      {"zoneless node among zoned ones",
       {{MakeNode("n1").Label(kZone, "a").Obj(), Web(2)},
        {MakeNode("n2").Obj(), Web(1)},
        {MakeNode("n3").Label(kZone, "a").Obj(), {}}},
       {0, 50, 33}},
      // Beta label wins and the GA one is only a fallback: n1 (beta x, GA y) and n2 (GA x) share
      // zone ":\0:x" = 2; n3 zone y = 1; maxNode 2, maxZone 2.
      // n1: 0 + 0 → 0. n2: 100/3 + 2/3·0 → 33. n3: 50/3 + 2/3·50 = 50.
      {"beta zone label first",
       {{MakeNode("n1").Label(kBetaZone, "x").Label(kZone, "y").Obj(), Web(2)},
        {MakeNode("n2").Label(kZone, "x").Obj(), {}},
        {MakeNode("n3").Label(kZone, "y").Obj(), Web(1)}},
       {0, 33, 50}},
      // Region is part of the key: r1/a = 2, r2/a = 0 (+ n3 1 in r2/a → 1). maxNode 2, maxZone 2.
      // n1: 0. n2: 100·(2/2)/3 + 2/3·100·(1/2) = 33.33 + 33.33 = 66.67 → 66.
      // n3: 100·(1/2)/3 + 2/3·50 = 16.67 + 33.33 → 50 (the float sum lands on 50.0).
      {"region in the zone key",
       {{MakeNode("n1").Label(kBetaRegion, "r1").Label(kZone, "a").Obj(), Web(2)},
        {MakeNode("n2").Label(kRegion, "r2").Label(kZone, "a").Obj(), {}},
        {MakeNode("n3").Label(kRegion, "r2").Label(kBetaZone, "a").Obj(), Web(1)}},
       {0, 66, 50}},
      // A region alone makes a zone key too: both in "r:\0:" = 1 + 0; maxNode 1, maxZone 1.
      // n1: 0. n2: 100/3 + 0 = 33.
      {"region only",
       {{MakeNode("n1").Label(kRegion, "r").Obj(), Web(1)},
        {MakeNode("n2").Label(kRegion, "r").Obj(), {}}},
       {0, 33}},
      // Every count 0: maxNode 0 → 100; zones present, maxZone 0 → 100.
      {"no matching pods anywhere",
       {{MakeNode("n1").Label(kZone, "a").Obj(), {}}, {MakeNode("n2").Obj(), {}}},
       {100, 100}},
  };
  const SelectorSpreadPriority plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto snapshot = MakeSnapshot(row.nodes, WebService());
      CHECK(RunScores(plugin, Incoming(), *snapshot) == row.want);
    }
  }
}

TEST_CASE("SelectorSpreadPriority zone counts come from the feasible nodes only",
          "[priorities][selector_spread_priority]") {
  // n0 (zone a, 5 pods) is infeasible. Feasible: n1 zone a 1, n2 zone b 2, maxNode 2, maxZone 2.
  // n1: 100·(1/2)/3 + 2/3·100·(1/2) = 50. n2: 0.
  // (Had n0 counted: maxNode 5, zone a 6: n1 = 80/3 + 0 = 26, n2 = 60/3 + 2/3·66.67 = 64.)
  const auto snapshot = MakeSnapshot({{MakeNode("n0").Label(kZone, "a").Obj(), Web(5)},
                                      {MakeNode("n1").Label(kZone, "a").Obj(), Web(1)},
                                      {MakeNode("n2").Label(kZone, "b").Obj(), Web(2)}},
                                     WebService());
  const std::vector<const NodeInfo*> feasible = {snapshot->Find("n1"), snapshot->Find("n2")};
  CHECK(RunScores(SelectorSpreadPriority(), Incoming(), *snapshot, feasible) ==
        std::vector<int64_t>{50, 0});
}

TEST_CASE("SelectorSpreadPriority builds the selector from Services and the controller",
          "[priorities][selector_spread_priority]") {
  // Pods on n1: 2 app=web (one also tier=fe), 1 app=web tier=fe in namespace other, 1 deleting
  // app=web, 1 app=db. n2: nothing. So a selector matching app=web counts n1 = 2 → 0, 100.
  const std::vector<Pod> n1_pods = {
      MakePod().Name("w0").Label("app", "web").Obj(),
      MakePod().Name("w1").Label("app", "web").Label("tier", "fe").Obj(),
      MakePod().Name("w2").Namespace("other").Label("app", "web").Label("tier", "fe").Obj(),
      MakePod().Name("w3").Label("app", "web").Deleting().Obj(),
      MakePod().Name("d0").Label("app", "db").Obj(),
  };
  // n2: one app=web tier=fe pod.
  const std::vector<Pod> n2_pods = {
      MakePod().Name("f0").Label("app", "web").Label("tier", "fe").Obj()};
  const Pod web = MakePod().Name("incoming").Label("app", "web").Label("tier", "fe").Obj();
  LabelSelector tier_expr;  // tier In [fe]
  tier_expr.match_expressions.push_back({"tier", SelectorOp::kIn, {"fe"}});
  WorkloadSelector ss = Controller(Kind::kStatefulSet, "ss", {});
  ss.label_selector = tier_expr;
  WorkloadSelector bad_rs = Controller(Kind::kReplicaSet, "bad", {});
  bad_rs.label_selector.match_expressions.push_back({"tier", SelectorOp::kIn, {}});  // invalid
  WorkloadSelector nil_rs = Controller(Kind::kReplicaSet, "nil", {});
  nil_rs.label_selector.nothing = true;

  struct Row {
    std::string name;
    Pod pod;
    std::vector<WorkloadSelector> workloads;
    std::vector<int64_t> want;  // n1, n2
  };
  const std::vector<Row> rows = {
      // app=web: n1 counts w0, w1 (w2 other namespace, w3 deleting, d0 other app) = 2; n2 1.
      // → 100·0/2 = 0, 100·(1/2) = 50.
      {"service", web, {Service("web", {{"app", "web"}})}, {0, 50}},
      // No workload at all: empty selector → raw 0 → 100 everywhere.
      {"bare pod", web, {}, {100, 100}},
      {"service does not match the pod", web, {Service("db", {{"app", "db"}})}, {100, 100}},
      {"service in another namespace",
       web,
       {Service("web", {{"app", "web"}}, "other")},
       {100, 100}},
      {"service without selector", web, {Service("web", {})}, {100, 100}},
      // Two services merge: app=web AND tier=fe: n1 1 (w1), n2 1 → 0, 0.
      {"services merge",
       web,
       {Service("web", {{"app", "web"}}), Service("fe", {{"tier", "fe"}})},
       {0, 0}},
      // ReplicaSet owner (matchLabels tier=fe): n1 1, n2 1 → 0, 0.
      {"replicaset owner",
       MakePod()
           .Name("incoming")
           .Label("app", "web")
           .Label("tier", "fe")
           .Owner("ReplicaSet", "rs")
           .Obj(),
       {Controller(Kind::kReplicaSet, "rs", {{"tier", "fe"}})},
       {0, 0}},
      // ReplicaSet app=web + its selector also app=web: n1 2, n2 1 → 0, 50.
      {"replicaset and service",
       MakePod()
           .Name("incoming")
           .Label("app", "web")
           .Label("tier", "fe")
           .Owner("ReplicaSet", "rs")
           .Obj(),
       {Service("web", {{"app", "web"}}), Controller(Kind::kReplicaSet, "rs", {{"app", "web"}})},
       {0, 50}},
      // StatefulSet with an expression, tier In [fe], and Service app=db does not match:
      // n1 1 (w1), n2 1 → 0, 0.
      {"statefulset owner",
       MakePod()
           .Name("incoming")
           .Label("app", "web")
           .Label("tier", "fe")
           .Owner("StatefulSet", "ss")
           .Obj(),
       {ss, Service("db", {{"app", "db"}})},
       {0, 0}},
      // RC (map selector app=web): n1 2, n2 1 → 0, 50.
      {"replicationcontroller owner",
       MakePod()
           .Name("incoming")
           .Label("app", "web")
           .Label("tier", "fe")
           .Owner("ReplicationController", "rc", "v1")
           .Obj(),
       {Controller(Kind::kReplicationController, "rc", {{"app", "web"}})},
       {0, 50}},
      // The owner must be found by name in the pod's namespace.
      {"owner not found",
       MakePod().Name("incoming").Label("app", "web").Owner("ReplicaSet", "missing").Obj(),
       {Controller(Kind::kReplicaSet, "rs", {{"app", "web"}}),
        Controller(Kind::kReplicaSet, "missing", {{"app", "web"}}, "other")},
       {100, 100}},
      // A Deployment is not a controller kind SelectorSpread reads.
      {"deployment owner ignored",
       MakePod().Name("incoming").Label("app", "web").Owner("Deployment", "rs").Obj(),
       {Controller(Kind::kReplicaSet, "rs", {{"app", "web"}})},
       {100, 100}},
      // Invalid or nil LabelSelectors add no requirement (upstream conversion error / Nothing()).
      {"invalid replicaset selector",
       MakePod().Name("incoming").Label("app", "web").Owner("ReplicaSet", "bad").Obj(),
       {bad_rs},
       {100, 100}},
      {"nil replicaset selector",
       MakePod().Name("incoming").Label("app", "web").Owner("ReplicaSet", "nil").Obj(),
       {nil_rs},
       {100, 100}},
  };
  const SelectorSpreadPriority plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto snapshot = MakeSnapshot(
          {{MakeNode("n1").Obj(), n1_pods}, {MakeNode("n2").Obj(), n2_pods}}, row.workloads);
      CHECK(RunScores(plugin, row.pod, *snapshot) == row.want);
    }
  }
}

TEST_CASE("SelectorSpreadPriority only follows the controlling owner",
          "[priorities][selector_spread_priority]") {
  Pod pod = MakePod().Name("incoming").Label("app", "web").Owner("ReplicaSet", "rs").Obj();
  pod.owner_references[0].controller = false;
  const auto snapshot = MakeSnapshot({{MakeNode("n1").Obj(), Web(2)}, {MakeNode("n2").Obj(), {}}},
                                     {Controller(Kind::kReplicaSet, "rs", {{"app", "web"}})});
  CHECK(RunScores(SelectorSpreadPriority(), pod, *snapshot) == std::vector<int64_t>{100, 100});
  pod.owner_references[0].controller = true;
  CHECK(RunScores(SelectorSpreadPriority(), pod, *snapshot) == std::vector<int64_t>{0, 100});
}

TEST_CASE("SelectorSpreadPriority skips pods with topology spread constraints",
          "[priorities][selector_spread_priority]") {
  const auto snapshot = MakeSnapshot({{MakeNode("n1").Label(kZone, "a").Obj(), Web(3)},
                                      {MakeNode("n2").Label(kZone, "b").Obj(), {}}},
                                     WebService());
  const Pod pod = MakePod().Name("incoming").Label("app", "web").TopologySpread().Obj();
  CHECK(RunScores(SelectorSpreadPriority(), pod, *snapshot) == std::vector<int64_t>{0, 0});
}

TEST_CASE("SelectorSpreadPriority raw score counts matching pods",
          "[priorities][selector_spread_priority]") {
  const auto snapshot = MakeSnapshot(
      {{MakeNode("n1").Obj(), Concat(Web(4), {MakePod().Name("x").Label("app", "db").Obj()})}},
      WebService());
  const SelectorSpreadPriority plugin;
  CycleState state;
  plugin.PreScore(state, Incoming(), *snapshot, AllNodes(*snapshot));
  CHECK(plugin.Score(state, Incoming(), *snapshot->nodes()[0]) == 4);
  // Without PreScore there is no selector: raw 0.
  CHECK(plugin.Score(CycleState(), Incoming(), *snapshot->nodes()[0]) == 0);
}

}  // namespace
}  // namespace nbsched::priorities
