#pragma once

/// Kubernetes objects as JSON for the tests that feed the fake API server or a snapshot file
/// (header-only; nlohmann/json).

#include <nlohmann/json.hpp>
#include <string>

namespace nbsched::testing {

/// A Ready node with the kubelet's hostname label and 4 CPU / 16Gi / 110 pods allocatable.
inline nlohmann::json ReadyNodeJson(const std::string& name) {
  return {{"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"allocatable", {{"cpu", "4"}, {"memory", "16Gi"}, {"pods", "110"}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

}  // namespace nbsched::testing
