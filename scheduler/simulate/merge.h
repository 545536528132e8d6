#pragma once

/// `nbsched simulate merge --out DIR SHARD_DIR...` (interfaces.md §12): reassembles the files
/// of the shards of one sweep (each with the `shard.txt` a `--shard I/N` run writes) into what
/// the unsharded run writes, byte for byte: every file's header once, then each run's rows in
/// the sweep's order, whatever the order of SHARD_DIR. Refuses (exit 1, a message naming the
/// directory) shards of different sweeps, a shard given twice, a missing shard, files whose rows
/// do not match the manifest. Thread-compatible (one call at a time per DIR).

namespace nbsched::simulate {

/// argv[1] == "simulate", argv[2] == "merge". Returns the exit code.
int RunMerge(int argc, char** argv);

}  // namespace nbsched::simulate
