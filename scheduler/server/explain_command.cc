#include "scheduler/server/explain_command.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "scheduler/codec/k8s_json.h"
#include "scheduler/codec/watch_json.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/command_line.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/state/cluster_state.h"
#include "scheduler/state/kube_client.h"

namespace nbsched::server {
namespace {

using nlohmann::json;

constexpr std::string_view kExplainUsage =
    R"(usage: nbsched explain --kubeconfig FILE (--server URL | --policy FILE) NAMESPACE/POD
                       [--context NAME] [--server-ca FILE]

Why is this pod Pending, or why on that node: reads the pod and the node names from the API
server, has nbsched judge the pod on every node, and prints one summary line and a table per
node (feasible, the 0..10 extender score, the weighted sum S, each priority's 0..100 score,
the failing predicates' reasons).

  --kubeconfig FILE  the cluster to read the pod and nodes from (list permission on pods and
                     nodes, as nbsched's own RBAC)
  --context NAME     kubeconfig context (default: its current-context)
  --server URL       ask this running nbsched's POST /explain (e.g. http://127.0.0.1:8888 after
                     'kubectl port-forward'): its policy and its cluster state, assumed pods too
  --server-ca FILE   PEM CA of an https:// --server (default: the system's trust store)
  --policy FILE      without --server: judge locally with this policy on a fresh list of the
                     cluster (nodes, pods; services and workloads when the policy spreads)

Exit 0 with the table, 1 if the pod is not found or a server cannot be asked, 2 for a bad
command line.
)";

// Every item of a (paged) list, each with its kind set (list items carry none).
absl::StatusOr<std::vector<json>> ListAll(state::KubeClient& client, const std::string& path,
                                          const std::string& kind, state::Query query = {}) {
  std::vector<json> items;
  std::string next;
  query.emplace_back("limit", "500");
  for (int page = 0; page < 100000; ++page) {
    state::Query q = query;
    if (!next.empty()) q.emplace_back("continue", next);
    auto reply = client.Get(path, q);
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) {
      std::string message = codec::StatusMessage(reply->body);
      if (message.empty()) message = "HTTP " + std::to_string(reply->status);
      return absl::UnavailableError("GET " + path + ": " + message);
    }
    json list = json::parse(reply->body, nullptr, false);
    if (list.is_discarded() || !list.is_object()) {
      return absl::UnavailableError("GET " + path + ": not a JSON list");
    }
    if (list.contains("items") && list["items"].is_array()) {
      for (json& item : list["items"]) {
        if (!item.is_object()) continue;
        if (!item.contains("kind")) item["kind"] = kind;
        items.push_back(std::move(item));
      }
    }
    next = list.value("/metadata/continue"_json_pointer, std::string());
    if (next.empty()) return items;
  }
  return absl::UnavailableError("GET " + path + ": too many pages");
}

std::string Text(const json& object, const json::json_pointer& at) {
  return object.contains(at) && object[at].is_string() ? object[at].get<std::string>() : "";
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The /explain reply of a running nbsched.
absl::StatusOr<std::string> AskServer(const ExplainCommandOptions& options,
                                      const std::string& body) {
  state::KubeConfig config;
  config.server = options.server_url;
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (!options.server_ca_path.empty()) {
    auto ca = ReadTextFile(options.server_ca_path);
    if (!ca.ok()) return ca.status();
    config.ca = *ca;
  }
  auto client = state::KubeClient::Create(config);
  if (!client.ok()) return client.status();
  auto reply = (*client)->PostJson("/explain", body);
  if (!reply.ok()) {
    return absl::UnavailableError(options.server_url +
                                  "/explain: " + std::string(reply.status().message()));
  }
  if (reply->status != 200) {
    return absl::UnavailableError(options.server_url + "/explain: HTTP " +
                                  std::to_string(reply->status) + " " + reply->body);
  }
  return reply->body;
}

// The /explain reply of the local engine on a fresh list of the cluster.
absl::StatusOr<std::string> ExplainLocally(const ExplainCommandOptions& options,
                                           state::KubeClient& client,
                                           const std::vector<json>& nodes,
                                           const std::string& body) {
  auto policy = config::LoadPolicyFile(options.policy_path, framework::Registry::Default(), 1);
  if (!policy.ok()) return policy.status();
  json list = {{"kind", "List"}, {"items", nodes}};
  auto pods = ListAll(client, "/api/v1/pods", "Pod");
  if (!pods.ok()) return pods.status();
  for (json& pod : *pods) list["items"].push_back(std::move(pod));
  bool spreads = false;
  for (const auto& scorer : (*policy)->scorers) {
    spreads |= scorer.plugin->Name() == "SelectorSpreadPriority";
  }
  if (spreads) {
    for (const auto& [path, kind] : std::vector<std::pair<std::string, std::string>>{
             {"/api/v1/services", "Service"},
             {"/api/v1/replicationcontrollers", "ReplicationController"},
             {"/apis/apps/v1/replicasets", "ReplicaSet"},
             {"/apis/apps/v1/statefulsets", "StatefulSet"}}) {
      auto items = ListAll(client, path, kind);
      if (!items.ok()) return items.status();
      for (json& item : *items) list["items"].push_back(std::move(item));
    }
  }
  auto objects = codec::DecodeList(list.dump());
  if (!objects.ok()) return objects.status();
  SnapshotBuilder builder;
  for (auto& node : objects->nodes) builder.AddNode(std::move(node));
  for (auto& pod : objects->pods) builder.AddPod(std::move(pod));
  for (auto& workload : objects->workloads) builder.AddWorkload(std::move(workload));
  state::ClusterState cluster(std::move(builder).Build());
  Published<framework::Policy> policies(*policy);
  ExtenderService service(cluster, policies, {});
  HttpRequest request;
  request.method = "POST";
  request.path = "/explain";
  request.body = body;
  const HttpResponse response = service.Explain(request);
  if (response.status != 200) {
    return absl::InvalidArgumentError("explain: HTTP " + std::to_string(response.status) + " " +
                                      response.body);
  }
  return response.body;
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string_view ExplainUsage() { return kExplainUsage; }

absl::StatusOr<ExplainCommandOptions> ParseExplainOptions(int argc, const char* const* argv) {
  FlagSet flags;
  flags.Value("kubeconfig").Value("context").Value("server").Value("server-ca").Value("policy");
  auto parsed = flags.Parse(argc, argv, 2);
  if (!parsed.ok()) return parsed.status();
  ExplainCommandOptions out;
  if (parsed->help) {
    out.help = true;
    return out;
  }
  if (!parsed->Has("kubeconfig"))
    return absl::InvalidArgumentError("explain needs --kubeconfig FILE");
  out.kubeconfig_path = *parsed->Get("kubeconfig");
  out.context = parsed->Get("context").value_or("");
  out.server_url = parsed->Get("server").value_or("");
  out.server_ca_path = parsed->Get("server-ca").value_or("");
  out.policy_path = parsed->Get("policy").value_or("");
  if (parsed->Has("server") && !out.server_url.starts_with("http://") &&
      !out.server_url.starts_with("https://")) {
    return absl::InvalidArgumentError("flag --server needs an http:// or https:// URL (got \"" +
                                      out.server_url + "\")");
  }
  if (out.server_url.empty() == out.policy_path.empty()) {
    return absl::InvalidArgumentError("explain needs exactly one of --server URL, --policy FILE");
  }
  if (!out.server_ca_path.empty() && out.server_url.empty()) {
    return absl::InvalidArgumentError("flag --server-ca needs --server");
  }
  if (parsed->positional.size() != 1) {
    return absl::InvalidArgumentError("explain takes exactly one NAMESPACE/POD");
  }
  const std::string& target = parsed->positional[0];
  const auto slash = target.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == target.size() ||
      target.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError("explain needs NAMESPACE/POD (got \"" + target + "\")");
  }
  out.pod_namespace = target.substr(0, slash);
  out.pod_name = target.substr(slash + 1);
  return out;
}

std::string FormatExplain(const std::string& explain_json, const std::string& bound_node) {
  const json reply = json::parse(explain_json, nullptr, false);
  if (reply.is_discarded() || !reply.contains("nodes") || !reply["nodes"].is_array()) {
    return "unexpected /explain reply: " + explain_json + "\n";
  }
  const std::string pod = reply.value("pod", std::string());
  const json& nodes = reply["nodes"];
  std::vector<std::string> priorities;  // in the order they first appear
  size_t feasible = 0;
  const json* best = nullptr;
  std::map<std::string, size_t> reason_counts;
  for (const json& node : nodes) {
    if (node.value("feasible", false)) {
      ++feasible;
      if (best == nullptr ||
          node.value("weighted", int64_t{0}) > best->value("weighted", int64_t{0})) {
        best = &node;
      }
    }
    if (node.contains("scores") && node["scores"].is_object()) {
      for (const auto& [name, unused] : node["scores"].items()) {
        if (std::find(priorities.begin(), priorities.end(), name) == priorities.end()) {
          priorities.push_back(name);
        }
      }
    }
    if (node.contains("reasons") && node["reasons"].is_array()) {
      for (const json& reason : node["reasons"]) {
        if (reason.is_string()) ++reason_counts[reason.get<std::string>()];
      }
    }
  }

  std::ostringstream out;
  // The one-line answer.
  if (!bound_node.empty())
    out << "pod " << pod << " is bound to " << bound_node << "; now ";
  else
    out << "pod " << pod << " ";
  if (nodes.empty()) {
    out << "has no node to go to: the cluster has no nodes";
  } else if (feasible == 0) {
    std::vector<std::pair<std::string, size_t>> reasons(reason_counts.begin(), reason_counts.end());
    std::stable_sort(reasons.begin(), reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    out << "fits none of the " << nodes.size() << " nodes:";
    for (size_t i = 0; i < reasons.size(); ++i) {
      out << (i == 0 ? " " : "; ") << reasons[i].first << " (" << reasons[i].second << ")";
    }
  } else {
    out << "fits " << feasible << " of " << nodes.size() << " nodes; nbsched prefers "
        << best->value("name", std::string()) << " (weighted " << best->value("weighted", 0)
        << ", extender score " << best->value("extenderScore", 0) << ")";
  }
  out << "  [policy generation " << reply.value("policyGeneration", 0) << "]\n";

  // The table.
  std::vector<std::string> header = {"NODE", "FEASIBLE", "SCORE", "WEIGHTED"};
  header.insert(header.end(), priorities.begin(), priorities.end());
  header.push_back("REASONS");
  std::vector<std::vector<std::string>> rows;
  for (const json& node : nodes) {
    const bool ok = node.value("feasible", false);
    std::vector<std::string> row = {node.value("name", std::string()), ok ? "yes" : "no"};
    row.push_back(ok && node.contains("extenderScore") ? node["extenderScore"].dump() : "-");
    row.push_back(ok && node.contains("weighted") ? node["weighted"].dump() : "-");
    for (const std::string& name : priorities) {
      const bool has = ok && node.contains("scores") && node["scores"].contains(name);
      row.push_back(has ? node["scores"][name].dump() : "-");
    }
    std::string reasons;
    if (node.contains("reasons") && node["reasons"].is_array()) {
      for (const json& reason : node["reasons"]) {
        if (!reasons.empty()) reasons += ", ";
        reasons += reason.is_string() ? reason.get<std::string>() : reason.dump();
      }
    }
    row.push_back(reasons);
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  const auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : Pad(row[c], widths[c]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
  return out.str();
}

int RunExplain(const ExplainCommandOptions& options, std::ostream& out, std::ostream& err) {
  const auto fail = [&err](const absl::Status& status) {
    err << "nbsched: " << status.message() << "\n";
    return 1;
  };
  auto config = state::LoadKubeconfig(options.kubeconfig_path, options.context);
  if (!config.ok()) return fail(config.status());
  auto client = state::KubeClient::Create(*config);
  if (!client.ok()) return fail(client.status());

  // The pod: the field selector narrows the list on a real API server; the match is checked
  // here all the same.
  const std::string key = options.pod_namespace + "/" + options.pod_name;
  auto pods = ListAll(**client, "/api/v1/pods", "Pod",
                      {{"fieldSelector", "metadata.namespace=" + options.pod_namespace +
                                             ",metadata.name=" + options.pod_name}});
  if (!pods.ok()) return fail(pods.status());
  const json* pod = nullptr;
  for (const json& item : *pods) {
    if (Text(item, "/metadata/namespace"_json_pointer) == options.pod_namespace &&
        Text(item, "/metadata/name"_json_pointer) == options.pod_name) {
      pod = &item;
    }
  }
  if (pod == nullptr) return fail(absl::NotFoundError("pod " + key + " not found"));
  auto nodes = ListAll(**client, "/api/v1/nodes", "Node");
  if (!nodes.ok()) return fail(nodes.status());
  std::vector<std::string> names;
  for (const json& node : *nodes) names.push_back(Text(node, "/metadata/name"_json_pointer));
  const std::string body = json{{"Pod", *pod}, {"NodeNames", names}}.dump();

  auto explained = options.server_url.empty() ? ExplainLocally(options, **client, *nodes, body)
                                              : AskServer(options, body);
  if (!explained.ok()) return fail(explained.status());
  out << FormatExplain(*explained, Text(*pod, "/spec/nodeName"_json_pointer));
  return 0;
}

}  // namespace nbsched::server
