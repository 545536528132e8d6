// LiveCluster against the fake API server (tests/testing/fake_apiserver.py): initial sync and
// readiness, watch events changing the snapshot and so the scores, bookmarks, 410 relist,
// reconnect without lost events, binding, token and client-certificate auth over TLS.

#include "scheduler/state/live_cluster.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "priorities/least_requested_priority.h"
#include "scheduler/model/plugin.h"
#include "scheduler/state/cluster_state.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_apiserver.h"
#include "tests/testing/files.h"

namespace nbsched::state {
namespace {

using codec::ObjectKind;
using nbsched::testing::FakeApiServer;
using nbsched::testing::MakePod;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(20);

std::string NodeJson(const std::string& name, const std::string& cpu = "4",
                     const std::string& memory = "8Gi") {
  return R"({"metadata":{"name":")" + name + R"("},"status":{"allocatable":{"cpu":")" + cpu +
         R"(","memory":")" + memory +
         R"(","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}})";
}

std::string PodJson(const std::string& name, const std::string& node, const std::string& cpu,
                    const std::string& memory, const std::string& phase = "Running") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"default","uid":"uid-)" + name +
         R"("},"spec":{"nodeName":")" + node +
         R"(","containers":[{"name":"c","resources":{"requests":{"cpu":")" + cpu +
         R"(","memory":")" + memory + R"("}}}]},"status":{"phase":")" + phase + R"("}})";
}

std::string TempDir() {
  char pattern[] = "/tmp/nbsched-live-XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir == nullptr ? std::string() : std::string(dir);
}

void WriteFile(const std::string& path, const std::string& text) {
  // Write beside, then rename: the reader sees the old or the new token, never half of one.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
  std::filesystem::rename(tmp, path);
}

using testing::ReadFile;

// A LiveCluster on a fresh ClusterState, with fast backoff, counting restarts.
struct Harness {
  explicit Harness(KubeConfig config, bool start = true) {
    LiveOptions options;
    options.config = std::move(config);
    options.publish_interval = std::chrono::milliseconds(2);
    options.informer.backoff_initial = std::chrono::milliseconds(5);
    options.informer.backoff_max = std::chrono::milliseconds(50);
    options.informer.watch_timeout = std::chrono::seconds(60);
    options.informer.request_timeout = std::chrono::milliseconds(10000);
    options.max_watch_failure = std::chrono::milliseconds(1);
    options.on_watch_restart = [this] {
      std::lock_guard<std::mutex> lock(mu);
      ++restarts;
      cv.notify_all();
    };
    options.log = [this](std::string_view, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu);
      logs.emplace_back(message);
      cv.notify_all();
    };
    options.on_cache_sizes = [this](int64_t nodes, int64_t pods) {
      std::lock_guard<std::mutex> lock(mu);
      cache_nodes = nodes;
      cache_pods = pods;
    };
    auto client = KubeClient::Create(options.config);
    REQUIRE(client.ok());
    live = std::make_unique<LiveCluster>(std::move(*client), std::move(options), state);
    if (start) live->Start();
  }

  bool WaitRv(ObjectKind kind, const std::string& rv) {
    return !rv.empty() && live->WaitForResourceVersion(kind, rv, Clock::now() + kWait);
  }
  bool WaitSynced(FakeApiServer& fake) {
    const std::string rv = fake.ResourceVersion();
    return WaitRv(ObjectKind::kNode, rv) && WaitRv(ObjectKind::kPod, rv);
  }
  bool WaitRestarts(int at_least) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_until(lock, Clock::now() + kWait, [&] { return restarts >= at_least; });
  }
  int64_t RequestedCpu(const std::string& node) const {
    const NodeInfo* info = state.Current()->Find(node);
    return info == nullptr ? -1 : info->requested().milli_cpu;
  }

  bool WaitLog(const std::string& text, int times = 1) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_until(lock, Clock::now() + kWait, [&] {
      int seen = 0;
      for (const std::string& line : logs) seen += line.find(text) != std::string::npos;
      return seen >= times;
    });
  }

  // Declared before `live`, whose threads call back into them until it is destroyed.
  std::mutex mu;
  std::condition_variable cv;
  int restarts = 0;
  int64_t cache_nodes = -1;
  int64_t cache_pods = -1;
  std::vector<std::string> logs;
  ClusterState state{SnapshotBuilder().Build()};
  std::unique_ptr<LiveCluster> live;
};

KubeConfig PlainConfig(const FakeApiServer& fake, const std::string& token = "") {
  KubeConfig config;
  config.server = fake.url();
  config.token = token;
  return config;
}

int64_t LeastRequestedScore(const Snapshot& snapshot, const std::string& node) {
  const Pod incoming = MakePod().Req("1", "1Gi").Obj();
  return priorities::LeastRequestedPriority().Score(CycleState(), incoming, *snapshot.Find(node));
}

TEST_CASE("LiveCluster syncs, then follows watch events", "[state][live_cluster]") {
  FakeApiServer fake({"--token", "secret"});
  REQUIRE(fake.ok());
  REQUIRE(fake.Event("ADDED", "nodes", NodeJson("n1")) != "");
  REQUIRE(fake.Event("ADDED", "nodes", NodeJson("n2")) != "");
  REQUIRE(fake.Event("ADDED", "pods", PodJson("p0", "n2", "500m", "1Gi")) != "");
  REQUIRE(fake.Event("ADDED", "pods", PodJson("pending", "", "1", "1Gi", "Pending")) != "");

  Harness h(PlainConfig(fake, "secret"), /*start=*/false);
  CHECK(h.live->NotReadyReason() == "waiting for the first list of nodes, pods");
  h.live->Start();
  REQUIRE(h.WaitSynced(fake));
  CHECK(h.live->NotReadyReason() == "");
  auto snapshot = h.state.Current();
  REQUIRE(snapshot->nodes().size() == 2);
  CHECK(snapshot->pod_count() == 1);  // the pending pod uses nothing and is not kept
  CHECK(h.RequestedCpu("n2") == 500);
  CHECK(h.live->cached_pods() == 1);
  {
    std::lock_guard<std::mutex> lock(h.mu);
    CHECK(h.cache_nodes == 2);
    CHECK(h.cache_pods == 1);
  }

  SECTION("ADDED, MODIFIED, DELETED change requests and scores") {
    // n1: 4 cpu / 8Gi; the incoming pod asks 1 cpu / 1Gi (LeastRequested, integer division).
    CHECK(LeastRequestedScore(*h.state.Current(), "n1") == 81);  // (3000·100/4000=75 + 87)/2
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p1", "n1", "2", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 2000);
    CHECK(LeastRequestedScore(*h.state.Current(), "n1") == 50);  // cpu 1000·100/4000=25, mem 75
    REQUIRE(h.WaitRv(ObjectKind::kPod,
                     fake.Event("MODIFIED", "pods", PodJson("p1", "n1", "3", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 3000);
    CHECK(LeastRequestedScore(*h.state.Current(), "n1") == 37);  // cpu 0, mem 75: 75/2
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("DELETED", "pods", PodJson("p1", "n1", "3", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 0);
    CHECK(LeastRequestedScore(*h.state.Current(), "n1") == 81);
    // A node update keeps its pods; a new node appears; a deleted one goes.
    REQUIRE(h.WaitRv(ObjectKind::kNode, fake.Event("MODIFIED", "nodes", NodeJson("n2", "8"))));
    CHECK(h.state.Current()->Find("n2")->allocatable().milli_cpu == 8000);
    CHECK(h.RequestedCpu("n2") == 500);
    REQUIRE(h.WaitRv(ObjectKind::kNode, fake.Event("ADDED", "nodes", NodeJson("n3"))));
    CHECK(h.state.Current()->nodes().size() == 3);
    REQUIRE(h.WaitRv(ObjectKind::kNode, fake.Event("DELETED", "nodes", NodeJson("n3"))));
    CHECK(h.state.Current()->Find("n3") == nullptr);
  }

  SECTION("a pod moving to Succeeded frees its node") {
    REQUIRE(
        h.WaitRv(ObjectKind::kPod,
                 fake.Event("MODIFIED", "pods", PodJson("p0", "n2", "500m", "1Gi", "Succeeded"))));
    CHECK(h.RequestedCpu("n2") == 0);
    CHECK(h.state.Current()->pod_count() == 0);
    CHECK(h.live->cached_pods() == 0);
  }

  SECTION("a pending pod bound later starts counting") {
    REQUIRE(h.WaitRv(ObjectKind::kPod,
                     fake.Event("MODIFIED", "pods", PodJson("pending", "n1", "1", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 1000);
  }

  SECTION("a bookmark advances the resourceVersion and changes nothing") {
    const auto before = h.state.Current();
    const uint64_t publishes = h.live->publish_count();
    const std::string rv = fake.Bookmark("pods");
    REQUIRE(h.WaitRv(ObjectKind::kPod, rv));
    CHECK(h.live->PublishedResourceVersion(ObjectKind::kPod) == rv);
    CHECK(h.state.Current() == before);  // the very same snapshot
    CHECK(h.live->publish_count() == publishes);
  }

  SECTION("410 Gone relists, and the relist brings what the watch missed") {
    // A change the watch never carries (compacted away), then the history expires.
    fake.Event("ADDED", "pods", PodJson("missed", "n1", "1500m", "1Gi"), /*silent=*/true);
    REQUIRE(fake.Post("/_fake/expire", "{}").status == 200);
    REQUIRE(h.WaitRestarts(1));
    REQUIRE(h.WaitRv(ObjectKind::kPod, fake.ResourceVersion()));
    CHECK(h.RequestedCpu("n1") == 1500);
    CHECK(h.live->NotReadyReason() == "");
    // Still watching after the relist.
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p2", "n1", "1", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 2500);
    const std::string stats = fake.Get("/_fake/stats").body;
    CHECK(stats.find("\"pods\": 2") != std::string::npos);  // two lists of pods
  }

  SECTION("a dropped connection reconnects from the last resourceVersion, losing nothing") {
    const std::string last = fake.Event("ADDED", "pods", PodJson("a", "n1", "100m", "1Gi"));
    REQUIRE(h.WaitRv(ObjectKind::kPod, last));
    REQUIRE(fake.Post("/_fake/drop", "{}").status == 200);
    // These happen while the client is disconnected or reconnecting.
    fake.Event("ADDED", "pods", PodJson("b", "n1", "200m", "1Gi"));
    fake.Event("MODIFIED", "pods", PodJson("a", "n1", "300m", "1Gi"));
    const std::string rv = fake.Event("ADDED", "pods", PodJson("c", "n1", "400m", "1Gi"));
    REQUIRE(h.WaitRv(ObjectKind::kPod, rv));
    CHECK(h.RequestedCpu("n1") == 900);  // 300 + 200 + 400
    REQUIRE(h.WaitRestarts(1));
    const std::string stats = fake.Get("/_fake/stats").body;
    // The reconnecting watch asked for the version of the last event it had seen.
    CHECK(stats.find("\"" + last + "\"]") != std::string::npos);
    CHECK(stats.find("\"pods\": 1") != std::string::npos);  // and did not relist
  }

  SECTION("bind: assume, POST the Binding, the watch confirms it") {
    const Pod pod =
        MakePod().Name("pending").Namespace("default").Uid("uid-pending").Req("1", "1Gi").Obj();
    const auto fits = [](const Snapshot&, const Pod&, const NodeInfo&) { return true; };
    REQUIRE(h.state.Assume(pod, "n1", fits).ok());
    CHECK(h.RequestedCpu("n1") == 1000);
    REQUIRE(h.live->Bind(pod, "n1", {{"nbsched.io/gpu-index", "0"}}).ok());
    const std::string bindings = fake.Get("/_fake/bindings").body;
    CHECK(bindings ==
          R"([{"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "pending", )"
          R"("namespace": "default", "uid": "uid-pending", "annotations": )"
          R"({"nbsched.io/gpu-index": "0"}}, "target": {"apiVersion": "v1", "kind": "Node", )"
          R"("name": "n1"}}])");
    // The fake applies the binding and sends MODIFIED: the assumed pod is confirmed.
    REQUIRE(h.WaitRv(ObjectKind::kPod, fake.ResourceVersion()));
    CHECK(h.state.assumed_count() == 0);
    CHECK(h.RequestedCpu("n1") == 1000);
  }

  SECTION("bind failure returns the API server's message; the caller forgets the pod") {
    const std::string message =
        "Operation cannot be fulfilled on pods/binding \"pending\": pod pending is already "
        "assigned to node \"n2\"";
    REQUIRE(fake.Post("/_fake/bind_fail", R"({"code":409,"message":")" +
                                              std::string("Operation cannot be fulfilled on "
                                                          "pods/binding \\\"pending\\\": pod "
                                                          "pending is already assigned to node "
                                                          "\\\"n2\\\"") +
                                              "\"}")
                .status == 200);
    const Pod pod =
        MakePod().Name("pending").Namespace("default").Uid("uid-pending").Req("1", "1Gi").Obj();
    const auto fits = [](const Snapshot&, const Pod&, const NodeInfo&) { return true; };
    REQUIRE(h.state.Assume(pod, "n1", fits).ok());
    const absl::Status status = h.live->Bind(pod, "n1");
    CHECK(status.code() == absl::StatusCode::kAlreadyExists);
    CHECK(status.message() == message);
    CHECK(h.state.Forget("uid-pending"));
    CHECK(h.RequestedCpu("n1") == 0);
  }

  SECTION("not ready while the watch keeps failing, ready again once it recovers") {
    REQUIRE(fake.Post("/_fake/token", R"({"token":"rotated"})").status == 200);
    REQUIRE(fake.Post("/_fake/drop", "{}").status == 200);
    // Reconnects are answered 401; after the second one (a backoff of 2.5ms or more later), the
    // nodes' watch has been failing for longer than max_watch_failure (1ms).
    REQUIRE(h.WaitLog("watch nodes: HTTP 401: Unauthorized", 2));
    const std::string reason = h.live->NotReadyReason();
    INFO(reason);
    CHECK(reason.starts_with("watch of nodes failing for "));
    CHECK(reason.ends_with("s: watch nodes: HTTP 401: Unauthorized"));
    REQUIRE(fake.Post("/_fake/token", R"({"token":"secret"})").status == 200);
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p3", "n1", "1", "1Gi"))));
    REQUIRE(h.WaitRv(ObjectKind::kNode, fake.Event("ADDED", "nodes", NodeJson("n4"))));
    CHECK(h.live->NotReadyReason() == "");
  }
}

TEST_CASE("LiveCluster keeps bound pods compact, in namespace/name order",
          "[state][live_cluster]") {
  FakeApiServer fake;
  REQUIRE(fake.ok());
  REQUIRE(fake.Event("ADDED", "nodes", NodeJson("n1")) != "");
  // Namespaces where the order of "namespace/name" differs from the order of (namespace, name):
  // '-' < '/' < '0'.
  const auto pod = [](const std::string& ns, const std::string& name, const std::string& node) {
    return R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(","uid":"uid-)" + ns +
           "-" + name +
           R"(","resourceVersion":"7","annotations":{"a":"1","nbsched.io/gpu-index":"0"}},)"
           R"("spec":{"nodeName":")" +
           node +
           R"(","schedulerName":"s","tolerations":[{"operator":"Exists"}],)"
           R"("containers":[{"name":"c","resources":{"requests":{"cpu":"100m"}},)"
           R"("ports":[{"containerPort":80},{"containerPort":81,"hostPort":81}]}]},)"
           R"("status":{"phase":"Running"}})";
  };
  for (const auto& [ns, name] : std::vector<std::pair<std::string, std::string>>{
           {"a", "z"}, {"a-b", "x"}, {"a0", "y"}, {"a", "a"}, {"b", "c"}}) {
    REQUIRE(fake.Event("ADDED", "pods", pod(ns, name, "n1")) != "");
  }
  REQUIRE(fake.Event("ADDED", "pods", pod("a", "waiting", "")) != "");

  Harness h(PlainConfig(fake));
  REQUIRE(h.WaitSynced(fake));
  const auto keys = [&h] {
    std::vector<std::string> out;
    for (const auto& p : h.state.Current()->Find("n1")->pods()) out.push_back(p->Key());
    return out;
  };
  const std::vector<std::string> sorted = {"a-b/x", "a/a", "a/z", "a0/y", "b/c"};
  CHECK(keys() == sorted);
  CHECK(h.RequestedCpu("n1") == 500);
  CHECK(h.live->cached_pods() == 5);

  // Bound: the compact form; pending: whole, since /bind judges it.
  const auto bound = h.live->FindPod("a-b", "x");
  REQUIRE(bound != nullptr);
  CHECK(bound->uid == "uid-a-b-x");
  CHECK(bound->node_name == "n1");
  CHECK(bound->annotations == Labels{{"nbsched.io/gpu-index", "0"}});
  CHECK(bound->tolerations.empty());
  CHECK(bound->resource_version.empty());
  REQUIRE(bound->containers.size() == 1);
  REQUIRE(bound->containers[0].ports.size() == 1);
  CHECK(bound->containers[0].ports[0].host_port == 81);
  CHECK(bound->request.milli_cpu == 100);
  const auto pending = h.live->FindPod("a", "waiting");
  REQUIRE(pending != nullptr);
  CHECK(pending->annotations.size() == 2);
  CHECK(pending->tolerations.size() == 1);
  CHECK(pending->resource_version != "");
  REQUIRE(pending->containers.size() == 1);
  CHECK(pending->containers[0].ports.size() == 2);
  CHECK(pending->containers[0].name == "c");
  CHECK(h.live->FindPod("a", "b") == nullptr);
  CHECK(h.live->FindPod("a-b", "") == nullptr);
  CHECK(h.live->FindPod("a", "-b/x") == nullptr);

  // Watch events: a pod moves between nodes, one is deleted, one is added; order holds.
  REQUIRE(h.WaitRv(ObjectKind::kNode, fake.Event("ADDED", "nodes", NodeJson("n2"))));
  REQUIRE(h.WaitRv(ObjectKind::kPod, fake.Event("MODIFIED", "pods", pod("a", "z", "n2"))));
  REQUIRE(h.WaitRv(ObjectKind::kPod, fake.Event("DELETED", "pods", pod("a0", "y", "n1"))));
  REQUIRE(h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", pod("a-a", "q", "n1"))));
  CHECK(keys() == std::vector<std::string>{"a-a/q", "a-b/x", "a/a", "b/c"});
  CHECK(h.state.Current()->Find("n2")->pods().size() == 1);
  CHECK(h.live->cached_pods() == 5);
  CHECK(h.live->FindPod("a", "z")->node_name == "n2");
  CHECK(h.live->FindPod("a0", "y") == nullptr);
}

TEST_CASE("LiveCluster re-reads a rotated token file", "[state][live_cluster]") {
  FakeApiServer fake({"--token", "first"});
  REQUIRE(fake.ok());
  fake.Event("ADDED", "nodes", NodeJson("n1"));
  const std::string dir = TempDir();
  REQUIRE(!dir.empty());
  const std::string token_file = dir + "/token";
  WriteFile(token_file, "first\n");
  KubeConfig config = PlainConfig(fake);
  config.token_file = token_file;
  Harness h(config);
  REQUIRE(h.WaitSynced(fake));

  // Rotation: the file changes, then the server stops accepting the old token.
  WriteFile(token_file, "second\n");
  REQUIRE(fake.Post("/_fake/token", R"({"token":"second"})").status == 200);
  REQUIRE(fake.Post("/_fake/drop", "{}").status == 200);
  REQUIRE(h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p", "n1", "1", "1Gi"))));
  CHECK(h.RequestedCpu("n1") == 1000);
  const Pod pod = MakePod().Name("x").Namespace("default").Obj();
  CHECK(h.live->Bind(pod, "n1").code() == absl::StatusCode::kNotFound);  // authenticated
  std::filesystem::remove_all(dir);
}

struct Certs {
  Certs() : dir(TempDir()) { error = FakeApiServer::MakeCerts(dir); }
  ~Certs() { std::filesystem::remove_all(dir); }
  std::string File(const std::string& name) const { return dir + "/" + name; }
  std::string dir;
  std::string error;
};

TEST_CASE("TLS with a test CA: bearer token and client certificates", "[state][live_cluster]") {
  const Certs certs;
  REQUIRE(certs.error == "");

  SECTION("server certificate checked against the CA, bearer token") {
    FakeApiServer fake({"--tls-cert", certs.File("server.crt"), "--tls-key",
                        certs.File("server.key"), "--token", "tls-token"});
    REQUIRE(fake.ok());
    fake.Event("ADDED", "nodes", NodeJson("n1"));
    KubeConfig config;
    config.server = fake.url("https");
    config.ca = ReadFile(certs.File("ca.crt"));
    config.token = "tls-token";
    Harness h(config);
    REQUIRE(h.WaitSynced(fake));
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p", "n1", "1", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 1000);

    struct Row {
      std::string name;
      std::string ca;
      bool insecure;
      std::string token;
      int want_status;  // 0: the TLS handshake fails
    };
    const std::vector<Row> rows = {
        {"right CA, right token", ReadFile(certs.File("ca.crt")), false, "tls-token", 200},
        {"right CA, wrong token", ReadFile(certs.File("ca.crt")), false, "nope", 401},
        {"a CA that did not sign the server", ReadFile(certs.File("other-ca.crt")), false,
         "tls-token", 0},
        {"insecure-skip-tls-verify", "", true, "tls-token", 200},
    };
    for (const Row& row : rows) {
      DYNAMIC_SECTION(row.name) {
        KubeConfig c;
        c.server = fake.url("https");
        c.ca = row.ca;
        c.insecure_skip_tls_verify = row.insecure;
        c.token = row.token;
        auto client = KubeClient::Create(c);
        REQUIRE(client.ok());
        auto reply = (*client)->Get("/api/v1/nodes", {{"limit", "1"}});
        if (row.want_status == 0) {
          REQUIRE(!reply.ok());
          CHECK(reply.status().code() == absl::StatusCode::kUnavailable);
          CHECK(std::string(reply.status().message()).find("TLS handshake") != std::string::npos);
        } else {
          REQUIRE(reply.ok());
          CHECK(reply->status == row.want_status);
        }
      }
    }
  }

  SECTION("client certificate required by the server") {
    FakeApiServer fake({"--tls-cert", certs.File("server.crt"), "--tls-key",
                        certs.File("server.key"), "--client-ca", certs.File("ca.crt")});
    REQUIRE(fake.ok());
    fake.Event("ADDED", "nodes", NodeJson("n1"));
    KubeConfig config;
    config.server = fake.url("https");
    config.ca = ReadFile(certs.File("ca.crt"));
    config.client_cert = ReadFile(certs.File("client.crt"));
    config.client_key = ReadFile(certs.File("client.key"));
    Harness h(config);
    REQUIRE(h.WaitSynced(fake));
    CHECK(h.state.Current()->nodes().size() == 1);
    REQUIRE(
        h.WaitRv(ObjectKind::kPod, fake.Event("ADDED", "pods", PodJson("p", "n1", "1", "1Gi"))));
    CHECK(h.RequestedCpu("n1") == 1000);

    KubeConfig no_cert = config;
    no_cert.client_cert.clear();
    no_cert.client_key.clear();
    auto client = KubeClient::Create(no_cert);
    REQUIRE(client.ok());
    auto reply = (*client)->Get("/api/v1/nodes", {});
    CHECK(!reply.ok());  // the server rejects the handshake or closes the connection
  }
}

}  // namespace
}  // namespace nbsched::state
