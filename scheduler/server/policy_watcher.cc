#include "scheduler/server/policy_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/server/log.h"

namespace nbsched::server {
namespace {

constexpr size_t kMaxPolicyBytes = 1 << 20;  // as config::LoadPolicyFile
// A burst that never settles (a file rewritten in a loop) still gets read after this many quiet
// windows' worth of waiting.
constexpr int kMaxSettleRounds = 20;
constexpr uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB |
                                IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::string DirName(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

absl::Status ReadText(const std::string& path, std::string& text) {
  const std::string name = FileName(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InvalidArgumentError(name + ": cannot read: " + ErrnoText(errno));
  text.clear();
  std::array<char, 16384> buffer;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return absl::InvalidArgumentError(name + ": cannot read: " + ErrnoText(err));
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<size_t>(n));
    if (text.size() > kMaxPolicyBytes) {
      ::close(fd);
      return absl::InvalidArgumentError(name + ": larger than 1 MiB");
    }
  }
  ::close(fd);
  return absl::OkStatus();
}

// The `policy.yaml:7: ...` prefix of a loader message as a log field; 0 when there is none.
int64_t LineOf(std::string_view message, std::string_view file_name) {
  if (message.substr(0, file_name.size()) != file_name) return 0;
  message.remove_prefix(file_name.size());
  if (message.empty() || message.front() != ':') return 0;
  message.remove_prefix(1);
  int64_t line = 0;
  for (char c : message) {
    if (c < '0' || c > '9') break;
    line = line * 10 + (c - '0');
  }
  return line;
}

// Names in the watched directory whose change can change what `path` resolves to: the file
// itself, and the first hop of its symlink when that stays in the directory (`..data`).
std::vector<std::string> RelevantNames(const std::string& path) {
  std::vector<std::string> names = {FileName(path), "..data"};
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::read_symlink(path, ec);
  if (!ec && target.is_relative() && target.begin() != target.end()) {
    names.push_back(target.begin()->string());
  }
  return names;
}

}  // namespace

PolicyWatcher::PolicyWatcher(Options options, Published<framework::Policy>& policies,
                             const framework::Registry& registry, ReloadCallback on_reload)
    : options_(std::move(options)),
      policies_(policies),
      registry_(registry),
      on_reload_(std::move(on_reload)) {
  if (auto current = policies_.Current()) generation_.store(current->generation);
}

PolicyWatcher::~PolicyWatcher() { Stop(); }

PolicyWatcher::FileId PolicyWatcher::Identify(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};  // follows symlinks: the resolved file
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino),
          static_cast<uint64_t>(st.st_dev)};
}

void PolicyWatcher::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  bool publish_first = false;
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    std::string text;
    last_id_ = Identify(options_.path);
    if (auto current = policies_.Current()) {
      // The startup load read this text a moment ago: it is the one in force.
      generation_.store(std::max(generation_.load(), current->generation));
      if (ReadText(options_.path, text).ok()) {
        good_hash_ = seen_hash_ = std::hash<std::string>{}(text);
        have_good_ = have_seen_ = true;
      }
    } else {
      publish_first = true;
    }
  }
  if (publish_first) (void)Reload(Trigger::kForced);  // reported through the log and on_reload

  stop_.store(false);
  wake_fd_.store(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wake_fd_.load() < 0) {
    Log(LogLevel::kError, "policy watcher: eventfd failed; not watching",
        {{"path", options_.path}, {"error", ErrnoText(errno)}});
    return;
  }
  if (options_.use_inotify) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
      Log(LogLevel::kWarn, "policy watcher: inotify unavailable; polling only",
          {{"path", options_.path}, {"error", ErrnoText(errno)}});
    } else {
      AddWatch();
    }
  }
  thread_ = std::thread([this] { Run(); });
}

void PolicyWatcher::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (thread_.joinable()) {
    stop_.store(true);
    const uint64_t one = 1;
    (void)!::write(wake_fd_.load(), &one, sizeof(one));
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (const int fd = wake_fd_.exchange(-1); fd >= 0) ::close(fd);
  inotify_fd_ = watch_fd_ = -1;
}

absl::Status PolicyWatcher::ReloadNow() { return Reload(Trigger::kForced); }

void PolicyWatcher::RequestReload() {
  reload_requested_.store(true);
  const int fd = wake_fd_.load();
  if (fd >= 0) {
    const uint64_t one = 1;
    (void)!::write(fd, &one, sizeof(one));  // write(2) is async-signal-safe
  }
}

void PolicyWatcher::AddWatch() {
  if (inotify_fd_ < 0 || watch_fd_ >= 0) return;
  watch_fd_ = ::inotify_add_watch(inotify_fd_, DirName(options_.path).c_str(), kDirEvents);
  if (watch_fd_ < 0) {
    Log(LogLevel::kWarn, "policy watcher: cannot watch the directory; polling until it can",
        {{"path", options_.path}, {"error", ErrnoText(errno)}});
  }
}

bool PolicyWatcher::DrainEvents() {
  // inotify_event is followed by its name; the buffer is aligned for the struct.
  alignas(inotify_event) std::array<char, 16 * 1024> buffer;
  const std::vector<std::string> names = RelevantNames(options_.path);
  const std::string dir = DirName(options_.path);
  bool relevant = false;
  while (true) {
    const ssize_t n = ::read(inotify_fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (size_t at = 0; at + sizeof(inotify_event) <= static_cast<size_t>(n);) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      at += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        relevant = true;
        continue;
      }
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The directory went away; the poll tick re-adds the watch when it is back.
        if (event->wd == watch_fd_ && watch_fd_ >= 0) {
          ::inotify_rm_watch(inotify_fd_, watch_fd_);
          watch_fd_ = -1;
        }
        relevant = true;
        continue;
      }
      if (event->len == 0) continue;
      const std::string_view name(event->name);
      if (std::find(names.begin(), names.end(), name) == names.end()) continue;
      if (event->mask & IN_CREATE) {
        // A new regular file is still empty: its IN_CLOSE_WRITE follows. A new symlink or
        // directory is complete at once.
        struct stat st {};
        const std::string full = dir + "/" + std::string(name);
        if (::lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode)) continue;
      }
      relevant = true;
    }
  }
  return relevant;
}

bool PolicyWatcher::Settle() {
  for (int round = 0; round < kMaxSettleRounds; ++round) {
    std::array<pollfd, 2> fds = {pollfd{wake_fd_.load(), POLLIN, 0},
                                 pollfd{inotify_fd_, POLLIN, 0}};
    const nfds_t count = inotify_fd_ >= 0 ? 2 : 1;
    const int n = ::poll(fds.data(), count, static_cast<int>(options_.settle.count()));
    if (stop_.load()) return false;
    if (n == 0) return true;  // quiet for `settle`: the burst is over
    if (n < 0 && errno != EINTR) return true;
    if (fds[0].revents & POLLIN) {
      uint64_t value = 0;
      (void)!::read(wake_fd_.load(), &value, sizeof(value));  // a reload request: handled by Run()
    }
    if (count == 2 && (fds[1].revents & POLLIN)) (void)DrainEvents();
  }
  return true;
}

void PolicyWatcher::Run() {
  using Clock = std::chrono::steady_clock;
  auto next_poll = Clock::now() + options_.poll_interval;
  while (!stop_.load()) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_poll - Clock::now());
    std::array<pollfd, 2> fds = {pollfd{wake_fd_.load(), POLLIN, 0},
                                 pollfd{inotify_fd_, POLLIN, 0}};
    const nfds_t count = inotify_fd_ >= 0 ? 2 : 1;
    const int n = ::poll(fds.data(), count, static_cast<int>(std::max<int64_t>(0, wait.count())));
    if (stop_.load()) break;
    if (n < 0 && errno != EINTR) {
      Log(LogLevel::kError, "policy watcher: poll failed; stopping",
          {{"path", options_.path}, {"error", ErrnoText(errno)}});
      break;
    }
    if (n > 0 && (fds[0].revents & POLLIN)) {
      uint64_t value = 0;
      (void)!::read(wake_fd_.load(), &value, sizeof(value));
    }
    bool changed = false;
    if (n > 0 && count == 2 && (fds[1].revents & POLLIN)) changed = DrainEvents();
    if (Clock::now() >= next_poll) {
      next_poll = Clock::now() + options_.poll_interval;
      AddWatch();  // no-op unless the directory's watch was lost
      const FileId id = Identify(options_.path);
      std::lock_guard<std::mutex> lock(reload_mu_);
      if (!(id == last_id_)) changed = true;
    }
    if (changed) {
      if (!Settle()) break;
      (void)Reload(Trigger::kWatch);  // reported through the log and on_reload
    }
    if (reload_requested_.exchange(false)) (void)Reload(Trigger::kForced);
  }
}

absl::Status PolicyWatcher::Reload(Trigger trigger) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  const std::string file_name = FileName(options_.path);
  // The file's identity before reading: a change during the read shows at the next poll tick.
  last_id_ = Identify(options_.path);

  auto fail = [&](const absl::Status& status) {
    const std::string message(status.message());
    LogFields fields = {
        {"path", options_.path}, {"error", message}, {"generation", generation_.load()}};
    if (const int64_t line = LineOf(message, file_name); line > 0) {
      fields.emplace_back("line", line);
    }
    Log(LogLevel::kWarn, "policy reload failed; the last good policy stays in force", fields);
    if (on_reload_) on_reload_(false, generation_.load(), message);
    return status;
  };

  std::string text;
  if (absl::Status read = ReadText(options_.path, text); !read.ok()) {
    have_seen_ = false;  // whatever comes next is news
    return fail(read);
  }
  const size_t hash = std::hash<std::string>{}(text);
  if (have_good_ && hash == good_hash_) {
    seen_hash_ = hash;
    have_seen_ = true;
    return absl::OkStatus();  // same text as in force: no new generation
  }
  // The watch reports a bad version once; SIGHUP (kForced) re-validates and re-reports it.
  if (trigger == Trigger::kWatch && have_seen_ && hash == seen_hash_) return absl::OkStatus();
  seen_hash_ = hash;
  have_seen_ = true;

  int64_t base = generation_.load();
  if (auto current = policies_.Current()) base = std::max(base, current->generation);
  const int64_t next = base + 1;
  auto policy = config::LoadPolicy(text, file_name, registry_, next);
  if (!policy.ok()) return fail(policy.status());

  policies_.Publish(std::move(*policy));
  generation_.store(next);
  good_hash_ = hash;
  have_good_ = true;
  Log(LogLevel::kInfo, "policy reloaded", {{"path", options_.path}, {"generation", next}});
  if (on_reload_) on_reload_(true, next, "");
  return absl::OkStatus();
}

}  // namespace nbsched::server
