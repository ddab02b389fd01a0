#pragma once
// SwingSet's config.json (reference/kernel.md §7), as read by Config::load. Includes only std.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace swingset {

// Where a vat's, device's or named bundle's code comes from: exactly one of these.
struct BundleSource {
  std::optional<std::filesystem::path> sourceSpec;  // JS entry file, bundled at init
  std::optional<std::filesystem::path> bundleSpec;  // bundle JSON file
  std::optional<std::string> bundleJson;            // inline `bundle`
  std::optional<std::string> bundleName;            // a name in `bundles`
};

struct VatConfig {
  std::string name;
  BundleSource source;
  std::string parametersJson = "{}";  // plain JSON object, becomes vatParameters
  // creationOptions, as SwingSet records them
  bool enablePipelining = false;
  bool enableDisavow = false;
  bool critical = false;
  bool useTranscript = true;
  std::optional<uint64_t> reapInterval;
  std::optional<uint64_t> reapGCKrefs;
  bool neverReap = false;
  std::string managerType;  // as written; every vat runs on xsnap
};

struct DeviceConfig {
  std::string name;
  BundleSource source;
  std::string parametersJson = "{}";
  bool unendowed = false;  // creationOptions.unendowed
};

struct Config {
  std::filesystem::path file;  // where it was read from; relative paths resolve against its folder
  std::string bootstrap;
  std::vector<VatConfig> vats;        // in file order
  std::map<std::string, BundleSource> bundles;
  std::vector<DeviceConfig> devices;  // in file order
  std::string defaultManagerType = "xsnap";
  uint64_t defaultReapInterval = 1;
  uint64_t defaultReapGCKrefs = 20;
  bool relaxDurabilityRules = false;
  uint64_t snapshotInitial = 3;
  uint64_t snapshotInterval = 200;
  bool pinBootstrapRoot = false;
  std::vector<std::string> notices;  // one line each, e.g. a managerType we run on xsnap instead

  // Throws ConfigError naming the file and the field for anything unusable: unknown keys, a
  // missing file, a vat with no or two sources, a bootstrap vat that is not listed.
  static Config load(const std::filesystem::path& file);
};

}  // namespace swingset
