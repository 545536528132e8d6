// Decoding speed of the Kubernetes JSON codec (simdjson) against nlohmann::json doing the same
// extraction, on generated, realistic node lists (labels, images, conditions, addresses).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/codec/k8s_json.h"
#include "scheduler/model/quantity.h"

namespace nbsched {
namespace {

// One node as the API server prints it: ~30 labels, annotations, 10 images, 5 conditions.
std::string NodeJson(int i) {
  const std::string name = "node-" + std::to_string(i);
  const bool gpu = i % 4 == 0;
  std::string s;
  s.reserve(8192);
  s += R"({"metadata":{"name":")" + name + R"(","uid":"5c2f8a7e-0000-4000-8000-)" +
       std::to_string(100000000000 + i) +
       R"(","resourceVersion":"123456789","creationTimestamp":"2025-01-01T00:00:00Z","labels":{)";
  // Keys in byte order, as the API server writes a map (Go's encoding/json sorts map keys).
  std::map<std::string, std::string> labels = {
      {"beta.kubernetes.io/arch", "amd64"},
      {"beta.kubernetes.io/os", "linux"},
      {"kubernetes.io/arch", "amd64"},
      {"kubernetes.io/hostname", name},
      {"kubernetes.io/os", "linux"},
      {"node.kubernetes.io/instance-type", "n2-standard-32"},
      {"topology.kubernetes.io/region", "europe-west4"},
      {"topology.kubernetes.io/zone",
       "europe-west4-" + std::string(1, static_cast<char>('a' + i % 3))},
      {"node-role.kubernetes.io/worker", ""}};
  if (gpu) {
    labels["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-40GB";
    labels["nvidia.com/gpu.count"] = "4";
  }
  for (int l = 0; l < 22; ++l) {
    labels["example.com/label-" + std::to_string(l)] = "value-" + std::to_string(l * 7 + i % 5);
  }
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) s += ',';
    first = false;
    s += '"' + key + R"(":")" + value + '"';
  }
  s += R"(},"annotations":{)";
  s +=
      R"("node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true",)";
  s +=
      R"("csi.volume.kubernetes.io/nodeid":"{\"pd.csi.storage.gke.io\":\"projects/p/zones/z/instances/)" +
      name + R"(\"}"}},)";
  s += R"("spec":{"podCIDR":"10.)" + std::to_string(i % 250) +
       R"(.0.0/24","providerID":"gce://p/z/)" + name + R"(")";
  if (gpu) s += R"(,"taints":[{"key":"nvidia.com/gpu","value":"present","effect":"NoSchedule"}])";
  s +=
      R"(},"status":{"capacity":{"cpu":"32","ephemeral-storage":"203056560Ki","hugepages-1Gi":"0",)"
      R"("hugepages-2Mi":"0","memory":"131914432Ki","pods":"110")";
  if (gpu) s += R"(,"nvidia.com/gpu":"4")";
  s += R"(},"allocatable":{"cpu":"31850m","ephemeral-storage":"187136925387","hugepages-1Gi":"0",)"
       R"("hugepages-2Mi":"0","memory":"126529216Ki","pods":"110")";
  if (gpu) s += R"(,"nvidia.com/gpu":"4")";
  s += R"(},"conditions":[)";
  const char* kConditions[][2] = {{"MemoryPressure", "False"},
                                  {"DiskPressure", "False"},
                                  {"PIDPressure", "False"},
                                  {"NetworkUnavailable", "False"},
                                  {"Ready", "True"}};
  for (int c = 0; c < 5; ++c) {
    if (c > 0) s += ",";
    s +=
        std::string(R"({"type":")") + kConditions[c][0] + R"(","status":")" + kConditions[c][1] +
        R"(","lastHeartbeatTime":"2025-03-01T09:00:00Z","lastTransitionTime":"2025-01-01T00:00:00Z",)"
        R"("reason":"KubeletHasSufficientMemory","message":"kubelet has sufficient memory available"})";
  }
  s += R"(],"addresses":[{"type":"InternalIP","address":"10.0.)" + std::to_string(i % 250) +
       R"(.2"},{"type":"Hostname","address":")" + name + R"("}],)";
  s +=
      R"("daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"abc",)"
      R"("systemUUID":"def","bootID":"ghi","kernelVersion":"6.1.0-18-cloud-amd64",)"
      R"j("osImage":"Debian GNU/Linux 12 (bookworm)","containerRuntimeVersion":"containerd://1.7.13",)j"
      R"("kubeletVersion":"v1.30.2","kubeProxyVersion":"v1.30.2","operatingSystem":"linux",)"
      R"("architecture":"amd64"},"images":[)";
  for (int m = 0; m < 10; ++m) {
    if (m > 0) s += ",";
    s += R"({"names":["registry.example.com/team/image-)" + std::to_string(m) +
         R"(@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",)"
         R"("registry.example.com/team/image-)" +
         std::to_string(m) + R"(:v1.2.)" + std::to_string(m) + R"("],"sizeBytes":)" +
         std::to_string(100000000 + m * 12345) + "}";
  }
  s += "]}}";
  return s;
}

std::string NodeListJson(int n) {
  std::string s =
      R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += ",";
    s += NodeJson(i);
  }
  s += "]}";
  return s;
}

const std::string& CachedNodeList(int n) {
  static std::string text;
  static int cached = -1;
  if (cached != n) {
    text = NodeListJson(n);
    cached = n;
  }
  return text;
}

void BM_ParseQuantity(benchmark::State& state) {
  const std::vector<std::string> inputs = {"100m",         "1.5",    "2Gi", "126529216Ki",
                                           "187136925387", "31850m", "1e3", "0.0005"};
  size_t i = 0;
  for (auto _ : state) {
    auto q = Quantity::Parse(inputs[i++ % inputs.size()]);
    benchmark::DoNotOptimize(q);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseQuantity);

constexpr std::string_view kPod = R"json({"metadata":{"name":"jupyter-alice","namespace":"jhub",
  "uid":"0b6f3c2e-5d41-4a8e-9c1a-2f7e9d3b8a10","creationTimestamp":null,
  "labels":{"app":"jupyterhub","component":"singleuser-server","hub.jupyter.org/username":"alice"},
  "annotations":{"hub.jupyter.org/username":"alice"}},
 "spec":{"schedulerName":"notebook-scheduler",
  "initContainers":[{"name":"setup","image":"busybox","resources":{"requests":{"cpu":"2","memory":"500Mi"}}},
                    {"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}],
  "containers":[{"name":"notebook","image":"jupyter/base-notebook","args":["start-notebook.sh","--ip=0.0.0.0"],
    "env":[{"name":"JUPYTERHUB_USER","value":"alice"},{"name":"MEM_GUARANTEE","value":"2147483648"}],
    "resources":{"limits":{"nvidia.com/gpu":"1","memory":"4Gi"},"requests":{"cpu":"1","memory":"2Gi","nvidia.com/gpu":"1"}},
    "ports":[{"containerPort":8888,"name":"notebook-port","protocol":"TCP"}],
    "volumeMounts":[{"mountPath":"/home/jovyan","name":"home"}]}],
  "overhead":{"cpu":"250m","memory":"120Mi"},
  "nodeSelector":{"nvidia.com/gpu.product":"NVIDIA-A100-SXM4-40GB"},
  "affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,
    "preference":{"matchExpressions":[{"key":"hub.jupyter.org/node-purpose","operator":"In","values":["user"]}]}}]},
   "podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":10,"podAffinityTerm":{
    "labelSelector":{"matchLabels":{"component":"singleuser-server"}},"topologyKey":"kubernetes.io/hostname"}}]}},
  "tolerations":[{"key":"hub.jupyter.org/dedicated","operator":"Equal","value":"user","effect":"NoSchedule"},
                 {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
  "volumes":[{"name":"home","persistentVolumeClaim":{"claimName":"claim-alice"}}]},
 "status":{"phase":"Pending","qosClass":"Burstable"}})json";

void BM_DecodePod(benchmark::State& state) {
  for (auto _ : state) {
    auto pod = codec::DecodePodJson(kPod);
    if (!pod.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(pod);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kPod.size()));
}
BENCHMARK(BM_DecodePod);

void BM_DecodeNodeList(benchmark::State& state) {
  const std::string& text = CachedNodeList(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto objects = codec::DecodeList(text);
    if (!objects.ok() || objects->nodes.size() != static_cast<size_t>(state.range(0))) {
      state.SkipWithError("decode failed");
    }
    benchmark::DoNotOptimize(objects);
    // The decoded nodes outlive a request in the server; freeing them is not decoding.
    state.PauseTiming();
    objects = absl::StatusOr<codec::ClusterObjects>();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
}
BENCHMARK(BM_DecodeNodeList)->Arg(5000)->Unit(benchmark::kMillisecond);

// The same list as a non-cache-capable /filter body: also keeps each node's text (a view of the
// body).
void BM_DecodeExtenderArgsNodes(benchmark::State& state) {
  const std::string& list = CachedNodeList(static_cast<int>(state.range(0)));
  const std::string body = std::string(R"({"Pod":)") + std::string(kPod) + R"(,"Nodes":)" + list +
                           R"(,"NodeNames":null})";
  for (auto _ : state) {
    auto args = codec::DecodeExtenderArgs(body);
    if (!args.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(args);
    state.PauseTiming();
    args = absl::StatusOr<codec::ExtenderArgs>();
    codec::ClearNodeListCache();  // each iteration a first request: every node decoded
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeExtenderArgsNodes)->Arg(5000)->Unit(benchmark::kMillisecond);

// ---- nlohmann::json doing the same extraction ----

bool StringOf(const nlohmann::json& j, std::string* out) {
  if (j.is_null()) return true;
  if (!j.is_string()) return false;
  *out = j.get_ref<const std::string&>();
  return true;
}

bool LabelsOf(const nlohmann::json& j, Labels* out) {
  if (j.is_null()) return true;
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!StringOf(it.value(), &(*out)[it.key()])) return false;
  }
  return true;
}

bool ResourcesOf(const nlohmann::json& j, ResourceList* out) {
  if (j.is_null()) return true;
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) return false;
    auto q = Quantity::Parse(it.value().get_ref<const std::string&>());
    if (!q.ok() || q->IsNegative()) return false;
    (*out)[it.key()] = *q;
  }
  return true;
}

bool NlohmannNode(const nlohmann::json& j, Node* node) {
  if (!j.is_object()) return false;
  if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
    if (auto f = m->find("name"); f != m->end() && !StringOf(*f, &node->name)) return false;
    if (auto f = m->find("labels"); f != m->end() && !LabelsOf(*f, &node->labels)) return false;
  }
  if (auto s = j.find("spec"); s != j.end() && s->is_object()) {
    if (auto f = s->find("unschedulable"); f != s->end() && f->is_boolean()) {
      node->unschedulable = f->get<bool>();
    }
    if (auto f = s->find("taints"); f != s->end() && f->is_array()) {
      for (const auto& t : *f) {
        Taint& taint = node->taints.emplace_back();
        if (auto k = t.find("key"); k != t.end() && !StringOf(*k, &taint.key)) return false;
        if (auto k = t.find("value"); k != t.end() && !StringOf(*k, &taint.value)) return false;
        if (auto k = t.find("effect"); k != t.end() && !StringOf(*k, &taint.effect)) return false;
      }
    }
  }
  if (auto s = j.find("status"); s != j.end() && s->is_object()) {
    if (auto f = s->find("allocatable");
        f != s->end() && !ResourcesOf(*f, &node->allocatable_list)) {
      return false;
    }
    if (auto f = s->find("conditions"); f != s->end() && f->is_array()) {
      for (const auto& c : *f) {
        NodeCondition& cond = node->conditions.emplace_back();
        if (auto k = c.find("type"); k != c.end() && !StringOf(*k, &cond.type)) return false;
        if (auto k = c.find("status"); k != c.end() && !StringOf(*k, &cond.status)) return false;
      }
    }
  }
  node->Finalize();
  return true;
}

void BM_DecodeNodeList_Nlohmann(benchmark::State& state) {
  const std::string& text = CachedNodeList(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.contains("items")) {
      state.SkipWithError("parse failed");
      break;
    }
    std::vector<std::shared_ptr<const Node>> nodes;
    for (const auto& item : doc["items"]) {
      auto node = std::make_shared<Node>();
      if (!NlohmannNode(item, node.get())) state.SkipWithError("extract failed");
      nodes.push_back(std::move(node));
    }
    benchmark::DoNotOptimize(nodes);
    doc = nlohmann::json();  // the parse tree is temporary: freeing it is part of the cost
    state.PauseTiming();
    nodes.clear();  // as above: the extracted nodes are kept in a real run
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DecodeNodeList_Nlohmann)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nbsched

BENCHMARK_MAIN();
