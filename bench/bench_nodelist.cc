// The full-NodeList mode (`nodeCacheCapable: false`, issue 17): the server time of one /filter
// of the varied 5,000-node cluster sent as Node objects (decode → scheduling core → encode, as
// ExtenderService::Filter runs it, minus HTTP), with each stage's mean as a counter. The body
// and the snapshot are bench/load/gen_cluster.py's `--varied --nodelist` files, generated into
// $NBSCHED_BENCH_DATA (default <build>/bench-data) when missing. examples/policy.yaml. The
// reply is encoded as the server sends it (EncodeFilterResultParts: the kept nodes' bytes are
// written from the request body); free_ms is what is freed after the reply is written.
// bench/nodelist-vs-python.sh measures the same through the real server next to json.loads.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/scheduling_core.h"
#include "scheduler/state/cluster_state.h"

namespace nbsched {
namespace {

using Clock = std::chrono::steady_clock;

std::string DataDir() {
  const char* dir = std::getenv("NBSCHED_BENCH_DATA");
  return dir != nullptr ? dir : NBSCHED_BINARY_DIR "/bench-data";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Fixture {
  std::shared_ptr<const framework::Policy> policy;
  std::shared_ptr<const Snapshot> snapshot;
  std::string body;
};

const Fixture* Load(int nodes) {
  static std::unique_ptr<Fixture> fixture;
  static int loaded = -1;
  if (loaded == nodes) return fixture.get();
  const std::string dir = DataDir();
  const std::string body_path =
      dir + "/varied-cpu-nodelist-filter-" + std::to_string(nodes) + ".json";
  const std::string cluster_path = dir + "/varied-cluster-" + std::to_string(nodes) + ".json";
  if (!std::ifstream(body_path) || !std::ifstream(cluster_path)) {
    const std::string command = "python3 " NBSCHED_SOURCE_DIR
                                "/bench/load/gen_cluster.py --varied --nodelist --nodes " +
                                std::to_string(nodes) + " --out '" + dir + "'";
    if (std::system(command.c_str()) != 0) return nullptr;
  }
  auto f = std::make_unique<Fixture>();
  auto policy = config::LoadPolicyFile(NBSCHED_SOURCE_DIR "/examples/policy.yaml",
                                       framework::Registry::Default(), 1);
  auto snapshot = state::LoadSnapshotFile(cluster_path, nullptr);
  if (!policy.ok() || !snapshot.ok()) return nullptr;
  f->policy = *policy;
  f->snapshot = *snapshot;
  f->body = ReadFile(body_path);
  fixture = std::move(f);
  loaded = nodes;
  return fixture.get();
}

void BM_NodeListFilter(benchmark::State& state) {
  server::ConfigureAllocatorForServing();
  const Fixture* f = Load(static_cast<int>(state.range(0)));
  if (f == nullptr) {
    state.SkipWithError("no NodeList body (gen_cluster.py --varied --nodelist failed)");
    return;
  }
  Clock::duration decode{}, core{}, encode{}, release{};
  size_t reply_bytes = 0;
  const bool warm = state.range(1) != 0;
  for (auto _ : state) {
    if (!warm) {
      state.PauseTiming();
      codec::ClearNodeListCache();
      state.ResumeTiming();
    }
    const auto t0 = Clock::now();
    std::optional<absl::StatusOr<codec::ExtenderArgs>> args(
        codec::DecodeExtenderArgs(std::string_view(f->body)));
    if (!args->ok() || (*args)->cache_capable()) {
      state.SkipWithError("decode failed");
      return;
    }
    const auto t1 = Clock::now();
    std::vector<std::shared_ptr<const Node>> nodes;
    nodes.reserve((*args)->nodes->size());
    for (const codec::NodeItem& item : *(*args)->nodes) nodes.push_back(item.node);
    std::optional<server::CoreResult> r(server::Evaluate(
        server::Verb::kFilter, {f->policy, f->snapshot}, (*args)->pod,
        std::span<const std::shared_ptr<const Node>>(nodes), server::ExtenderOptions{}));
    const auto t2 = Clock::now();
    // As the server: the echoed nodes are written from the body, not copied.
    std::optional<codec::FilterReplyParts> reply(
        codec::EncodeFilterResultParts(r->decision, **args));
    const auto t3 = Clock::now();
    benchmark::DoNotOptimize(reply->head.data());
    reply_bytes = reply->head.size() + reply->tail.size() + reply->items.size();
    for (std::string_view item : reply->items) reply_bytes += item.size();
    // What the handler frees before it returns: the reply goes on to the socket.
    nodes = {};
    r.reset();
    args.reset();
    const auto t4 = Clock::now();
    decode += t1 - t0;
    core += t2 - t1;
    encode += t3 - t2;
    release += t4 - t3;
  }
  const auto ms = [&](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count() /
           static_cast<double>(state.iterations());
  };
  state.counters["decode_ms"] = ms(decode);
  state.counters["core_ms"] = ms(core);
  state.counters["encode_ms"] = ms(encode);
  state.counters["free_ms"] = ms(release);
  state.counters["reply_MB"] = static_cast<double>(reply_bytes) / 1e6;
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f->body.size()));
}
// /0: the first request (no Nodes to reuse); /1: the next ones (kube-scheduler sends the same
// Node objects each cycle).
BENCHMARK(BM_NodeListFilter)
    ->Args({5000, 0})
    ->Args({5000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace nbsched

BENCHMARK_MAIN();
