#pragma once
// Helpers shared by tests: test vat bundles (built by tests/CMakeLists.txt) and temp dirs.
#include <filesystem>
#include <string>

namespace swingset::testing {

// The bundle JSON of tests/vats/NAME.js.
std::string readTestBundle(const std::string& name);

// A fresh directory, removed with its contents when the TempDir goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace swingset::testing
