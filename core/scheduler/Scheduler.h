#pragma once

#include "common/Error.h"
#include "scheduler/CronSchedule.h"
#include "scheduler/Job.h"
#include "scheduler/Run.h"
#include "scheduler/RunStore.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>

#include <chrono>
#include <optional>

namespace paddock {

// What the scheduler reads the time from: the system's clock, or a test's.
class SchedulerClock
{
public:
    virtual ~SchedulerClock() = default;
    virtual QDateTime now() const = 0; // UTC
};

// Runs what the scheduler admits: a fresh container of the job's persona (JobRunner), or a test's
// stand-in. launch() returns at once; the launcher calls Scheduler::finished later (never from
// within launch() or cancel()), on the
// scheduler's thread, exactly once per launch.
class RunLauncher
{
public:
    virtual ~RunLauncher() = default;
    virtual void launch(const Run &run, const Job &job) = 0;
    // Stops a launched run (Scheduler::finished follows, with Cancelled).
    virtual void cancel(qint64 runId) = 0;
};

// The schedule's logic, with no timers and no I/O but the run history: what is due at a moment,
// what was missed and why, the catch-up and overlap rules, admission under the global limit,
// retries of transient failures within the slot, and the circuit breaker. The service
// (SchedulerService) arms a wall-clock timer at nextWakeup() and calls tick() when it fires, when
// the machine wakes, and when the clock or the zone changes; tests call it with a clock of their
// own.
//
// A job's cursor is the last slot it handled (ran, skipped or recorded missed), kept in the run
// history, so that a slot is never run twice, also across restarts and clocks set back. A slot is
// on time when the tick comes within onTimeSlack of it; a later one was missed (Paddock was not
// running, the machine slept, the clock jumped) and the job's catch-up rule says what happens:
// skip (recorded missed), latest (one run for all of them) or all (each, up to catchUpLimit,
// staggered); a slot later than maxLatenessMinutes is missed whatever the rule. The overlap rule
// meets a new run when one of the job's runs is queued or running: forbid (skipped: still
// running), allow, replace (the older is cancelled). At most maxConcurrent runs run at once;
// admission goes in order of arrival, but a run that may not start yet (its job's earlier run
// still running, a retry's backoff) never holds up another job's.
//
// Lives on one thread (the scheduler service's); not thread-safe.
class Scheduler final : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int maxConcurrent = 2;
        std::chrono::seconds onTimeSlack{120};
        std::chrono::seconds retryBackoff{30}; // doubled at each retry
        std::chrono::seconds stagger{60};      // between the runs of one catch-up (all)
        int breakerNotifyAt = 2;               // consecutive failures that notify, once
    };
    // Why the service looks at the schedule now: it tells why slots were missed.
    enum class Cause { Timer, Start, Wake, ClockChange, ZoneChange, JobsChanged };

    Scheduler(RunStore &store, const SchedulerClock &clock, RunLauncher &launcher, Options options);
    Scheduler(RunStore &store, const SchedulerClock &clock, RunLauncher &launcher)
        : Scheduler(store, clock, launcher, Options{})
    {}
    ~Scheduler() override;

    // Paddock started: runs left queued or running by a previous process are recorded
    // interrupted, `jobs` are taken, those scheduled "on start" run, missed slots are caught up.
    void begin(const QList<Job> &jobs);
    // The jobs changed (jobs.json): an edited schedule or zone starts afresh from now, a job
    // enabled again has its failures forgotten, queued runs of a removed or disabled job are
    // cancelled (running ones go on).
    void setJobs(const QList<Job> &jobs);
    // Starts what is due, records what was missed.
    void tick(Cause cause = Cause::Timer);
    // The machine slept from `from` to `to` (logind): slots in between were missed because of it.
    void noteSleep(const QDateTime &from, const QDateTime &to);
    // When tick() has something to do next (a slot, a retry, a staggered start); none: nothing.
    std::optional<QDateTime> nextWakeup() const;
    // The next slot of `job` (from its cursor or now); none when it has none or is disabled.
    std::optional<QDateTime> nextSlot(const QString &job) const;

    // "Run now": queued at once (Trigger::Manual). Refused when the job is unknown, or its
    // overlap rule is forbid and a run of it is queued or running.
    Result<Run> runNow(const QString &job);
    // Cancels a queued or running run; false when it is neither.
    bool cancel(qint64 runId, const QString &reason = {});
    // The launcher's report of a launched run.
    void finished(qint64 runId, const RunOutcome &outcome);
    // Queued and running runs.
    QList<Run> active() const;
    std::optional<JobState> jobState(const QString &job) const;
    const Options &options() const { return m_options; }

signals:
    // A run was made or changed (queued, running, ended, skipped, missed).
    void runChanged(const paddock::Run &run);
    // nextWakeup() may have changed.
    void wakeupChanged();
    // A job failed breakerNotifyAt times in a row: once per incident, until it succeeds again.
    void incident(const QString &job, int failures, const paddock::Run &last);
    // A job failed failureThreshold times in a row: the service disables it with `reason`.
    void disableRequested(const QString &job, const QString &reason);
    // The run history cannot be written: runs still run, but are not recorded.
    void storeFailed(const paddock::Error &error);

private:
    struct Entry
    {
        Job job;
        std::optional<CronSchedule> schedule; // none: on start, or a schedule that cannot be used
        bool onStart = false;                 // the schedule "on start"
        JobState state;
    };
    struct Pending
    {
        Run run;
        QDateTime notBefore; // a retry's backoff, a staggered catch-up start
    };

    QDateTime now() const { return m_clock.now(); }
    static QString scheduleKey(const Job &job);
    void take(const QList<Job> &jobs, bool starting);
    void due(Entry &entry, const QDateTime &now, Cause cause);
    QString whyMissed(const QDateTime &slot, Cause cause) const;
    // A run of `entry`'s job for `slot` meets its overlap rule; queued unless skipped.
    void offer(Entry &entry, const QDateTime &slot, Run::Trigger trigger, const QDateTime &notBefore);
    void admit();
    bool mayStart(const Pending &pending, const QDateTime &now) const;
    void endRun(Run &run, const RunOutcome &outcome);
    bool jobBusy(const QString &job) const;
    void store(Run &run);
    void saveState(const Entry &entry);

    RunStore &m_store;
    const SchedulerClock &m_clock;
    RunLauncher &m_launcher;
    Options m_options;
    QHash<QString, Entry> m_jobs;
    QStringList m_order; // the jobs in jobs.json's order: who goes first when several are due
    QList<Pending> m_queue;        // in order of arrival
    QHash<qint64, Run> m_running;
    QHash<qint64, QString> m_cancelReasons;
    QDateTime m_began;
    QList<std::pair<QDateTime, QDateTime>> m_sleeps;
};

} // namespace paddock
