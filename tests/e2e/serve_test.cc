// End to end: the real `nbsched` binary on a free 127.0.0.1 port with the bundled examples,
// driven over real sockets. The server prints its ready line once it listens; the test reads
// it with a deadline (no sleeps) and stops the server with SIGTERM.

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/files.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/subprocess.h"

namespace nbsched {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::HttpClient;
using testing::ReadFile;
using testing::ReadyPort;
using testing::ServeArgs;
using testing::Subprocess;

TEST_CASE("nbsched serve echoes full-NodeList /filter nodes byte for byte", "[e2e]") {
  // kube-scheduler with nodeCacheCapable: false sends Node objects; the kept ones come back as
  // they were sent (here indented, with an escaped annotation), over one connection twice.
  Subprocess server(ServeArgs(NBSCHED_BINARY));
  const uint16_t port = ReadyPort(server);
  HttpClient client(port);
  const json pod = json::parse(ReadFile("examples/notebook-pod.json"));
  std::vector<std::string> items;
  const json cluster = json::parse(ReadFile("examples/cluster.json"));
  for (const json& item : cluster["items"]) {
    if (item.value("kind", "") != "Node") continue;
    json node = item;
    node["metadata"]["annotations"]["example.com/note"] = "caf\u00e9 \"quoted\"";
    items.push_back(node.dump(2, ' ', /*ensure_ascii=*/true));
  }
  REQUIRE(items.size() >= 3);
  std::string body = "{\"Pod\": " + pod.dump() + ", \"Nodes\": {\"metadata\": {}, \"items\": [\n";
  for (size_t i = 0; i < items.size(); ++i) body += (i > 0 ? ",\n" : "") + items[i];
  body += "]}, \"NodeNames\": null}";
  for (int round = 0; round < 2; ++round) {
    const auto filter = client.Post("/filter", body);
    REQUIRE(filter.ok());
    CHECK(filter.status == 200);
    const json reply = json::parse(filter.body);
    CHECK(reply["NodeNames"].is_null());
    CHECK(reply["FailedNodes"].contains("master"));
    REQUIRE(reply["Nodes"]["items"].size() == items.size() - reply["FailedNodes"].size());
    // Each kept node's text, as sent, is in the reply.
    size_t echoed = 0;
    for (const std::string& item : items) echoed += filter.body.find(item) != std::string::npos;
    CHECK(echoed == reply["Nodes"]["items"].size());
  }
  CHECK(client.connections() == 1);
}

TEST_CASE("nbsched serve answers filter and prioritize for the example notebook", "[e2e]") {
  Subprocess server(ServeArgs(NBSCHED_BINARY));
  const uint16_t port = ReadyPort(server);
  HttpClient client(port);

  const json pod = json::parse(ReadFile("examples/notebook-pod.json"));
  const json args = {
      {"Pod", pod}, {"Nodes", nullptr}, {"NodeNames", {"master", "worker-1", "worker-2", "gpu-1"}}};
  const auto filter = client.Post("/filter", args.dump());
  REQUIRE(filter.ok());
  CHECK(filter.status == 200);
  CHECK(filter.Header("Content-Type") == "application/json");
  const json kept = json::parse(filter.body);
  CHECK(kept["NodeNames"] == json{"worker-1", "worker-2", "gpu-1"});
  CHECK(kept["FailedNodes"]["master"] ==
        "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");

  const json prioritize_args = {{"Pod", pod}, {"Nodes", nullptr}, {"NodeNames", kept["NodeNames"]}};
  const auto prioritize = client.Post("/prioritize", prioritize_args.dump());  // same connection
  REQUIRE(prioritize.ok());
  // LeastRequested + Balanced + SelectorSpread + 2 × GPUAware (interfaces.md mapping):
  // S = 468, 455, 283 with W = 5 → 9, 9, 6: the CPU-only notebook keeps off the GPU node.
  CHECK(json::parse(prioritize.body) == json::parse(R"([{"Host":"worker-1","Score":9},
      {"Host":"worker-2","Score":9},{"Host":"gpu-1","Score":6}])"));
  CHECK(client.connections() == 1);  // keep-alive

  const auto health = client.Get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok");
  CHECK(client.Get("/readyz").status == 200);
  CHECK(client.Get("/nope").status == 404);
  const auto wrong_method = client.Get("/filter");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Header("Allow") == "POST");

  const auto bad = client.Post("/filter", "{\"Pod\": {\"spec\": {\"containers\": 7}}}");
  CHECK(bad.status == 400);
  CHECK_THAT(json::parse(bad.body)["Error"].get<std::string>(),
             Catch::Contains("Pod.spec.containers"));
  CHECK(client.Post("/filter", args.dump()).status == 200);  // still serving

  CHECK(server.Terminate() == 0);  // graceful stop on SIGTERM
}

// Reads a metric's value from the text format ("name{labels} value"), or -1 when absent.
double MetricValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Polls /metrics (each poll a real request) until `series` reaches at least `want`, or the
// deadline.
double WaitForMetric(HttpClient& client, const std::string& series, double want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  double value = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    value = MetricValue(client.Get("/metrics").body, series);
    if (value >= want) break;
  }
  return value;
}

TEST_CASE("nbsched serve exports metrics and reloads the policy on SIGHUP", "[e2e]") {
  const std::string dir = "build-e2e-reload";
  std::filesystem::create_directories(dir);
  const std::string policy = dir + "/policy.yaml";
  const auto write = [&policy](const std::string& text) {
    std::ofstream f(policy + ".tmp");
    f << text;
    f.close();
    std::filesystem::rename(policy + ".tmp", policy);
  };
  write("priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n");
  Subprocess server(ServeArgs(NBSCHED_BINARY, {"--policy", policy}));
  const uint16_t port = ReadyPort(server);
  HttpClient client(port);

  const json args = {{"Pod", json::parse(ReadFile("examples/notebook-pod.json"))},
                     {"NodeNames", {"worker-1", "gpu-1"}}};
  REQUIRE(client.Post("/filter", args.dump()).status == 200);
  // The /prioritize of the same cycle reuses the /filter's verdicts (the example pod has a uid
  // and a resourceVersion).
  REQUIRE(client.Post("/prioritize", args.dump()).status == 200);
  const auto metrics = client.Get("/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.Header("Content-Type"), Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK(MetricValue(metrics.body, "nbsched_requests_total{code=\"200\",verb=\"filter\"}") == 1);
  CHECK(MetricValue(metrics.body, "nbsched_nodes_evaluated_total") == 4);
  CHECK(MetricValue(metrics.body, "nbsched_filter_memo_total{result=\"hit\"}") == 1);
  CHECK(MetricValue(metrics.body, "nbsched_filter_memo_total{result=\"miss\"}") == 0);
  CHECK(MetricValue(metrics.body, "nbsched_policy_generation") == 1);
  CHECK(MetricValue(metrics.body, "nbsched_cache_nodes") == 4);
  for (const char* name :
       {"nbsched_request_duration_seconds_bucket", "nbsched_plugin_duration_seconds_bucket",
        "nbsched_policy_reload_errors_total", "nbsched_cache_pods",
        "nbsched_watch_restarts_total"}) {
    CHECK_THAT(metrics.body, Catch::Contains(name));
  }

  // A new version: the file watch (or SIGHUP) puts generation 2 in force.
  write("priorities:\n  - {name: MostRequestedPriority, weight: 3}\n");
  server.Signal(SIGHUP);
  CHECK(WaitForMetric(client, "nbsched_policy_generation", 2) == 2);
  const json explain = json::parse(client.Post("/explain", args.dump()).body);
  CHECK(explain["policyGeneration"] == 2);
  CHECK(explain["nodes"][0]["scores"].contains("MostRequestedPriority"));

  // A broken version is counted and the last good one stays in force.
  write("priorities:\n  - {name: MostRequestedPriority, weight: -3}\n");
  server.Signal(SIGHUP);
  CHECK(WaitForMetric(client, "nbsched_policy_reload_errors_total", 1) >= 1);
  CHECK(json::parse(client.Post("/explain", args.dump()).body)["policyGeneration"] == 2);
  CHECK(client.Get("/readyz").status == 200);
  CHECK(server.Terminate() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("nbsched check-policy validates and normalises", "[e2e]") {
  SECTION("the example policy is valid") {
    Subprocess run({NBSCHED_BINARY, "check-policy", "examples/policy.yaml"});
    std::string out;
    while (auto line = run.ReadLine(milliseconds(10000))) out += *line + "\n";
    CHECK(run.Wait(milliseconds(10000)) == 0);
    CHECK_THAT(out, Catch::Contains("- {name: LeastRequestedPriority, weight: 1}"));
    CHECK_THAT(out, Catch::Contains("selection: score"));
  }
  SECTION("an invalid policy exits 1 naming the line") {
    const std::string path = "build-check-policy-invalid.yaml";
    {
      std::ofstream f(path);
      f << "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n  - {name: Nope, weight: "
           "1}\n";
    }
    Subprocess run({NBSCHED_BINARY, "check-policy", path});
    CHECK(run.Wait(milliseconds(10000)) == 1);
    CHECK_THAT(run.ReadAllStderr(milliseconds(2000)),
               Catch::Contains("build-check-policy-invalid.yaml:3: unknown priority \"Nope\""));
    std::remove(path.c_str());
  }
}

TEST_CASE("nbsched rejects bad command lines with exit 2", "[e2e]") {
  struct Row {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Row> rows = {
      {{"serve", "--bogus"}, "unknown flag --bogus"},
      {{"serve", "--policy"}, "flag --policy needs a value"},
      {{"serve", "--snapshot", "examples/cluster.json"}, "serve needs --policy FILE"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"serve", "--policy", "examples/policy.yaml", "--snapshot", "examples/cluster.json",
        "--threads", "x"},
       "flag --threads needs a positive integer"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.message) {
      std::vector<std::string> argv = {NBSCHED_BINARY};
      argv.insert(argv.end(), row.args.begin(), row.args.end());
      Subprocess run(argv);
      CHECK(run.Wait(milliseconds(10000)) == 2);
      CHECK_THAT(run.ReadAllStderr(milliseconds(2000)), Catch::Contains(row.message));
    }
  }
}

TEST_CASE("nbsched serve --snapshot binds a pending pod of the file without a /filter",
          "[e2e][bind]") {
  // A replica that did not judge the pod (or restarted): the snapshot file's pod is used.
  json list = json::parse(ReadFile("examples/cluster.json"));
  json erin = json::parse(ReadFile("examples/gpu-notebook-pod.json"));  // pending, 1 GPU
  list["items"].push_back(erin);
  const std::string path = "build-e2e-snapshot-pending.json";
  {
    std::ofstream out(path);
    out << list.dump();
  }
  Subprocess server({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--snapshot", path,
                     "--policy", "examples/policy.yaml", "--threads", "2"});
  HttpClient client(ReadyPort(server));
  const auto bind = [&](const std::string& name, const std::string& uid) {
    const json args = {
        {"PodName", name}, {"PodNamespace", "jhub"}, {"PodUID", uid}, {"Node", "gpu-1"}};
    return json::parse(client.Post("/bind", args.dump()).body)["Error"].get<std::string>();
  };
  const auto assumed = [&] {
    // Probed with another pod, so that erin is never seen in a request.
    const json probe = json::parse(ReadFile("examples/notebook-pod.json"));
    const json args = {{"Pod", probe}, {"NodeNames", {"gpu-1"}}};
    return json::parse(client.Post("/explain", args.dump()).body)["nodes"][0].value("assumedPods",
                                                                                    json::array());
  };
  CHECK(assumed().empty());
  CHECK_THAT(bind("jupyter-nobody", "uid-nobody"),
             Catch::Contains("pod jhub/jupyter-nobody was not seen by /filter or /prioritize"));
  CHECK(bind("jupyter-erin", erin["metadata"]["uid"]) == "");
  CHECK(assumed() == json{"jhub/jupyter-erin"});
  CHECK(server.Terminate() == 0);
  std::remove(path.c_str());
}

TEST_CASE("nbsched serve refuses a broken snapshot or policy with a message", "[e2e]") {
  Subprocess run({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--snapshot",
                  "examples/policy.yaml", "--policy", "examples/policy.yaml"});
  CHECK(run.Wait(milliseconds(10000)) == 1);
  CHECK_THAT(run.ReadAllStderr(milliseconds(2000)), Catch::Contains("invalid snapshot"));
}

}  // namespace
}  // namespace nbsched
