#include "scheduler/model/node_info.h"

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

NodeInfo::NodeInfo(std::shared_ptr<const Node> node, std::vector<std::shared_ptr<const Pod>> pods)
    : node_(std::move(node)), pods_(std::move(pods)) {
  for (const auto& pod : pods_) {
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
