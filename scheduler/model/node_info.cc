#include "scheduler/model/node_info.h"

#include <algorithm>

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

}  // namespace

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
  return f;
}

NodeInfo::NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods)
    : flags_(NodeFlags::Of(*node)),
      pods_(std::move(pods)),
      allocatable_(node->allocatable),
      node_(std::move(node)) {
  taint_failures_.reserve(node_->taints.size());
  for (const Taint& taint : node_->taints) {
    const bool hard = taint.effect == "NoSchedule" || taint.effect == "NoExecute";
    taint_failures_.push_back(
        hard ? Status::UnschedulableAndUnresolvable(
                   {"node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}"})
             : Status::Success());
  }
  const int64_t gpu_count = node_->allocatable.scalars.Get(kResourceNvidiaGpu);
  gpus_ = GpuSlots(static_cast<int>(std::clamp<int64_t>(gpu_count, 0, 4096)));
  for (const auto& pod : pods_) {
    AccountGpus(gpus_, *pod);
    requested_.Add(pod->request);
    non_zero_requested_.Add(pod->non_zero_request);
    legacy_non_zero_requested_.Add(pod->legacy_non_zero_request);
    for (HostPort& p : PodHostPorts(*pod)) used_ports_.push_back(std::move(p));
  }
}

std::shared_ptr<const NodeInfo> NodeInfo::WithPod(std::shared_ptr<const Pod> pod) const {
  std::vector<std::shared_ptr<const Pod>> pods = pods_;
  pods.push_back(std::move(pod));
  return std::make_shared<const NodeInfo>(node_, std::move(pods));
}

std::shared_ptr<const NodeInfo> NodeInfo::WithNode(std::shared_ptr<const Node> node) const {
  return std::make_shared<const NodeInfo>(std::move(node), pods_);
}

}  // namespace nbsched
