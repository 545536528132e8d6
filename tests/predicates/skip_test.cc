// Skip (upstream's PreFilter Skip) is an optimisation only: when a predicate says it can be
// skipped for a pod, its Filter must pass that pod on every node, and it must not skip a pod its
// Filter could reject.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "predicates/check_node_memory_pressure.h"
#include "predicates/check_node_unschedulable.h"
#include "predicates/match_inter_pod_affinity.h"
#include "predicates/match_node_selector.h"
#include "predicates/no_disk_conflict.h"
#include "predicates/pod_fits_host.h"
#include "predicates/pod_fits_host_ports.h"
#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;
using nbsched::testing::MakeSnapshot;

Volume GcePd(std::string id) {
  Volume v;
  v.name = "data";
  v.kind = Volume::Kind::kGcePersistentDisk;
  v.id = std::move(id);
  return v;
}

PodAffinityTerm AntiAffinityToApp(const std::string& app) {
  PodAffinityTerm term;
  term.label_selector.match_labels = {{"app", app}};
  term.topology_key = "kubernetes.io/hostname";
  return term;
}

// Nodes that make each predicate fail for the pods that can fail there: pressure, unschedulable,
// labels, host ports, disks and an anti-affine pod.
std::shared_ptr<const Snapshot> HostileCluster() {
  return MakeSnapshot({
      {MakeNode("pressure").Condition("MemoryPressure", "True").Obj(), {}},
      {MakeNode("cordoned").Unschedulable().Obj(), {}},
      {MakeNode("labelled").Label("disk", "ssd").Obj(), {}},
      {MakeNode("ports").Obj(), {MakePod().Name("web").HostPort(8080).Obj()}},
      {MakeNode("disk").Obj(), {MakePod().Name("db").Volume(GcePd("pd-1")).Obj()}},
      {MakeNode("anti").Obj(),
       {MakePod()
            .Name("lonely")
            .Namespace("jhub")
            .Label("app", "lonely")
            .PodAntiAffinityRequired(AntiAffinityToApp("notebook"))
            .Obj()}},
  });
}

struct Case {
  std::string name;
  std::shared_ptr<const FilterPlugin> plugin;
  Pod skippable;  // Skip must be true, and Filter must pass it everywhere
  Pod needed;     // Skip must be false (its Filter rejects it on some node of the cluster)
};

TEST_CASE("a predicate that skips a pod passes it on every node", "[predicates][skip]") {
  const auto snapshot = HostileCluster();
  const Pod plain =
      MakePod().Name("nb").Namespace("jhub").Label("app", "notebook").Req("500m", "1Gi").Obj();
  const std::vector<Case> cases = {
      {"PodFitsHost", std::make_shared<PodFitsHost>(), plain,
       MakePod().Name("pinned").Node("elsewhere").Obj()},
      {"PodFitsHostPorts", std::make_shared<PodFitsHostPorts>(), plain,
       MakePod().Name("web2").HostPort(8080).Obj()},
      {"MatchNodeSelector", std::make_shared<MatchNodeSelector>(), plain,
       MakePod().Name("picky").NodeSelector("disk", "nvme").Obj()},
      {"NoDiskConflict", std::make_shared<NoDiskConflict>(), plain,
       MakePod().Name("db2").Volume(GcePd("pd-1")).Obj()},
      {"CheckNodeMemoryPressure", std::make_shared<CheckNodeMemoryPressure>(), plain,
       MakePod().Name("best-effort").Obj()},
      {"CheckNodeUnschedulable", std::make_shared<CheckNodeUnschedulable>(),
       MakePod()
           .Name("tolerant")
           .Toleration("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule")
           .Obj(),
       plain},
      {"MatchInterPodAffinity", std::make_shared<MatchInterPodAffinity>(),
       MakePod().Name("other").Namespace("jhub").Label("app", "other").Obj(), plain},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      CycleState skip_state;
      c.plugin->PreFilter(skip_state, c.skippable, *snapshot);
      REQUIRE(c.plugin->Skip(skip_state, c.skippable));
      for (const auto& node : snapshot->nodes()) {
        INFO(node->name());
        CHECK(c.plugin->Filter(skip_state, c.skippable, *node).ok());
      }
      CycleState state;
      c.plugin->PreFilter(state, c.needed, *snapshot);
      CHECK_FALSE(c.plugin->Skip(state, c.needed));
      bool rejected_somewhere = false;
      for (const auto& node : snapshot->nodes()) {
        rejected_somewhere |= !c.plugin->Filter(state, c.needed, *node).ok();
      }
      CHECK(rejected_somewhere);
    }
  }
}

}  // namespace
}  // namespace nbsched::predicates
