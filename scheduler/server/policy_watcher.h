#pragma once

/// Hot reload of policy.yaml (interfaces.md §5, STYLE.md §2.4). A background thread watches the
/// file's directory with inotify (a mounted ConfigMap changes by the kubelet renaming a `..data`
/// symlink, which only the directory sees) and, as a fallback, stats the resolved file every
/// `poll_interval`. When the text changed, it is parsed off the request path and, if valid,
/// published whole with generation + 1; an invalid version is logged (warn, message naming the
/// line), reported to `on_reload(false, ...)`, and the last good policy stays in force.
///
/// SIGHUP: main blocks SIGHUP with SIGINT/SIGTERM (pthread_sigmask) and, when sigwait() returns
/// SIGHUP, calls ReloadNow() and keeps waiting. RequestReload() is the async-signal-safe
/// alternative (the watcher thread then does the reload).
///
/// Thread-safe: Start/Stop/ReloadNow/RequestReload/generation may be called from any thread;
/// reloads are serialised. `on_reload` runs on the reloading thread with the reload lock held:
/// it must not call ReloadNow().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "scheduler/framework/policy.h"
#include "scheduler/framework/registry.h"
#include "scheduler/model/published.h"

namespace nbsched::server {

class PolicyWatcher {
 public:
  struct Options {
    std::string path;
    /// Cheap stat() of the resolved file; catches what inotify can't see (a symlink to another
    /// directory, a watch lost with its directory, inotify unavailable).
    std::chrono::milliseconds poll_interval{1000};
    /// Quiet time after the last event before reading: the `..data` swap and editors produce
    /// bursts (create, rename, delete), and one reload follows the whole burst.
    std::chrono::milliseconds settle{10};
    /// Off only in tests of the poll fallback.
    bool use_inotify = true;
  };
  /// ok, the generation in force after the attempt, and the error (empty when ok).
  using ReloadCallback = std::function<void(bool ok, int64_t generation, const std::string& error)>;

  /// `policies` holds the policy main loaded at startup (if any); its generation is the start.
  PolicyWatcher(Options options, Published<framework::Policy>& policies,
                const framework::Registry& registry, ReloadCallback on_reload = {});
  ~PolicyWatcher();
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

  /// Takes the file's current text as the baseline (published as is when `policies` is empty)
  /// and starts the watch thread. Call right after the startup load. Idempotent.
  void Start();
  /// Returns once the thread has exited; no wait on a timer. Idempotent.
  void Stop();

  /// Re-reads the file now (what SIGHUP does). Unchanged text (the text in force): OK, no new
  /// generation. Valid new text: published with generation + 1. Invalid: InvalidArgument naming
  /// the line, the last good policy stays.
  [[nodiscard]] absl::Status ReloadNow();
  /// Async-signal-safe: asks the watch thread to ReloadNow(). No-op before Start().
  void RequestReload();

  /// Generation of the policy in force.
  int64_t generation() const { return generation_.load(); }

 private:
  enum class Trigger { kWatch, kForced };
  [[nodiscard]] absl::Status Reload(Trigger trigger);
  void Run();
  void AddWatch();
  bool DrainEvents();  // true if an event concerned the policy file
  bool Settle();       // false if Stop() was asked meanwhile

  const Options options_;
  Published<framework::Policy>& policies_;
  const framework::Registry& registry_;
  const ReloadCallback on_reload_;

  std::atomic<int64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_requested_{false};

  std::mutex lifecycle_mu_;  // Start/Stop
  std::thread thread_;
  int inotify_fd_ = -1;
  int watch_fd_ = -1;             // watch descriptor of the directory; touched by the thread only
  std::atomic<int> wake_fd_{-1};  // eventfd: Stop() and RequestReload() wake the thread

  std::mutex reload_mu_;  // serialises reloads; guards the fields below
  bool have_good_ = false;
  size_t good_hash_ = 0;  // text in force
  bool have_seen_ = false;
  size_t seen_hash_ = 0;  // last text tried, good or bad: a bad file is reported once
  struct FileId {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    uint64_t inode = 0;
    uint64_t device = 0;
    bool operator==(const FileId&) const = default;
  };
  static FileId Identify(const std::string& path);
  FileId last_id_;  // the resolved file at the last attempt, for the poll fallback
};

}  // namespace nbsched::server
