// The extender endpoints in process: the example cluster and policy, requests as kube-scheduler
// sends them, replies compared as parsed JSON. Expected scores carry their arithmetic.

#include "scheduler/server/extender_service.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "tests/testing/files.h"

namespace nbsched::server {
namespace {

using nlohmann::json;
using testing::ReadFile;

struct Fixture {
  Fixture(const std::string& policy_yaml = ReadFile("examples/policy.yaml"),
          ExtenderOptions options = {})
      : cluster(*state::LoadSnapshotFile("examples/cluster.json")),
        policies(
            *config::LoadPolicy(policy_yaml, "policy.yaml", framework::Registry::Default(), 1)),
        service(cluster, policies, std::move(options)) {}
  HttpResponse Post(HttpResponse (ExtenderService::*verb)(const HttpRequest&) const,
                    std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.body = std::move(body);
    return (service.*verb)(r);
  }
  state::ClusterState cluster;
  Published<framework::Policy> policies;
  ExtenderService service;
};

// A service with a FilterMemo (`f`) next to one without (`plain`: every request runs the
// filters and hashes every name); their replies must be the same.
struct MemoPair {
  static ExtenderOptions WithMemo(FilterMemo* memo) {
    ExtenderOptions options;
    options.filter_memo = memo;
    return options;
  }
  FilterMemo memo;
  Fixture f{ReadFile("examples/policy.yaml"), WithMemo(&memo)};
  Fixture plain;
};

json Args(const json& pod, const std::vector<std::string>& names, bool lowercase = false) {
  return lowercase ? json{{"pod", pod}, {"nodenames", names}}
                   : json{{"Pod", pod}, {"Nodes", nullptr}, {"NodeNames", names}};
}

const json& NotebookPod() {
  static const json pod = json::parse(ReadFile("examples/notebook-pod.json"));
  return pod;
}

const std::vector<std::string> kAll = {"master", "worker-1", "worker-2", "gpu-1"};
constexpr const char* kMasterTaint =
    "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }";

TEST_CASE("Filter on the example cluster, both casings", "[e2e][service]") {
  Fixture f;
  for (bool lowercase : {false, true}) {
    DYNAMIC_SECTION((lowercase ? "lowercase" : "Go field names")) {
      const HttpResponse r =
          f.Post(&ExtenderService::Filter, Args(NotebookPod(), kAll, lowercase).dump());
      REQUIRE(r.status == 200);
      const json want = {{"Nodes", nullptr},
                         {"NodeNames", {"worker-1", "worker-2", "gpu-1"}},
                         {"FailedNodes", {{"master", kMasterTaint}}},
                         {"FailedAndUnresolvableNodes", {{"master", kMasterTaint}}},
                         {"Error", ""}};
      CHECK(json::parse(r.body) == want);
    }
  }
}

TEST_CASE("Prioritize and explain on the example cluster", "[e2e][service]") {
  Fixture f;
  // Pod: 500m/1Gi, init container without requests (100m/200Mi defaults for scoring).
  // worker-1 runs 700m/1536Mi: LeastRequested cpu (4000-1200)*100/4000 = 70,
  //   mem (8192-2560)*100/8192 = 68 → 69; Balanced 0.3 vs 0.3125 → 99; SelectorSpread 100.
  // worker-2 runs 1200m/2560Mi: cpu 2300*100/4000 = 57, mem 4608*100/8192 = 56 → 56; 99; 100.
  // gpu-1 runs 2/8Gi of 16/64Gi: cpu 13500*100/16000 = 84, mem 56320*100/65536 = 85 → 84;
  //   Balanced f = 2500/16000 = 0.15625, 9Gi/64Gi = 0.140625 → 99; 100.
  const std::vector<std::string> feasible = {"worker-1", "worker-2", "gpu-1"};
  const HttpResponse p = f.Post(&ExtenderService::Prioritize, Args(NotebookPod(), feasible).dump());
  REQUIRE(p.status == 200);
  // GPUAwarePriority (weight 2): CPU-only pod, 100 on the CPU workers, 0 on gpu-1.
  // S = 268 + 200, 255 + 200, 283 + 0 with W = 5: (10·S + 250) / 500 = 9, 9, 6.
  CHECK(json::parse(p.body) == json::parse(R"([{"Host":"worker-1","Score":9},
      {"Host":"worker-2","Score":9},{"Host":"gpu-1","Score":6}])"));

  const HttpResponse e = f.Post(&ExtenderService::Explain, Args(NotebookPod(), kAll).dump());
  REQUIRE(e.status == 200);
  const json explain = json::parse(e.body);
  CHECK(explain["pod"] == "jhub/jupyter-dave");
  CHECK(explain["policyGeneration"] == 1);
  CHECK(explain["nodes"][0] ==
        json{{"name", "master"}, {"feasible", false}, {"reasons", {kMasterTaint}}});
  const json w1 = explain["nodes"][1];
  CHECK(w1["scores"] == json{{"LeastRequestedPriority", 69},
                             {"BalancedResourceAllocation", 99},
                             {"SelectorSpreadPriority", 100},
                             {"GPUAwarePriority", 100}});
  CHECK(w1["weighted"] == 468);
  CHECK(explain["nodes"][2]["weighted"] == 455);
  CHECK(explain["nodes"][3]["weighted"] == 283);
  CHECK(explain["nodes"][3]["scores"]["GPUAwarePriority"] == 0);
  CHECK(explain["nodes"][3]["extenderScore"] == 6);
}

TEST_CASE("Non-cache-capable filter echoes the kept Node objects", "[e2e][service]") {
  Fixture f;
  const json cluster = json::parse(ReadFile("examples/cluster.json"));
  json items = json::array();
  for (const json& item : cluster["items"]) {
    if (item["kind"] == "Node") items.push_back(item);
  }
  const json body = {{"Pod", NotebookPod()},
                     {"Nodes", {{"metadata", json::object()}, {"items", items}}},
                     {"NodeNames", nullptr}};
  const HttpResponse r = f.Post(&ExtenderService::Filter, body.dump());
  REQUIRE(r.status == 200);
  const json reply = json::parse(r.body);
  CHECK(reply["NodeNames"].is_null());
  REQUIRE(reply["Nodes"]["items"].size() == 3);
  CHECK(reply["Nodes"]["items"][0] == items[1]);  // worker-1 echoed unchanged
  CHECK(reply["FailedNodes"] == json{{"master", kMasterTaint}});
}

TEST_CASE("GPU notebooks: model selection and Insufficient nvidia.com/gpu", "[e2e][service]") {
  Fixture f;
  const json gpu_pod = json::parse(ReadFile("examples/gpu-notebook-pod.json"));
  const HttpResponse r = f.Post(&ExtenderService::Filter, Args(gpu_pod, kAll).dump());
  const json reply = json::parse(r.body);
  CHECK(reply["NodeNames"] == json{"gpu-1"});
  // worker-1 (8Gi, 1.5Gi used; no GPU, no A100 label) and the pod (2 CPU, 8Gi, 1 GPU): every
  // fit reason first (policy order), then the selector.
  CHECK(reply["FailedNodes"]["worker-1"] ==
        "Insufficient memory, Insufficient nvidia.com/gpu, node(s) didn't match Pod's node "
        "affinity/selector");
  CHECK(reply["FailedAndUnresolvableNodes"].contains("worker-1"));
}

TEST_CASE("Bad input gets 400 naming the problem and changes nothing", "[e2e][service]") {
  Fixture f;
  struct Row {
    std::string name;
    std::string body;
    std::string message;
  };
  json bad_cpu = NotebookPod();
  bad_cpu["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1.5.0";
  json wrong_type = NotebookPod();
  wrong_type["spec"]["containers"] = "notebook";
  const std::vector<Row> rows = {
      {"not JSON", "{\"Pod\": ", ""},
      {"empty body", "", ""},
      {"missing pod", R"({"NodeNames": ["worker-1"]})", "Pod"},
      {"bad quantity", Args(bad_cpu, kAll).dump(), "Pod.spec.containers[0].resources.requests.cpu"},
      {"wrong type", Args(wrong_type, kAll).dump(), "Pod.spec.containers"},
      {"names not strings", json{{"Pod", NotebookPod()}, {"NodeNames", {1, 2}}}.dump(),
       "NodeNames"},
      {"top-level array", "[1,2,3]", ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      for (auto verb :
           {&ExtenderService::Filter, &ExtenderService::Prioritize, &ExtenderService::Explain}) {
        const HttpResponse r = f.Post(verb, row.body);
        CHECK(r.status == 400);
        const json reply = json::parse(r.body);
        REQUIRE(reply.contains("Error"));
        CHECK_THAT(reply["Error"].get<std::string>(), Catch::Contains(row.message));
        CHECK_FALSE(reply["Error"].get<std::string>().empty());
      }
    }
  }
  // Still serving, same answers.
  const HttpResponse ok = f.Post(&ExtenderService::Filter, Args(NotebookPod(), kAll).dump());
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body)["NodeNames"].size() == 3);
}

TEST_CASE("Pods of another scheduler pass through untouched", "[e2e][service]") {
  ExtenderOptions options;
  options.scheduler_name = "some-other-scheduler";
  Fixture f(ReadFile("examples/policy.yaml"), options);
  const HttpResponse r = f.Post(&ExtenderService::Filter, Args(NotebookPod(), kAll).dump());
  const json reply = json::parse(r.body);
  CHECK(reply["NodeNames"] == json(kAll));
  CHECK(reply["FailedNodes"].empty());
  const HttpResponse p = f.Post(&ExtenderService::Prioritize, Args(NotebookPod(), kAll).dump());
  for (const json& host : json::parse(p.body)) CHECK(host["Score"] == 0);
}

TEST_CASE("Unknown node names are rejected as unresolvable", "[e2e][service]") {
  Fixture f;
  const HttpResponse r =
      f.Post(&ExtenderService::Filter, Args(NotebookPod(), {"worker-1", "ghost"}).dump());
  const json reply = json::parse(r.body);
  CHECK(reply["NodeNames"] == json{"worker-1"});
  CHECK(reply["FailedAndUnresolvableNodes"]["ghost"] ==
        "node(s) were not found in nbsched's cluster state");
}

json GpuPod(const std::string& name, int gpus) {
  json pod = json::parse(ReadFile("examples/gpu-notebook-pod.json"));
  pod["metadata"]["name"] = name;
  pod["metadata"]["uid"] = "uid-" + name;
  pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = std::to_string(gpus);
  return pod;
}

json BindArgs(const std::string& name, const std::string& node) {
  return {{"PodName", name}, {"PodNamespace", "jhub"}, {"PodUID", "uid-" + name}, {"Node", node}};
}

std::string BindError(Fixture& f, const json& args) {
  const HttpResponse r = f.Post(&ExtenderService::Bind, args.dump());
  REQUIRE(r.status == 200);
  return json::parse(r.body)["Error"].get<std::string>();
}

std::string FilterGpu1(Fixture& f, const json& pod) {
  const json reply =
      json::parse(f.Post(&ExtenderService::Filter, Args(pod, {"gpu-1"}).dump()).body);
  return reply["FailedNodes"].contains("gpu-1") ? reply["FailedNodes"]["gpu-1"].get<std::string>()
                                                : "fits";
}

TEST_CASE("Bind assumes the pod: the next requests see its GPUs used", "[e2e][service][bind]") {
  Fixture f;
  // gpu-1: 4 GPUs, jupyter-carol holds 1.
  const json erin = GpuPod("erin", 1);
  const json frank = GpuPod("frank", 3);
  CHECK(FilterGpu1(f, erin) == "fits");
  CHECK(FilterGpu1(f, frank) == "fits");  // 3 of 4 free
  // Before: a 1-GPU pod on gpu-1 scores GPUAware (1 + 1) * 100 / 4 = 50.
  const json gina = GpuPod("gina", 1);
  const auto prioritize = [&] {
    return json::parse(
        f.Post(&ExtenderService::Prioritize, Args(gina, {"gpu-1"}).dump()).body)[0]["Score"];
  };
  const auto gpu_aware = [&] {
    return json::parse(f.Post(&ExtenderService::Explain, Args(gina, {"gpu-1"}).dump())
                           .body)["nodes"][0]["scores"]["GPUAwarePriority"];
  };
  CHECK(gpu_aware() == 50);
  const auto weighted = [&] {
    return json::parse(f.Post(&ExtenderService::Explain, Args(gina, {"gpu-1"}).dump())
                           .body)["nodes"][0]["weighted"];
  };
  // gina (2 CPU / 8Gi / 1 GPU) on gpu-1 (16 / 64Gi; carol 2 / 8Gi): LeastRequested
  // (12000·100/16000 = 75, 48·100/64 = 75) 75, Balanced 100, SelectorSpread 100, GPUAware 2 × 50:
  // S = 375, prioritize (3750 + 250) / 500 = 8.
  CHECK(weighted() == 375);
  CHECK(prioritize() == 8);
  CHECK(BindError(f, BindArgs("erin", "gpu-1")).empty());
  CHECK(gpu_aware() == 75);
  // After erin (2 / 8Gi / 1 GPU): LeastRequested 62, Balanced 100, SelectorSpread 100, GPUAware
  // 2 × 75: S = 412; the 0..10 score stays (4120 + 250) / 500 = 8.
  CHECK(weighted() == 412);
  CHECK(prioritize() == 8);

  // Now 2 free: a 3-GPU notebook no longer fits; GPUAware sees (2 + 1) * 100 / 4 = 75.
  CHECK(FilterGpu1(f, frank) == "Insufficient nvidia.com/gpu");
  const json explain = json::parse(
      f.Post(&ExtenderService::Explain, Args(GpuPod("gina", 1), {"gpu-1"}).dump()).body);
  CHECK(explain["nodes"][0]["assumedPods"] == json{"jhub/erin"});
  CHECK(explain["nodes"][0]["scores"]["GPUAwarePriority"] == 75);
  CHECK(f.cluster.assumed_count() == 1);
  // The chosen GPU is recorded on the pod: carol (no annotation) counts on GPU 0, erin gets 1.
  std::string gpu_index;
  for (const auto& p : f.cluster.Current()->Find("gpu-1")->pods()) {
    if (p->name == "erin") gpu_index = p->annotations.at("nbsched.io/gpu-index");
  }
  CHECK(gpu_index == "1");
}

TEST_CASE("Bind conflicts answer with an Error and change nothing", "[e2e][service][bind]") {
  Fixture f;
  CHECK(FilterGpu1(f, GpuPod("erin", 1)) == "fits");
  CHECK(FilterGpu1(f, GpuPod("frank", 3)) == "fits");
  REQUIRE(BindError(f, BindArgs("erin", "gpu-1")).empty());
  const auto before = f.cluster.Current();

  CHECK_THAT(BindError(f, BindArgs("erin", "gpu-1")), Catch::Contains("already bound"));
  CHECK_THAT(BindError(f, BindArgs("frank", "gpu-1")),
             Catch::Contains("no longer fits node \"gpu-1\""));
  CHECK_THAT(BindError(f, BindArgs("frank", "gpu-9")), Catch::Contains("node \"gpu-9\" is not in"));
  CHECK_THAT(BindError(f, BindArgs("never-seen", "gpu-1")),
             Catch::Contains("was not seen by /filter"));
  CHECK(f.cluster.Current() == before);  // the same snapshot: nothing changed
  CHECK(f.cluster.assumed_count() == 1);

  const HttpResponse bad = f.Post(&ExtenderService::Bind, R"({"PodName": 7})");
  CHECK(bad.status == 400);
}

TEST_CASE("Assumed pods expire unless confirmed", "[e2e][service][bind]") {
  state::ClusterState cluster(*state::LoadSnapshotFile("examples/cluster.json"),
                              std::chrono::seconds(30));
  Published<framework::Policy> policies(*config::LoadPolicy(
      ReadFile("examples/policy.yaml"), "p.yaml", framework::Registry::Default(), 1));
  ExtenderService service(cluster, policies, {});
  HttpRequest filter;
  filter.body = Args(GpuPod("erin", 1), {"gpu-1"}).dump();
  REQUIRE(service.Filter(filter).status == 200);
  HttpRequest bind;
  bind.body = BindArgs("erin", "gpu-1").dump();
  REQUIRE(json::parse(service.Bind(bind).body)["Error"] == "");
  const auto now = state::ClusterState::Clock::now();
  CHECK(cluster.ExpireAssumed(now + std::chrono::seconds(29)) == 0);
  CHECK(cluster.ExpireAssumed(now + std::chrono::seconds(31)) == 1);
  CHECK(cluster.assumed_count() == 0);
  CHECK(cluster.Current()->Find("gpu-1")->requested().scalars.Get("nvidia.com/gpu") == 1);  // carol
}

TEST_CASE("Snapshot mode: /bind takes a pod no /filter showed from the snapshot file",
          "[e2e][service][bind]") {
  // The example cluster plus a pending GPU notebook (erin) and a finished one (fay).
  json list = json::parse(ReadFile("examples/cluster.json"));
  list["items"].push_back(GpuPod("erin", 1));
  json fay = GpuPod("fay", 1);
  fay["status"]["phase"] = "Succeeded";
  list["items"].push_back(fay);
  const std::string path = "build-service-snapshot-pending.json";
  {
    std::ofstream out(path);
    out << list.dump();
  }
  state::PodsByKey pods;
  auto snapshot = state::LoadSnapshotFile(path, &pods);
  std::remove(path.c_str());
  REQUIRE(snapshot.ok());
  CHECK(pods.contains("jhub/erin"));           // pending: in no node, but known
  CHECK(pods.contains("jhub/jupyter-carol"));  // running on gpu-1
  CHECK_FALSE(pods.contains("jhub/fay"));      // finished: uses nothing, binds nowhere
  CHECK(pods.size() == 7);                     // the example's 6 running pods and erin

  state::ClusterState cluster(*snapshot);
  Published<framework::Policy> policies(*config::LoadPolicy(
      ReadFile("examples/policy.yaml"), "p.yaml", framework::Registry::Default(), 1));
  ExtenderOptions options;
  options.find_pod = [&pods](const std::string& ns, const std::string& name) {
    const auto it = pods.find(ns + "/" + name);
    return it == pods.end() ? nullptr : it->second;
  };
  ExtenderService service(cluster, policies, options);
  const auto bind = [&](const json& args) {
    HttpRequest r;
    r.body = args.dump();
    return json::parse(service.Bind(r).body)["Error"].get<std::string>();
  };
  const auto gpus_used = [&] {
    return cluster.Current()->Find("gpu-1")->requested().scalars.Get("nvidia.com/gpu");
  };
  REQUIRE(gpus_used() == 1);  // carol

  // Another UID under erin's name is another pod; an unknown pod is unknown: both refused.
  json wrong_uid = BindArgs("erin", "gpu-1");
  wrong_uid["PodUID"] = "uid-of-another-erin";
  CHECK_THAT(bind(wrong_uid), Catch::Contains("pod jhub/erin was not seen by /filter"));
  CHECK_THAT(bind(BindArgs("fay", "gpu-1")), Catch::Contains("pod jhub/fay was not seen"));
  CHECK_THAT(bind(BindArgs("nobody", "gpu-1")), Catch::Contains("was not seen by /filter"));
  CHECK(cluster.assumed_count() == 0);

  // No /filter here: the file's erin binds, and counts on gpu-1 at once.
  CHECK(bind(BindArgs("erin", "gpu-1")) == "");
  CHECK(cluster.assumed_count() == 1);
  CHECK(gpus_used() == 2);
  // A running pod found in the file is already bound: the state refuses, nothing changes.
  json carol = BindArgs("jupyter-carol", "worker-1");
  carol.erase("PodUID");
  CHECK_THAT(bind(carol), Catch::Contains("already"));
  CHECK(cluster.assumed_count() == 1);
}

TEST_CASE("Explain shows the fragmentation policy's view of each node", "[e2e][service][gpu]") {
  Fixture f(
      "priorities:\n  - {name: GPUFragmentationPriority, weight: 1}\n"
      "selection: best-in-filter\n");
  const json erin = json::parse(ReadFile("examples/gpu-notebook-pod.json"));
  const json explain =
      json::parse(f.Post(&ExtenderService::Explain, Args(erin, {"gpu-1"}).dump()).body);
  const json& gpu1 = explain["nodes"][0];
  // M from the running pods; carol holds GPU 0, so erin is scored on GPU 1.
  CHECK(gpu1["details"]["GPUFragmentationPriority.gpuIndex"] == 1);
  const int64_t before = gpu1["details"]["GPUFragmentationPriority.fragmentationBefore"];
  const int64_t after = gpu1["details"]["GPUFragmentationPriority.fragmentationAfter"];
  // score = trunc(100 · σ((before − after) / 1000)).
  const double sigma = 1.0 / (1.0 + std::exp(-static_cast<double>(before - after) / 1000.0));
  CHECK(gpu1["scores"]["GPUFragmentationPriority"].get<int64_t>() ==
        Approx(std::trunc(100 * sigma)).margin(1));
  // best-in-filter: /filter keeps gpu-1 alone; bind records the GPU the score picked.
  CHECK(json::parse(
            f.Post(&ExtenderService::Filter, Args(erin, {"gpu-1"}).dump()).body)["NodeNames"] ==
        json{"gpu-1"});
  const json bind = {{"PodName", "jupyter-erin"},
                     {"PodNamespace", "jhub"},
                     {"PodUID", erin["metadata"]["uid"]},
                     {"Node", "gpu-1"}};
  REQUIRE(json::parse(f.Post(&ExtenderService::Bind, bind.dump()).body)["Error"] == "");
}

TEST_CASE("Requests during policy flips each see one whole policy", "[e2e][service][reload]") {
  Fixture f;
  auto load = [](const std::string& yaml, int64_t generation) {
    return *config::LoadPolicy(yaml, "policy.yaml", framework::Registry::Default(), generation);
  };
  // A: LeastRequested alone (weighted = its score); B: MostRequested × 3 (weighted = 3 × score).
  const auto a = load("priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n", 1);
  const auto b = load("priorities:\n  - {name: MostRequestedPriority, weight: 3}\n", 2);
  const std::string body = Args(NotebookPod(), {"worker-1", "worker-2", "gpu-1"}).dump();
  f.policies.Publish(a);
  std::atomic<bool> done{false};
  std::atomic<int> mixed{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        HttpRequest r;
        r.body = body;
        const json e = json::parse(f.service.Explain(r).body);
        const int64_t generation = e["policyGeneration"];
        for (const json& n : e["nodes"]) {
          const json& scores = n["scores"];
          const bool is_a = generation == 1 && scores.size() == 1 &&
                            scores.contains("LeastRequestedPriority") &&
                            n["weighted"] == scores["LeastRequestedPriority"];
          const bool is_b = generation == 2 && scores.size() == 1 &&
                            scores.contains("MostRequestedPriority") &&
                            n["weighted"] == 3 * scores["MostRequestedPriority"].get<int64_t>();
          if (!is_a && !is_b) ++mixed;
        }
        ++answered;
      }
    });
  }
  for (int flip = 0; flip < 2000; ++flip) f.policies.Publish(flip % 2 == 0 ? b : a);
  // Keep flipping until the readers answered a few hundred requests, bounded.
  for (int flip = 0; answered.load() < 400 && flip < 2'000'000; ++flip) {
    f.policies.Publish(flip % 2 == 0 ? a : b);
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(answered.load() >= 400);
  CHECK(mixed.load() == 0);  // the main thread asserts; readers only count
}

TEST_CASE("Preempt keeps only nodes where the victims free enough GPUs",
          "[e2e][service][preempt]") {
  Fixture f;
  const json big = GpuPod("hana", 4);  // 4 GPUs: gpu-1 fits only without carol
  const json meta = {
      {"Pod", big},
      {"NodeNameToVictims", nullptr},
      {"NodeNameToMetaVictims",
       {{"gpu-1", {{"Pods", {{{"UID", "uid-jupyter-carol"}}}}, {"NumPDBViolations", 0}}},
        {"worker-1", {{"Pods", {{{"UID", "uid-jupyter-alice"}}}}, {"NumPDBViolations", 1}}}}}};
  const HttpResponse r = f.Post(&ExtenderService::Preempt, meta.dump());
  REQUIRE(r.status == 200);
  // worker-1 has no GPU whatever is evicted; gpu-1 kept unchanged.
  CHECK(json::parse(r.body) ==
        json{{"NodeNameToMetaVictims",
              {{"gpu-1", {{"Pods", {{{"UID", "uid-jupyter-carol"}}}}, {"NumPDBViolations", 0}}}}}});

  SECTION("evicting the wrong pod does not help") {
    json other = meta;
    other["NodeNameToMetaVictims"].erase("worker-1");
    other["NodeNameToMetaVictims"]["gpu-1"]["Pods"][0]["UID"] = "uid-someone-else";
    CHECK(json::parse(f.Post(&ExtenderService::Preempt, other.dump()).body) ==
          json{{"NodeNameToMetaVictims", json::object()}});
  }
}

TEST_CASE("FilterMemo: /prioritize and /explain reuse the verdicts of the same cycle's /filter",
          "[e2e][service][memo]") {
  MemoPair pair;
  FilterMemo& memo = pair.memo;
  Fixture& f = pair.f;
  Fixture& plain = pair.plain;
  const auto both = [&](HttpResponse (ExtenderService::*verb)(const HttpRequest&) const,
                        const json& body) {
    const HttpResponse with = f.Post(verb, body.dump());
    const HttpResponse without = plain.Post(verb, body.dump());
    CHECK(with.status == 200);
    CHECK(json::parse(with.body) == json::parse(without.body));
    return json::parse(with.body);
  };
  const std::vector<std::string> feasible = {"worker-1", "worker-2", "gpu-1"};

  both(&ExtenderService::Filter, Args(NotebookPod(), kAll));
  CHECK(memo.hits() == 0);
  both(&ExtenderService::Prioritize, Args(NotebookPod(), feasible));
  CHECK(memo.hits() == 1);
  // master was rejected by the /filter: its remembered reasons come back unchanged.
  const json explain = both(&ExtenderService::Explain, Args(NotebookPod(), kAll));
  CHECK(memo.hits() == 2);
  CHECK(explain["nodes"][0]["reasons"] == json{kMasterTaint});
  CHECK(memo.misses() == 0);

  SECTION("another resourceVersion is another pod object") {
    json updated = NotebookPod();
    updated["metadata"]["resourceVersion"] = "48214";
    both(&ExtenderService::Prioritize, Args(updated, feasible));
    CHECK(memo.hits() == 2);
    CHECK(memo.misses() == 1);
  }
  SECTION("a pod without uid or resourceVersion is never remembered") {
    for (const char* field : {"uid", "resourceVersion"}) {
      json anonymous = NotebookPod();
      anonymous["metadata"].erase(field);
      both(&ExtenderService::Filter, Args(anonymous, kAll));
      both(&ExtenderService::Prioritize, Args(anonymous, feasible));
    }
    CHECK(memo.hits() == 2);
  }
  SECTION("a non-cache request (Node objects) neither uses nor counts the memo") {
    json nodes = json::parse(ReadFile("examples/cluster.json"))["items"];
    json args = {{"Pod", NotebookPod()}, {"Nodes", {{"items", json::array()}}}};
    for (const json& item : nodes) {
      if (item.value("kind", "") == "Node") args["Nodes"]["items"].push_back(item);
    }
    REQUIRE(!args["Nodes"]["items"].empty());
    both(&ExtenderService::Prioritize, args);
    CHECK(memo.hits() == 2);
    CHECK(memo.misses() == 0);
  }
  SECTION("a node the /filter did not judge: the filters run in full") {
    both(&ExtenderService::Filter, Args(NotebookPod(), {"worker-1"}));
    both(&ExtenderService::Prioritize, Args(NotebookPod(), {"worker-1", "worker-2"}));
    CHECK(memo.hits() == 2);
    CHECK(memo.misses() == 1);
    both(&ExtenderService::Prioritize, Args(NotebookPod(), {"worker-1", "ghost"}));
    CHECK(memo.hits() == 3);  // an unknown name needs no verdict: "not found" either way
  }
  SECTION("a new policy invalidates the verdicts") {
    const auto next = *config::LoadPolicy(ReadFile("examples/policy.yaml"), "policy.yaml",
                                          framework::Registry::Default(), 2);
    f.policies.Publish(next);
    plain.policies.Publish(next);
    both(&ExtenderService::Prioritize, Args(NotebookPod(), feasible));
    CHECK(memo.hits() == 2);
    CHECK(memo.misses() == 1);
  }
}

TEST_CASE("FilterMemo: a /filter checks its names against the last /filter's order first",
          "[e2e][service][memo]") {
  MemoPair pair;
  CHECK(pair.memo.FilterOrder() == nullptr);
  const std::vector<std::vector<std::string>> lists = {
      kAll,
      kAll,                                         // the same order: every hint right
      {"gpu-1", "worker-2", "worker-1", "master"},  // reversed: every hint wrong
      {"worker-1", "nope", "worker-1", "gpu-1"},    // unknown and repeated names
      {},
      kAll,
  };
  for (const auto& names : lists) {
    INFO(names.size());
    const std::string body = Args(NotebookPod(), names).dump();
    const HttpResponse with = pair.f.Post(&ExtenderService::Filter, body);
    const HttpResponse without = pair.plain.Post(&ExtenderService::Filter, body);
    CHECK(with.status == 200);
    CHECK(with.body == without.body);
    REQUIRE(pair.memo.FilterOrder() != nullptr);
    CHECK(pair.memo.FilterOrder()->size() == names.size());
  }
}

TEST_CASE("FilterMemo: a bind between /filter and /prioritize is seen", "[e2e][service][memo]") {
  FilterMemo memo;
  ExtenderOptions options;
  options.filter_memo = &memo;
  Fixture f(ReadFile("examples/policy.yaml"), options);
  // gpu-1 has 4 GPUs, carol holds 1: frank (3 GPUs) fits until erin takes one more.
  const json frank = GpuPod("frank", 3);
  CHECK(FilterGpu1(f, GpuPod("erin", 1)) == "fits");
  CHECK(FilterGpu1(f, frank) == "fits");
  REQUIRE(BindError(f, BindArgs("erin", "gpu-1")).empty());
  // The snapshot changed: the remembered "fits" must not be used.
  const json scores =
      json::parse(f.Post(&ExtenderService::Prioritize, Args(frank, {"gpu-1"}).dump()).body);
  CHECK(scores == json::parse(R"([{"Host":"gpu-1","Score":0}])"));
  CHECK(memo.hits() == 0);
  CHECK(memo.misses() == 1);
  const json explain =
      json::parse(f.Post(&ExtenderService::Explain, Args(frank, {"gpu-1"}).dump()).body);
  CHECK(explain["nodes"][0]["reasons"] == json{"Insufficient nvidia.com/gpu"});

  SECTION("the filter of the new snapshot is remembered again") {
    CHECK(FilterGpu1(f, frank) == "Insufficient nvidia.com/gpu");
    f.Post(&ExtenderService::Prioritize, Args(frank, {"gpu-1"}).dump());
    CHECK(memo.hits() == 1);
  }
}

TEST_CASE("FilterMemo is bounded and keeps the newest verdicts", "[service][memo]") {
  FilterMemo memo(2);
  ExtenderOptions options;
  options.filter_memo = &memo;
  Fixture f(ReadFile("examples/policy.yaml"), options);
  for (const char* name : {"a", "b", "c"}) {
    f.Post(&ExtenderService::Filter, Args(GpuPod(name, 1), kAll).dump());
  }
  for (const char* name : {"a", "b", "c"}) {
    f.Post(&ExtenderService::Prioritize, Args(GpuPod(name, 1), {"gpu-1"}).dump());
  }
  CHECK(memo.hits() == 2);  // b and c; a was forgotten
  CHECK(memo.misses() == 1);
}

}  // namespace
}  // namespace nbsched::server
