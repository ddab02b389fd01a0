#include "kernel/supervisor_cache.h"

#include "base/file.h"
#include "base/json.h"
#include "base/panic.h"
#include "base/sha.h"
#include "store/snap_store.h"

namespace swingset {

// The file: one line of JSON {"key", "hash", "size"}, then the heap as gzip.
SupervisorCache::SupervisorCache(std::filesystem::path file, const WorkerPackages& packages) : file_(std::move(file)) {
  std::optional<std::string> binary = readFile(packages.xsnapWorker);
  key_ = binary ? sha256Hex("supervisor-cache/1\n" + sha256Hex(*binary) + "\n" + packages.lockdown.bundleID + "\n" +
                            packages.supervisor.bundleID)
                : "";
}

std::unique_ptr<SnapshotBuffer> SupervisorCache::read() const {
  if (key_.empty()) return nullptr;
  std::optional<std::string> bytes = readFile(file_);
  size_t eol = bytes ? bytes->find('\n') : std::string::npos;
  if (eol == std::string::npos) return nullptr;
  std::optional<Json> header = parseJson(std::string_view(*bytes).substr(0, eol));
  // Anything unexpected in the header means a damaged or foreign file: build the heap again.
  constexpr uint64_t kMaxHeap = 1ull << 30;  // a supervisor heap is ~8 MB
  if (!header || !header->is_object()) return nullptr;
  auto field = [&](const char* k) { return header->contains(k) ? &(*header)[k] : nullptr; };
  const Json *key = field("key"), *hash = field("hash"), *size = field("size");
  if (!key || !key->is_string() || *key != key_ || !hash || !hash->is_string() || !size || !size->is_number_unsigned() ||
      size->get<uint64_t>() > kMaxHeap) {
    return nullptr;
  }
  SnapStore::CompressedSnapshot c{{0, *hash, *size, bytes->size() - eol - 1}, bytes->substr(eol + 1)};
  auto heap = std::make_unique<SnapshotBuffer>();
  try {
    heap->refill(c.info.uncompressedSize, [&](char* raw) { SnapStore::inflateInto(c, "the supervisor cache", raw); });
  } catch (const KernelPanic&) {  // damaged: build it again
    return nullptr;
  }
  return heap;
}

void SupervisorCache::write(SnapshotBuffer& heap, const std::string& hash) const {
  if (key_.empty()) return;
  Json header = Json::object({{"key", key_}, {"hash", hash}, {"size", heap.size()}});
  writeFileAtomically(file_, toJson(header) + "\n" + SnapStore::gzip(heap.readAll()));
}

}  // namespace swingset
