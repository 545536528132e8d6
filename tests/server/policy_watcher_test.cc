#include "scheduler/server/policy_watcher.h"

#include <pthread.h>
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/config/policy_loader.h"

namespace nbsched::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Weight sums 1 and 3: a reader can tell the two versions apart from any single read.
constexpr std::string_view kPolicyA =
    "priorities:\n  - {name: LeastRequestedPriority, weight: 1}\n";
constexpr std::string_view kPolicyB =
    "priorities:\n  - {name: LeastRequestedPriority, weight: 3}\n";
// Line 3 names a priority the registry doesn't have.
constexpr std::string_view kPolicyBad =
    "priorities:\n"
    "  - {name: LeastRequestedPriority, weight: 1}\n"
    "  - {name: NoSuchPriority, weight: 1}\n";

constexpr auto kDeadline = seconds(10);

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "nbsched-watch-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// In place, as `cat > policy.yaml` does: truncate, write, close.
void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  REQUIRE(out.good());
}

// As editors and `kubectl cp` do: a temporary file renamed over the old one.
void ReplaceFile(const fs::path& path, std::string_view text) {
  const fs::path tmp = path.string() + ".tmp";
  WriteFile(tmp, text);
  fs::rename(tmp, path);
}

struct Reload {
  bool ok;
  int64_t generation;
  std::string error;
};

// Collects on_reload calls; the test thread waits on them with a deadline.
class Reloads {
 public:
  PolicyWatcher::ReloadCallback Hook() {
    return [this](bool ok, int64_t generation, const std::string& error) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back({ok, generation, error});
      cv_.notify_all();
    };
  }
  bool WaitForCount(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return events_.size() >= count; });
  }
  std::vector<Reload> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Reload> events_;
};

std::shared_ptr<const framework::Policy> LoadInitial(const fs::path& path) {
  auto policy = config::LoadPolicyFile(path.string(), framework::Registry::Default(), 1);
  REQUIRE(policy.ok());
  return *policy;
}

TEST_CASE("PolicyWatcher reloads a rewritten file", "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyA);
  Published<framework::Policy> policies(LoadInitial(file));
  Reloads reloads;
  PolicyWatcher watcher({.path = file.string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();
  CHECK(watcher.generation() == 1);

  WriteFile(file, kPolicyB);  // in place: seen at IN_CLOSE_WRITE (the poll is an hour away)
  REQUIRE(reloads.WaitForCount(1));
  const auto events = reloads.events();
  CHECK(events[0].ok);
  CHECK(events[0].generation == 2);
  CHECK(watcher.generation() == 2);
  CHECK(policies.Current()->generation == 2);
  CHECK(policies.Current()->WeightSum() == 3);

  ReplaceFile(file, kPolicyA);  // renamed over: IN_MOVED_TO
  REQUIRE(reloads.WaitForCount(2));
  CHECK(reloads.events()[1].generation == 3);
  CHECK(policies.Current()->WeightSum() == 1);
  watcher.Stop();  // immediate although the poll interval is an hour
}

TEST_CASE("PolicyWatcher keeps the last good policy on an invalid version",
          "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyA);
  Published<framework::Policy> policies(LoadInitial(file));
  const auto before = policies.Current();
  Reloads reloads;
  PolicyWatcher watcher({.path = file.string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();

  ReplaceFile(file, kPolicyBad);
  REQUIRE(reloads.WaitForCount(1));
  const Reload bad = reloads.events()[0];
  CHECK_FALSE(bad.ok);
  CHECK(bad.generation == 1);
  CHECK(bad.error == "policy.yaml:3: unknown priority \"NoSuchPriority\"");
  CHECK(policies.Current() == before);  // the same object: nothing was published
  CHECK(watcher.generation() == 1);

  // SIGHUP on the same bad file validates again and says why.
  const absl::Status again = watcher.ReloadNow();
  CHECK(again.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(again.message()) == bad.error);
  CHECK(policies.Current() == before);

  ReplaceFile(file, kPolicyB);  // fixed: the next version goes in
  REQUIRE(reloads.WaitForCount(3));
  CHECK(reloads.events()[2].ok);
  CHECK(reloads.events()[2].generation == 2);
  CHECK(policies.Current()->WeightSum() == 3);
}

// What the kubelet does to a mounted ConfigMap (atomic_writer.go): the data in a timestamped
// directory, `..data` pointing at it, the user-visible name pointing through `..data`; an update
// writes a new timestamped directory and renames a fresh `..data_tmp` symlink over `..data`.
class ConfigMapDir {
 public:
  explicit ConfigMapDir(const fs::path& dir) : dir_(dir) {}

  void Create(std::string_view text) {
    current_ = WriteVersion(text);
    fs::create_directory_symlink(current_, dir_ / "..data");
    fs::create_symlink("..data/policy.yaml", dir_ / "policy.yaml");
  }

  void Update(std::string_view text) {
    const std::string old = current_;
    current_ = WriteVersion(text);
    fs::create_directory_symlink(current_, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
    fs::remove_all(dir_ / old);
  }

  fs::path file() const { return dir_ / "policy.yaml"; }

 private:
  std::string WriteVersion(std::string_view text) {
    const std::string name = "..2026_11_26_" + std::to_string(++version_);
    fs::create_directory(dir_ / name);
    WriteFile(dir_ / name / "policy.yaml", text);
    return name;
  }

  fs::path dir_;
  std::string current_;
  int version_ = 0;
};

TEST_CASE("PolicyWatcher follows the ConfigMap ..data symlink swap", "[server][policy_watcher]") {
  TempDir dir;
  ConfigMapDir configmap(dir.path());
  configmap.Create(kPolicyA);
  Published<framework::Policy> policies(LoadInitial(configmap.file()));
  Reloads reloads;
  PolicyWatcher watcher({.path = configmap.file().string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();

  configmap.Update(kPolicyB);
  REQUIRE(reloads.WaitForCount(1));
  CHECK(reloads.events()[0].ok);
  CHECK(reloads.events()[0].generation == 2);
  CHECK(policies.Current()->WeightSum() == 3);

  configmap.Update(kPolicyA);  // the watch survives the swap
  REQUIRE(reloads.WaitForCount(2));
  CHECK(reloads.events()[1].generation == 3);
  CHECK(policies.Current()->WeightSum() == 1);
  // One reload per swap although each swap makes several directory events.
  CHECK(reloads.events().size() == 2);
}

TEST_CASE("PolicyWatcher reloads on SIGHUP", "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyA);
  Published<framework::Policy> policies(LoadInitial(file));
  Reloads reloads;
  // No inotify and an hour between polls: only the signal can cause the reload.
  PolicyWatcher watcher({.path = file.string(), .poll_interval = hours(1), .use_inotify = false},
                        policies, framework::Registry::Default(), reloads.Hook());
  watcher.Start();
  WriteFile(file, kPolicyB);

  // As main does: SIGHUP blocked and taken with sigwait(), then ReloadNow().
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigset_t old;
  REQUIRE(pthread_sigmask(SIG_BLOCK, &hup, &old) == 0);
  REQUIRE(raise(SIGHUP) == 0);  // pending on this thread
  int received = 0;
  REQUIRE(sigwait(&hup, &received) == 0);
  REQUIRE(pthread_sigmask(SIG_SETMASK, &old, nullptr) == 0);
  CHECK(received == SIGHUP);
  CHECK(watcher.ReloadNow().ok());
  CHECK(watcher.generation() == 2);  // synchronous
  CHECK(policies.Current()->WeightSum() == 3);

  // The async-signal-safe route: the watch thread reloads.
  WriteFile(file, kPolicyA);
  watcher.RequestReload();
  REQUIRE(reloads.WaitForCount(2));
  CHECK(reloads.events()[1].generation == 3);
  CHECK(policies.Current()->WeightSum() == 1);
}

TEST_CASE("PolicyWatcher keeps the generation for unchanged text", "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyA);
  Published<framework::Policy> policies(LoadInitial(file));
  const auto before = policies.Current();
  Reloads reloads;
  PolicyWatcher watcher({.path = file.string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();

  CHECK(watcher.ReloadNow().ok());  // SIGHUP with nothing new
  CHECK(watcher.generation() == 1);
  CHECK(policies.Current() == before);

  ReplaceFile(file, kPolicyA);  // same text, new inode and mtime
  // (An in-place rewrite is left out: the watcher may read it half-written, which is reported
  // as a failed reload until the write completes; the kubelet always swaps atomically.)
  ReplaceFile(file, kPolicyB);  // then a real change
  // Events are handled in order: had a same-text write counted, the first report would not be
  // generation 2 with weight 3.
  REQUIRE(reloads.WaitForCount(1));
  CHECK(reloads.events()[0].ok);
  CHECK(reloads.events()[0].generation == 2);
  CHECK(policies.Current()->WeightSum() == 3);
  CHECK(watcher.ReloadNow().ok());
  CHECK(watcher.generation() == 2);
  CHECK(reloads.events().size() == 1);
}

TEST_CASE("PolicyWatcher polls when inotify is off", "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyA);
  Published<framework::Policy> policies(LoadInitial(file));
  Reloads reloads;
  PolicyWatcher watcher(
      {.path = file.string(), .poll_interval = milliseconds(5), .use_inotify = false}, policies,
      framework::Registry::Default(), reloads.Hook());
  watcher.Start();
  ReplaceFile(file, kPolicyB);
  REQUIRE(reloads.WaitForCount(1));
  CHECK(reloads.events()[0].generation == 2);
  CHECK(policies.Current()->WeightSum() == 3);
}

TEST_CASE("PolicyWatcher publishes the file when nothing is published yet",
          "[server][policy_watcher]") {
  TempDir dir;
  const fs::path file = dir.path() / "policy.yaml";
  WriteFile(file, kPolicyB);
  Published<framework::Policy> policies;
  Reloads reloads;
  PolicyWatcher watcher({.path = file.string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();  // synchronous first load
  REQUIRE(policies.Current() != nullptr);
  CHECK(policies.Current()->generation == 1);
  CHECK(policies.Current()->WeightSum() == 3);
  CHECK(watcher.generation() == 1);
}

TEST_CASE("PolicyWatcher readers see whole policies while the file flips",
          "[server][policy_watcher]") {
  TempDir dir;
  ConfigMapDir configmap(dir.path());
  configmap.Create(kPolicyA);
  Published<framework::Policy> policies(LoadInitial(configmap.file()));
  Reloads reloads;
  PolicyWatcher watcher({.path = configmap.file().string(), .poll_interval = hours(1)}, policies,
                        framework::Registry::Default(), reloads.Hook());
  watcher.Start();

  // Generation g holds A (weight sum 1) when g is odd and B (3) when even.
  constexpr int kFlips = 20;
  constexpr int kReaders = 4;
  constexpr int64_t kMaxReads = 50'000'000;  // bound, should the writer fail
  std::atomic<bool> done{false};
  std::vector<int64_t> reads(kReaders, 0);
  std::vector<int64_t> torn(kReaders, 0);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      for (int64_t i = 0; i < kMaxReads && !done.load(std::memory_order_relaxed); ++i) {
        const std::shared_ptr<const framework::Policy> policy = policies.Current();
        const int64_t sum = policy->WeightSum();
        const int64_t want = policy->generation % 2 == 1 ? 1 : 3;
        if (sum != want) ++torn[r];
        ++reads[r];
      }
    });
  }
  bool all_seen = true;
  for (int flip = 1; flip <= kFlips && all_seen; ++flip) {
    configmap.Update(flip % 2 == 1 ? kPolicyB : kPolicyA);
    all_seen = reloads.WaitForCount(static_cast<size_t>(flip));
  }
  done.store(true);
  for (std::thread& reader : readers) reader.join();

  REQUIRE(all_seen);
  const auto events = reloads.events();
  REQUIRE(events.size() == static_cast<size_t>(kFlips));
  for (int i = 0; i < kFlips; ++i) {
    CHECK(events[static_cast<size_t>(i)].ok);
    CHECK(events[static_cast<size_t>(i)].generation == i + 2);
  }
  CHECK(policies.Current()->generation == kFlips + 1);
  for (int r = 0; r < kReaders; ++r) {
    CHECK(reads[static_cast<size_t>(r)] > 0);
    CHECK(torn[static_cast<size_t>(r)] == 0);
  }
}

}  // namespace
}  // namespace nbsched::server
