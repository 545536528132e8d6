#pragma once

/// The kube-scheduler extender wire format (extender-protocol.md §4): decoding of ExtenderArgs,
/// ExtenderBindingArgs and ExtenderPreemptionArgs with top-level keys matched ASCII-case-
/// insensitively (later duplicate wins; `nodeToVictims` = `NodeNameToVictims`), and encoding of
/// the replies with the Go field names. Decode errors are InvalidArgument naming the field.
/// Thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/framework/decision.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"

namespace nbsched::codec {

/// One full Node object of a `nodeCacheCapable: false` request, with its JSON kept verbatim
/// (minified) so that a kept node is echoed back unchanged.
struct NodeItem {
  std::shared_ptr<const Node> node;
  std::string raw_json;
};

struct ExtenderArgs {
  std::shared_ptr<const Pod> pod;
  /// Set when the request carried NodeNames (cache-capable mode).
  std::optional<std::vector<std::string>> node_names;
  /// Set when the request carried Nodes (full objects). When both are present, Nodes wins
  /// for echoing and NodeNames is ignored; when neither, node_names is an empty list.
  std::optional<std::vector<NodeItem>> nodes;
  bool cache_capable() const { return !nodes.has_value(); }
};
[[nodiscard]] absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string_view body);

/// Most nodes one request may name (NodeNames entries, Nodes items, preemption map entries);
/// more is InvalidArgument naming the field and the limit. Process-wide (`--max-nodes`),
/// default kDefaultMaxNodesPerRequest; 0 means no limit. Thread-safe.
inline constexpr size_t kDefaultMaxNodesPerRequest = 10000;
void SetMaxNodesPerRequest(size_t n);
size_t MaxNodesPerRequest();

struct BindingArgs {
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
  std::string node;
};
[[nodiscard]] absl::StatusOr<BindingArgs> DecodeBindingArgs(std::string_view body);

struct Victims {
  /// Full pods (NodeNameToVictims) or UID-only pods (NodeNameToMetaVictims, uid set only).
  std::vector<std::shared_ptr<const Pod>> pods;
  int64_t num_pdb_violations = 0;
};
struct PreemptionArgs {
  std::shared_ptr<const Pod> pod;
  /// True when the request used NodeNameToMetaVictims (UIDs), false for NodeNameToVictims.
  bool meta = true;
  std::map<std::string, Victims> node_to_victims;
};
[[nodiscard]] absl::StatusOr<PreemptionArgs> DecodePreemptionArgs(std::string_view body);

// ---- replies ----

/// ExtenderFilterResult. Kept nodes: the decision's best node alone when `best` ≥ 0, else every
/// feasible node. Rejected nodes all appear in FailedNodes (reasons joined with ", "); those
/// with code UnschedulableAndUnresolvable also in FailedAndUnresolvableNodes. Cache-capable:
/// `"Nodes": null, "NodeNames": [...]`; otherwise `"Nodes": {"metadata":{},"items":[raw...]}`,
/// `"NodeNames": null`. `not_best_reason` is the FailedNodes text for feasible nodes that
/// best-in-filter did not keep.
std::string EncodeFilterResult(const framework::Decision& decision, const ExtenderArgs& args);
/// `{"Nodes": null, "NodeNames": null, "FailedNodes": {}, "FailedAndUnresolvableNodes": {},
/// "Error": message}`.
std::string EncodeFilterError(std::string_view message);
/// Bare array `[{"Host": name, "Score": n}, ...]`, input order, infeasible nodes score 0.
std::string EncodePrioritizeResult(const framework::Decision& decision);
/// interfaces.md §4 explain document. `assumed` (optional): node name → pods assumed there by
/// /bind and not yet confirmed, shown as `"assumedPods": [...]` on those nodes.
std::string EncodeExplain(const framework::Decision& decision, std::string_view pod_key,
                          const std::map<std::string, std::vector<std::string>>* assumed = nullptr);
/// `{"Error": "..."}` (bind reply; also the body of every 4xx/5xx reply).
std::string EncodeError(std::string_view message);
/// ExtenderPreemptionResult: always `{"NodeNameToMetaVictims": {node: {"Pods": [{"UID": u}],
/// "NumPDBViolations": n}}}` for the given nodes.
std::string EncodePreemptionResult(const std::map<std::string, Victims>& kept);

/// Reason text for feasible nodes dropped by `selection: best-in-filter`.
inline constexpr std::string_view kNotBestReason =
    "node(s) were not the best-scoring node (best-in-filter selection)";

}  // namespace nbsched::codec
