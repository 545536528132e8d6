#include "scheduler/model/pod.h"

#include <algorithm>

#include "scheduler/model/gpu.h"

namespace nbsched {
namespace {

const Quantity kDefaultCpu = Quantity::FromMilli(kDefaultMilliCpuRequest);
const Quantity kDefaultMemory = Quantity::FromUnits(kDefaultMemoryRequest);

ResourceList ContainerRequest(const Container& c, bool fill_defaults) {
  ResourceList req = c.requests;
  if (fill_defaults) {
    if (!req.contains(kResourceCpu)) req.emplace(kResourceCpu, kDefaultCpu);
    if (!req.contains(kResourceMemory)) req.emplace(kResourceMemory, kDefaultMemory);
  }
  return req;
}

void AddTo(ResourceList& into, const ResourceList& add) {
  for (const auto& [name, q] : add) into[name] += q;
}

void MaxInto(ResourceList& into, const ResourceList& other) {
  for (const auto& [name, q] : other) {
    auto [it, inserted] = into.try_emplace(name, q);
    if (!inserted && it->second < q) it->second = q;
  }
}

void CopyExtendedLimits(Container& c) {
  for (const auto& [name, q] : c.limits) {
    if (IsExtendedResourceName(name) && !c.requests.contains(name)) c.requests.emplace(name, q);
  }
}

// A container's cpu and memory limits, its request where it sets none.
ResourceList ContainerLimit(const Container& c) {
  ResourceList lim;
  for (std::string_view name : {kResourceCpu, kResourceMemory}) {
    if (auto it = c.limits.find(name); it != c.limits.end()) {
      lim.emplace(name, it->second);
    } else if (auto r = c.requests.find(name); r != c.requests.end()) {
      lim.emplace(name, r->second);
    }
  }
  return lim;
}

// kubernetes-semantics.md §2's pod-level rule (regular containers and sidecars summed, the
// init containers' peak, overhead) over a per-container list.
template <typename PerContainer>
ResourceList PodLevelList(const Pod& pod, PerContainer per_container) {
  ResourceList total;
  for (const Container& c : pod.containers) AddTo(total, per_container(c));
  ResourceList sidecars;
  ResourceList init_peak;
  for (const Container& c : pod.init_containers) {
    ResourceList req = per_container(c);
    if (c.restartable) {
      AddTo(total, req);
      AddTo(sidecars, req);
      MaxInto(init_peak, sidecars);
    } else {
      AddTo(req, sidecars);  // sidecars started before it are still running
      MaxInto(init_peak, req);
    }
  }
  MaxInto(total, init_peak);
  AddTo(total, pod.overhead);
  return total;
}

}  // namespace

ResourceList EffectiveRequestList(const Pod& pod, bool fill_defaults) {
  return PodLevelList(pod, [&](const Container& c) { return ContainerRequest(c, fill_defaults); });
}

std::optional<int64_t> ParseUsageAnnotation(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + (ch - '0');
  }
  return value;
}

void Pod::Finalize() {
  for (Container& c : containers) CopyExtendedLimits(c);
  for (Container& c : init_containers) CopyExtendedLimits(c);
  request = Resources::FromList(EffectiveRequestList(*this, false));
  non_zero_request = Resources::FromList(EffectiveRequestList(*this, true));
  legacy_non_zero_request = Resources();
  for (const Container& c : containers) {
    legacy_non_zero_request.Add(Resources::FromList(ContainerRequest(c, true)));
  }
  const Resources limit = Resources::FromList(PodLevelList(*this, ContainerLimit));
  limits = {limit.milli_cpu, limit.memory};
  expected_usage = {request.milli_cpu, request.memory};
  usage_annotated = 0;
  usage_annotation_invalid = false;
  constexpr int64_t kMebibyte = 1024 * 1024;
  if (auto it = annotations.find(kUsageCpuAnnotation); it != annotations.end()) {
    if (auto v = ParseUsageAnnotation(it->second)) {
      expected_usage.milli_cpu = *v;
      usage_annotated |= 1;
    } else {
      usage_annotation_invalid = true;
    }
  }
  if (auto it = annotations.find(kUsageMemoryAnnotation); it != annotations.end()) {
    if (auto v = ParseUsageAnnotation(it->second)) {
      expected_usage.memory = *v * kMebibyte;  // < 10^12 MiB · 2^20 < 2^63
      usage_annotated |= 2;
    } else {
      usage_annotation_invalid = true;
    }
  }
}

Pod CompactBoundPod(const Pod& pod) {
  // Copy-constructed strings and vectors get their exact size (an assignment to an empty
  // string may double the capacity, the decoder's vectors grow). Boxed fields stay null unless
  // something is kept in them.
  const auto exact = [](const std::string& s) { return std::string(s); };
  Pod out;
  out.name = exact(pod.name);
  out.namespace_ = exact(pod.namespace_);
  out.uid = exact(pod.uid);
  out.labels = PodLabels::Compacted(pod.labels);
  if (auto it = pod.annotations.find(kGpuIndexAnnotation); it != pod.annotations.end()) {
    out.annotations.reserve(1);
    out.annotations.try_emplace(it->first, it->second);
  }
  out.deleting = pod.deleting;
  out.node_name = exact(pod.node_name);
  size_t with_host_ports = 0;
  for (const Container& c : pod.containers) {
    with_host_ports += std::any_of(c.ports.begin(), c.ports.end(),
                                   [](const ContainerPort& p) { return p.host_port > 0; });
  }
  if (with_host_ports > 0) out.containers.reserve(with_host_ports);
  for (const Container& c : pod.containers) {
    const auto host = [](const ContainerPort& p) { return p.host_port > 0; };
    const size_t ports = static_cast<size_t>(std::count_if(c.ports.begin(), c.ports.end(), host));
    if (ports == 0) continue;
    Container& kept = out.containers.emplace_back();
    kept.restartable = c.restartable;
    kept.ports.reserve(ports);
    for (const ContainerPort& p : c.ports) {
      if (host(p)) kept.ports.push_back(p);
    }
  }
  if (!pod.request.scalars.empty()) {
    if (!pod.node_selector.empty()) out.node_selector = pod.node_selector.get();
    if (pod.node_affinity.has_value()) out.node_affinity = pod.node_affinity.get();
  }
  const auto affinity = [](const PodAffinity& from, PodAffinity& to) {
    if (!from.required.empty()) to.required = from.required.get();
    if (!from.preferred.empty()) to.preferred = from.preferred.get();
  };
  affinity(pod.pod_affinity, out.pod_affinity);
  affinity(pod.pod_anti_affinity, out.pod_anti_affinity);
  const auto compared = [](const Volume& v) { return v.kind != Volume::Kind::kOther; };
  const size_t volumes =
      static_cast<size_t>(std::count_if(pod.volumes.begin(), pod.volumes.end(), compared));
  if (volumes > 0) out.volumes.reserve(volumes);
  for (const Volume& v : pod.volumes) {
    if (compared(v)) out.volumes.push_back(v);
  }
  out.has_topology_spread_constraints = pod.has_topology_spread_constraints;
  out.phase = exact(pod.phase);
  out.request = pod.request;
  out.non_zero_request = pod.non_zero_request;
  out.legacy_non_zero_request = pod.legacy_non_zero_request;
  out.expected_usage = pod.expected_usage;
  out.usage_annotated = pod.usage_annotated;
  out.usage_annotation_invalid = pod.usage_annotation_invalid;
  out.limits = pod.limits;
  return out;
}

}  // namespace nbsched
