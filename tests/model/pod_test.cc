// CompactBoundPod: what the live cache keeps of a bound pod.

#include "scheduler/model/pod.h"

#include <catch2/catch.hpp>
#include <string>

#include "scheduler/model/gpu.h"

namespace nbsched {
namespace {

Pod FullPod() {
  Pod pod;
  pod.name = "jupyter-a-user-with-a-long-name";
  pod.namespace_ = "jhub";
  pod.uid = "5c1e8b0a-3f2d-4e6b-9a7c-000000000001";
  pod.resource_version = "918273";
  pod.labels = {{"app", "jupyterhub"}, {"hub.jupyter.org/username", "a-user-with-a-long-name"}};
  pod.annotations = {{std::string(kGpuIndexAnnotation), "1"},
                     {"hub.jupyter.org/username", "a"},
                     {std::string(kUsageCpuAnnotation), "300"}};
  pod.owner_references.push_back({"apps/v1", "ReplicaSet", "rs", "uid-rs", true});
  pod.deleting = true;
  pod.node_name = "node-00001";
  pod.scheduler_name = "notebook-scheduler";
  Container notebook;
  notebook.name = "notebook";
  notebook.requests = {{"cpu", Quantity::FromMilli(500)}, {"memory", Quantity::FromUnits(1 << 30)}};
  notebook.limits = {{"cpu", Quantity::FromMilli(2000)}};
  notebook.ports.push_back({8888, 0, "TCP", ""});
  pod.containers.push_back(notebook);
  Container agent;
  agent.name = "agent";
  agent.ports.push_back({9090, 0, "", ""});
  agent.ports.push_back({9091, 9091, "UDP", "10.0.0.1"});
  pod.containers.push_back(agent);
  Container init;
  init.name = "init";
  init.requests = {{"cpu", Quantity::FromMilli(1000)}};
  pod.init_containers.push_back(init);
  pod.overhead = {{"cpu", Quantity::FromMilli(10)}};
  pod.node_selector = {{"hub.jupyter.org/node-purpose", "user"}};
  pod.node_affinity = NodeAffinity{};
  pod.pod_anti_affinity.required.push_back({});
  pod.pod_anti_affinity.required.back().topology_key = "kubernetes.io/hostname";
  pod.tolerations.push_back({"hub.jupyter.org/dedicated", "Equal", "user", "NoSchedule"});
  Volume pd;
  pd.name = "data";
  pd.kind = Volume::Kind::kGcePersistentDisk;
  pd.id = "disk-1";
  pod.volumes.push_back(pd);
  Volume claim;
  claim.name = "home";
  pod.volumes.push_back(claim);
  pod.has_topology_spread_constraints = true;
  pod.phase = "Running";
  pod.Finalize();
  return pod;
}

TEST_CASE("CompactBoundPod keeps what existing pods are read for", "[model][pod]") {
  const Pod full = FullPod();
  const Pod compact = CompactBoundPod(full);
  CHECK(compact.name == full.name);
  CHECK(compact.namespace_ == full.namespace_);
  CHECK(compact.uid == full.uid);
  CHECK(compact.Key() == full.Key());
  CHECK(compact.labels == full.labels);
  CHECK(compact.deleting);
  CHECK(compact.node_name == "node-00001");
  CHECK(compact.phase == "Running");
  CHECK(compact.IsActive());
  CHECK(compact.has_topology_spread_constraints);
  REQUIRE(compact.pod_anti_affinity.required.size() == 1);
  CHECK(compact.pod_anti_affinity.required[0].topology_key == "kubernetes.io/hostname");
  // The derived totals, computed from containers the compact form no longer has.
  CHECK(compact.request == full.request);
  CHECK(compact.request.milli_cpu == 1010);  // the init container's peak + overhead
  CHECK(compact.non_zero_request == full.non_zero_request);
  CHECK(compact.legacy_non_zero_request == full.legacy_non_zero_request);
  CHECK(compact.expected_usage == full.expected_usage);
  CHECK(compact.expected_usage.milli_cpu == 300);
  CHECK(compact.usage_annotated == full.usage_annotated);
  CHECK(compact.limits == full.limits);
  // Only the GPU index annotation.
  CHECK(compact.annotations == Labels{{std::string(kGpuIndexAnnotation), "1"}});
  // Only host ports, in their container.
  REQUIRE(compact.containers.size() == 1);
  REQUIRE(compact.containers[0].ports.size() == 1);
  CHECK(compact.containers[0].ports[0].host_port == 9091);
  CHECK(compact.containers[0].ports[0].protocol == "UDP");
  CHECK(compact.containers[0].ports[0].host_ip == "10.0.0.1");
  CHECK(compact.containers[0].requests.empty());
  CHECK(compact.containers[0].name.empty());
  // Only the volumes NoDiskConflict compares.
  REQUIRE(compact.volumes.size() == 1);
  CHECK(compact.volumes[0].kind == Volume::Kind::kGcePersistentDisk);
  CHECK(compact.volumes[0].id == "disk-1");
  // Dropped.
  CHECK(compact.resource_version.empty());
  CHECK(compact.owner_references.empty());
  CHECK(compact.scheduler_name.empty());
  CHECK(compact.init_containers.empty());
  CHECK(compact.overhead.empty());
  CHECK(compact.tolerations.empty());
  // No scalar request: the GPU model selectors are not needed.
  CHECK(compact.node_selector.empty());
  CHECK(!compact.node_affinity.has_value());
}

TEST_CASE("CompactBoundPod keeps the GPU model selectors of a pod asking for GPUs",
          "[model][pod]") {
  Pod full = FullPod();
  full.containers[0].limits.emplace(kResourceNvidiaGpu, Quantity::FromUnits(1));
  full.Finalize();
  REQUIRE(full.request.scalars.Get(kResourceNvidiaGpu) == 1);
  const Pod compact = CompactBoundPod(full);
  CHECK(compact.request == full.request);
  CHECK(compact.node_selector == full.node_selector);
  CHECK(compact.node_affinity.has_value());
}

}  // namespace
}  // namespace nbsched
