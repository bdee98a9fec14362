#pragma once

#include "common/Error.h"
#include "scheduler/Job.h"

#include <QList>
#include <QString>

#include <optional>

namespace paddock {

// The jobs, stored as $CONFIG/jobs.json ({"version": 1, "jobs": [...]}). As PersonaStore: a file
// that cannot be used is reported as file:line:column with what to do (an error in a schedule
// points at its column inside the string), left untouched and not overwritten; every change is
// validated first and written atomically, keeping the previous version (AtomicFile).
// Not thread-safe; file access is meant for a worker thread.
class JobStore final
{
public:
    static constexpr int FormatVersion = 1;

    explicit JobStore(QString path);
    static QString defaultPath(); // $CONFIG/jobs.json
    QString path() const { return m_path; }

    // Reads the file; a missing one means no jobs.
    Result<void> load();
    bool isWritable() const { return !m_loadError.has_value(); }

    const QList<Job> &jobs() const { return m_jobs; }
    std::optional<Job> find(const QString &name) const;

    Result<void> add(const Job &job);
    Result<void> update(const QString &name, const Job &job);
    Result<void> remove(const QString &name);
    // Enabling clears the reason; disabling records it (the breaker's, or "disabled by you").
    Result<void> setEnabled(const QString &name, bool enabled, const QString &reason = {});

    static Result<QList<Job>> parse(const QByteArray &text, const QString &path);
    static QByteArray serialize(const QList<Job> &jobs);
    // Every field in range, names unique, the schedule and the zone valid. `index` says which
    // job and `field` which key is wrong (for file positions); `column` a column in the schedule.
    struct Problem
    {
        qsizetype index = -1;
        QString field;
        QString message;
        int column = 0;
    };
    static std::optional<Problem> validate(const QList<Job> &jobs);
    static std::optional<Problem> validate(const Job &job);

private:
    Result<void> save(const QList<Job> &jobs);

    QString m_path;
    QList<Job> m_jobs;
    std::optional<Error> m_loadError;
};

} // namespace paddock
