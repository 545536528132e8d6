#include "scheduler/model/pod.h"

#include <algorithm>

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

}  // namespace

ResourceList EffectiveRequestList(const Pod& pod, bool fill_defaults) {
  ResourceList total;
  for (const Container& c : pod.containers) AddTo(total, ContainerRequest(c, fill_defaults));
  ResourceList sidecars;
  ResourceList init_peak;
  for (const Container& c : pod.init_containers) {
    ResourceList req = ContainerRequest(c, fill_defaults);
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

void Pod::Finalize() {
  for (Container& c : containers) CopyExtendedLimits(c);
  for (Container& c : init_containers) CopyExtendedLimits(c);
  request = Resources::FromList(EffectiveRequestList(*this, false));
  non_zero_request = Resources::FromList(EffectiveRequestList(*this, true));
  legacy_non_zero_request = Resources();
  for (const Container& c : containers) {
    legacy_non_zero_request.Add(Resources::FromList(ContainerRequest(c, true)));
  }
}

}  // namespace nbsched
