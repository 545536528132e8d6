// libFuzzer target: the policy.yaml loader (config::LoadPolicy); a valid policy is printed back and
// must load again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& registry = nbsched::framework::Registry::Default();
  auto policy = nbsched::config::LoadPolicy(text, "policy.yaml", registry, 1);
  if (policy.ok()) {
    if (!nbsched::config::LoadPolicy((*policy)->ToYaml(), "normalised", registry, 2).ok()) {
      __builtin_trap();  // check-policy output must itself be a valid policy
    }
  }
  return 0;
}
