#pragma once

/// Steady CPU and memory usage of simulated pods (interfaces.md §11). A pod's usage is its
/// annotations nbsched.io/usage-cpu-milli / nbsched.io/usage-memory-mib, else its requests
/// (Pod::expected_usage); the nodes that place it count it (NodeInfo::expected_usage), which
/// is what the usage-aware priorities read in the simulator (no usage source: every node is
/// "from requests", and those requests are the annotations) and what nodes.csv's
/// cpu_used_frac / memory_used_frac report.
///
/// `--usage-model notebook` draws the annotations a pod lacks from a seeded notebook activity
/// model (README "Usage- and limits-aware priorities", docs/fig7.md), per pod from
/// (seed, pod name) so that a pod gets the same usage whatever the policy and the order:
///   idle   70 %: cpu 0.5–3 % of its cpu limit,   memory 15–40 % of its memory request
///   active 20 %: cpu 10–40 % of its cpu limit,   memory 40–100 % of its memory request
///   busy   10 %: cpu 70–100 % of its cpu limit,  memory request + 0–100 % of (limit − request)
/// (uniform within each range, in thousandths; a pod without limits counts its requests as
/// limits, Pod::limits). Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/simulate/inputs.h"

namespace nbsched::simulate {

enum class UsageModel { kNone, kNotebook };

/// "none" or "notebook"; else InvalidArgument naming the value.
absl::StatusOr<UsageModel> ParseUsageModel(std::string_view text);

/// The notebook model's draw for one pod: {cpu millicores, memory MiB}.
CpuMemory NotebookUsage(const Pod& pod, uint64_t seed);

/// The pods with the model's usage written into the annotations they lack (each pod copied and
/// finalized again). Rejects a pod whose usage annotation is not a non-negative integer
/// (InvalidArgument naming the pod and the annotation), with any model.
absl::StatusOr<std::vector<SimPod>> ApplyUsageModel(std::vector<SimPod> pods, UsageModel model,
                                                    uint64_t seed);

}  // namespace nbsched::simulate
