#pragma once
// Sessions (DESIGN.md "Session label"): what one run of an agent has read so far. The label
// is the join of everything read and only goes up; `untrusted` only goes from false to true;
// volume counters per limit only grow. SessionStore persists sessions in SQLite
// ($AIRLOCK_HOME/sessions.db, WAL) so that the many short `airlock hook` processes of one
// session share them: update() is a read-modify-write inside one BEGIN IMMEDIATE transaction,
// so concurrent writers never lose an update.
//
// Thread-safety: one SessionStore per thread; any number of processes may share the file.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/env.h"
#include "core/label.h"
#include "core/result.h"

namespace airlock::flow {

struct Counter {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
};

struct SessionState {
  std::string id;
  core::Label label;
  bool untrusted = false;
  std::int64_t filesRead = 0;
  std::int64_t bytesRead = 0;
  std::map<std::string, Counter> counters;  // per limit id
  std::int64_t createdMicros = 0;
  std::int64_t updatedMicros = 0;

  // Raises the label (join) and the untrusted flag; never lowers either.
  void raise(const core::Label& l, bool makeUntrusted) {
    label = label.join(l);
    untrusted = untrusted || makeUntrusted;
  }
};

class SessionStore {
 public:
  static core::Result<std::unique_ptr<SessionStore>> open(const std::string& path, const core::Clock& clock);

  // The session's state; a fresh state (bottom label) when the id is unknown. Not persisted.
  core::Result<SessionState> load(const std::string& id);

  // Loads (or creates) the session, applies fn, and writes it back atomically. If fn returns
  // an error nothing is written.
  core::Result<SessionState> update(const std::string& id, const std::function<core::Status(SessionState&)>& fn);

  // Pins (MCP tool descriptions): the digest first recorded for `key`. With `replace`, `digest`
  // becomes the pin. Returns the pin as it was before this call (empty digest: there was none).
  struct Pin {
    std::string digest;
    std::int64_t sinceMicros = 0;
  };
  core::Result<Pin> pin(const std::string& key, const std::string& digest, bool replace);

  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;
  struct Impl;
  // Use open(); Impl is opaque outside session.cpp.
  explicit SessionStore(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airlock::flow
