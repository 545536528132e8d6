// End to end in live mode: the real `nbsched serve --kubeconfig` against the fake API server
// (tests/testing/fake_apiserver.py) on 127.0.0.1: readiness after the first lists, watch events
// changing scores, a dropped watch, binding through the API. Every wait polls a real request
// against a deadline; nothing sleeps.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/fake_apiserver.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/subprocess.h"

namespace nbsched {
namespace {

using nlohmann::json;
using testing::FakeApiServer;
using testing::HttpClient;
using testing::Subprocess;

json Node(const std::string& name, const std::string& cpu) {
  return {{"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", "16Gi"}, {"pods", "110"}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

json RunningPod(const std::string& name, const std::string& node, const std::string& cpu) {
  return {{"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "jhub"}, {"uid", "uid-" + name}}},
          {"spec",
           {{"nodeName", node},
            {"containers",
             {{{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}, {"memory", "1Gi"}}}}}}}}}},
          {"status", {{"phase", "Running"}}}};
}

json Notebook(const std::string& name) {
  json pod = RunningPod(name, "", "1");
  pod["spec"].erase("nodeName");
  pod["status"]["phase"] = "Pending";
  return pod;
}

// Polls until `ok(reply)` holds or the deadline passes; returns the last reply.
template <typename Predicate>
testing::HttpReply PollUntil(HttpClient& client, const std::string& method, const std::string& path,
                             const std::string& body, Predicate ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  testing::HttpReply reply;
  do {
    reply = method == "GET" ? client.Get(path) : client.Post(path, body);
    if (reply.ok() && ok(reply)) break;
  } while (std::chrono::steady_clock::now() < deadline);
  return reply;
}

int64_t LeastRequested(HttpClient& client, const std::string& node) {
  const json args = {{"Pod", Notebook("probe")}, {"NodeNames", {node}}};
  const json reply = json::parse(client.Post("/explain", args.dump()).body);
  const json& n = reply["nodes"][0];
  return n["feasible"] ? n["scores"]["LeastRequestedPriority"].get<int64_t>() : -1;
}

TEST_CASE("nbsched serve --kubeconfig follows the API server", "[e2e][live]") {
  FakeApiServer api({"--token", "s3cret"});
  REQUIRE(api.ok());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n1", "4").dump()).empty());
  REQUIRE_FALSE(api.Event("ADDED", "nodes", Node("n2", "4").dump()).empty());

  const std::string dir = "build-e2e-live";
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
  Subprocess server({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--kubeconfig",
                     dir + "/kubeconfig", "--policy", dir + "/policy.yaml", "--threads", "2"});
  HttpClient client(testing::ReadyPort(server));

  // Ready once the first lists are in.
  CHECK(PollUntil(client, "GET", "/readyz", "", [](const auto& r) {
          return r.status == 200;
        }).status == 200);
  // n1 empty: the probe (1 CPU / 1Gi) scores (3000·100/4000 + 15·100/16) / 2 = (75 + 93) / 2 = 84.
  CHECK(LeastRequested(client, "n1") == 84);

  // A pod ADDED on n1 through the watch: (1000·100/4000 = 25, 14·100/16 = 87) → 56.
  REQUIRE_FALSE(api.Event("ADDED", "pods", RunningPod("busy", "n1", "2").dump()).empty());
  const auto probe = json{{"Pod", Notebook("probe")}, {"NodeNames", {"n1"}}}.dump();
  PollUntil(client, "POST", "/explain", probe,
            [&](const auto&) { return LeastRequested(client, "n1") == 56; });
  CHECK(LeastRequested(client, "n1") == 56);

  // The watch connection drops; the next event still arrives (reconnect from the last version).
  REQUIRE(api.Post("/_fake/drop", "{}").status == 200);
  json done = RunningPod("busy", "n1", "2");
  done["status"]["phase"] = "Succeeded";  // a finished pod frees its node
  REQUIRE_FALSE(api.Event("MODIFIED", "pods", done.dump()).empty());
  PollUntil(client, "POST", "/explain", probe,
            [&](const auto&) { return LeastRequested(client, "n1") == 84; });
  CHECK(LeastRequested(client, "n1") == 84);

  // Bind through the API: filter first (nbsched learns the pod), then bind.
  const json nb = Notebook("jupyter-zoe");
  REQUIRE_FALSE(api.Event("ADDED", "pods", nb.dump()).empty());  // pending: counts nowhere
  REQUIRE(client.Post("/filter", json{{"Pod", nb}, {"NodeNames", {"n1", "n2"}}}.dump()).status ==
          200);
  const json bind = {{"PodName", "jupyter-zoe"},
                     {"PodNamespace", "jhub"},
                     {"PodUID", "uid-jupyter-zoe"},
                     {"Node", "n2"}};
  CHECK(json::parse(client.Post("/bind", bind.dump()).body)["Error"] == "");
  const json bindings = json::parse(api.Get("/_fake/bindings").body);
  REQUIRE(bindings.size() == 1);
  CHECK(bindings[0]["target"]["name"] == "n2");
  CHECK(bindings[0]["metadata"]["name"] == "jupyter-zoe");
  // Assumed at once, then confirmed by the watch: n2 now counts zoe's 1 CPU / 1Gi, so the probe
  // scores (2000·100/4000 = 50, 14·100/16 = 87) → 68.
  PollUntil(client, "POST", "/explain", probe,
            [&](const auto&) { return LeastRequested(client, "n2") == 68; });
  CHECK(LeastRequested(client, "n2") == 68);

  // A failed Binding comes back with the API server's message and is forgotten.
  REQUIRE(api.Post("/_fake/bind_fail",
                   R"({"code": 409, "message": "pod jupyter-yan is being deleted"})")
              .status == 200);
  REQUIRE(
      client.Post("/filter", json{{"Pod", Notebook("jupyter-yan")}, {"NodeNames", {"n1"}}}.dump())
          .status == 200);
  const json failed = json::parse(client
                                      .Post("/bind", json{{"PodName", "jupyter-yan"},
                                                          {"PodNamespace", "jhub"},
                                                          {"PodUID", "uid-jupyter-yan"},
                                                          {"Node", "n1"}}
                                                         .dump())
                                      .body);
  CHECK_THAT(failed["Error"].get<std::string>(),
             Catch::Contains("pod jupyter-yan is being deleted"));
  CHECK_THAT(client.Get("/metrics").body, Catch::Contains("nbsched_cache_nodes 2"));

  CHECK(server.Terminate() == 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nbsched
