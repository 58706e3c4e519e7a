#include "core/sqlite_db.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

namespace airlock::core {

namespace {
constexpr std::uintmax_t kWalTruncateBytes = 256 * 1024;
}

Status sqliteExec(sqlite3* db, const char* sql, std::string_view what, const std::string& path) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return makeError(Code::kUnavailable, fmt::format("{}: {}", what, msg), path);
  }
  return {};
}

Status sqliteRun(sqlite3* db, SqliteStmt& slot, const char* sql, std::string_view what, const std::string& path) {
  if (!slot) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      return makeError(Code::kUnavailable, fmt::format("{}: {}", what, sqlite3_errmsg(db)), path);
    slot.reset(st);
  }
  const int rc = sqlite3_step(slot.get());
  sqlite3_reset(slot.get());
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return makeError(Code::kUnavailable, fmt::format("{}: {}", what, sqlite3_errmsg(db)), path);
  return {};
}

Result<SqliteStmt> sqlitePrepare(sqlite3* db, const char* sql, std::string_view what, const std::string& path) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    return makeError(Code::kUnavailable, fmt::format("{}: preparing statement: {}", what, sqlite3_errmsg(db)), path);
  return SqliteStmt(s);
}

Result<SqliteDb> openStateDb(const std::string& path, std::string_view what) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return makeError(Code::kUnavailable, fmt::format("cannot create {}: {}", parent.string(), ec.message()), path);
    chmod(parent.c_str(), 0700);
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db(raw);
  auto fail = [&](std::string_view doing) {
    return makeError(Code::kUnavailable,
                     fmt::format("{}: {}: {}", what, doing, db ? sqlite3_errmsg(db.get()) : "out of memory"), path);
  };
  if (rc != SQLITE_OK) return fail("cannot open");
  chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(db.get(), 10000);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // Switching a new database to WAL needs an exclusive lock, and SQLite answers BUSY at once
  // (without the busy handler) while another process is creating the same file: retry for up
  // to 10 s. Once the file is in WAL mode this is a no-op that takes no lock.
  int attempts = 0;
  while ((rc = sqlite3_exec(db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr)) == SQLITE_BUSY ||
         rc == SQLITE_LOCKED) {
    if (++attempts > 5000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (rc != SQLITE_OK || sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("cannot set the journal mode");
  auto walSize = std::filesystem::file_size(path + "-wal", ec);
  if (!ec && walSize > kWalTruncateBytes) {
    // Best effort: busy readers in other processes just postpone it to a later open.
    (void)sqlite3_wal_checkpoint_v2(db.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  return db;
}

}  // namespace airlock::core
