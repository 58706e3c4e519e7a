#include "flow/session.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/sqlite_db.h"

namespace airlock::flow {

using core::Code;
using core::makeError;

namespace {

using Db = core::SqliteDb;
using Stmt = core::SqliteStmt;

// Counters are stored as "id\tfiles\tbytes\n" lines: ids are policy names ([A-Za-z0-9._-[]])
// so they cannot contain tabs or newlines.
std::string encodeCounters(const std::map<std::string, Counter>& counters) {
  std::string out;
  for (const auto& [id, c] : counters) out += fmt::format("{}\t{}\t{}\n", id, c.files, c.bytes);
  return out;
}

std::map<std::string, Counter> decodeCounters(std::string_view text) {
  std::map<std::string, Counter> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto t1 = line.find('\t');
    auto t2 = line.find('\t', t1 == std::string_view::npos ? t1 : t1 + 1);
    if (t1 == std::string_view::npos || t2 == std::string_view::npos) continue;
    Counter c;
    c.files = std::strtoll(std::string(line.substr(t1 + 1, t2 - t1 - 1)).c_str(), nullptr, 10);
    c.bytes = std::strtoll(std::string(line.substr(t2 + 1)).c_str(), nullptr, 10);
    out[std::string(line.substr(0, t1))] = c;
  }
  return out;
}

}  // namespace

struct SessionStore::Impl {
  Db db;
  const core::Clock* clock = nullptr;
  Stmt select;
  Stmt upsert;
  std::string path;

  core::Error sqlError(const std::string& what) const {
    return makeError(Code::kUnavailable, fmt::format("{}: {}", what, sqlite3_errmsg(db.get())), path);
  }

  core::Status exec(const char* sql) { return core::sqliteExec(db.get(), sql, "session store", path); }
  // The transaction statements of every write, prepared once.
  Stmt beginStmt, commitStmt, rollbackStmt;
  core::Status begin() { return core::sqliteRun(db.get(), beginStmt, "BEGIN IMMEDIATE", "session store", path); }
  core::Status commit() { return core::sqliteRun(db.get(), commitStmt, "COMMIT", "session store", path); }
  void rollback() { (void)core::sqliteRun(db.get(), rollbackStmt, "ROLLBACK", "session store", path); }

  core::Result<SessionState> read(const std::string& id) {
    SessionState s;
    s.id = id;
    sqlite3_reset(select.get());
    sqlite3_bind_text(select.get(), 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(select.get());
    if (rc == SQLITE_ROW) {
      s.label.level = static_cast<std::uint8_t>(sqlite3_column_int(select.get(), 0));
      s.label.categories = static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 1));
      s.untrusted = sqlite3_column_int(select.get(), 2) != 0;
      s.filesRead = sqlite3_column_int64(select.get(), 3);
      s.bytesRead = sqlite3_column_int64(select.get(), 4);
      const unsigned char* c = sqlite3_column_text(select.get(), 5);
      if (c) s.counters = decodeCounters(reinterpret_cast<const char*>(c));
      s.createdMicros = sqlite3_column_int64(select.get(), 6);
      s.updatedMicros = sqlite3_column_int64(select.get(), 7);
    } else if (rc != SQLITE_DONE) {
      auto e = sqlError("reading session");
      sqlite3_reset(select.get());
      return e;
    }
    sqlite3_reset(select.get());
    return s;
  }
};

SessionStore::SessionStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SessionStore::~SessionStore() = default;

core::Result<std::unique_ptr<SessionStore>> SessionStore::open(const std::string& path, const core::Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->clock = &clock;
  impl->path = path;
  auto db = core::openStateDb(path, "session store");
  if (!db) return db.error();
  impl->db = std::move(*db);
  if (auto st = impl->exec(
          "CREATE TABLE IF NOT EXISTS sessions(id TEXT PRIMARY KEY, level INTEGER NOT NULL, categories INTEGER "
          "NOT NULL, untrusted INTEGER NOT NULL, files_read INTEGER NOT NULL, bytes_read INTEGER NOT NULL, "
          "counters TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL)");
      !st)
    return st.error();
  if (auto st = impl->exec("CREATE TABLE IF NOT EXISTS pins(key TEXT PRIMARY KEY, digest TEXT NOT NULL, since INTEGER NOT NULL)");
      !st)
    return st.error();
  auto select = core::sqlitePrepare(impl->db.get(),
                                    "SELECT level, categories, untrusted, files_read, bytes_read, counters, created, "
                                    "updated FROM sessions WHERE id = ?1",
                                    "session store", path);
  if (!select) return select.error();
  impl->select = std::move(*select);
  auto upsert = core::sqlitePrepare(
      impl->db.get(),
      "INSERT INTO sessions(id, level, categories, untrusted, files_read, bytes_read, counters, created, updated) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO UPDATE SET level=excluded.level, "
      "categories=excluded.categories, untrusted=excluded.untrusted, files_read=excluded.files_read, "
      "bytes_read=excluded.bytes_read, counters=excluded.counters, updated=excluded.updated",
      "session store", path);
  if (!upsert) return upsert.error();
  impl->upsert = std::move(*upsert);
  return std::make_unique<SessionStore>(std::move(impl));
}

core::Result<SessionState> SessionStore::load(const std::string& id) { return impl_->read(id); }

core::Result<SessionStore::Pin> SessionStore::pin(const std::string& key, const std::string& digest, bool replace) {
  if (auto st = impl_->begin(); !st) return st.error();
  auto rollback = [&] { impl_->rollback(); };
  auto read = core::sqlitePrepare(impl_->db.get(), "SELECT digest, since FROM pins WHERE key = ?1", "session store", impl_->path);
  if (!read) {
    rollback();
    return read.error();
  }
  sqlite3_bind_text(read->get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  Pin before;
  int rc = sqlite3_step(read->get());
  if (rc == SQLITE_ROW) {
    const unsigned char* d = sqlite3_column_text(read->get(), 0);
    before.digest = d ? reinterpret_cast<const char*>(d) : "";
    before.sinceMicros = sqlite3_column_int64(read->get(), 1);
  } else if (rc != SQLITE_DONE) {
    auto e = impl_->sqlError("reading a pin");
    rollback();
    return e;
  }
  if (before.digest.empty() || (replace && before.digest != digest)) {
    auto write = core::sqlitePrepare(impl_->db.get(),
                                     "INSERT INTO pins(key, digest, since) VALUES(?1, ?2, ?3) ON CONFLICT(key) DO UPDATE "
                                     "SET digest=excluded.digest, since=excluded.since",
                                     "session store", impl_->path);
    if (!write) {
      rollback();
      return write.error();
    }
    sqlite3_bind_text(write->get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(write->get(), 2, digest.data(), static_cast<int>(digest.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(write->get(), 3, impl_->clock->nowMicros());
    if (sqlite3_step(write->get()) != SQLITE_DONE) {
      auto e = impl_->sqlError("writing a pin");
      rollback();
      return e;
    }
  }
  if (auto st = impl_->commit(); !st) {
    rollback();
    return st.error();
  }
  return before;
}

core::Result<SessionState> SessionStore::update(const std::string& id,
                                                const std::function<core::Status(SessionState&)>& fn) {
  if (auto st = impl_->begin(); !st) return st.error();
  auto rollback = [&] { impl_->rollback(); };  // best effort: the error already being returned matters more
  auto state = impl_->read(id);
  if (!state) {
    rollback();
    return state.error();
  }
  SessionState s = std::move(*state);
  std::int64_t now = impl_->clock->nowMicros();
  if (s.createdMicros == 0) s.createdMicros = now;
  s.updatedMicros = now;
  if (auto st = fn(s); !st) {
    rollback();
    return st.error();
  }
  sqlite3_stmt* u = impl_->upsert.get();
  sqlite3_reset(u);
  std::string counters = encodeCounters(s.counters);
  sqlite3_bind_text(u, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(u, 2, s.label.level);
  sqlite3_bind_int64(u, 3, static_cast<sqlite3_int64>(s.label.categories));
  sqlite3_bind_int(u, 4, s.untrusted ? 1 : 0);
  sqlite3_bind_int64(u, 5, s.filesRead);
  sqlite3_bind_int64(u, 6, s.bytesRead);
  sqlite3_bind_text(u, 7, counters.data(), static_cast<int>(counters.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(u, 8, s.createdMicros);
  sqlite3_bind_int64(u, 9, s.updatedMicros);
  if (sqlite3_step(u) != SQLITE_DONE) {
    auto e = impl_->sqlError("writing session");
    sqlite3_reset(u);
    rollback();
    return e;
  }
  sqlite3_reset(u);
  if (auto st = impl_->commit(); !st) {
    rollback();
    return st.error();
  }
  return s;
}

}  // namespace airlock::flow
