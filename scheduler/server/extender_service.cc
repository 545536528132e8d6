#include "scheduler/server/extender_service.h"

#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/framework/runner.h"
#include "scheduler/server/log.h"

namespace nbsched::server {
namespace {

using Clock = std::chrono::steady_clock;

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse BadRequest(const absl::Status& status) {
  return Json(400, codec::EncodeError(std::string(status.message())));
}

using Evaluated = CoreResult;

// A request's Node objects (full-NodeList mode: thousands, each with its labels) are freed after
// the reply is written rather than before it is sent.
void ReleaseAfterWrite(HttpResponse& response, codec::ExtenderArgs& args, Evaluated&& evaluated) {
  if (args.cache_capable()) return;
  response.release_after_write = std::make_shared<const std::pair<codec::ExtenderArgs, Evaluated>>(
      std::move(args), std::move(evaluated));
}

void LogRequest(std::string_view verb, const Pod& pod, size_t in, size_t out,
                Clock::time_point start) {
  if (!LogEnabled(LogLevel::kDebug)) return;
  Log(LogLevel::kDebug, "request",
      {{"verb", std::string(verb)},
       {"pod", pod.Key()},
       {"nodes_in", static_cast<int64_t>(in)},
       {"nodes_out", static_cast<int64_t>(out)},
       {"duration_ms", std::chrono::duration<double, std::milli>(Clock::now() - start).count()}});
}

}  // namespace

void SeenPods::Remember(std::shared_ptr<const Pod> pod) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!pod->uid.empty()) by_key_[pod->uid] = pod;
  by_key_[pod->Key()] = pod;
  order_.push_back(std::move(pod));
  while (order_.size() > capacity_) {
    const auto& old = order_.front();
    for (const std::string& key : {old->uid, old->Key()}) {
      auto it = by_key_.find(key);
      if (it != by_key_.end() && it->second == old) by_key_.erase(it);
    }
    order_.pop_front();
  }
}

std::shared_ptr<const Pod> SeenPods::Find(const std::string& uid, const std::string& ns,
                                          const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!uid.empty()) {
    if (auto it = by_key_.find(uid); it != by_key_.end()) return it->second;
  }
  if (auto it = by_key_.find(ns + "/" + name); it != by_key_.end()) {
    if (uid.empty() || it->second->uid.empty() || it->second->uid == uid) return it->second;
  }
  return nullptr;
}

ExtenderService::ExtenderService(state::ClusterState& cluster,
                                 Published<framework::Policy>& policies, ExtenderOptions options)
    : cluster_(cluster),
      policies_(policies),
      options_(std::move(options)),
      seen_(options_.seen_pods_capacity) {}

void ExtenderService::Register(HttpServer& server) {
  server.Route("POST", "/filter", [this](const HttpRequest& r) { return FilterGathered(r); });
  server.Route("POST", "/prioritize", [this](const HttpRequest& r) { return Prioritize(r); });
  server.Route("POST", "/explain", [this](const HttpRequest& r) { return Explain(r); });
  server.Route("POST", "/bind", [this](const HttpRequest& r) { return Bind(r); });
  server.Route("POST", "/preempt", [this](const HttpRequest& r) { return Preempt(r); });
  server.Route("GET", "/healthz", [this](const HttpRequest& r) { return Healthz(r); });
  server.Route("GET", "/readyz", [this](const HttpRequest& r) { return Readyz(r); });
}

namespace {

// Decodes the ExtenderArgs body and runs the shared core; a 400 response on bad input.
std::variant<Evaluated, HttpResponse> DecodeAndEvaluate(Verb verb, const HttpRequest& request,
                                                        Inputs inputs,
                                                        const ExtenderOptions& options,
                                                        SeenPods& seen, codec::ExtenderArgs& args) {
  auto decoded = codec::DecodeExtenderArgs(request.body);
  if (!decoded.ok()) return BadRequest(decoded.status());
  args = std::move(*decoded);
  seen.Remember(args.pod);
  if (args.cache_capable()) {
    return server::Evaluate(verb, std::move(inputs), args.pod, *args.node_names, options);
  }
  std::vector<std::shared_ptr<const Node>> nodes;
  nodes.reserve(args.nodes->size());
  for (const codec::NodeItem& item : *args.nodes) nodes.push_back(item.node);
  return server::Evaluate(verb, std::move(inputs), args.pod,
                          std::span<const std::shared_ptr<const Node>>(nodes), options);
}

}  // namespace

HttpResponse ExtenderService::Filter(const HttpRequest& request) const {
  HttpResponse response = FilterGathered(request);
  if (response.body_parts.empty()) return response;
  size_t bytes = response.body.size();
  for (std::string_view part : response.body_parts) bytes += part.size();
  response.body.reserve(bytes);
  for (std::string_view part : response.body_parts) response.body += part;
  response.body_parts.clear();
  return response;
}

HttpResponse ExtenderService::FilterGathered(const HttpRequest& request) const {
  const auto start = Clock::now();
  codec::ExtenderArgs args;
  auto result = DecodeAndEvaluate(Verb::kFilter, request, {policies_.Current(), cluster_.Current()},
                                  options_, seen_, args);
  if (auto* response = std::get_if<HttpResponse>(&result)) return *response;
  const Evaluated& e = std::get<Evaluated>(result);
  size_t kept = 0;
  for (const auto& n : e.decision.nodes) kept += n.feasible();
  LogRequest("filter", *args.pod, e.decision.nodes.size(), e.decision.best >= 0 ? 1 : kept, start);
  if (args.cache_capable()) return Json(200, codec::EncodeFilterResult(e.decision, args));
  // Full-NodeList mode: the kept nodes' text goes out from where it is (the request's body, kept
  // by the server until the reply is written), and the decoded nodes are freed after that.
  struct Held {
    codec::ExtenderArgs args;
    Evaluated evaluated;
    codec::FilterReplyParts parts;
  };
  codec::FilterReplyParts parts = codec::EncodeFilterResultParts(e.decision, args);
  auto held = std::make_shared<Held>(
      Held{std::move(args), std::get<Evaluated>(std::move(result)), std::move(parts)});
  HttpResponse response = Json(200, std::move(held->parts.head));
  response.body_parts.reserve(2 * held->parts.items.size() + 1);
  for (size_t k = 0; k < held->parts.items.size(); ++k) {
    if (k > 0) response.body_parts.push_back(",");
    response.body_parts.push_back(held->parts.items[k]);
  }
  response.body_parts.push_back(held->parts.tail);
  response.release_after_write = std::move(held);
  return response;
}

HttpResponse ExtenderService::Prioritize(const HttpRequest& request) const {
  const auto start = Clock::now();
  codec::ExtenderArgs args;
  auto result = DecodeAndEvaluate(Verb::kPrioritize, request,
                                  {policies_.Current(), cluster_.Current()}, options_, seen_, args);
  if (auto* response = std::get_if<HttpResponse>(&result)) return *response;
  const Evaluated& e = std::get<Evaluated>(result);
  LogRequest("prioritize", *args.pod, e.decision.nodes.size(), e.decision.nodes.size(), start);
  HttpResponse response = Json(200, codec::EncodePrioritizeResult(e.decision));
  ReleaseAfterWrite(response, args, std::get<Evaluated>(std::move(result)));
  return response;
}

HttpResponse ExtenderService::Explain(const HttpRequest& request) const {
  const auto start = Clock::now();
  codec::ExtenderArgs args;
  auto result = DecodeAndEvaluate(Verb::kExplain, request,
                                  {policies_.Current(), cluster_.Current()}, options_, seen_, args);
  if (auto* response = std::get_if<HttpResponse>(&result)) return *response;
  const Evaluated& e = std::get<Evaluated>(result);
  LogRequest("explain", *args.pod, e.decision.nodes.size(), e.decision.nodes.size(), start);
  const auto assumed = cluster_.AssumedByNode();
  return Json(200, codec::EncodeExplain(e.decision, args.pod->Key(), &assumed));
}

HttpResponse ExtenderService::Bind(const HttpRequest& request) const {
  auto args = codec::DecodeBindingArgs(request.body);
  if (!args.ok()) return BadRequest(args.status());
  std::shared_ptr<const Pod> pod = seen_.Find(args->pod_uid, args->pod_namespace, args->pod_name);
  if (pod == nullptr && options_.find_pod) {
    // Judged by another replica, or before this process started: the cluster state's pod, if it
    // is the same pod (a UID, when given, must match: a re-created pod is another pod).
    pod = options_.find_pod(args->pod_namespace, args->pod_name);
    if (pod != nullptr && !args->pod_uid.empty() && !pod->uid.empty() &&
        pod->uid != args->pod_uid) {
      pod = nullptr;
    }
  }
  if (pod == nullptr) {
    return Json(200, codec::EncodeError("pod " + args->pod_namespace + "/" + args->pod_name +
                                        " was not seen by /filter or /prioritize and is not in "
                                        "the cluster state; nbsched cannot account its requests"));
  }
  auto policy = policies_.Current();
  auto fits = [&policy](const Snapshot& snapshot, const Pod& p, const NodeInfo& node) {
    return framework::FitsWithout(*policy, snapshot, p, node, {});
  };
  auto assumed = cluster_.Assume(*pod, args->node, fits);
  if (!assumed.ok()) return Json(200, codec::EncodeError(std::string(assumed.status().message())));
  if (options_.binder) {
    // Live mode: the pod counts at once; the watch confirms it, a failed Binding forgets it.
    const absl::Status bound = options_.binder(**assumed, args->node);
    if (!bound.ok()) {
      cluster_.Forget((*assumed)->uid.empty() ? (*assumed)->Key() : (*assumed)->uid);
      Log(LogLevel::kWarn, "bind failed",
          {{"pod", pod->Key()}, {"node", args->node}, {"error", std::string(bound.message())}});
      return Json(200, codec::EncodeError(std::string(bound.message())));
    }
  }
  Log(LogLevel::kInfo, "bound",
      {{"verb", std::string("bind")}, {"pod", pod->Key()}, {"node", args->node}});
  return Json(200, codec::EncodeError(""));
}

HttpResponse ExtenderService::Preempt(const HttpRequest& request) const {
  auto args = codec::DecodePreemptionArgs(request.body);
  if (!args.ok()) return BadRequest(args.status());
  auto policy = policies_.Current();
  auto snapshot = cluster_.Current();
  std::map<std::string, codec::Victims> kept;
  for (const auto& [node_name, victims] : args->node_to_victims) {
    const NodeInfo* node = snapshot->Find(node_name);
    if (node == nullptr) continue;
    std::vector<std::string> uids;
    for (const auto& p : victims.pods) uids.push_back(p->uid);
    if (!options_.scheduler_name.empty() && args->pod->scheduler_name != options_.scheduler_name) {
      kept.emplace(node_name, victims);
    } else if (framework::FitsWithout(*policy, *snapshot, *args->pod, *node, uids)) {
      kept.emplace(node_name, victims);
    }
  }
  return Json(200, codec::EncodePreemptionResult(kept));
}

HttpResponse ExtenderService::Healthz(const HttpRequest&) const {
  HttpResponse r;
  r.content_type = "text/plain";
  r.body = "ok";
  return r;
}

HttpResponse ExtenderService::Readyz(const HttpRequest&) const {
  HttpResponse r;
  r.content_type = "text/plain";
  const std::string reason = options_.not_ready_reason ? options_.not_ready_reason() : "";
  if (!reason.empty()) {
    r.status = 503;
    r.body = "not ready: " + reason;
    return r;
  }
  r.body = "ok";
  return r;
}

}  // namespace nbsched::server
