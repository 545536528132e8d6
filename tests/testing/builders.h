#pragma once

/// Fluent builders for test fixtures (upstream pkg/scheduler/testing/wrappers.go style):
///   MakePod().Name("a").Req("500m", "1Gi").Gpus(1).Obj()
///   MakeNode("w1").Alloc("4", "8Gi").Gpus(4).Info({pod1, pod2})
/// Quantities are parsed with Quantity::Parse and abort the test binary on a typo.

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/model/node.h"
#include "scheduler/model/node_info.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/snapshot.h"

namespace nbsched::testing {

inline Quantity Q(const std::string& text) {
  auto q = Quantity::Parse(text);
  if (!q.ok()) {
    std::cerr << "bad quantity in test fixture: " << text << "\n";
    std::abort();
  }
  return *q;
}

class ContainerBuilder {
 public:
  explicit ContainerBuilder(std::string name = "c") { c_.name = std::move(name); }
  ContainerBuilder& Req(const std::string& resource, const std::string& q) {
    c_.requests[resource] = Q(q);
    return *this;
  }
  ContainerBuilder& Limit(const std::string& resource, const std::string& q) {
    c_.limits[resource] = Q(q);
    return *this;
  }
  ContainerBuilder& HostPort(int32_t port, std::string protocol = "", std::string ip = "") {
    c_.ports.push_back({port, port, std::move(protocol), std::move(ip)});
    return *this;
  }
  ContainerBuilder& Sidecar() {
    c_.restartable = true;
    return *this;
  }
  Container Obj() const { return c_; }

 private:
  Container c_;
};

class PodBuilder {
 public:
  PodBuilder() {
    p_.name = "pod";
    p_.namespace_ = "default";
    p_.phase = "Running";
  }
  PodBuilder& Name(std::string name) {
    p_.name = std::move(name);
    return *this;
  }
  PodBuilder& Namespace(std::string ns) {
    p_.namespace_ = std::move(ns);
    return *this;
  }
  PodBuilder& Uid(std::string uid) {
    p_.uid = std::move(uid);
    return *this;
  }
  PodBuilder& Node(std::string node) {
    p_.node_name = std::move(node);
    return *this;
  }
  PodBuilder& Phase(std::string phase) {
    p_.phase = std::move(phase);
    return *this;
  }
  PodBuilder& Label(const std::string& k, const std::string& v) {
    p_.labels[k] = v;
    return *this;
  }
  PodBuilder& Annotation(const std::string& k, const std::string& v) {
    p_.annotations[k] = v;
    return *this;
  }
  /// One container "c<N>" requesting cpu and memory (either may be "" to leave it absent).
  PodBuilder& Req(const std::string& cpu, const std::string& memory) {
    ContainerBuilder c("c" + std::to_string(p_.containers.size()));
    if (!cpu.empty()) c.Req("cpu", cpu);
    if (!memory.empty()) c.Req("memory", memory);
    p_.containers.push_back(c.Obj());
    return *this;
  }
  /// Adds `resource: amount` to the last container (creating one if there is none).
  PodBuilder& Res(const std::string& resource, const std::string& amount) {
    if (p_.containers.empty()) p_.containers.push_back(ContainerBuilder("c0").Obj());
    p_.containers.back().requests[resource] = Q(amount);
    return *this;
  }
  PodBuilder& Gpus(int64_t n, const std::string& resource = "nvidia.com/gpu") {
    return Res(resource, std::to_string(n));
  }
  PodBuilder& Container(nbsched::Container c) {
    p_.containers.push_back(std::move(c));
    return *this;
  }
  PodBuilder& InitContainer(nbsched::Container c) {
    p_.init_containers.push_back(std::move(c));
    return *this;
  }
  PodBuilder& Overhead(const std::string& resource, const std::string& q) {
    p_.overhead[resource] = Q(q);
    return *this;
  }
  PodBuilder& HostPort(int32_t port, std::string protocol = "", std::string ip = "") {
    if (p_.containers.empty()) p_.containers.push_back(ContainerBuilder("c0").Obj());
    p_.containers.back().ports.push_back({port, port, std::move(protocol), std::move(ip)});
    return *this;
  }
  PodBuilder& NodeSelector(const std::string& k, const std::string& v) {
    p_.node_selector[k] = v;
    return *this;
  }
  PodBuilder& RequiredNodeAffinity(std::vector<NodeSelectorTerm> terms) {
    if (!p_.node_affinity) p_.node_affinity.emplace();
    p_.node_affinity->required = std::move(terms);
    return *this;
  }
  PodBuilder& PreferredNodeAffinity(int32_t weight, NodeSelectorTerm term) {
    if (!p_.node_affinity) p_.node_affinity.emplace();
    p_.node_affinity->preferred.push_back({weight, std::move(term)});
    return *this;
  }
  PodBuilder& Toleration(std::string key, std::string op, std::string value, std::string effect) {
    p_.tolerations.push_back({std::move(key), std::move(op), std::move(value), std::move(effect)});
    return *this;
  }
  PodBuilder& PodAffinityRequired(PodAffinityTerm term) {
    p_.pod_affinity.required.push_back(std::move(term));
    return *this;
  }
  PodBuilder& PodAntiAffinityRequired(PodAffinityTerm term) {
    p_.pod_anti_affinity.required.push_back(std::move(term));
    return *this;
  }
  PodBuilder& Volume(nbsched::Volume v) {
    p_.volumes.push_back(std::move(v));
    return *this;
  }
  PodBuilder& Owner(std::string kind, std::string name, std::string api_version = "apps/v1") {
    p_.owner_references.push_back(
        {std::move(api_version), std::move(kind), std::move(name), "uid-" + p_.name, true});
    return *this;
  }
  PodBuilder& Deleting() {
    p_.deleting = true;
    return *this;
  }
  PodBuilder& TopologySpread() {
    p_.has_topology_spread_constraints = true;
    return *this;
  }
  /// The finalized pod (derived request totals computed).
  nbsched::Pod Obj() const {
    nbsched::Pod p = p_;
    p.Finalize();
    return p;
  }
  std::shared_ptr<const nbsched::Pod> Ptr() const {
    return std::make_shared<const nbsched::Pod>(Obj());
  }

 private:
  nbsched::Pod p_;
};

inline PodBuilder MakePod() { return PodBuilder(); }

class NodeBuilder {
 public:
  explicit NodeBuilder(std::string name) {
    n_.name = std::move(name);
    n_.labels["kubernetes.io/hostname"] = n_.name;
    n_.allocatable_list["pods"] = Q("110");
    n_.conditions.push_back({"Ready", "True"});
  }
  NodeBuilder& Alloc(const std::string& cpu, const std::string& memory) {
    n_.allocatable_list["cpu"] = Q(cpu);
    n_.allocatable_list["memory"] = Q(memory);
    return *this;
  }
  NodeBuilder& Res(const std::string& resource, const std::string& amount) {
    n_.allocatable_list[resource] = Q(amount);
    return *this;
  }
  NodeBuilder& Gpus(int64_t n, const std::string& resource = "nvidia.com/gpu") {
    return Res(resource, std::to_string(n));
  }
  NodeBuilder& MaxPods(int64_t n) { return Res("pods", std::to_string(n)); }
  NodeBuilder& Label(const std::string& k, const std::string& v) {
    n_.labels[k] = v;
    return *this;
  }
  NodeBuilder& Taint(std::string key, std::string value, std::string effect) {
    n_.taints.push_back({std::move(key), std::move(value), std::move(effect)});
    return *this;
  }
  NodeBuilder& Unschedulable() {
    n_.unschedulable = true;
    return *this;
  }
  /// Sets (or adds) a condition; `Condition("Ready", "False")` replaces the default Ready=True.
  NodeBuilder& Condition(const std::string& type, const std::string& status) {
    for (auto& c : n_.conditions) {
      if (c.type == type) {
        c.status = status;
        return *this;
      }
    }
    n_.conditions.push_back({type, status});
    return *this;
  }
  NodeBuilder& NoConditions() {
    n_.conditions.clear();
    return *this;
  }
  nbsched::Node Obj() const {
    nbsched::Node n = n_;
    n.Finalize();
    return n;
  }
  std::shared_ptr<const nbsched::Node> Ptr() const {
    return std::make_shared<const nbsched::Node>(Obj());
  }
  /// A NodeInfo with these pods running on it (their nodeName is set to this node).
  NodeInfo Info(const std::vector<nbsched::Pod>& pods = {}) const {
    std::vector<std::shared_ptr<const nbsched::Pod>> ptrs;
    for (nbsched::Pod p : pods) {
      p.node_name = n_.name;
      ptrs.push_back(std::make_shared<const nbsched::Pod>(std::move(p)));
    }
    return NodeInfo(Ptr(), std::move(ptrs));
  }

 private:
  nbsched::Node n_;
};

inline NodeBuilder MakeNode(std::string name) { return NodeBuilder(std::move(name)); }

/// A snapshot of nodes, each with its pods: {{MakeNode("a").Obj(), {pod1}}, ...}.
inline std::shared_ptr<const Snapshot> MakeSnapshot(
    const std::vector<std::pair<nbsched::Node, std::vector<nbsched::Pod>>>& nodes,
    const std::vector<WorkloadSelector>& workloads = {}) {
  SnapshotBuilder b;
  for (const auto& [node, pods] : nodes) {
    b.AddNode(std::make_shared<const nbsched::Node>(node));
    for (nbsched::Pod p : pods) {
      p.node_name = node.name;
      b.AddPod(std::make_shared<const nbsched::Pod>(std::move(p)));
    }
  }
  for (const auto& w : workloads) b.AddWorkload(w);
  return std::move(b).Build();
}

/// Requirement shorthand: Req("zone", SelectorOp::kIn, {"a"}).
inline NodeSelectorRequirement NodeReq(std::string key, SelectorOp op,
                                       std::vector<std::string> values = {}) {
  return {std::move(key), op, std::move(values)};
}

}  // namespace nbsched::testing
