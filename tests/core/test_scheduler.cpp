// The scheduler's rules with a clock the test moves: runs on time, what is missed and why while
// Paddock is off or the machine sleeps, the catch-up modes (skip, latest, all with its cap and
// stagger), the overlap modes (forbid, allow, replace), the global limit without head-of-line
// blocking, retries of transient failures within the slot, the breaker (one notification per
// incident, disabled after N, enabling resets), clocks set back and forward, an edited time zone,
// DST, and runs a stopped Paddock left behind. The run history is the real SQLite store.
#include "scheduler/RunStore.h"
#include "scheduler/Scheduler.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

struct TestClock final : SchedulerClock
{
    QDateTime t;
    QDateTime now() const override { return t; }
};

struct TestLauncher final : RunLauncher
{
    QList<Run> launched;
    QList<qint64> cancelled;
    void launch(const Run &run, const Job &) override { launched.append(run); }
    void cancel(qint64 id) override { cancelled.append(id); }
};

QDateTime utc(const QString &iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODate);
    Q_ASSERT(t.isValid());
    return t.toUTC();
}

Job job(const QString &name, const QString &schedule, const QString &zone = u"Europe/Berlin"_s)
{
    Job j;
    j.name = name;
    j.persona = u"agent"_s;
    j.repository = u"/srv/app"_s;
    j.command = {u"true"_s};
    j.schedule = schedule;
    j.timeZone = zone;
    return j;
}

RunOutcome outcome(Run::Status status, const QString &reason = {}, bool transient = false)
{
    RunOutcome o;
    o.status = status;
    o.reason = reason;
    o.transient = transient;
    o.exitCode = status == Run::Status::Ok ? 0 : 1;
    return o;
}

} // namespace

class TestScheduler : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::optional<RunStore> m_store;
    TestClock m_clock;
    TestLauncher m_launcher;
    std::unique_ptr<Scheduler> m_scheduler;

    // A scheduler as a Paddock that starts now (the history stays across "restarts").
    Scheduler &start(const QList<Job> &jobs, Scheduler::Options options = {})
    {
        m_scheduler.reset();
        m_launcher = {};
        m_scheduler = std::make_unique<Scheduler>(*m_store, m_clock, m_launcher, options);
        m_scheduler->begin(jobs);
        return *m_scheduler;
    }
    QList<Run> history(const QString &job = {})
    {
        auto runs = m_store->history(job, 100000);
        if (!runs)
            qFatal("history: %s", qPrintable(runs.error().text()));
        std::reverse(runs->begin(), runs->end()); // oldest first
        return *runs;
    }
    QList<Run> withStatus(Run::Status status, const QString &job = {})
    {
        QList<Run> out;
        for (const Run &r : history(job))
            if (r.status == status)
                out.append(r);
        return out;
    }
    void at(const QString &iso, Scheduler::Cause cause = Scheduler::Cause::Timer)
    {
        m_clock.t = utc(iso);
        m_scheduler->tick(cause);
    }

private slots:
    void init()
    {
        m_scheduler.reset();
        m_dir = std::make_unique<QTemporaryDir>();
        auto store = RunStore::open(m_dir->filePath(u"runs/runs.db"_s));
        QVERIFY2(store, qPrintable(store ? QString() : store.error().text()));
        m_store.emplace(std::move(*store));
    }
    void cleanup()
    {
        m_scheduler.reset();
        m_store.reset();
    }

    void runsOnTimeAndRecordsBothTimes()
    {
        m_clock.t = utc(u"2026-03-02T01:00:00+01:00"_s);
        Scheduler &s = start({job(u"nightly"_s, u"30 2 * * *"_s)});
        QCOMPARE(s.nextWakeup(), utc(u"2026-03-02T02:30:00+01:00"_s));
        QCOMPARE(s.nextSlot(u"nightly"_s), utc(u"2026-03-02T02:30:00+01:00"_s));
        at(u"2026-03-02T02:29:59+01:00"_s);
        QVERIFY(m_launcher.launched.isEmpty());
        at(u"2026-03-02T02:30:01+01:00"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        const Run run = m_launcher.launched.first();
        QCOMPARE(run.scheduled, utc(u"2026-03-02T02:30:00+01:00"_s));
        QCOMPARE(run.started, utc(u"2026-03-02T02:30:01+01:00"_s));
        QCOMPARE(run.trigger, Run::Trigger::Schedule);
        QCOMPARE(s.nextWakeup(), utc(u"2026-03-03T02:30:00+01:00"_s));
        // The same tick again starts nothing more.
        at(u"2026-03-02T02:30:05+01:00"_s);
        QCOMPARE(m_launcher.launched.size(), 1);

        m_clock.t = utc(u"2026-03-02T02:41:00+01:00"_s);
        RunOutcome ok = outcome(Run::Status::Ok);
        ok.inputTokens = 1200;
        ok.outputTokens = 340;
        ok.costUsd = 0.0123;
        s.finished(run.id, ok);
        const auto stored = m_store->find(run.id);
        QVERIFY(stored && *stored);
        QCOMPARE((*stored)->status, Run::Status::Ok);
        QCOMPARE((*stored)->scheduled, run.scheduled);
        QCOMPARE((*stored)->started, run.started);
        QCOMPARE((*stored)->ended, m_clock.t);
        QCOMPARE((*stored)->inputTokens, 1200);
        QCOMPARE((*stored)->costUsd, 0.0123);
    }

    void catchUpLatestRunsOneForEverythingMissed()
    {
        Job j = job(u"hourly"_s, u"0 * * * *"_s);
        j.maxLatenessMinutes = 180;
        m_clock.t = utc(u"2026-05-04T08:30:00Z"_s);
        start({j});
        m_scheduler.reset(); // Paddock quits at 08:30 …
        m_clock.t = utc(u"2026-05-04T14:10:00Z"_s); // … and starts again at 14:10
        start({j});
        // 09:00–11:00 are more than 3 hours late: missed. 12:00–14:00: one run, for 14:00.
        QCOMPARE(m_launcher.launched.size(), 1);
        QCOMPARE(m_launcher.launched.first().scheduled, utc(u"2026-05-04T14:00:00Z"_s));
        QCOMPARE(m_launcher.launched.first().trigger, Run::Trigger::CatchUp);
        const QList<Run> missed = withStatus(Run::Status::Missed);
        QCOMPARE(missed.size(), 5);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(missed.at(i).scheduled, utc(u"2026-05-04T%1:00:00Z"_s.arg(9 + i, 2, 10, QChar(u'0'))));
            QVERIFY2(missed.at(i).reason.contains(u"Paddock was not running"_s), qPrintable(missed.at(i).reason));
            QVERIFY2(missed.at(i).reason.contains(u"180 minute(s) late"_s), qPrintable(missed.at(i).reason));
        }
        QCOMPARE(missed.at(3).scheduled, utc(u"2026-05-04T12:00:00Z"_s));
        QVERIFY2(missed.at(3).reason.contains(u"caught up by the run for 2026-05-04 16:00"_s),
                 qPrintable(missed.at(3).reason));
        // Started again later: nothing twice.
        m_clock.t = utc(u"2026-05-04T14:20:00Z"_s);
        start({j});
        QVERIFY(m_launcher.launched.isEmpty());
        QCOMPARE(withStatus(Run::Status::Interrupted).size(), 1); // the 14:00 run this "process" left
    }

    void catchUpSkipRecordsEverySlotMissed()
    {
        Job j = job(u"hourly"_s, u"0 * * * *"_s);
        j.catchUp = Job::CatchUp::Skip;
        m_clock.t = utc(u"2026-05-04T08:30:00Z"_s);
        Scheduler &s = start({j});
        m_clock.t = utc(u"2026-05-04T08:40:00Z"_s);
        s.noteSleep(m_clock.t, utc(u"2026-05-04T11:30:00Z"_s));
        at(u"2026-05-04T11:30:00Z"_s, Scheduler::Cause::Wake);
        QVERIFY(m_launcher.launched.isEmpty());
        const QList<Run> missed = withStatus(Run::Status::Missed);
        QCOMPARE(missed.size(), 3);
        for (const Run &r : missed) {
            QVERIFY2(r.reason.contains(u"asleep"_s), qPrintable(r.reason));
            QVERIFY2(r.reason.contains(u"skip"_s), qPrintable(r.reason));
        }
        // The next slot runs on time.
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T12:00:00Z"_s));
    }

    void catchUpAllIsCappedStaggeredAndInOrder()
    {
        Job j = job(u"hourly"_s, u"0 * * * *"_s);
        j.catchUp = Job::CatchUp::All;
        j.catchUpLimit = 3;
        m_clock.t = utc(u"2026-05-04T08:30:00Z"_s);
        Scheduler &s = start({j});
        s.noteSleep(utc(u"2026-05-04T08:31:00Z"_s), utc(u"2026-05-04T13:30:00Z"_s));
        at(u"2026-05-04T13:30:00Z"_s, Scheduler::Cause::Wake);
        // 09:00–13:00 missed: 11, 12 and 13 run one after the other, 09 and 10 over the cap.
        const QList<Run> missed = withStatus(Run::Status::Missed);
        QCOMPARE(missed.size(), 2);
        QVERIFY(missed.first().reason.contains(u"over its catch-up limit of 3 run(s)"_s));
        QCOMPARE(m_launcher.launched.size(), 1);
        QCOMPARE(m_launcher.launched.at(0).scheduled, utc(u"2026-05-04T11:00:00Z"_s));
        QCOMPARE(s.active().size(), 3);
        // The next waits for the first to end (one at a time under forbid) and its stagger.
        m_clock.t = utc(u"2026-05-04T13:30:20Z"_s);
        s.finished(m_launcher.launched.at(0).id, outcome(Run::Status::Ok));
        QCOMPARE(m_launcher.launched.size(), 1);
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T13:31:00Z"_s));
        at(u"2026-05-04T13:31:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 2);
        QCOMPARE(m_launcher.launched.at(1).scheduled, utc(u"2026-05-04T12:00:00Z"_s));
        m_clock.t = utc(u"2026-05-04T13:40:00Z"_s);
        s.finished(m_launcher.launched.at(1).id, outcome(Run::Status::Ok));
        QCOMPARE(m_launcher.launched.size(), 3); // its stagger (13:32) has passed
        QCOMPARE(m_launcher.launched.at(2).scheduled, utc(u"2026-05-04T13:00:00Z"_s));
        QCOMPARE(m_launcher.launched.at(2).trigger, Run::Trigger::CatchUp);
    }

    void overlapForbidSkipsAndSaysWhy()
    {
        m_clock.t = utc(u"2026-05-04T08:00:30Z"_s);
        Scheduler &s = start({job(u"often"_s, u"*/5 * * * *"_s)});
        at(u"2026-05-04T08:05:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        at(u"2026-05-04T08:10:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        const QList<Run> skipped = withStatus(Run::Status::Skipped);
        QCOMPARE(skipped.size(), 1);
        QCOMPARE(skipped.first().scheduled, utc(u"2026-05-04T08:10:00Z"_s));
        QCOMPARE(skipped.first().reason, u"still running (run %1)"_s.arg(m_launcher.launched.first().id));
        // Run now is refused too, with what to do.
        const auto now = s.runNow(u"often"_s);
        QVERIFY(!now);
        QCOMPARE(now.error().code, Error::Code::Busy);
    }

    void overlapAllowRunsSideBySide()
    {
        Job j = job(u"often"_s, u"*/5 * * * *"_s);
        j.overlap = Job::Overlap::Allow;
        m_clock.t = utc(u"2026-05-04T08:00:30Z"_s);
        start({j});
        at(u"2026-05-04T08:05:00Z"_s);
        at(u"2026-05-04T08:10:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 2);
        QVERIFY(withStatus(Run::Status::Skipped).isEmpty());
    }

    void overlapReplaceCancelsTheRunningOne()
    {
        Job j = job(u"often"_s, u"*/5 * * * *"_s);
        j.overlap = Job::Overlap::Replace;
        m_clock.t = utc(u"2026-05-04T08:00:30Z"_s);
        Scheduler &s = start({j});
        at(u"2026-05-04T08:05:00Z"_s);
        at(u"2026-05-04T08:10:00Z"_s);
        const qint64 first = m_launcher.launched.first().id;
        QCOMPARE(m_launcher.cancelled, QList<qint64>{first});
        QCOMPARE(m_launcher.launched.size(), 1); // the new one waits until the old has stopped
        m_clock.t = utc(u"2026-05-04T08:10:03Z"_s);
        s.finished(first, outcome(Run::Status::Cancelled));
        QCOMPARE(m_launcher.launched.size(), 2);
        QCOMPARE(m_launcher.launched.at(1).scheduled, utc(u"2026-05-04T08:10:00Z"_s));
        const auto old = m_store->find(first);
        QCOMPARE((*old)->status, Run::Status::Cancelled);
        QCOMPARE((*old)->reason, u"replaced by the run for 2026-05-04 10:10"_s);
        QCOMPARE(s.jobState(u"often"_s)->failures, 0); // a cancelled run is not a failure
    }

    void theLimitHoldsWithoutHeadOfLineBlocking()
    {
        Scheduler::Options options;
        options.maxConcurrent = 2;
        Job a = job(u"a"_s, u"0 9 * * *"_s);
        a.catchUp = Job::CatchUp::All;
        a.maxLatenessMinutes = 3000;
        Job b = job(u"b"_s, u"0 9 * * *"_s);
        Job c = job(u"c"_s, u"0 9 * * *"_s);
        m_clock.t = utc(u"2026-05-04T06:00:00Z"_s);
        Scheduler &s = start({a, b, c}, options);
        at(u"2026-05-04T07:00:00Z"_s); // 09:00 in Berlin
        QCOMPARE(m_launcher.launched.size(), 2);
        QCOMPARE(s.active().size(), 3);
        // a's run ends; c takes its place.
        const Run first = m_launcher.launched.first();
        m_clock.t = utc(u"2026-05-04T07:20:00Z"_s);
        s.finished(first.id, outcome(Run::Status::Ok));
        QCOMPARE(m_launcher.launched.size(), 3);
        QCOMPARE(m_launcher.launched.last().job, u"c"_s);

        // A run that may not start yet (its job's catch-up run still running) lets one of another
        // job through. a: two catch-up slots, b: one run now.
        m_scheduler.reset();
        m_clock.t = utc(u"2026-05-06T08:00:00Z"_s); // 10:00: 05-05 09:00 and 05-06 09:00 missed
        Scheduler &t = start({a, b, c}, options);
        QCOMPARE(withStatus(Run::Status::Interrupted).size(), 2); // b's and c's of before
        QCOMPARE(m_launcher.launched.size(), 2);
        QStringList jobs;
        for (const Run &r : m_launcher.launched)
            jobs << r.job;
        QCOMPARE(jobs, (QStringList{u"a"_s, u"b"_s}));
        // a's second catch-up run waits for a's first; c's run, queued after it, is next.
        m_clock.t = utc(u"2026-05-06T08:05:00Z"_s);
        t.finished(m_launcher.launched.at(1).id, outcome(Run::Status::Ok));
        QCOMPARE(m_launcher.launched.size(), 3);
        QCOMPARE(m_launcher.launched.at(2).job, u"c"_s);
    }

    void transientFailuresAreRetriedWithinTheSlot()
    {
        Scheduler::Options options;
        options.retryBackoff = std::chrono::seconds(30);
        Job j = job(u"nightly"_s, u"0 3 * * *"_s);
        j.retries = 2;
        m_clock.t = utc(u"2026-05-04T00:00:00Z"_s);
        Scheduler &s = start({j}, options);
        at(u"2026-05-04T01:00:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        m_clock.t = utc(u"2026-05-04T01:00:05Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"no container engine answers"_s, true));
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T01:00:35Z"_s));
        QCOMPARE(s.active().size(), 1);
        QCOMPARE(s.active().first().status, Run::Status::Queued);
        QVERIFY(s.active().first().reason.contains(u"no container engine answers"_s));
        at(u"2026-05-04T01:00:35Z"_s);
        QCOMPARE(m_launcher.launched.size(), 2);
        QCOMPARE(m_launcher.launched.last().attempt, 2);
        QCOMPARE(m_launcher.launched.last().id, m_launcher.launched.first().id); // the same run
        m_clock.t = utc(u"2026-05-04T01:00:40Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"no engine"_s, true));
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T01:01:40Z"_s)); // doubled
        at(u"2026-05-04T01:01:40Z"_s);
        m_clock.t = utc(u"2026-05-04T01:01:45Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"no engine"_s, true));
        // Two retries spent: failed.
        QCOMPARE(m_launcher.launched.size(), 3);
        QVERIFY(s.active().isEmpty());
        QCOMPARE(withStatus(Run::Status::Failed).size(), 1);
        QCOMPARE(s.jobState(u"nightly"_s)->failures, 1);

        // The agent's own failure and a timeout are not retried.
        at(u"2026-05-05T01:00:00Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"exit 3"_s, false));
        at(u"2026-05-06T01:00:00Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Timeout, u"timed out"_s, false));
        QCOMPARE(m_launcher.launched.size(), 5);
        QVERIFY(s.active().isEmpty());
    }

    void aRetryNeverRunsIntoTheNextSlot()
    {
        Scheduler::Options options;
        options.retryBackoff = std::chrono::seconds(90);
        m_clock.t = utc(u"2026-05-04T00:00:30Z"_s);
        Scheduler &s = start({job(u"minutely"_s, u"* * * * *"_s)}, options);
        at(u"2026-05-04T00:01:00Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"no engine"_s, true));
        QVERIFY(s.active().isEmpty());
        QCOMPARE(withStatus(Run::Status::Failed).size(), 1);
    }

    void theBreakerNotifiesOnceThenDisables()
    {
        Job j = job(u"flaky"_s, u"0 * * * *"_s);
        j.failureThreshold = 4;
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler &s = start({j});
        QSignalSpy incidents(&s, &Scheduler::incident);
        QSignalSpy disable(&s, &Scheduler::disableRequested);
        const auto failOnce = [&](int hour) {
            at(u"2026-05-04T%1:00:00Z"_s.arg(hour, 2, 10, QChar(u'0')));
            s.finished(m_launcher.launched.last().id, outcome(Run::Status::Failed, u"exit 1"_s));
        };
        failOnce(1);
        QCOMPARE(incidents.size(), 0);
        failOnce(2);
        QCOMPARE(incidents.size(), 1);
        QCOMPARE(incidents.first().at(0).toString(), u"flaky"_s);
        QCOMPARE(incidents.first().at(1).toInt(), 2);
        failOnce(3);
        QCOMPARE(incidents.size(), 1); // once per incident, not per run
        QCOMPARE(disable.size(), 0);
        failOnce(4);
        QCOMPARE(disable.size(), 1);
        QVERIFY2(disable.first().at(1).toString().startsWith(u"disabled after 4 failure(s) in a row"_s),
                 qPrintable(disable.first().at(1).toString()));
        // The service disables it: no more runs, slots not "missed".
        j.enabled = false;
        j.disabledReason = disable.first().at(1).toString();
        s.setJobs({j});
        at(u"2026-05-04T05:00:00Z"_s);
        at(u"2026-05-04T06:00:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 4);
        QVERIFY(withStatus(Run::Status::Missed).isEmpty());
        QCOMPARE(s.nextWakeup(), std::nullopt);
        // Enabled again: the count starts over, and the next failure does not notify.
        m_clock.t = utc(u"2026-05-04T06:30:00Z"_s);
        j.enabled = true;
        j.disabledReason.clear();
        s.setJobs({j});
        QCOMPARE(s.jobState(u"flaky"_s)->failures, 0);
        failOnce(7);
        QCOMPARE(incidents.size(), 1);
        // A success ends the incident: the next two failures notify again.
        at(u"2026-05-04T08:00:00Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Ok));
        failOnce(9);
        failOnce(10);
        QCOMPARE(incidents.size(), 2);
        // The count survives a restart.
        m_clock.t = utc(u"2026-05-04T10:30:00Z"_s);
        start({j});
        QCOMPARE(m_scheduler->jobState(u"flaky"_s)->failures, 2);
    }

    void aClockSetBackNeverRunsASlotTwice()
    {
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler &s = start({job(u"hourly"_s, u"0 * * * *"_s)});
        at(u"2026-05-04T01:00:00Z"_s);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Ok));
        at(u"2026-05-04T00:15:00Z"_s, Scheduler::Cause::ClockChange); // set back 45 minutes
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T02:00:00Z"_s));
        at(u"2026-05-04T01:00:30Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        at(u"2026-05-04T02:00:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 2);
    }

    void aClockSetForwardIsACatchUp()
    {
        Job j = job(u"hourly"_s, u"0 * * * *"_s);
        j.catchUp = Job::CatchUp::Skip;
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        start({j});
        at(u"2026-05-04T03:30:00Z"_s, Scheduler::Cause::ClockChange);
        QCOMPARE(withStatus(Run::Status::Missed).size(), 3);
        QVERIFY(withStatus(Run::Status::Missed).first().reason.contains(u"clock was changed"_s));
    }

    void anEditedZoneStartsAfresh()
    {
        Job j = job(u"daily"_s, u"0 9 * * *"_s, u"Europe/Berlin"_s);
        m_clock.t = utc(u"2026-05-04T05:00:00Z"_s);
        Scheduler &s = start({j});
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T07:00:00Z"_s));
        m_clock.t = utc(u"2026-05-04T08:00:00Z"_s); // 09:00 Berlin has passed, unseen
        j.timeZone = u"America/New_York"_s;
        s.setJobs({j});
        // Berlin's 09:00 is not the job's any more: nothing missed, nothing run; New York's next.
        QVERIFY(m_launcher.launched.isEmpty());
        QVERIFY(withStatus(Run::Status::Missed).isEmpty());
        QCOMPARE(s.nextWakeup(), utc(u"2026-05-04T13:00:00Z"_s));
    }

    void daylightSavingTimeRunsOnceAndAfterTheGap()
    {
        // Berlin: 29 March 2026 02:00 → 03:00; 25 October 03:00 → 02:00.
        m_clock.t = utc(u"2026-03-28T12:00:00Z"_s);
        Scheduler &s = start({job(u"two-thirty"_s, u"30 2 * * *"_s)});
        QCOMPARE(s.nextWakeup(), utc(u"2026-03-29T03:00:00+02:00"_s)); // the first minute after the gap
        at(u"2026-03-29T01:00:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        s.finished(m_launcher.launched.last().id, outcome(Run::Status::Ok));
        // Paddock starts again the day before the change; what it missed is not run.
        m_clock.t = utc(u"2026-10-24T12:00:00Z"_s);
        Job skip = job(u"two-thirty"_s, u"30 2 * * *"_s);
        skip.catchUp = Job::CatchUp::Skip;
        Scheduler &s2 = start({skip});
        QVERIFY(m_launcher.launched.isEmpty());
        QCOMPARE(s2.nextWakeup(), utc(u"2026-10-25T02:30:00+02:00"_s)); // the first of the two
        at(u"2026-10-25T02:30:00+02:00"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        s2.finished(m_launcher.launched.last().id, outcome(Run::Status::Ok));
        at(u"2026-10-25T02:30:00+01:00"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        QCOMPARE(s2.nextWakeup(), utc(u"2026-10-26T02:30:00+01:00"_s));
    }

    void onStartJobsRunAtStart()
    {
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler &s = start({job(u"at-login"_s, u"on start"_s), job(u"hourly"_s, u"0 * * * *"_s)});
        QCOMPARE(m_launcher.launched.size(), 1);
        QCOMPARE(m_launcher.launched.first().trigger, Run::Trigger::OnStart);
        QCOMPARE(m_launcher.launched.first().job, u"at-login"_s);
        QCOMPARE(s.nextSlot(u"at-login"_s), std::nullopt);
    }

    void runsLeftByAStoppedPaddockAreInterrupted()
    {
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler::Options one;
        one.maxConcurrent = 1;
        start({job(u"a"_s, u"0 1 * * *"_s, u"UTC"_s), job(u"b"_s, u"0 1 * * *"_s, u"UTC"_s)}, one);
        at(u"2026-05-04T01:00:00Z"_s);
        QCOMPARE(m_store->unfinished()->size(), 2);
        m_clock.t = utc(u"2026-05-04T01:10:00Z"_s);
        start({job(u"a"_s, u"0 1 * * *"_s, u"UTC"_s), job(u"b"_s, u"0 1 * * *"_s, u"UTC"_s)}, one);
        const QList<Run> interrupted = withStatus(Run::Status::Interrupted);
        QCOMPARE(interrupted.size(), 2);
        QCOMPARE(interrupted.at(0).reason, u"Paddock stopped while it ran"_s);
        QCOMPARE(interrupted.at(0).ended, m_clock.t);
        QCOMPARE(interrupted.at(1).reason, u"Paddock stopped before it ran"_s);
        QVERIFY(m_store->unfinished()->isEmpty());
    }

    void aRunWaitingTooLongForAPlaceIsMissed()
    {
        Scheduler::Options one;
        one.maxConcurrent = 1;
        Job a = job(u"long"_s, u"0 1 * * *"_s, u"UTC"_s);
        Job b = job(u"short"_s, u"0 1 * * *"_s, u"UTC"_s);
        b.maxLatenessMinutes = 30;
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler &s = start({a, b}, one);
        at(u"2026-05-04T01:00:00Z"_s);
        QCOMPARE(m_launcher.launched.size(), 1);
        m_clock.t = utc(u"2026-05-04T01:45:00Z"_s);
        s.finished(m_launcher.launched.first().id, outcome(Run::Status::Ok));
        QCOMPARE(m_launcher.launched.size(), 1);
        const QList<Run> missed = withStatus(Run::Status::Missed);
        QCOMPARE(missed.size(), 1);
        QVERIFY(missed.first().reason.contains(u"free place"_s));
    }

    void cancellingAQueuedOrRunningRun()
    {
        Scheduler::Options one;
        one.maxConcurrent = 1;
        m_clock.t = utc(u"2026-05-04T00:30:00Z"_s);
        Scheduler &s = start({job(u"a"_s, u"0 1 * * *"_s, u"UTC"_s), job(u"b"_s, u"0 1 * * *"_s, u"UTC"_s)}, one);
        at(u"2026-05-04T01:00:00Z"_s);
        const QList<Run> active = s.active();
        QCOMPARE(active.size(), 2);
        QVERIFY(s.cancel(active.at(1).id));
        QCOMPARE((*m_store->find(active.at(1).id))->status, Run::Status::Cancelled);
        QVERIFY(s.cancel(active.at(0).id));
        QCOMPARE(m_launcher.cancelled, QList<qint64>{active.at(0).id});
        s.finished(active.at(0).id, outcome(Run::Status::Failed, u"killed"_s));
        const Run ended = **m_store->find(active.at(0).id);
        QCOMPARE(ended.status, Run::Status::Cancelled);
        QCOMPARE(ended.reason, u"cancelled by you"_s);
        QVERIFY(!s.cancel(active.at(0).id));
    }

    void aLongAbsenceIsKeptShort()
    {
        Job j = job(u"minutely"_s, u"* * * * *"_s);
        j.catchUp = Job::CatchUp::Skip;
        m_clock.t = utc(u"2026-05-04T00:00:30Z"_s);
        start({j});
        m_scheduler.reset();
        m_clock.t = utc(u"2026-05-11T00:00:30Z"_s); // a week: 10,080 total
        start({j});
        const QList<Run> missed = withStatus(Run::Status::Missed);
        // Kept short: at most MissedRecordsCap records for each reason (too late; the rule).
        QVERIFY(missed.size() <= 2 * RunStore::MissedRecordsCap);
        qint64 total = 0;
        for (const Run &r : missed)
            total += r.slotCount;
        QCOMPARE(total, 10080 - 1); // the last, on time, runs
        QCOMPARE(missed.last().lastSlot, utc(u"2026-05-10T23:59:00Z"_s));
        QCOMPARE(m_launcher.launched.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestScheduler)
#include "test_scheduler.moc"
