#include "scheduler/state/cluster_state.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "scheduler/codec/k8s_json.h"
#include "scheduler/model/gpu.h"

namespace nbsched::state {

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadSnapshotFile(const std::string& path,
                                                                 PodsByKey* pods) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  auto objects = codec::DecodeList(text.str());
  if (!objects.ok()) {
    return absl::InvalidArgumentError(path + ": " + std::string(objects.status().message()));
  }
  SnapshotBuilder builder;
  for (auto& node : objects->nodes) builder.AddNode(std::move(node));
  if (pods != nullptr) pods->clear();
  for (auto& pod : objects->pods) {
    if (pods != nullptr && pod->IsActive()) (*pods)[pod->Key()] = pod;
    builder.AddPod(std::move(pod));
  }
  for (auto& workload : objects->workloads) builder.AddWorkload(std::move(workload));
  return std::move(builder).Build();
}

ClusterState::ClusterState(std::shared_ptr<const Snapshot> initial, std::chrono::seconds assume_ttl)
    : assume_ttl_(assume_ttl), base_(initial), snapshot_(std::move(initial)) {}

namespace {
bool BaseHasPod(const Snapshot& base, const Pod& pod) {
  const NodeInfo* node = base.Find(pod.node_name);
  if (node == nullptr) return false;
  for (const auto& p : node->pods()) {
    if (p->uid == pod.uid) return true;
  }
  return false;
}
}  // namespace

std::shared_ptr<const Snapshot> ClusterState::Rebuild() const {
  std::shared_ptr<const Snapshot> snapshot = base_;
  for (const auto& [uid, assumed] : assumed_) {
    const auto node = snapshot->FindShared(assumed.pod->node_name);
    if (node == nullptr) continue;  // the node went away: the pod counts nowhere
    snapshot = snapshot->WithNodeInfo(node->WithPod(assumed.pod));
  }
  return snapshot;
}

void ClusterState::PublishBase(std::shared_ptr<const Snapshot> base) {
  std::lock_guard<std::mutex> lock(mu_);
  base_ = std::move(base);
  for (auto it = assumed_.begin(); it != assumed_.end();) {
    it = BaseHasPod(*base_, *it->second.pod) ? assumed_.erase(it) : std::next(it);
  }
  snapshot_.Publish(Rebuild());
}

absl::StatusOr<std::shared_ptr<const Pod>> ClusterState::Assume(const Pod& pod,
                                                                const std::string& node_name,
                                                                const FitCheck& fits) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto current = snapshot_.Current();
  const auto node = current->FindShared(node_name);
  if (node == nullptr)
    return absl::NotFoundError("node \"" + node_name + "\" is not in nbsched's cluster state");
  if (!pod.uid.empty() && assumed_.contains(pod.uid)) {
    return absl::AlreadyExistsError("pod " + pod.Key() + " is already bound to node \"" +
                                    assumed_.at(pod.uid).pod->node_name + "\"");
  }
  for (const auto& info : current->nodes()) {
    for (const auto& p : info->pods()) {
      if ((!pod.uid.empty() && p->uid == pod.uid) ||
          (p->namespace_ == pod.namespace_ && p->name == pod.name)) {
        return absl::AlreadyExistsError("pod " + pod.Key() + " is already bound to node \"" +
                                        info->name() + "\"");
      }
    }
  }
  if (!fits(*current, pod, *node)) {
    return absl::FailedPreconditionError("pod " + pod.Key() + " no longer fits node \"" +
                                         node_name + "\"");
  }
  auto bound = std::make_shared<Pod>(pod);
  bound->node_name = node_name;
  // Record the GPUs it gets (interfaces.md §9), so a sharing device plugin and the next restart
  // see the same assignment.
  const GpuDemand demand = PodGpuDemand(*bound);
  if (!demand.none() && node->gpus().gpu_count() > 0 &&
      !bound->annotations.contains(kGpuIndexAnnotation)) {
    const std::vector<int> gpus =
        choose_gpus_ ? choose_gpus_(*current, *bound, *node) : node->gpus().Choose(demand);
    if (!gpus.empty()) bound->annotations[std::string(kGpuIndexAnnotation)] = FormatGpuIndex(gpus);
  }
  if (bound->phase.empty() || bound->phase == "Pending") bound->phase = "Running";
  const std::string key = bound->uid.empty() ? bound->Key() : bound->uid;
  assumed_[key] = {bound, Clock::now()};
  snapshot_.Publish(current->WithNodeInfo(node->WithPod(bound)));
  return std::shared_ptr<const Pod>(std::move(bound));
}

bool ClusterState::Forget(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  if (assumed_.erase(uid) == 0) return false;
  snapshot_.Publish(Rebuild());
  return true;
}

size_t ClusterState::ExpireAssumed(Clock::time_point now) {
  if (assume_ttl_.count() == 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  size_t expired = 0;
  for (auto it = assumed_.begin(); it != assumed_.end();) {
    if (now - it->second.at >= assume_ttl_) {
      it = assumed_.erase(it);
      ++expired;
    } else {
      ++it;
    }
  }
  if (expired > 0) snapshot_.Publish(Rebuild());
  return expired;
}

size_t ClusterState::assumed_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return assumed_.size();
}

std::map<std::string, std::vector<std::string>> ClusterState::AssumedByNode() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [uid, assumed] : assumed_)
    out[assumed.pod->node_name].push_back(assumed.pod->Key());
  return out;
}

}  // namespace nbsched::state
