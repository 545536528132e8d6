#pragma once

/// The framework runner (upstream framework/runtime): run every filter of the policy on each
/// candidate node, score the feasible ones with every priority, normalise to 0..100, form the
/// weighted sum S and map it to the extender's 0..10. Pure function of its inputs; thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/framework/decision.h"
#include "scheduler/framework/policy.h"
#include "scheduler/model/snapshot.h"
#include "scheduler/model/usage.h"

namespace nbsched::framework {

/// The nodes one request is about, resolved against a snapshot. Owns the NodeInfos it had to
/// build (request-supplied Node objects, placeholders for names the snapshot lacks).
struct Candidates {
  std::vector<const NodeInfo*> nodes;
  std::vector<char> missing;  // 1 where the name is not in the cluster state
  /// 1 where an earlier candidate has the same name (replies list each name once). May be
  /// empty (hand-built candidates): no duplicates.
  std::vector<char> duplicate;
  /// The names as the request spelt them (views into `name_chars`), so that replies need not
  /// visit every Node again. May be empty: the NodeInfos' names are used.
  std::vector<std::string_view> names;
  std::vector<char> name_chars;  // a vector: moving it keeps the characters where they are
  /// Every name in `names` is plain JSON (IsPlainJson): replies copy them without escaping.
  bool names_plain = false;
  /// Position in the snapshot's nodes() per candidate (NodeNameIndex::kNotFound when missing).
  /// Empty for request-supplied Node objects (OverlayNodes) and hand-built candidates.
  std::vector<size_t> positions;
  std::vector<std::shared_ptr<const NodeInfo>> owned;
};

/// `nodeCacheCapable: true`: names looked up in the snapshot. `expected` (optional): the
/// snapshot positions the names probably have, in order (FilterMemo: the /filter's reply); a name
/// equal to the snapshot's name at its expected position is not looked up.
Candidates ResolveNames(const Snapshot& snapshot, std::span<const std::string> names,
                        std::span<const size_t> expected = {});
/// `nodeCacheCapable: false`: the request's Node objects, each with the pods the snapshot has
/// on a node of that name (none if unknown): the request's view of the node wins.
Candidates OverlayNodes(const Snapshot& snapshot,
                        std::span<const std::shared_ptr<const Node>> nodes);

/// Reason for a candidate the cluster state does not know (UnschedulableAndUnresolvable).
inline constexpr std::string_view kNodeNotFound =
    "node(s) were not found in nbsched's cluster state";

/// Called after each plugin phase with the plugin's name and the time it took (metrics).
using PluginTimer = std::function<void(std::string_view plugin, std::chrono::nanoseconds)>;

struct ScheduleOptions {
  /// Score the feasible nodes. /filter needs scores only with best-in-filter.
  bool score = true;
  const PluginTimer* timer = nullptr;
  /// Collect each priority's Explain() details per feasible node (/explain).
  bool details = false;
  /// The filter verdict of every candidate, already known (FilterMemo: the /filter of the same
  /// scheduling cycle judged the same pod against the same policy and snapshot). Empty: run
  /// PreFilter and the filters (also when the size is not one Status per candidate).
  std::span<const Status> verdicts;
  /// Measured usage for the usage-aware priorities (interfaces.md §11), read once per request;
  /// null: no source, those priorities score every node from its pods' expected usage.
  std::shared_ptr<const UsageTable> usage;
  /// The time samples' freshness is judged at (Unix milliseconds).
  int64_t now_unix_ms = 0;
};

Decision Schedule(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                  const Candidates& candidates, const ScheduleOptions& options = {});

/// interfaces.md §4: round_half_up(S / W / 10) = (10·S + 50·W) / (100·W), 0 when W = 0,
/// clamped to 0..10.
int64_t ExtenderScore(int64_t weighted, int64_t weight_sum);

/// The GPUs a pod gets on `node` (interfaces.md §9): the first priority of the policy that
/// states a preference (GPUFragmentationPriority: the GPU its score picked), if that fits; else
/// the default rule (GpuSlots::Choose). Empty when the pod asks for no GPU or none fits.
std::vector<int> ChooseGpus(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                            const NodeInfo& node);

/// The pod fits `node` by the policy's filters once `victim_uids` are removed from it.
bool FitsWithout(const Policy& policy, const Snapshot& snapshot, const Pod& pod,
                 const NodeInfo& node, std::span<const std::string> victim_uids);

}  // namespace nbsched::framework
