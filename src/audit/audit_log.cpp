#include "audit/audit_log.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "core/sqlite_db.h"
#include "core/text.h"

namespace airlock::audit {

using core::Code;
using core::makeError;

namespace {

constexpr const char* kFormat = "airlock-audit/1";
const std::string kZeroHash(64, '0');

using Db = core::SqliteDb;
using Stmt = core::SqliteStmt;

// hash = SHA-256(prev_hash as 64 ASCII hex characters || canonical encoding bytes)
std::string chainHash(const std::string& prevHex, const std::string& encoding) { return core::Sha256().update(prevHex).update(encoding).hexDigest(); }

std::string text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, col))) : "";
}

// The canonical encoding, with the event's time already formatted (append() stores it in a
// column too).
std::string encode(const Event& e, std::string_view time) {
  // Compact JSON with the keys in byte order (what nlohmann::json's sorted object dumps).
  std::string out;
  std::size_t size = 320 + e.resource.size();
  for (const auto& r : e.reasons) size += r.size() + 3;
  out.reserve(size);
  auto key = [&](std::string_view k) {
    out += out.empty() ? '{' : ',';
    out += '"';
    out.append(k);
    out += "\":";
  };
  // A string field; with `nullIfEmpty`, an empty one is null (rule, sink, digest).
  auto text = [&](std::string_view k, std::string_view v, bool nullIfEmpty = false) {
    key(k);
    if (nullIfEmpty && v.empty()) out += "null";
    else core::appendJsonString(out, v);
  };
  text("action", e.action);
  text("adapter", e.adapter);
  text("agent", e.agent);
  if (!e.credential.empty()) text("credential", e.credential);  // absent from older records
  text("decision", e.decision);
  text("digest", e.digest, true);
  text("kind", e.kind);
  text("payload_label", e.payloadLabel);
  text("reason", e.reason);
  key("reasons");
  out += '[';
  for (std::size_t i = 0; i < e.reasons.size(); ++i) {
    if (i) out += ',';
    core::appendJsonString(out, e.reasons[i]);
  }
  out += ']';
  text("resource", e.resource);
  text("rule", e.rule, true);
  text("session", e.session);
  text("session_label", e.sessionLabel);
  text("sink", e.sink, true);
  key("size");
  out += e.size < 0 ? std::string("null") : std::to_string(e.size);
  text("time", time);
  key("time_us");
  out += std::to_string(e.timeMicros);
  key("untrusted");
  out += e.untrusted ? "true" : "false";
  text("user", e.user);
  out += '}';
  return out;
}

}  // namespace

std::string canonicalEncoding(const Event& e) { return encode(e, core::formatTimestamp(e.timeMicros)); }

struct AuditLog::Impl {
  Db db;
  const core::Clock* clock = nullptr;
  std::string path;
  Stmt insert, readHead, writeHead, selectTail, selectSince, selectAll, dataVersion;
  // The head this connection last committed, and the database's data_version then: while no
  // other connection has committed since (data_version, read inside the write transaction, is
  // unchanged by this connection's own commits), the head need not be read again.
  std::optional<std::pair<std::int64_t, std::string>> ownHead;
  std::int64_t ownVersion = -1;
  std::int64_t version() {
    sqlite3_stmt* s = dataVersion.get();
    sqlite3_reset(s);
    const std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return v;
  }

  core::Error sqlError(const std::string& what) const {
    return makeError(Code::kUnavailable, fmt::format("{}: {}", what, sqlite3_errmsg(db.get())), path);
  }
  core::Status exec(const char* sql) { return core::sqliteExec(db.get(), sql, "audit log", path); }
  // The transaction statements of every write, prepared once.
  Stmt beginStmt, commitStmt, rollbackStmt;
  core::Status begin() { return core::sqliteRun(db.get(), beginStmt, "BEGIN IMMEDIATE", "audit log", path); }
  core::Status commit() { return core::sqliteRun(db.get(), commitStmt, "COMMIT", "audit log", path); }
  void rollback() { (void)core::sqliteRun(db.get(), rollbackStmt, "ROLLBACK", "audit log", path); }
  core::Result<Stmt> prepare(const char* sql) { return core::sqlitePrepare(db.get(), sql, "audit log", path); }
  // Statements only readers need are prepared on first use: `airlock hook` appends and exits.
  core::Result<sqlite3_stmt*> lazy(Stmt& slot, const char* sql) {
    if (!slot) {
      auto p = prepare(sql);
      if (!p) return p.error();
      slot = std::move(*p);
    }
    return slot.get();
  }
  core::Result<std::vector<Record>> collect(sqlite3_stmt* s) {
    std::vector<Record> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      Record r;
      r.seq = sqlite3_column_int64(s, 0);
      r.prevHash = text(s, 1);
      r.hash = text(s, 2);
      r.encoding = text(s, 3);
      out.push_back(std::move(r));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return sqlError("reading records");
    return out;
  }
  core::Result<std::pair<std::int64_t, std::string>> head() {
    sqlite3_stmt* s = readHead.get();
    sqlite3_reset(s);
    std::int64_t seq = -1;
    std::string hash;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::string key = text(s, 0);
      if (key == "head_seq") seq = std::strtoll(text(s, 1).c_str(), nullptr, 10);
      if (key == "head_hash") hash = text(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return sqlError("reading the head");
    if (seq < 0 || hash.size() != 64) return makeError(Code::kDataLoss, "the head record of the audit log is missing", path);
    return std::make_pair(seq, hash);
  }
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::~AuditLog() = default;

core::Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path, const core::Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->clock = &clock;
  impl->path = path;
  auto db = core::openStateDb(path, "audit log");
  if (!db) return db.error();
  impl->db = std::move(*db);
  // Create the schema once, atomically; an existing database must be ours.
  if (auto st = impl->exec("BEGIN IMMEDIATE"); !st) return st.error();
  auto fail = [&](core::Error e) {
    (void)impl->exec("ROLLBACK");  // best effort
    return e;
  };
  {
    auto tables = impl->prepare("SELECT name FROM sqlite_master WHERE type='table'");
    if (!tables) return fail(tables.error());
    bool hasMeta = false, hasEvents = false, any = false;
    while (sqlite3_step(tables->get()) == SQLITE_ROW) {
      std::string n = text(tables->get(), 0);
      any = true;
      hasMeta = hasMeta || n == "meta";
      hasEvents = hasEvents || n == "events";
    }
    if (any && !hasMeta)
      return fail(makeError(Code::kUnavailable, "not an airlock audit log (no meta table)", path));
    if (!any) {
      if (auto st = impl->exec(
              "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "CREATE TABLE events(seq INTEGER PRIMARY KEY, time TEXT NOT NULL, prev_hash TEXT NOT NULL, "
              "hash TEXT NOT NULL, record TEXT NOT NULL);"
              "INSERT INTO meta VALUES('format', 'airlock-audit/1'), ('head_seq', '0'), "
              "('head_hash', '0000000000000000000000000000000000000000000000000000000000000000');");
          !st)
        return fail(st.error());
    } else {
      auto fmtStmt = impl->prepare("SELECT value FROM meta WHERE key='format'");
      if (!fmtStmt) return fail(fmtStmt.error());
      bool ok = sqlite3_step(fmtStmt->get()) == SQLITE_ROW && text(fmtStmt->get(), 0) == kFormat;
      if (!ok) return fail(makeError(Code::kUnavailable, "not an airlock audit log (unknown format)", path));
      (void)hasEvents;
    }
  }
  if (auto st = impl->exec("COMMIT"); !st) return fail(st.error());
  struct {
    Stmt* slot;
    const char* sql;
  } stmts[] = {
      {&impl->insert, "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&impl->readHead, "SELECT key, value FROM meta WHERE key IN ('head_seq', 'head_hash')"},
      {&impl->writeHead, "UPDATE meta SET value = ?2 WHERE key = ?1"},
      {&impl->dataVersion, "PRAGMA data_version"},
  };
  for (auto& s : stmts) {
    auto p = impl->prepare(s.sql);
    if (!p) return p.error();
    *s.slot = std::move(*p);
  }
  return std::make_unique<AuditLog>(std::move(impl));
}

core::Result<std::int64_t> AuditLog::append(Event event) {
  if (event.timeMicros == 0) event.timeMicros = impl_->clock->nowMicros();
  const std::string time = core::formatTimestamp(event.timeMicros);
  std::string encoding = encode(event, time);
  if (auto st = impl_->begin(); !st) return st.error();
  auto fail = [&](core::Error e) -> core::Result<std::int64_t> {
    impl_->rollback();  // best effort
    impl_->ownHead.reset();
    return e;
  };
  const std::int64_t version = impl_->version();
  auto head = impl_->ownHead && version >= 0 && version == impl_->ownVersion
                  ? core::Result<std::pair<std::int64_t, std::string>>(*impl_->ownHead)
                  : impl_->head();
  if (!head) return fail(head.error());
  std::int64_t seq = head->first + 1;
  std::string hash = chainHash(head->second, encoding);
  sqlite3_stmt* ins = impl_->insert.get();
  sqlite3_reset(ins);
  sqlite3_bind_int64(ins, 1, seq);
  sqlite3_bind_text(ins, 2, time.data(), static_cast<int>(time.size()), SQLITE_STATIC);
  sqlite3_bind_text(ins, 3, head->second.data(), 64, SQLITE_STATIC);
  sqlite3_bind_text(ins, 4, hash.data(), 64, SQLITE_STATIC);
  sqlite3_bind_text(ins, 5, encoding.data(), static_cast<int>(encoding.size()), SQLITE_STATIC);
  int rc = sqlite3_step(ins);
  sqlite3_reset(ins);
  if (rc != SQLITE_DONE) return fail(impl_->sqlError("appending an event"));
  // The head moves with the record. (Two single-row statements: one updating both rows would
  // need a statement journal, a temporary file, and costs more than the second statement.)
  const std::string seqText = std::to_string(seq);
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"head_seq", &seqText}, {"head_hash", &hash}}) {
    sqlite3_stmt* w = impl_->writeHead.get();
    sqlite3_reset(w);
    sqlite3_bind_text(w, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(w, 2, value->data(), static_cast<int>(value->size()), SQLITE_STATIC);
    rc = sqlite3_step(w);
    sqlite3_reset(w);
    if (rc != SQLITE_DONE || sqlite3_changes(impl_->db.get()) != 1) return fail(impl_->sqlError("updating the head"));
  }
  if (auto st = impl_->commit(); !st) return fail(st.error());
  impl_->ownHead.emplace(seq, std::move(hash));
  impl_->ownVersion = version;
  return seq;
}

core::Result<std::vector<Record>> AuditLog::tail(std::int64_t n) {
  auto s = impl_->lazy(impl_->selectTail,
                       "SELECT seq, prev_hash, hash, record FROM (SELECT * FROM events ORDER BY seq DESC LIMIT ?1) "
                       "ORDER BY seq");
  if (!s) return s.error();
  sqlite3_reset(*s);
  sqlite3_bind_int64(*s, 1, n < 0 ? 0 : n);
  return impl_->collect(*s);
}

core::Result<std::vector<Record>> AuditLog::since(std::int64_t afterSeq) {
  auto s = impl_->lazy(impl_->selectSince, "SELECT seq, prev_hash, hash, record FROM events WHERE seq > ?1 ORDER BY seq");
  if (!s) return s.error();
  sqlite3_reset(*s);
  sqlite3_bind_int64(*s, 1, afterSeq);
  return impl_->collect(*s);
}

core::Status AuditLog::forEach(const std::function<bool(const Record&)>& fn) {
  auto prepared = impl_->lazy(impl_->selectAll, "SELECT seq, prev_hash, hash, record FROM events ORDER BY seq");
  if (!prepared) return prepared.error();
  sqlite3_stmt* s = *prepared;
  sqlite3_reset(s);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Record r{sqlite3_column_int64(s, 0), text(s, 1), text(s, 2), text(s, 3)};
    if (!fn(r)) {
      sqlite3_reset(s);
      return {};
    }
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return impl_->sqlError("reading records");
  return {};
}

// Classification of the first problem, walking records in seq order (all reads in one read
// transaction, so a concurrent append is either wholly seen or not at all):
//  - a seq below the expected one (0, negative) → "inserted"; a gap in seq numbers → "deleted"
//    at the first missing seq;
//  - hash or prev_hash not 64 lower-case hex digits, or a record that is not a JSON object →
//    "malformed";
//  - a record whose stored hash is not SHA-256(prev_hash || record) → "changed" (its content,
//    its prev_hash or its hash was edited); likewise a time column that differs from the
//    record's "time";
//  - a self-consistent record whose prev_hash is not the previous record's hash:
//      links to a record further on → the records were swapped: "reordered" at this record;
//      repeats an earlier record (same hash) → a copy put out of place: "reordered";
//      links to an earlier record than its predecessor → the records in between were forged in:
//      "inserted" at the first of them;
//      links to nothing → "inserted" (a forged record, or its predecessor was replaced and
//      rehashed, or removed and the rest renumbered; the walk cannot tell which);
//  - fewer records than the head counts → "truncated"; more, or a head hash that is not the last
//    record's → "inserted" / "changed" (records added after the head, or the head rewound).
core::Result<VerifyReport> AuditLog::verify() {
  // One snapshot for the records and the head: without it an append landing between the two
  // reads looks like a truncated log.
  if (auto st = impl_->exec("BEGIN"); !st) return st.error();
  struct EndRead {
    Impl* impl;
    ~EndRead() { (void)impl->exec("COMMIT"); }  // read-only: nothing to lose
  } endRead{impl_.get()};
  VerifyReport rep;
  auto sel = impl_->prepare("SELECT seq, prev_hash, hash, record, time FROM events ORDER BY seq");
  if (!sel) return sel.error();
  std::vector<Record> recs;
  std::vector<std::string> times;  // the time column, outside the hash: must repeat the record's
  int rc;
  while ((rc = sqlite3_step(sel->get())) == SQLITE_ROW) {
    recs.push_back(Record{sqlite3_column_int64(sel->get(), 0), text(sel->get(), 1), text(sel->get(), 2),
                          text(sel->get(), 3)});
    times.push_back(text(sel->get(), 4));
  }
  if (rc != SQLITE_DONE) return impl_->sqlError("reading records");
  auto head = impl_->head();
  if (!head) {
    rep.ok = false;
    rep.problem = "malformed";
    rep.detail = head.error().message;
    return rep;
  }
  auto bad = [&](std::int64_t seq, const char* problem, std::string detail) {
    rep.ok = false;
    rep.firstBadSeq = seq;
    rep.problem = problem;
    rep.detail = std::move(detail);
    return rep;
  };
  std::string prev = kZeroHash;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const Record& r = recs[i];
    std::int64_t want = static_cast<std::int64_t>(i) + 1;
    rep.records = static_cast<std::int64_t>(i);
    if (r.seq < want)
      return bad(r.seq, "inserted", fmt::format("record {}: numbered below the first record (inserted)", r.seq));
    if (r.seq != want)
      return bad(want, "deleted",
                 fmt::format("record {}: missing (the next record present is {}) (deleted)", want, r.seq));
    if (!core::isSha256Hex(r.hash) || !core::isSha256Hex(r.prevHash))
      return bad(r.seq, "malformed", fmt::format("record {}: hash fields are not 64 hex digits (malformed)", r.seq));
    nlohmann::json j = nlohmann::json::parse(r.encoding, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return bad(r.seq, "malformed", fmt::format("record {}: the record is not a JSON object (malformed)", r.seq));
    if (chainHash(r.prevHash, r.encoding) != r.hash)
      return bad(r.seq, "changed", fmt::format("record {}: hash does not match its contents (changed)", r.seq));
    if (r.prevHash != prev) {
      for (std::size_t k = i + 1; k < recs.size(); ++k)
        if (recs[k].hash == r.prevHash)
          return bad(r.seq, "reordered",
                     fmt::format("record {}: links to record {}, which comes after it (reordered)", r.seq,
                                 recs[k].seq));
      for (std::size_t k = 0; k < i; ++k)
        if (recs[k].hash == r.hash)
          return bad(r.seq, "reordered",
                     fmt::format("record {}: repeats record {} (reordered)", r.seq, recs[k].seq));
      for (std::size_t k = 0; k + 1 < i; ++k)
        if (recs[k].hash == r.prevHash) {
          rep.records = static_cast<std::int64_t>(k) + 1;
          return bad(recs[k + 1].seq, "inserted",
                     fmt::format("record {}: put in between; record {} links to record {} (inserted)",
                                 recs[k + 1].seq, r.seq, recs[k].seq));
        }
      // The predecessor links fine to its own predecessor but this record links to nothing:
      // either this record was forged in, or the one it followed was replaced (and rehashed) or
      // removed with the rest renumbered.
      return bad(r.seq, "inserted",
                 fmt::format("record {}: does not link to record {} (inserted, or its predecessor was replaced)",
                             r.seq, r.seq - 1));
    }
    if (!j.contains("time") || !j["time"].is_string() || j["time"].get<std::string>() != times[i])
      return bad(r.seq, "changed",
                 fmt::format("record {}: the time column does not match the record (changed)", r.seq));
    prev = r.hash;
  }
  rep.records = static_cast<std::int64_t>(recs.size());
  std::int64_t n = rep.records;
  if (n < head->first)
    return bad(n + 1, "truncated",
               fmt::format("record {}: missing; the log holds {} records but its head counts {} (truncated)", n + 1, n,
                           head->first));
  if (n > head->first)
    return bad(head->first + 1, "inserted",
               fmt::format("record {}: appended after the head ({} records, head counts {}) (inserted)",
                           head->first + 1, n, head->first));
  if (head->second != prev)
    return bad(n, "changed", fmt::format("record {}: the head hash does not match the last record (changed)", n));
  return rep;
}

}  // namespace airlock::audit
