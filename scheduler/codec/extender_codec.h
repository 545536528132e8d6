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

/// One full Node object of a `nodeCacheCapable: false` request, with its JSON text so that a
/// kept node is echoed back unchanged: the item's bytes as they came in the request body (minified
/// only when the request took the general decoder, see DecodeExtenderArgs).
struct NodeItem {
  std::shared_ptr<const Node> node;
  /// Points into the request body, or into ExtenderArgs::storage.
  std::string_view raw_json;
};

struct ExtenderArgs {
  std::shared_ptr<const Pod> pod;
  /// Set when the request carried NodeNames (cache-capable mode).
  std::optional<std::vector<std::string>> node_names;
  /// Set when the request carried Nodes (full objects). When both are present, Nodes wins
  /// for echoing and NodeNames is ignored; when neither, node_names is an empty list.
  std::optional<std::vector<NodeItem>> nodes;
  /// What NodeItem::raw_json points into when not the caller's body (may be null).
  std::shared_ptr<const std::string> storage;
  bool cache_capable() const { return !nodes.has_value(); }
};
/// Decodes an ExtenderArgs body. A well-formed Nodes list takes the NodeList decoder: simdjson
/// On-Demand walks the body, decodes only the members the predicates read (metadata.name and
/// .labels, spec.unschedulable and .taints, status.allocatable and .conditions) with the same
/// decoders as the Node API objects, and skips the rest (images, annotations, managedFields...)
/// after simdjson's stage-1 checks (UTF-8, strings); NodeItem::raw_json are then views of `body`,
/// which must outlive the args. Any body that decoder does not accept as is (an error, a type
/// or a key it does not expect) goes through the general decoder, which validates all of it and
/// gives the errors; its raw_json are minified copies held in ExtenderArgs::storage.
[[nodiscard]] absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string_view body);
/// The NodeList decoder reuses the Nodes of the previous full-NodeList request whose read
/// members are byte for byte the same, at the same position (kube-scheduler sends the same
/// objects each cycle); this forgets them (benchmarks of the first request, tests).
void ClearNodeListCache();
/// As above; the args keep the body (ExtenderArgs::storage), so raw_json stays valid.
[[nodiscard]] absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string&& body);
[[nodiscard]] inline absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(const char* body) {
  return DecodeExtenderArgs(std::string_view(body));
}

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
/// EncodeFilterResult in parts, for a write without copying the echoed nodes: the reply is
/// `head`, then `items` joined by ",", then `tail`. Cache-capable: all of it in `head`. The
/// items are the kept nodes' NodeItem::raw_json (views: valid as long as those are).
struct FilterReplyParts {
  std::string head;
  std::vector<std::string_view> items;
  std::string tail;
};
FilterReplyParts EncodeFilterResultParts(const framework::Decision& decision,
                                         const ExtenderArgs& args);
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
