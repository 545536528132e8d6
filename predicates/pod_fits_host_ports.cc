#include "predicates/pod_fits_host_ports.h"

#include <string>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kReason = "node(s) didn't have free ports for the requested pod ports";
constexpr std::string_view kBindAll = "0.0.0.0";

// Upstream HostPortInfo.CheckConflict: a wildcard wanted port conflicts with the same
// port/protocol on any IP; a specific IP conflicts with that IP and with the wildcard.
bool Conflicts(std::string_view ip, std::string_view protocol, int32_t port,
               const std::vector<HostPort>& used) {
  for (const HostPort& u : used) {
    if (u.port != port || u.protocol != protocol) continue;
    if (ip == kBindAll || u.ip == kBindAll || u.ip == ip) return true;
  }
  return false;
}

}  // namespace

bool PodFitsHostPorts::Skip(const CycleState&, const Pod& pod) const {
  for (const Container& c : pod.containers) {
    for (const ContainerPort& p : c.ports) {
      if (p.host_port > 0) return false;
    }
  }
  return true;
}

Status PodFitsHostPorts::Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  const std::vector<HostPort>& used = node.used_ports();
  if (used.empty()) return Status::Success();
  // Regular containers only, hostPort > 0, normalised like PodHostPorts() but without building a
  // vector per node.
  for (const Container& c : pod.containers) {
    for (const ContainerPort& p : c.ports) {
      if (p.host_port <= 0) continue;
      const std::string_view ip = p.host_ip.empty() ? kBindAll : std::string_view(p.host_ip);
      const std::string_view protocol =
          p.protocol.empty() ? std::string_view("TCP") : std::string_view(p.protocol);
      if (Conflicts(ip, protocol, p.host_port, used)) {
        static const Status kFailure = Status::Unschedulable({std::string(kReason)});
        return kFailure;
      }
    }
  }
  return Status::Success();
}

}  // namespace nbsched::predicates
