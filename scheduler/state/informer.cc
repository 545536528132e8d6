#include "scheduler/state/informer.h"

#include <algorithm>
#include <random>
#include <utility>

namespace nbsched::state {

std::string_view CollectionPath(codec::ObjectKind kind) {
  switch (kind) {
    case codec::ObjectKind::kNode:
      return "/api/v1/nodes";
    case codec::ObjectKind::kPod:
      return "/api/v1/pods";
    case codec::ObjectKind::kService:
      return "/api/v1/services";
    case codec::ObjectKind::kReplicationController:
      return "/api/v1/replicationcontrollers";
    case codec::ObjectKind::kReplicaSet:
      return "/apis/apps/v1/replicasets";
    case codec::ObjectKind::kStatefulSet:
      return "/apis/apps/v1/statefulsets";
  }
  return "";
}

std::string_view ResourceName(codec::ObjectKind kind) {
  const std::string_view path = CollectionPath(kind);
  return path.substr(path.rfind('/') + 1);
}

Informer::Informer(KubeClient& client, codec::ObjectKind kind, InformerSink& sink,
                   InformerOptions options)
    : client_(client), kind_(kind), sink_(sink), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  canceller_.Cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::synced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_;
}

std::optional<Informer::Clock::time_point> Informer::failing_since() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failing_since_;
}

std::string Informer::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

int64_t Informer::restarts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restarts_;
}

void Informer::Failed(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failing_since_) failing_since_ = Clock::now();
    last_error_ = message;
    ++failures_in_a_row_;
  }
  if (options_.log) options_.log("warn", message);
}

void Informer::Succeeded() {
  std::lock_guard<std::mutex> lock(mu_);
  failing_since_.reset();
  failures_in_a_row_ = 0;
}

bool Informer::Backoff() {
  std::unique_lock<std::mutex> lock(mu_);
  // Capped exponential: initial · 2^(failures-1), at most backoff_max; then "equal jitter"
  // (half fixed, half random) so that many clients do not retry in step.
  const int doublings = std::clamp(failures_in_a_row_ - 1, 0, 30);
  const double base = std::min<double>(static_cast<double>(options_.backoff_initial.count()) *
                                           static_cast<double>(int64_t{1} << doublings),
                                       static_cast<double>(options_.backoff_max.count()));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double jittered = base / 2 + std::uniform_real_distribution<double>(0, base / 2)(rng);
  const auto delay = std::chrono::microseconds(static_cast<int64_t>(jittered * 1000));
  stop_cv_.wait_for(lock, delay, [this] { return stopping_; });
  return !stopping_;
}

void Informer::Run() {
  const std::string resource(ResourceName(kind_));
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (relist_ && !List()) {
      if (canceller_.cancelled() || !Backoff()) return;
      continue;
    }
    const auto started = Clock::now();
    events_seen_ = 0;
    absl::Status status = Watch();
    if (canceller_.cancelled()) return;
    if (relist_) {  // 410 Gone: the resourceVersion is too old; start again from a new list
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++restarts_;
      }
      if (options_.on_restart) options_.on_restart();
      if (options_.log) {
        options_.log("info", "watch " + resource + ": resourceVersion " + resource_version_ +
                                 " expired; relisting");
      }
      continue;
    }
    if (status.ok() && events_seen_ == 0 && Clock::now() - started < std::chrono::seconds(1)) {
      // As client-go: a watch that ends at once without an event is a failure, not a loop.
      status = absl::UnavailableError("watch " + resource + ": very short watch");
    }
    if (!status.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++restarts_;
      }
      if (options_.on_restart) options_.on_restart();
      Failed(std::string(status.message()));
      if (!Backoff()) return;
    }
  }
}

bool Informer::List() {
  const bool listed = ListPages();
  codec::ReleaseThreadParser();
  return listed;
}

bool Informer::ListPages() {
  const std::string resource(ResourceName(kind_));
  std::vector<codec::ApiObject> all;
  std::string resource_version;
  std::string continue_token;
  RequestOptions options;
  options.timeout = options_.request_timeout;
  options.canceller = &canceller_;
  do {
    Query query = {{"limit", std::to_string(options_.page_size)}};
    if (!continue_token.empty()) query.emplace_back("continue", continue_token);
    auto reply = client_.Get(CollectionPath(kind_), query, options);
    if (!reply.ok()) {
      if (!canceller_.cancelled())
        Failed("list " + resource + ": " + std::string(reply.status().message()));
      return false;
    }
    if (reply->status != 200) {
      Failed("list " + resource + ": HTTP " + std::to_string(reply->status) + ": " +
             codec::StatusMessage(reply->body));
      return false;
    }
    auto page = codec::DecodeListPage(reply->body, kind_);
    if (!page.ok()) {
      Failed("list " + resource + ": " + std::string(page.status().message()));
      return false;
    }
    for (const std::string& error : page->errors) {
      if (options_.log) options_.log("warn", "list " + resource + ": skipped " + error);
    }
    sink_.Reduce(kind_, page->items);
    if (all.empty()) {
      all = std::move(page->items);
    } else {
      all.insert(all.end(), std::make_move_iterator(page->items.begin()),
                 std::make_move_iterator(page->items.end()));
    }
    resource_version = std::move(page->resource_version);
    continue_token = std::move(page->continue_token);
  } while (!continue_token.empty());
  const size_t count = all.size();
  sink_.Replace(kind_, std::move(all), resource_version);
  resource_version_ = resource_version;
  relist_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    synced_ = true;
  }
  Succeeded();
  if (options_.log) {
    options_.log("info", "listed " + std::to_string(count) + " " + resource +
                             " at resourceVersion " + resource_version);
  }
  return true;
}

absl::Status Informer::Watch() {
  const std::string resource(ResourceName(kind_));
  Query query = {{"watch", "true"},
                 {"allowWatchBookmarks", "true"},
                 {"resourceVersion", resource_version_},
                 {"timeoutSeconds", std::to_string(options_.watch_timeout.count())}};
  RequestOptions options;
  // No byte for this long means the connection is dead: the server ends the watch itself
  // after timeoutSeconds, and sends bookmarks meanwhile.
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.watch_timeout) +
                    std::chrono::seconds(30);
  options.canceller = &canceller_;
  options.on_headers = [this](int status) {
    if (status == 200) Succeeded();
  };
  absl::Status event_error;
  auto reply = client_.StreamLines(
      CollectionPath(kind_), query,
      [&](std::string_view line) {
        if (!event_error.ok() || relist_) return;  // the server ends the stream after an ERROR
        auto event = codec::DecodeWatchEvent(line, kind_);
        if (!event.ok()) {
          if (options_.log) {
            options_.log("warn", "watch " + resource +
                                     ": skipped event: " + std::string(event.status().message()));
          }
          return;
        }
        if (event->type == codec::WatchEvent::Type::kError) {
          if (event->code == 410 || event->reason == "Expired" || event->reason == "Gone") {
            relist_ = true;
          } else {
            event_error = absl::UnavailableError("watch " + resource +
                                                 ": error event: " + std::to_string(event->code) +
                                                 " " + event->message);
          }
          return;
        }
        ++events_seen_;
        if (!event->object.resource_version.empty()) {
          resource_version_ = event->object.resource_version;
        }
        sink_.Apply(kind_, std::move(*event));
      },
      options);
  if (!reply.ok()) return reply.status();
  if (reply->status == 410) {
    relist_ = true;
    return absl::OkStatus();
  }
  if (reply->status != 200) {
    return absl::UnavailableError("watch " + resource + ": HTTP " + std::to_string(reply->status) +
                                  ": " + codec::StatusMessage(reply->body));
  }
  return event_error;
}

}  // namespace nbsched::state
