#pragma once

/// Test-only file helpers (paths relative to the repo root, where ctest runs the tests).

#include <string>

namespace nbsched::testing {

/// The bytes of the file at `path`, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace nbsched::testing
