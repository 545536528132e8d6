#pragma once

/// `nbsched simulate` (interfaces.md §8): replays a workload on a cluster under one or more
/// policies and seeds, in parallel across cores, and writes steps.csv, nodes.csv,
/// alloc_grid.csv and summary.csv to --out in a fixed order (policy as given, then seed as
/// given), byte-identical whatever the thread count.

namespace nbsched::simulate {

/// argv[1] is "simulate". Returns the exit code: 0, 1 (bad input), 2 (bad flags).
int RunSimulate(int argc, char** argv);

}  // namespace nbsched::simulate
