// SecretDelivery into a real hardened persona container (containerSpec, the agent image, podman):
// the files arrive in the tmpfs with mode 0400 and owner 1000, the entrypoint goes on once .ready is
// there, and the values appear nowhere else: not in the container's or the image's inspect data, its
// environment, its log, its writable layer, its other mounts, nor in Paddock's folders or log.
#include "AgentImage.h"
#include "config/Paths.h"
#include "log/AppLog.h"
#include "personas/Persona.h"
#include "runtime/EngineClient.h"
#include "secrets/SecretDelivery.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>

using namespace paddock;

class TestSecretDelivery : public QObject
{
    Q_OBJECT

    const QString m_suffix = QStringLiteral("delivery-%1").arg(QCoreApplication::applicationPid());
    std::unique_ptr<EngineClient> m_client;
    AppLog m_log;

    static QByteArray randomValue()
    {
        QByteArray v;
        for (int i = 0; i < 3; ++i)
            v += QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        return "paddock-secret-" + v;
    }

    // Regular files under `dir` (not following links) that contain `needle`.
    static QStringList filesContaining(const QString &dir, const QByteArray &needle)
    {
        QStringList hits;
        QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo info = it.nextFileInfo();
            if (!info.isFile() || info.size() > 256 * 1024 * 1024)
                continue;
            QFile f(info.filePath());
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
                hits << info.filePath();
        }
        return hits;
    }

    Persona persona() const
    {
        Persona p = Persona::defaults(agentImageName()).at(0); // full trust: no network of its own needed
        p.name = m_suffix;
        p.ports = {};
        p.volumes = {{QStringLiteral("paddock-test-home-") + m_suffix, QStringLiteral("/home/dev")}};
        p.entrypoint = {QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("--"),
                        QStringLiteral("sleep"), QStringLiteral("300")};
        return p;
    }

    QByteArray execOut(const QString &container, const QStringList &argv)
    {
        auto r = m_client->exec(container, argv);
        if (!r)
            return "exec failed: " + r.error().text().toUtf8();
        return r->stdoutText + r->stderrText;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(qEnvironmentVariable("CONTAINER_HOST").startsWith(QStringLiteral("unix://")),
                 "CONTAINER_HOST must name podman's socket; scripts/test-session starts it");
        const QString image = ensureAgentImage();
        QVERIFY2(image.isEmpty(), qPrintable(image));
        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
    }

    void secretsArriveInTheTmpfsAndNowhereElse()
    {
        const Persona p = persona();
        const QString c = p.containerName();
        const auto cleanup = qScopeGuard([&] {
            (void)m_client->removeContainer(c, true);
            (void)m_client->removeVolume(p.volumes.first().name);
        });
        auto created = m_client->createContainer(c, containerSpec(p, QStringLiteral("podman")));
        QVERIFY2(created, qPrintable(created ? QString() : created.error().text()));
        QVERIFY(m_client->startContainer(c));

        const QByteArray apiKey = randomValue(), sshKey = randomValue() + "\n-----END-----\n";
        const QMap<QString, QByteArray> secrets{{QStringLiteral("openai-key"), apiKey},
                                                {QStringLiteral("agent-deploy-key"), sshKey}};
        auto delivered = SecretDelivery::deliver(*m_client, c, secrets, 1000);
        QVERIFY2(delivered, qPrintable(delivered ? QString() : delivered.error().text()));

        // The entrypoint was waiting for .ready and now runs the command.
        QTRY_VERIFY_WITH_TIMEOUT(
            execOut(c, {QStringLiteral("cat"), QStringLiteral("/proc/1/cmdline")}).startsWith("sleep"),
            10000);

        // Files: 0400, the container user's, the right bytes; .ready is there and empty.
        QCOMPARE(execOut(c, {QStringLiteral("stat"), QStringLiteral("-c"), QStringLiteral("%n %a %u:%g %s"),
                             QStringLiteral("/run/paddock/secrets/openai-key"),
                             QStringLiteral("/run/paddock/secrets/agent-deploy-key"),
                             QStringLiteral("/run/paddock/secrets/.ready")}),
                 QByteArray("/run/paddock/secrets/openai-key 400 1000:1000 ") +
                     QByteArray::number(apiKey.size()) +
                     "\n/run/paddock/secrets/agent-deploy-key 400 1000:1000 " +
                     QByteArray::number(sshKey.size()) + "\n/run/paddock/secrets/.ready 400 1000:1000 0\n");
        QCOMPARE(execOut(c, {QStringLiteral("cat"), QStringLiteral("/run/paddock/secrets/openai-key")}),
                 apiKey);
        QCOMPARE(execOut(c, {QStringLiteral("cat"), QStringLiteral("/run/paddock/secrets/agent-deploy-key")}),
                 sshKey);
        // The folder really is a tmpfs (memory only), and only its owner may enter it.
        const QByteArray mounts = execOut(c, {QStringLiteral("cat"), QStringLiteral("/proc/mounts")});
        QVERIFY2(mounts.contains("tmpfs /run/paddock/secrets tmpfs "), mounts.constData());
        QCOMPARE(execOut(c, {QStringLiteral("stat"), QStringLiteral("-c"), QStringLiteral("%a %u"),
                             QStringLiteral("/run/paddock/secrets")}),
                 QByteArray("700 1000\n"));

        // Nowhere else.
        auto inspect = m_client->inspectContainer(c);
        QVERIFY(inspect);
        const QByteArray inspectJson = QJsonDocument(*inspect).toJson();
        auto image = m_client->inspectImage(agentImageName());
        QVERIFY(image);
        const QByteArray env = execOut(c, {QStringLiteral("env")});
        const QByteArray environ = execOut(c, {QStringLiteral("cat"), QStringLiteral("/proc/1/environ")});
        QVERIFY(env.contains("HOME=") && environ.contains("HOME=")); // these really are the environments
        QByteArray logText;
        auto logs = m_client->logs(c);
        QVERIFY(logs);
        for (const auto &line : *logs)
            logText += line.text + '\n';
        auto tmp = m_client->getArchive(c, QStringLiteral("/tmp"));
        QVERIFY(tmp);
        const QString upper = inspect->value(QStringLiteral("GraphDriver"))
                                  .toObject()
                                  .value(QStringLiteral("Data"))
                                  .toObject()
                                  .value(QStringLiteral("UpperDir"))
                                  .toString();
        QVERIFY2(QFileInfo(upper).isDir(), qPrintable(QStringLiteral("no writable layer at ") + upper));
        QStringList mountSources;
        for (const QJsonValue &m : inspect->value(QStringLiteral("Mounts")).toArray())
            mountSources << m.toObject().value(QStringLiteral("Source")).toString();
        QVERIFY2(!mountSources.isEmpty(), "the home volume is mounted");
        // A control: the same search finds a value where it is (the tmpfs, through the engine).
        auto secretsTar = m_client->getArchive(c, QStringLiteral("/run/paddock/secrets"));
        QVERIFY(secretsTar && secretsTar->contains(apiKey));

        QTest::qWait(2 * AppLog::BatchIntervalMs);
        QByteArray appLog;
        for (const LogEntry &e : m_log.history())
            appLog += e.message.toUtf8() + '\n';
        for (const QByteArray &value : {apiKey, sshKey.left(30)}) {
            QVERIFY2(!inspectJson.contains(value), "container inspect");
            QVERIFY2(!QJsonDocument(*image).toJson().contains(value), "image inspect");
            QVERIFY2(!env.contains(value), "exec env");
            QVERIFY2(!environ.contains(value), "/proc/1/environ");
            QVERIFY2(!logText.contains(value), "container log");
            QVERIFY2(!tmp->contains(value), "/tmp");
            QVERIFY2(!appLog.contains(value), "Paddock's log");
            QCOMPARE(filesContaining(upper, value), QStringList());
            for (const QString &source : mountSources)
                QCOMPARE(filesContaining(source, value), QStringList());
            QCOMPARE(filesContaining(Paths::configDir(), value), QStringList());
            QCOMPARE(filesContaining(Paths::dataDir(), value), QStringList());
            QCOMPARE(filesContaining(QDir::tempPath(), value), QStringList());
        }
    }

    void aStoppedContainerIsRefused()
    {
        // Its tmpfs does not exist then: the files would land in the writable layer on disk.
        Persona p = persona();
        p.name = m_suffix + QStringLiteral("-stopped");
        const QString c = p.containerName();
        const auto cleanup = qScopeGuard([&] {
            (void)m_client->removeContainer(c, true);
            (void)m_client->removeVolume(p.volumes.first().name);
        });
        QVERIFY(m_client->createContainer(c, containerSpec(p)));
        const QByteArray value = randomValue();
        auto refused = SecretDelivery::deliver(*m_client, c, {{QStringLiteral("key"), value}});
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, Error::Code::Invalid);
        QVERIFY(refused.error().hint.contains(QStringLiteral("Start")));
        QVERIFY(!refused.error().text().toUtf8().contains(value));
        auto bad = SecretDelivery::deliver(*m_client, c, {{QStringLiteral("../escape"), value}});
        QVERIFY(!bad);
    }

    void badNamesAreRefused()
    {
        const Persona p = persona();
        const QString c = p.containerName() + QStringLiteral("-names");
        const auto cleanup = qScopeGuard([&] {
            (void)m_client->removeContainer(c, true);
            (void)m_client->removeVolume(p.volumes.first().name);
        });
        QVERIFY(m_client->createContainer(c, containerSpec(p)));
        QVERIFY(m_client->startContainer(c));
        auto bad = SecretDelivery::deliver(*m_client, c, {{QStringLiteral("../escape"), "v"}});
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, Error::Code::Invalid);
        // Nothing was written, not even .ready.
        QCOMPARE(
            execOut(c, {QStringLiteral("ls"), QStringLiteral("-A"), QStringLiteral("/run/paddock/secrets")}),
            QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestSecretDelivery)
#include "test_secret_delivery.moc"
