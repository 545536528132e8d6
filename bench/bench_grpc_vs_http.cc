// Explain throughput (pods/s) over gRPC and over HTTP for a 1,000-node snapshot: both servers run
// in this process on 127.0.0.1 (ephemeral ports) on the same ClusterState and policy; each
// iteration explains one notebook pod against all 1,000 nodes (names from the cache). Also the
// ScoreMany batch stream (64 pods per stream). One client, one connection each.
//
//   build/bench/nbsched_bench_grpc_vs_http --benchmark_min_time=2

#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/server/grpc_service.h"
#include "scheduler/server/http_server.h"
#include "tests/testing/http_client.h"

namespace nbsched {
namespace {

using nlohmann::json;

constexpr int kNodes = 1000;

constexpr const char* kPolicy = R"(priorities:
  - {name: LeastRequestedPriority,     weight: 1}
  - {name: BalancedResourceAllocation, weight: 1}
  - {name: SelectorSpreadPriority,     weight: 1}
  - {name: GPUAwarePriority,           weight: 2}
)";

json Container(const std::string& cpu, const std::string& memory, int gpus) {
  json requests = {{"cpu", cpu}, {"memory", memory}};
  if (gpus > 0) requests["nvidia.com/gpu"] = std::to_string(gpus);
  return {
      {"name", "c"}, {"image", "i"}, {"resources", {{"requests", requests}, {"limits", requests}}}};
}

// 1,000 nodes (every 10th with 4 GPUs, three zones) and two running pods on each.
std::string ClusterJson() {
  json items = json::array();
  for (int i = 0; i < kNodes; ++i) {
    const bool gpu = i % 10 == 0;
    json capacity = {{"cpu", "16"}, {"memory", "64Gi"}, {"pods", "110"}};
    if (gpu) capacity["nvidia.com/gpu"] = "4";
    const std::string name = "node-" + std::to_string(i);
    items.push_back({{"apiVersion", "v1"},
                     {"kind", "Node"},
                     {"metadata",
                      {{"name", name},
                       {"labels",
                        {{"kubernetes.io/hostname", name},
                         {"topology.kubernetes.io/zone", "zone-" + std::to_string(i % 3)}}}}},
                     {"status", {{"capacity", capacity}, {"allocatable", capacity}}}});
    for (int p = 0; p < 2; ++p) {
      const std::string pod = "nb-" + std::to_string(i) + "-" + std::to_string(p);
      items.push_back(
          {{"apiVersion", "v1"},
           {"kind", "Pod"},
           {"metadata",
            {{"name", pod},
             {"namespace", "jhub"},
             {"uid", pod},
             {"labels", {{"app", "jupyterhub"}}}}},
           {"spec",
            {{"nodeName", name},
             {"containers", {Container(std::to_string(1 + (i + p) % 4), "4Gi", gpu && p == 0)}}}},
           {"status", {{"phase", "Running"}}}});
    }
  }
  return json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump();
}

json NotebookPod() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "jupyter-bench"},
            {"namespace", "jhub"},
            {"uid", "bench-uid"},
            {"labels", {{"app", "jupyterhub"}, {"component", "singleuser-server"}}}}},
          {"spec", {{"containers", {Container("500m", "1Gi", 0)}}}}};
}

std::vector<std::string> NodeNames() {
  std::vector<std::string> names;
  for (int i = 0; i < kNodes; ++i) names.push_back("node-" + std::to_string(i));
  return names;
}

// Both servers, started once for the whole program.
struct Servers {
  Servers()
      : cluster(LoadCluster()),
        policies(*config::LoadPolicy(kPolicy, "policy.yaml", framework::Registry::Default(), 1)),
        extender(cluster, policies, {}),
        grpc_service(cluster, policies, {}),
        http(server::ServerOptions{.host = "127.0.0.1", .port = 0, .threads = 2}),
        grpc_server(grpc_service, {.address = "127.0.0.1:0", .tls = std::nullopt}) {
    extender.Register(http);
    http_port = http.Start().value_or(0);
    grpc_port = grpc_server.Start().value_or(0);
  }
  static std::shared_ptr<const Snapshot> LoadCluster() {
    const auto path = std::filesystem::temp_directory_path() / "nbsched_bench_1000_nodes.json";
    std::ofstream(path) << ClusterJson();
    auto snapshot = state::LoadSnapshotFile(path.string());
    std::filesystem::remove(path);
    if (!snapshot.ok()) {
      std::fprintf(stderr, "snapshot: %s\n", std::string(snapshot.status().message()).c_str());
      std::abort();
    }
    return *snapshot;
  }
  state::ClusterState cluster;
  Published<framework::Policy> policies;
  server::ExtenderService extender;
  server::GrpcService grpc_service;
  server::HttpServer http;
  server::GrpcServer grpc_server;
  uint16_t http_port = 0;
  uint16_t grpc_port = 0;
};

Servers& Get() {
  static Servers* servers = new Servers();  // lives until exit; both servers keep serving
  return *servers;
}

void BM_ExplainHttp(benchmark::State& state) {
  Servers& s = Get();
  testing::HttpClient client(s.http_port, std::chrono::milliseconds(30000));
  const std::string body =
      json{{"Pod", NotebookPod()}, {"Nodes", nullptr}, {"NodeNames", NodeNames()}}.dump();
  for (auto _ : state) {
    const auto reply = client.Post("/explain", body);
    if (!reply.ok() || reply.status != 200) {
      state.SkipWithError("HTTP explain failed");
      break;
    }
    benchmark::DoNotOptimize(reply.body.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("pods/s = items_per_second");
}
BENCHMARK(BM_ExplainHttp)->UseRealTime()->Unit(benchmark::kMillisecond);

v1::ScheduleRequest Request() {
  v1::ScheduleRequest request;
  request.set_pod_json(NotebookPod().dump());
  for (const std::string& name : NodeNames()) request.add_node_names(name);
  return request;
}

void BM_ExplainGrpc(benchmark::State& state) {
  Servers& s = Get();
  auto stub = v1::Scheduler::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(s.grpc_port),
                                                         grpc::InsecureChannelCredentials()));
  const v1::ScheduleRequest request = Request();
  v1::ExplainResponse response;
  for (auto _ : state) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!stub->Explain(&context, request, &response).ok()) {
      state.SkipWithError("gRPC explain failed");
      break;
    }
    benchmark::DoNotOptimize(response.nodes_size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("pods/s = items_per_second");
}
BENCHMARK(BM_ExplainGrpc)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ScoreManyGrpc(benchmark::State& state) {
  Servers& s = Get();
  auto stub = v1::Scheduler::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(s.grpc_port),
                                                         grpc::InsecureChannelCredentials()));
  const v1::ScheduleRequest request = Request();
  constexpr int kPerStream = 64;
  v1::ExplainResponse response;
  for (auto _ : state) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto stream = stub->ScoreMany(&context);
    for (int i = 0; i < kPerStream; ++i) stream->Write(request);
    stream->WritesDone();
    int read = 0;
    while (stream->Read(&response)) ++read;
    if (!stream->Finish().ok() || read != kPerStream) {
      state.SkipWithError("ScoreMany failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerStream);
  state.SetLabel("pods/s = items_per_second");
}
BENCHMARK(BM_ScoreManyGrpc)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nbsched

BENCHMARK_MAIN();
