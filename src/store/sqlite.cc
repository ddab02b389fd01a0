#include "store/sqlite.h"

#include <sqlite3.h>

#include "base/panic.h"

namespace swingset {

Statement::Statement(Db& db, std::string_view sql) : db_(db), sql_(sql) {
  if (sqlite3_prepare_v3(db_.raw(), sql_.data(), static_cast<int>(sql_.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    db_.panicWithSqlError(sql_);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bindText(int i, std::string_view v) {
  // A non-null pointer even for "", so an empty string binds as '' rather than NULL.
  if (sqlite3_bind_text64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK)
    db_.panicWithSqlError(sql_);
  return *this;
}
Statement& Statement::bindBlob(int i, std::string_view v) {
  if (sqlite3_bind_blob64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    db_.panicWithSqlError(sql_);
  return *this;
}
Statement& Statement::bindInt64(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) db_.panicWithSqlError(sql_);
  return *this;
}
Statement& Statement::bindNull(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) db_.panicWithSqlError(sql_);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.panicWithSqlError(sql_);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);  // its return code repeats the last step()'s, already handled
  sqlite3_clear_bindings(stmt_);
}

bool Statement::columnIsNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
std::string_view Statement::columnText(int i) {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  int n = sqlite3_column_bytes(stmt_, i);
  return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
}
std::string_view Statement::columnBlob(int i) {
  const void* p = sqlite3_column_blob(stmt_, i);
  int n = sqlite3_column_bytes(stmt_, i);
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}
int64_t Statement::columnInt64(int i) { return sqlite3_column_int64(stmt_, i); }

Db::Db(const std::string& path, int flags) : path_(path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    panic(fmt::format("cannot open SQLite database {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() { close(); }

void Db::close() {
  cache_.clear();
  sqlite3_close_v2(db_);  // rolls back an open transaction
  db_ = nullptr;
}

sqlite3* Db::raw() {
  if (!db_) panic(fmt::format("SQLite database {} is closed", path_));
  return db_;
}

void Db::exec(std::string_view sql) {
  std::string s(sql);
  if (sqlite3_exec(raw(), s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) panicWithSqlError(s);
}

Statement& Db::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql)).first;
  } else {
    it->second->reset();
  }
  return *it->second;
}

std::unique_ptr<Statement> Db::prepareFresh(std::string_view sql) {
  return std::make_unique<Statement>(*this, sql);
}

bool Db::inTxn() const { return db_ && sqlite3_get_autocommit(db_) == 0; }

void Db::ensureTxn() {
  if (!inTxn()) prepare("BEGIN IMMEDIATE TRANSACTION").run();
}

void Db::markBroken(std::string_view why) noexcept {
  if (broken_) return;
  try {
    broken_ = std::string(why);
  } catch (...) {  // noexcept: out of memory still latches, with a fixed reason
    broken_.emplace();
  }
}

void Db::panic(const std::string& what, std::source_location at) {
  markBroken(what);
  ::swingset::panic(what, at);
}

void Db::panicWithSqlError(std::string_view sql) {
  panic(fmt::format("SQLite error in {} ({}): {}", path_, sql,
                    db_ ? sqlite3_errmsg(db_) : "no connection"));
}

}  // namespace swingset
