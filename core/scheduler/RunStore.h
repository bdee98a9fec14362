#pragma once

#include "audit/Sqlite.h"
#include "common/Error.h"
#include "scheduler/Run.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace paddock {

// The run history: SQLite (WAL) at $DATA/runs/runs.db, the runs' logs beside it as <id>.log.
// Several processes may open it (the scheduling one writes; the app, paddockctl and a
// non-scheduling instance read). Not thread-safe: one thread per instance.
class RunStore final
{
public:
    static constexpr int FormatVersion = 1;
    // A missed stretch of a job that fires often is kept as this many records at most, the last
    // one standing for the rest (Run::slotCount).
    static constexpr int MissedRecordsCap = 200;

    static QString defaultPath(); // $DATA/runs/runs.db
    // Opens (creating when missing) the history; refuses one of a newer format.
    static Result<RunStore> open(const QString &path);
    // For readers: never creates or changes anything.
    static Result<RunStore> openReadOnly(const QString &path);

    RunStore(RunStore &&) noexcept = default;
    RunStore &operator=(RunStore &&) noexcept = default;

    QString path() const { return m_db.path(); }
    // Where run `id`'s log is (the runner writes it): beside the history, in `dir` for one not open.
    QString logPath(qint64 id) const;
    static QString logPathIn(const QString &dir, qint64 id);

    // Stores a new run; sets its id.
    Result<void> insert(Run &run);
    Result<void> update(const Run &run);
    // Records the missed slots `missed` (ascending) of `job` with `reason`, in one transaction,
    // capped at MissedRecordsCap records. Returns the records made.
    Result<QList<Run>> insertMissed(const QString &job, const QList<QDateTime> &missed,
                                    const QString &reason, qint64 moreSlots = 0,
                                    const QDateTime &lastOfMore = {});

    Result<std::optional<Run>> find(qint64 id);
    // The newest first; `job` empty: every job's.
    Result<QList<Run>> history(const QString &job, int limit, qint64 beforeId = 0);
    // Every run whose span (slot or start to end; unfinished: to now) meets [from, to], by slot.
    Result<QList<Run>> between(const QDateTime &from, const QDateTime &to);
    // Queued and running runs (of every job).
    Result<QList<Run>> unfinished();

    Result<JobState> state(const QString &job);
    Result<void> setState(const QString &job, const JobState &state);

private:
    RunStore() = default;
    static Result<RunStore> openWith(const QString &path, sqlite::Database::Mode mode);
    Result<QList<Run>> query(sqlite::Statement &statement);
    // SELECT every column FROM runs `rest` (WHERE … ORDER BY …), its parameters bound by `bind`.
    Result<QList<Run>> select(const char *rest, const std::function<void(sqlite::Statement &)> &bind);
    Error error(const QString &what) const;

    sqlite::Database m_db;
    QString m_logDir;
};

} // namespace paddock
