// Skip (upstream's PreFilter Skip) is an optimisation only: when a predicate says it can be
// skipped for a pod, its Filter must pass that pod on every node, and it must not skip a pod its
// Filter could reject.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "predicates/check_node_condition.h"
#include "predicates/check_node_disk_pressure.h"
#include "predicates/check_node_memory_pressure.h"
#include "predicates/check_node_pid_pressure.h"
#include "predicates/check_node_unschedulable.h"
#include "predicates/match_inter_pod_affinity.h"
#include "predicates/match_node_selector.h"
#include "predicates/no_disk_conflict.h"
#include "predicates/pod_fits_host.h"
#include "predicates/pod_fits_host_ports.h"
#include "predicates/pod_fits_resources.h"
#include "predicates/pod_tolerates_node_taints.h"
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

TEST_CASE("a predicate that passes clean nodes passes every pod on them", "[predicates][skip]") {
  // Clean nodes (ready, no pressure, schedulable, untainted) of all kinds: small, full, labelled,
  // running pods with ports and disks.
  const auto snapshot = MakeSnapshot({
      {MakeNode("plain").Obj(), {}},
      {MakeNode("tiny").Alloc("100m", "64Mi").Obj(), {MakePod().Name("hog").Req("1", "1Gi").Obj()}},
      {MakeNode("labelled").Label("disk", "ssd").Label("nvidia.com/gpu.product", "A100").Obj(), {}},
      {MakeNode("busy").Obj(),
       {MakePod().Name("web").HostPort(8080).Obj(),
        MakePod().Name("db").Volume(GcePd("pd-1")).Obj()}},
  });
  const std::vector<Pod> pods = {
      MakePod().Name("plain").Req("500m", "1Gi").Obj(),
      MakePod().Name("best-effort").Obj(),
      MakePod().Name("huge").Req("1000", "10Ti").Obj(),
      MakePod().Name("pinned").Node("elsewhere").HostPort(8080).Obj(),
      MakePod().Name("picky").NodeSelector("disk", "nvme").Obj(),
      MakePod()
          .Name("tolerant")
          .Toleration("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule")
          .Obj(),
  };
  const std::vector<std::shared_ptr<const FilterPlugin>> claiming = {
      std::make_shared<CheckNodeCondition>(),      std::make_shared<CheckNodeUnschedulable>(),
      std::make_shared<CheckNodeMemoryPressure>(), std::make_shared<CheckNodeDiskPressure>(),
      std::make_shared<CheckNodePIDPressure>(),    std::make_shared<PodToleratesNodeTaints>(),
  };
  for (const auto& plugin : claiming) {
    SECTION(std::string(plugin->Name())) {
      REQUIRE(plugin->PassesCleanNodes());
      for (const Pod& pod : pods) {
        CycleState state;
        plugin->PreFilter(state, pod, *snapshot);
        for (const auto& node : snapshot->nodes()) {
          INFO(pod.name << " on " << node->name());
          REQUIRE(node->flags().clean);
          CHECK(plugin->Filter(state, pod, *node).ok());
        }
      }
    }
  }
  // Predicates that can reject a pod on a clean node must not claim it.
  const std::vector<std::shared_ptr<const FilterPlugin>> others = {
      std::make_shared<PodFitsResources>(), std::make_shared<PodFitsHost>(),
      std::make_shared<PodFitsHostPorts>(), std::make_shared<MatchNodeSelector>(),
      std::make_shared<NoDiskConflict>(),   std::make_shared<MatchInterPodAffinity>(),
  };
  for (const auto& plugin : others) CHECK_FALSE(plugin->PassesCleanNodes());
  // Any one condition, pressure, cordon or taint makes a node not clean.
  CHECK_FALSE(NodeFlags::Of(MakeNode("a").Condition("Ready", "False").Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("b").Condition("NetworkUnavailable", "True").Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("c").Condition("MemoryPressure", "True").Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("d").Condition("DiskPressure", "True").Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("e").Condition("PIDPressure", "True").Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("f").Unschedulable().Obj()).clean);
  CHECK_FALSE(NodeFlags::Of(MakeNode("g").Taint("k", "", "PreferNoSchedule").Obj()).clean);
  CHECK(NodeFlags::Of(MakeNode("h").Obj()).clean);
}

}  // namespace
}  // namespace nbsched::predicates
