#include "controller/vat_archive.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "base/netstring.h"
#include "base/panic.h"
#include "base/sha.h"
#include "store/bundle_store.h"
#include "store/kv_store.h"

namespace swingset {
namespace {

constexpr const char* kFormat = "swingset-vat-archive";
constexpr int kVersion = 1;
constexpr size_t kMaxHeaderBytes = 4096;
// The payload's parts, in order; workerBundles and snapshot are optional (never both).
const std::vector<std::string> kParts = {"manifest", "bundle", "workerBundles", "snapshot", "transcript", "vatstore"};

// The [lockdown, supervisor] bundle IDs a vat's options record, or null if they record none.
Json recordedWorkerBundleIDs(const Json& options) {
  auto w = options.find("workerOptions");
  if (w == options.end() || !w->is_object() || !w->contains("bundleIDs")) return nullptr;
  return (*w)["bundleIDs"];
}

std::string netstrings(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += encodeNetstring(i);
  return out;
}

// --- the manifest, and reading it back with every field checked

Json encodeManifest(const VatArchive& a) {
  Json m = Json::object();
  m["vatID"] = a.vatID;
  m["name"] = a.name;
  m["bundleID"] = a.bundleID;
  m["options"] = a.options;
  m["vatParameters"] = a.vatParameters ? a.vatParameters->toJson() : Json(nullptr);
  m["nextImportIDs"] = Json::object(
      {{"o", a.nextImportIDs.object}, {"p", a.nextImportIDs.promise}, {"d", a.nextImportIDs.device}});
  m["span"] = Json::object({{"startPos", a.span.startPos},
                            {"endPos", a.span.endPos},
                            {"hash", a.span.hash},
                            {"incarnation", a.span.incarnation}});
  if (a.snapshot) {
    const SnapshotInfo& s = a.snapshot->info;
    m["snapshot"] = Json::object({{"snapPos", s.snapPos},
                                  {"hash", s.hash},
                                  {"uncompressedSize", s.uncompressedSize},
                                  {"compressedSize", s.compressedSize}});
  } else {
    m["snapshot"] = nullptr;
  }
  Json clist = Json::array();
  for (const ArchivedRef& r : a.clist) {
    Json e = Json::object({{"vref", r.vref.str()}, {"reachable", r.reachable}});
    if (r.vref.isPromise()) {
      e["state"] = promiseStateName(r.state);
      e["decidedByVat"] = r.decidedByVat;
      e["subscribed"] = r.subscribed;
      e["data"] = r.data ? r.data->toJson() : Json(nullptr);
    }
    clist.push_back(std::move(e));
  }
  m["clist"] = std::move(clist);
  return m;
}

// Reads fields of one JSON object, throwing ConfigError that names the file and the field.
class Fields {
 public:
  Fields(const Json& j, std::string where, const std::string& file) : j_(j), where_(std::move(where)), file_(file) {
    if (!j_.is_object()) fail("", "is not a JSON object");
  }
  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw ConfigError(fmt::format("{}: {}{}{} {}", file_, where_, field.empty() ? "" : ".", field, why));
  }
  const Json& get(const std::string& field) const {
    auto it = j_.find(field);
    if (it == j_.end()) fail(field, "is missing");
    return *it;
  }
  std::string str(const std::string& field) const {
    const Json& v = get(field);
    if (!v.is_string()) fail(field, "is not a string");
    return v.get<std::string>();
  }
  uint64_t num(const std::string& field) const {
    const Json& v = get(field);
    if (!v.is_number_unsigned()) fail(field, "is not a natural number");
    return v.get<uint64_t>();
  }
  bool flag(const std::string& field) const {
    const Json& v = get(field);
    if (!v.is_boolean()) fail(field, "is not true or false");
    return v.get<bool>();
  }
  std::optional<CapData> capdata(const std::string& field) const {
    const Json& v = get(field);
    if (v.is_null()) return std::nullopt;
    std::optional<CapData> c = CapData::fromJson(v);
    if (!c) fail(field, "is not capdata");
    return c;
  }

 private:
  const Json& j_;
  std::string where_;
  const std::string& file_;
};

ArchivedRef decodeRef(const Json& e, size_t i, const std::string& file) {
  Fields f(e, fmt::format("manifest.clist[{}]", i), file);
  std::optional<VatSlot> vref = VatSlot::parse(f.str("vref"));
  if (!vref) f.fail("vref", "is not a vref");
  if (vref->isDevice()) f.fail("vref", "is a device node: devices cannot move");
  ArchivedRef r;
  r.vref = *vref;
  r.reachable = f.flag("reachable");
  if (!vref->isPromise()) return r;
  std::string state = f.str("state");
  if (state == "unresolved") {
    r.state = PromiseState::kUnresolved;
  } else if (state == "fulfilled" || state == "rejected") {
    r.state = state == "fulfilled" ? PromiseState::kFulfilled : PromiseState::kRejected;
  } else {
    f.fail("state", "is not unresolved, fulfilled or rejected");
  }
  r.decidedByVat = f.flag("decidedByVat");
  r.subscribed = f.flag("subscribed");
  r.data = f.capdata("data");
  if (r.decidedByVat && r.state != PromiseState::kUnresolved) f.fail("decidedByVat", "is true for a settled promise");
  if (r.data && (r.state == PromiseState::kUnresolved || !r.data->slots.empty())) {
    f.fail("data", "is only for a settled promise, without slots");
  }
  return r;
}

void decodeManifest(const Json& j, VatArchive& a, const std::string& file) {
  Fields m(j, "manifest", file);
  a.vatID = m.str("vatID");
  a.name = m.str("name");
  a.bundleID = m.str("bundleID");
  a.options = m.get("options");
  if (!a.options.is_object()) m.fail("options", "is not a JSON object");
  // The kernel reads these with their types (a wrong one would panic it when the vat loads).
  Fields options(a.options, "manifest.options", file);
  auto check = [&](const char* key, bool (*ok)(const Json&), const char* want) {
    auto it = a.options.find(key);
    if (it != a.options.end() && !ok(*it)) options.fail(key, fmt::format("is not {}", want));
  };
  check("name", [](const Json& v) { return v.is_string(); }, "a string");
  check("meterID", [](const Json& v) { return v.is_string(); }, "a string");
  check("liveSlotsVatID", [](const Json& v) { return v.is_string() && parseVatID(v.get<std::string>()); }, "a vat ID");
  for (const char* key : {"critical", "enablePipelining", "enableSetup", "enableDisavow", "useTranscript"}) {
    check(key, [](const Json& v) { return v.is_boolean(); }, "a boolean");
  }
  check("reapDirtThreshold", [](const Json& v) { return v.is_object() && v.value("never", Json(false)).is_boolean(); },
        "an object whose 'never' is a boolean");
  check("workerOptions", [](const Json& v) {
    auto ids = v.is_object() ? v.find("bundleIDs") : v.end();
    return v.is_object() && (ids == v.end() || (ids->is_array() && ids->size() == 2 && (*ids)[0].is_string() && (*ids)[1].is_string()));
  }, "an object whose bundleIDs are [lockdown, supervisor] bundle IDs");
  a.vatParameters = m.capdata("vatParameters");
  Fields ids(m.get("nextImportIDs"), "manifest.nextImportIDs", file);
  a.nextImportIDs = {ids.num("o"), ids.num("p"), ids.num("d")};
  Fields span(m.get("span"), "manifest.span", file);
  a.span = {span.num("startPos"), span.num("endPos"), span.str("hash"), span.num("incarnation")};
  if (a.span.endPos <= a.span.startPos) span.fail("endPos", "is not after startPos: the span is empty");
  if (!m.get("snapshot").is_null()) {
    Fields s(m.get("snapshot"), "manifest.snapshot", file);
    a.snapshot = SnapStore::CompressedSnapshot{
        {s.num("snapPos"), s.str("hash"), s.num("uncompressedSize"), s.num("compressedSize")}, ""};
    // deflate expands at most ~1032:1; a larger claim would only make inflate() allocate it.
    if (a.snapshot->info.uncompressedSize / 1032 > a.snapshot->info.compressedSize + 1) {
      s.fail("uncompressedSize", "is more than deflate can expand compressedSize to");
    }
  }
  const Json& clist = m.get("clist");
  if (!clist.is_array()) m.fail("clist", "is not an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < clist.size(); i++) {
    a.clist.push_back(decodeRef(clist[i], i, file));
    const VatSlot& v = a.clist.back().vref;
    if (!seen.insert(v.str()).second) m.fail("clist", "lists " + v.str() + " twice");
    // The kernel allocates the vat's next imports from nextImportIDs: none may be taken already.
    uint64_t next = v.isObject() ? a.nextImportIDs.object : v.isPromise() ? a.nextImportIDs.promise : a.nextImportIDs.device;
    uint64_t n = 0;
    std::string_view digits = std::string_view(v.str()).substr(2);
    if (!v.allocatedByVat && (std::from_chars(digits.data(), digits.data() + digits.size(), n).ptr != digits.data() + digits.size() || n >= next)) {
      m.fail("clist", fmt::format("has import {}, not below nextImportIDs ({})", v.str(), next));
    }
  }
  if (a.vatParameters) {
    for (const std::string& s : a.vatParameters->slots) {
      std::optional<KernelSlot> k = KernelSlot::parse(s);
      if (!seen.count(s) && !(k && !k->isDevice())) m.fail("vatParameters", "has slot " + s + ", neither a vref of clist nor an object or promise");
    }
  }
}

// The payload's netstrings, as (name, bytes) parts in the fixed order.
std::map<std::string, std::string> splitParts(std::string_view payload, const std::string& file) {
  NetstringParser p(payload.size());
  p.feed(payload.data(), payload.size());
  std::vector<std::string> frames;
  while (std::optional<std::string> f = p.next()) frames.push_back(std::move(*f));
  if (!p.error().empty() || p.buffered() != 0 || frames.size() % 2 != 0) {
    throw ConfigError(fmt::format("{}: the payload is not a sequence of named netstrings{}", file,
                                  p.error().empty() ? "" : ": " + p.error()));
  }
  std::map<std::string, std::string> parts;
  size_t next = 0;  // index into kParts: names must come in order
  for (size_t i = 0; i < frames.size(); i += 2) {
    auto at = std::find(kParts.begin() + static_cast<std::ptrdiff_t>(next), kParts.end(), frames[i]);
    if (at == kParts.end()) throw ConfigError(fmt::format("{}: unexpected part '{}'", file, frames[i]));
    next = static_cast<size_t>(at - kParts.begin()) + 1;
    parts[frames[i]] = std::move(frames[i + 1]);
  }
  for (const std::string& name : kParts) {
    if (name != "snapshot" && name != "workerBundles" && !parts.count(name)) throw ConfigError(fmt::format("{}: part '{}' is missing", file, name));
  }
  return parts;
}

std::vector<std::string> splitNetstrings(const std::string& bytes, const std::string& part, const std::string& file) {
  NetstringParser p(bytes.size());
  p.feed(bytes.data(), bytes.size());
  std::vector<std::string> out;
  while (std::optional<std::string> f = p.next()) out.push_back(std::move(*f));
  if (!p.error().empty() || p.buffered() != 0) {
    throw ConfigError(fmt::format("{}: part '{}' is not a sequence of netstrings", file, part));
  }
  return out;
}

// The first item of a span says where its worker starts: ["load-snapshot",{"snapshotID":H}], or
// ["initialize-worker",…] (from the bundle). Returns the delivery type and H.
std::pair<std::string, std::string> firstDelivery(const std::string& item) {
  std::optional<Json> j = parseJson(item);
  if (!j || !j->is_object() || !j->contains("d")) return {};
  const Json& d = (*j)["d"];
  if (!d.is_array() || d.empty() || !d[0].is_string()) return {};
  std::string snapshotID;
  if (d.size() > 1 && d[1].is_object() && d[1].contains("snapshotID") && d[1]["snapshotID"].is_string()) {
    snapshotID = d[1]["snapshotID"].get<std::string>();
  }
  return {d[0].get<std::string>(), snapshotID};
}

// Checks the parts against the manifest, so an import can write without failing halfway.
void checkParts(const VatArchive& a, const std::string& file) {
  std::string error;
  std::optional<std::string> id = computeBundleID(a.bundle, error);
  if (!id || *id != a.bundleID) {
    throw ConfigError(fmt::format("{}: the bundle is not {}: {}", file, a.bundleID, id ? "it is " + *id : error));
  }
  if (a.transcript.size() != a.span.endPos - a.span.startPos) {
    throw ConfigError(fmt::format("{}: the transcript has {} items, but span [{},{}) needs {}", file, a.transcript.size(),
                                  a.span.startPos, a.span.endPos, a.span.endPos - a.span.startPos));
  }
  std::string hash = TranscriptStore::initialSpanHash();
  for (const std::string& item : a.transcript) hash = TranscriptStore::extendSpanHash(hash, item);
  if (hash != a.span.hash) {
    throw ConfigError(fmt::format("{}: the transcript items hash to {}, but the span's hash is {}", file, hash, a.span.hash));
  }
  if (!a.workerBundles.empty()) {
    Json ids = recordedWorkerBundleIDs(a.options);
    if (a.snapshot || !ids.is_array() || ids.size() != a.workerBundles.size()) {
      throw ConfigError(fmt::format("{}: part 'workerBundles' is only for a vat without a snapshot that records their bundleIDs", file));
    }
    for (size_t i = 0; i < ids.size(); i++) {
      std::optional<std::string> wid = computeBundleID(a.workerBundles[i], error);
      if (!wid || *wid != ids[i]) {
        throw ConfigError(fmt::format("{}: worker bundle {} is not {}: {}", file, i, ids[i].get<std::string>(), wid ? "it is " + *wid : error));
      }
    }
  }
  auto [first, snapshotID] = firstDelivery(a.transcript.front());
  if (!a.snapshot) {
    if (first != "initialize-worker") {
      throw ConfigError(fmt::format("{}: without a snapshot the span must start with initialize-worker, not '{}'", file, first));
    }
    return;
  }
  const SnapshotInfo& info = a.snapshot->info;
  if (first != "load-snapshot" || snapshotID != info.hash || info.snapPos + 1 != a.span.startPos) {
    throw ConfigError(fmt::format("{}: the span does not start by loading snapshot {} (at {})", file, info.hash, info.snapPos));
  }
  if (a.snapshot->gzip.size() != info.compressedSize) {
    throw ConfigError(fmt::format("{}: the snapshot is {} bytes, the manifest says {}", file, a.snapshot->gzip.size(),
                                  info.compressedSize));
  }
  // catch: inflate() reports a bad snapshot as a KernelPanic, because in the store it is one. Here
  // it is a bad input file, and inflate() touches no store, so nothing is latched.
  try {
    SnapStore::inflate(*a.snapshot, a.vatID);
  } catch (const KernelPanic& e) {
    throw ConfigError(fmt::format("{}: the snapshot does not match its hash: {}", file, e.what()));
  }
}

// A new object with no owner: what an object the vat held from outside itself becomes (see the
// header). Sends to it are rejected "vat terminated".
std::string brokenObject(KernelState& state, const std::string& vatID) {
  KernelSlot ko = state.addKernelObject(vatID);
  state.orphanObject(ko);
  return ko.str();
}

}  // namespace

VatArchive exportVatArchive(KernelStorage& storage, KernelState& state, const std::string& vatID) {
  if (!state.vatIsAlive(vatID)) throw ConfigError(fmt::format("vat {} is not alive", vatID));
  VatState vat(state, vatID);
  VatArchive a;
  a.vatID = vatID;
  a.options = vat.options();
  a.name = a.options.value("name", "");
  std::string label = a.name.empty() ? vatID : fmt::format("{} ({})", vatID, a.name);
  a.options.erase("meterID");  // meters stay in their kernel
  a.bundleID = vat.source().value("bundleID", "");
  std::optional<std::string> bundle = a.bundleID.empty() ? std::nullopt : storage.bundles().getBundle(a.bundleID);
  if (!bundle) throw ConfigError(fmt::format("vat {}: its bundle '{}' is not in the bundle store", label, a.bundleID));
  a.bundle = std::move(*bundle);
  a.nextImportIDs = vat.nextImportIDs();

  a.span = storage.transcripts().getCurrentSpanBounds(vatID);
  if (a.span.endPos == a.span.startPos) {
    throw ConfigError(fmt::format("vat {} has no deliveries in its current transcript span: it has not started yet", label));
  }
  storage.transcripts().readSpan(vatID, std::nullopt, [&](std::string_view item) { a.transcript.emplace_back(item); });
  a.snapshot = storage.snapshots().readCompressed(vatID);
  if (a.snapshot) a.snapshot->info.compressedSize = a.snapshot->gzip.size();  // older stores recorded 0
  // Without a snapshot the vat is rebuilt from its bundle on the lockdown and supervisor it was
  // made with, which the importing kernel may not have. (A heap snapshot holds its own liveslots.)
  if (Json ids = recordedWorkerBundleIDs(a.options); !a.snapshot && ids.is_array()) {
    for (const Json& id : ids) {
      std::optional<std::string> text = id.is_string() ? storage.bundles().getBundle(id.get<std::string>()) : std::nullopt;
      if (!text) throw ConfigError(fmt::format("vat {}: its worker bundle {} is not in the bundle store", label, toJson(id)));
      a.workerBundles.push_back(std::move(*text));
    }
  }

  for (std::optional<std::string> k = vat.vatstoreGetNextKey(""); k; k = vat.vatstoreGetNextKey(*k)) {
    a.vatstore.emplace_back(*k, *vat.vatstoreGet(*k));
  }

  std::vector<std::pair<std::string, std::string>> entries;  // (vref, kref), in vref order
  for (const char* prefix : {"d", "o", "p"}) {
    for (auto& e : vat.clistEntries(prefix)) entries.push_back(std::move(e));
  }
  for (const auto& [vref, kref] : entries) {
    KernelSlot k = *KernelSlot::parse(kref);
    if (k.isDevice()) {
      throw ConfigError(fmt::format("vat {} holds device node {} ({}): devices cannot move to another kernel", label, vref, kref));
    }
    ArchivedRef r;
    r.vref = *VatSlot::parse(vref);
    r.reachable = vat.reachableFlag(kref);
    if (k.isPromise()) {
      KernelPromise p = state.getPromise(k);
      r.state = p.state;
      r.decidedByVat = p.state == PromiseState::kUnresolved && p.decider == vatID;
      // A settled promise still in the c-list awaits its notify (or was never subscribed to, and
      // liveslots ignores a notify it does not expect).
      r.subscribed = p.state != PromiseState::kUnresolved ||
                     std::find(p.subscribers.begin(), p.subscribers.end(), vatID) != p.subscribers.end();
      if (p.state != PromiseState::kUnresolved && p.data.slots.empty()) r.data = p.data;
    }
    a.clist.push_back(std::move(r));
  }

  if (std::optional<std::string> vp = state.kv().get(vatID + ".vatParameters")) {
    std::optional<Json> j = parseJson(*vp);
    a.vatParameters = j ? CapData::fromJson(*j) : std::nullopt;
    SS_INSIST(a.vatParameters, "{}.vatParameters is not capdata", vatID);
    for (std::string& slot : a.vatParameters->slots) {
      if (std::optional<std::string> vref = vat.vrefForKref(slot)) {
        slot = *vref;
      } else if (KernelSlot::parse(slot)->isDevice()) {
        throw ConfigError(fmt::format("vat {}: its vatParameters hold device node {}: devices cannot move to another kernel", label, slot));
      }  // else it stays a kref, which the importer replaces with a broken reference
    }
  }
  return a;
}

std::string encodeVatArchive(const VatArchive& a, std::string* payloadSha256) {
  std::string payload;
  auto part = [&](const std::string& name, const std::string& bytes) {
    payload += encodeNetstring(name);
    payload += encodeNetstring(bytes);
  };
  part("manifest", toJson(encodeManifest(a)));
  part("bundle", a.bundle);
  if (!a.workerBundles.empty()) part("workerBundles", netstrings(a.workerBundles));
  if (a.snapshot) part("snapshot", a.snapshot->gzip);
  part("transcript", netstrings(a.transcript));
  std::vector<std::string> vatstore;
  for (const auto& [k, v] : a.vatstore) {
    vatstore.push_back(k);
    vatstore.push_back(v);
  }
  part("vatstore", netstrings(vatstore));
  std::string hash = sha256Hex(payload);
  Json header = Json::object({{"format", kFormat}, {"version", kVersion}, {"payloadBytes", payload.size()}, {"payloadSha256", hash}});
  if (payloadSha256) *payloadSha256 = hash;
  return toJson(header) + "\n" + payload;
}

VatArchive decodeVatArchive(std::string_view bytes, const std::string& file, const std::string& expectedSha256) {
  size_t nl = bytes.substr(0, kMaxHeaderBytes).find('\n');
  std::optional<Json> header = nl == std::string_view::npos ? std::nullopt : parseJson(bytes.substr(0, nl));
  auto field = [&](const char* name) { return header->contains(name) ? (*header)[name] : Json(); };
  if (!header || !header->is_object() || field("format") != kFormat) {
    throw ConfigError(fmt::format("{}: not a vat archive (its first line is not a {} header)", file, kFormat));
  }
  if (field("version") != kVersion) {
    throw ConfigError(fmt::format("{}: archive version {} is not the supported {}", file, toJson(field("version")), kVersion));
  }
  std::string_view payload = bytes.substr(nl + 1);
  Fields h(*header, "header", file);
  std::string claimed = h.str("payloadSha256");
  uint64_t size = h.num("payloadBytes");
  // Canonical form: a header that parses to the same JSON from other bytes is still a changed file.
  Json canonical = Json::object({{"format", kFormat}, {"version", kVersion}, {"payloadBytes", size}, {"payloadSha256", claimed}});
  if (toJson(canonical) != bytes.substr(0, nl)) {
    throw ConfigError(fmt::format("{}: the header line is not as written by export-vat", file));
  }
  if (payload.size() != size) {
    throw ConfigError(fmt::format("{}: the payload is {} bytes, the header says {} (truncated or extended)", file, payload.size(), size));
  }
  std::string actual = sha256Hex(payload);
  if (actual != claimed) {
    throw ConfigError(fmt::format("{}: the payload's sha256 is {}, the header says {}: the archive was damaged or altered",
                                  file, actual, claimed));
  }
  if (!expectedSha256.empty() && actual != expectedSha256) {
    throw ConfigError(fmt::format("{}: the payload's sha256 is {}, not the expected {}: this is not the archive export-vat wrote",
                                  file, actual, expectedSha256));
  }

  std::map<std::string, std::string> parts = splitParts(payload, file);
  std::optional<Json> manifest = parseJson(parts["manifest"]);
  if (!manifest) throw ConfigError(fmt::format("{}: the manifest is not JSON", file));
  VatArchive a;
  decodeManifest(*manifest, a, file);
  a.bundle = std::move(parts["bundle"]);
  if (parts.count("workerBundles")) a.workerBundles = splitNetstrings(parts["workerBundles"], "workerBundles", file);
  if (parts.count("snapshot") != (a.snapshot ? 1u : 0u)) {
    throw ConfigError(fmt::format("{}: the manifest and the parts disagree on whether there is a snapshot", file));
  }
  if (a.snapshot) a.snapshot->gzip = std::move(parts["snapshot"]);
  a.transcript = splitNetstrings(parts["transcript"], "transcript", file);
  std::vector<std::string> kv = splitNetstrings(parts["vatstore"], "vatstore", file);
  if (kv.size() % 2 != 0) throw ConfigError(fmt::format("{}: part 'vatstore' has a key without a value", file));
  for (size_t i = 0; i < kv.size(); i += 2) a.vatstore.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
  checkParts(a, file);
  return a;
}

ImportedVat importVatArchive(KernelStorage& storage, Kernel& kernel, const WorkerPackages& packages,
                             const VatArchive& a, const std::string& nameOverride, const std::string& file) {
  KernelState& state = kernel.state();
  // Checks against this kernel, before any write.
  std::string name = nameOverride.empty() ? a.name : nameOverride;
  auto nameChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; };
  if (!name.empty() && (name.size() > 199 || !std::all_of(name.begin(), name.end(), nameChar))) {
    throw ConfigError(fmt::format("vat name '{}' is not 1-199 of A-Z a-z 0-9 . _ -", name));
  }
  if (parseVatID(name)) {  // the CLI looks names up before vat IDs: it would hide that vat
    throw ConfigError(fmt::format("vat name '{}' is a vat ID: name the vat otherwise (--name)", name));
  }
  if (!name.empty() && (state.vatIDForName(name) || !state.dynamicVatIDsNamed(name).empty())) {
    throw ConfigError(fmt::format("{}: this kernel already has a vat named '{}' (import it under another with --name)", file, name));
  }
  // A vat rebuilt from its bundle needs the worker bundles it recorded: ours, or the archive's.
  Json recorded = recordedWorkerBundleIDs(a.options);
  if (!a.snapshot && !recorded.is_null() && recorded != Json(packages.bundleIDs()) && a.workerBundles.empty()) {
    throw ConfigError(fmt::format("{}: the vat has no snapshot and was made with worker bundles {}, this kernel runs {}, and the "
                                  "archive does not carry them (an older export-vat wrote it): it would not replay",
                                  file, toJson(recorded), toJson(packages.bundleIDs())));
  }

  storage.startCrank();  // hashed into the activity hash, like initialization
  // catch: past the checks only a KernelPanic can get here, halfway through; latch the store so
  // the half-written vat is never committed.
  try {
    std::string vatID = state.allocateVatID();
    state.addDynamicVat(vatID);
    Json options = a.options;
    if (!name.empty()) options["name"] = name;
    // Its transcript replays only if liveslots is rebuilt under the vatID it was built with.
    if (!options.contains("liveSlotsVatID")) options["liveSlotsVatID"] = a.vatID;
    VatState vat(state, vatID);
    vat.initialize(toJson(Json::object({{"bundleID", a.bundleID}})), toJson(options));
    vat.setNextImportIDs(a.nextImportIDs);
    if (!storage.bundles().hasBundle(a.bundleID)) storage.bundles().addBundle(a.bundleID, a.bundle);
    for (size_t i = 0; i < a.workerBundles.size(); i++) {  // checkParts matched them to `recorded`
      std::string id = recorded[i].get<std::string>();
      if (!storage.bundles().hasBundle(id)) storage.bundles().addBundle(id, a.workerBundles[i]);
    }

    TranscriptStore& transcripts = storage.transcripts();
    transcripts.initTranscript(vatID, a.span.startPos, a.span.incarnation);
    for (const std::string& item : a.transcript) transcripts.addItem(vatID, item);
    SS_INSIST(transcripts.getCurrentSpanBounds(vatID) == a.span, "{}: the imported span of {} differs from the archive's", file, vatID);
    if (a.snapshot) storage.snapshots().insertSnapshot(vatID, a.snapshot->info, a.snapshot->gzip);
    for (const auto& [k, v] : a.vatstore) vat.vatstoreSet(k, v);

    // The c-list, counted as the kernel's own paths count it; promises from outside settle after.
    std::vector<std::pair<KernelSlot, const ArchivedRef*>> toSettle;
    for (const ArchivedRef& r : a.clist) {
      std::string kref;
      if (r.vref.isObject()) {
        kref = r.vref.allocatedByVat ? state.addKernelObject(vatID).str() : brokenObject(state, vatID);
        state.maybeFree().insert(kref);  // held by nobody here but the vat: GC decides
      } else {
        KernelSlot kp = state.addKernelPromise();
        if (r.decidedByVat) {
          state.setDecider(kp, vatID);
        } else {
          if (r.subscribed) state.addSubscriber(kp, vatID);
          toSettle.emplace_back(kp, &r);
        }
        kref = kp.str();
      }
      vat.addCListEntry(kref, r.vref, r.reachable);
    }
    CapData terminated = kernelError("vat terminated");
    for (const auto& [kp, r] : toSettle) {
      kernel.doResolve("", kp.str(), r->data ? r->state == PromiseState::kRejected : true, r->data ? *r->data : terminated);
    }

    if (a.vatParameters) {
      CapData vp = *a.vatParameters;
      for (std::string& slot : vp.slots) {
        if (VatSlot::parse(slot)) {  // decodeVatArchive checked that the c-list has it
          slot = *vat.krefForVref(slot);
        } else if (KernelSlot::parse(slot)->isObject()) {
          slot = brokenObject(state, vatID);
        } else {
          KernelSlot kp = state.addKernelPromise();
          kernel.doResolve("", kp.str(), true, terminated);
          slot = kp.str();
        }
      }
      state.kv().set(vatID + ".vatParameters", vp.str());
      state.incrementSlots(vp.slots);  // as processStartVat holds them
    }

    std::string root = *vat.mapVatSlotToKernelSlot(*VatSlot::parse("o+0"));
    state.pinObject(*KernelSlot::parse(root));
    kernel.processRefcounts();
    state.saveStats();
    storage.endCrank();
    return ImportedVat{vatID, name, root};
  } catch (...) {
    storage.markBroken(fmt::format("importing the vat archive {} failed halfway", file));
    throw;
  }
}

}  // namespace swingset
