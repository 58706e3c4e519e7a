#pragma once
// The SQLite databases of airlock's state directory (sessions.db, audit.db): one way to open
// them, so that every store gets the same durability, permissions and start-up cost.
// A handle is used from one thread at a time; several processes may open the same file.

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace airlock::core {

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteClose>;
struct SqliteFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteStmt = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

// Runs SQL without results; an error is kUnavailable "`what`: <SQLite's message>" at `path`.
Status sqliteExec(sqlite3* db, const char* sql, std::string_view what, const std::string& path);
// Runs a statement without results or parameters kept in `slot`, preparing it there on first
// use: for what a handle runs over and over (BEGIN IMMEDIATE, COMMIT), which sqliteExec would
// parse anew each time. Errors as sqliteExec's.
Status sqliteRun(sqlite3* db, SqliteStmt& slot, const char* sql, std::string_view what, const std::string& path);
// Prepares one statement; an error is kUnavailable "`what`: preparing statement: <message>".
Result<SqliteStmt> sqlitePrepare(sqlite3* db, const char* sql, std::string_view what, const std::string& path);

// Opens (creating when missing) the database at `path`: parent directory created with mode
// 0700, file mode 0600, WAL journal with synchronous=NORMAL (a committed write survives a
// process crash; the last commits may be lost on power loss), a 10 s busy timeout. Errors are
// kUnavailable naming `what` and the path.
//
// Start-up cost matters because `airlock hook` is one process per tool call: the WAL is not
// checkpointed and deleted when a process closes (several fsyncs each time), and since the
// first process to open a database re-reads its whole WAL, a WAL grown past 256 KiB is
// checkpointed and truncated at open (once in a while, not per call).
Result<SqliteDb> openStateDb(const std::string& path, std::string_view what);

}  // namespace airlock::core
