#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace paddock {

// One execution of a job, or one slot of its schedule that did not run (skipped, missed). What the
// run history (RunStore) keeps and what the timeline draws. Times are UTC.
struct Run
{
    enum class Status {
        Queued,      // due, waiting for admission (the concurrency limit) or for a retry
        Running,     // its container is being set up or the agent runs
        Ok,          // exit code 0 and the agent's own result a success
        Failed,      // the agent or the command failed, or its container could not be set up
        Timeout,     // stopped at the job's timeout (SIGTERM, grace, SIGKILL)
        Budget,      // stopped at the job's hard token or cost limit
        Skipped,     // not run, with the reason (e.g. still running)
        Missed,      // the slot passed while nothing could run it (asleep, off, Paddock stopped)
        Interrupted, // Paddock stopped while it ran
        Cancelled,   // stopped by a person, or replaced by a newer run
    };
    enum class Trigger {
        Schedule, // its slot, on time
        CatchUp,  // a slot that was missed, run late by the catch-up rule
        Manual,   // "Run now"
        OnStart,  // the schedule "on start"
    };

    qint64 id = 0;
    QString job;
    QDateTime scheduled; // the slot (for Manual: when it was asked for)
    QDateTime started;   // when its container's setup began; invalid until then
    QDateTime ended;
    Status status = Status::Queued;
    Trigger trigger = Trigger::Schedule;
    QString reason; // why it was skipped, missed, failed, cancelled; the agent's error
    int exitCode = -1;
    int attempt = 1; // retries of a transient failure count up
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheTokens = 0;
    std::optional<double> costUsd; // only when the agent reports it
    QString result;                // the agent's final answer (its own JSON), shortened
    QString container;
    QString workspace;
    // A missed record may stand for many slots of a job that fires often (see RunStore): how
    // many, and the last of them (`scheduled` is the first).
    int slotCount = 1;
    QDateTime lastSlot;

    bool isFinal() const { return status != Status::Queued && status != Status::Running; }
    // Counts towards the breaker: the job's own failures, not a person's or Paddock's stop.
    bool isFailure() const
    {
        return status == Status::Failed || status == Status::Timeout || status == Status::Budget;
    }
    qint64 totalTokens() const { return inputTokens + outputTokens + cacheTokens; }

    static QString statusName(Status status); // ok, failed, … as stored and printed by paddockctl
    static std::optional<Status> statusFromName(const QString &name);
    static QString statusText(Status status); // translated, for people
    static QString triggerName(Trigger trigger);
    static std::optional<Trigger> triggerFromName(const QString &name);

    // As paddockctl prints it (--json) and the scheduler's socket carries it: times ISO 8601 UTC.
    QJsonObject toJson() const;
    static Run fromJson(const QJsonObject &object);

    bool operator==(const Run &) const = default;
};

// What the scheduler keeps about a job between runs of Paddock.
struct JobState
{
    QDateTime cursor;     // the last slot handled (run, skipped or missed); invalid: none yet
    QString scheduleKey;  // the schedule and zone the cursor belongs to (an edit starts afresh)
    int failures = 0;     // consecutive failures (the breaker)
    bool notified = false; // the incident's one notification was sent
    bool operator==(const JobState &) const = default;
};

// How a run ended, as its launcher tells the scheduler.
struct RunOutcome
{
    Run::Status status = Run::Status::Failed; // Ok, Failed, Timeout, Budget, Cancelled, Interrupted
    // A failure before the agent ran (no engine, image missing): retried within the slot.
    bool transient = false;
    int exitCode = -1;
    QString reason;
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
    qint64 cacheTokens = 0;
    std::optional<double> costUsd;
    QString result;
    QString container;
    QString workspace;
};

} // namespace paddock

Q_DECLARE_METATYPE(paddock::Run)
Q_DECLARE_METATYPE(paddock::RunOutcome)
