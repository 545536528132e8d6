#pragma once

/// The extender endpoints (interfaces.md §4) on top of the generic HttpServer: decode with the
/// codec, read the current policy and snapshot once, run the framework, encode. Thread-safe:
/// handlers share only published immutable state. The scheduling itself is scheduling_core's,
/// shared with the gRPC service.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "scheduler/framework/policy.h"
#include "scheduler/model/published.h"
#include "scheduler/server/http_server.h"
#include "scheduler/server/scheduling_core.h"
#include "scheduler/state/cluster_state.h"

namespace nbsched::server {

/// Pods seen in filter/prioritize requests, by UID and by namespace/name, so that /bind (which
/// carries only names) can account the pod's requests. Bounded: oldest forgotten first.
/// Thread-safe.
class SeenPods {
 public:
  explicit SeenPods(size_t capacity) : capacity_(capacity) {}
  void Remember(std::shared_ptr<const Pod> pod);
  std::shared_ptr<const Pod> Find(const std::string& uid, const std::string& ns,
                                  const std::string& name) const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Pod>> by_key_;  // uid and ns/name
  std::deque<std::shared_ptr<const Pod>> order_;
};

class ExtenderService {
 public:
  ExtenderService(state::ClusterState& cluster, Published<framework::Policy>& policies,
                  ExtenderOptions options);

  /// Adds every route: POST /filter /prioritize /explain /bind /preempt, GET /healthz /readyz.
  void Register(HttpServer& server);

  HttpResponse Filter(const HttpRequest& request) const;
  /// Filter as the HTTP server's /filter route runs it: in the full-NodeList mode the reply's
  /// echoed nodes are HttpResponse::body_parts viewing `request.body` (valid until the reply is
  /// written, as HttpServer keeps the request), not copied into `body`.
  HttpResponse FilterGathered(const HttpRequest& request) const;
  HttpResponse Prioritize(const HttpRequest& request) const;
  HttpResponse Explain(const HttpRequest& request) const;
  HttpResponse Bind(const HttpRequest& request) const;
  HttpResponse Preempt(const HttpRequest& request) const;
  HttpResponse Healthz(const HttpRequest& request) const;
  HttpResponse Readyz(const HttpRequest& request) const;

 private:
  state::ClusterState& cluster_;
  Published<framework::Policy>& policies_;
  ExtenderOptions options_;
  mutable SeenPods seen_;
};

}  // namespace nbsched::server
