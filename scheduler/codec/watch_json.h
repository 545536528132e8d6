#pragma once

/// Kubernetes API list pages and watch events → model objects, for the live-cluster informers
/// (scheduler/state/informer.h). A list page is `{"metadata": {"resourceVersion", "continue"},
/// "items": [...]}`; a watch event is one line of a watch stream, `{"type": "ADDED" | "MODIFIED"
/// | "DELETED" | "BOOKMARK" | "ERROR", "object": {...}}`. Only the decoded model object is kept,
/// never the raw JSON. Errors are InvalidArgument naming the JSON path. Thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/snapshot.h"

namespace nbsched::codec {

/// The kinds the informers watch.
enum class ObjectKind { kNode, kPod, kService, kReplicationController, kReplicaSet, kStatefulSet };

/// "Node", "Pod", "Service", ... (the API kind).
std::string_view KindName(ObjectKind kind);

/// One decoded API object; exactly the member of its kind is set.
struct ApiObject {
  std::string key;  // nodes: name; namespaced kinds: "namespace/name"
  std::string resource_version;
  std::shared_ptr<const Node> node;
  std::shared_ptr<const Pod> pod;
  std::optional<WorkloadSelector> workload;
};

struct ListPage {
  std::string resource_version;  // metadata.resourceVersion
  std::string continue_token;    // metadata.continue, empty on the last page
  std::vector<ApiObject> items;
  /// Items that failed to decode (skipped, so one odd object cannot block the whole cache):
  /// each message names the item's JSON path.
  std::vector<std::string> errors;
};
[[nodiscard]] absl::StatusOr<ListPage> DecodeListPage(std::string_view json, ObjectKind kind);

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  /// ADDED/MODIFIED/DELETED: the object; BOOKMARK: only resource_version is set. A DELETED
  /// object that fails to decode still gives its key (and no object).
  ApiObject object;
  /// ERROR: the metav1.Status of the object (code 410 / reason "Expired" or "Gone": relist).
  int32_t code = 0;
  std::string reason;
  std::string message;
};
[[nodiscard]] absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line, ObjectKind kind);

/// Frees the calling thread's JSON parser buffers (they return to their small initial size on
/// the next decode). simdjson keeps them at the size of the largest document parsed, about 15
/// bytes per byte of JSON: a list page of 500 notebook pods leaves ~30 MB behind on an informer
/// thread, whose watch events, one object each, need a few KB. Informers call it after a list.
void ReleaseThreadParser();

/// The `message` of a metav1.Status body (an API error reply), or the body itself (trimmed to
/// 512 bytes) when it is not one.
std::string StatusMessage(std::string_view body);

}  // namespace nbsched::codec
