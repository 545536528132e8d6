// End to end with a usage source (interfaces.md §11): the real `nbsched serve --kubeconfig
// --metrics-source metrics.k8s.io` against the fake API server's metrics API, with a policy
// enabling UsageBalancedPriority: the fake's reported usage moves /prioritize (the busier node
// scores lower, then the other way round), a node without a sample says `usageFromRequests: 1`
// in /explain and in the gauges, and a 503 from the metrics API leaves the server serving (and
// logging it). Also the usage flags' errors (exit 2) and check-policy's warning. Every wait
// polls a real request against a deadline; nothing sleeps.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testing/fake_apiserver.h"
#include "tests/testing/http_client.h"
#include "tests/testing/k8s_json.h"
#include "tests/testing/process.h"
#include "tests/testing/subprocess.h"

namespace nbsched {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::FakeApiServer;
using testing::HttpClient;
using testing::Subprocess;

json Node(const std::string& name) { return testing::ReadyNodeJson(name); }

json Notebook(const std::string& name) {
  return {{"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "jhub"}, {"uid", "uid-" + name}}},
          {"spec",
           {{"containers",
             {{{"name", "notebook"},
               {"resources",
                {{"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}},
                 {"limits", {{"cpu", "2"}, {"memory", "4Gi"}}}}}}}}}},
          {"status", {{"phase", "Pending"}}}};
}

// Polls `probe` until it holds or 30 s pass; returns whether it held.
template <typename Probe>
bool Eventually(Probe probe) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    if (probe()) return true;
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// /prioritize's 0..10 score of each node, by name; empty on a bad reply.
std::map<std::string, int64_t> Prioritize(HttpClient& client) {
  const testing::HttpReply reply = client.Post(
      "/prioritize", json{{"Pod", Notebook("probe")}, {"NodeNames", {"n1", "n2"}}}.dump());
  std::map<std::string, int64_t> scores;
  if (!reply.ok() || reply.status != 200) return scores;
  const json list = json::parse(reply.body, nullptr, false);
  if (!list.is_array()) return scores;
  for (const json& e : list) scores[e.value("Host", "")] = e.value("Score", int64_t{-1});
  return scores;
}

// /explain's details of `node` (an empty object if none).
json Details(HttpClient& client, const std::string& node) {
  const testing::HttpReply reply =
      client.Post("/explain", json{{"Pod", Notebook("probe")}, {"NodeNames", {node}}}.dump());
  const json body = json::parse(reply.body, nullptr, false);
  if (!body.is_object() || !body.contains("nodes") || body["nodes"].empty()) return json::object();
  return body["nodes"][0].value("details", json::object());
}

// A gauge's value in /metrics ("" if absent).
std::string Gauge(HttpClient& client, const std::string& name) {
  const std::string text = client.Get("/metrics").body;
  const std::string key = "\n" + name + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return text.substr(start, text.find('\n', start) - start);
}

struct Files {
  explicit Files(const std::string& server_url) {
    std::filesystem::create_directories(dir);
    std::ofstream cfg(dir + "/kubeconfig");
    cfg << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
        << "clusters:\n- name: fake\n  cluster:\n    server: " << server_url << "\n"
        << "users:\n- name: me\n  user:\n    token: s3cret\n"
        << "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: me\n";
    std::ofstream policy(dir + "/policy.yaml");
    policy << "priorities:\n  - {name: UsageBalancedPriority, weight: 1}\n";
  }
  ~Files() { std::filesystem::remove_all(dir); }
  const std::string dir = "build-e2e-usage";
};

TEST_CASE("nbsched serve follows the metrics API's usage", "[e2e][usage]") {
  FakeApiServer api({"--token", "s3cret"});
  REQUIRE(api.ok());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n1").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n2").dump()).empty());
  // n1 busy, n2 nearly idle (no pods on either: by requests they are the same).
  REQUIRE(api.SetNodeUsage("n1", "3500m", "12Gi"));
  REQUIRE(api.SetNodeUsage("n2", "200m", "1Gi"));
  const Files files(api.url());

  Subprocess server({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--kubeconfig",
                     files.dir + "/kubeconfig", "--policy", files.dir + "/policy.yaml", "--threads",
                     "2", "--metrics-source", "metrics.k8s.io", "--metrics-interval", "100ms",
                     "--metrics-max-age", "2m"});
  HttpClient client(testing::ReadyPort(server));
  REQUIRE(Eventually([&] { return client.Get("/readyz").status == 200; }));

  // The busier node scores lower.
  REQUIRE(Eventually([&] {
    const auto s = Prioritize(client);
    return s.size() == 2 && s.at("n1") < s.at("n2");
  }));
  CHECK(Details(client, "n1").value("usageFromRequests", -1) == 0);
  CHECK(Gauge(client, "nbsched_usage_nodes_without_sample") == "0");

  // Flip: now n2 is the busy one.
  REQUIRE(api.SetNodeUsage("n1", "100m", "1Gi"));
  REQUIRE(api.SetNodeUsage("n2", "3900m", "14Gi"));
  CHECK(Eventually([&] {
    const auto s = Prioritize(client);
    return s.size() == 2 && s.at("n1") > s.at("n2");
  }));

  // n2's sample disappears: it scores from its requests, visibly.
  REQUIRE(api.DeleteUsage("nodes", "n2"));
  CHECK(Eventually([&] { return Details(client, "n2").value("usageFromRequests", -1) == 1; }));
  CHECK(Details(client, "n1").value("usageFromRequests", -1) == 0);
  CHECK(Eventually([&] { return Gauge(client, "nbsched_usage_nodes_without_sample") == "1"; }));
  const std::string age = Gauge(client, "nbsched_usage_sample_age_seconds");
  REQUIRE_FALSE(age.empty());
  CHECK(std::stod(age) >= 0);
  CHECK(std::stod(age) < 60);

  // The metrics API answers 503: the server keeps serving with the last samples (fresh for
  // --metrics-max-age), and says so in its log.
  REQUIRE(api.SetMetricsMode("all", "503"));
  const auto gets_before = json::parse(api.Get("/_fake/stats").body)["metrics_gets"]["nodes"];
  REQUIRE(Eventually([&] {
    return json::parse(api.Get("/_fake/stats").body)["metrics_gets"]["nodes"].get<int>() >=
           gets_before.get<int>() + 2;
  }));
  CHECK(client.Get("/healthz").status == 200);
  const auto during = Prioritize(client);
  REQUIRE(during.size() == 2);
  CHECK(Details(client, "n1").value("usageFromRequests", -1) == 0);  // kept, not yet stale

  // It comes back.
  REQUIRE(api.SetMetricsMode("all", "ok"));
  REQUIRE(api.SetNodeUsage("n2", "100m", "1Gi"));
  CHECK(Eventually([&] { return Details(client, "n2").value("usageFromRequests", -1) == 0; }));

  CHECK(server.Terminate() == 0);
  const std::string log = server.ReadAllStderr(milliseconds(2000));
  CHECK_THAT(log, Catch::Contains("usage source failed"));
  CHECK_THAT(log, Catch::Contains("metrics.k8s.io nodes: HTTP 503"));
  CHECK_THAT(log, Catch::Contains("usage source back"));
}

TEST_CASE("nbsched serve polls Prometheus and shows it in the gauges", "[e2e][usage]") {
  testing::FakePrometheus prometheus;
  REQUIRE(prometheus.ok());
  // Custom node queries keyed by `instance` (node-exporter relabelled to the node name).
  REQUIRE(prometheus.SetSeries("cpu_q", {{R"({"instance":"worker-1:9100"})", "1.5"},
                                         {R"({"instance":"worker-2:9100"})", "0.5"}}));
  REQUIRE(prometheus.SetSeries("mem_q", {{R"({"instance":"worker-1:9100"})", "1073741824"},
                                         {R"({"instance":"worker-2:9100"})", "1073741824", 600}}));
  Subprocess server(testing::ServeArgs(
      NBSCHED_BINARY,
      {"--metrics-source", "prometheus=" + prometheus.url() + "/", "--metrics-interval", "100ms",
       "--prometheus-node-cpu-query", "cpu_q", "--prometheus-node-memory-query", "mem_q"}));
  HttpClient client(testing::ReadyPort(server));
  // examples/cluster.json has 4 nodes; worker-1 has a fresh sample, worker-2 a stale one.
  CHECK(Eventually([&] { return Gauge(client, "nbsched_usage_nodes_without_sample") == "3"; }));
  CHECK_THAT(prometheus.Queries(), Catch::Contains("cpu_q"));
  REQUIRE(prometheus.SetMode("503"));
  const size_t queries_before = json::parse(prometheus.Queries()).size();
  REQUIRE(
      Eventually([&] { return json::parse(prometheus.Queries()).size() >= queries_before + 2; }));
  CHECK(client.Get("/healthz").status == 200);
  CHECK(Gauge(client, "nbsched_usage_nodes_without_sample") == "3");  // kept, still fresh
  CHECK(server.Terminate() == 0);
  CHECK_THAT(server.ReadAllStderr(milliseconds(2000)),
             Catch::Contains("prometheus node cpu query: HTTP 503"));
}

TEST_CASE("nbsched serve with a usage priority and no source warns", "[e2e][usage]") {
  const Files files("http://127.0.0.1:1");
  Subprocess server({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--snapshot",
                     "examples/cluster.json", "--policy", files.dir + "/policy.yaml", "--threads",
                     "2"});
  HttpClient client(testing::ReadyPort(server));
  CHECK(client.Get("/healthz").status == 200);
  CHECK(server.Terminate() == 0);
  CHECK_THAT(server.ReadAllStderr(milliseconds(2000)),
             Catch::Contains("it will score from requests"));

  Subprocess check({NBSCHED_BINARY, "check-policy", files.dir + "/policy.yaml"});
  CHECK(check.Wait(milliseconds(10000)) == 0);
  CHECK_THAT(check.ReadAllStderr(milliseconds(2000)),
             Catch::Contains("warning: the policy enables UsageBalancedPriority but "
                             "--metrics-source is none: it will score from requests"));
  Subprocess quiet({NBSCHED_BINARY, "check-policy", files.dir + "/policy.yaml", "--metrics-source",
                    "metrics.k8s.io"});
  CHECK(quiet.Wait(milliseconds(10000)) == 0);
  CHECK(quiet.ReadAllStderr(milliseconds(2000)).find("warning") == std::string::npos);
}

TEST_CASE("nbsched serve rejects bad usage flags with exit 2", "[e2e][usage]") {
  struct Row {
    std::vector<std::string> flags;
    std::string message;
  };
  const std::vector<Row> rows = {
      {{"--metrics-source", "statsd"},
       "flag --metrics-source must be none, metrics.k8s.io or prometheus=URL (got \"statsd\")"},
      {{"--metrics-source", "metrics.k8s.io"},
       "flag --metrics-source metrics.k8s.io needs --kubeconfig or --in-cluster"},
      {{"--metrics-source", "prometheus=localhost:9090"},
       "flag --metrics-source prometheus=URL needs an http:// or https:// URL"},
      {{"--metrics-interval", "soon"}, "flag --metrics-interval needs a positive duration"},
      {{"--metrics-max-age", "0"}, "flag --metrics-max-age needs a positive duration"},
      {{"--prometheus-node-cpu-query", "up"},
       "flag --prometheus-node-cpu-query needs --metrics-source prometheus=URL"},
      {{"--metrics-source"}, "flag --metrics-source needs a value"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.message) {
      std::vector<std::string> argv = testing::ServeArgs(NBSCHED_BINARY, row.flags);
      Subprocess run(argv);
      CHECK(run.Wait(milliseconds(10000)) == 2);
      CHECK_THAT(run.ReadAllStderr(milliseconds(2000)), Catch::Contains(row.message));
    }
  }
}

}  // namespace
}  // namespace nbsched
