#pragma once

/// Kubernetes API JSON → model objects (Pod, Node, Service/RC/RS/StatefulSet selectors), with
/// simdjson. Errors are InvalidArgument naming the JSON path (`Pod.spec.containers[0].resources.
/// requests.cpu: invalid quantity "1.5.0": ...`). Unknown fields are ignored; `null` and a
/// missing key are alike. Every decoded Pod/Node is Finalize()d. Thread-safe (per-thread parser).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/model/node.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/snapshot.h"

namespace nbsched::codec {

/// `path` prefixes error messages (e.g. "Pod").
[[nodiscard]] absl::StatusOr<Pod> DecodePodJson(std::string_view json,
                                                std::string_view path = "Pod");
[[nodiscard]] absl::StatusOr<Node> DecodeNodeJson(std::string_view json,
                                                  std::string_view path = "Node");

/// The objects of a `kubectl get nodes,pods,services,rc,rs,statefulsets -A -o json` List (or a
/// NodeList/PodList: any object with `items`); items of other kinds are ignored.
struct ClusterObjects {
  std::vector<std::shared_ptr<const Node>> nodes;
  std::vector<std::shared_ptr<const Pod>> pods;
  std::vector<WorkloadSelector> workloads;
};
[[nodiscard]] absl::StatusOr<ClusterObjects> DecodeList(std::string_view json);

}  // namespace nbsched::codec
