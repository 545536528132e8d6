#include "scheduler/codec/watch_json.h"

#include <simdjson.h>

#include <utility>

#include "absl/status/status.h"
#include "scheduler/codec/internal/k8s_decode.h"
#include "scheduler/codec/k8s_json.h"

namespace nbsched::codec {
namespace {

using internal::Path;
using internal::PathError;
using simdjson::dom::element;

bool IsWorkload(ObjectKind kind) { return kind != ObjectKind::kNode && kind != ObjectKind::kPod; }

// metadata.name / namespace / resourceVersion of any object.
struct Meta {
  std::string name;
  std::string namespace_;
  std::string resource_version;
};

absl::Status GetMeta(element object, const Path& p, Meta* meta) {
  return internal::ForObject(object, p, [&](std::string_view k, element v, const Path& vp) {
    if (k != "metadata") return absl::OkStatus();
    return internal::ForObject(v, vp, [&](std::string_view k2, element v2, const Path& vp2) {
      if (k2 == "name") return internal::GetString(v2, vp2, &meta->name);
      if (k2 == "namespace") return internal::GetString(v2, vp2, &meta->namespace_);
      if (k2 == "resourceVersion") return internal::GetString(v2, vp2, &meta->resource_version);
      return absl::OkStatus();
    });
  });
}

// Workload selectors are decoded by DecodeList (k8s_json.cc); the object is re-serialised into a
// one-item list. Only for Service/RC/RS/StatefulSet events, which are rare. Must be called after
// the caller is done with its own parsed document (the thread's parser is reused).
absl::StatusOr<WorkloadSelector> DecodeWorkloadText(const std::string& object_json, ObjectKind kind,
                                                    std::string_view path) {
  std::string list = "{\"kind\":\"";
  list += KindName(kind);
  list += "List\",\"items\":[";
  list += object_json;
  list += "]}";
  auto objects = DecodeList(list);
  if (!objects.ok()) {
    return absl::InvalidArgumentError(std::string(path) + ": " +
                                      std::string(objects.status().message()));
  }
  if (objects->workloads.size() != 1) {
    return absl::InvalidArgumentError(std::string(path) + ": expected a " +
                                      std::string(KindName(kind)));
  }
  return std::move(objects->workloads.front());
}

// Decodes a Node or Pod element (workloads: only the metadata; see DecodeWorkloadText).
absl::Status DecodeObject(element e, const Path& p, ObjectKind kind, ApiObject* out) {
  if (!e.is_object()) return PathError(p, "expected an object");
  Meta meta;
  NBSCHED_RETURN_IF_ERROR(GetMeta(e, p, &meta));
  out->resource_version = std::move(meta.resource_version);
  if (kind == ObjectKind::kNode) {
    auto node = std::make_shared<Node>();
    NBSCHED_RETURN_IF_ERROR(internal::DecodeNode(e, p, node.get()));
    out->key = node->name;
    out->node = std::move(node);
  } else if (kind == ObjectKind::kPod) {
    auto pod = std::make_shared<Pod>();
    NBSCHED_RETURN_IF_ERROR(internal::DecodePod(e, p, pod.get()));
    out->key = pod->Key();
    out->pod = std::move(pod);
  } else {
    out->key = meta.namespace_ + "/" + meta.name;
  }
  return absl::OkStatus();
}

absl::Status DecodeStatus(element e, const Path& p, WatchEvent* event) {
  return internal::ForObject(e, p, [&](std::string_view k, element v, const Path& vp) {
    if (k == "code") {
      int64_t code = 0;
      NBSCHED_RETURN_IF_ERROR(internal::GetInt64(v, vp, &code));
      event->code = static_cast<int32_t>(code);
      return absl::OkStatus();
    }
    if (k == "reason") return internal::GetString(v, vp, &event->reason);
    if (k == "message") return internal::GetString(v, vp, &event->message);
    return absl::OkStatus();
  });
}

}  // namespace

std::string_view KindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNode:
      return "Node";
    case ObjectKind::kPod:
      return "Pod";
    case ObjectKind::kService:
      return "Service";
    case ObjectKind::kReplicationController:
      return "ReplicationController";
    case ObjectKind::kReplicaSet:
      return "ReplicaSet";
    case ObjectKind::kStatefulSet:
      return "StatefulSet";
  }
  return "";
}

absl::StatusOr<ListPage> DecodeListPage(std::string_view json, ObjectKind kind) {
  element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(json, "list", &root));
  if (!root.is_object()) return absl::InvalidArgumentError("list: expected an object");
  const Path root_path{nullptr, "list"};
  ListPage page;
  std::vector<std::string> workload_texts;
  NBSCHED_RETURN_IF_ERROR(
      internal::ForObject(root, root_path, [&](std::string_view k, element v, const Path& vp) {
        if (k == "metadata") {
          return internal::ForObject(v, vp, [&](std::string_view k2, element v2, const Path& p2) {
            if (k2 == "resourceVersion") return internal::GetString(v2, p2, &page.resource_version);
            if (k2 == "continue") return internal::GetString(v2, p2, &page.continue_token);
            return absl::OkStatus();
          });
        }
        if (k != "items") return absl::OkStatus();
        simdjson::dom::array arr;
        if (!v.is_null() && v.get(arr) == simdjson::SUCCESS) page.items.reserve(arr.size());
        return internal::ForArray(v, vp, [&](element item, const Path& ip) {
          ApiObject object;
          if (absl::Status s = DecodeObject(item, ip, kind, &object); !s.ok()) {
            page.errors.emplace_back(s.message());
            return absl::OkStatus();
          }
          if (IsWorkload(kind)) workload_texts.push_back(simdjson::minify(item));
          page.items.push_back(std::move(object));
          return absl::OkStatus();
        });
      }));
  std::vector<ApiObject> decoded;
  decoded.reserve(page.items.size());
  for (size_t i = 0; i < workload_texts.size(); ++i) {
    auto workload = DecodeWorkloadText(workload_texts[i], kind, "list.items." + page.items[i].key);
    if (!workload.ok()) {
      page.errors.emplace_back(workload.status().message());
      continue;
    }
    page.items[i].workload = std::move(*workload);
    decoded.push_back(std::move(page.items[i]));
  }
  if (IsWorkload(kind)) page.items = std::move(decoded);
  return page;
}

absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line, ObjectKind kind) {
  element root;
  NBSCHED_RETURN_IF_ERROR(internal::ParseDocument(line, "event", &root));
  if (!root.is_object()) return absl::InvalidArgumentError("event: expected an object");
  const Path root_path{nullptr, "event"};
  std::string_view type;
  element object;
  bool have_object = false;
  NBSCHED_RETURN_IF_ERROR(
      internal::ForObject(root, root_path, [&](std::string_view k, element v, const Path& vp) {
        if (k == "type") return internal::GetStringView(v, vp, &type);
        if (k == "object" && !v.is_null()) {
          object = v;
          have_object = true;
        }
        return absl::OkStatus();
      }));
  const Path object_path = root_path.Key("object");
  if (!have_object) return PathError(object_path, "missing");
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEvent::Type::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEvent::Type::kError;
  } else {
    return PathError(root_path.Key("type"),
                     "unknown watch event type \"" + std::string(type) + "\"");
  }
  if (event.type == WatchEvent::Type::kError) {
    NBSCHED_RETURN_IF_ERROR(DecodeStatus(object, object_path, &event));
    return event;
  }
  if (event.type == WatchEvent::Type::kBookmark) {
    Meta meta;
    NBSCHED_RETURN_IF_ERROR(GetMeta(object, object_path, &meta));
    event.object.resource_version = std::move(meta.resource_version);
    return event;
  }
  if (absl::Status s = DecodeObject(object, object_path, kind, &event.object); !s.ok()) {
    if (event.type != WatchEvent::Type::kDeleted) return s;
    Meta meta;  // a deletion needs only the key
    NBSCHED_RETURN_IF_ERROR(GetMeta(object, object_path, &meta));
    event.object = ApiObject();
    event.object.key = kind == ObjectKind::kNode ? meta.name : meta.namespace_ + "/" + meta.name;
    event.object.resource_version = std::move(meta.resource_version);
    return event;
  }
  if (IsWorkload(kind) && event.type != WatchEvent::Type::kDeleted) {
    const std::string text = simdjson::minify(object);
    auto workload = DecodeWorkloadText(text, kind, "event.object");
    if (!workload.ok()) return workload.status();
    event.object.workload = std::move(*workload);
  }
  return event;
}

void ReleaseThreadParser() { internal::ThreadParser() = simdjson::dom::parser(); }

std::string StatusMessage(std::string_view body) {
  element root;
  if (internal::ParseDocument(body, "status", &root).ok() && root.is_object()) {
    std::string_view message;
    if (root.at_key("message").get(message) == simdjson::SUCCESS && !message.empty()) {
      return std::string(message);
    }
  }
  size_t end = body.size();
  while (end > 0 && (body[end - 1] == '\n' || body[end - 1] == '\r' || body[end - 1] == ' ')) --end;
  return std::string(body.substr(0, std::min<size_t>(end, 512)));
}

}  // namespace nbsched::codec
