#include "store/kv_store.h"

#include "store/crank_hash.h"
#include "store/sqlite.h"

namespace swingset {

KeyClass keyClass(std::string_view key) {
  if (key.starts_with("local.")) return KeyClass::kLocal;
  if (key.starts_with("host.")) return KeyClass::kHost;
  return KeyClass::kConsensus;
}

std::optional<std::string> KVStore::get(std::string_view key) {
  Statement& s = db_.prepare("SELECT value FROM kvStore WHERE key = ?");
  s.bindText(1, key);
  if (!s.step()) return std::nullopt;
  std::string v(s.columnText(0));
  s.reset();
  return v;
}

std::string KVStore::getRequired(std::string_view key) {
  std::optional<std::string> v = get(key);
  SS_STORE_INSIST(db_, v.has_value(), "storage lacks required key {}", key);
  return *v;
}

bool KVStore::has(std::string_view key) { return get(key).has_value(); }

std::optional<std::string> KVStore::getNextKey(std::string_view key) {
  Statement& s = db_.prepare("SELECT key FROM kvStore WHERE key > ? ORDER BY key LIMIT 1");
  s.bindText(1, key);
  if (!s.step()) return std::nullopt;
  std::string k(s.columnText(0));
  s.reset();
  return k;
}

void KVStore::forEachWithPrefix(std::string_view prefix,
                                const std::function<void(std::string_view, std::string_view)>& fn) {
  // Start just below the prefix: its first key may be the prefix itself.
  std::optional<std::string> key =
      has(prefix) ? std::optional<std::string>(prefix) : getNextKey(prefix);
  while (key && key->starts_with(prefix)) {
    if (std::optional<std::string> v = get(*key)) fn(*key, *v);
    key = getNextKey(*key);
  }
}

void KVStore::checkWritable(std::string_view key) {
  bool host = keyClass(key) == KeyClass::kHost;
  if (facet_ == Facet::kKernel) {
    SS_STORE_INSIST(db_, !host, "the kernel's kvStore refuses host key {}", key);
  } else {
    SS_STORE_INSIST(db_, host, "the host's kvStore writes only host. keys, not {}", key);
  }
}

void KVStore::set(std::string_view key, std::string_view value) {
  checkWritable(key);
  setRaw(key, value);
  if (facet_ == Facet::kKernel && keyClass(key) == KeyClass::kConsensus) {
    hasher_.add("add\n");
    hasher_.add(key);
    hasher_.add("\n");
    hasher_.add(value);
    hasher_.add("\n");
  }
}

void KVStore::remove(std::string_view key) {
  checkWritable(key);
  db_.ensureTxn();
  db_.prepare("DELETE FROM kvStore WHERE key = ?").bindText(1, key).run();
  if (facet_ == Facet::kKernel && keyClass(key) == KeyClass::kConsensus) {
    hasher_.add("delete\n");
    hasher_.add(key);
    hasher_.add("\n");
  }
}

void KVStore::setRaw(std::string_view key, std::string_view value) {
  db_.ensureTxn();
  db_.prepare(
         "INSERT INTO kvStore (key, value) VALUES (?, ?) "
         "ON CONFLICT DO UPDATE SET value = excluded.value")
      .bindText(1, key)
      .bindText(2, value)
      .run();
}

}  // namespace swingset
