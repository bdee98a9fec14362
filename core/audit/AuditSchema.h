#pragma once

#include "audit/AuditEvent.h"
#include "audit/Sqlite.h"

namespace paddock::auditschema {

// The on-disk format of the audit log, shared by the writer, the readers and the verifier.
constexpr int FormatVersion = 1;
constexpr const char *FormatName = "paddock-audit";

// The columns of an event, in the order eventFromRow() reads them.
constexpr const char *EventColumns =
    "seq, time_us, source, persona, action, resource, decision, policies, details, prev_hash, hash";

AuditEvent eventFromRow(const sqlite::Statement &row, int first = 0);
QStringList policiesFromText(const QString &text);

// Creates the tables on a new database and checks the format of an existing one.
Result<void> prepare(sqlite::Database &db);
// Checks that a database (opened read-only) is an audit log this Paddock can read.
Result<void> checkFormat(sqlite::Database &db);
// Opens an audit log read-only and checks its format; a missing one is "there is no audit log yet".
Result<sqlite::Database> openForReading(const QString &path);

// The pruning record: everything up to `throughSeq` was pruned; the last pruned event's hash.
struct PruneMark
{
    qint64 throughSeq = 0;
    QByteArray hash;
};
Result<PruneMark> pruneMark(sqlite::Database &db);

// The small file beside the database that holds the newest (seq, hash).
struct Head
{
    qint64 seq = 0;
    QByteArray hash;
};
QByteArray headText(const Head &head);
Result<Head> parseHead(const QByteArray &text, const QString &path);
Result<Head> readHead(const QString &path); // NotFound when there is no file

} // namespace paddock::auditschema
