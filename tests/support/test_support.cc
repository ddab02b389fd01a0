#include "support/test_support.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "base/panic.h"

namespace swingset::testing {

std::string readTestBundle(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(SWINGSET_TEST_BUNDLE_DIR) / (name + ".bundle.json");
  std::ifstream in(p, std::ios::binary);
  SS_INSIST(in.good(), "test bundle {} is missing (is the test_bundles target built?)", p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "swingset-test-XXXXXX").string();
  SS_INSIST(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace swingset::testing
