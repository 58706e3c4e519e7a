#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "core/env.h"
#include "core/redact.h"

using airlock::audit::AuditLog;
using airlock::audit::canonicalEncoding;
using airlock::audit::Event;
using airlock::audit::Record;
using airlock::audit::VerifyReport;
using airlock::core::Code;

namespace {

const std::string kZero(64, '0');

// Direct access to the database file, bypassing AuditLog: this is what an attacker with write
// access to $AIRLOCK_HOME has.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs one statement with text parameters ?1, ?2, …; returns the rows, every column as text.
  std::vector<std::vector<std::string>> run(const std::string& sql,
                                            const std::vector<std::string>& params = {}) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
    if (rc != SQLITE_OK) return rows;
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(s, static_cast<int>(i + 1), params[i].data(),
                        static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const unsigned char* t = sqlite3_column_text(s, c);
        row.emplace_back(t ? std::string(reinterpret_cast<const char*>(t),
                                         static_cast<std::size_t>(sqlite3_column_bytes(s, c)))
                           : std::string());
      }
      rows.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    return rows;
  }
  std::string one(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto rows = run(sql, params);
    return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
  }
  std::string record(std::int64_t seq) {
    return one("SELECT record FROM events WHERE seq = ?1", {std::to_string(seq)});
  }
  std::string hash(std::int64_t seq) {
    return one("SELECT hash FROM events WHERE seq = ?1", {std::to_string(seq)});
  }
  std::string prevHash(std::int64_t seq) {
    return one("SELECT prev_hash FROM events WHERE seq = ?1", {std::to_string(seq)});
  }
  // Rewrites a record's JSON and, when rehash, recomputes its own hash column from its stored
  // prev_hash so the row is self-consistent (what an attacker who knows the format does).
  void setRecord(std::int64_t seq, const std::string& json, bool rehash) {
    run("UPDATE events SET record = ?2 WHERE seq = ?1", {std::to_string(seq), json});
    if (rehash)
      run("UPDATE events SET hash = ?2 WHERE seq = ?1",
          {std::to_string(seq), airlock::core::sha256Hex(prevHash(seq) + json)});
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string replaceOnce(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from << " not in " << s;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-audit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db() const { return dir_ + "/state/audit.db"; }

  std::unique_ptr<AuditLog> open() {
    auto log = AuditLog::open(db(), clock_);
    EXPECT_TRUE(log.ok()) << log.error().toString();
    return log ? std::move(*log) : nullptr;
  }
  // Event i: even ones are denies, odd ones allows; each is distinguishable.
  static Event event(int i) {
    Event e;
    e.kind = "decision";
    e.user = "alice";
    e.agent = "cowork";
    e.session = "s1";
    e.adapter = "cli";
    e.action = "fs.read";
    e.resource = "/home/alice/Documents/file-" + std::to_string(i) + ".txt";
    e.decision = i % 2 == 0 ? "deny" : "allow";
    e.rule = i % 2 == 0 ? "secrets-are-off-limits" : "";
    e.reason = i % 2 == 0 ? "deny.rule" : "allow.rule";
    e.reasons = {"reason " + std::to_string(i)};
    e.sessionLabel = "internal";
    e.payloadLabel = "public";
    return e;
  }
  // A fresh log holding records 1..n (record k is event(k)); the log is closed afterwards.
  void fill(int n) {
    auto log = open();
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= n; ++i) {
      auto seq = log->append(event(i));
      ASSERT_TRUE(seq.ok()) << seq.error().toString();
      ASSERT_EQ(*seq, i);
      clock_.advance(1000);
    }
  }
  VerifyReport verify() {
    auto log = open();
    if (!log) return VerifyReport{false, 0, -1, "open failed", ""};
    auto rep = log->verify();
    EXPECT_TRUE(rep.ok()) << rep.error().toString();
    return rep ? *rep : VerifyReport{false, 0, -1, "verify error", ""};
  }

  std::string dir_;
  airlock::core::ManualClock clock_{1'700'000'000'000'000};
};

#define EXPECT_BAD(rep, seq, what)                                                              \
  do {                                                                                          \
    VerifyReport r_ = (rep);                                                                    \
    EXPECT_FALSE(r_.ok);                                                                        \
    EXPECT_EQ(r_.firstBadSeq, (seq)) << r_.detail;                                              \
    EXPECT_EQ(r_.problem, (what)) << r_.detail;                                                 \
    EXPECT_NE(r_.detail.find("record " + std::to_string(seq)), std::string::npos) << r_.detail; \
  } while (0)

// --- the format -------------------------------------------------------------------------------

// The encoding is defined as nlohmann::json's compact dump of the record as an object (sorted
// keys, invalid UTF-8 replaced): the direct encoder must give the same bytes for any content.
std::string referenceEncoding(const Event& e) {
  using nlohmann::json;
  json j = json::object();
  j["time"] = airlock::core::formatTimestamp(e.timeMicros);
  j["time_us"] = e.timeMicros;
  j["kind"] = e.kind;
  j["user"] = e.user;
  j["agent"] = e.agent;
  j["session"] = e.session;
  j["adapter"] = e.adapter;
  j["action"] = e.action;
  j["resource"] = e.resource;
  j["decision"] = e.decision;
  j["rule"] = e.rule.empty() ? json(nullptr) : json(e.rule);
  j["reason"] = e.reason;
  j["reasons"] = e.reasons;
  j["session_label"] = e.sessionLabel;
  j["payload_label"] = e.payloadLabel;
  j["sink"] = e.sink.empty() ? json(nullptr) : json(e.sink);
  j["untrusted"] = e.untrusted;
  j["digest"] = e.digest.empty() ? json(nullptr) : json(e.digest);
  j["size"] = e.size < 0 ? json(nullptr) : json(e.size);
  if (!e.credential.empty()) j["credential"] = e.credential;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(AuditEncoding, TheDirectEncoderWritesWhatNlohmannWrites) {
  std::mt19937_64 rng(7);
  // Strings from an alphabet heavy in what JSON escapes and what breaks UTF-8.
  const std::string alphabet = std::string("aZ09 /.-_\"\\\x01\x1f\x7f\n\t\r\b\f") +
                               "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xfe\xc0\x80\xed\xa0\x80\xf4\x90";
  auto str = [&] {
    std::string out;
    const std::size_t n = rng() % 24;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[rng() % alphabet.size()];
    return rng() % 3 == 0 ? std::string("plain.ascii-text") : out;
  };
  for (int i = 0; i < 20000; ++i) {
    Event e;
    e.timeMicros = static_cast<std::int64_t>(rng() % 4'000'000'000'000'000);
    e.kind = str();
    e.user = str();
    e.agent = str();
    e.session = str();
    e.adapter = str();
    e.action = str();
    e.resource = str();
    e.decision = str();
    e.rule = rng() % 2 ? str() : "";
    e.reason = str();
    for (std::size_t k = rng() % 4; k > 0; --k) e.reasons.push_back(str());
    e.sessionLabel = str();
    e.payloadLabel = str();
    e.sink = rng() % 2 ? str() : "";
    e.untrusted = rng() % 2;
    e.digest = rng() % 2 ? str() : "";
    e.size = static_cast<std::int64_t>(rng() % 100000) - 10;
    e.credential = rng() % 2 ? str() : "";
    ASSERT_EQ(canonicalEncoding(e), referenceEncoding(e)) << "event " << i;
  }
}

TEST_F(AuditLogTest, CanonicalEncodingIsSortedCompactJson) {
  Event e = event(2);
  e.timeMicros = 1'700'000'000'123'456;
  e.sink = "api.anthropic.com";
  e.untrusted = true;
  e.digest = std::string(64, 'a');
  e.size = 42;
  EXPECT_EQ(
      canonicalEncoding(e),
      "{\"action\":\"fs.read\",\"adapter\":\"cli\",\"agent\":\"cowork\",\"decision\":\"deny\","
      "\"digest\":\"" +
          std::string(64, 'a') +
          "\",\"kind\":\"decision\",\"payload_label\":\"public\","
          "\"reason\":\"deny.rule\",\"reasons\":[\"reason 2\"],"
          "\"resource\":\"/home/alice/Documents/file-2.txt\",\"rule\":\"secrets-are-off-limits\","
          "\"session\":\"s1\",\"session_label\":\"internal\",\"sink\":\"api.anthropic.com\","
          "\"size\":42,"
          "\"time\":\"2023-11-14T22:13:20.123456Z\",\"time_us\":1700000000123456,\"untrusted\":"
          "true,"
          "\"user\":\"alice\"}");
  // Empty rule/sink/digest and a negative size are null; strings are escaped JSON-style, non-ASCII
  // is kept as UTF-8 and invalid UTF-8 becomes U+FFFD.
  Event f;
  f.timeMicros = 1;
  f.resource = "a\"b\\c\n\x01/\xc3\xa9\xff";
  std::string enc = canonicalEncoding(f);
  EXPECT_NE(enc.find("\"resource\":\"a\\\"b\\\\c\\n\\u0001/\xc3\xa9\xef\xbf\xbd\""),
            std::string::npos)
      << enc;
  EXPECT_NE(enc.find("\"rule\":null"), std::string::npos);
  EXPECT_NE(enc.find("\"sink\":null"), std::string::npos);
  EXPECT_NE(enc.find("\"digest\":null"), std::string::npos);
  EXPECT_NE(enc.find("\"size\":null"), std::string::npos);
  EXPECT_NE(enc.find("\"reasons\":[]"), std::string::npos);
  EXPECT_NE(enc.find("\"time\":\"1970-01-01T00:00:00.000001Z\",\"time_us\":1,"), std::string::npos);
}

// (h) an intact log verifies, with the right count; the chain rule is the documented one.
TEST_F(AuditLogTest, IntactLogVerifiesWithRecordCount) {
  {
    auto log = open();
    ASSERT_NE(log, nullptr);
    auto rep = log->verify();
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->ok);
    EXPECT_EQ(rep->records, 0);
  }
  fill(10);
  VerifyReport rep = verify();
  EXPECT_TRUE(rep.ok) << rep.problem << ": " << rep.detail;
  EXPECT_EQ(rep.records, 10);
  EXPECT_EQ(rep.firstBadSeq, 0);
  EXPECT_EQ(rep.problem, "");

  auto log = open();
  std::vector<Record> recs;
  ASSERT_TRUE(log->forEach([&](const Record& r) {
    recs.push_back(r);
    return true;
  }));
  ASSERT_EQ(recs.size(), 10u);
  std::string prev = kZero;
  RawDb raw(db());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(recs[i].prevHash, prev);
    EXPECT_EQ(recs[i].hash, airlock::core::sha256Hex(prev + recs[i].encoding));
    Event e = event(static_cast<int>(i + 1));
    e.timeMicros =
        1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 1000;  // filled from the clock
    EXPECT_EQ(recs[i].encoding, canonicalEncoding(e));
    EXPECT_EQ(raw.one("SELECT time FROM events WHERE seq = ?1", {std::to_string(i + 1)}),
              airlock::core::formatTimestamp(e.timeMicros));
    prev = recs[i].hash;
  }
  EXPECT_EQ(raw.one("SELECT value FROM meta WHERE key = 'format'"), "airlock-audit/1");
  EXPECT_EQ(raw.one("SELECT value FROM meta WHERE key = 'head_seq'"), "10");
  EXPECT_EQ(raw.one("SELECT value FROM meta WHERE key = 'head_hash'"), prev);
  auto last = log->tail(2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ((*last)[0].seq, 9);
  EXPECT_EQ((*last)[1].seq, 10);
  auto after = log->since(8);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 2u);

  struct stat info {};
  ASSERT_EQ(stat(db().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

// --- tampering --------------------------------------------------------------------------------

// (a) one field of one record edited in place.
TEST_F(AuditLogTest, ChangedFieldIsChanged) {
  fill(10);
  {
    RawDb raw(db());
    raw.setRecord(4, replaceOnce(raw.record(4), "\"decision\":\"deny\"", "\"decision\":\"allow\""),
                  false);
  }
  EXPECT_BAD(verify(), 4, "changed");
}

TEST_F(AuditLogTest, ChangedHashOrPrevHashColumnIsChanged) {
  fill(6);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET prev_hash = ?1 WHERE seq = 3", {std::string(64, 'f')});
  }
  EXPECT_BAD(verify(), 3, "changed");
}

// The time column is outside the hash; it must repeat the record's "time".
TEST_F(AuditLogTest, ChangedTimeColumnIsChanged) {
  fill(6);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET time = '2020-01-01T00:00:00.000000Z' WHERE seq = 5");
  }
  EXPECT_BAD(verify(), 5, "changed");
}

// (b) a record edited and its own hash recomputed is self-consistent; the next record's link
// catches it. The walk cannot tell "this record was replaced" from "the next record was forged
// with a bogus link", so it reports the next record as "inserted" (the detail says both).
TEST_F(AuditLogTest, ChangedAndRehashedIsCaughtAtTheNextRecord) {
  fill(10);
  {
    RawDb raw(db());
    raw.setRecord(4, replaceOnce(raw.record(4), "\"decision\":\"deny\"", "\"decision\":\"allow\""),
                  true);
    EXPECT_EQ(raw.hash(4), airlock::core::sha256Hex(raw.prevHash(4) + raw.record(4)));
  }
  VerifyReport rep = verify();
  EXPECT_BAD(rep, 5, "inserted");
  EXPECT_NE(rep.detail.find("predecessor was replaced"), std::string::npos) << rep.detail;
  EXPECT_EQ(rep.records, 4);  // records 1..4 passed their own checks
}

// ... and when it is the last record, the head hash in meta catches it.
TEST_F(AuditLogTest, ChangedAndRehashedLastRecordIsCaughtByTheHead) {
  fill(10);
  {
    RawDb raw(db());
    raw.setRecord(
        10, replaceOnce(raw.record(10), "\"decision\":\"deny\"", "\"decision\":\"allow\""), true);
  }
  EXPECT_BAD(verify(), 10, "changed");
}

// Rewriting the chain from the edited record on, without touching meta, is caught by the head.
TEST_F(AuditLogTest, RewrittenChainTailIsCaughtByTheHead) {
  fill(10);
  {
    RawDb raw(db());
    raw.setRecord(4, replaceOnce(raw.record(4), "\"decision\":\"deny\"", "\"decision\":\"allow\""),
                  true);
    for (int s = 5; s <= 10; ++s) {
      raw.run("UPDATE events SET prev_hash = ?2 WHERE seq = ?1",
              {std::to_string(s), raw.hash(s - 1)});
      raw.setRecord(s, raw.record(s), true);
    }
  }
  EXPECT_BAD(verify(), 10, "changed");
}

// The limit of a self-contained chain (documented): whoever can rewrite every record after the
// edit AND the head in meta produces a log that verifies. Only an external copy of the head
// hash detects that.
TEST_F(AuditLogTest, FullRewriteIncludingTheHeadIsNotDetectable) {
  fill(5);
  {
    RawDb raw(db());
    raw.setRecord(2, replaceOnce(raw.record(2), "\"decision\":\"deny\"", "\"decision\":\"allow\""),
                  true);
    for (int s = 3; s <= 5; ++s) {
      raw.run("UPDATE events SET prev_hash = ?2 WHERE seq = ?1",
              {std::to_string(s), raw.hash(s - 1)});
      raw.setRecord(s, raw.record(s), true);
    }
    raw.run("UPDATE meta SET value = ?1 WHERE key = 'head_hash'", {raw.hash(5)});
  }
  EXPECT_TRUE(verify().ok);
}

// (c) a record deleted from the middle leaves a gap.
TEST_F(AuditLogTest, DeletedMiddleRecordIsDeleted) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq = 5");
  }
  VerifyReport rep = verify();
  EXPECT_BAD(rep, 5, "deleted");
  EXPECT_EQ(rep.records, 4);
}

TEST_F(AuditLogTest, DeletedRunNamesTheFirstMissingRecord) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq BETWEEN 4 AND 7");
  }
  EXPECT_BAD(verify(), 4, "deleted");
}

TEST_F(AuditLogTest, DeletedFirstRecordIsDeleted) {
  fill(4);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq = 1");
  }
  EXPECT_BAD(verify(), 1, "deleted");
}

// (d) the last records deleted: meta's head_seq still counts them.
TEST_F(AuditLogTest, DeletedTailIsTruncated) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq > 8");
  }
  VerifyReport rep = verify();
  EXPECT_BAD(rep, 9, "truncated");
  EXPECT_EQ(rep.records, 8);
}

TEST_F(AuditLogTest, EveryRecordDeletedIsTruncated) {
  fill(3);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events");
  }
  EXPECT_BAD(verify(), 1, "truncated");
}

// Truncation that also rewinds head_seq but not head_hash: the head hash names a record that
// is gone.
TEST_F(AuditLogTest, TruncatedWithHeadSeqRewoundIsCaughtByTheHeadHash) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq > 8");
    raw.run("UPDATE meta SET value = '8' WHERE key = 'head_seq'");
  }
  EXPECT_BAD(verify(), 8, "changed");
}

// (e) a forged, correctly chained record put in the middle, later records renumbered.
TEST_F(AuditLogTest, InsertedMiddleRecordIsInserted) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET seq = -seq WHERE seq >= 5");
    raw.run("UPDATE events SET seq = 1 - seq WHERE seq < 0");
    std::string forged = replaceOnce(raw.record(4), "file-4.txt", "forged.txt");
    std::string prev = raw.hash(4);
    raw.run(
        "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(5, json_extract(?3, "
        "'$.time'), ?1, ?2, ?3)",
        {prev, airlock::core::sha256Hex(prev + forged), forged});
    raw.run("UPDATE meta SET value = '11' WHERE key = 'head_seq'");  // even with the head fixed up
    ASSERT_EQ(raw.one("SELECT count(*) FROM events"), "11");
  }
  VerifyReport rep = verify();
  EXPECT_BAD(rep, 5, "inserted");
}

TEST_F(AuditLogTest, InsertedRunNamesTheFirstForgedRecord) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET seq = -seq WHERE seq >= 5");
    raw.run("UPDATE events SET seq = 2 - seq WHERE seq < 0");
    std::string prev = raw.hash(4);
    for (int s = 5; s <= 6; ++s) {
      std::string forged = replaceOnce(raw.record(4), "file-4.txt", "forged-" + std::to_string(s));
      std::string h = airlock::core::sha256Hex(prev + forged);
      raw.run(
          "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(?1, json_extract(?4, "
          "'$.time'), ?2, ?3, ?4)",
          {std::to_string(s), prev, h, forged});
      prev = h;
    }
  }
  EXPECT_BAD(verify(), 5, "inserted");
}

// A forged record whose hash is right for a made-up prev_hash links to nothing.
TEST_F(AuditLogTest, InsertedRecordWithBogusLinkIsInserted) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET seq = -seq WHERE seq >= 5");
    raw.run("UPDATE events SET seq = 1 - seq WHERE seq < 0");
    std::string forged = replaceOnce(raw.record(4), "file-4.txt", "forged.txt");
    std::string prev(64, 'e');
    raw.run(
        "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(5, json_extract(?3, "
        "'$.time'), ?1, ?2, ?3)",
        {prev, airlock::core::sha256Hex(prev + forged), forged});
  }
  EXPECT_BAD(verify(), 5, "inserted");
}

// A correctly chained record appended after the head (meta not updated).
TEST_F(AuditLogTest, RecordAppendedBehindTheHeadIsInserted) {
  fill(10);
  {
    RawDb raw(db());
    std::string forged = replaceOnce(raw.record(10), "file-10.txt", "forged.txt");
    std::string prev = raw.hash(10);
    raw.run(
        "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(11, json_extract(?3, "
        "'$.time'), ?1, ?2, ?3)",
        {prev, airlock::core::sha256Hex(prev + forged), forged});
  }
  EXPECT_BAD(verify(), 11, "inserted");
}

// A record given a seq below 1 is not a "deleted record 1".
TEST_F(AuditLogTest, RecordWithSeqZeroIsInserted) {
  fill(3);
  {
    RawDb raw(db());
    std::string forged = raw.record(1);
    raw.run(
        "INSERT INTO events(seq, time, prev_hash, hash, record) VALUES(0, json_extract(?3, "
        "'$.time'), ?1, ?2, ?3)",
        {kZero, airlock::core::sha256Hex(kZero + forged), forged});
  }
  EXPECT_BAD(verify(), 0, "inserted");
}

// (f) two whole rows (record, time, prev_hash, hash) swapped, seq kept.
void swapRows(RawDb& raw, int a, int b) {
  raw.run("UPDATE events SET seq = -1 WHERE seq = ?1", {std::to_string(a)});
  raw.run("UPDATE events SET seq = ?1 WHERE seq = ?2", {std::to_string(a), std::to_string(b)});
  raw.run("UPDATE events SET seq = ?1 WHERE seq = -1", {std::to_string(b)});
}

TEST_F(AuditLogTest, SwappedRecordsAreReordered) {
  fill(10);
  {
    RawDb raw(db());
    swapRows(raw, 3, 7);
  }
  EXPECT_BAD(verify(), 3, "reordered");
}

TEST_F(AuditLogTest, SwappedAdjacentRecordsAreReordered) {
  fill(10);
  {
    RawDb raw(db());
    swapRows(raw, 4, 5);
  }
  EXPECT_BAD(verify(), 4, "reordered");
}

TEST_F(AuditLogTest, SwappedLastTwoRecordsAreReordered) {
  fill(10);
  {
    RawDb raw(db());
    swapRows(raw, 9, 10);
  }
  EXPECT_BAD(verify(), 9, "reordered");
}

// A whole row replaced by a copy of an earlier one (a replay).
TEST_F(AuditLogTest, RepeatedRecordIsReordered) {
  fill(10);
  {
    RawDb raw(db());
    raw.run("DELETE FROM events WHERE seq = 6");
    raw.run(
        "INSERT INTO events(seq, time, prev_hash, hash, record) "
        "SELECT 6, time, prev_hash, hash, record FROM events WHERE seq = 5");
  }
  EXPECT_BAD(verify(), 6, "reordered");
}

// Swapping only the JSON (hash columns stay) breaks each record's own hash: changed.
TEST_F(AuditLogTest, SwappedJsonOnlyIsChanged) {
  fill(10);
  {
    RawDb raw(db());
    std::string r3 = raw.record(3), r7 = raw.record(7);
    raw.setRecord(3, r7, false);
    raw.setRecord(7, r3, false);
  }
  EXPECT_BAD(verify(), 3, "changed");
}

// (g) a record whose JSON does not parse, whether or not its hash was fixed up.
TEST_F(AuditLogTest, UnparsableRecordIsMalformed) {
  fill(6);
  {
    RawDb raw(db());
    raw.setRecord(4, "{\"decision\":\"allow\"", false);
  }
  EXPECT_BAD(verify(), 4, "malformed");
}

TEST_F(AuditLogTest, UnparsableRehashedRecordIsMalformed) {
  fill(6);
  {
    RawDb raw(db());
    raw.setRecord(4, "not json at all", true);
  }
  EXPECT_BAD(verify(), 4, "malformed");
}

TEST_F(AuditLogTest, NonObjectRecordIsMalformed) {
  fill(6);
  {
    RawDb raw(db());
    raw.setRecord(2, "[1,2,3]", true);
  }
  EXPECT_BAD(verify(), 2, "malformed");
}

TEST_F(AuditLogTest, BadHashColumnIsMalformed) {
  fill(6);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET hash = 'abc' WHERE seq = 3");
  }
  EXPECT_BAD(verify(), 3, "malformed");
}

TEST_F(AuditLogTest, NonHexHashColumnIsMalformed) {
  fill(6);
  {
    RawDb raw(db());
    raw.run("UPDATE events SET prev_hash = ?1 WHERE seq = 2", {std::string(64, 'Z')});
  }
  EXPECT_BAD(verify(), 2, "malformed");
}

TEST_F(AuditLogTest, MissingHeadIsMalformed) {
  fill(3);
  {
    RawDb raw(db());
    raw.run("DELETE FROM meta WHERE key = 'head_hash'");
  }
  VerifyReport rep = verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.problem, "malformed");
  EXPECT_EQ(rep.firstBadSeq, 0);
  // And appending to such a log fails rather than starting a new chain.
  auto log = open();
  ASSERT_NE(log, nullptr);
  auto seq = log->append(event(4));
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.error().code, Code::kDataLoss);
}

// --- lifecycle ---------------------------------------------------------------------------------

// (i) reopening continues the chain.
TEST_F(AuditLogTest, ReopenContinuesTheChain) {
  fill(5);
  {
    auto log = open();
    ASSERT_NE(log, nullptr);
    for (int i = 6; i <= 8; ++i) {
      auto seq = log->append(event(i));
      ASSERT_TRUE(seq.ok());
      EXPECT_EQ(*seq, i);
    }
  }
  auto log = open();
  ASSERT_NE(log, nullptr);
  auto seq = log->append(event(9));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 9);
  auto recs = log->tail(100);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 9u);
  EXPECT_EQ((*recs)[5].prevHash, (*recs)[4].hash);
  EXPECT_EQ((*recs)[8].prevHash, (*recs)[7].hash);
  auto rep = log->verify();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok) << rep->detail;
  EXPECT_EQ(rep->records, 9);
}

// A connection remembers the head it committed and skips reading it again only while no other
// connection has written: appends of two connections, interleaved, and a head rewritten behind
// the first one's back, still make one chain.
TEST_F(AuditLogTest, InterleavedConnectionsAndForeignWritesKeepOneChain) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 1; i <= 6; ++i) {
    auto seq = (i % 3 == 0 ? b : a)->append(event(i));
    ASSERT_TRUE(seq.ok()) << seq.error().toString();
    EXPECT_EQ(*seq, i);
  }
  // An outsider appends a record properly (as another process would): a's next append follows it.
  {
    auto c = open();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->append(event(7)).ok());
  }
  auto seq = a->append(event(8));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 8);
  auto rep = a->verify();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok) << rep->detail;
  EXPECT_EQ(rep->records, 8);
}

// (j) four processes appending to the same file at once.
TEST_F(AuditLogTest, ConcurrentProcessesAppendAGaplessChain) {
  fill(3);
  constexpr int kChildren = 4, kEach = 200;
  std::vector<pid_t> pids;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int rc = 0;
      {
        airlock::core::ManualClock clock(1'800'000'000'000'000);
        auto log = AuditLog::open(db(), clock);
        if (!log) {
          rc = 2;
        } else {
          for (int i = 0; i < kEach && rc == 0; ++i) {
            Event e = event(i);
            e.agent = "child-" + std::to_string(c);
            if (!(*log)->append(e)) rc = 3;
          }
        }
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto log = open();
  ASSERT_NE(log, nullptr);
  std::int64_t want = 1;
  std::map<std::string, int> perChild;
  ASSERT_TRUE(log->forEach([&](const Record& r) {
    EXPECT_EQ(r.seq, want);
    ++want;
    auto at = r.encoding.find("\"agent\":\"child-");
    if (at != std::string::npos) ++perChild[r.encoding.substr(at + 9, 7)];
    return true;
  }));
  EXPECT_EQ(want - 1, 3 + kChildren * kEach);
  EXPECT_EQ(perChild.size(), static_cast<std::size_t>(kChildren));
  for (const auto& [child, n] : perChild) EXPECT_EQ(n, kEach) << child;
  auto rep = log->verify();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok) << rep->problem << ": " << rep->detail;
  EXPECT_EQ(rep->records, 3 + kChildren * kEach);
}

// verify() while another process appends sees one consistent snapshot: never a false alarm.
TEST_F(AuditLogTest, VerifyDuringConcurrentAppendsIsOk) {
  fill(50);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = 0;
    {
      airlock::core::ManualClock clock(1'800'000'000'000'000);
      auto log = AuditLog::open(db(), clock);
      for (int i = 0; log && i < 400 && rc == 0; ++i)
        if (!(*log)->append(event(i))) rc = 3;
      if (!log) rc = 2;
    }
    _exit(rc);
  }
  auto log = open();
  ASSERT_NE(log, nullptr);
  int rounds = 0, bad = 0;
  std::string firstProblem;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    auto rep = log->verify();
    ASSERT_TRUE(rep.ok()) << rep.error().toString();
    ++rounds;
    if (!rep->ok && bad++ == 0) firstProblem = rep->problem + ": " + rep->detail;
    if (done == pid) break;
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(bad, 0) << "of " << rounds << " verifies; first: " << firstProblem;
  auto rep = log->verify();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->records, 450);
}

// (k) paths that cannot be an audit log fail to open with an error.
TEST_F(AuditLogTest, UnopenablePathsFailWithAnError) {
  std::filesystem::create_directories(dir_ + "/state");
  { std::ofstream(dir_ + "/file") << "x"; }
  std::vector<std::string> paths = {
      dir_ + "/file/audit.db",  // parent is a regular file
      dir_ + "/state",          // a directory
      "/proc/airlock-no-such/audit.db",
  };
  for (const auto& p : paths) {
    auto log = AuditLog::open(p, clock_);
    ASSERT_FALSE(log.ok()) << p;
    EXPECT_EQ(log.error().code, Code::kUnavailable) << p;
    EXPECT_FALSE(log.error().toString().empty());
  }
  // Not a database at all.
  { std::ofstream(dir_ + "/garbage.db") << std::string(4096, 'g'); }
  auto log = AuditLog::open(dir_ + "/garbage.db", clock_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code, Code::kUnavailable);
  // Somebody else's SQLite database, and one with an unknown format tag.
  {
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/other.db").c_str(), &other), SQLITE_OK);
    sqlite3_exec(other, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    ASSERT_EQ(sqlite3_open((dir_ + "/future.db").c_str(), &other), SQLITE_OK);
    sqlite3_exec(other,
                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta "
                 "VALUES('format','airlock-audit/2')",
                 nullptr, nullptr, nullptr);
    sqlite3_close(other);
  }
  log = AuditLog::open(dir_ + "/other.db", clock_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("not an airlock audit log"), std::string::npos)
      << log.error().toString();
  log = AuditLog::open(dir_ + "/future.db", clock_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("unknown format"), std::string::npos)
      << log.error().toString();
}

// (l) What the API promises: an Event has no field for content, only `digest` (hex SHA-256) and
// `size`; the audit layer stores every field verbatim and does NOT redact. Redaction of text
// fields (resource, reasons) is the caller's job (the gate runs core::redactSecrets on command
// lines and URLs before they reach the trail).
TEST_F(AuditLogTest, RecordsHoldDigestsNotContent) {
  const std::string secret = "sk-ant-api03-SECRET-abcdefghijklmnopqrstuvwxyz0123456789";
  const std::string body = "{\"key\":\"" + secret + "\",\"text\":\"quarterly numbers\"}";
  {
    auto log = open();
    ASSERT_NE(log, nullptr);
    Event e = event(1);
    e.action = "net.request";
    e.resource =
        airlock::core::redactSecrets("POST https://api.example.com/v1/upload?key=" + secret);
    e.digest = airlock::core::sha256Hex(body);
    e.size = static_cast<std::int64_t>(body.size());
    ASSERT_TRUE(log->append(e).ok());
  }
  RawDb raw(db());
  std::string stored = raw.record(1);
  EXPECT_EQ(stored.find("SECRET"), std::string::npos) << stored;
  EXPECT_EQ(stored.find("quarterly"), std::string::npos) << stored;
  EXPECT_NE(stored.find("\"digest\":\"" + airlock::core::sha256Hex(body) + "\""), std::string::npos)
      << stored;
  EXPECT_NE(stored.find("\"size\":" + std::to_string(body.size())), std::string::npos) << stored;
  // Nothing else in the database holds it either.
  for (const auto& row : raw.run("SELECT time, prev_hash, hash, record FROM events UNION ALL "
                                 "SELECT key, value, '', '' FROM meta"))
    for (const auto& col : row) EXPECT_EQ(col.find("SECRET"), std::string::npos);
}

TEST_F(AuditLogTest, AuditLayerStoresFieldsVerbatim) {
  // Pinned: no redaction below the gate. A caller that puts a secret in a text field gets it on
  // record, so callers must redact first.
  const std::string secret = "sk-ant-api03-SECRET-abcdefghijklmnopqrstuvwxyz0123456789";
  {
    auto log = open();
    ASSERT_NE(log, nullptr);
    Event e = event(1);
    e.resource = "curl -H 'x-api-key: " + secret + "'";
    ASSERT_TRUE(log->append(e).ok());
  }
  RawDb raw(db());
  EXPECT_NE(raw.record(1).find(secret), std::string::npos);
}

}  // namespace
