#pragma once

/// Test-only file helpers (paths relative to the repo root, where ctest runs the tests).

#include <filesystem>
#include <string>
#include <vector>

namespace nbsched::testing {

/// The bytes of the file at `path`, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

/// Writes `text` to `path` as it is (creating or truncating the file).
void WriteFile(const std::string& path, const std::string& text);

/// `text` split at '\n' (no line terminators; a last line without one is kept).
std::vector<std::string> Lines(const std::string& text);

/// One CSV line's cells split at ',' (no quoting: the simulator's CSVs need none); a trailing
/// ',' gives a last, empty cell.
std::vector<std::string> CsvCells(const std::string& line);

/// A fresh directory under the system's temporary directory, removed with everything in it when
/// the object goes. Not copyable.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "nbsched-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The path of `name` inside the directory.
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace nbsched::testing
