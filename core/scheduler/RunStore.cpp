#include "scheduler/RunStore.h"

#include "config/Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::RunStore)
};

constexpr const char *Columns =
    "id, job, scheduled, started, ended, status, trigger, reason, exit_code, attempt, input_tokens, "
    "output_tokens, cache_tokens, cost, result, container, workspace, slots, last_slot";

qint64 ms(const QDateTime &t)
{
    return t.toMSecsSinceEpoch();
}

QDateTime fromMs(const sqlite::Statement &s, int column)
{
    if (s.isNull(column))
        return {};
    return QDateTime::fromMSecsSinceEpoch(s.int64(column), QTimeZone::UTC);
}

void bindTime(sqlite::Statement &s, int index, const QDateTime &t)
{
    if (t.isValid())
        s.bind(index, ms(t));
    else
        s.bindNull(index);
}

// Binds every column but id, from ?1 (job) on.
void bindRun(sqlite::Statement &s, const Run &run)
{
    s.bind(1, run.job);
    s.bind(2, ms(run.scheduled));
    bindTime(s, 3, run.started);
    bindTime(s, 4, run.ended);
    s.bind(5, Run::statusName(run.status));
    s.bind(6, Run::triggerName(run.trigger));
    s.bind(7, run.reason);
    s.bind(8, qint64(run.exitCode));
    s.bind(9, qint64(run.attempt));
    s.bind(10, run.inputTokens);
    s.bind(11, run.outputTokens);
    s.bind(12, run.cacheTokens);
    if (run.costUsd)
        sqlite3_bind_double(s.get(), 13, *run.costUsd);
    else
        s.bindNull(13);
    s.bind(14, run.result);
    s.bind(15, run.container);
    s.bind(16, run.workspace);
    s.bind(17, qint64(run.slotCount));
    bindTime(s, 18, run.lastSlot);
}

Run readRun(const sqlite::Statement &s)
{
    Run run;
    run.id = s.int64(0);
    run.job = s.text(1);
    run.scheduled = fromMs(s, 2);
    run.started = fromMs(s, 3);
    run.ended = fromMs(s, 4);
    run.status = Run::statusFromName(s.text(5)).value_or(Run::Status::Failed);
    run.trigger = Run::triggerFromName(s.text(6)).value_or(Run::Trigger::Schedule);
    run.reason = s.text(7);
    run.exitCode = int(s.int64(8));
    run.attempt = int(s.int64(9));
    run.inputTokens = s.int64(10);
    run.outputTokens = s.int64(11);
    run.cacheTokens = s.int64(12);
    if (!s.isNull(13))
        run.costUsd = sqlite3_column_double(s.get(), 13);
    run.result = s.text(14);
    run.container = s.text(15);
    run.workspace = s.text(16);
    run.slotCount = int(s.int64(17));
    run.lastSlot = fromMs(s, 18);
    return run;
}
} // namespace

QString RunStore::defaultPath()
{
    return Paths::dataDir() + QStringLiteral("/runs/runs.db");
}

Result<RunStore> RunStore::open(const QString &path)
{
    return openWith(path, sqlite::Database::Mode::ReadWriteCreate);
}

Result<RunStore> RunStore::openReadOnly(const QString &path)
{
    return openWith(path, sqlite::Database::Mode::ReadOnly);
}

Result<RunStore> RunStore::openWith(const QString &path, sqlite::Database::Mode mode)
{
    const bool create = mode == sqlite::Database::Mode::ReadWriteCreate;
    const QString dir = QFileInfo(path).absolutePath();
    if (create && !QDir().mkpath(dir))
        return fail(Error::Code::Io, Text::tr("cannot make the folder of the run history"), dir,
                    Text::tr("Check that it can be written."));
    auto db = sqlite::Database::open(path, mode);
    if (!db) {
        Error e = db.error();
        e.message = Text::tr("cannot open the run history: %1").arg(e.message);
        e.where = path;
        return std::unexpected(e);
    }
    RunStore store;
    store.m_db = std::move(*db);
    store.m_logDir = dir;
    const auto version = store.m_db.scalar("PRAGMA user_version");
    if (!version)
        return std::unexpected(version.error());
    if (*version > FormatVersion)
        return fail(Error::Code::Invalid,
                    Text::tr("the run history is of a newer Paddock (format %1; this one reads %2)")
                        .arg(*version)
                        .arg(FormatVersion),
                    path, Text::tr("Use the newer Paddock, or move the file away to start a new history."));
    if (!create)
        return store;
    if (auto wal = store.m_db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"); !wal)
        return std::unexpected(wal.error());
    if (*version == 0) {
        auto made = store.m_db.exec(
            "BEGIN IMMEDIATE;"
            "CREATE TABLE IF NOT EXISTS runs ("
            " id INTEGER PRIMARY KEY, job TEXT NOT NULL, scheduled INTEGER NOT NULL, started INTEGER,"
            " ended INTEGER, status TEXT NOT NULL, trigger TEXT NOT NULL, reason TEXT NOT NULL,"
            " exit_code INTEGER NOT NULL, attempt INTEGER NOT NULL, input_tokens INTEGER NOT NULL,"
            " output_tokens INTEGER NOT NULL, cache_tokens INTEGER NOT NULL, cost REAL,"
            " result TEXT NOT NULL, container TEXT NOT NULL, workspace TEXT NOT NULL,"
            " slots INTEGER NOT NULL, last_slot INTEGER);"
            "CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, id);"
            "CREATE INDEX IF NOT EXISTS runs_by_slot ON runs (scheduled);"
            "CREATE INDEX IF NOT EXISTS runs_unfinished ON runs (status) WHERE status IN ('queued', 'running');"
            "CREATE TABLE IF NOT EXISTS job_state ("
            " job TEXT PRIMARY KEY, cursor INTEGER, schedule_key TEXT NOT NULL, failures INTEGER NOT NULL,"
            " notified INTEGER NOT NULL);"
            "PRAGMA user_version = 1;"
            "COMMIT;");
        if (!made) {
            (void)store.m_db.exec("ROLLBACK");
            return std::unexpected(made.error());
        }
    }
    return store;
}

QString RunStore::logPath(qint64 id) const
{
    return logPathIn(m_logDir, id);
}

QString RunStore::logPathIn(const QString &dir, qint64 id)
{
    return dir + QStringLiteral("/%1.log").arg(id);
}

Error RunStore::error(const QString &what) const
{
    Error e = m_db.error(what);
    e.where = m_db.path();
    return e;
}

Result<void> RunStore::insert(Run &run)
{
    auto s = m_db.prepare("INSERT INTO runs (job, scheduled, started, ended, status, trigger, reason, "
                          "exit_code, attempt, input_tokens, output_tokens, cache_tokens, cost, result, "
                          "container, workspace, slots, last_slot) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    if (!s)
        return std::unexpected(s.error());
    bindRun(*s, run);
    if (s->step() != SQLITE_DONE)
        return std::unexpected(error(Text::tr("cannot record a run")));
    run.id = sqlite3_last_insert_rowid(m_db.get());
    return {};
}

Result<void> RunStore::update(const Run &run)
{
    auto s = m_db.prepare("UPDATE runs SET job = ?1, scheduled = ?2, started = ?3, ended = ?4, status = ?5, "
                          "trigger = ?6, reason = ?7, exit_code = ?8, attempt = ?9, input_tokens = ?10, "
                          "output_tokens = ?11, cache_tokens = ?12, cost = ?13, result = ?14, container = ?15, "
                          "workspace = ?16, slots = ?17, last_slot = ?18 WHERE id = ?19");
    if (!s)
        return std::unexpected(s.error());
    bindRun(*s, run);
    s->bind(19, run.id);
    if (s->step() != SQLITE_DONE)
        return std::unexpected(error(Text::tr("cannot record a run")));
    return {};
}

Result<QList<Run>> RunStore::insertMissed(const QString &job, const QList<QDateTime> &missed,
                                          const QString &reason, qint64 moreSlots, const QDateTime &lastOfMore)
{
    QList<Run> made;
    if (missed.isEmpty())
        return made;
    if (auto begun = m_db.exec("BEGIN IMMEDIATE"); !begun)
        return std::unexpected(begun.error());
    const qsizetype individual = std::min<qsizetype>(missed.size(), MissedRecordsCap);
    for (qsizetype i = 0; i < individual; ++i) {
        Run run;
        run.job = job;
        run.scheduled = missed.at(i);
        run.status = Run::Status::Missed;
        run.reason = reason;
        if (i == individual - 1 && (missed.size() > individual || moreSlots > 0)) {
            run.slotCount = int(std::min<qint64>(missed.size() - individual + 1 + moreSlots, INT_MAX));
            run.lastSlot = lastOfMore.isValid() ? lastOfMore : missed.last();
        }
        if (auto in = insert(run); !in) {
            (void)m_db.exec("ROLLBACK");
            return std::unexpected(in.error());
        }
        made.append(run);
    }
    if (auto committed = m_db.exec("COMMIT"); !committed) {
        (void)m_db.exec("ROLLBACK");
        return std::unexpected(committed.error());
    }
    return made;
}

Result<QList<Run>> RunStore::query(sqlite::Statement &statement)
{
    QList<Run> out;
    for (;;) {
        const int rc = statement.step();
        if (rc == SQLITE_DONE)
            return out;
        if (rc != SQLITE_ROW)
            return std::unexpected(error(Text::tr("cannot read the run history")));
        out.append(readRun(statement));
    }
}

Result<QList<Run>> RunStore::select(const char *rest, const std::function<void(sqlite::Statement &)> &bind)
{
    auto s = m_db.prepare(QByteArray("SELECT ").append(Columns).append(" FROM runs ").append(rest).constData());
    if (!s)
        return std::unexpected(s.error());
    if (bind)
        bind(*s);
    return query(*s);
}

Result<std::optional<Run>> RunStore::find(qint64 id)
{
    return select("WHERE id = ?1", [&](sqlite::Statement &s) { s.bind(1, id); })
        .transform([](const QList<Run> &rows) {
            return rows.isEmpty() ? std::optional<Run>{} : std::optional<Run>{rows.first()};
        });
}

Result<QList<Run>> RunStore::history(const QString &job, int limit, qint64 beforeId)
{
    return select("WHERE (?1 = '' OR job = ?1) AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
                  [&](sqlite::Statement &s) {
                      s.bind(1, job);
                      s.bind(2, beforeId);
                      s.bind(3, qint64(limit));
                  });
}

Result<QList<Run>> RunStore::between(const QDateTime &from, const QDateTime &to)
{
    return select("WHERE scheduled <= ?2 AND (scheduled >= ?1 OR ended >= ?1 OR last_slot >= ?1 "
                  "OR status IN ('queued', 'running')) ORDER BY scheduled, id",
                  [&](sqlite::Statement &s) {
                      s.bind(1, ms(from));
                      s.bind(2, ms(to));
                  });
}

Result<QList<Run>> RunStore::unfinished()
{
    return select("WHERE status IN ('queued', 'running') ORDER BY id", {});
}

Result<JobState> RunStore::state(const QString &job)
{
    auto s = m_db.prepare("SELECT cursor, schedule_key, failures, notified FROM job_state WHERE job = ?1");
    if (!s)
        return std::unexpected(s.error());
    s->bind(1, job);
    JobState state;
    const int rc = s->step();
    if (rc == SQLITE_ROW) {
        state.cursor = fromMs(*s, 0);
        state.scheduleKey = s->text(1);
        state.failures = int(s->int64(2));
        state.notified = s->int64(3) != 0;
    } else if (rc != SQLITE_DONE) {
        return std::unexpected(error(Text::tr("cannot read the run history")));
    }
    return state;
}

Result<void> RunStore::setState(const QString &job, const JobState &state)
{
    auto s = m_db.prepare("INSERT INTO job_state (job, cursor, schedule_key, failures, notified) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (job) DO UPDATE SET cursor = ?2, "
                          "schedule_key = ?3, failures = ?4, notified = ?5");
    if (!s)
        return std::unexpected(s.error());
    s->bind(1, job);
    bindTime(*s, 2, state.cursor);
    s->bind(3, state.scheduleKey);
    s->bind(4, qint64(state.failures));
    s->bind(5, qint64(state.notified ? 1 : 0));
    if (s->step() != SQLITE_DONE)
        return std::unexpected(error(Text::tr("cannot record a job's state")));
    return {};
}

} // namespace paddock
