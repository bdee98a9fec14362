// The engine's events stream, followed against real podman: Paddock's containers' changes of
// state arrive (others do not), and the stream comes back by itself after the engine restarts.
#include "BusyboxImage.h"
#include "runtime/EngineClient.h"
#include "runtime/EngineEvents.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace paddock;
using Kind = ContainerEvent::Kind;

namespace {
const QString Label = QStringLiteral("io.paddock.persona");

QJsonObject sleeper(const QString &image, bool labelled)
{
    QJsonObject spec{{QStringLiteral("Image"), image},
                     {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("/bin/sleep"), QStringLiteral("60")}},
                     {QStringLiteral("HostConfig"),
                      QJsonObject{{QStringLiteral("Ulimits"),
                                   QJsonArray{QJsonObject{{QStringLiteral("Name"), QStringLiteral("nofile")},
                                                          {QStringLiteral("Soft"), 1024},
                                                          {QStringLiteral("Hard"), 1024}}}}}}};
    if (labelled)
        spec.insert(QStringLiteral("Labels"), QJsonObject{{Label, QStringLiteral("agent")}});
    return spec;
}
} // namespace

class TestEngineEvents : public QObject
{
    Q_OBJECT

    QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);
    QString m_image;

    // The events seen so far, on this thread.
    struct Seen
    {
        QList<ContainerEvent> events;
        int connected = 0;
        int disconnected = 0;
    };
    static void watch(EngineEvents &events, QObject *context, Seen &seen)
    {
        QObject::connect(&events, &EngineEvents::containerEvent, context,
                         [&seen](const ContainerEvent &e) { seen.events << e; });
        QObject::connect(&events, &EngineEvents::connected, context, [&seen] { ++seen.connected; });
        QObject::connect(&events, &EngineEvents::disconnected, context,
                         [&seen](const Error &) { ++seen.disconnected; });
    }
    static QList<Kind> kindsOf(const Seen &seen, const QString &id)
    {
        QList<Kind> kinds;
        for (const ContainerEvent &e : seen.events)
            if (e.id == id && e.kind != Kind::Other)
                kinds << e.kind;
        return kinds;
    }

private slots:
    void parsesPodmansEvents()
    {
        const QByteArray die =
            R"({"status":"died","id":"abc","from":"img","Type":"container","Action":"die",)"
            R"("Actor":{"ID":"abc","Attributes":{"containerExitCode":"137","exitCode":"137",)"
            R"("image":"img","name":"paddock-agent","io.paddock.persona":"agent"}},)"
            R"("scope":"local","time":1796114076,"timeNano":1796114076123456789})";
        auto e = EngineEvents::parse(die);
        QVERIFY(e);
        QCOMPARE(e->kind, Kind::Died);
        QCOMPARE(e->exitCode, 137);
        QCOMPARE(e->name, QStringLiteral("paddock-agent"));
        QCOMPARE(e->attributes.value(Label), QStringLiteral("agent"));
        QCOMPARE(e->timeNs, 1796114076123456789LL);
        QVERIFY(!EngineEvents::parse(R"({"Type":"image","Action":"pull"})"));
        QVERIFY(!EngineEvents::parse("not json"));
    }

    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        m_image = QStringLiteral("localhost/paddock-events-") + m_suffix + QStringLiteral(":1");
        auto imported =
            client.importImage(busyboxRootTar(), m_image.section(u':', 0, 0), QStringLiteral("1"));
        QVERIFY2(imported, qPrintable(imported ? QString() : imported.error().text()));
    }

    void cleanupTestCase()
    {
        if (auto endpoint = EngineClient::discover()) {
            EngineClient client(*endpoint);
            if (client.connect())
                (void)client.removeImage(m_image);
        }
    }

    void followsTheLifeOfPaddocksContainersOnly()
    {
        auto endpoint = *EngineClient::discover();
        EngineClient client(endpoint);
        QVERIFY(client.connect());
        EngineEvents events(endpoint, Label, client.apiVersion());
        Seen seen;
        watch(events, this, seen);
        events.start();
        QTRY_COMPARE(seen.connected, 1);

        const QString ours = QStringLiteral("paddock-ev-") + m_suffix;
        const QString other = QStringLiteral("other-ev-") + m_suffix;
        auto cleanup = qScopeGuard([&] {
            (void)client.removeContainer(ours, true);
            (void)client.removeContainer(other, true);
        });
        auto id = client.createContainer(ours, sleeper(m_image, true));
        QVERIFY2(id, qPrintable(id ? QString() : id.error().text()));
        auto otherId = client.createContainer(other, sleeper(m_image, false));
        QVERIFY(otherId);
        QVERIFY(client.startContainer(ours));
        QVERIFY(client.startContainer(other));
        QTRY_VERIFY(kindsOf(seen, *id).contains(Kind::Started));
        QVERIFY(client.killContainer(ours));
        QTRY_VERIFY_WITH_TIMEOUT(kindsOf(seen, *id).contains(Kind::Died), 15000);
        QVERIFY(client.removeContainer(ours));
        QTRY_VERIFY_WITH_TIMEOUT(kindsOf(seen, *id).contains(Kind::Removed), 15000);
        const QList<Kind> kinds = kindsOf(seen, *id);
        QCOMPARE(kinds.first(), Kind::Created);
        QVERIFY(kinds.indexOf(Kind::Created) < kinds.indexOf(Kind::Started));
        QVERIFY(kinds.indexOf(Kind::Started) < kinds.indexOf(Kind::Died));
        QVERIFY(kinds.indexOf(Kind::Died) < kinds.lastIndexOf(Kind::Removed));
        for (const ContainerEvent &e : seen.events) {
            if (e.id == *id && e.kind == Kind::Died)
                QCOMPARE(e.exitCode, 137); // SIGKILL
            QVERIFY2(e.id != *otherId, "a container without Paddock's label is not reported");
        }
        events.stop();
        QVERIFY(!events.isConnected());
    }

    void reconnectsAfterTheEngineRestarts()
    {
        // An engine of this test's own, so that it can be stopped and started again.
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("engine.sock"));
        auto startEngine = [&](QProcess &p) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove(QStringLiteral("CONTAINER_HOST"));
            p.setProcessEnvironment(env);
            p.start(QStringLiteral("podman"),
                    {QStringLiteral("system"), QStringLiteral("service"), QStringLiteral("--time=0"),
                     QStringLiteral("unix://") + socket});
            return p.waitForStarted() && QTest::qWaitFor([&] { return QFile::exists(socket); }, 20000);
        };
        QProcess first;
        QVERIFY(startEngine(first));
        const EngineClient::Endpoint endpoint{socket, QStringLiteral("test")};
        EngineEvents events(endpoint, Label);
        Seen seen;
        watch(events, this, seen);
        events.start();
        QTRY_COMPARE_WITH_TIMEOUT(seen.connected, 1, 20000);

        first.terminate();
        QVERIFY(first.waitForFinished(20000));
        QTRY_VERIFY_WITH_TIMEOUT(seen.disconnected >= 1, 10000);
        QFile::remove(socket);
        QProcess second;
        QVERIFY(startEngine(second));
        auto stopSecond = qScopeGuard([&] {
            second.terminate();
            second.waitForFinished(20000);
        });
        QTRY_COMPARE_WITH_TIMEOUT(seen.connected, 2, 30000);

        // And it delivers again.
        EngineClient client(endpoint);
        QVERIFY(client.connect());
        const QString name = QStringLiteral("paddock-ev2-") + m_suffix;
        auto id = client.createContainer(name, sleeper(m_image, true));
        QVERIFY2(id, qPrintable(id ? QString() : id.error().text()));
        auto cleanup = qScopeGuard([&] { (void)client.removeContainer(name, true); });
        QTRY_VERIFY_WITH_TIMEOUT(kindsOf(seen, *id).contains(Kind::Created), 15000);
        events.stop();
    }
};

QTEST_GUILESS_MAIN(TestEngineEvents)
#include "test_engine_events.moc"
