// Time to the first full sync of a LiveCluster from the fake API server, and the memory the
// cache takes per node and per pod.
//
//   nbsched_bench_live_sync [--nodes 5000] [--pods 50000] [--page-size 500]
//
// Prints one line per measure. Memory: glibc's heap in use (mallinfo2) and RSS, before the
// LiveCluster starts and after its first snapshot is published; and, separately, the heap taken
// by 10,000 decoded copies of one node and of one pod as served (the cache keeps only those
// decoded objects; the snapshot adds a NodeInfo per node and a pointer per pod).

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

// Heap bytes per object for `copies` decoded copies of the first item of `list_json`.
double HeapPerObject(nbsched::state::KubeClient& client, const std::string& path,
                     nbsched::codec::ObjectKind kind, int copies) {
  auto reply = client.Get(path, {{"limit", "1"}});
  if (!reply.ok() || reply->status != 200) return -1;
  std::vector<nbsched::codec::ApiObject> kept;
  kept.reserve(static_cast<size_t>(copies));
  const int64_t before = HeapInUse();
  for (int i = 0; i < copies; ++i) {
    auto page = nbsched::codec::DecodeListPage(reply->body, kind);
    if (!page.ok() || page->items.empty()) return -1;
    kept.push_back(std::move(page->items.front()));
    kept.back().resource_version.clear();  // not kept by the cache
    kept.back().key.clear();               // counted with the cache's maps, not the object
  }
  return static_cast<double>(HeapInUse() - before) / copies;
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 5000;
  int pods = 50000;
  int page_size = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--nodes")
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
  nbsched::testing::FakeApiServer fake(
      {"--nodes", std::to_string(nodes), "--pods", std::to_string(pods)});
  if (!fake.ok()) {
    std::fprintf(stderr, "%s\n", fake.error().c_str());
    return 1;
  }
  std::printf("fake API server with %d nodes, %d pods ready in %.1f s\n", nodes, pods,
              std::chrono::duration<double>(Clock::now() - spawn).count());

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
  const double per_node =
      HeapPerObject(**probe, "/api/v1/nodes", nbsched::codec::ObjectKind::kNode, 10000);
  const double per_pod =
      HeapPerObject(**probe, "/api/v1/pods", nbsched::codec::ObjectKind::kPod, 10000);
  std::printf(
      "decoded object: %.0f bytes per node, %.0f bytes per pod (heap, incl. sizeof Node "
      "%zu / Pod %zu)\n",
      per_node, per_pod, sizeof(nbsched::Node), sizeof(nbsched::Pod));
  // What the rest (cache maps, NodeInfos, snapshot vectors) adds, per pod when nodes are
  // counted at their decoded size.
  if (pods > 0) {
    std::printf("cache + snapshot overhead: %.0f bytes per pod beyond decoded objects\n",
                (static_cast<double>(heap) - per_node * nodes - per_pod * pods) / pods);
  }
  live.Stop();
  return 0;
}
