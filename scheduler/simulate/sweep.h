#pragma once

/// Sweeps beyond one machine (interfaces.md §12) and sweep files:
///  * `--shard I/N`: a run (policy × seed, policy-major in the sweep's order) belongs to shard I
///    when its index ≡ I mod N; a sharded run writes `shard.txt` beside the usual files, naming
///    the sweep (a fingerprint of the command line with input files by content), the shard and
///    how many lines each run wrote to each file, so that `simulate merge` can reassemble them;
///  * `--sweep FILE`: policies × argument grids (YAML), each point a named policy;
///  * `--time-scale X` / `--node-scale X`: the departures workload (arrival times compressed,
///    cluster thinned evenly).
/// Plain functions; thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/framework/policy.h"
#include "scheduler/framework/registry.h"
#include "scheduler/simulate/inputs.h"

namespace nbsched::simulate {

struct ShardSpec {
  int64_t index = 0;
  int64_t count = 1;
};

/// "I/N" with 0 ≤ I < N; nullopt on anything else.
std::optional<ShardSpec> ParseShard(std::string_view text);

/// True when run `run` (0-based, in the sweep's order) belongs to the shard.
inline bool InShard(const ShardSpec& shard, int64_t run) {
  return run % shard.count == shard.index;
}

/// Names the sweep a command line describes: FNV-1a 64 (hex) over its arguments after
/// `simulate`, without --shard, --out, --threads and --progress (which do not change any row),
/// each argument that names a readable regular file replaced by a hash of its content.
std::string SweepFingerprint(int argc, char** argv);

/// FNV-1a 64 of bytes, as 16 hex digits.
std::string HashHex(std::string_view bytes);

/// One point of a sweep file: a policy and its name.
struct SweepPoint {
  std::string name;  // e.g. "fgd-blend[w=3;scale=2000]"
  std::string yaml;  // the policy file the point stands for
  std::shared_ptr<const framework::Policy> policy;
};

/// A sweep file (README "Sweep files"):
///
///     points:
///       - base: gpu-fragmentation.yaml     # a policy file, relative to the sweep file
///         name: fgd-blend                  # optional; default the base's file stem
///         grid:                            # optional; the Cartesian product, last key fastest
///           w: {set: LeastRequestedPriority.weight, values: [0, 1, 3]}
///           scale: {set: GPUFragmentationPriority.args.scale, values: [1000, 2000]}
///
/// `set` is `PLUGIN.weight` (the priority is appended with that weight when the base lacks it)
/// or `PLUGIN.args.KEY`. A point is named `NAME[k1=v1;k2=v2]` (NAME alone without a grid).
/// Errors name the sweep file (and line where YAML gives one) or the point.
[[nodiscard]] absl::StatusOr<std::vector<SweepPoint>> LoadSweepFile(
    const std::string& path, const framework::Registry& registry);

/// `--time-scale X`: every arrival time multiplied by X (durations kept), so more pods overlap.
void ScaleArrivalTimes(Workload& workload, double factor);

/// `--node-scale X` (0 < X ≤ 1): keeps an evenly spaced X of the nodes in file order (node i is
/// kept when ⌊(i+1)·X⌋ > ⌊i·X⌋), so the mix of node types is kept; capacity recomputed.
void ScaleNodes(Cluster& cluster, double fraction);

inline constexpr std::string_view kShardManifest = "shard.txt";
inline constexpr std::string_view kShardMagic = "nbsched-simulate-shard 1";

}  // namespace nbsched::simulate
