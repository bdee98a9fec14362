// The agent image's entrypoint (packaging/image/paddock-agent, mounted over the one in the test
// image so that this checks the source) in the container the dev persona really gets: read-only
// root, no capabilities, no-new-privileges, user 1000, tmpfs /tmp and secrets. A real SSH login
// from the host's loopback with a generated key (the client runs in a container on the host's
// network: the build root has no ssh), a wrong key refused, bad modes and ports refused with a
// sentence, and SIGTERM honoured.
#include "AgentImage.h"
#include "personas/Persona.h"
#include "runtime/EngineClient.h"
#include "runtime/TerminalCommand.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>

#include <unistd.h>

using namespace paddock;

class TestAgentModes : public QObject
{
    Q_OBJECT

    std::optional<EngineClient> m_client;
    QString m_prefix = QStringLiteral("paddock-modes-%1-").arg(::getpid());
    QStringList m_containers;

    static QJsonArray array(const QStringList &list)
    {
        QJsonArray a;
        for (const QString &s : list)
            a.append(s);
        return a;
    }

    // `mounts` and the source's paddock-agent over the image's.
    static QJsonArray withSourceAgent(QJsonArray mounts)
    {
        mounts.append(
            QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                        {QStringLiteral("Source"), QString(qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                                                           QStringLiteral("/packaging/image/paddock-agent"))},
                        {QStringLiteral("Target"), QStringLiteral("/usr/local/bin/paddock-agent")},
                        {QStringLiteral("ReadOnly"), true}});
        return mounts;
    }

    // The dev persona's hardened container, running `entrypoint` with the source's paddock-agent.
    QJsonObject hardened(const QStringList &entrypoint, const QStringList &env = {}, int hostPort = 0)
    {
        Persona p = Persona::defaults(agentImageName()).at(0);
        p.volumes.clear();
        p.ports.clear();
        if (hostPort)
            p.ports = {{hostPort, 2222}};
        p.entrypoint = entrypoint;
        QJsonObject spec = containerSpec(p);
        QJsonObject host = spec.value(QStringLiteral("HostConfig")).toObject();
        host.insert(QStringLiteral("Mounts"),
                    withSourceAgent(host.value(QStringLiteral("Mounts")).toArray()));
        spec.insert(QStringLiteral("HostConfig"), host);
        spec.insert(QStringLiteral("Env"), array(env));
        return spec;
    }

    QString start(const QString &name, const QJsonObject &spec)
    {
        const QString full = m_prefix + name;
        m_containers << full;
        auto created = m_client->createContainer(full, spec);
        if (!created)
            return created.error().text();
        if (auto started = m_client->startContainer(full); !started)
            return started.error().text();
        return {};
    }

    QString output(const QString &name)
    {
        QStringList lines;
        if (auto l = m_client->logs(m_prefix + name))
            for (const auto &line : *l)
                lines << QString::fromUtf8(line.text);
        return lines.join(u'\n');
    }

    // Runs to its end; exit code and output.
    std::pair<int, QString> run(const QString &name, const QJsonObject &spec)
    {
        if (const QString e = start(name, spec); !e.isEmpty())
            return {-1, e};
        auto exit = m_client->waitContainer(m_prefix + name, std::chrono::seconds(90));
        return {exit ? *exit : -1, output(name)};
    }

private slots:
    void initTestCase()
    {
        const QString problem = ensureAgentImage();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_client.emplace(*endpoint);
        QVERIFY(m_client->connect());
    }

    void cleanupTestCase()
    {
        if (m_client)
            for (const QString &c : std::as_const(m_containers))
                (void)m_client->removeContainer(c, true);
    }

    void sshdLetsDevInWithTheDeliveredKeyOnly()
    {
        const QString agent = QStringLiteral("/usr/local/bin/paddock-agent");
        // Two key pairs: one authorized, one not.
        auto [keygenExit, keys] =
            run(QStringLiteral("keygen"),
                hardened({agent, QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                          QStringLiteral("for k in a b; do ssh-keygen -q -t ed25519 -N '' -f /tmp/$k; done; "
                                         "cat /tmp/a.pub; cat /tmp/a; cat /tmp/b")},
                         {QStringLiteral("PADDOCK_SECRETS_WAIT=0")}));
        QCOMPARE(keygenExit, 0);
        const QStringList lines = keys.split(u'\n');
        const QString pub = lines.first();
        QVERIFY2(pub.startsWith(QStringLiteral("ssh-ed25519 ")), qPrintable(keys));
        const qsizetype second = lines.indexOf(QStringLiteral("-----BEGIN OPENSSH PRIVATE KEY-----"), 2);
        QVERIFY(second > 1);
        const QString good = lines.mid(1, second - 1).join(u'\n') + u'\n';
        const QString bad = lines.mid(second).join(u'\n') + u'\n';

        // The server: the dev persona's entrypoint, after the key is put where Paddock delivers it.
        const int port = 20000 + int(QRandomGenerator::global()->bounded(10000));
        const QString serverError = start(
            QStringLiteral("sshd"),
            hardened({QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                      QStringLiteral("printf '%s\\n' \"$KEY\" > /run/paddock/secrets/authorized_keys && "
                                     "touch /run/paddock/secrets/.ready && exec ") +
                          Persona::defaults({}).at(0).entrypoint.join(u' ')},
                     {QStringLiteral("KEY=") + pub}, port));
        QVERIFY2(serverError.isEmpty(), qPrintable(serverError));
        QTRY_VERIFY_WITH_TIMEOUT(output(QStringLiteral("sshd")).contains(QStringLiteral("Server listening")),
                                 20000);
        QVERIFY(output(QStringLiteral("sshd")).contains(QStringLiteral("SSH server for dev on port 2222")));

        // The client, on the host's network: 127.0.0.1:port is the port published on loopback.
        auto login = [&](const QString &name, const QString &key) {
            const QJsonObject spec{
                {QStringLiteral("Image"), agentImageName()},
                {QStringLiteral("User"), QStringLiteral("1000:1000")},
                {QStringLiteral("Entrypoint"),
                 array({agent, QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                        QStringLiteral("printf '%s' \"$KEY\" > /tmp/k && chmod 600 /tmp/k && "
                                       "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                       "-o BatchMode=yes -o ConnectTimeout=10 -i /tmp/k -p %1 dev@127.0.0.1 "
                                       "'echo uid=$(id -u) home=$HOME; git --version'")
                            .arg(port)})},
                {QStringLiteral("Env"),
                 array({QStringLiteral("PADDOCK_SECRETS_WAIT=0"), QStringLiteral("KEY=") + key})},
                {QStringLiteral("HostConfig"),
                 QJsonObject{{QStringLiteral("NetworkMode"), QStringLiteral("host")},
                             {QStringLiteral("Mounts"), withSourceAgent({})}}}};
            return run(name, spec);
        };
        auto [exit, out] = login(QStringLiteral("client"), good);
        QVERIFY2(exit == 0, qPrintable(out + u'\n' + output(QStringLiteral("sshd"))));
        QVERIFY2(out.contains(QStringLiteral("uid=1000 home=/home/dev")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("git version")), qPrintable(out));
        QVERIFY(output(QStringLiteral("sshd")).contains(QStringLiteral("Accepted publickey for dev")));

        auto [badExit, badOut] = login(QStringLiteral("intruder"), bad);
        QCOMPARE(badExit, 255);
        QVERIFY2(badOut.contains(QStringLiteral("Permission denied")), qPrintable(badOut));
    }

    void badModesAndPortsAreRefused_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown mode")
            << QStringList{QStringLiteral("serve")} << QStringLiteral("unknown mode 'serve'");
        QTest::newRow("privileged port")
            << QStringList{QStringLiteral("sshd"), QStringLiteral("--port"), QStringLiteral("22")}
            << QStringLiteral("port 22 needs root");
        QTest::newRow("not a port") << QStringList{QStringLiteral("web"), QStringLiteral("--port"),
                                                   QStringLiteral("http")}
                                    << QStringLiteral("--port needs a number");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("gateway"), QStringLiteral("--bind")}
                                        << QStringLiteral("unknown option '--bind'");
        QTest::newRow("unknown agent") << QStringList{QStringLiteral("agent"), QStringLiteral("aider")}
                                       << QStringLiteral("agent needs one of claude, codex");
        QTest::newRow("web is opencode's")
            << QStringList{QStringLiteral("agent"), QStringLiteral("claude"), QStringLiteral("--web")}
            << QStringLiteral("--web is opencode's");
        QTest::newRow("custom without a command")
            << QStringList{QStringLiteral("agent"), QStringLiteral("custom")}
            << QStringLiteral("the custom agent needs -- COMMAND");
        QTest::newRow("model outside the agent mode")
            << QStringList{QStringLiteral("shell"), QStringLiteral("--model"), QStringLiteral("x")}
            << QStringLiteral("only the agent mode takes it");
    }

    // The agent runs in the tmux session "agent", where an attached terminal (exec … tmux attach
    // -t agent) finds it; when it ends, a shell takes its place; SIGTERM ends the session.
    void anAgentRunsInItsTmuxSession()
    {
        const QString name = QStringLiteral("agent");
        const QString error = start(
            name, hardened({QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("agent"),
                            QStringLiteral("custom"), QStringLiteral("--"), QStringLiteral("sh"),
                            QStringLiteral("-c"),
                            QStringLiteral("echo \"hello from $(id -un) in $(pwd) with arg $0\"; sleep 2"),
                            QStringLiteral("two words")},
                           {QStringLiteral("PADDOCK_SECRETS_WAIT=0")}));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(output(name).contains(QStringLiteral("runs in the tmux session 'agent'")),
                                 15000);
        const auto pane = [&] {
            auto r = m_client->exec(m_prefix + name,
                                    {QStringLiteral("tmux"), QStringLiteral("capture-pane"),
                                     QStringLiteral("-p"), QStringLiteral("-t"), QStringLiteral("agent")});
            return r ? QString::fromUtf8(r->stdoutText) : QString();
        };
        // The command ran as dev, in the workspace folder (the image's own, empty, here), its arguments
        // intact.
        QTRY_VERIFY_WITH_TIMEOUT(
            pane().contains(QStringLiteral("hello from dev in /home/dev/workspace with arg two words")),
            10000);
        // It ended; a shell is in its place, in the same session.
        QTRY_VERIFY_WITH_TIMEOUT(pane().contains(QStringLiteral("paddock: sh ended (status 0)")), 15000);
        // A terminal attaches to it as Open terminal and paddockctl persona attach do (the engine's
        // exec -it, in a real pseudo-terminal), sees the pane, and detaches (Ctrl-b d) leaving it on.
        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        const QStringList attach = attachCommand(*endpoint, QStringLiteral("podman"), m_prefix + name);
        QProcess terminal;
        terminal.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TERM"), QStringLiteral("xterm-256color"));
        terminal.setProcessEnvironment(env);
        terminal.start(QStringLiteral("script"),
                       {QStringLiteral("-qec"), shellQuoted(attach), QStringLiteral("/dev/null")});
        QVERIFY(terminal.waitForStarted());
        QByteArray screen;
        // The pane, then tmux's status line ("[agent] …"): the client is attached and reads keys.
        QTRY_VERIFY_WITH_TIMEOUT((screen += terminal.readAll()).contains("[agent]"), 15000);
        QVERIFY2(screen.contains("this shell is in its place"), screen.constData());
        QTest::qWait(500);
        terminal.write("\x02" "d"); // tmux's prefix (Ctrl-b), then d: detach
        QVERIFY(terminal.waitForBytesWritten(5000));
        const bool finished = terminal.waitForFinished(15000);
        screen += terminal.readAll();
        QVERIFY2(finished, screen.right(400).toPercentEncoding(" []:/\n").constData());
        screen += terminal.readAll();
        QVERIFY2(screen.contains("[detached"), screen.constData());
        QCOMPARE(terminal.exitCode(), 0);
        auto sessions = m_client->exec(m_prefix + name, {QStringLiteral("tmux"), QStringLiteral("ls")});
        QVERIFY(sessions);
        QVERIFY2(sessions->stdoutText.startsWith("agent:"), sessions->stdoutText.constData());
        QElapsedTimer timer;
        timer.start();
        QVERIFY(m_client->stopContainer(m_prefix + name, 20));
        QVERIFY2(timer.elapsed() < 8000, qPrintable(QString::number(timer.elapsed())));
    }

    // An image without the agent (the tests' own is built without them): said, and the container
    // stays up for shell sessions rather than failing.
    void aMissingAgentIsSaid()
    {
        const QString name = QStringLiteral("no-claude");
        const QString error = start(
            name, hardened({QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("agent"),
                            QStringLiteral("claude"), QStringLiteral("--model"), QStringLiteral("opus")},
                           {QStringLiteral("PADDOCK_SECRETS_WAIT=0")}));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(output(name).contains(QStringLiteral("claude is not in this image")), 15000);
        QVERIFY(m_client->stopContainer(m_prefix + name, 20));
    }

    void badModesAndPortsAreRefused()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        static int n = 0;
        auto [exit, out] =
            run(QStringLiteral("bad-%1").arg(++n),
                hardened(QStringList{QStringLiteral("/usr/local/bin/paddock-agent")} + arguments,
                         {QStringLiteral("PADDOCK_SECRETS_WAIT=0")}));
        QCOMPARE(exit, 64);
        QVERIFY2(out.contains(expected), qPrintable(out));
    }

    void webWithoutAProgramStaysUpAndStopsOnSigterm()
    {
        const QString name = QStringLiteral("web");
        const QString error =
            start(name, hardened({QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("web")},
                                 {QStringLiteral("PADDOCK_SECRETS_WAIT=0")}));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(output(name).contains(QStringLiteral("staying up for shell sessions")),
                                 15000);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(m_client->stopContainer(m_prefix + name, 20));
        // Stopped by SIGTERM, not killed after the timeout.
        QVERIFY2(timer.elapsed() < 8000, qPrintable(QString::number(timer.elapsed())));
        auto info = m_client->inspectContainer(m_prefix + name);
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("State")).toObject().value(QStringLiteral("ExitCode")).toInt(),
                 0);
    }
};

QTEST_GUILESS_MAIN(TestAgentModes)
#include "test_agent_modes.moc"
