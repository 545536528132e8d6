#include "tests/testing/process.h"

#include <catch2/catch.hpp>

namespace nbsched::testing {

std::vector<std::string> ServeArgs(const std::string& binary,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> args = {binary,       "serve",
                                   "--listen",   "127.0.0.1:0",
                                   "--snapshot", "examples/cluster.json",
                                   "--policy",   "examples/policy.yaml",
                                   "--threads",  "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

uint16_t ReadyPort(Subprocess& server, std::string_view prefix, std::chrono::milliseconds timeout) {
  REQUIRE(server.started());
  const auto line = server.ReadLine(timeout);
  REQUIRE(line.has_value());
  REQUIRE(line->starts_with(prefix));
  return static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
}

}  // namespace nbsched::testing
