#pragma once
// The audit trail (DESIGN.md "Audit trail"): an append-only, hash-chained log of events in
// SQLite ($AIRLOCK_HOME/audit.db, WAL). Each record stores the event's canonical encoding and
// hash = SHA-256(prev_hash || encoding); verify() walks the chain and names the first bad
// record. Events never carry contents: digests, sizes and redacted previews only.
//
// Thread-safety: one AuditLog per thread; several processes may append to the same file at
// once (appends are serialised by SQLite's write lock, BEGIN IMMEDIATE).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/result.h"

namespace airlock::audit {

struct Event {
  std::int64_t timeMicros = 0;  // filled from the Clock by append() when 0
  std::string kind;             // "decision" or "observation"
  std::string user;
  std::string agent;
  std::string session;
  std::string adapter;
  std::string action;           // "fs.read", …
  std::string resource;         // canonical path / URL / tool / command (never content)
  std::string decision;         // "allow" | "deny" | "ask"
  std::string rule;             // rule id, empty when none
  std::string reason;           // dotted reason code
  std::vector<std::string> reasons;
  std::string sessionLabel;
  std::string payloadLabel;
  std::string sink;
  bool untrusted = false;
  std::string digest;           // hex SHA-256 of content involved, empty when none
  std::int64_t size = -1;       // bytes of content involved, -1 when unknown
  std::string credential;       // hash prefix of the key a net.request carried; empty when none
};

// The canonical encoding hashed into the chain: compact JSON, keys sorted, UTF-8; invalid
// UTF-8 in any field is replaced (U+FFFD) so encoding never fails. Documented in
// docs/formats/audit-record.md.
std::string canonicalEncoding(const Event& event);

struct Record {
  std::int64_t seq = 0;      // 1, 2, 3, … with no gaps
  std::string prevHash;      // hex; 64 zeros for seq 1
  std::string hash;          // hex SHA-256(prevHash bytes || encoding)
  std::string encoding;      // canonicalEncoding(event)
};

struct VerifyReport {
  bool ok = true;
  std::int64_t records = 0;          // records checked
  std::int64_t firstBadSeq = 0;      // 0 when ok
  std::string problem;               // "changed", "deleted", "inserted", "reordered", "truncated", "malformed"
  std::string detail;                // human-readable, names the record
};

class AuditLog {
 public:
  // Opens (creating when absent, with its parent directory, mode 0600) the log at `path`.
  // kUnavailable when it cannot be opened or is not an airlock audit database.
  static core::Result<std::unique_ptr<AuditLog>> open(const std::string& path, const core::Clock& clock);

  // Appends one event atomically and returns its sequence number. Any failure is an error;
  // the gate turns it into a deny.
  core::Result<std::int64_t> append(Event event);

  // The last n records, oldest first.
  core::Result<std::vector<Record>> tail(std::int64_t n);
  // Records with seq > afterSeq, oldest first (for `tail -f`).
  core::Result<std::vector<Record>> since(std::int64_t afterSeq);
  // Calls fn for every record in order; stops early when fn returns false.
  core::Status forEach(const std::function<bool(const Record&)>& fn);
  // Walks the whole chain. ok=false names the first bad record and what is wrong with it:
  // a changed record (hash mismatch), a deleted one (gap in seq or broken link), an inserted
  // one, a reordered pair, a truncated tail (fewer records than the head counter).
  core::Result<VerifyReport> verify();

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  struct Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);  // use open(); Impl is private to audit_log.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::audit
