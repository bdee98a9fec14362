#include "audit/Sqlite.h"

#include <QCoreApplication>

namespace paddock::sqlite {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AuditStore)
};
} // namespace

Statement::Statement(sqlite3 *db, const char *sql, Error *error)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr) != SQLITE_OK) {
        if (error)
            *error = Error{
                Error::Code::Internal, QString::fromUtf8(sqlite3_errmsg(db)), QString::fromUtf8(sql), {}};
        m_stmt = nullptr;
    }
}

void Statement::bind(int index, const QString &text)
{
    bindText(index, text.toUtf8());
}

Result<Database> Database::open(const QString &path, Mode mode)
{
    Database db;
    db.m_path = path;
    const int flags =
        (mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &db.m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error e = db.error(Text::tr("cannot open the audit log"), rc);
        if (rc == SQLITE_CANTOPEN)
            e.code = mode == Mode::ReadOnly ? Error::Code::NotFound : Error::Code::Io;
        return std::unexpected(e);
    }
    sqlite3_extended_result_codes(db.m_db, 1);
    // Another process (the app, paddockctl) may hold the write lock for one batch at a time.
    sqlite3_busy_timeout(db.m_db, 10000);
    return db;
}

void Database::close()
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
}

Result<void> Database::exec(const char *sql)
{
    char *message = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        Error e = error(QString::fromUtf8(message ? message : sqlite3_errstr(rc)), rc);
        sqlite3_free(message);
        return std::unexpected(e);
    }
    return {};
}

Result<Statement> Database::prepare(const char *sql)
{
    Error e;
    Statement s(m_db, sql, &e);
    if (!s.isValid())
        return std::unexpected(error(Text::tr("cannot prepare a query")));
    return s;
}

Result<qint64> Database::scalar(const char *sql, qint64 fallback)
{
    auto s = prepare(sql);
    if (!s)
        return std::unexpected(s.error());
    const int rc = s->step();
    if (rc == SQLITE_ROW)
        return s->isNull(0) ? fallback : s->int64(0);
    if (rc == SQLITE_DONE)
        return fallback;
    return std::unexpected(error(Text::tr("cannot read the audit log"), rc));
}

Error Database::error(const QString &what) const
{
    return error(what, m_db ? sqlite3_extended_errcode(m_db) : SQLITE_ERROR);
}

Error Database::error(const QString &what, int code) const
{
    Error e;
    e.code = isStorageFailure(code) ? Error::Code::Io : Error::Code::Internal;
    const QString detail =
        m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QString::fromUtf8(sqlite3_errstr(code));
    e.message =
        detail.isEmpty() || detail == what ? what : what + QStringLiteral(" (") + detail + QLatin1Char(')');
    e.where = m_path;
    switch (code & 0xff) {
    case SQLITE_FULL:
        e.hint = Text::tr("The disk holding the audit log is full. Free some space; Paddock retries on its "
                          "own and writes the events it kept meanwhile.");
        break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        e.hint = Text::tr("Check that the folder exists, is writable and that its disk works. Paddock "
                          "retries on its own.");
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        e.hint =
            Text::tr("The file is damaged or not an audit log. Move it away to start a new log, and keep "
                     "it for inspection.");
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        e.hint = Text::tr("Another program holds the audit log locked. Paddock retries on its own.");
        break;
    default:
        break;
    }
    return e;
}

bool isStorageFailure(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
        return true;
    default:
        return false;
    }
}

} // namespace paddock::sqlite
