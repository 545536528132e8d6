// Replicas answer alike (interfaces.md §10): two real `nbsched serve --kubeconfig` processes
// against the fake API server on 127.0.0.1. kube-scheduler may send /filter to one replica and
// /bind to another (a Service in front of a Deployment), or a replica may restart between them;
// /bind then takes the pod from the process's own watch (pending pods are watched). Every wait
// polls a real request against a deadline; nothing sleeps.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
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
using testing::FakeApiServer;
using testing::HttpClient;
using testing::Subprocess;

json Node(const std::string& name) { return testing::ReadyNodeJson(name); }

// A pending notebook: 1 CPU / 1Gi, no node yet.
json Notebook(const std::string& name) {
  return {{"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "jhub"}, {"uid", "uid-" + name}}},
          {"spec",
           {{"containers",
             {{{"name", "c"}, {"resources", {{"requests", {{"cpu", "1"}, {"memory", "1Gi"}}}}}}}}}},
          {"status", {{"phase", "Pending"}}}};
}

json BindArgs(const std::string& name, const std::string& node) {
  return {{"PodName", name}, {"PodNamespace", "jhub"}, {"PodUID", "uid-" + name}, {"Node", node}};
}

template <typename Predicate>
bool PollUntil(Predicate ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    if (ok()) return true;
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// One `nbsched serve --kubeconfig` process and a client to it.
struct Replica {
  explicit Replica(const std::string& dir)
      : process(std::make_unique<Subprocess>(std::vector<std::string>{
            NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--kubeconfig", dir + "/kubeconfig",
            "--policy", dir + "/policy.yaml", "--threads", "2"})),
        client(std::make_unique<HttpClient>(testing::ReadyPort(*process))) {}

  bool Ready() {
    return PollUntil([&] { return client->Get("/readyz").status == 200; });
  }
  // LeastRequestedPriority of a 1 CPU / 1Gi probe on `node`; -1 if infeasible.
  int64_t LeastRequested(const std::string& node) {
    const json args = {{"Pod", Notebook("probe")}, {"NodeNames", {node}}};
    const auto reply = client->Post("/explain", args.dump());
    if (!reply.ok() || reply.status != 200) return -2;
    const json parsed = json::parse(reply.body);
    const json& n = parsed["nodes"][0];
    return n["feasible"] ? n["scores"]["LeastRequestedPriority"].get<int64_t>() : -1;
  }
  int64_t CachePods() {
    static const std::regex kLine(R"(\nnbsched_cache_pods (\d+))");
    std::smatch m;
    const std::string body = client->Get("/metrics").body;
    return std::regex_search(body, m, kLine) ? std::stoll(m[1]) : -1;
  }
  std::string Bind(const std::string& name, const std::string& node) {
    const auto reply = client->Post("/bind", BindArgs(name, node).dump());
    if (!reply.ok() || reply.status != 200) return "HTTP " + std::to_string(reply.status);
    return json::parse(reply.body)["Error"].get<std::string>();
  }

  std::unique_ptr<Subprocess> process;
  std::unique_ptr<HttpClient> client;
};

// LeastRequested of the probe (1 CPU / 1Gi) on a 4 CPU / 16Gi node:
//   empty:        (3000·100/4000 = 75, 15·100/16 = 93) → 84
//   one notebook: (2000·100/4000 = 50, 14·100/16 = 87) → 68
constexpr int64_t kEmpty = 84;
constexpr int64_t kOneNotebook = 68;

TEST_CASE("Two replicas: /filter to one, /bind to the other, or across a restart",
          "[e2e][live][replicas]") {
  FakeApiServer api({"--token", "s3cret"});
  REQUIRE(api.ok());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n1").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n2").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "pods", Notebook("jupyter-zoe").dump()).empty());

  const std::string dir = "build-e2e-replicas";
  std::filesystem::create_directories(dir);
  {
    std::ofstream cfg(dir + "/kubeconfig");
    cfg << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
        << "clusters:\n- name: fake\n  cluster:\n    server: " << api.url() << "\n"
        << "users:\n- name: me\n  user:\n    token: s3cret\n"
        << "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: me\n";
    std::ofstream policy(dir + "/policy.yaml");
    policy << "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n";
  }
  Replica a(dir);
  Replica b(dir);
  REQUIRE(a.Ready());
  REQUIRE(b.Ready());
  CHECK(a.CachePods() == 0);  // a pending pod counts nowhere
  CHECK(b.LeastRequested("n2") == kEmpty);

  SECTION("bind on the replica that did not filter") {
    const json filter = {{"Pod", Notebook("jupyter-zoe")}, {"NodeNames", {"n1", "n2"}}};
    REQUIRE(a.client->Post("/filter", filter.dump()).status == 200);
    CHECK(b.Bind("jupyter-zoe", "n2") == "");
    const json bindings = json::parse(api.Get("/_fake/bindings").body);
    REQUIRE(bindings.size() == 1);
    CHECK(bindings[0]["metadata"]["name"] == "jupyter-zoe");
    CHECK(bindings[0]["metadata"]["uid"] == "uid-jupyter-zoe");
    CHECK(bindings[0]["target"]["name"] == "n2");
    // Both count zoe on n2: b assumed it at once, and both see the watch's MODIFIED event.
    for (Replica* r : {&a, &b}) {
      CHECK(PollUntil([&] { return r->CachePods() == 1; }));
      CHECK(PollUntil([&] { return r->LeastRequested("n2") == kOneNotebook; }));
      CHECK(r->LeastRequested("n1") == kEmpty);
    }
    // A second bind of the same pod is refused by the state, not sent twice.
    CHECK_THAT(a.Bind("jupyter-zoe", "n1"), Catch::Contains("already"));
    CHECK(json::parse(api.Get("/_fake/bindings").body).size() == 1);
  }

  SECTION("bind after the filtering replica restarted") {
    const json filter = {{"Pod", Notebook("jupyter-zoe")}, {"NodeNames", {"n1", "n2"}}};
    REQUIRE(a.client->Post("/filter", filter.dump()).status == 200);
    a.client.reset();
    REQUIRE(a.process->Terminate() == 0);
    a.process = std::make_unique<Subprocess>(std::vector<std::string>{
        NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--kubeconfig", dir + "/kubeconfig",
        "--policy", dir + "/policy.yaml", "--threads", "2"});
    a.client = std::make_unique<HttpClient>(testing::ReadyPort(*a.process));
    REQUIRE(a.Ready());
    CHECK(a.Bind("jupyter-zoe", "n1") == "");
    const json bindings = json::parse(api.Get("/_fake/bindings").body);
    REQUIRE(bindings.size() == 1);
    CHECK(bindings[0]["target"]["name"] == "n1");
    for (Replica* r : {&a, &b}) {
      CHECK(PollUntil([&] { return r->LeastRequested("n1") == kOneNotebook; }));
      CHECK(PollUntil([&] { return r->CachePods() == 1; }));
    }
  }

  SECTION("a pod in neither the requests nor the watch gets the Error") {
    CHECK_THAT(b.Bind("jupyter-ghost", "n1"),
               Catch::Contains("pod jhub/jupyter-ghost was not seen by /filter or /prioritize"));
    // Same name, another UID (a re-created pod): not the watched pod either.
    const json other = {{"PodName", "jupyter-zoe"},
                        {"PodNamespace", "jhub"},
                        {"PodUID", "uid-of-an-older-zoe"},
                        {"Node", "n1"}};
    CHECK_THAT(json::parse(b.client->Post("/bind", other.dump()).body)["Error"].get<std::string>(),
               Catch::Contains("was not seen by /filter"));
    CHECK(json::parse(api.Get("/_fake/bindings").body).empty());
    CHECK(b.LeastRequested("n1") == kEmpty);
  }

  a.client.reset();
  b.client.reset();
  CHECK(a.process->Terminate() == 0);
  CHECK(b.process->Terminate() == 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nbsched
