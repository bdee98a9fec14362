#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "engine/ConfigWriter.h"
#include "engine/Engine.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace paddock;

namespace {
// Records, in one list shared by all, on which thread each service started and when it stopped.
struct Journal
{
    QStringList events;
    QMutex mutex;
    void add(const QString &e)
    {
        QMutexLocker lock(&mutex);
        events << e;
    }
};

class RecordingService final : public EngineService
{
public:
    RecordingService(const QString &name, Journal &journal, std::optional<Error> failure = {})
        : EngineService(name)
        , m_journal(journal)
        , m_failure(std::move(failure))
    {}
    Result<void> start() override
    {
        m_journal.add(QStringLiteral("start %1 on %2").arg(name(), QThread::currentThread()->objectName()));
        if (m_failure)
            return std::unexpected(*m_failure);
        return {};
    }
    void stop() override
    {
        m_journal.add(QStringLiteral("stop %1 on %2").arg(name(), QThread::currentThread()->objectName()));
    }

private:
    Journal &m_journal;
    std::optional<Error> m_failure;
};

QStringList osThreadNames()
{
    QStringList names;
    for (const QString &task :
         QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(task));
        if (comm.open(QIODevice::ReadOnly))
            names << QString::fromUtf8(comm.readAll()).trimmed();
    }
    return names;
}
} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

private slots:
    void startsServicesOnNamedThreadsAndStopsInReverse()
    {
        Journal journal;
        Engine engine;
        engine.addService(std::make_unique<RecordingService>(QStringLiteral("mcp"), journal));
        engine.addService(std::make_unique<RecordingService>(QStringLiteral("briefing"), journal));
        QSignalSpy states(&engine, &Engine::stateChanged);
        QCOMPARE(engine.state(), Engine::State::Stopped);
        engine.start();
        QCOMPARE(engine.state(), Engine::State::Starting); // start() does not wait
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        QCOMPARE(engine.threadNames(),
                 (QStringList{QStringLiteral("paddock-config"), QStringLiteral("paddock-audit"),
                              QStringLiteral("paddock-policy"), QStringLiteral("paddock-proxy"),
                              QStringLiteral("paddock-runtime"), QStringLiteral("paddock-scheduler"),
                              QStringLiteral("paddock-mcp"), QStringLiteral("paddock-briefing")}));
        const QStringList os = osThreadNames();
        QVERIFY2(os.contains(QStringLiteral("paddock-audit")) &&
                     os.contains(QStringLiteral("paddock-config")) &&
                     os.contains(QStringLiteral("paddock-proxy")) &&
                     os.contains(QStringLiteral("paddock-proxy-1")),
                 qPrintable(os.join(QLatin1Char(','))));
        QVERIFY(journal.events.contains(QStringLiteral("start mcp on paddock-mcp")));
        QVERIFY(journal.events.contains(QStringLiteral("start briefing on paddock-briefing")));

        engine.stop();
        QCOMPARE(engine.state(), Engine::State::Stopped);
        const int stopScheduler =
            int(journal.events.indexOf(QStringLiteral("stop briefing on paddock-briefing")));
        const int stopMcp = int(journal.events.indexOf(QStringLiteral("stop mcp on paddock-mcp")));
        QVERIFY(stopScheduler >= 0 && stopMcp > stopScheduler); // reverse order of start
        // QThread::wait() returns before the kernel has reaped the thread: give it a moment.
        QTRY_VERIFY(!osThreadNames().contains(QStringLiteral("paddock-audit")));
        QTRY_VERIFY(!osThreadNames().contains(QStringLiteral("paddock-proxy")));
        QTRY_VERIFY(!osThreadNames().contains(QStringLiteral("paddock-proxy-1"))); // its workers too

        // The engine's own start and stop are in the audit log.
        auto reader = AuditReader::open(AuditStore::defaultDatabasePath());
        QVERIFY(reader);
        auto events = reader->after(0);
        QVERIFY(events);
        QStringList actions;
        for (const AuditEvent &e : *events)
            actions << e.action;
        QCOMPARE(actions, (QStringList{QStringLiteral("engine.start"), QStringLiteral("engine.stop")}));
        QCOMPARE(events->first().source, AuditEvent::Source::System);

        QList<Engine::State> seen;
        for (const auto &args : states)
            seen << args.at(0).value<Engine::State>();
        QCOMPARE(seen, (QList<Engine::State>{Engine::State::Starting, Engine::State::Running,
                                             Engine::State::Stopping, Engine::State::Stopped}));
    }

    void aServiceThatCannotStartFailsTheEngine()
    {
        Journal journal;
        Engine engine;
        engine.addService(std::make_unique<RecordingService>(
            QStringLiteral("audit"), journal,
            Error{Error::Code::Io, QStringLiteral("disk full"), QStringLiteral("/data/audit.db"), {}}));
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Failed);
        QCOMPARE(engine.problems().size(), 1);
        QVERIFY(engine.problems().first().text().contains(QStringLiteral("/data/audit.db: disk full")));
        QVERIFY(engine.statusText().contains(Engine::stateName(Engine::State::Failed)));
        engine.stop();
        QCOMPARE(engine.state(), Engine::State::Stopped);
    }

    void problemsDegradeAndRecover()
    {
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        QSignalSpy problems(&engine, &Engine::problemsChanged);
        engine.reportProblem(QStringLiteral("k"), Error{Error::Code::Io, QStringLiteral("first"), {}, {}});
        engine.reportProblem(QStringLiteral("k"), Error{Error::Code::Io, QStringLiteral("again"), {}, {}});
        QCOMPARE(engine.state(), Engine::State::Degraded);
        QCOMPARE(engine.problems().size(), 1); // a repeat replaces, it does not pile up
        QCOMPARE(engine.problems().first().message, QStringLiteral("again"));
        engine.clearProblem(QStringLiteral("k"));
        QCOMPARE(engine.state(), Engine::State::Running);
        QCOMPARE(problems.count(), 3);
    }

    void configWritesQueuedBeforeStopAreWritten()
    {
        QTemporaryDir dir;
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        for (int i = 0; i < 50; ++i)
            engine.configWriter()->write(dir.filePath(QStringLiteral("f%1").arg(i)), QByteArray::number(i));
        engine.stop(); // must drain the queue first
        for (int i = 0; i < 50; ++i)
            QVERIFY(QFile::exists(dir.filePath(QStringLiteral("f%1").arg(i))));
        // After the engine stops, writes still happen (in place).
        engine.configWriter()->write(dir.filePath(QStringLiteral("late")), "x");
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("late"))));
    }

    void restartsAfterStop()
    {
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        engine.stop();
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
