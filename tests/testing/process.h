#pragma once

/// Starting the real `nbsched serve` in end-to-end tests: the command line (port 0, so the
/// kernel picks a free port) and the port read back from the ready line it prints once it
/// listens. The process itself is a Subprocess (tests/testing/subprocess.h).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/subprocess.h"

namespace nbsched::testing {

/// The ready lines of `nbsched serve`, up to the port.
inline constexpr std::string_view kHttpReadyPrefix = "nbsched ready on http://127.0.0.1:";
inline constexpr std::string_view kGrpcReadyPrefix = "nbsched gRPC ready on 127.0.0.1:";

/// `binary serve --listen 127.0.0.1:0 --snapshot examples/cluster.json --policy
/// examples/policy.yaml --threads 2`, then `extra` (a later flag overrides an earlier one).
std::vector<std::string> ServeArgs(const std::string& binary,
                                   const std::vector<std::string>& extra = {});

/// Reads the next stdout line of `server` (waiting at most `timeout`), REQUIREs that it starts
/// with `prefix` and returns the port after it. Call once per listener, in the order printed.
uint16_t ReadyPort(Subprocess& server, std::string_view prefix = kHttpReadyPrefix,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));

}  // namespace nbsched::testing
