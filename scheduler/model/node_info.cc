#include "scheduler/model/node_info.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

namespace nbsched {

std::vector<HostPort> PodHostPorts(const Pod& pod) {
  std::vector<HostPort> out;
  for (const Container& c : pod.containers) {
    for (const ContainerPort& p : c.ports) {
      if (p.host_port <= 0) continue;
      out.push_back({p.host_ip.empty() ? "0.0.0.0" : p.host_ip,
                     p.protocol.empty() ? "TCP" : p.protocol, p.host_port});
    }
  }
  return out;
}

namespace {

// Accounts one pod on the GPUs: its annotation's GPUs when valid, else the default choice. A
// pod that fits nowhere (an over-committed node) is not accounted per GPU.
void AccountGpus(GpuSlots& slots, const Pod& pod) {
  const GpuDemand demand = PodGpuDemand(pod);
  if (demand.none() || slots.gpu_count() == 0) return;
  if (auto it = pod.annotations.find(kGpuIndexAnnotation); it != pod.annotations.end()) {
    auto gpus = ParseGpuIndex(it->second, slots.gpu_count());
    if (gpus && slots.CanTake(demand, *gpus)) {
      slots.Take(demand, *gpus);
      return;
    }
  }
  const std::vector<int> chosen = slots.Choose(demand);
  if (!chosen.empty()) slots.Take(demand, chosen);
}

TaintSet MakeTaintSet(const std::vector<Taint>& taints) {
  TaintSet set;
  set.taints = taints;
  set.failures.reserve(taints.size());
  for (const Taint& taint : taints) {
    const bool hard = taint.effect == "NoSchedule" || taint.effect == "NoExecute";
    set.failures.push_back(
        hard ? Status::UnschedulableAndUnresolvable(
                   {"node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}"})
             : Status::Success());
  }
  return set;
}

// Length-prefixed, so that no two different lists share a key.
std::string TaintKey(const std::vector<Taint>& taints) {
  std::string key;
  for (const Taint& t : taints) {
    for (const std::string* s : {&t.key, &t.value, &t.effect}) {
      key += std::to_string(s->size());
      key += ':';
      key += *s;
    }
  }
  return key;
}

}  // namespace

std::shared_ptr<const TaintSet> InternTaints(const std::vector<Taint>& taints) {
  if (taints.empty()) return nullptr;
  static std::mutex mu;
  static auto* pool = new std::unordered_map<std::string, std::weak_ptr<const TaintSet>>();
  static size_t sweep_at = 64;
  std::string key = TaintKey(taints);
  std::lock_guard<std::mutex> lock(mu);
  std::weak_ptr<const TaintSet>& slot = (*pool)[std::move(key)];
  if (auto shared = slot.lock()) return shared;
  auto made = std::make_shared<const TaintSet>(MakeTaintSet(taints));
  slot = made;
  // Sets no node uses any more are dropped once the pool has doubled since the last sweep.
  if (pool->size() >= sweep_at) {
    std::erase_if(*pool, [](const auto& entry) { return entry.second.expired(); });
    sweep_at = std::max<size_t>(64, 2 * pool->size());
  }
  return made;
}

const TaintSet& NodeInfo::taints() const {
  static const TaintSet kNone;
  return taints_ != nullptr ? *taints_ : kNone;
}

std::string_view NodeInfo::gpu_model() const {
  auto it = node_->labels.find(kGpuProductLabel);
  return it == node_->labels.end() ? std::string_view() : std::string_view(it->second);
}

NodeFlags NodeFlags::Of(const Node& node) {
  NodeFlags f;
  // CheckNodeCondition reads every condition (the last of a type wins); the pressure predicates
  // read the first of their type (Node::ConditionStatus).
  for (const NodeCondition& c : node.conditions) {
    if (c.type == "Ready") {
      f.not_ready = c.status != "True";
    } else if (c.type == "NetworkUnavailable") {
      f.network_unavailable = c.status != "False";
    }
  }
  auto is_true = [&](std::string_view type) {
    const std::string* status = node.ConditionStatus(type);
    return status != nullptr && *status == "True";
  };
  f.memory_pressure = is_true("MemoryPressure");
  f.disk_pressure = is_true("DiskPressure");
  f.pid_pressure = is_true("PIDPressure");
  f.unschedulable = node.unschedulable;
  f.has_taints = !node.taints.empty();
  f.clean = !f.not_ready && !f.network_unavailable && !f.memory_pressure && !f.disk_pressure &&
            !f.pid_pressure && !f.unschedulable && !f.has_taints;
  return f;
}

NodeInfo::NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods)
    : NodeInfo(node, std::move(pods), LabelIds::Of(node->labels)) {}

NodeInfo::NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods,
                   LabelIds label_ids)
    : flags_(NodeFlags::Of(*node)),
      label_ids_(std::move(label_ids)),
      pods_(std::move(pods)),
      allocatable_(node->allocatable),
      taints_(InternTaints(node->taints)),
      node_(std::move(node)) {
  const int64_t gpu_count = node_->allocatable.scalars.Get(kResourceNvidiaGpu);
  gpus_ = GpuSlots(static_cast<int>(std::clamp<int64_t>(gpu_count, 0, 4096)));
  for (const auto& pod : pods_) {
    AccountGpus(gpus_, *pod);
    requested_.Add(pod->request);
    non_zero_requested_.Add(pod->non_zero_request);
    legacy_non_zero_requested_.Add(pod->legacy_non_zero_request);
    expected_usage_.Add(pod->expected_usage);
    limits_.Add(pod->limits);
    for (HostPort& p : PodHostPorts(*pod)) used_ports_.push_back(std::move(p));
  }
}

std::shared_ptr<const NodeInfo> NodeInfo::WithPod(std::shared_ptr<const Pod> pod) const {
  std::vector<std::shared_ptr<const Pod>> pods = pods_;
  pods.push_back(std::move(pod));
  return std::make_shared<const NodeInfo>(node_, std::move(pods), label_ids_);
}

std::shared_ptr<const NodeInfo> NodeInfo::WithNode(std::shared_ptr<const Node> node) const {
  // Most updates (and every node of a full NodeList) leave the labels as they were.
  LabelIds ids = node->labels == node_->labels ? label_ids_ : LabelIds::Of(node->labels);
  return std::make_shared<const NodeInfo>(std::move(node), pods_, std::move(ids));
}

}  // namespace nbsched
