#include "predicates/match_inter_pod_affinity.h"

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;
using nbsched::testing::MakeSnapshot;

constexpr const char* kZone = "topology.kubernetes.io/zone";
constexpr const char* kHost = "kubernetes.io/hostname";

PodAffinityTerm Term(Labels match, std::string key, std::vector<std::string> namespaces = {}) {
  PodAffinityTerm t;
  t.label_selector.match_labels = std::move(match);
  t.topology_key = std::move(key);
  t.namespaces = std::move(namespaces);
  return t;
}

PodAffinityTerm WithNamespaceSelector(PodAffinityTerm t, Labels selector) {
  t.namespace_selector.emplace();
  t.namespace_selector->match_labels = std::move(selector);
  return t;
}

const Status kAffinity =
    Status::UnschedulableAndUnresolvable({"node(s) didn't match pod affinity rules"});
const Status kAnti = Status::Unschedulable({"node(s) didn't match pod anti-affinity rules"});
const Status kExisting =
    Status::Unschedulable({"node(s) didn't satisfy existing pods anti-affinity rules"});

// n1, n2 in zone a; n3 in zone b; n4 without a zone label; n5, n6 in zone c.
//   n1: db (app=db, tier=backend)      n2: web (app=web, namespace "other")
//   n4: db2 (app=db), lonely (app=lonely)
//   n5: guard, with required anti-affinity against app=web in its zone (namespace default)
std::shared_ptr<const Snapshot> Cluster() {
  return MakeSnapshot({
      {MakeNode("n1").Label(kZone, "a").Obj(),
       {MakePod().Name("db").Label("app", "db").Label("tier", "backend").Obj()}},
      {MakeNode("n2").Label(kZone, "a").Obj(),
       {MakePod().Name("web").Namespace("other").Label("app", "web").Obj()}},
      {MakeNode("n3").Label(kZone, "b").Obj(), {}},
      {MakeNode("n4").Obj(),
       {MakePod().Name("db2").Label("app", "db").Obj(),
        MakePod().Name("lonely").Label("app", "lonely").Obj()}},
      {MakeNode("n5").Label(kZone, "c").Obj(),
       {MakePod()
            .Name("guard")
            .Label("app", "guard")
            .PodAntiAffinityRequired(Term({{"app", "web"}}, kZone))
            .Obj()}},
      {MakeNode("n6").Label(kZone, "c").Obj(), {}},
  });
}

TEST_CASE("MatchInterPodAffinity applies required terms per topology domain",
          "[predicates][match_inter_pod_affinity]") {
  struct Row {
    std::string name;
    Pod pod;
    std::string node;
    Status want;
  };
  const auto snapshot = Cluster();
  const PodAffinityTerm db_zone = Term({{"app", "db"}}, kZone);
  const PodAffinityTerm db_host = Term({{"app", "db"}}, kHost);
  PodAffinityTerm no_selector = Term({}, kZone);
  no_selector.label_selector.nothing = true;
  const std::vector<Row> rows = {
      {"no terms", MakePod().Obj(), "n1", Status::Success()},
      // Incoming pod's affinity.
      {"affinity: matching pod on the node", MakePod().PodAffinityRequired(db_zone).Obj(), "n1",
       Status::Success()},
      {"affinity: matching pod elsewhere in the zone", MakePod().PodAffinityRequired(db_zone).Obj(),
       "n2", Status::Success()},
      {"affinity: zone without a matching pod", MakePod().PodAffinityRequired(db_zone).Obj(), "n3",
       kAffinity},
      {"affinity: node without the topology label fails even with a matching pod on it",
       MakePod().PodAffinityRequired(db_zone).Obj(), "n4", kAffinity},
      {"affinity by hostname: on the node", MakePod().PodAffinityRequired(db_host).Obj(), "n4",
       Status::Success()},
      {"affinity by hostname: not on the node", MakePod().PodAffinityRequired(db_host).Obj(), "n2",
       kAffinity},
      {"affinity: all terms must match one pod",
       MakePod()
           .PodAffinityRequired(db_zone)
           .PodAffinityRequired(Term({{"tier", "backend"}}, kZone))
           .Obj(),
       "n2", Status::Success()},
      {"affinity: no pod matches both terms",
       MakePod()
           .PodAffinityRequired(db_zone)
           .PodAffinityRequired(Term({{"app", "web"}}, kZone))
           .Obj(),
       "n1", kAffinity},
      {"affinity: other namespace not searched by default",
       MakePod().PodAffinityRequired(Term({{"app", "web"}}, kZone)).Obj(), "n2", kAffinity},
      {"affinity: listed namespace",
       MakePod().PodAffinityRequired(Term({{"app", "web"}}, kZone, {"other"})).Obj(), "n1",
       Status::Success()},
      {"affinity: listed namespace, other zone",
       MakePod().PodAffinityRequired(Term({{"app", "web"}}, kZone, {"other"})).Obj(), "n3",
       kAffinity},
      {"affinity: empty namespace selector means all namespaces",
       MakePod()
           .PodAffinityRequired(WithNamespaceSelector(Term({{"app", "web"}}, kZone), {}))
           .Obj(),
       "n1", Status::Success()},
      {"affinity: non-empty namespace selector adds no namespace",
       MakePod()
           .PodAffinityRequired(
               WithNamespaceSelector(Term({{"app", "web"}}, kZone), {{"team", "x"}}))
           .Obj(),
       "n1", kAffinity},
      {"affinity: term without labelSelector matches no pod",
       MakePod().Label("app", "db").PodAffinityRequired(no_selector).Obj(), "n1", kAffinity},
      // First pod of a group: nothing matches anywhere and the pod matches its own terms.
      {"first of a group passes",
       MakePod().Label("app", "new").PodAffinityRequired(Term({{"app", "new"}}, kZone)).Obj(), "n3",
       Status::Success()},
      {"first of a group still needs the topology label",
       MakePod().Label("app", "new").PodAffinityRequired(Term({{"app", "new"}}, kZone)).Obj(), "n4",
       kAffinity},
      {"not first of a group when it does not match itself",
       MakePod().PodAffinityRequired(Term({{"app", "new"}}, kZone)).Obj(), "n3", kAffinity},
      {"not first of a group when the group runs in another zone",
       MakePod().Label("app", "db").PodAffinityRequired(db_zone).Obj(), "n3", kAffinity},
      // lonely runs only on n4, which has no zone label: it does not count as a group member.
      {"group members on nodes without the label do not count",
       MakePod().Label("app", "lonely").PodAffinityRequired(Term({{"app", "lonely"}}, kZone)).Obj(),
       "n3", Status::Success()},
      // Incoming pod's anti-affinity.
      {"anti-affinity: matching pod on the node", MakePod().PodAntiAffinityRequired(db_zone).Obj(),
       "n1", kAnti},
      {"anti-affinity: matching pod in the zone", MakePod().PodAntiAffinityRequired(db_zone).Obj(),
       "n2", kAnti},
      {"anti-affinity: other zone", MakePod().PodAntiAffinityRequired(db_zone).Obj(), "n3",
       Status::Success()},
      {"anti-affinity: node without the label passes",
       MakePod().PodAntiAffinityRequired(db_zone).Obj(), "n4", Status::Success()},
      {"anti-affinity by hostname", MakePod().PodAntiAffinityRequired(db_host).Obj(), "n4", kAnti},
      {"anti-affinity by hostname, other node", MakePod().PodAntiAffinityRequired(db_host).Obj(),
       "n2", Status::Success()},
      {"anti-affinity: other namespace not searched",
       MakePod().PodAntiAffinityRequired(Term({{"app", "web"}}, kZone)).Obj(), "n2",
       Status::Success()},
      {"anti-affinity: any one term suffices",
       MakePod()
           .PodAntiAffinityRequired(Term({{"app", "nope"}}, kZone))
           .PodAntiAffinityRequired(db_host)
           .Obj(),
       "n1", kAnti},
      // Existing pods' anti-affinity (guard on n5 repels app=web in namespace default, zone c).
      {"existing anti-affinity: on the node", MakePod().Label("app", "web").Obj(), "n5", kExisting},
      {"existing anti-affinity: same zone", MakePod().Label("app", "web").Obj(), "n6", kExisting},
      {"existing anti-affinity: other zone", MakePod().Label("app", "web").Obj(), "n3",
       Status::Success()},
      {"existing anti-affinity: other namespace",
       MakePod().Namespace("other").Label("app", "web").Obj(), "n5", Status::Success()},
      {"existing anti-affinity: labels do not match", MakePod().Label("app", "db").Obj(), "n5",
       Status::Success()},
      // Check order: affinity, then anti-affinity, then existing pods' anti-affinity.
      {"order: affinity first",
       MakePod().PodAffinityRequired(db_zone).PodAntiAffinityRequired(db_host).Obj(), "n3",
       kAffinity},
      {"order: anti-affinity after affinity",
       MakePod().PodAffinityRequired(db_zone).PodAntiAffinityRequired(db_host).Obj(), "n1", kAnti},
      {"order: both pass",
       MakePod().PodAffinityRequired(db_zone).PodAntiAffinityRequired(db_host).Obj(), "n2",
       Status::Success()},
      {"order: own anti-affinity before existing",
       MakePod().Label("app", "web").PodAntiAffinityRequired(Term({{"app", "guard"}}, kZone)).Obj(),
       "n6", kAnti},
  };
  const MatchInterPodAffinity plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CycleState state;
      plugin.PreFilter(state, row.pod, *snapshot);
      const NodeInfo* node = snapshot->Find(row.node);
      REQUIRE(node != nullptr);
      CHECK(plugin.Filter(state, row.pod, *node) == row.want);
    }
  }
}

TEST_CASE("MatchInterPodAffinity existing anti-affinity namespaces",
          "[predicates][match_inter_pod_affinity]") {
  struct Row {
    std::string name;
    PodAffinityTerm guard_term;
    Status want;
  };
  const std::vector<Row> rows = {
      {"term lists the incoming pod's namespace", Term({{"app", "web"}}, kZone, {"other"}),
       kExisting},
      {"term lists other namespaces", Term({{"app", "web"}}, kZone, {"default"}),
       Status::Success()},
      {"empty namespace selector: all namespaces",
       WithNamespaceSelector(Term({{"app", "web"}}, kZone), {}), kExisting},
      {"non-empty namespace selector: unknown labels, no match",
       WithNamespaceSelector(Term({{"app", "web"}}, kZone), {{"team", "x"}}), Status::Success()},
      {"hostname key: other node of the zone unaffected", Term({{"app", "web"}}, kHost, {"other"}),
       Status::Success()},
  };
  const MatchInterPodAffinity plugin;
  const Pod pod = MakePod().Namespace("other").Label("app", "web").Obj();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto snapshot = MakeSnapshot({
          {MakeNode("g").Label(kZone, "a").Obj(),
           {MakePod().Name("guard").PodAntiAffinityRequired(row.guard_term).Obj()}},
          {MakeNode("m").Label(kZone, "a").Obj(), {}},
      });
      CycleState state;
      plugin.PreFilter(state, pod, *snapshot);
      CHECK(plugin.Filter(state, pod, *snapshot->Find("m")) == row.want);
    }
  }
}

TEST_CASE("MatchInterPodAffinity without PreFilter is an error",
          "[predicates][match_inter_pod_affinity]") {
  const MatchInterPodAffinity plugin;
  CHECK(plugin.Filter(CycleState(), MakePod().Obj(), MakeNode("n").Info()) ==
        Status::Error("MatchInterPodAffinity: PreFilter state missing"));
}

}  // namespace
}  // namespace nbsched::predicates
