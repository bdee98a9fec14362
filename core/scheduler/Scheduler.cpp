#include "scheduler/Scheduler.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::Scheduler)
};

using Instant = CronSchedule::Instant;

// Enumerating slots stops here: a job every minute that missed more than two months is told as
// "at least" this many.
constexpr int SlotScanLimit = 100000;

Instant instant(const QDateTime &t)
{
    return Instant{std::chrono::seconds{t.toSecsSinceEpoch()}};
}

QDateTime dateTime(Instant t)
{
    return QDateTime::fromSecsSinceEpoch(t.time_since_epoch().count(), QTimeZone::UTC);
}

QString localTime(const QDateTime &t, const Job &job)
{
    return t.toTimeZone(QTimeZone(job.timeZone.toUtf8())).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}
} // namespace

Scheduler::Scheduler(RunStore &store, const SchedulerClock &clock, RunLauncher &launcher, Options options)
    : m_store(store)
    , m_clock(clock)
    , m_launcher(launcher)
    , m_options(options)
{}

Scheduler::~Scheduler() = default;

QString Scheduler::scheduleKey(const Job &job)
{
    return job.schedule + u'|' + job.timeZone;
}

void Scheduler::begin(const QList<Job> &jobs)
{
    m_began = now();
    if (auto left = m_store.unfinished()) {
        for (Run run : *left) {
            const bool ran = run.status == Run::Status::Running;
            run.status = Run::Status::Interrupted;
            run.ended = ran ? m_began : QDateTime();
            run.reason = ran ? Text::tr("Paddock stopped while it ran") : Text::tr("Paddock stopped before it ran");
            store(run);
        }
    } else {
        emit storeFailed(left.error());
    }
    take(jobs, true);
    for (const QString &name : std::as_const(m_order))
        if (Entry &entry = m_jobs[name]; entry.job.enabled && entry.onStart)
            offer(entry, m_began, Run::Trigger::OnStart, {});
    tick(Cause::Start);
}

void Scheduler::setJobs(const QList<Job> &jobs)
{
    take(jobs, false);
    tick(Cause::JobsChanged);
}

void Scheduler::take(const QList<Job> &jobs, bool starting)
{
    const QDateTime t = now();
    QHash<QString, Entry> next;
    m_order.clear();
    for (const Job &job : jobs) {
        m_order.append(job.name);
        Entry entry;
        entry.job = job;
        if (auto expression = CronExpression::parse(job.schedule)) {
            entry.onStart = expression->isOnStart();
            if (!entry.onStart)
                if (auto schedule = CronSchedule::create(*expression, job.timeZone))
                    entry.schedule = std::move(*schedule);
        }
        const auto old = m_jobs.constFind(job.name);
        if (old != m_jobs.cend()) {
            entry.state = old->state;
        } else if (auto stored = m_store.state(job.name)) {
            entry.state = *stored;
        } else {
            emit storeFailed(stored.error());
        }
        bool changed = false;
        // A new job, or one whose schedule or zone was edited, starts from now: slots of before
        // were never its own.
        if (!entry.state.cursor.isValid() || entry.state.scheduleKey != scheduleKey(job)) {
            entry.state.cursor = t;
            entry.state.scheduleKey = scheduleKey(job);
            changed = true;
        }
        // Enabled again (by a person, after the breaker or a pause): its count starts over, and
        // the slots while it was disabled were not missed.
        if (!starting && old != m_jobs.cend() && !old->job.enabled && job.enabled) {
            entry.state.failures = 0;
            entry.state.notified = false;
            entry.state.cursor = std::max(entry.state.cursor, t);
            changed = true;
        }
        if (changed)
            saveState(entry);
        next.insert(job.name, std::move(entry));
    }
    m_jobs = std::move(next);
    // Queued runs of jobs that are gone or disabled will not run.
    for (qsizetype i = m_queue.size() - 1; i >= 0; --i) {
        const auto entry = m_jobs.constFind(m_queue.at(i).run.job);
        if (entry != m_jobs.cend() && entry->job.enabled)
            continue;
        Run run = m_queue.takeAt(i).run;
        run.status = Run::Status::Cancelled;
        run.reason = entry == m_jobs.cend() ? Text::tr("the job was removed") : Text::tr("the job was disabled");
        store(run);
    }
}

void Scheduler::noteSleep(const QDateTime &from, const QDateTime &to)
{
    m_sleeps.append({from, to});
    while (m_sleeps.size() > 64)
        m_sleeps.removeFirst();
}

void Scheduler::tick(Cause cause)
{
    const QDateTime t = now();
    for (const QString &name : std::as_const(m_order))
        due(m_jobs[name], t, cause);
    admit();
    emit wakeupChanged();
}

QString Scheduler::whyMissed(const QDateTime &slot, Cause cause) const
{
    if (m_began.isValid() && slot < m_began)
        return Text::tr("Paddock was not running");
    for (const auto &[from, to] : m_sleeps)
        if (slot >= from && slot <= to)
            return Text::tr("the computer was asleep");
    if (cause == Cause::ClockChange)
        return Text::tr("the system clock was changed");
    if (cause == Cause::Wake)
        return Text::tr("the computer was asleep");
    return Text::tr("Paddock was too busy to start it on time");
}

void Scheduler::due(Entry &entry, const QDateTime &t, Cause cause)
{
    const Job &job = entry.job;
    if (!entry.schedule)
        return;
    if (!job.enabled) {
        // Slots of a disabled job are neither run nor missed.
        if (entry.state.cursor < t) {
            entry.state.cursor = t;
            saveState(entry);
        }
        return;
    }
    if (entry.state.cursor >= t) // nothing new, or the clock was set back: wait for it
        return;
    QList<QDateTime> late; // the slots since the cursor
    bool more = false;
    std::optional<Instant> s = entry.schedule->next(instant(entry.state.cursor));
    const Instant end = instant(t);
    while (s && *s <= end) {
        if (late.size() == SlotScanLimit) {
            more = true;
            break;
        }
        late.append(dateTime(*s));
        s = entry.schedule->next(*s);
    }
    if (late.isEmpty())
        return;
    QDateTime last = late.last();
    if (more) { // jump to the last slot so far behind that counting it is pointless
        while (s && *s <= end) {
            last = dateTime(*s);
            s = entry.schedule->next(*s);
        }
    }
    entry.state.cursor = last;
    saveState(entry);

    const qint64 slack = m_options.onTimeSlack.count();
    const qint64 maxLateness = qint64(job.maxLatenessMinutes) * 60;
    std::optional<QDateTime> onTime;
    if (!more && late.last().secsTo(t) <= slack)
        onTime = late.takeLast();
    // The late ones: too late whatever the rule, or for the catch-up rule.
    QList<QDateTime> tooLate, candidates;
    for (const QDateTime &slot : std::as_const(late))
        (slot.secsTo(t) > maxLateness ? tooLate : candidates).append(slot);

    QList<QDateTime> toRun;
    QList<QDateTime> superseded, overLimit;
    switch (job.catchUp) {
    case Job::CatchUp::Skip:
        break;
    case Job::CatchUp::Latest:
        if (!candidates.isEmpty()) {
            if (onTime) {
                superseded = candidates;
            } else {
                toRun.append(candidates.takeLast());
                superseded = candidates;
            }
            candidates.clear();
        }
        break;
    case Job::CatchUp::All: {
        const qsizetype keep = std::min<qsizetype>(candidates.size(), std::max(0, job.catchUpLimit));
        overLimit = candidates.mid(0, candidates.size() - keep);
        toRun = candidates.mid(candidates.size() - keep);
        candidates.clear();
        break;
    }
    }

    // Every slot not run gets a missed record with the reason.
    const auto recordMissed = [&](const QList<QDateTime> &list, const QString &why, qint64 moreSlots,
                                  const QDateTime &lastOfMore) {
        QHash<QString, QList<QDateTime>> byReason;
        QStringList order;
        for (const QDateTime &slot : list) {
            const QString reason = whyMissed(slot, cause) + QStringLiteral("; ") + why;
            if (!byReason.contains(reason))
                order.append(reason);
            byReason[reason].append(slot);
        }
        for (const QString &reason : std::as_const(order)) {
            const bool lastGroup = reason == order.last();
            auto made = m_store.insertMissed(job.name, byReason.value(reason), reason, lastGroup ? moreSlots : 0,
                                             lastGroup ? lastOfMore : QDateTime());
            if (!made) {
                emit storeFailed(made.error());
                continue;
            }
            for (const Run &run : std::as_const(*made))
                emit runChanged(run);
        }
    };
    if (!tooLate.isEmpty())
        recordMissed(tooLate,
                     Text::tr("more than %n minute(s) late (its maximum lateness)", nullptr, job.maxLatenessMinutes),
                     more ? 1 : 0, more ? last : QDateTime());
    if (!candidates.isEmpty())
        recordMissed(candidates, Text::tr("its catch-up rule is skip"), 0, {});
    if (!overLimit.isEmpty())
        recordMissed(overLimit, Text::tr("over its catch-up limit of %n run(s)", nullptr, job.catchUpLimit), 0, {});
    if (!superseded.isEmpty()) {
        const QDateTime by = onTime ? *onTime : toRun.last();
        recordMissed(superseded, Text::tr("caught up by the run for %1").arg(localTime(by, job)), 0, {});
    }

    QDateTime notBefore = t;
    for (const QDateTime &slot : std::as_const(toRun)) {
        offer(entry, slot, Run::Trigger::CatchUp, notBefore);
        notBefore = notBefore.addSecs(m_options.stagger.count());
    }
    if (onTime)
        offer(entry, *onTime, Run::Trigger::Schedule, {});
}

bool Scheduler::jobBusy(const QString &job) const
{
    for (const Run &run : m_running)
        if (run.job == job)
            return true;
    for (const Pending &p : m_queue)
        if (p.run.job == job)
            return true;
    return false;
}

void Scheduler::offer(Entry &entry, const QDateTime &slot, Run::Trigger trigger, const QDateTime &notBefore)
{
    Run run;
    run.job = entry.job.name;
    run.scheduled = slot;
    run.trigger = trigger;
    // One catch-up's runs queue behind each other; anything else meets the overlap rule.
    const bool sameCatchUp = trigger == Run::Trigger::CatchUp &&
                             std::any_of(m_queue.cbegin(), m_queue.cend(), [&](const Pending &p) {
                                 return p.run.job == run.job && p.run.trigger == Run::Trigger::CatchUp;
                             });
    if (!sameCatchUp && jobBusy(run.job)) {
        switch (entry.job.overlap) {
        case Job::Overlap::Forbid: {
            run.status = Run::Status::Skipped;
            qint64 holder = 0;
            for (const Run &r : std::as_const(m_running))
                if (r.job == run.job)
                    holder = r.id;
            run.reason = holder ? Text::tr("still running (run %1)").arg(holder)
                                : Text::tr("an earlier run is still waiting to start");
            store(run);
            return;
        }
        case Job::Overlap::Allow:
            break;
        case Job::Overlap::Replace: {
            const QString why = Text::tr("replaced by the run for %1").arg(localTime(slot, entry.job));
            for (qsizetype i = m_queue.size() - 1; i >= 0; --i)
                if (m_queue.at(i).run.job == run.job) {
                    Run old = m_queue.takeAt(i).run;
                    old.status = Run::Status::Cancelled;
                    old.reason = why;
                    store(old);
                }
            const QList<qint64> ids = m_running.keys();
            for (qint64 id : ids)
                if (m_running.value(id).job == run.job)
                    cancel(id, why);
            break;
        }
        }
    }
    run.status = Run::Status::Queued;
    store(run);
    m_queue.append(Pending{run, notBefore});
}

bool Scheduler::mayStart(const Pending &pending, const QDateTime &t) const
{
    if (pending.notBefore.isValid() && pending.notBefore > t)
        return false;
    const auto entry = m_jobs.constFind(pending.run.job);
    if (entry == m_jobs.cend())
        return false;
    // Under forbid and replace a job runs one at a time (a catch-up's runs, a replaced run still
    // stopping); under allow, side by side.
    if (entry->job.overlap != Job::Overlap::Allow)
        for (const Run &r : m_running)
            if (r.job == pending.run.job)
                return false;
    return true;
}

void Scheduler::admit()
{
    const QDateTime t = now();
    for (qsizetype i = 0; i < m_queue.size() && m_running.size() < m_options.maxConcurrent;) {
        if (!mayStart(m_queue.at(i), t)) {
            ++i;
            continue;
        }
        Pending pending = m_queue.takeAt(i);
        Run run = pending.run;
        const Entry &entry = m_jobs[run.job];
        // Waiting for a free place does not make a slot run arbitrarily late.
        if (run.trigger != Run::Trigger::Manual && run.trigger != Run::Trigger::OnStart &&
            run.scheduled.secsTo(t) > qint64(entry.job.maxLatenessMinutes) * 60) {
            run.status = Run::Status::Missed;
            run.reason = Text::tr("waited for a free place longer than its maximum lateness (%n minute(s))",
                                  nullptr, entry.job.maxLatenessMinutes);
            store(run);
            continue;
        }
        run.status = Run::Status::Running;
        run.started = t;
        store(run);
        m_running.insert(run.id, run);
        m_launcher.launch(run, entry.job);
    }
}

std::optional<QDateTime> Scheduler::nextSlot(const QString &job) const
{
    const auto entry = m_jobs.constFind(job);
    if (entry == m_jobs.cend() || !entry->schedule || !entry->job.enabled)
        return std::nullopt;
    const QDateTime from = std::max(entry->state.cursor, now());
    const auto s = entry->schedule->next(instant(from));
    if (!s)
        return std::nullopt;
    return dateTime(*s);
}

std::optional<QDateTime> Scheduler::nextWakeup() const
{
    std::optional<QDateTime> best;
    const auto consider = [&](const QDateTime &t) {
        if (t.isValid() && (!best || t < *best))
            best = t;
    };
    for (const Entry &entry : m_jobs) {
        if (!entry.schedule || !entry.job.enabled)
            continue;
        // From the cursor: a clock set back waits until it passes the last slot handled.
        if (const auto s = entry.schedule->next(instant(entry.state.cursor)))
            consider(dateTime(*s));
    }
    if (m_running.size() < m_options.maxConcurrent)
        for (const Pending &p : m_queue)
            if (p.notBefore.isValid())
                consider(p.notBefore);
    return best;
}

Result<Run> Scheduler::runNow(const QString &job)
{
    const auto it = m_jobs.find(job);
    if (it == m_jobs.end())
        return fail(Error::Code::NotFound, Text::tr("there is no job \"%1\"").arg(job), {},
                    Text::tr("See the job list for the names."));
    if (it->job.overlap == Job::Overlap::Forbid && jobBusy(job))
        return fail(Error::Code::Busy, Text::tr("job \"%1\" is already running or waiting to run").arg(job), {},
                    Text::tr("Wait for it to end, or cancel it first."));
    offer(*it, now(), Run::Trigger::Manual, {});
    Run queued = m_queue.last().run;
    admit();
    if (m_running.contains(queued.id))
        queued = m_running.value(queued.id);
    emit wakeupChanged();
    return queued;
}

bool Scheduler::cancel(qint64 runId, const QString &reason)
{
    const QString why = reason.isEmpty() ? Text::tr("cancelled by you") : reason;
    for (qsizetype i = 0; i < m_queue.size(); ++i) {
        if (m_queue.at(i).run.id != runId)
            continue;
        Run run = m_queue.takeAt(i).run;
        run.status = Run::Status::Cancelled;
        run.reason = why;
        store(run);
        emit wakeupChanged();
        return true;
    }
    if (!m_running.contains(runId))
        return false;
    m_cancelReasons.insert(runId, why);
    m_launcher.cancel(runId);
    return true;
}

void Scheduler::finished(qint64 runId, const RunOutcome &outcome)
{
    const auto it = m_running.find(runId);
    if (it == m_running.end())
        return;
    Run run = *it;
    m_running.erase(it);
    const QString cancelReason = m_cancelReasons.take(runId);
    run.exitCode = outcome.exitCode;
    run.inputTokens = outcome.inputTokens;
    run.outputTokens = outcome.outputTokens;
    run.cacheTokens = outcome.cacheTokens;
    run.costUsd = outcome.costUsd;
    run.result = outcome.result;
    if (!outcome.container.isEmpty())
        run.container = outcome.container;
    if (!outcome.workspace.isEmpty())
        run.workspace = outcome.workspace;

    const auto entry = m_jobs.find(run.job);
    const QDateTime t = now();
    // A transient failure (no engine, no image) is tried again within the slot, after a backoff.
    if (outcome.status == Run::Status::Failed && outcome.transient && cancelReason.isEmpty() &&
        entry != m_jobs.end() && entry->job.enabled && run.attempt <= entry->job.retries) {
        const QDateTime retryAt = t.addSecs(m_options.retryBackoff.count() << std::min(run.attempt - 1, 10));
        const auto nextSlot = entry->schedule ? entry->schedule->next(instant(run.scheduled)) : std::nullopt;
        if (!nextSlot || retryAt < dateTime(*nextSlot)) {
            run.status = Run::Status::Queued;
            run.reason = Text::tr("attempt %1 failed: %2; trying again at %3")
                             .arg(run.attempt)
                             .arg(outcome.reason, localTime(retryAt, entry->job));
            ++run.attempt;
            run.started = QDateTime();
            store(run);
            m_queue.append(Pending{run, retryAt});
            admit();
            emit wakeupChanged();
            return;
        }
    }
    run.status = cancelReason.isEmpty() ? outcome.status : Run::Status::Cancelled;
    run.reason = cancelReason.isEmpty() ? outcome.reason : cancelReason;
    run.ended = t;
    store(run);

    QString disable;
    if (entry != m_jobs.end()) {
        JobState &state = entry->state;
        if (run.isFailure()) {
            ++state.failures;
            if (state.failures >= m_options.breakerNotifyAt && !state.notified) {
                state.notified = true;
                emit incident(run.job, state.failures, run);
            }
            if (entry->job.enabled && entry->job.failureThreshold > 0 &&
                state.failures >= entry->job.failureThreshold)
                disable = Text::tr("disabled after %n failure(s) in a row; the last (run %1): %2", nullptr,
                                   state.failures)
                              .arg(run.id)
                              .arg(run.reason.isEmpty() ? Run::statusText(run.status) : run.reason);
        } else if (run.status == Run::Status::Ok) {
            state.failures = 0;
            state.notified = false;
        }
        saveState(*entry);
    }
    admit();
    emit wakeupChanged();
    // Last: whoever disables the job changes the jobs (setJobs) in answer.
    if (!disable.isEmpty())
        emit disableRequested(run.job, disable);
}

QList<Run> Scheduler::active() const
{
    QList<Run> out = m_running.values();
    for (const Pending &p : m_queue)
        out.append(p.run);
    std::sort(out.begin(), out.end(), [](const Run &a, const Run &b) { return a.id < b.id; });
    return out;
}

std::optional<JobState> Scheduler::jobState(const QString &job) const
{
    const auto entry = m_jobs.constFind(job);
    if (entry == m_jobs.cend())
        return std::nullopt;
    return entry->state;
}

void Scheduler::store(Run &run)
{
    const auto written = run.id ? m_store.update(run) : m_store.insert(run);
    if (!written)
        emit storeFailed(written.error());
    // Keep the copy in the queue or among the running up to date.
    if (m_running.contains(run.id))
        m_running[run.id] = run;
    emit runChanged(run);
}

void Scheduler::saveState(const Entry &entry)
{
    if (auto saved = m_store.setState(entry.job.name, entry.state); !saved)
        emit storeFailed(saved.error());
}

} // namespace paddock
