// `paddockctl persona …` as a script runs it, on real podman: list with status, start, logs, stop,
// and the exit codes for an unknown persona (2) and for no engine (3).
#include "BusyboxImage.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace paddock;

class TestPaddockctlPersona : public QObject
{
    Q_OBJECT

    QTemporaryDir m_config;
    std::unique_ptr<EngineClient> m_client;
    const QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);
    QString image() const
    {
        return QStringLiteral("localhost/paddock-ctl-") + m_suffix + QStringLiteral(":1");
    }
    QString name() const { return QStringLiteral("ctl") + m_suffix; }

    struct Run
    {
        int code;
        QString out, err;
    };
    Run ctl(const QStringList &args, const QProcessEnvironment &extra = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_config.path());
        for (const QString &key : extra.keys())
            env.insert(key, extra.value(key));
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("PADDOCKCTL"), args);
        if (!p.waitForFinished(60000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
        QVERIFY(m_client->importImage(busyboxRootTar(), image().section(u':', 0, 0), QStringLiteral("1")));
        Persona p;
        p.name = name();
        p.trust = Persona::Trust::Full;
        p.image = image();
        p.entrypoint = {
            QStringLiteral("/bin/sh"), QStringLiteral("-c"),
            QStringLiteral("trap 'exit 0' TERM; echo ready; echo oops >&2; while true; do sleep 1; done")};
        QVERIFY(QDir().mkpath(m_config.filePath(QStringLiteral("paddock"))));
        QFile file(m_config.filePath(QStringLiteral("paddock/personas.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(PersonaStore::serialize({p}));
    }

    void cleanupTestCase()
    {
        if (!m_client)
            return;
        (void)m_client->killContainer(QStringLiteral("paddock-") + name());
        (void)m_client->removeContainer(QStringLiteral("paddock-") + name(), true);
        (void)m_client->removeImage(image());
    }

    void startLogsStop()
    {
        Run list = ctl({QStringLiteral("persona"), QStringLiteral("list")});
        QCOMPARE(list.code, 0);
        QVERIFY2(list.out.contains(name()) && list.out.contains(QStringLiteral("stopped")),
                 qPrintable(list.out));

        Run start = ctl({QStringLiteral("persona"), QStringLiteral("start"), name()});
        QVERIFY2(start.code == 0, qPrintable(start.err));
        QVERIFY2(start.out.contains(QStringLiteral("running")), qPrintable(start.out));
        auto inspect = m_client->inspectContainer(QStringLiteral("paddock-") + name());
        QVERIFY(inspect);
        QVERIFY(inspect->value(QStringLiteral("State")).toObject().value(QStringLiteral("Running")).toBool());

        Run json = ctl({QStringLiteral("persona"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(json.code, 0);
        QVERIFY2(json.out.contains(QStringLiteral("\"state\":\"running\"")), qPrintable(json.out));

        Run logs;
        for (int i = 0; i < 50; ++i) { // the first lines can take a moment to reach the log
            logs = ctl({QStringLiteral("persona"), QStringLiteral("logs"), name()});
            if (logs.out.contains(QStringLiteral("ready")))
                break;
            QTest::qWait(100);
        }
        QCOMPARE(logs.code, 0);
        QCOMPARE(logs.out.trimmed(), QStringLiteral("ready"));
        QCOMPARE(logs.err.trimmed(), QStringLiteral("oops"));

        Run stop = ctl({QStringLiteral("persona"), QStringLiteral("stop"), name()});
        QVERIFY2(stop.code == 0, qPrintable(stop.err));
        QVERIFY2(stop.out.contains(QStringLiteral("stopped")), qPrintable(stop.out));
    }

    void exitCodes()
    {
        Run unknown = ctl({QStringLiteral("persona"), QStringLiteral("start"), QStringLiteral("nosuch")});
        QCOMPARE(unknown.code, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("no persona \"nosuch\"")));
        Run usage = ctl({QStringLiteral("persona"), QStringLiteral("frob")});
        QCOMPARE(usage.code, 2);
        QProcessEnvironment env;
        env.insert(QStringLiteral("CONTAINER_HOST"),
                   QStringLiteral("unix://") + m_config.filePath(QStringLiteral("none.sock")));
        Run none = ctl({QStringLiteral("persona"), QStringLiteral("start"), name()}, env);
        QCOMPARE(none.code, 3);
        QVERIFY2(none.err.contains(QStringLiteral("not a socket")) &&
                     none.err.contains(QStringLiteral("podman.socket")),
                 qPrintable(none.err));
    }
};

QTEST_GUILESS_MAIN(TestPaddockctlPersona)
#include "test_paddockctl_persona.moc"
