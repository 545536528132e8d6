#pragma once

/// One list + watch loop for one kind of object, as client-go's reflector: a paginated list
/// (`limit`/`continue`), then a watch from the list's resourceVersion with
/// allowWatchBookmarks=true and timeoutSeconds, each event handed to an InformerSink in order.
/// A watch that ends normally (server timeout) is resumed from the last resourceVersion seen; a
/// 410 Gone (HTTP status or ERROR event, "too old resource version") relists; a dropped
/// connection or an API error retries with capped exponential backoff and jitter, resuming from
/// the last resourceVersion, so no event is lost or applied twice. Each restart after a failure
/// calls `on_restart` (nbsched_watch_restarts_total).
///
/// Runs on its own thread between Start() and Stop(); the accessors are thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "scheduler/codec/watch_json.h"
#include "scheduler/state/kube_client.h"

namespace nbsched::state {

/// Receives what an informer sees. Called on the informer's thread.
class InformerSink {
 public:
  virtual ~InformerSink() = default;
  /// A complete list (first sync or relist): every object of `kind`, replacing the old ones.
  virtual void Replace(codec::ObjectKind kind, std::vector<codec::ApiObject> items,
                       const std::string& resource_version) = 0;
  /// One watch event (ADDED, MODIFIED, DELETED or BOOKMARK), in the server's order.
  virtual void Apply(codec::ObjectKind kind, codec::WatchEvent event) = 0;
  /// Each decoded page of a list, before the next page is fetched: the sink may replace the
  /// objects by the form it keeps, so that a list's peak memory is one page decoded, not all.
  virtual void Reduce(codec::ObjectKind kind, std::vector<codec::ApiObject>& page) {
    static_cast<void>(kind);
    static_cast<void>(page);
  }
};

struct InformerOptions {
  int64_t page_size = 500;                           // list `limit`
  std::chrono::seconds watch_timeout{300};           // watch `timeoutSeconds`
  std::chrono::milliseconds request_timeout{60000};  // list calls; watch reads get +30s grace
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30000};
  std::function<void()> on_restart;
  /// level is "info", "warn" or "error".
  std::function<void(std::string_view level, std::string_view message)> log;
};

/// The API path of a kind's collection, e.g. "/api/v1/pods", "/apis/apps/v1/replicasets".
std::string_view CollectionPath(codec::ObjectKind kind);
/// Lower-case plural for messages ("nodes", "pods", "replicasets", ...).
std::string_view ResourceName(codec::ObjectKind kind);

class Informer {
 public:
  using Clock = std::chrono::steady_clock;

  Informer(KubeClient& client, codec::ObjectKind kind, InformerSink& sink, InformerOptions options);
  ~Informer();  // Stop()s
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();
  /// Aborts the call in progress and joins the thread. Idempotent.
  void Stop();

  codec::ObjectKind kind() const { return kind_; }
  /// The first complete list has been handed to the sink.
  bool synced() const;
  /// Since when listing/watching has been failing without a success in between; nullopt while
  /// healthy.
  std::optional<Clock::time_point> failing_since() const;
  std::string last_error() const;
  /// Watch restarts after a failure (also reported through on_restart).
  int64_t restarts() const;

 private:
  void Run();
  // Returns false when stopped. Frees the parser's list-sized buffers afterwards.
  bool List();
  bool ListPages();
  // Watches until the stream ends; sets relist_ on 410.
  absl::Status Watch();
  void Failed(const std::string& message);
  void Succeeded();
  // Waits the backoff delay (or until stopped); returns false when stopped.
  bool Backoff();

  KubeClient& client_;
  const codec::ObjectKind kind_;
  InformerSink& sink_;
  const InformerOptions options_;
  Canceller canceller_;
  std::thread thread_;

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool synced_ = false;
  std::optional<Clock::time_point> failing_since_;
  std::string last_error_;
  int64_t restarts_ = 0;
  int failures_in_a_row_ = 0;

  // Informer thread only.
  std::string resource_version_;
  bool relist_ = true;
  int64_t events_seen_ = 0;  // in the current watch
};

}  // namespace nbsched::state
