// libFuzzer target: what the audit verifier reads may have been written by an attacker: the head
// file, exported JSON lines, and the database's rows themselves (any column of any type).
// Properties: nothing crashes; a head file or event that parses round-trips; a log whose rows
// were changed in any way is never reported intact.
#include "audit/AuditEvent.h"
#include "audit/AuditSchema.h"
#include "audit/AuditStore.h"
#include "audit/AuditVerifier.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <unistd.h>

using namespace paddock;

namespace {
const QString base = QDir::tempPath() + QStringLiteral("/fuzz_audit_log-%1").arg(::getpid());

// A small intact log, made once.
QByteArray baseLog()
{
    static QByteArray bytes = [] {
        QDir().mkpath(base);
        const QString db = base + QStringLiteral("/base.db");
        {
            AuditStore store(db);
            if (!store.start())
                __builtin_trap();
            for (int i = 0; i < 8; ++i) {
                AuditEvent e = AuditEvent::system(QStringLiteral("connect"), QStringLiteral("host%1").arg(i),
                                                  {{QStringLiteral("n"), i}});
                e.persona = QStringLiteral("agent");
                e.policies = {QStringLiteral("p%1").arg(i)};
                store.append(std::move(e));
            }
            while (store.lastSeq() < 8)
                QCoreApplication::processEvents();
            store.stop();
        }
        QFile f(db);
        if (!f.open(QIODevice::ReadOnly))
            __builtin_trap();
        return f.readAll();
    }();
    return bytes;
}

QByteArray dump(sqlite3 *db)
{
    QByteArray out;
    sqlite3_stmt *s = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT quote(seq), quote(time_us), quote(source), quote(persona), quote(action), "
                       "quote(resource), quote(decision), quote(policies), quote(details), quote(prev_hash), "
                       "quote(hash) FROM events ORDER BY rowid",
                       -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW)
        for (int c = 0; c < 11; ++c)
            out += reinterpret_cast<const char *>(sqlite3_column_text(s, c)) + QByteArray("|");
    sqlite3_finalize(s);
    return out;
}

void fuzzRows(const uint8_t *data, size_t size)
{
    static const char *columns[] = {"time_us",  "source",  "persona",   "action", "resource", "decision",
                                    "policies", "details", "prev_hash", "hash",   "seq"};
    const QByteArray log = baseLog(); // made first: it also makes the folder
    const QString db = base + QStringLiteral("/case.db");
    QFile::remove(db);
    QFile::remove(db + QStringLiteral("-wal"));
    {
        QFile f(db);
        if (!f.open(QIODevice::WriteOnly))
            __builtin_trap();
        f.write(log);
    }
    sqlite3 *h = nullptr;
    if (sqlite3_open(db.toUtf8().constData(), &h) != SQLITE_OK)
        __builtin_trap();
    const QByteArray before = dump(h);
    // Each change: seq (1 byte), column (1 byte), kind (1 byte), length (1 byte), value bytes.
    size_t at = 0;
    while (at + 4 <= size) {
        const int seq = data[at] % 10;
        const char *column = columns[data[at + 1] % 11];
        const int kind = data[at + 2] % 4;
        const size_t len = std::min<size_t>(data[at + 3], size - at - 4);
        const QByteArray value(reinterpret_cast<const char *>(data + at + 4), qsizetype(len));
        at += 4 + len;
        const QByteArray sql = "UPDATE OR IGNORE events SET " + QByteArray(column) + " = ? WHERE seq = ?";
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(h, sql.constData(), -1, &s, nullptr) != SQLITE_OK)
            continue;
        switch (kind) {
        case 0:
            sqlite3_bind_text(s, 1, value.constData(), int(value.size()), SQLITE_TRANSIENT);
            break;
        case 1:
            sqlite3_bind_blob(s, 1, value.constData(), int(value.size()), SQLITE_TRANSIENT);
            break;
        case 2:
            sqlite3_bind_int64(s, 1, value.isEmpty() ? 0 : qint64(static_cast<int8_t>(value[0])) * 1000003);
            break;
        default:
            sqlite3_bind_null(s, 1);
        }
        sqlite3_bind_int(s, 2, seq);
        sqlite3_step(s);
        sqlite3_finalize(s);
    }
    const bool changed = dump(h) != before;
    sqlite3_close(h);
    auto v = AuditVerifier::verify(db, base + QStringLiteral("/base.head"));
    if (v && changed && v->ok())
        __builtin_trap(); // a changed log reported intact
    if (v && !changed && !v->ok())
        __builtin_trap(); // an intact log reported tampered
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static int argc = 1;
    static char name[] = "fuzz_audit_log";
    static char *argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    const QByteArray text(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    switch (data[0] % 3) {
    case 0: {
        auto head = auditschema::parseHead(text, QStringLiteral("audit.head"));
        if (head) {
            auto again = auditschema::parseHead(auditschema::headText(*head), QStringLiteral("audit.head"));
            if (!again || again->seq != head->seq || again->hash != head->hash)
                __builtin_trap();
        } else if (head.error().where.isEmpty()) {
            __builtin_trap();
        }
        break;
    }
    case 1: {
        const QJsonDocument doc = QJsonDocument::fromJson(text);
        auto event = AuditEvent::fromJson(doc.object());
        if (event) {
            auto again = AuditEvent::fromJson(QJsonDocument::fromJson(event->toJsonLine()).object());
            if (!again || again->canonical() != event->canonical())
                __builtin_trap();
        }
        break;
    }
    default:
        fuzzRows(data + 1, size - 1);
    }
    return 0;
}
