// Config::load: reads and checks config.json (reference/kernel.md §7). Every problem is an
// operator error, thrown as ConfigError naming the file as given and the field's dotted path.
#include "swingset/config.h"
#include "base/file.h"

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "base/json.h"
#include "swingset/errors.h"

namespace swingset {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTopKeys[] = {"bootstrap",
                                         "vats",
                                         "bundles",
                                         "devices",
                                         "defaultManagerType",
                                         "defaultReapInterval",
                                         "defaultReapGCKrefs",
                                         "relaxDurabilityRules",
                                         "snapshotInitial",
                                         "snapshotInterval",
                                         "pinBootstrapRoot",
                                         "includeDevDependencies",
                                         "bundleCachePath",
                                         "bundleFormat"};
constexpr std::string_view kCreationOptionKeys[] = {
    "enablePipelining", "managerType",  "enableDisavow", "enableSetup", "useTranscript",
    "critical",         "reapInterval", "reapGCKrefs",   "neverReap",   "nodeOptions"};
constexpr std::string_view kSourceKeys[] = {"sourceSpec", "bundleSpec", "bundle", "bundleName"};

template <size_t N>
bool contains(const std::string_view (&keys)[N], std::string_view k) {
  for (std::string_view key : keys)
    if (key == k) return true;
  return false;
}

std::string typeName(const Json& v) {
  if (v.is_number()) return "a number";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  return "null";
}

// Checks one file's fields, remembering the file name for messages.
class Loader {
 public:
  explicit Loader(const fs::path& file) : file_(file), dir_(file.parent_path()) {}

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    throw ConfigError(fmt::format("{}: {}: {}", file_.string(), field, what));
  }

  void requireObject(const Json& v, std::string_view field) const {
    if (!v.is_object()) fail(field, fmt::format("must be an object, not {}", typeName(v)));
  }
  bool boolean(const Json& v, std::string_view field) const {
    if (!v.is_boolean()) fail(field, fmt::format("must be true or false, not {}", typeName(v)));
    return v.get<bool>();
  }
  std::string string(const Json& v, std::string_view field) const {
    if (!v.is_string()) fail(field, fmt::format("must be a string, not {}", typeName(v)));
    return v.get<std::string>();
  }
  uint64_t count(const Json& v, std::string_view field) const {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_float()) {
      double d = v.get<double>();
      // JS has one number type: 5.0 is 5. Past 2^53 JS no longer holds integers exactly.
      if (std::isfinite(d) && d >= 0 && d == std::floor(d) && d <= 9007199254740992.0)
        return static_cast<uint64_t>(d);
    }
    fail(field, fmt::format("must be a non-negative integer, not {}", toJson(v)));
  }

  // A path from the file, resolved against the file's folder; the file must exist.
  fs::path existingFile(const Json& v, std::string_view field) const {
    std::string spec = string(v, field);
    if (spec.empty()) fail(field, "must not be empty");
    fs::path p(spec);
    if (p.is_relative()) p = (dir_ / p).lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) fail(field, fmt::format("no such file: {}", p.string()));
    return p;
  }

  // Exactly one of sourceSpec/bundleSpec/bundle (and bundleName when `allowName`). Every other
  // key of `entry` must be in `extraKeys`.
  BundleSource source(const Json& entry, const std::string& field, bool allowName,
                      std::initializer_list<std::string_view> extraKeys) const {
    requireObject(entry, field);
    std::vector<std::string> found;
    for (const auto& [k, v] : entry.items()) {
      bool isSource = contains(kSourceKeys, k) && (allowName || k != "bundleName");
      bool isExtra = false;
      for (std::string_view e : extraKeys) isExtra = isExtra || e == k;
      if (isSource) {
        found.push_back(k);
      } else if (!isExtra) {
        fail(field + "." + k, "unknown key");
      }
    }
    std::string choices = allowName ? "sourceSpec, bundleSpec, bundle or bundleName"
                                    : "sourceSpec, bundleSpec or bundle";
    if (found.empty()) fail(field, fmt::format("needs one of {}", choices));
    if (found.size() > 1)
      fail(field,
           fmt::format("has both {} and {}; give only one of {}", found[0], found[1], choices));
    const std::string& k = found[0];
    const Json& v = entry.at(k);
    std::string sub = field + "." + k;
    BundleSource s;
    if (k == "sourceSpec") {
      s.sourceSpec = existingFile(v, sub);
    } else if (k == "bundleSpec") {
      s.bundleSpec = existingFile(v, sub);
    } else if (k == "bundle") {
      requireObject(v, sub);
      s.bundleJson = toJson(v);
    } else {
      s.bundleName = string(v, sub);
    }
    return s;
  }

  std::string parameters(const Json& entry, const std::string& field) const {
    auto it = entry.find("parameters");
    if (it == entry.end()) return "{}";
    requireObject(*it, field + ".parameters");
    return toJson(*it);
  }

  // xsnap and xs-worker run as written; local and node-subprocess run on xsnap, with a notice.
  void managerType(const std::string& type, std::string_view field, std::string_view who,
                   std::vector<std::string>& notices) const {
    if (type == "xsnap" || type == "xs-worker") return;
    if (type == "local" || type == "node-subprocess") {
      notices.push_back(fmt::format("{}: managerType '{}' runs on xsnap here", who, type));
      return;
    }
    fail(field, fmt::format("unknown managerType '{}' (want xsnap, xs-worker, local or "
                            "node-subprocess)",
                            type));
  }

  void creationOptions(const Json& opts, const std::string& field, VatConfig& vat,
                       std::vector<std::string>& notices) const {
    requireObject(opts, field);
    std::string who = "vat " + vat.name;
    for (const auto& [k, v] : opts.items()) {
      std::string sub = field + "." + k;
      if (!contains(kCreationOptionKeys, k)) fail(sub, "unknown creation option");
      if (k == "enablePipelining") {
        vat.enablePipelining = boolean(v, sub);
      } else if (k == "managerType") {
        vat.managerType = string(v, sub);
        managerType(vat.managerType, sub, who, notices);
      } else if (k == "enableDisavow") {
        vat.enableDisavow = boolean(v, sub);
      } else if (k == "enableSetup") {
        if (boolean(v, sub)) fail(sub, "true (a setup vat) cannot run under xsnap");
      } else if (k == "useTranscript") {
        vat.useTranscript = boolean(v, sub);
        if (!vat.useTranscript)
          fail(sub, "false cannot run under xsnap, which replays transcripts");
      } else if (k == "critical") {
        vat.critical = boolean(v, sub);
      } else if (k == "reapInterval") {
        vat.reapInterval = count(v, sub);
      } else if (k == "reapGCKrefs") {
        vat.reapGCKrefs = count(v, sub);
      } else if (k == "neverReap") {
        vat.neverReap = boolean(v, sub);
      } else if (k == "nodeOptions") {
        notices.push_back(fmt::format("{}: nodeOptions ignored under xsnap", who));
      }
    }
  }

  VatConfig vat(const std::string& name, const Json& entry,
                std::vector<std::string>& notices) const {
    std::string field = "vats." + name;
    VatConfig vat;
    vat.name = name;
    vat.source = source(entry, field, /*allowName=*/true, {"parameters", "creationOptions"});
    vat.parametersJson = parameters(entry, field);
    if (auto it = entry.find("creationOptions"); it != entry.end())
      creationOptions(*it, field + ".creationOptions", vat, notices);
    return vat;
  }

  DeviceConfig device(const std::string& name, const Json& entry) const {
    std::string field = "devices." + name;
    DeviceConfig dev;
    dev.name = name;
    dev.source = source(entry, field, /*allowName=*/false, {"parameters", "creationOptions"});
    dev.parametersJson = parameters(entry, field);
    if (auto it = entry.find("creationOptions"); it != entry.end()) {
      requireObject(*it, field + ".creationOptions");
      for (const auto& [k, v] : it->items()) {
        std::string sub = field + ".creationOptions." + k;
        if (k != "unendowed") fail(sub, "unknown device creation option (only unendowed)");
        dev.unendowed = boolean(v, sub);
      }
    }
    return dev;
  }

 private:
  const fs::path& file_;
  fs::path dir_;
};

}  // namespace

Config Config::load(const std::filesystem::path& file) {
  std::string name = file.string();
  std::optional<std::string> text = readFile(file);
  if (!text) throw ConfigError(fmt::format("{}: cannot read the file", name));
  std::optional<Json> parsed = parseJson(*text);
  if (!parsed) throw ConfigError(fmt::format("{}: not valid JSON", name));
  const Json& root = *parsed;
  if (!root.is_object()) throw ConfigError(fmt::format("{}: must hold a JSON object", name));

  Loader l(file);
  Config c;
  c.file = file;
  for (const auto& [k, v] : root.items())
    if (!contains(kTopKeys, k)) l.fail(k, "unknown key");

  // Bundles first: a vat's bundleName may name one listed later in the file.
  if (auto it = root.find("bundles"); it != root.end()) {
    l.requireObject(*it, "bundles");
    for (const auto& [k, v] : it->items())
      c.bundles[k] = l.source(v, "bundles." + k, /*allowName=*/false, {});
  }

  if (auto it = root.find("defaultManagerType"); it != root.end()) {
    c.defaultManagerType = l.string(*it, "defaultManagerType");
    l.managerType(c.defaultManagerType, "defaultManagerType", "defaultManagerType", c.notices);
  } else {
    c.notices.push_back(
        "defaultManagerType: absent (SwingSet's default is 'local'); vats run on xsnap here");
  }

  if (auto it = root.find("vats"); it != root.end()) {
    l.requireObject(*it, "vats");
    for (const auto& [k, v] : it->items()) {
      VatConfig vat = l.vat(k, v, c.notices);
      if (vat.source.bundleName && !c.bundles.contains(*vat.source.bundleName))
        l.fail("vats." + k + ".bundleName",
               fmt::format("'{}' is not listed in bundles", *vat.source.bundleName));
      c.vats.push_back(std::move(vat));
    }
  }

  if (auto it = root.find("devices"); it != root.end()) {
    l.requireObject(*it, "devices");
    for (const auto& [k, v] : it->items()) c.devices.push_back(l.device(k, v));
  }

  if (auto it = root.find("bootstrap"); it != root.end()) {
    c.bootstrap = l.string(*it, "bootstrap");
    bool listed = false;
    for (const VatConfig& vat : c.vats) listed = listed || vat.name == c.bootstrap;
    if (!listed) l.fail("bootstrap", fmt::format("'{}' is not listed in vats", c.bootstrap));
  }

  if (auto it = root.find("defaultReapInterval"); it != root.end())
    c.defaultReapInterval = l.count(*it, "defaultReapInterval");
  if (auto it = root.find("defaultReapGCKrefs"); it != root.end())
    c.defaultReapGCKrefs = l.count(*it, "defaultReapGCKrefs");
  if (auto it = root.find("snapshotInitial"); it != root.end())
    c.snapshotInitial = l.count(*it, "snapshotInitial");
  if (auto it = root.find("snapshotInterval"); it != root.end())
    c.snapshotInterval = l.count(*it, "snapshotInterval");
  if (auto it = root.find("relaxDurabilityRules"); it != root.end())
    c.relaxDurabilityRules = l.boolean(*it, "relaxDurabilityRules");
  if (auto it = root.find("pinBootstrapRoot"); it != root.end())
    c.pinBootstrapRoot = l.boolean(*it, "pinBootstrapRoot");
  // Bundling controls for sourceSpec: type-checked only, since Config has no field for them yet.
  if (auto it = root.find("includeDevDependencies"); it != root.end())
    l.boolean(*it, "includeDevDependencies");
  if (auto it = root.find("bundleCachePath"); it != root.end()) l.string(*it, "bundleCachePath");
  if (auto it = root.find("bundleFormat"); it != root.end()) l.string(*it, "bundleFormat");
  return c;
}

}  // namespace swingset
