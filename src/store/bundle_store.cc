#include "store/bundle_store.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/base64.h"
#include "base/sha.h"
#include "base/zip.h"
#include "store/sqlite.h"

namespace swingset {
namespace {

using json = nlohmann::json;

struct Verified {
  std::string id;
  std::string stored;  // what goes in the bundle column: b0 text or b1 zip bytes
  bool isZip = false;
};

// Checks every module listed in compartment-map.json against its file `<compartment>/<location>`.
std::optional<std::string> checkModules(std::string_view mapText,
                                        const std::vector<ZipEntry>& entries) {
  json map = json::parse(mapText, nullptr, false);
  if (map.is_discarded() || !map.is_object()) return "compartment-map.json is not a JSON object";
  auto compartments = map.find("compartments");
  if (compartments == map.end() || !compartments->is_object())
    return "compartment-map.json has no compartments object";
  std::unordered_map<std::string_view, std::string_view> files;
  for (const ZipEntry& e : entries) files.emplace(e.name, e.data);
  for (auto& [name, compartment] : compartments->items()) {
    if (!compartment.is_object()) return "compartment " + name + " is not an object";
    auto modules = compartment.find("modules");
    if (modules == compartment.end()) continue;
    if (!modules->is_object()) return "modules of compartment " + name + " is not an object";
    for (auto& [specifier, module] : modules->items()) {
      // Modules without a location live in another compartment or outside the archive.
      if (!module.is_object() || !module.contains("location")) continue;
      const json& location = module["location"];
      const json* sha = module.contains("sha512") ? &module["sha512"] : nullptr;
      if (!location.is_string() || !sha || !sha->is_string())
        return "module " + specifier + " of " + name + " lacks a location or sha512";
      std::string path = name + "/" + location.get<std::string>();
      auto file = files.find(path);
      if (file == files.end()) return "module file " + path + " is missing from the zip";
      if (sha512Hex(file->second) != sha->get<std::string>())
        return "module file " + path + " does not match its sha512";
    }
  }
  return std::nullopt;
}

std::optional<Verified> verify(std::string_view text, std::string& error) {
  json b = json::parse(text, nullptr, false);
  if (b.is_discarded() || !b.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  auto mf = b.find("moduleFormat");
  if (mf == b.end() || !mf->is_string()) {
    error = "no moduleFormat";
    return std::nullopt;
  }
  const std::string format = mf->get<std::string>();
  if (format == "nestedEvaluate" || format == "getExport") {
    return Verified{"b0-" + sha256Hex(text), std::string(text), false};
  }
  if (format != "endoZipBase64") {
    error = "unsupported moduleFormat " + format;
    return std::nullopt;
  }
  auto b64 = b.find("endoZipBase64");
  auto claimed = b.find("endoZipBase64Sha512");
  if (b64 == b.end() || !b64->is_string() || claimed == b.end() || !claimed->is_string()) {
    error = "endoZipBase64 bundle lacks endoZipBase64 or endoZipBase64Sha512";
    return std::nullopt;
  }
  std::optional<std::string> zip = base64Decode(b64->get_ref<const std::string&>());
  if (!zip) {
    error = "endoZipBase64 is not valid base64";
    return std::nullopt;
  }
  std::optional<std::vector<ZipEntry>> entries = readZip(*zip, error);
  if (!entries) return std::nullopt;
  const ZipEntry* map = nullptr;
  for (const ZipEntry& e : *entries)
    if (e.name == "compartment-map.json") map = &e;
  if (!map) {
    error = "the zip has no compartment-map.json";
    return std::nullopt;
  }
  std::string hex = sha512Hex(map->data);
  if (hex != claimed->get<std::string>()) {
    error = "endoZipBase64Sha512 does not match compartment-map.json (sha512 " + hex + ")";
    return std::nullopt;
  }
  if (std::optional<std::string> bad = checkModules(map->data, *entries)) {
    error = *bad;
    return std::nullopt;
  }
  return Verified{"b1-" + hex, std::move(*zip), true};
}

}  // namespace

std::optional<std::string> computeBundleID(std::string_view bundleJson, std::string& error) {
  std::optional<Verified> v = verify(bundleJson, error);
  if (!v) return std::nullopt;
  return v->id;
}

void BundleStore::addBundle(std::string_view bundleID, std::string_view bundleJson) {
  std::string error;
  std::optional<Verified> v = verify(bundleJson, error);
  if (!v) throw ConfigError(fmt::format("bundle {}: {}", bundleID, error));
  if (v->id != bundleID)
    throw ConfigError(fmt::format("bundle {}: content has ID {}", bundleID, v->id));
  db_.ensureTxn();
  Statement& s = db_.prepare("INSERT OR REPLACE INTO bundles (bundleID, bundle) VALUES (?, ?)");
  s.bindText(1, bundleID);
  if (v->isZip) {
    s.bindBlob(2, v->stored);
  } else {
    s.bindText(2, v->stored);
  }
  s.run();
}

bool BundleStore::hasBundle(std::string_view bundleID) {
  Statement& s = db_.prepare("SELECT 1 FROM bundles WHERE bundleID = ? AND bundle IS NOT NULL");
  bool found = s.bindText(1, bundleID).step();
  s.reset();
  return found;
}

std::optional<std::string> BundleStore::getBundle(std::string_view bundleID) {
  Statement& s =
      db_.prepare("SELECT bundle FROM bundles WHERE bundleID = ? AND bundle IS NOT NULL");
  if (!s.bindText(1, bundleID).step()) return std::nullopt;
  std::string stored(s.columnBlob(0));
  s.reset();
  if (bundleID.starts_with("b0-")) return stored;
  SS_STORE_INSIST(db_, bundleID.starts_with("b1-"), "bundle ID {} has an unknown prefix", bundleID);
  // Hex and base64 need no JSON escaping.
  return fmt::format(
      R"({{"moduleFormat":"endoZipBase64","endoZipBase64Sha512":"{}","endoZipBase64":"{}"}})",
      bundleID.substr(3), base64Encode(stored));
}

void BundleStore::deleteBundle(std::string_view bundleID) {
  db_.ensureTxn();
  db_.prepare("DELETE FROM bundles WHERE bundleID = ?").bindText(1, bundleID).run();
}

}  // namespace swingset
