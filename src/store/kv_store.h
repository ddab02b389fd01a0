#pragma once
// The kvStore table: string keys and values, ordered by bytes (BINARY collation). Two facets share
// one table: the kernel's (refuses `host.` keys; writes of consensus keys, i.e. neither `local.`
// nor `host.`, feed the crank hasher) and the host's (writes `host.` keys only). Reads are
// unrestricted. Owned by SwingStore; each write opens the lazy transaction first.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace swingset {

class CrankHasher;
class Db;

enum class KeyClass { kConsensus, kLocal, kHost };
KeyClass keyClass(std::string_view key);

class KVStore {
 public:
  enum class Facet { kKernel, kHost };
  // `hasher` (owned by SwingStore) is used only by the kernel facet.
  KVStore(Db& db, Facet facet, CrankHasher& hasher) : db_(db), facet_(facet), hasher_(hasher) {}
  KVStore(const KVStore&) = delete;
  KVStore& operator=(const KVStore&) = delete;

  std::optional<std::string> get(std::string_view key);
  std::string getRequired(std::string_view key);  // panics if absent
  bool has(std::string_view key);
  // The smallest key strictly greater than `key` in byte order, if any.
  std::optional<std::string> getNextKey(std::string_view key);
  // Calls fn(key, value) for each key starting with `prefix`, in byte order. fn may write to
  // the store: iteration re-seeks with getNextKey after each call.
  void forEachWithPrefix(std::string_view prefix,
                         const std::function<void(std::string_view, std::string_view)>& fn);

  void set(std::string_view key, std::string_view value);
  void remove(std::string_view key);  // absent is fine (and still hashed)

  // Writes without facet checks or hashing: for the store's own `activityhash`.
  void setRaw(std::string_view key, std::string_view value);

 private:
  void checkWritable(std::string_view key);

  Db& db_;  // owned by SwingStore
  Facet facet_;
  CrankHasher& hasher_;  // owned by SwingStore
};

}  // namespace swingset
