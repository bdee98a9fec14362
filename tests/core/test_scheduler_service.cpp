// The scheduler service as two Paddocks run it (the app and `paddockctl serve`): only one
// schedules, the other follows every run through its socket and sends "run now" to it, and takes
// over at once when the first goes away. jobs.json edited by someone else is picked up; a job the
// breaker disables is disabled in the file with its reason, and both hear of it. Real SQLite
// history, real sockets and lock files; the runs themselves are a test's launcher.
#include "scheduler/JobStore.h"
#include "scheduler/RunStore.h"
#include "scheduler/SchedulerService.h"

#include <QSaveFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

// Ends each run after a moment with the outcome the test set for its job (ok by default).
class QuickLauncher final : public RunLauncher
{
public:
    explicit QuickLauncher(SchedulerService::Options::Finished finished, QHash<QString, Run::Status> *outcomes)
        : m_finished(std::move(finished))
        , m_outcomes(outcomes)
    {}
    void launch(const Run &run, const Job &job) override
    {
        const Run::Status status = m_outcomes->value(job.name, Run::Status::Ok);
        QTimer::singleShot(50, &m_context, [this, id = run.id, status] {
            RunOutcome o;
            o.status = status;
            o.exitCode = status == Run::Status::Ok ? 0 : 2;
            o.reason = status == Run::Status::Ok ? QString() : u"exit code 2"_s;
            m_finished(id, o);
        });
    }
    void cancel(qint64 id) override
    {
        QTimer::singleShot(0, &m_context, [this, id] {
            RunOutcome o;
            o.status = Run::Status::Cancelled;
            m_finished(id, o);
        });
    }

private:
    QObject m_context;
    SchedulerService::Options::Finished m_finished;
    QHash<QString, Run::Status> *m_outcomes;
};

Job job(const QString &name)
{
    Job j;
    j.name = name;
    j.persona = u"agent"_s;
    j.repository = u"/srv/app"_s;
    j.command = {u"make"_s, u"test"_s};
    j.schedule = u"0 3 * * *"_s;
    j.timeZone = u"Europe/Berlin"_s;
    return j;
}

} // namespace

class TestSchedulerService : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QHash<QString, Run::Status> m_outcomes;

    SchedulerService::Options options()
    {
        SchedulerService::Options o;
        o.jobsPath = m_dir.filePath(u"config/jobs.json"_s);
        o.runsPath = m_dir.filePath(u"data/runs/runs.db"_s);
        o.lockPath = m_dir.filePath(u"run/scheduler.lock"_s);
        o.followSystem = false;
        o.takeOverRetry = std::chrono::milliseconds(200);
        o.launcher = [this](SchedulerService::Options::Finished finished, const RunStore &) {
            return std::make_unique<QuickLauncher>(std::move(finished), &m_outcomes);
        };
        return o;
    }
    std::unique_ptr<SchedulerService> service()
    {
        auto s = std::make_unique<SchedulerService>(options());
        const auto started = s->start();
        if (!started)
            qFatal("start: %s", qPrintable(started.error().text()));
        return s;
    }
    // As another program writes it (paddockctl, an editor): a new file renamed over the old.
    void writeJobs(const QList<Job> &jobs)
    {
        QDir().mkpath(m_dir.filePath(u"config"_s));
        QSaveFile f(m_dir.filePath(u"config/jobs.json"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(JobStore::serialize(jobs));
        QVERIFY(f.commit());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QDir().mkpath(m_dir.filePath(u"run"_s));
        writeJobs({job(u"nightly"_s), job(u"flaky"_s)});
    }

    void oneSchedulesTheOtherFollowsAndTakesOver()
    {
        auto first = service();
        QCOMPARE(first->role(), SchedulerService::Role::Scheduling);
        auto second = service();
        QCOMPARE(second->role(), SchedulerService::Role::Observing);
        QCOMPARE(second->jobs().size(), 2);
        QVERIFY(second->nextRuns().contains(u"nightly"_s));
        QCOMPARE(second->nextRuns().value(u"nightly"_s), first->nextRuns().value(u"nightly"_s));

        // Run now, asked of the observer, runs in the scheduling one; both hear each change.
        QSignalSpy firstRuns(first.get(), &SchedulerService::runChanged);
        QSignalSpy secondRuns(second.get(), &SchedulerService::runChanged);
        QTRY_VERIFY(QTest::qWaitFor([&] { return true; }, 100)); // the observer's socket connects
        second->runNow(u"nightly"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!secondRuns.isEmpty() &&
                                     secondRuns.last().first().value<Run>().status == Run::Status::Ok,
                                 5000);
        QStringList seen;
        for (const auto &args : secondRuns)
            seen << Run::statusName(args.first().value<Run>().status);
        QCOMPARE(seen, (QStringList{u"queued"_s, u"running"_s, u"ok"_s}));
        QCOMPARE(firstRuns.size(), 3);
        const Run done = secondRuns.last().first().value<Run>();
        QCOMPARE(done.trigger, Run::Trigger::Manual);
        QCOMPARE(done.job, u"nightly"_s);

        // A refusal reaches the one who asked.
        m_outcomes[u"nightly"_s] = Run::Status::Ok;
        QSignalSpy refused(second.get(), &SchedulerService::requestFailed);
        second->runNow(u"no-such-job"_s);
        QTRY_COMPARE(refused.size(), 1);
        QVERIFY(refused.first().at(1).value<Error>().message.contains(u"no job"_s));

        // The scheduling process ends: the other takes over at once.
        QSignalSpy role(second.get(), &SchedulerService::roleChanged);
        first->stop();
        first.reset();
        QTRY_COMPARE_WITH_TIMEOUT(second->role(), SchedulerService::Role::Scheduling, 2000);
        // And the history is one: the run made by the first is there.
        auto runs = RunStore::openReadOnly(m_dir.filePath(u"data/runs/runs.db"_s));
        QVERIFY(runs);
        QCOMPARE(runs->find(done.id).value()->status, Run::Status::Ok);
        second->stop();
    }

    void theHistoryIsAskedOfTheService()
    {
        writeJobs({job(u"nightly"_s), job(u"flaky"_s)});
        auto s = service();
        QSignalSpy runs(s.get(), &SchedulerService::runChanged);
        s->runNow(u"nightly"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!runs.isEmpty() && runs.last().first().value<Run>().isFinal(), 5000);
        const Run done = runs.last().first().value<Run>();
        QObject context;
        std::optional<Result<QList<Run>>> history, window;
        s->history(u"nightly"_s, 10, 0, &context, [&](const Result<QList<Run>> &r) { history = r; });
        s->runsBetween(done.scheduled.addSecs(-60), done.scheduled.addSecs(60), &context,
                       [&](const Result<QList<Run>> &r) { window = r; });
        QTRY_VERIFY(history && window);
        QVERIFY(*history && *window);
        QCOMPARE((*history)->first().id, done.id);
        QVERIFY(std::any_of((*window)->cbegin(), (*window)->cend(), [&](const Run &r) { return r.id == done.id; }));
        // A log: what the runner wrote, the end of it when it is long.
        QFile log(m_dir.filePath(u"data/runs/%1.log"_s.arg(done.id)));
        QVERIFY(log.open(QIODevice::WriteOnly));
        log.write(QByteArray(1000, 'a') + "the end\n");
        log.close();
        std::optional<Result<QByteArray>> text, none;
        s->readLog(done.id, 100, &context, [&](const Result<QByteArray> &t) { text = t; });
        s->readLog(done.id + 1000, 100, &context, [&](const Result<QByteArray> &t) { none = t; });
        QTRY_VERIFY(text && none);
        QVERIFY(*text);
        QCOMPARE((*text)->size(), 100);
        QVERIFY((*text)->endsWith("the end\n"));
        QVERIFY(!*none);
        QCOMPARE(none->error().code, Error::Code::NotFound);
        s->stop();
    }

    void jobsEditedElsewhereArePickedUp()
    {
        auto s = service();
        QSignalSpy changed(s.get(), &SchedulerService::jobsChanged);
        writeJobs({job(u"nightly"_s), job(u"flaky"_s), job(u"weekly"_s)});
        QTRY_VERIFY_WITH_TIMEOUT(s->jobs().size() == 3, 5000);
        QVERIFY(s->nextRuns().contains(u"weekly"_s));
        // A broken file: the jobs as they were go on, and the problem is told with its place.
        QSignalSpy problems(s.get(), &EngineService::problem);
        QFile f(m_dir.filePath(u"config/jobs.json"_s));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\n  \"version\": 1,\n  \"jobs\": [ oops ]\n}\n");
        f.close();
        QTRY_VERIFY_WITH_TIMEOUT(s->jobsError().has_value(), 5000);
        QVERIFY2(s->jobsError()->where.contains(u"jobs.json:3:"_s), qPrintable(s->jobsError()->text()));
        QCOMPARE(s->jobs().size(), 3);
        QVERIFY(!problems.isEmpty());
        writeJobs({job(u"nightly"_s), job(u"flaky"_s)});
        QTRY_VERIFY_WITH_TIMEOUT(!s->jobsError().has_value() && s->jobs().size() == 2, 5000);
        s->stop();
    }

    void theBreakerDisablesTheJobInTheFile()
    {
        Job flaky = job(u"flaky"_s);
        flaky.failureThreshold = 3;
        writeJobs({job(u"nightly"_s), flaky});
        m_outcomes[u"flaky"_s] = Run::Status::Failed;
        auto s = service();
        auto observer = service();
        QSignalSpy incident(s.get(), &SchedulerService::incident);
        QSignalSpy observedIncident(observer.get(), &SchedulerService::incident);
        QSignalSpy disabled(observer.get(), &SchedulerService::jobDisabled);
        for (int i = 0; i < 3; ++i) {
            QSignalSpy ended(s.get(), &SchedulerService::runChanged);
            s->runNow(u"flaky"_s);
            QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty() && ended.last().first().value<Run>().isFinal(), 5000);
        }
        QCOMPARE(incident.size(), 1);
        QTRY_COMPARE(observedIncident.size(), 1);
        QTRY_COMPARE(disabled.size(), 1);
        QVERIFY(disabled.first().at(1).toString().startsWith(u"disabled after 3 failure(s) in a row"_s));
        JobStore store(m_dir.filePath(u"config/jobs.json"_s));
        QVERIFY(store.load());
        QCOMPARE(store.find(u"flaky"_s)->enabled, false);
        QCOMPARE(store.find(u"flaky"_s)->disabledReason, disabled.first().at(1).toString());
        QCOMPARE(s->jobStates().value(u"flaky"_s).failures, 3);
        QVERIFY(s->jobStates().value(u"flaky"_s).notified);
        QVERIFY(observer->jobStates().isEmpty()); // the scheduling process keeps it
        // Enabled again from the observer (an edit of the file): the count starts over.
        observer->setJobEnabled(u"flaky"_s, true);
        QTRY_VERIFY_WITH_TIMEOUT(s->jobs().size() == 2 && s->jobs().at(1).enabled, 5000);
        QTRY_COMPARE(s->jobStates().value(u"flaky"_s).failures, 0);
        observer->stop();
        s->stop();
    }
};

QTEST_GUILESS_MAIN(TestSchedulerService)
#include "test_scheduler_service.moc"
