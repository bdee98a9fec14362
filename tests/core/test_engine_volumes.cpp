// EngineClient's exec, archives and volume backups against the real podman service (CONTAINER_HOST)
// with the agent image: exit codes and both output streams, a tar into a running container and back,
// and a volume's files (modes, owners, nested folders, its top folder) through backup, removal and
// restore.
#include "AgentImage.h"
#include "runtime/EngineClient.h"
#include "runtime/Tar.h"

#include <QFile>
#include <QJsonArray>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestEngineVolumes : public QObject
{
    Q_OBJECT

    const QString m_suffix = QStringLiteral("volumes-%1").arg(QCoreApplication::applicationPid());
    std::unique_ptr<EngineClient> m_client;
    QTemporaryDir m_dir;

    QJsonObject agentSpec(const QStringList &command, const QString &volume = {}) const
    {
        QJsonArray cmd;
        for (const QString &c : command.mid(1))
            cmd.append(c);
        QJsonObject host;
        if (!volume.isEmpty())
            host.insert(QStringLiteral("Mounts"),
                        QJsonArray{QJsonObject{{QStringLiteral("Type"), QStringLiteral("volume")},
                                               {QStringLiteral("Source"), volume},
                                               {QStringLiteral("Target"), QStringLiteral("/v")}}});
        // Not through paddock-agent, which would wait for secrets first.
        return {{QStringLiteral("Image"), agentImageName()},
                {QStringLiteral("Entrypoint"), QJsonArray{command.first()}},
                {QStringLiteral("Cmd"), cmd},
                {QStringLiteral("User"), QStringLiteral("0:0")},
                {QStringLiteral("WorkingDir"), QStringLiteral("/")},
                {QStringLiteral("HostConfig"), host}};
    }

    // Runs a shell script to its end in a fresh container with `volume` at /v; its output.
    QString run(const QString &volume, const QString &script)
    {
        const QString name = QStringLiteral("paddock-test-run-") + m_suffix;
        auto created = m_client->createContainer(
            name, agentSpec({QStringLiteral("sh"), QStringLiteral("-c"), script}, volume));
        if (!created)
            return QStringLiteral("create failed: ") + created.error().text();
        const auto remove = qScopeGuard([&] { (void)m_client->removeContainer(name, true); });
        if (!m_client->startContainer(name) || !m_client->waitContainer(name, std::chrono::seconds(60)))
            return QStringLiteral("run failed");
        QStringList lines;
        if (auto log = m_client->logs(name))
            for (const auto &l : *log)
                lines << QString::fromUtf8(l.text);
        return lines.join(u'\n');
    }

    static QString listing()
    {
        return QStringLiteral("cd /v && find . -printf '%p %y %m %U:%G %s\\n' | sort && cat a/b/f");
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

    void execGivesTheExitCodeAndBothStreams()
    {
        const QString name = QStringLiteral("paddock-test-exec-") + m_suffix;
        QVERIFY(m_client->createContainer(name, agentSpec({QStringLiteral("sleep"), QStringLiteral("300")})));
        const auto remove = qScopeGuard([&] { (void)m_client->removeContainer(name, true); });
        QVERIFY(m_client->startContainer(name));

        auto r =
            m_client->exec(name, {QStringLiteral("sh"), QStringLiteral("-c"),
                                  QStringLiteral("echo out; echo err >&2; printf 'no newline'; exit 3")});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().text()));
        QCOMPARE(r->exitCode, 3);
        QCOMPARE(r->stdoutText, QByteArray("out\nno newline"));
        QCOMPARE(r->stderrText, QByteArray("err\n"));

        // User and environment are the caller's choice.
        auto as = m_client->exec(
            name, {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("id -u; echo $PROBE")},
            QStringLiteral("1000"), {QStringLiteral("PROBE=seen")});
        QVERIFY(as);
        QCOMPARE(as->exitCode, 0);
        QCOMPARE(as->stdoutText, QByteArray("1000\nseen\n"));

        auto missing =
            m_client->exec(QStringLiteral("paddock-no-such-container-") + m_suffix, {QStringLiteral("true")});
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, Error::Code::NotFound);
        QVERIFY(!missing.error().hint.isEmpty());
    }

    void archivesGoInAndComeBack()
    {
        const QString name = QStringLiteral("paddock-test-archive-") + m_suffix;
        QVERIFY(m_client->createContainer(name, agentSpec({QStringLiteral("sleep"), QStringLiteral("300")})));
        const auto remove = qScopeGuard([&] { (void)m_client->removeContainer(name, true); });
        QVERIFY(m_client->startContainer(name));

        const QByteArray content = "line one\nline two\n";
        const QByteArray tar =
            Tar::entry({QStringLiteral("d/"), 0750, 1000, 1000, 0, '5'}) +
            Tar::entry({QStringLiteral("d/e/"), 0700, 1000, 1000, 0, '5'}) +
            Tar::entry({QStringLiteral("d/e/f"), 0640, 1000, 1000, 1700000000, '0'}, content) + Tar::end();
        auto put = m_client->putArchive(name, QStringLiteral("/tmp"), tar);
        QVERIFY2(put, qPrintable(put ? QString() : put.error().text()));
        auto seen = m_client->exec(
            name, {QStringLiteral("sh"), QStringLiteral("-c"),
                   QStringLiteral("stat -c '%a %u:%g %Y' /tmp/d /tmp/d/e /tmp/d/e/f; cat /tmp/d/e/f")});
        QVERIFY(seen);
        QCOMPARE(seen->stdoutText,
                 QByteArray("750 1000:1000 0\n700 1000:1000 0\n640 1000:1000 1700000000\n") + content);

        auto back = m_client->getArchive(name, QStringLiteral("/tmp/d"));
        QVERIFY2(back, qPrintable(back ? QString() : back.error().text()));
        const auto first = Tar::firstHeader(*back);
        QVERIFY(first);
        QCOMPARE(first->type, '5');
        QCOMPARE(first->mode & 0777, 0750);
        // (Its owner is not checked: podman reports every file as the container user's.)
        QVERIFY(back->contains(content));

        auto wrong = m_client->putArchive(QStringLiteral("paddock-no-such-container-") + m_suffix,
                                          QStringLiteral("/tmp"), tar);
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, Error::Code::NotFound);
        QVERIFY(!wrong.error().hint.isEmpty());
        auto absent = m_client->getArchive(name, QStringLiteral("/no/such/file"));
        QVERIFY(!absent);
        QCOMPARE(absent.error().code, Error::Code::NotFound);
    }

    void aVolumeSurvivesBackupRemovalAndRestore()
    {
        const QString volume = QStringLiteral("paddock-test-vol-") + m_suffix;
        QVERIFY(
            m_client->createVolume(volume, {{QStringLiteral("io.paddock.persona"), QStringLiteral("test")}}));
        const auto cleanup = qScopeGuard([&] { (void)m_client->removeVolume(volume); });
        const QString before =
            run(volume, QStringLiteral("mkdir -p /v/a/b /v/empty && printf 'hello\\nworld' > /v/a/b/f && "
                                       "chmod 640 /v/a/b/f && chmod 710 /v/a && chown -R 1000:1000 /v/a && "
                                       "chown 1000:1000 /v && chmod 750 /v && printf x > /v/root-owned && ") +
                            listing());
        QVERIFY2(before.contains(QStringLiteral("./a/b/f f 640 1000:1000 11")), qPrintable(before));
        QVERIFY2(before.contains(QStringLiteral(". d 750 1000:1000")), qPrintable(before));
        QVERIFY2(before.contains(QStringLiteral("./root-owned f 644 0:0 1")), qPrintable(before));

        const QString file = m_dir.filePath(QStringLiteral("home.tar.gz"));
        auto backup = m_client->backupVolume(volume, agentImageName(), file);
        QVERIFY2(backup, qPrintable(backup ? QString() : backup.error().text()));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.read(2), QByteArray("\x1f\x8b")); // gzip
        f.close();

        // Restoring over a changed volume replaces its contents, not merges them.
        QCOMPARE(run(volume, QStringLiteral("printf new > /v/extra && rm /v/a/b/f && echo changed")),
                 QStringLiteral("changed"));
        auto over = m_client->restoreVolume(volume, agentImageName(), file);
        QVERIFY2(over, qPrintable(over ? QString() : over.error().text()));
        QCOMPARE(run(volume, listing()), before);
        auto labelled = m_client->volumes(QStringLiteral("io.paddock.persona")); // made anew with its labels
        QVERIFY(labelled);
        bool found = false;
        for (const QJsonValue &v : *labelled)
            found = found || v.toObject().value(QStringLiteral("Name")).toString() == volume;
        QVERIFY(found);

        // Gone entirely, then back with its label.
        QVERIFY(m_client->removeVolume(volume));
        auto restored = m_client->restoreVolume(volume, agentImageName(), file);
        QVERIFY2(restored, qPrintable(restored ? QString() : restored.error().text()));
        QCOMPARE(run(volume, listing()), before);
        // No helper container is left behind.
        auto helpers = m_client->containers(QStringLiteral("io.paddock.helper"));
        QVERIFY(helpers);
        QVERIFY2(helpers->isEmpty(), QJsonDocument(*helpers).toJson().constData());
    }

    void badInputGivesSentences()
    {
        const QString volume = QStringLiteral("paddock-test-vol2-") + m_suffix;
        const QString notGzip = m_dir.filePath(QStringLiteral("not.tar.gz"));
        QFile f(notGzip);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not an archive");
        f.close();
        auto bad = m_client->restoreVolume(volume, agentImageName(), notGzip);
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, Error::Code::Parse);
        QCOMPARE(bad.error().where, notGzip);
        QVERIFY(!bad.error().hint.isEmpty());
        auto noVolume =
            m_client->backupVolume(volume, agentImageName(), m_dir.filePath(QStringLiteral("x.tar.gz")));
        QVERIFY(!noVolume);
        QCOMPARE(noVolume.error().code, Error::Code::NotFound);
        QVERIFY(noVolume.error().message.contains(volume));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.tar.gz"))));
        // A volume in use is not emptied under a running container.
        QVERIFY(m_client->createVolume(volume, {}));
        const QString name = QStringLiteral("paddock-test-busy-") + m_suffix;
        const auto cleanup = qScopeGuard([&] {
            (void)m_client->removeContainer(name, true);
            (void)m_client->removeVolume(volume);
        });
        const QString file = m_dir.filePath(QStringLiteral("busy.tar.gz"));
        QVERIFY(m_client->backupVolume(volume, agentImageName(), file));
        QVERIFY(m_client->createContainer(
            name, agentSpec({QStringLiteral("sleep"), QStringLiteral("300")}, volume)));
        QVERIFY(m_client->startContainer(name));
        auto busy = m_client->restoreVolume(volume, agentImageName(), file);
        QVERIFY(!busy);
        QCOMPARE(busy.error().code, Error::Code::Busy);
        QVERIFY(busy.error().hint.contains(QStringLiteral("stop")));
    }
};

QTEST_GUILESS_MAIN(TestEngineVolumes)
#include "test_engine_volumes.moc"
