#include "support/test_support.h"
#include "base/file.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "base/panic.h"

namespace swingset::testing {

std::string readTestBundle(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(SWINGSET_TEST_BUNDLE_DIR) / (name + ".bundle.json");
  std::optional<std::string> text = readFile(p);
  SS_INSIST(text, "test bundle {} is missing (is the test_bundles target built?)", p.string());
  return *text;
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
