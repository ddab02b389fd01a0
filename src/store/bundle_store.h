#pragma once
// Source bundles by ID (table bundles; reference/swing-store.md). An ID names its content, and
// addBundle() checks that before storing: `b0-<sha256 of the JSON text>` (moduleFormat
// nestedEvaluate or getExport), or `b1-<sha512 of compartment-map.json>` (moduleFormat
// endoZipBase64, stored as the decoded zip, with every module's sha512 checked). Owned by
// SwingStore.
#include <optional>
#include <string>
#include <string_view>

#include "swingset/errors.h"

namespace swingset {

class Db;

// The ID `bundleJson` deserves after full verification, or nullopt with `error` set.
std::optional<std::string> computeBundleID(std::string_view bundleJson, std::string& error);

class BundleStore {
 public:
  explicit BundleStore(Db& db) : db_(db) {}
  BundleStore(const BundleStore&) = delete;
  BundleStore& operator=(const BundleStore&) = delete;

  // Throws ConfigError naming `bundleID` unless the bundle verifies against it. Re-adding an
  // existing bundle replaces it with identical content.
  void addBundle(std::string_view bundleID, std::string_view bundleJson);
  bool hasBundle(std::string_view bundleID);
  // b0: the original text. b1: {"moduleFormat":"endoZipBase64","endoZipBase64Sha512":…,
  // "endoZipBase64":…} in that key order.
  std::optional<std::string> getBundle(std::string_view bundleID);
  void deleteBundle(std::string_view bundleID);

 private:
  Db& db_;  // owned by SwingStore
};

}  // namespace swingset
