// Time to the first full sync of a LiveCluster from the fake API server, and the memory the
// cache takes per node and per pod.
//
//   nbsched_bench_live_sync [--nodes 5000] [--pods 50000] [--page-size 500]
//                           [--pod-mix z2jh|generic]
//
// Pod mixes: "z2jh" (the default) is what a JupyterHub cluster runs: three DaemonSet pods per
// node (kube-proxy, a CNI agent, z2jh's continuous-image-puller) and, for the rest, user servers
// as KubeSpawner builds them under z2jh's defaults (bench/fixtures/z2jh-pod-cpu.json, one user
// each). "generic" is the older one-Deployment shape, kept for comparison.
//
// Prints one line per measure. Memory: glibc's heap in use (mallinfo2) and RSS, before the
// LiveCluster starts and after its first snapshot is published; and, separately, the heap taken
// by every node and every pod of the lists as decoded (what an informer hands over) and as the
// cache keeps them (CompactBoundPod for bound pods). "cache per pod" is the heap after the sync
// less the decoded nodes, per pod: the pods as kept, the cache's maps, the snapshot's NodeInfos
// and pointers, the label pool (PodLabels' interned strings). The separate "pods as the cache
// keeps them" measure runs while the LiveCluster still holds its pods, so the label strings it
// interns are mostly in the pool already: it counts a pod's own bytes, not the pool's.

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/codec/watch_json.h"
#include "scheduler/state/cluster_state.h"
#include "scheduler/state/live_cluster.h"
#include "tests/testing/fake_apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t HeapInUse() { return static_cast<int64_t>(mallinfo2().uordblks + mallinfo2().hblkhd); }

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

struct ListHeap {
  double decoded = -1;         // heap bytes per object as decoded
  double cached = -1;          // ... as the cache keeps it (pods: bound ones compacted)
  double compact_seconds = 0;  // CompactBoundPod of every bound pod
};

// Lists `path` page by page (as the informer does) and measures the heap of all its objects,
// decoded, then as kept by the cache.
ListHeap MeasureList(nbsched::state::KubeClient& client, const std::string& path,
                     nbsched::codec::ObjectKind kind, int page_size) {
  ListHeap out;
  std::vector<nbsched::codec::ApiObject> kept;
  std::string continue_token;
  int64_t decoded = 0;
  bool warm = false;
  do {
    nbsched::state::Query query = {{"limit", std::to_string(page_size)}};
    if (!continue_token.empty()) query.emplace_back("continue", continue_token);
    auto reply = client.Get(path, query);
    if (!reply.ok() || reply->status != 200) return out;
    if (!warm) {  // the thread's JSON parser keeps its buffers: not an object's
      static_cast<void>(nbsched::codec::DecodeListPage(reply->body, kind));
      warm = true;
    }
    const int64_t at = HeapInUse();
    auto page = nbsched::codec::DecodeListPage(reply->body, kind);
    if (!page.ok()) return out;
    continue_token = page->continue_token;
    for (auto& item : page->items) {
      std::string().swap(item.resource_version);  // not kept by the cache
      std::string().swap(item.key);               // counted with the cache's maps
      kept.push_back(std::move(item));
    }
    page->items = {};
    decoded += HeapInUse() - at;
  } while (!continue_token.empty());
  if (kept.empty()) return out;
  decoded -= static_cast<int64_t>(kept.capacity() * sizeof(nbsched::codec::ApiObject));
  const double count = static_cast<double>(kept.size());
  out.decoded = static_cast<double>(decoded) / count;
  out.cached = out.decoded;
  if (kind == nbsched::codec::ObjectKind::kNode) {
    // A node in the state: decoded, plus its NodeInfo and place in a snapshot (without pods).
    const int64_t before = HeapInUse();
    nbsched::SnapshotBuilder builder;
    for (const auto& item : kept) builder.AddNode(item.node);
    const auto snapshot = std::move(builder).Build();
    out.cached += static_cast<double>(HeapInUse() - before) / count;
    return out;
  }
  if (kind != nbsched::codec::ObjectKind::kPod) return out;
  std::vector<std::shared_ptr<const nbsched::Pod>> cached;
  cached.reserve(kept.size());
  const int64_t before = HeapInUse();
  const auto start = Clock::now();
  size_t whole = 0;  // pending pods: kept as decoded
  for (auto& item : kept) {
    const nbsched::Pod& pod = *item.pod;
    if (pod.IsActive() && !pod.node_name.empty()) {
      cached.push_back(std::make_shared<const nbsched::Pod>(nbsched::CompactBoundPod(pod)));
    } else {
      cached.push_back(item.pod);
      ++whole;
    }
  }
  out.compact_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.cached = (static_cast<double>(HeapInUse() - before) + out.decoded * whole) / count;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 5000;
  int pods = 50000;
  int page_size = 500;
  std::string pod_mix = "z2jh";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--pod-mix")
      pod_mix = argv[i + 1];
    else if (flag == "--nodes")
      nodes = value;
    else if (flag == "--pods")
      pods = value;
    else if (flag == "--page-size")
      page_size = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const auto spawn = Clock::now();
  if (pod_mix != "z2jh" && pod_mix != "generic") {
    std::fprintf(stderr, "--pod-mix is z2jh or generic\n");
    return 2;
  }
  nbsched::testing::FakeApiServer fake({"--nodes", std::to_string(nodes), "--pods",
                                        std::to_string(pods), "--pod-mix", pod_mix,
                                        "--pod-template", NBSCHED_Z2JH_POD_FIXTURE});
  if (!fake.ok()) {
    std::fprintf(stderr, "%s\n", fake.error().c_str());
    return 1;
  }
  std::printf("fake API server with %d nodes, %d pods (mix %s) ready in %.1f s\n", nodes, pods,
              pod_mix.c_str(), std::chrono::duration<double>(Clock::now() - spawn).count());

  nbsched::state::ClusterState state(nbsched::SnapshotBuilder().Build());
  nbsched::state::LiveOptions options;
  options.config.server = fake.url();
  options.informer.page_size = page_size;
  auto client = nbsched::state::KubeClient::Create(options.config);
  if (!client.ok()) return 1;
  const std::string rv = fake.ResourceVersion();

  malloc_trim(0);
  const int64_t heap_before = HeapInUse();
  const int64_t rss_before = RssBytes();
  const auto start = Clock::now();
  nbsched::state::LiveCluster live(std::move(*client), options, state);
  live.Start();
  const auto deadline = start + std::chrono::minutes(10);
  if (!live.WaitForResourceVersion(nbsched::codec::ObjectKind::kNode, rv, deadline) ||
      !live.WaitForResourceVersion(nbsched::codec::ObjectKind::kPod, rv, deadline)) {
    std::fprintf(stderr, "no sync: %s\n", live.NotReadyReason().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto snapshot = state.Current();
  malloc_trim(0);
  const int64_t heap = HeapInUse() - heap_before;
  const int64_t rss = RssBytes() - rss_before;
  std::printf(
      "first full sync (list %d nodes + %d pods, pages of %d, snapshot published): %.3f s\n", nodes,
      pods, page_size, seconds);
  std::printf("snapshot: %zu nodes, %zu pods; ready: \"%s\"\n", snapshot->nodes().size(),
              snapshot->pod_count(), live.NotReadyReason().c_str());
  const double objects = static_cast<double>(nodes + pods);
  std::printf("heap in use after sync: %.1f MiB (%.0f bytes per object), RSS +%.1f MiB\n",
              static_cast<double>(heap) / (1 << 20), static_cast<double>(heap) / objects,
              static_cast<double>(rss) / (1 << 20));

  auto probe = nbsched::state::KubeClient::Create(options.config);
  if (!probe.ok()) return 1;
  const ListHeap node_heap =
      MeasureList(**probe, "/api/v1/nodes", nbsched::codec::ObjectKind::kNode, page_size);
  const ListHeap pod_heap =
      MeasureList(**probe, "/api/v1/pods", nbsched::codec::ObjectKind::kPod, page_size);
  std::printf(
      "decoded objects: %.0f bytes per node, %.0f bytes per pod (heap, incl. sizeof Node "
      "%zu / Pod %zu)\n",
      node_heap.decoded, pod_heap.decoded, sizeof(nbsched::Node), sizeof(nbsched::Pod));
  std::printf("pods as the cache keeps them: %.0f bytes per pod (compacting all: %.3f s)\n",
              pod_heap.cached, pod_heap.compact_seconds);
  std::printf("state per node: %.0f bytes (decoded node %.0f + NodeInfo and snapshot entry %.0f)\n",
              node_heap.cached, node_heap.decoded, node_heap.cached - node_heap.decoded);
  if (pods > 0) {
    const double per_pod = (static_cast<double>(heap) - node_heap.cached * nodes) / pods;
    std::printf(
        "state per pod: %.0f bytes (heap after sync less the state per node, per pod: "
        "the pod as kept %.0f + cache maps, NodeInfo and snapshot shares %.0f)\n",
        per_pod, pod_heap.cached, per_pod - pod_heap.cached);
  }
  std::printf("label pool: %zu interned strings (sizeof PodLabels %zu)\n",
              nbsched::PodLabelPoolSize(), sizeof(nbsched::PodLabels));
  live.Stop();
  return 0;
}
