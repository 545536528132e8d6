#include "scheduler/model/snapshot.h"

#include <algorithm>

namespace nbsched {

const NodeInfo* Snapshot::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : nodes_[it->second].get();
}

std::shared_ptr<const NodeInfo> Snapshot::FindShared(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : nodes_[it->second];
}

std::shared_ptr<const Snapshot> Snapshot::WithNodeInfo(
    std::shared_ptr<const NodeInfo> replacement) const {
  auto next = std::make_shared<Snapshot>();
  next->nodes_ = nodes_;
  next->workloads_ = workloads_;
  next->index_ = index_;  // names are unchanged; views stay valid while the old Node lives
  const auto it = index_.find(replacement->name());
  if (it == index_.end()) return next;
  const NodeInfo& old = *nodes_[it->second];
  // The index keys view the old Node's name: re-key this one entry to the replacement's.
  next->index_.erase(old.name());
  next->index_.emplace(replacement->name(), it->second);
  next->pod_count_ = pod_count_ - old.pods().size() + replacement->pods().size();
  const auto has_affinity = [](const std::shared_ptr<const Pod>& pod) {
    return !pod->pod_affinity.empty() || !pod->pod_anti_affinity.empty();
  };
  next->pods_with_affinity_.reserve(pods_with_affinity_.size());
  for (const auto& pod : pods_with_affinity_) {
    if (pod->node_name != old.name()) next->pods_with_affinity_.push_back(pod);
  }
  for (const auto& pod : replacement->pods()) {
    if (has_affinity(pod)) next->pods_with_affinity_.push_back(pod);
  }
  next->nodes_[it->second] = std::move(replacement);
  return next;
}

SnapshotBuilder::SnapshotBuilder(const Snapshot& base) : workloads_(base.workloads_) {
  for (const auto& info : base.nodes_) {
    nodes_.push_back(info->node_ptr());
    auto& pods = pods_by_node_[info->name()];
    pods.insert(pods.end(), info->pods().begin(), info->pods().end());
  }
}

void SnapshotBuilder::AddNode(std::shared_ptr<const Node> node) {
  nodes_.push_back(std::move(node));
}

void SnapshotBuilder::ReplaceNode(std::shared_ptr<const Node> node) {
  for (auto& existing : nodes_) {
    if (existing->name == node->name) {
      existing = std::move(node);
      return;
    }
  }
  nodes_.push_back(std::move(node));
}

void SnapshotBuilder::AddPod(std::shared_ptr<const Pod> pod) {
  if (pod->node_name.empty() || !pod->IsActive()) return;
  pods_by_node_[pod->node_name].push_back(std::move(pod));
}

void SnapshotBuilder::AddWorkload(WorkloadSelector workload) {
  workloads_.push_back(std::move(workload));
}

std::shared_ptr<const Snapshot> SnapshotBuilder::Build() && {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->nodes_.reserve(nodes_.size());
  for (auto& node : nodes_) {
    if (snapshot->index_.contains(node->name)) continue;  // first one wins on duplicate names
    std::vector<std::shared_ptr<const Pod>> pods;
    if (auto it = pods_by_node_.find(node->name); it != pods_by_node_.end())
      pods = std::move(it->second);
    for (const auto& pod : pods) {
      if (!pod->pod_affinity.empty() || !pod->pod_anti_affinity.empty()) {
        snapshot->pods_with_affinity_.push_back(pod);
      }
    }
    snapshot->pod_count_ += pods.size();
    snapshot->nodes_.push_back(std::make_shared<const NodeInfo>(std::move(node), std::move(pods)));
    snapshot->index_.emplace(snapshot->nodes_.back()->name(), snapshot->nodes_.size() - 1);
  }
  snapshot->workloads_ = std::move(workloads_);
  return snapshot;
}

}  // namespace nbsched
