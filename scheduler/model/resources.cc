#include "scheduler/model/resources.h"

#include <algorithm>
#include <limits>

namespace nbsched {

bool IsExtendedResourceName(std::string_view name) {
  // IsNativeResource: no '/' or inside the kubernetes.io domain.
  if (name.find('/') == std::string_view::npos) return false;
  if (name.find("kubernetes.io/") != std::string_view::npos) return false;
  return !name.starts_with("requests.");
}

namespace {

// Upstream IsPrefixedNativeResource: `kubernetes.io/foo`, `subdomain.kubernetes.io/foo`. Such a
// name is native, not extended, yet still a scalar whose capacity PodFitsResources enforces.
bool IsPrefixedNativeResource(std::string_view name) {
  return name.find("kubernetes.io/") != std::string_view::npos;
}

}  // namespace

bool IsScalarResourceName(std::string_view name) {
  return IsExtendedResourceName(name) || name.starts_with("hugepages-") ||
         IsPrefixedNativeResource(name) || name.starts_with("attachable-volumes-");
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

int64_t ScalarResources::Find(std::string_view name) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const auto& item, std::string_view n) { return item.first < n; });
  return it != items_.end() && it->first == name ? it->second : 0;
}

void ScalarResources::Set(std::string_view name, int64_t value) {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const auto& item, std::string_view n) { return item.first < n; });
  if (it != items_.end() && it->first == name) {
    it->second = value;
  } else {
    items_.emplace(it, std::string(name), value);
  }
}

void ScalarResources::Add(std::string_view name, int64_t value) {
  Set(name, SaturatingAdd(Get(name), value));
}

Resources Resources::FromList(const ResourceList& list) {
  Resources out;
  for (const auto& [name, quantity] : list) {
    if (name == kResourceCpu) {
      out.milli_cpu = quantity.MilliValue();
    } else if (name == kResourceMemory) {
      out.memory = quantity.Value();
    } else if (name == kResourceEphemeralStorage) {
      out.ephemeral_storage = quantity.Value();
    } else if (name == kResourcePods) {
      out.allowed_pods = quantity.Value();
    } else if (IsScalarResourceName(name)) {
      out.scalars.Set(name, quantity.Value());
    }
  }
  return out;
}

int64_t Resources::Get(std::string_view name) const {
  if (name == kResourceCpu) return milli_cpu;
  if (name == kResourceMemory) return memory;
  if (name == kResourceEphemeralStorage) return ephemeral_storage;
  if (name == kResourcePods) return allowed_pods;
  return scalars.Get(name);
}

void Resources::Add(const Resources& other) {
  milli_cpu = SaturatingAdd(milli_cpu, other.milli_cpu);
  memory = SaturatingAdd(memory, other.memory);
  ephemeral_storage = SaturatingAdd(ephemeral_storage, other.ephemeral_storage);
  allowed_pods = SaturatingAdd(allowed_pods, other.allowed_pods);
  for (const auto& [name, value] : other.scalars) scalars.Add(name, value);
}

void CpuMemory::Add(const CpuMemory& other) {
  milli_cpu = SaturatingAdd(milli_cpu, other.milli_cpu);
  memory = SaturatingAdd(memory, other.memory);
}

}  // namespace nbsched
