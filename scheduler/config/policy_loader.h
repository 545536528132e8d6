#pragma once

/// policy.yaml (the ConfigMap) → compiled framework::Policy, validated once, off the request
/// path (interfaces.md §5). Errors are InvalidArgument and name the file and line:
/// `policy.yaml:7: unknown priority "LeastRequested"`. Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/framework/policy.h"
#include "scheduler/framework/registry.h"

namespace nbsched::config {

/// Parses YAML text; `file_name` only labels messages.
[[nodiscard]] absl::StatusOr<std::shared_ptr<const framework::Policy>> LoadPolicy(
    std::string_view yaml_text, std::string_view file_name, const framework::Registry& registry,
    int64_t generation);

/// Reads and parses a file (at most 1 MiB).
[[nodiscard]] absl::StatusOr<std::shared_ptr<const framework::Policy>> LoadPolicyFile(
    const std::string& path, const framework::Registry& registry, int64_t generation);

}  // namespace nbsched::config
