// The persona runtime against real podman: it connects, starts a persona's hardened container and
// reports it running from the engine's events, streams its stats and logs while asked to, sees a
// death it did not cause, stops it, mounts a workspace, removes it with or without its volumes,
// and says what to do when there is no engine.
#include "BusyboxImage.h"
#include "RuntimeTesting.h"
#include "engine/Engine.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"
#include "secrets/SecretStore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace paddock;
using paddock::test::waitForState;

namespace {
const QString Suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);
const QString Image = QStringLiteral("localhost/paddock-rt-") + Suffix;

} // namespace

class TestPersonaRuntime : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EngineClient> m_client;
    QString m_name = QStringLiteral("rt") + Suffix;

    Persona persona() const
    {
        Persona p;
        p.name = m_name;
        p.trust = Persona::Trust::Restricted;
        p.image = Image + QStringLiteral(":1");
        // sh as PID 1 ignores SIGTERM: the stop timeout (2 s here) ends it.
        p.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                        QStringLiteral("echo hello from $(id -u); while true; do sleep 1; done")};
        p.volumes = {{QStringLiteral("paddock-rt-home-") + Suffix, QStringLiteral("/home/dev")}};
        p.sshKey = QStringLiteral("rt-key");
        p.limits.memoryMb = 128;
        return p;
    }

    std::unique_ptr<PersonaRuntime> makeRuntime()
    {
        PersonaRuntime::Options o;
        o.personasPath = m_dir.filePath(QStringLiteral("personas.json"));
        o.image = Image + QStringLiteral(":1");
        o.stopTimeout = std::chrono::seconds(2);
        return std::make_unique<PersonaRuntime>(std::move(o));
    }

private slots:
    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
        const QByteArray tar = busyboxRootTar();
        QVERIFY(!tar.isEmpty());
        QVERIFY(m_client->importImage(tar, Image, QStringLiteral("1")));
        QFile file(m_dir.filePath(QStringLiteral("personas.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(PersonaStore::serialize({persona()}));
    }

    void cleanupTestCase()
    {
        if (!m_client)
            return;
        (void)m_client->killContainer(persona().containerName());
        (void)m_client->removeContainer(persona().containerName(), true);
        (void)m_client->removeVolume(persona().volumes.first().name);
        (void)m_client->removeNetwork(persona().networkName());
        (void)m_client->removeImage(Image + QStringLiteral(":1"));
    }

    void startsStreamsAndStops()
    {
        auto runtime = makeRuntime();
        QSignalSpy connected(runtime.get(), &PersonaRuntime::engineConnectionChanged);
        QSignalSpy personas(runtime.get(), &PersonaRuntime::personasChanged);
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] { runtime->stop(); });
        QCOMPARE(personas.size(), 1);
        QCOMPARE(runtime->personas().first().name, m_name);
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        QVERIFY(runtime->engineDescription().contains(QStringLiteral("podman")));
        QTRY_VERIFY(runtime->status(m_name).has_value());
        QCOMPARE(runtime->status(m_name)->state, PersonaStatus::State::Stopped);

        QSignalSpy finished(runtime.get(), &PersonaRuntime::actionFinished);
        QSignalSpy failed(runtime.get(), &PersonaRuntime::actionFailed);
        runtime->startPersona(m_name);
        QCOMPARE(runtime->status(m_name)->state, PersonaStatus::State::Starting);
        // On failure, say where it stopped: its state, the runtime's sentence, the engine's link.
        QVERIFY2(
            waitForState(*runtime, m_name, PersonaStatus::State::Running),
            qPrintable(runtime->status(m_name)->text() + u' ' + runtime->status(m_name)->message +
                       (failed.isEmpty() ? QString() : u' ' + failed.first().at(2).value<Error>().text()) +
                       (runtime->isEngineConnected() ? QString() : u' ' + runtime->engineDescription())));
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(2).value<Error>().text()));
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY(runtime->status(m_name)->startedAt.isValid());

        // What it got: the hardened spec, its network, its volume, and the key's name only.
        auto inspect = m_client->inspectContainer(persona().containerName());
        QVERIFY(inspect);
        const QJsonObject host = inspect->value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("CapDrop")).toArray().size() > 0, true);
        QVERIFY(host.value(QStringLiteral("ReadonlyRootfs")).toBool());
        QCOMPARE(inspect->value(QStringLiteral("Config")).toObject().value(QStringLiteral("User")).toString(),
                 QStringLiteral("1000:1000"));
        // No network (a restricted persona): its ways out are its socket folder, through the relay.
        QCOMPARE(host.value(QStringLiteral("NetworkMode")).toString(), QStringLiteral("none"));
        const QJsonArray entry =
            inspect->value(QStringLiteral("Config")).toObject().value(QStringLiteral("Entrypoint")).toArray();
        QVERIFY(!entry.isEmpty());
        QCOMPARE(entry.first().toString(), QStringLiteral("/run/paddock/relay"));
        QStringList targets;
        for (const QJsonValue &m : inspect->value(QStringLiteral("Mounts")).toArray())
            targets << m.toObject().value(QStringLiteral("Destination")).toString();
        QVERIFY2(targets.contains(QStringLiteral("/run/paddock/sockets")), qPrintable(targets.join(u' ')));
        QVERIFY2(targets.contains(QStringLiteral("/run/paddock/relay")), qPrintable(targets.join(u' ')));
        const QJsonArray env =
            inspect->value(QStringLiteral("Config")).toObject().value(QStringLiteral("Env")).toArray();
        QVERIFY(env.contains(QStringLiteral("PADDOCK_SSH_KEY=rt-key")));

        // Stats only while watched, logs while followed.
        QSignalSpy samples(runtime.get(), &PersonaRuntime::sampled);
        QTest::qWait(1500);
        QCOMPARE(samples.size(), 0);
        runtime->setWatched({m_name});
        QVERIFY(samples.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(samples.size() >= 2, 10000);
        const auto sample = samples.last().first().value<PersonaSample>();
        QCOMPARE(sample.persona, m_name);
        QVERIFY(sample.memoryBytes > 0);
        QCOMPARE(sample.memoryLimit, qint64(128) * 1024 * 1024);
        QVERIFY(sample.pids >= 1);
        runtime->setWatched({});
        QTest::qWait(1500);
        const qsizetype afterUnwatch = samples.size();
        QTest::qWait(2500);
        QCOMPARE(samples.size(), afterUnwatch);

        QSignalSpy logs(runtime.get(), &PersonaRuntime::logLines);
        runtime->followLogs(m_name, 100);
        QVERIFY(logs.wait(10000));
        const auto lines = logs.first().at(1).value<QList<EngineClient::LogLine>>();
        QCOMPARE(lines.first().text, QByteArray("hello from 1000"));

        // A death it did not cause arrives as an event, with the exit code.
        QSignalSpy status(runtime.get(), &PersonaRuntime::statusChanged);
        QElapsedTimer sinceKill;
        sinceKill.start();
        QVERIFY(m_client->killContainer(persona().containerName()));
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Exited, 10000));
        qInfo("kill to Exited: %lld ms", sinceKill.elapsed());
        QCOMPARE(runtime->status(m_name)->exitCode, 137);
        QCOMPARE(runtime->status(m_name)->text(), QStringLiteral("exited (code 137)"));

        // Started again (the old container is replaced), then stopped by request: "stopped".
        runtime->startPersona(m_name);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running));
        runtime->stopPersona(m_name);
        QCOMPARE(runtime->status(m_name)->state, PersonaStatus::State::Stopping);
        // A start asked while the stop is under way runs after it, not refused as busy.
        QSignalSpy failedWhileBusy(runtime.get(), &PersonaRuntime::actionFailed);
        QSignalSpy states(runtime.get(), &PersonaRuntime::statusChanged);
        runtime->startPersona(m_name);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running, 20000));
        QVERIFY(failedWhileBusy.isEmpty());
        QList<PersonaStatus::State> seen;
        for (const auto &args : states)
            if (args.first().value<PersonaStatus>().persona == m_name)
                seen << args.first().value<PersonaStatus>().state;
        const qsizetype stopped = seen.indexOf(PersonaStatus::State::Stopped);
        QVERIFY(stopped >= 0);
        QVERIFY(seen.indexOf(PersonaStatus::State::Starting, stopped) > stopped);
        runtime->stopPersona(m_name);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Stopped, 20000));
    }

    void mountsAWorkspace()
    {
        QTemporaryDir workspace;
        QVERIFY(QDir().mkpath(workspace.filePath(QStringLiteral("_governance"))));
        QFile::setPermissions(workspace.path(), QFile::Permissions(0x7777));
        QFile::setPermissions(workspace.filePath(QStringLiteral("_governance")), QFile::Permissions(0x7777));
        auto runtime = makeRuntime();
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] { runtime->stop(); });
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        runtime->startPersonaWithWorkspace(m_name,
                                           WorkspaceMount{workspace.path(), {QStringLiteral("_governance")}});
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running));
        QCOMPARE(runtime->status(m_name)->workspace, workspace.path());
        QCOMPARE(runtime->status(m_name)->workspaceReadOnly, QStringList{QStringLiteral("_governance")});
        // The workspace read-write, _governance read-only over it, as the engine has them.
        auto mountsAsAsked = [&] {
            auto inspect = m_client->inspectContainer(persona().containerName());
            if (!inspect)
                return false;
            bool rw = false, ro = false;
            for (const QJsonValue &m : inspect->value(QStringLiteral("Mounts")).toArray()) {
                const QJsonObject o = m.toObject();
                const QString destination = o.value(QStringLiteral("Destination")).toString();
                if (destination == QStringLiteral("/home/dev/workspace"))
                    rw = o.value(QStringLiteral("RW")).toBool() &&
                         o.value(QStringLiteral("Source")).toString() == workspace.path();
                if (destination == QStringLiteral("/home/dev/workspace/_governance"))
                    ro = !o.value(QStringLiteral("RW")).toBool();
            }
            return rw && ro;
        };
        QVERIFY(mountsAsAsked());
        // Restarting keeps the workspace.
        const QString oldId = runtime->status(m_name)->containerId;
        QSignalSpy changes(runtime.get(), &PersonaRuntime::statusChanged);
        runtime->restartPersona(m_name);
        QTRY_COMPARE_WITH_TIMEOUT(runtime->status(m_name)->state, PersonaStatus::State::Starting, 5000);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running));
        QCOMPARE(runtime->status(m_name)->workspace, workspace.path());
        const QString newId = runtime->status(m_name)->containerId;
        QVERIFY(!newId.isEmpty() && newId != oldId);
        // podman's events come late (read from a file it polls): the old container's "died" and
        // "remove" may arrive after the new one runs. They must not undo its status, not even for a
        // moment: from the first status of the new container on, every one is running, with the
        // workspace.
        QTest::qWait(2500);
        bool sawNew = false;
        for (const auto &args : std::as_const(changes)) {
            const auto st = args.first().value<PersonaStatus>();
            if (st.persona != m_name)
                continue;
            sawNew = sawNew || st.containerId == newId;
            if (!sawNew)
                continue;
            QCOMPARE(st.containerId, newId);
            QCOMPARE(st.state, PersonaStatus::State::Running);
            QCOMPARE(st.workspace, workspace.path());
        }
        QVERIFY(sawNew);
        QCOMPARE(runtime->status(m_name)->workspace, workspace.path());
        // Read-only folders included: a restart must not hand _governance to the agent.
        QVERIFY(mountsAsAsked());

        // Stopped, then started again: the agent comes back to its workspace, as it had it.
        runtime->stopPersona(m_name);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Stopped, 20000));
        QCOMPARE(runtime->status(m_name)->workspace, workspace.path());
        runtime->startPersona(m_name);
        QTRY_COMPARE_WITH_TIMEOUT(runtime->status(m_name)->state, PersonaStatus::State::Starting, 5000);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running));
        QVERIFY(runtime->status(m_name)->containerId != newId);
        QCOMPARE(runtime->status(m_name)->workspace, workspace.path());
        QCOMPARE(runtime->status(m_name)->workspaceReadOnly, QStringList{QStringLiteral("_governance")});
        QVERIFY(mountsAsAsked());

        // A workspace deleted while the persona was stopped: it starts without one.
        runtime->stopPersona(m_name);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Stopped, 20000));
        QVERIFY(workspace.remove());
        runtime->startPersona(m_name);
        QTRY_COMPARE_WITH_TIMEOUT(runtime->status(m_name)->state, PersonaStatus::State::Starting, 5000);
        QVERIFY(waitForState(*runtime, m_name, PersonaStatus::State::Running));
        QTRY_VERIFY_WITH_TIMEOUT(runtime->status(m_name)->workspace.isEmpty(), 5000);
        QVERIFY(runtime->status(m_name)->workspaceReadOnly.isEmpty());
    }

    void removesWithOrWithoutVolumes()
    {
        auto runtime = makeRuntime();
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] { runtime->stop(); });
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        Persona copy = persona();
        copy.name = m_name + QStringLiteral("b");
        copy.volumes = {{QStringLiteral("paddock-rt-b-") + Suffix, QStringLiteral("/home/dev")}};
        copy.ports = {};
        QSignalSpy personas(runtime.get(), &PersonaRuntime::personasChanged);
        runtime->addPersona(copy);
        QCOMPARE(personas.size(), 1);
        runtime->startPersona(copy.name);
        QVERIFY(waitForState(*runtime, copy.name, PersonaStatus::State::Running));
        QSignalSpy finished(runtime.get(), &PersonaRuntime::actionFinished);
        runtime->removePersona(copy.name, true);
        QTRY_VERIFY_WITH_TIMEOUT(
            !finished.isEmpty() && finished.last().at(1).toString() == QStringLiteral("remove"), 20000);
        QVERIFY(!runtime->status(copy.name));
        QCOMPARE(m_client->inspectContainer(copy.containerName()).error().code, Error::Code::NotFound);
        auto volume = m_client->request("GET", QStringLiteral("/volumes/") + copy.volumes.first().name);
        QVERIFY(volume);
        QCOMPARE(volume->status, 404);
        // The file no longer lists it; the first persona is still there, with its volume.
        PersonaStore store(m_dir.filePath(QStringLiteral("personas.json")));
        QVERIFY(store.load(Image));
        QCOMPARE(store.personas().size(), 1);
        auto kept = m_client->request("GET", QStringLiteral("/volumes/") + persona().volumes.first().name);
        QVERIFY(kept);
        QCOMPARE(kept->status, 200);
    }

    QByteArray execListing()
    {
        auto r = m_client->exec(persona().containerName(),
                                {QStringLiteral("/bin/busybox"), QStringLiteral("ls"), QStringLiteral("-lan"),
                                 QStringLiteral("/run/paddock/secrets")});
        return r ? r->stdoutText + r->stderrText : r.error().text().toUtf8();
    }

    void deliversTheKeychainsSecretsAtStart()
    {
        // The persona's key in the real Secret Service, as the Secrets page stores it.
        SecretStore store;
        QSignalSpy stored(&store, &SecretStore::stored);
        const QByteArray marker = QUuid::createUuid().toString(QUuid::Id128).toLatin1();
        const QByteArray value = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + marker + "\n";
        store.store(QStringLiteral("rt-key"), value, SecretStore::Kind::SshPrivateKey, m_name);
        QVERIFY(stored.wait(10000));

        PersonaRuntime::Options o = Engine::personaRuntimeOptions();
        o.personasPath = m_dir.filePath(QStringLiteral("personas.json"));
        o.image = Image + QStringLiteral(":1");
        o.stopTimeout = std::chrono::seconds(2);
        PersonaRuntime runtime(std::move(o));
        QVERIFY(runtime.start());
        auto stop = qScopeGuard([&] { runtime.stop(); });
        QTRY_VERIFY_WITH_TIMEOUT(runtime.isEngineConnected(), 10000);
        runtime.restartPersona(m_name);
        QVERIFY(waitForState(runtime, m_name, PersonaStatus::State::Running));
        QTest::qWait(200);
        QCOMPARE(runtime.status(m_name)->state, PersonaStatus::State::Running);
        auto file =
            m_client->exec(persona().containerName(), {QStringLiteral("/bin/busybox"), QStringLiteral("cat"),
                                                       QStringLiteral("/run/paddock/secrets/rt-key")});
        QVERIFY2(file, qPrintable(file ? QString() : file.error().text()));
        QVERIFY2(file->stdoutText == value, QByteArray(file->stderrText + execListing()).constData());
        auto ready =
            m_client->exec(persona().containerName(),
                           {QStringLiteral("/bin/busybox"), QStringLiteral("stat"), QStringLiteral("-c"),
                            QStringLiteral("%a %u %g %n"), QStringLiteral("/run/paddock/secrets/rt-key"),
                            QStringLiteral("/run/paddock/secrets/.ready")});
        QVERIFY(ready);
        QCOMPARE(ready->stdoutText, QByteArray("400 1000 1000 /run/paddock/secrets/rt-key\n"
                                               "400 1000 1000 /run/paddock/secrets/.ready\n"));
        // Never in the container's environment or the engine's record of it.
        auto inspect = m_client->inspectContainer(persona().containerName());
        QVERIFY(inspect);
        QVERIFY(!QJsonDocument(*inspect).toJson().contains(marker));
        store.remove(QStringLiteral("rt-key"));
        QSignalSpy removed(&store, &SecretStore::removed);
        QVERIFY(removed.wait(10000));
    }

    // An image of the user's own: Paddock's entrypoint is mounted into it; one without a user 1000
    // or without a shell is refused before the persona's container is made, saying what to do.
    void ownImagesAreCheckedFirst_data()
    {
        QTest::addColumn<bool>("user1000");
        QTest::addColumn<bool>("shell");
        QTest::addColumn<QString>("says");
        QTest::newRow("fits") << true << true << QString();
        QTest::newRow("no user 1000") << false << true << QStringLiteral("has no user with uid 1000");
        QTest::newRow("no shell") << true << false << QStringLiteral("has no shell (/bin/sh)");
    }

    void ownImagesAreCheckedFirst()
    {
        QFETCH(bool, user1000);
        QFETCH(bool, shell);
        QFETCH(QString, says);
        const QString tag = QStringLiteral("own-%1-%2").arg(int(user1000)).arg(int(shell));
        QVERIFY(m_client->importImage(busyboxRootTar(user1000, shell), Image, tag));
        auto image = qScopeGuard([&] { (void)m_client->removeImage(Image + u':' + tag); });
        Persona own = persona();
        own.name = m_name + QStringLiteral("-own");
        own.image = Image + u':' + tag;
        own.volumes.clear();
        own.sshKey.clear();
        own.entrypoint = {QStringLiteral("/bin/busybox"), QStringLiteral("sh"), QStringLiteral("-c"),
                          QStringLiteral("test -x /usr/local/bin/paddock-agent && echo entrypoint-mounted; "
                                         "while true; do sleep 1; done")};
        PersonaStore store(m_dir.filePath(QStringLiteral("personas.json")));
        QVERIFY(store.load(Image));
        (void)store.remove(own.name);
        QVERIFY(store.add(own));
        auto runtime = makeRuntime();
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] {
            runtime->stop();
            (void)m_client->killContainer(own.containerName());
            (void)m_client->removeContainer(own.containerName(), true);
            PersonaStore again(m_dir.filePath(QStringLiteral("personas.json")));
            if (again.load(Image))
                (void)again.remove(own.name);
        });
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        QSignalSpy failed(runtime.get(), &PersonaRuntime::actionFailed);
        runtime->startPersona(own.name);
        if (says.isEmpty()) {
            QVERIFY2(waitForState(*runtime, own.name, PersonaStatus::State::Running),
                     qPrintable(runtime->status(own.name)->message));
            QTRY_VERIFY_WITH_TIMEOUT(
                [&] {
                    auto lines = m_client->logs(own.containerName());
                    return lines && std::any_of(lines->cbegin(), lines->cend(), [](const auto &l) {
                               return l.text.contains("entrypoint-mounted");
                           });
                }(),
                10000);
            return;
        }
        QTRY_VERIFY2_WITH_TIMEOUT(
            !failed.isEmpty(),
            qPrintable(runtime->status(own.name)
                           ? runtime->status(own.name)->text() + u' ' + runtime->status(own.name)->message
                           : QStringLiteral("no status")),
            60000);
        const Error error = failed.first().at(2).value<Error>();
        QVERIFY2(error.message.contains(says), qPrintable(error.text()));
        QVERIFY(error.hint.contains(QStringLiteral("uid 1000")));
        // Nothing of the check is left, and no persona container was made.
        QCOMPARE(m_client->inspectContainer(QStringLiteral("paddock-check-") + own.name).error().code,
                 Error::Code::NotFound);
        QCOMPARE(m_client->inspectContainer(own.containerName()).error().code, Error::Code::NotFound);
    }

    void saysWhatToDoWithoutAnEngine()
    {
        PersonaRuntime::Options o;
        o.personasPath = m_dir.filePath(QStringLiteral("personas.json"));
        o.image = Image;
        o.endpoint =
            EngineClient::Endpoint{m_dir.filePath(QStringLiteral("no-engine.sock")), QStringLiteral("test")};
        PersonaRuntime runtime(std::move(o));
        QSignalSpy connection(&runtime, &PersonaRuntime::engineConnectionChanged);
        QVERIFY(runtime.start());
        auto stop = qScopeGuard([&] { runtime.stop(); });
        QCOMPARE(connection.size(), 1);
        QCOMPARE(connection.first().at(0).toBool(), false);
        const QString text = connection.first().at(1).toString();
        QVERIFY2(text.contains(QStringLiteral("no-engine.sock")), qPrintable(text));
        QVERIFY(!runtime.isEngineConnected());
        QSignalSpy failed(&runtime, &PersonaRuntime::actionFailed);
        runtime.startPersona(m_name);
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.first().at(2).value<Error>().text().contains(QStringLiteral("no container engine")));
        // It keeps trying in the background: a second attempt happens without anyone asking.
        QTest::qWait(1500);
        QVERIFY(!runtime.isEngineConnected());
    }
};

QTEST_GUILESS_MAIN(TestPersonaRuntime)
#include "test_persona_runtime.moc"
