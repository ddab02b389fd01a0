#pragma once
// A thin SQLite wrapper owned by SwingStore: one connection, a cache of prepared statements, and
// the store's "broken" latch. Every SQLite error panics (KernelPanic naming the SQL and
// sqlite3_errmsg) and latches the Db broken; so does Db::panic, which store code uses instead of
// SS_INSIST so that any failed store operation leaves nothing that can be committed.
#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/panic.h"

struct sqlite3;
struct sqlite3_stmt;

namespace swingset {

class Db;

// One prepared statement. Bind indexes are 1-based, column indexes 0-based; column views are
// valid until the next step() or reset().
class Statement {
 public:
  Statement(Db& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bindText(int i, std::string_view v);
  Statement& bindBlob(int i, std::string_view v);
  Statement& bindInt64(int i, int64_t v);
  Statement& bindNull(int i);
  bool step();   // true: a row is ready; false: done
  void run();    // steps to completion, then resets
  void reset();  // also clears bindings

  bool columnIsNull(int i);
  std::string_view columnText(int i);
  std::string_view columnBlob(int i);
  int64_t columnInt64(int i);

 private:
  Db& db_;  // owns the cache that owns us
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

class Db {
 public:
  // `flags` are sqlite3_open_v2 flags. Panics if SQLite cannot open `path`.
  Db(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);
  // The cached statement for `sql`, reset and with bindings cleared: prepared once per text. A
  // later prepare() of the same text resets it, so never nest two uses of one SQL text.
  Statement& prepare(std::string_view sql);
  // An uncached statement, for iterations that call back into the store.
  std::unique_ptr<Statement> prepareFresh(std::string_view sql);

  // Starts `BEGIN IMMEDIATE` unless a transaction is open; every write calls this first.
  void ensureTxn();
  bool inTxn() const;
  // Finalizes all statements and closes the connection; an open transaction is abandoned.
  void close();

  // The broken latch: one-way, first reason wins.
  void markBroken(std::string_view why) noexcept;
  const std::optional<std::string>& brokenReason() const { return broken_; }
  [[noreturn]] void panic(const std::string& what,
                          std::source_location at = std::source_location::current());
  [[noreturn]] void panicWithSqlError(std::string_view sql);

  sqlite3* raw();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::optional<std::string> broken_;
};

}  // namespace swingset

// SS_INSIST for store code: also latches `db` broken.
#define SS_STORE_INSIST(db, cond, ...)        \
  do {                                        \
    if (!(cond)) [[unlikely]]                 \
      (db).panic(::fmt::format(__VA_ARGS__)); \
  } while (0)
