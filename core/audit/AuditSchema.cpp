#include "audit/AuditSchema.h"

#include "config/AtomicFile.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace paddock::auditschema {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AuditStore)
};
} // namespace

AuditEvent eventFromRow(const sqlite::Statement &row, int c)
{
    AuditEvent e;
    e.seq = row.int64(c + 0);
    e.timeUs = row.int64(c + 1);
    e.source = AuditEvent::sourceFromName(row.text(c + 2)).value_or(AuditEvent::Source::System);
    e.persona = row.text(c + 3);
    e.action = row.text(c + 4);
    e.resource = row.text(c + 5);
    e.decision = AuditEvent::decisionFromName(row.text(c + 6)).value_or(AuditEvent::Decision::Info);
    e.policies = policiesFromText(row.text(c + 7));
    e.details = row.bytes(c + 8);
    e.prevHash = row.bytes(c + 9);
    e.hash = row.bytes(c + 10);
    return e;
}

QStringList policiesFromText(const QString &text)
{
    if (text.size() <= 2)
        return {};
    QStringList out;
    for (const QJsonValue &v : QJsonDocument::fromJson(text.toUtf8()).array())
        out << v.toString();
    return out;
}

Result<void> checkFormat(sqlite::Database &db)
{
    auto tables =
        db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'events')");
    if (!tables)
        return std::unexpected(tables.error());
    if (*tables != 2)
        return fail(Error::Code::Invalid, Text::tr("not a Paddock audit log"), db.path(),
                    Text::tr("Point Paddock at its own audit.db, or move this file away."));
    auto format = db.prepare("SELECT value FROM meta WHERE key = 'format'");
    if (!format)
        return std::unexpected(format.error());
    if (format->step() != SQLITE_ROW || format->text(0) != QLatin1StringView(FormatName))
        return fail(Error::Code::Invalid, Text::tr("not a Paddock audit log"), db.path(),
                    Text::tr("Point Paddock at its own audit.db, or move this file away."));
    auto version = db.scalar("SELECT value FROM meta WHERE key = 'version'");
    if (!version)
        return std::unexpected(version.error());
    if (*version > FormatVersion)
        return fail(Error::Code::Invalid,
                    Text::tr("written by a newer Paddock (audit format %1; this Paddock reads up to %2)")
                        .arg(*version)
                        .arg(FormatVersion),
                    db.path(), Text::tr("Use the newer Paddock, or move the file away to start a new log."));
    return {};
}

Result<sqlite::Database> openForReading(const QString &path)
{
    auto db = sqlite::Database::open(path, sqlite::Database::Mode::ReadOnly);
    if (!db) {
        Error e = db.error();
        if (e.code == Error::Code::NotFound) {
            e.message = Text::tr("there is no audit log yet");
            e.hint = Text::tr("Paddock creates it when it first starts.");
        }
        return std::unexpected(e);
    }
    if (auto ok = checkFormat(*db); !ok)
        return std::unexpected(ok.error());
    return db;
}

Result<void> prepare(sqlite::Database &db)
{
    // Incremental vacuum must be chosen before the first table exists; it lets pruning give space back.
    if (auto r = db.exec("PRAGMA auto_vacuum = INCREMENTAL"); !r)
        return r;
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode)
        return std::unexpected(mode.error());
    if (mode->step() != SQLITE_ROW || mode->text(0) != QLatin1StringView("wal"))
        return std::unexpected(db.error(Text::tr("cannot switch the audit log to write-ahead logging")));
    mode = sqlite::Statement();
    if (auto r = db.exec("PRAGMA synchronous = FULL"); !r)
        return r;
    auto tables = db.scalar("SELECT count(*) FROM sqlite_master");
    if (!tables)
        return std::unexpected(tables.error());
    if (*tables > 0)
        return checkFormat(db);
    return db.exec(R"(
        BEGIN IMMEDIATE;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        INSERT INTO meta VALUES ('format', 'paddock-audit'), ('version', 1);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            time_us INTEGER NOT NULL,
            source TEXT NOT NULL,
            persona TEXT NOT NULL,
            action TEXT NOT NULL,
            resource TEXT NOT NULL,
            decision TEXT NOT NULL,
            policies TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL);
        CREATE INDEX events_time ON events (time_us);
        CREATE INDEX events_persona ON events (persona, seq);
        CREATE INDEX events_decision ON events (decision, seq);
        CREATE INDEX events_source ON events (source, seq);
        COMMIT;)");
}

Result<PruneMark> pruneMark(sqlite::Database &db)
{
    PruneMark mark;
    auto s = db.prepare("SELECT key, value FROM meta WHERE key IN ('pruned_through', 'pruned_hash')");
    if (!s)
        return std::unexpected(s.error());
    while (s->step() == SQLITE_ROW) {
        if (s->text(0) == QLatin1StringView("pruned_through"))
            mark.throughSeq = s->int64(1);
        else
            mark.hash = QByteArray::fromHex(s->text(1).toLatin1());
    }
    return mark;
}

QByteArray headText(const Head &head)
{
    return QByteArrayLiteral("{\"format\":\"paddock-audit-head\",\"version\":1,\"seq\":") +
           QByteArray::number(head.seq) + QByteArrayLiteral(",\"hash\":\"") + head.hash.toHex() +
           QByteArrayLiteral("\"}\n");
}

Result<Head> parseHead(const QByteArray &text, const QString &path)
{
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(text, &error).object();
    const QByteArray hash = QByteArray::fromHex(o.value(QStringLiteral("hash")).toString().toLatin1());
    if (error.error != QJsonParseError::NoError ||
        o.value(QStringLiteral("format")).toString() != QLatin1StringView("paddock-audit-head") ||
        !o.value(QStringLiteral("seq")).isDouble() || hash.size() != AuditEvent::HashSize)
        return fail(
            Error::Code::Parse, Text::tr("the head file is not readable"), path,
            Text::tr("It should hold the newest event's sequence number and hash; it may have been edited."));
    return Head{o.value(QStringLiteral("seq")).toInteger(), hash};
}

Result<Head> readHead(const QString &path)
{
    auto bytes = AtomicFile::read(path);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parseHead(*bytes, path);
}

} // namespace paddock::auditschema
