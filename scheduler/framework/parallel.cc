#include "scheduler/framework/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nbsched::framework {
namespace {

int DefaultParallelism() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 16u));
}

std::atomic<int> parallelism{DefaultParallelism()};

// One loop. Helpers join it only while it is open; the caller closes it once every chunk is
// taken and waits for the helpers that joined, so `body` outlives every call.
class Job {
 public:
  Job(size_t n, size_t grain, const std::function<void(size_t, size_t)>& body)
      : n_(n), grain_(grain), body_(body) {}

  void Work() {
    for (;;) {
      const size_t begin = next_.fetch_add(grain_);
      if (begin >= n_) return;
      body_(begin, std::min(n_, begin + grain_));
    }
  }
  bool Join() {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    ++active_;
    return true;
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) done_.notify_all();
  }
  void CloseAndWait() {
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
    done_.wait(lock, [&] { return active_ == 0; });
  }

 private:
  const size_t n_;
  const size_t grain_;
  const std::function<void(size_t, size_t)>& body_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;
  bool closed_ = false;
};

class Pool {
 public:
  static Pool& Get() {
    static Pool pool;
    return pool;
  }
  /// Offers `job` to up to `helpers` idle threads.
  void Offer(const std::shared_ptr<Job>& job, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      StartThreads(helpers);
      const int offers = std::min(helpers, static_cast<int>(threads_.size()) - busy_);
      for (int i = 0; i < offers; ++i) queue_.push_back(job);
    }
    cv_.notify_all();
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void StartThreads(int wanted) {  // mu_ held; threads are started on first need, never stopped
    while (static_cast<int>(threads_.size()) < std::min(wanted, 15)) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::shared_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      lock.unlock();
      if (job->Join()) {
        job->Work();
        job->Leave();
      }
      job.reset();
      lock.lock();
      --busy_;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> threads_;
  int busy_ = 0;
  bool stop_ = false;
};

}  // namespace

void SetParallelism(int threads) { parallelism.store(std::clamp(threads, 1, 16)); }
int Parallelism() { return parallelism.load(); }

void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& body) {
  grain = std::max<size_t>(grain, 1);
  const int threads = Parallelism();
  if (n == 0) return;
  if (n <= grain || threads <= 1) {
    body(0, n);
    return;
  }
  const size_t chunks = (n + grain - 1) / grain;
  const int helpers =
      static_cast<int>(std::min<size_t>(chunks - 1, static_cast<size_t>(threads - 1)));
  auto job = std::make_shared<Job>(n, grain, body);
  Pool::Get().Offer(job, helpers);
  job->Work();
  job->CloseAndWait();
}

}  // namespace nbsched::framework
