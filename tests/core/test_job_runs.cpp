// Jobs as they run for real, through the whole engine on each engine (PADDOCK_ENGINE): the
// scheduler, the persona runtime, the proxy, the git transport and the audit log, with a real
// repository and git. A job every minute runs a command in a fresh container of a restricted
// persona on a fresh copy of the repository: from inside, as an attacker would try, it pushes its
// own branch (allowed: the shipped jobs-* policies) and another branch its persona may push
// (refused: a job pushes only its run's branch); its history, log and audit events are checked,
// and its container is gone afterwards. A job killed by its timeout; a job that fails until the
// breaker notifies once and disables it, with the reason in jobs.json; paddockctl job run and
// history against the scheduling engine; `paddockctl serve` taking the jobs over with no window.
#include "AgentImage.h"
#include "GitRepos.h"

#include "audit/AuditReader.h"
#include "engine/Engine.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaContainer.h"
#include "scheduler/JobStore.h"
#include "scheduler/RunStore.h"
#include "scheduler/SchedulerService.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {
const char *PushScript = R"sh(cd /home/dev/workspace || exit 1
export HOME=/tmp
echo "hello-from-job branch=$(git rev-parse --abbrev-ref HEAD)"
i=0
until git ls-remote local >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 120 ] && echo transport-timeout && exit 9; sleep 0.5
done
echo change >> README && git -c user.name=Job -c user.email=job@example.org commit -qam "nightly change"
git push local HEAD 2>&1; echo "own-rc=$?"
git push local HEAD:refs/heads/ai/x 2>&1; echo "other-rc=$?"
git push local :main 2>&1; echo "delete-rc=$?"
)sh";
} // namespace

class TestJobRuns : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_config, m_data, m_original, m_originalRefs;
    Persona m_persona;
    std::unique_ptr<Engine> m_engine;
    std::optional<EngineClient> m_client;

    SchedulerService *scheduler() const { return m_engine->scheduler(); }

    Job job(const QString &name, const QString &schedule, const QStringList &command)
    {
        Job j;
        j.name = name;
        j.persona = m_persona.name;
        j.repository = m_original;
        j.command = command;
        j.schedule = schedule;
        j.timeZone = u"UTC"_s;
        j.retries = 0;
        return j;
    }
    // The runs of `job` as the history has them, oldest first.
    QList<Run> history(const QString &job)
    {
        auto store = RunStore::openReadOnly(m_data + u"/runs/runs.db"_s);
        if (!store)
            return {};
        auto runs = store->history(job, 100);
        if (!runs)
            return {};
        std::reverse(runs->begin(), runs->end());
        return *runs;
    }
    std::optional<Run> finalRun(const QString &job, int ms)
    {
        std::optional<Run> found;
        (void)QTest::qWaitFor(
            [&] {
                for (const Run &r : history(job))
                    if (r.isFinal() && r.status != Run::Status::Skipped && r.status != Run::Status::Missed)
                        found = r;
                return found.has_value();
            },
            ms);
        return found;
    }
    QByteArray log(qint64 id)
    {
        QFile f(m_data + u"/runs/%1.log"_s.arg(id));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    QList<AuditEvent> audit(const QString &persona, const QString &action = {})
    {
        QList<AuditEvent> out;
        auto reader = AuditReader::open(m_data + u"/audit.db"_s);
        if (!reader)
            return out;
        AuditFilter filter;
        filter.persona = persona;
        auto events = reader->after(0, filter, 10000);
        for (const AuditEvent &e : events ? *events : AuditBatch{})
            if (action.isEmpty() || e.action == action)
                out.append(e);
        return out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_config = m_dir.filePath(u"config"_s);
        m_data = m_dir.filePath(u"data"_s);
        qputenv("PADDOCK_CONFIG_DIR", m_config.toUtf8());
        qputenv("PADDOCK_DATA_DIR", m_data.toUtf8());
        qputenv("PADDOCK_PADDOCKCTL", qgetenv("PADDOCKCTL"));

        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        m_client.emplace(*endpoint);
        QVERIFY(m_client->connect());
        const QString imageProblem = ensureAgentImage(*m_client);
        QVERIFY2(imageProblem.isEmpty(), qPrintable(imageProblem));

        m_persona = Persona::defaults(agentImageName()).at(2);
        QCOMPARE(m_persona.trust, Persona::Trust::Restricted);
        m_persona.name = u"jobs-%1"_s.arg(::getpid());
        m_persona.ports = {};
        m_persona.volumes = {};
        m_persona.sshKey.clear();
        m_persona.limits.memoryMb = 256;
        PersonaStore personas(m_config + u"/personas.json"_s);
        QVERIFY(personas.load(agentImageName()));
        QVERIFY(personas.add(m_persona));
        m_original = m_dir.filePath(u"app"_s);
        QVERIFY(makeRepository(m_original, {{u"README"_s, "app\n"}}));
        m_originalRefs = git(m_original, {u"for-each-ref"_s});

        JobStore jobs(m_config + u"/jobs.json"_s);
        QVERIFY(jobs.load());
        QVERIFY(jobs.add(job(u"minutely"_s, u"* * * * *"_s, {u"sh"_s, u"-c"_s, QString::fromLatin1(PushScript)})));
        Job slow = job(u"slow"_s, u"0 0 1 1 *"_s, {u"sleep"_s, u"600"_s});
        slow.timeoutMinutes = 1;
        QVERIFY(jobs.add(slow));
        QVERIFY(jobs.add(job(u"quick"_s, u"0 0 1 1 *"_s, {u"sh"_s, u"-c"_s, u"echo quick-done"_s})));
        Job broken = job(u"broken"_s, u"0 0 1 1 *"_s, {u"sh"_s, u"-c"_s, u"echo failing; exit 3"_s});
        broken.failureThreshold = 3;
        QVERIFY(jobs.add(broken));

        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_engine->state() == Engine::State::Running ||
                                     m_engine->state() == Engine::State::Degraded,
                                 30000);
        QTRY_VERIFY_WITH_TIMEOUT(m_engine->personaRuntime()->isEngineConnected(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(scheduler()->role(), SchedulerService::Role::Scheduling, 10000);
        QCOMPARE(scheduler()->jobs().size(), 4);
    }

    void cleanupTestCase()
    {
        if (m_engine)
            m_engine->stop();
        m_engine.reset();
        if (m_client)
            if (auto left = m_client->containers(QLatin1StringView(JobLabel)))
                for (const QJsonValue &c : *left)
                    (void)m_client->removeContainer(c.toObject().value(u"Id"_s).toString(), true);
    }

    // The breaker first: its runs take seconds, the others wait for the clock.
    void aFailingJobNotifiesOnceAndIsDisabled()
    {
        QSignalSpy incidents(scheduler(), &SchedulerService::incident);
        QSignalSpy disabled(scheduler(), &SchedulerService::jobDisabled);
        for (int i = 1; i <= 3; ++i) {
            QMetaObject::invokeMethod(scheduler(), [s = scheduler()] { s->runNow(u"broken"_s); });
            QTRY_VERIFY_WITH_TIMEOUT(history(u"broken"_s).size() == i && history(u"broken"_s).last().isFinal(),
                                     120000);
            const Run run = history(u"broken"_s).last();
            QCOMPARE(run.status, Run::Status::Failed);
            QCOMPARE(run.exitCode, 3);
            QCOMPARE(run.trigger, Run::Trigger::Manual);
            QVERIFY2(log(run.id).contains("failing"), log(run.id).constData());
            QTRY_COMPARE(incidents.size(), i >= 2 ? 1 : 0);
        }
        QTRY_COMPARE_WITH_TIMEOUT(disabled.size(), 1, 5000);
        const QString reason = disabled.first().at(1).toString();
        QVERIFY2(reason.contains(u"exit code 3"_s), qPrintable(reason));
        JobStore jobs(m_config + u"/jobs.json"_s);
        QVERIFY(jobs.load());
        QCOMPARE(jobs.find(u"broken"_s)->enabled, false);
        QCOMPARE(jobs.find(u"broken"_s)->disabledReason, reason);
        // Each run is an audit event at its start and its end.
        QCOMPARE(audit(m_persona.name, u"job.start"_s).size() >= 3, true);
        QCOMPARE(audit(m_persona.name, u"job.end"_s).size() >= 3, true);
    }

    void aJobEveryMinuteRunsFencedInAFreshContainer()
    {
        const auto run = finalRun(u"minutely"_s, 150000);
        QVERIFY(run);
        const QByteArray text = log(run->id);
        QVERIFY2(run->status == Run::Status::Ok, qPrintable(run->reason + u"\n"_s + QString::fromUtf8(text)));
        QCOMPARE(run->trigger, Run::Trigger::Schedule);
        QCOMPARE(run->scheduled.time().second(), 0);
        QVERIFY(run->started >= run->scheduled);
        QVERIFY2(run->scheduled.secsTo(run->started) < 30, qPrintable(run->started.toString(Qt::ISODate)));
        QVERIFY(run->ended > run->started);
        QCOMPARE(run->exitCode, 0);
        // From inside: its own branch went through, another branch and deleting main did not.
        const QString branch = m_persona.name + u"/job-minutely-%1"_s.arg(run->id);
        QVERIFY2(text.contains(QByteArray("hello-from-job branch=" + branch.toUtf8())), text.constData());
        QVERIFY2(text.contains("own-rc=0"), text.constData());
        QVERIFY2(text.contains("other-rc=1"), text.constData());
        QVERIFY2(text.contains("delete-rc=1"), text.constData());
        QVERIFY2(text.contains("jobs-push-only-their-branch"), text.constData());
        // The mirror has the job's branch and nothing else from it; the original is untouched.
        const QString mirror = m_data + u"/mirrors/app.git"_s;
        QVERIFY(!git(mirror, {u"rev-parse"_s, u"--verify"_s, u"refs/heads/"_s + branch}).isEmpty());
        QVERIFY(git(mirror, {u"rev-parse"_s, u"--verify"_s, u"-q"_s, u"refs/heads/ai/x"_s}).isEmpty());
        QVERIFY(!git(mirror, {u"rev-parse"_s, u"--verify"_s, u"refs/heads/main"_s}).isEmpty());
        QCOMPARE(git(m_original, {u"for-each-ref"_s}), m_originalRefs);
        QCOMPARE(git(m_original, {u"status"_s, u"--porcelain"_s}), QString(u""_s));
        // The pushes are the job's in the audit log, decided by the job's policies.
        const QList<AuditEvent> pushes = audit(u"job:minutely"_s, u"git.push"_s);
        QVERIFY2(pushes.size() >= 3, qPrintable(QString::number(pushes.size())));
        QCOMPARE(pushes.at(0).decision, AuditEvent::Decision::Allow);
        QCOMPARE(pushes.at(0).policies, QStringList{u"jobs-own-branch"_s});
        QCOMPARE(pushes.at(1).decision, AuditEvent::Decision::Deny);
        QVERIFY(pushes.at(1).policies.contains(u"jobs-push-only-their-branch"_s));
        // Its start and end, with both times.
        bool started = false, ended = false;
        for (const AuditEvent &e : audit(m_persona.name)) {
            if (e.resource != u"job:minutely"_s || e.detailsObject().value(u"id"_s).toInteger() != run->id)
                continue;
            started |= e.action == u"job.start"_s;
            ended |= e.action == u"job.end"_s && e.detailsObject().value(u"status"_s).toString() == u"ok"_s &&
                     !e.detailsObject().value(u"scheduled"_s).toString().isEmpty();
        }
        QVERIFY(started && ended);
        // Its container is gone; the workspace stays for staging.
        QVERIFY(!m_client->inspectContainer(jobContainerName(u"job.minutely.%1"_s.arg(run->id))));
        QVERIFY(QFileInfo::exists(run->workspace + u"/README"_s));
    }

    // paddockctl asks the scheduling process (this test's engine) over its socket, and reads the
    // history.
    void paddockctlRunsAJobAndReadsTheHistory()
    {
        const auto ctl = [](const QStringList &args, QByteArray *out) {
            QProcess p;
            p.start(qEnvironmentVariable("PADDOCKCTL"), args);
            if (!p.waitForStarted(10000))
                return -1;
            // The event loop runs meanwhile: the scheduler here answers it.
            (void)QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 180000);
            *out = p.readAllStandardOutput() + p.readAllStandardError();
            return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        };
        QByteArray out;
        QCOMPARE(ctl({u"job"_s, u"run"_s, u"quick"_s}, &out), 0);
        QVERIFY2(out.contains(": ok (exit code 0)"), out.constData());
        QCOMPARE(ctl({u"job"_s, u"run"_s, u"no-such-job"_s}, &out), 2);
        QVERIFY2(out.contains("no job"), out.constData());
        QCOMPARE(ctl({u"job"_s, u"history"_s, u"quick"_s, u"--json"_s}, &out), 0);
        const QJsonArray runs = QJsonDocument::fromJson(out).array();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().toObject().value(u"status"_s).toString(), u"ok"_s);
        QCOMPARE(runs.first().toObject().value(u"trigger"_s).toString(), u"manual"_s);
        QVERIFY(log(runs.first().toObject().value(u"id"_s).toInteger()).contains("quick-done"));
        QCOMPARE(ctl({u"job"_s, u"history"_s}, &out), 0);
        QVERIFY2(out.contains("STARTED") && out.contains("quick"), out.constData());
    }

    // With no window: this engine stops, `paddockctl serve` (as the systemd user unit runs it)
    // takes over the jobs and runs one asked of it.
    void paddockctlServeRunsTheJobsWithNoWindow()
    {
        m_engine->stop();
        m_engine.reset();
        QProcess serve;
        serve.setProcessChannelMode(QProcess::MergedChannels);
        serve.start(qEnvironmentVariable("PADDOCKCTL"), {u"serve"_s});
        QVERIFY(serve.waitForStarted(10000));
        const auto stopServe = qScopeGuard([&] {
            serve.terminate();
            if (!serve.waitForFinished(60000))
                serve.kill();
        });
        QByteArray said;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         said += serve.readAll();
                         return said.contains("running the jobs of this configuration");
                     },
                     30000),
                 said.constData());
        QProcess run;
        run.setProcessChannelMode(QProcess::MergedChannels);
        run.start(qEnvironmentVariable("PADDOCKCTL"), {u"job"_s, u"run"_s, u"quick"_s});
        QVERIFY(run.waitForStarted(10000));
        QVERIFY(QTest::qWaitFor([&] { return run.state() == QProcess::NotRunning; }, 180000));
        const QByteArray out = run.readAll();
        QVERIFY2(run.exitCode() == 0 && out.contains(": ok (exit code 0)"), QByteArray(out + "\nserve:\n" + said + serve.readAll()).constData());
        const QList<Run> runs = history(u"quick"_s);
        QVERIFY(runs.size() >= 2);
        QCOMPARE(runs.last().status, Run::Status::Ok);
        serve.terminate();
        QVERIFY(serve.waitForFinished(60000));
        QCOMPARE(serve.exitCode(), 0);
    }

    void aJobIsStoppedAtItsTimeout()
    {
        if (!m_engine) { // serve had the jobs: an engine here again
            m_engine = std::make_unique<Engine>();
            m_engine->start();
            QTRY_COMPARE_WITH_TIMEOUT(scheduler()->role(), SchedulerService::Role::Scheduling, 30000);
            QTRY_VERIFY_WITH_TIMEOUT(m_engine->personaRuntime()->isEngineConnected(), 20000);
        }
        QMetaObject::invokeMethod(scheduler(), [s = scheduler()] { s->runNow(u"slow"_s); });
        const auto run = finalRun(u"slow"_s, 150000);
        QVERIFY(run);
        QVERIFY2(run->status == Run::Status::Timeout, qPrintable(Run::statusName(run->status) + u": "_s + run->reason));
        QVERIFY2(run->reason.contains(u"timeout"_s), qPrintable(run->reason));
        const qint64 took = run->started.secsTo(run->ended);
        QVERIFY2(took >= 60 && took < 60 + 30, qPrintable(QString::number(took)));
        QVERIFY(log(run->id).contains("timeout of 1 minute"));
        QVERIFY(!m_client->inspectContainer(jobContainerName(u"job.slow.%1"_s.arg(run->id))));
    }
};

QTEST_GUILESS_MAIN(TestJobRuns)
#include "test_job_runs.moc"
