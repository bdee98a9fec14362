#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QString>

#include <sqlite3.h>

#include <utility>

namespace paddock::sqlite {

// A few owning wrappers over SQLite's C API: the audit log needs prepared statements reused across
// a batch and explicit transactions, which is simpler and faster this way than through QtSql.

class Statement
{
public:
    Statement() = default;
    Statement(sqlite3 *db, const char *sql, Error *error);
    Statement(Statement &&other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
    {}
    Statement &operator=(Statement &&other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        return *this;
    }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement() { sqlite3_finalize(m_stmt); }

    bool isValid() const { return m_stmt != nullptr; }
    sqlite3_stmt *get() const { return m_stmt; }

    void bind(int index, qint64 value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, const QString &text);
    void bindText(int index, const QByteArray &utf8)
    {
        sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    // The bytes must stay alive and unchanged until the statement is stepped (and reset).
    void bindStaticText(int index, QByteArrayView utf8)
    {
        // An empty QByteArray has no data: that would bind NULL, not ''.
        sqlite3_bind_text(m_stmt, index, utf8.data() ? utf8.data() : "", int(utf8.size()), SQLITE_STATIC);
    }
    void bindStaticBlob(int index, QByteArrayView bytes)
    {
        sqlite3_bind_blob(m_stmt, index, bytes.data(), int(bytes.size()), SQLITE_STATIC);
    }
    void bindBlob(int index, const QByteArray &bytes)
    {
        sqlite3_bind_blob(m_stmt, index, bytes.constData(), int(bytes.size()), SQLITE_TRANSIENT);
    }
    void bindNull(int index) { sqlite3_bind_null(m_stmt, index); }

    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }

    qint64 int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
    bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    QString text(int column) const
    {
        const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column));
    }
    QByteArray bytes(int column) const
    {
        const auto *p = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
        return QByteArray(p, sqlite3_column_bytes(m_stmt, column));
    }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

class Database
{
public:
    Database() = default;
    Database(Database &&other) noexcept
        : m_db(std::exchange(other.m_db, nullptr))
        , m_path(std::move(other.m_path))
    {}
    Database &operator=(Database &&other) noexcept
    {
        std::swap(m_db, other.m_db);
        std::swap(m_path, other.m_path);
        return *this;
    }
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    ~Database() { close(); }

    enum class Mode { ReadOnly, ReadWriteCreate };
    static Result<Database> open(const QString &path, Mode mode);
    void close();

    sqlite3 *get() const { return m_db; }
    QString path() const { return m_path; }

    // Runs statements that return no rows.
    Result<void> exec(const char *sql);
    Result<Statement> prepare(const char *sql);
    // A single integer (the first column of the first row), or `fallback` when there is no row.
    Result<qint64> scalar(const char *sql, qint64 fallback = 0);

    // The last error as a person reads it, naming the database.
    Error error(const QString &what) const;
    Error error(const QString &what, int code) const;

private:
    sqlite3 *m_db = nullptr;
    QString m_path;
};

// Whether a result code means the disk is full or the file cannot be written (as opposed to a bug).
bool isStorageFailure(int code);

} // namespace paddock::sqlite
