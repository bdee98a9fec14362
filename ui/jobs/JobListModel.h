#pragma once

#include "scheduler/Job.h"
#include "scheduler/Run.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QSet>

#include <optional>

namespace paddock {

// The jobs as the Jobs page lists them: name, schedule in words with its zone, the next run in the
// job's zone, the last run's status, the failures in a row, and whether it is enabled (with why
// not). Filled from the scheduler's snapshots and kept current by its signals (applyRun,
// applyIncident), never by asking again. UI thread.
class JobListModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobListModel)

public:
    enum Column { Name, Schedule, NextRun, LastStatus, Failures, Enabled, ColumnCount };
    enum Role {
        JobNameRole = Qt::UserRole + 1,
        StatusRole,   // LastStatus: the Run::Status as an int (-1: never ran)
        FailuresRole, // Failures: the count as an int
    };

    explicit JobListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The jobs and the scheduler's next slot of each (SchedulerService::nextRuns()).
    void setJobs(const QList<Job> &jobs, const QHash<QString, QDateTime> &nextRuns);
    // A job's recent history, the newest first (SchedulerService::history): its last status and
    // its failures in a row.
    void setHistory(const QString &job, const QList<Run> &newestFirst);
    void applyRun(const Run &run);
    // The scheduler's word: `failures` in a row (SchedulerService::incident).
    void applyIncident(const QString &job, int failures, const Run &last);
    // The scheduling process's own count for each job (SchedulerService::jobStates(); empty
    // while another process schedules, when the count from the history stands).
    void applyStates(const QHash<QString, JobState> &states);

    const QList<Job> &jobs() const { return m_jobs; }
    int rowOf(const QString &job) const;
    std::optional<Job> job(const QString &name) const;
    int failures(const QString &job) const { return m_state.value(job).failures; }
    // What the Last status column shows: a running or queued run, else the newest ended one.
    std::optional<Run> lastRun(const QString &job) const;

private:
    struct State
    {
        std::optional<Run> last; // the run that ended last (skipped and missed too)
        QHash<qint64, Run> open; // queued and running
        int failures = 0;
        QSet<qint64> counted; // runs counted in `failures` (each once)
    };
    struct Shown
    {
        QString schedule; // in words, with the zone
        QString expression;
        QString next;
    };

    Shown describe(const Job &job) const;
    void updateNext(int row);
    void changed(int row, int firstColumn, int lastColumn);

    QList<Job> m_jobs;
    QList<Shown> m_shown;
    QHash<QString, QDateTime> m_next;
    QHash<QString, State> m_state; // by job, also for jobs not (yet) listed
};

} // namespace paddock
