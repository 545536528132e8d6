#pragma once

/// Data-parallel loops over the candidate nodes of one request, as kube-scheduler runs its
/// filter and score loops (`parallelize.Until`). A process-wide pool of (cores − 1) threads helps
/// the calling thread; when the pool is busy (other requests), the caller does the work alone, so
/// a loop never waits for a free thread. Thread-safe.

#include <cstddef>
#include <functional>

namespace nbsched::framework {

/// Runs `body(begin, end)` over [0, n) in chunks of `grain` indices, on the calling thread and on
/// idle pool threads; returns when every chunk has run. `body` is called concurrently on
/// disjoint ranges and must not throw. n ≤ grain, or a parallelism of 1, runs inline.
void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& body);

/// Threads per loop, the caller included: the number of cores by default (at most 16); 1 runs
/// every loop on the caller (tests compare both). Takes effect for loops started afterwards.
void SetParallelism(int threads);
int Parallelism();

}  // namespace nbsched::framework
