#include "scheduler/state/live_cluster.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "scheduler/model/text.h"

namespace nbsched::state {

namespace {

using codec::ObjectKind;

// A batch touching more nodes than this rebuilds the snapshot instead of replacing NodeInfos
// one by one (each replacement copies the node vector).
constexpr size_t kMaxIncrementalNodes = 16;

int KindIndex(ObjectKind kind) { return static_cast<int>(kind); }

bool IsWorkload(ObjectKind kind) { return kind != ObjectKind::kNode && kind != ObjectKind::kPod; }

// resourceVersions are opaque strings; in practice (etcd) decimal numbers.
bool ReachedVersion(const std::string& have, const std::string& want) {
  if (have == want) return true;
  if (have.empty() || want.empty() || have.size() > 19 || want.size() > 19) return false;
  for (const char c : have + want) {
    if (c < '0' || c > '9') return false;
  }
  return std::stoll(have) >= std::stoll(want);
}

// What the cache keeps of a pod: the compact form once bound and active (the pod is then an
// existing pod of a node, read by plugins, never judged again); pending pods whole, since
// /bind judges them (FindPod).
std::shared_ptr<const Pod> ForCache(std::shared_ptr<const Pod> pod) {
  if (pod == nullptr || !pod->IsActive() || pod->node_name.empty()) return pod;
  return std::make_shared<const Pod>(CompactBoundPod(*pod));
}

// FNV-1a over namespace, '/', name: the same value for a key string and for its pod.
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
uint64_t Fnv(uint64_t h, std::string_view s) {
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

}  // namespace

size_t LiveCluster::PodKeyHash::operator()(std::string_view key) const {
  return static_cast<size_t>(Fnv(kFnvOffset, key));
}

size_t LiveCluster::PodKeyHash::operator()(const std::shared_ptr<const Pod>& pod) const {
  return static_cast<size_t>(Fnv(Fnv(Fnv(kFnvOffset, pod->namespace_), "/"), pod->name));
}

bool LiveCluster::PodKeyEqual::operator()(const std::shared_ptr<const Pod>& a,
                                          const std::shared_ptr<const Pod>& b) const {
  return a->namespace_ == b->namespace_ && a->name == b->name;
}

bool LiveCluster::PodKeyEqual::operator()(std::string_view key,
                                          const std::shared_ptr<const Pod>& pod) const {
  const std::string& ns = pod->namespace_;
  return key.size() == ns.size() + 1 + pod->name.size() && key.starts_with(ns) &&
         key[ns.size()] == '/' && key.substr(ns.size() + 1) == pod->name;
}

bool LiveCluster::PodKeyEqual::operator()(const std::shared_ptr<const Pod>& pod,
                                          std::string_view key) const {
  return (*this)(key, pod);
}

bool LiveCluster::PodKeyLess::operator()(const std::shared_ptr<const Pod>& a,
                                         const std::shared_ptr<const Pod>& b) const {
  // As a->Key() < b->Key(), without building the strings.
  const std::string_view an = a->namespace_;
  const std::string_view bn = b->namespace_;
  if (an == bn) return a->name < b->name;
  const size_t common = std::min(an.size(), bn.size());
  if (const int c = an.substr(0, common).compare(bn.substr(0, common)); c != 0) return c < 0;
  // One namespace is a prefix of the other: '/' meets the longer one's next character.
  const auto next = static_cast<unsigned char>(an.size() < bn.size() ? bn[common] : an[common]);
  if (next != '/') return an.size() < bn.size() ? '/' < next : next < '/';
  return a->Key() < b->Key();  // not a valid namespace; exact anyway
}

LiveCluster::LiveCluster(std::unique_ptr<KubeClient> client, LiveOptions options,
                         ClusterState& state)
    : client_(std::move(client)), options_(std::move(options)), state_(state) {
  std::vector<ObjectKind> kinds = {ObjectKind::kNode, ObjectKind::kPod};
  if (options_.watch_workloads) {
    kinds.insert(kinds.end(), {ObjectKind::kService, ObjectKind::kReplicationController,
                               ObjectKind::kReplicaSet, ObjectKind::kStatefulSet});
  }
  InformerOptions informer_options = options_.informer;
  informer_options.on_restart = options_.on_watch_restart;
  informer_options.log = options_.log;
  for (const ObjectKind kind : kinds) {
    listed_[KindIndex(kind)] = false;
    listed_published_[KindIndex(kind)] = false;
    informers_.push_back(std::make_unique<Informer>(
        *client_, kind, static_cast<InformerSink&>(*this), informer_options));
  }
}

LiveCluster::~LiveCluster() { Stop(); }

void LiveCluster::Start() {
  if (publisher_.joinable()) return;
  publisher_ = std::thread([this] { RunPublisher(); });
  for (auto& informer : informers_) informer->Start();
}

void LiveCluster::Stop() {
  for (auto& informer : informers_) informer->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  dirty_cv_.notify_all();
  published_cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
}

// ---- the cache ----

void LiveCluster::AddPodLocked(const std::string& key, std::shared_ptr<const Pod> pod) {
  if (!pod->IsActive()) return;  // uses nothing: not kept
  if (pod->node_name.empty()) {  // uses nothing yet; kept for /bind (FindPod)
    pending_[key] = std::move(pod);
    return;
  }
  RemovePodLocked(key);  // a list repeating a key: the later object wins
  const std::string& node = pod->node_name;
  if (nodes_.contains(node)) dirty_nodes_[node] = true;
  auto& on_node = pods_by_node_[node];
  on_node.insert(std::upper_bound(on_node.begin(), on_node.end(), pod, PodKeyLess()), pod);
  pods_.insert(std::move(pod));
}

void LiveCluster::RemovePodLocked(const std::string& key) {
  pending_.erase(key);
  const auto it = pods_.find(std::string_view(key));
  if (it == pods_.end()) return;
  const std::string& node = (*it)->node_name;
  if (auto on_node = pods_by_node_.find(node); on_node != pods_by_node_.end()) {
    auto& list = on_node->second;
    const auto [first, last] = std::equal_range(list.begin(), list.end(), *it, PodKeyLess());
    list.erase(first, last);
    if (list.empty()) pods_by_node_.erase(on_node);
  }
  if (nodes_.contains(node)) dirty_nodes_[node] = true;
  pods_.erase(it);
}

void LiveCluster::Replace(ObjectKind kind, std::vector<codec::ApiObject> items,
                          const std::string& resource_version) {
  // The informer has passed every page through Reduce(): bound pods are compact already.
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (kind == ObjectKind::kNode) {
      nodes_.clear();
      for (auto& item : items) nodes_[item.key] = std::move(item.node);
    } else if (kind == ObjectKind::kPod) {
      pods_.clear();
      pending_.clear();
      pods_by_node_.clear();
      for (auto& item : items) AddPodLocked(item.key, std::move(item.pod));
      for (auto& [node, list] : pods_by_node_) list.shrink_to_fit();
    } else {
      const int k = KindIndex(kind);
      std::erase_if(workloads_, [k](const auto& entry) { return entry.first.first == k; });
      for (auto& item : items) {
        if (item.workload) workloads_[{k, item.key}] = std::move(*item.workload);
      }
    }
    rebuild_ = true;
    changed_ = true;
    applied_rv_[KindIndex(kind)] = resource_version;
    listed_[KindIndex(kind)] = true;
  }
  dirty_cv_.notify_all();
}

void LiveCluster::Reduce(ObjectKind kind, std::vector<codec::ApiObject>& page) {
  if (kind != ObjectKind::kPod) return;
  for (auto& item : page) item.pod = ForCache(std::move(item.pod));
}

void LiveCluster::Apply(ObjectKind kind, codec::WatchEvent event) {
  using Type = codec::WatchEvent::Type;
  if (kind == ObjectKind::kPod) event.object.pod = ForCache(std::move(event.object.pod));
  {
    std::lock_guard<std::mutex> lock(mu_);
    codec::ApiObject& object = event.object;
    if (event.type == Type::kBookmark) {
      // Nothing changes but the version the snapshot is known to include.
    } else if (kind == ObjectKind::kNode) {
      if (event.type == Type::kDeleted) {
        rebuild_ |= nodes_.erase(object.key) > 0;
      } else if (object.node != nullptr) {
        auto [it, added] = nodes_.try_emplace(object.key, object.node);
        if (added) {
          rebuild_ = true;
        } else {
          it->second = std::move(object.node);
          dirty_nodes_[object.key] = true;
        }
      }
    } else if (kind == ObjectKind::kPod) {
      RemovePodLocked(object.key);
      if (event.type != Type::kDeleted && object.pod != nullptr) {
        AddPodLocked(object.key, std::move(object.pod));
      }
    } else if (IsWorkload(kind)) {
      const std::pair<int, std::string> key{KindIndex(kind), object.key};
      if (event.type == Type::kDeleted) {
        workloads_.erase(key);
      } else if (object.workload) {
        workloads_[key] = std::move(*object.workload);
      }
      rebuild_ = true;
    }
    if (!object.resource_version.empty()) applied_rv_[KindIndex(kind)] = object.resource_version;
    changed_ = true;
  }
  dirty_cv_.notify_all();
}

std::shared_ptr<const NodeInfo> LiveCluster::BuildNodeInfoLocked(
    const std::string& node_name) const {
  std::vector<std::shared_ptr<const Pod>> pods;
  if (auto it = pods_by_node_.find(node_name); it != pods_by_node_.end()) {
    pods.reserve(it->second.size());
    for (const auto& pod : it->second) pods.push_back(pod);
  }
  return std::make_shared<NodeInfo>(nodes_.at(node_name), std::move(pods));
}

std::shared_ptr<const Snapshot> LiveCluster::BuildSnapshotLocked() {
  if (!rebuild_ && base_ != nullptr && dirty_nodes_.size() <= kMaxIncrementalNodes) {
    std::shared_ptr<const Snapshot> next = base_;
    for (const auto& [name, unused] : dirty_nodes_) {
      if (nodes_.contains(name) && next->Find(name) != nullptr) {
        next = next->WithNodeInfo(BuildNodeInfoLocked(name));
      }
    }
    return next;
  }
  SnapshotBuilder builder;
  for (const auto& [name, node] : nodes_) {
    builder.AddNode(node);
    if (auto it = pods_by_node_.find(name); it != pods_by_node_.end()) {
      for (const auto& pod : it->second) builder.AddPod(pod);
    }
  }
  for (const auto& [key, workload] : workloads_) builder.AddWorkload(workload);
  return std::move(builder).Build();
}

void LiveCluster::RunPublisher() {
  std::unique_lock<std::mutex> lock(mu_);
  auto last_publish = std::chrono::steady_clock::time_point();
  for (;;) {
    dirty_cv_.wait(lock, [this] { return stopping_ || changed_; });
    if (stopping_) return;
    // Coalesce a burst: publish at most once per interval. Events keep being applied to the
    // cache meanwhile, so the snapshot below includes all of them.
    const auto next = last_publish + options_.publish_interval;
    if (std::chrono::steady_clock::now() < next) {
      dirty_cv_.wait_until(lock, next, [this] { return stopping_; });
      if (stopping_) return;
    }
    // The first snapshot waits for every kind's first list, so it is never partial.
    bool all_listed = true;
    for (const auto& [kind, listed] : listed_) all_listed &= listed;
    if (!all_listed) {
      changed_ = false;
      continue;  // Replace() of the last kind sets changed_ again
    }
    std::shared_ptr<const Snapshot> snapshot;
    if (base_ == nullptr || rebuild_ || !dirty_nodes_.empty()) {
      snapshot = BuildSnapshotLocked();
      base_ = snapshot;
      ++publish_count_;
    }
    const std::map<int, std::string> versions = applied_rv_;
    const int64_t node_count = static_cast<int64_t>(nodes_.size());
    const int64_t pod_count = static_cast<int64_t>(pods_.size());
    changed_ = false;
    rebuild_ = false;
    dirty_nodes_.clear();
    last_publish = std::chrono::steady_clock::now();
    lock.unlock();
    if (snapshot != nullptr) state_.PublishBase(std::move(snapshot));
    if (options_.on_cache_sizes) options_.on_cache_sizes(node_count, pod_count);
    lock.lock();
    published_rv_ = versions;
    listed_published_ = listed_;
    published_cv_.notify_all();
  }
}

// ---- queries ----

std::string LiveCluster::NotReadyReason() const {
  std::string waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& informer : informers_) {
      const auto it = listed_published_.find(KindIndex(informer->kind()));
      if (it != listed_published_.end() && it->second) continue;
      waiting += (waiting.empty() ? "" : ", ") + std::string(ResourceName(informer->kind()));
    }
  }
  const auto now = Informer::Clock::now();
  for (const auto& informer : informers_) {
    const std::string error = informer->last_error();
    const auto since = informer->failing_since();
    if (!waiting.empty()) {
      if (since && !error.empty()) waiting += " (last error: " + error + ")";
      continue;
    }
    if (since && now - *since > options_.max_watch_failure) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *since).count();
      return "watch of " + std::string(ResourceName(informer->kind())) + " failing for " +
             std::to_string(seconds) + "s: " + error;
    }
  }
  if (!waiting.empty()) return "waiting for the first list of " + waiting;
  return "";
}

bool LiveCluster::WaitForResourceVersion(ObjectKind kind, const std::string& resource_version,
                                         std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  return published_cv_.wait_until(lock, deadline, [&] {
    const auto it = published_rv_.find(KindIndex(kind));
    return it != published_rv_.end() && ReachedVersion(it->second, resource_version);
  });
}

std::string LiveCluster::PublishedResourceVersion(ObjectKind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = published_rv_.find(KindIndex(kind));
  return it == published_rv_.end() ? std::string() : it->second;
}

uint64_t LiveCluster::publish_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return publish_count_;
}

std::shared_ptr<const Pod> LiveCluster::FindPod(const std::string& ns,
                                                const std::string& name) const {
  const std::string key = ns + "/" + name;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  if (auto it = pods_.find(std::string_view(key)); it != pods_.end()) return *it;
  return nullptr;
}

size_t LiveCluster::cached_nodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nodes_.size();
}

size_t LiveCluster::cached_pods() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pods_.size();
}

int64_t LiveCluster::watch_restarts() const {
  int64_t total = 0;
  for (const auto& informer : informers_) total += informer->restarts();
  return total;
}

// ---- binding ----

absl::Status LiveCluster::Bind(const Pod& pod, const std::string& node_name,
                               const Labels& annotations) {
  std::string body =
      "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":" + JsonString(pod.name) +
      ",\"namespace\":" + JsonString(pod.namespace_);
  if (!pod.uid.empty()) body += ",\"uid\":" + JsonString(pod.uid);
  if (!annotations.empty()) {
    body += ",\"annotations\":{";
    bool first = true;
    for (const auto& [key, value] : annotations) {
      body += (first ? "" : ",") + JsonString(key) + ":" + JsonString(value);
      first = false;
    }
    body += "}";
  }
  body +=
      "},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":" + JsonString(node_name) +
      "}}";
  const std::string path = "/api/v1/namespaces/" + UrlEncode(pod.namespace_) + "/pods/" +
                           UrlEncode(pod.name) + "/binding";
  RequestOptions options;
  options.timeout = options_.bind_timeout;
  auto reply = client_->PostJson(path, std::move(body), options);
  if (!reply.ok()) return reply.status();
  const int code = reply->status;
  if (code / 100 == 2) return absl::OkStatus();
  std::string message = codec::StatusMessage(reply->body);
  if (message.empty()) message = "binding " + pod.Key() + ": HTTP " + std::to_string(code);
  switch (code) {
    case 409:
      return absl::AlreadyExistsError(message);
    case 404:
      return absl::NotFoundError(message);
    case 401:
    case 403:
      return absl::PermissionDeniedError(message);
    case 400:
    case 422:
      return absl::InvalidArgumentError(message);
    default:
      return code >= 500 ? absl::UnavailableError(message) : absl::UnknownError(message);
  }
}

absl::StatusOr<std::unique_ptr<LiveCluster>> StartLiveCluster(LiveOptions options,
                                                              ClusterState& state) {
  auto client = KubeClient::Create(options.config);
  if (!client.ok()) return client.status();
  auto live = std::make_unique<LiveCluster>(std::move(*client), std::move(options), state);
  live->Start();
  return live;
}

}  // namespace nbsched::state
