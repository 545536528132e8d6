// `nbsched explain` end to end: the real binary reads the pod and nodes from the fake API server
// (tests/testing/fake_apiserver.py, 127.0.0.1) and judges the pod locally (--policy) or through
// a running `nbsched serve` (--server). Every wait has a deadline; nothing sleeps.

#include <catch2/catch.hpp>
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

json Pod(const std::string& name, const std::string& cpu, const std::string& node) {
  json pod = {
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", "jhub"}, {"uid", "uid-" + name}}},
      {"spec",
       {{"containers",
         {{{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}, {"memory", "1Gi"}}}}}}}}}},
      {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run Explain(std::vector<std::string> args) {
  std::vector<std::string> argv = {NBSCHED_BINARY, "explain"};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess run(argv);
  Run result;
  while (auto line = run.ReadLine(milliseconds(20000))) result.out += *line + "\n";
  result.code = run.Wait(milliseconds(20000));
  result.err = run.ReadAllStderr(milliseconds(2000));
  return result;
}

// LeastRequestedPriority alone. The 2 CPU / 1Gi notebook zoe on n2 (empty, 4 CPU / 16Gi):
// cpu 2000·100/4000 = 50, memory 15·100/16 = 93 → (50 + 93) / 2 = 71 = S (W = 1);
// extender score (10·71 + 50) / 100 = 7. n1 runs 3 of its 4 CPUs: Insufficient cpu.
constexpr const char* kZoeSummary =
    "pod jhub/jupyter-zoe fits 1 of 2 nodes; nbsched prefers n2 (weighted 71, extender score 7)";

TEST_CASE("nbsched explain answers from the API server, locally or through a server",
          "[e2e][live][explain]") {
  FakeApiServer api({"--token", "s3cret"});
  REQUIRE(api.ok());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n1").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n2").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "pods", Pod("busy", "3", "n1").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "pods", Pod("jupyter-zoe", "2", "").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "pods", Pod("jupyter-huge", "5", "").dump()).empty());

  const std::string dir = "build-e2e-explain";
  std::filesystem::create_directories(dir);
  const std::string kubeconfig = dir + "/kubeconfig";
  const std::string policy = dir + "/policy.yaml";
  {
    std::ofstream cfg(kubeconfig);
    cfg << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
        << "clusters:\n- name: fake\n  cluster:\n    server: " << api.url() << "\n"
        << "users:\n- name: me\n  user:\n    token: s3cret\n"
        << "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: me\n";
    std::ofstream p(policy);
    p << "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n";
  }

  SECTION("locally, with --policy") {
    const Run run = Explain({"--kubeconfig", kubeconfig, "--policy", policy, "jhub/jupyter-zoe"});
    CHECK(run.code == 0);
    CHECK_THAT(run.out, Catch::StartsWith(kZoeSummary));
    CHECK_THAT(run.out, Catch::Contains("NODE  FEASIBLE  SCORE  WEIGHTED  LeastRequestedPriority  "
                                        "REASONS\n"));
    CHECK_THAT(run.out,
               Catch::Contains("\nn1    no        -      -         -                       "
                               "Insufficient cpu\n"));
    CHECK_THAT(run.out, Catch::Contains("\nn2    yes       7      71        71\n"));

    const Run huge = Explain({"--kubeconfig", kubeconfig, "--policy", policy, "jhub/jupyter-huge"});
    CHECK(huge.code == 0);
    CHECK_THAT(huge.out,
               Catch::StartsWith("pod jhub/jupyter-huge fits none of the 2 nodes: Insufficient "
                                 "cpu (2)"));
  }

  SECTION("through a running nbsched, with --server") {
    Subprocess server({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--kubeconfig",
                       kubeconfig, "--policy", policy, "--threads", "2"});
    const uint16_t port = testing::ReadyPort(server);
    HttpClient client(port);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (client.Get("/readyz").status != 200 && std::chrono::steady_clock::now() < deadline) {
    }
    REQUIRE(client.Get("/readyz").status == 200);
    const Run run = Explain({"--kubeconfig", kubeconfig, "--server",
                             "http://127.0.0.1:" + std::to_string(port), "jhub/jupyter-zoe"});
    CHECK(run.code == 0);
    CHECK_THAT(run.out, Catch::StartsWith(kZoeSummary));
    CHECK_THAT(run.out, Catch::Contains("\nn2    yes       7      71        71\n"));
    // The server asked is the one judging: its /explain was called.
    CHECK_THAT(client.Get("/metrics").body,
               Catch::Contains("nbsched_requests_total{code=\"200\",verb=\"explain\"} 1"));
    CHECK(server.Terminate() == 0);

    const Run gone = Explain({"--kubeconfig", kubeconfig, "--server",
                              "http://127.0.0.1:" + std::to_string(port), "jhub/jupyter-zoe"});
    CHECK(gone.code == 1);
    CHECK_THAT(gone.err, Catch::Contains("/explain"));
  }

  SECTION("an unknown pod or a bad command line") {
    const Run unknown = Explain({"--kubeconfig", kubeconfig, "--policy", policy, "jhub/nobody"});
    CHECK(unknown.code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("pod jhub/nobody not found"));
    CHECK(unknown.out.empty());

    struct Row {
      std::vector<std::string> args;
      std::string message;
    };
    const std::vector<Row> rows = {
        {{"--policy", policy, "jhub/x"}, "explain needs --kubeconfig FILE"},
        {{"--kubeconfig", kubeconfig, "jhub/x"},
         "explain needs exactly one of --server URL, --policy FILE"},
        {{"--kubeconfig", kubeconfig, "--policy", policy, "x"},
         "explain needs NAMESPACE/POD (got \"x\")"},
        {{"--kubeconfig", kubeconfig, "--server", "127.0.0.1:8888", "jhub/x"},
         "flag --server needs an http:// or https:// URL"},
        {{"--kubeconfig", kubeconfig, "--policy", policy, "--bogus", "jhub/x"},
         "unknown flag --bogus"},
    };
    for (const Row& row : rows) {
      DYNAMIC_SECTION(row.message) {
        const Run bad = Explain(row.args);
        CHECK(bad.code == 2);
        CHECK_THAT(bad.err, Catch::Contains(row.message));
      }
    }
  }

  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nbsched
