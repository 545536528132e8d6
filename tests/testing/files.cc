#include "tests/testing/files.h"

#include <fstream>
#include <sstream>

namespace nbsched::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace nbsched::testing
