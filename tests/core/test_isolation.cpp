// Isolation as an agent would try it, from inside a restricted persona's container, on the engine
// this run is given (PADDOCK_ENGINE: rootful podman, rootless podman as an unprivileged user, or
// Docker): no network at all (only lo, no route, no name resolves, no address answers, the host's
// 127.0.0.1 services included); the one way out is the egress socket through paddock-relay, where an
// allowed destination works by CONNECT and by plain GET, another gets 403 with the reason and a deny
// event, SSRF and smuggling are refused as before, SSH goes through the proxy (ProxyCommand) to an
// allowed host only, a published port is reachable on the host's 127.0.0.1 only, and killing the
// relay gains the agent nothing. The "outside" servers are on the host's loopback: the SSRF guard
// refuses them unless a policy names the address, which the test's policies do for exactly those.
#include "AgentImage.h"
#include "OutsideNetwork.h"
#include "RuntimeTesting.h"

#include "audit/AuditStore.h"
#include "engine/ServiceThread.h"
#include "personas/PersonaStore.h"
#include "policy/PolicySet.h"
#include "proxy/EgressProxy.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"
#include "runtime/PersonaSockets.h"
#include "secrets/SecretDelivery.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkInterface>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <future>

#include <sys/stat.h>
#include <unistd.h>

using namespace paddock;
using namespace paddock::test;

namespace {
const QString Pid = QString::number(QCoreApplication::applicationPid());

int freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

// What a TCP client on the host reads first from 127.0.0.1:port (or `address`), within 10 s. The
// client runs on a thread of its own while this one's event loop runs: the runtime relaying the
// port lives here.
QByteArray greeting(int port, const QHostAddress &address = QHostAddress::LocalHost)
{
    auto answer = std::async(std::launch::async, [port, address] {
        QTcpSocket s;
        s.connectToHost(address, quint16(port));
        if (!s.waitForConnected(3000))
            return QByteArray();
        QByteArray got;
        while (!got.contains('\n') && s.waitForReadyRead(10000))
            got += s.readAll();
        return got;
    });
    while (answer.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        QTest::qWait(20);
    return answer.get();
}
} // namespace

class TestIsolation : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<OutsideServer> m_http;
    std::unique_ptr<OutsideServer> m_echo;
    std::unique_ptr<OutsideServer> m_ssh; // answers whatever SSH's client says first
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<ServiceThread<AuditStore>> m_auditService;
    std::unique_ptr<ServiceThread<EgressProxy>> m_proxyService;
    AuditStore *m_audit = nullptr;
    EgressProxy *m_proxy = nullptr;
    std::unique_ptr<PersonaRuntime> m_runtime;
    std::shared_ptr<const cedar::PolicySet> m_policies;
    const QString m_enforced = QStringLiteral("iso") + Pid;
    const QString m_shadow = QStringLiteral("isos") + Pid;
    const QString m_served = QStringLiteral("isop") + Pid; // an SSH server on a published port
    int m_publishedPort = 0;

    Persona persona(const QString &name, Persona::PolicyMode mode) const
    {
        Persona p;
        p.name = name;
        p.trust = Persona::Trust::Restricted;
        p.policyMode = mode;
        p.image = agentImageName();
        p.entrypoint = {QStringLiteral("/bin/bash"), QStringLiteral("-c"),
                        QStringLiteral("exec sleep infinity")};
        p.limits.memoryMb = 256;
        return p;
    }

    EngineClient::ExecResult inContainer(const QString &name, const QString &script)
    {
        return test::inContainer(*m_client, name, script);
    }

    QList<AuditEvent> events(const QString &persona, int count)
    {
        return eventsOf(m_audit->databasePath(), persona, count);
    }

    // Sends `request` (printf format) to the relay's proxy port from inside the container; the
    // answer's first line.
    QByteArray ask(const QString &name, const QString &request)
    {
        const auto r = inContainer(name, QStringLiteral("exec 3<>/dev/tcp/127.0.0.1/3128 && printf '%1' >&3 "
                                                        "&& timeout 5 head -n 1 <&3")
                                             .arg(request));
        if (r.stdoutText.isEmpty()) // what went wrong, for the comparison that fails
            return "exit " + QByteArray::number(r.exitCode) + ": " + r.stderrText.trimmed();
        return r.stdoutText.trimmed();
    }

    // What a command in the container did, for a failure's message.
    static QByteArray said(const EngineClient::ExecResult &r)
    {
        return "exit " + QByteArray::number(r.exitCode) + ", stdout [" + r.stdoutText + "], stderr [" +
               r.stderrText + ']';
    }

    static QString local(int port) { return QStringLiteral("127.0.0.1:%1").arg(port); }
    QString http() const { return local(m_http->port()); }
    QString echo() const { return local(m_echo->port()); }
    // curl through the relay's proxy: --noproxy '' since NO_PROXY names 127.0.0.1 (the container's own).
    static QString curl() { return QStringLiteral("curl -sS --max-time 10 --noproxy '' "); }

private slots:
    void initTestCase()
    {
        const QString engine = qEnvironmentVariable("PADDOCK_ENGINE", QStringLiteral("rootful"));
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_client = std::make_unique<EngineClient>(*endpoint);
        auto version = m_client->connect();
        QVERIFY(version);
        const QString missing = ensureAgentImage(*m_client);
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        qInfo("engine: %s %s (%s), uid %d", qPrintable(version->engine), qPrintable(version->version),
              qPrintable(engine), int(::geteuid()));

        m_http = std::make_unique<OutsideServer>(QStringLiteral("127.0.0.1"), OutsideServer::Mode::Http);
        m_echo = std::make_unique<OutsideServer>(QStringLiteral("127.0.0.1"), OutsideServer::Mode::Echo);
        m_ssh = std::make_unique<OutsideServer>(QStringLiteral("127.0.0.1"), OutsideServer::Mode::Echo);
        // The web server by CONNECT and by plain GET, and the "SSH host" by CONNECT: each names its
        // address, so the guard lets these (and only these) loopback destinations through.
        cedar::Diagnostics diagnostics;
        m_policies = cedar::PolicySet::parse(QStringLiteral(R"(@id("outside-web")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "127.0.0.1" && resource.port == %1 };
@id("outside-get")
permit (principal, action == Paddock::Action::"http", resource)
when { resource.name == "127.0.0.1" && resource.port == %1 && context.method == "GET" };
@id("git-host")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "127.0.0.1" && resource.port == %2 };)")
                                                 .arg(m_http->port())
                                                 .arg(m_ssh->port())
                                                 .toStdString(),
                                             &diagnostics);
        QVERIFY(diagnostics.empty());

        m_auditService = std::make_unique<ServiceThread<AuditStore>>(
            std::make_unique<AuditStore>(m_dir.filePath(QStringLiteral("audit.db"))),
            QStringLiteral("paddock-audit"));
        m_audit = m_auditService->get();
        QVERIFY(m_auditService->start());
        EgressProxy::Options options;
        options.policies = [this](const QString &) { return m_policies; };
        options.audit = m_audit;
        m_proxyService = std::make_unique<ServiceThread<EgressProxy>>(std::make_unique<EgressProxy>(options),
                                                                      QStringLiteral("paddock-proxy"));
        m_proxy = m_proxyService->get();
        QVERIFY(m_proxyService->start());

        QFile file(m_dir.filePath(QStringLiteral("personas.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        m_publishedPort = freePort();
        Persona served = persona(m_served, Persona::PolicyMode::Enforce);
        served.entrypoint = {QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("sshd"),
                             QStringLiteral("--port"), QStringLiteral("2222")};
        served.ports = {{m_publishedPort, 2222}};
        file.write(PersonaStore::serialize({persona(m_enforced, Persona::PolicyMode::Enforce),
                                            persona(m_shadow, Persona::PolicyMode::Shadow), served}));
        file.close();
        PersonaRuntime::Options o;
        o.personasPath = file.fileName();
        o.image = agentImageName();
        o.stopTimeout = std::chrono::seconds(1);
        o.serveEgress = [this](const QString &persona, const QString &path) {
            return m_proxy->listenUnix(persona, path);
        };
        o.deliverSecrets = &SecretDelivery::deliver; // none, but the .ready marker the entrypoint waits for
        m_runtime = std::make_unique<PersonaRuntime>(std::move(o));
        m_proxy->follow(m_runtime.get());
        QVERIFY(m_runtime->start());
        QTRY_VERIFY_WITH_TIMEOUT(m_runtime->isEngineConnected(), 10000);
        QVERIFY2(!m_runtime->relay().isEmpty(), "no paddock-relay (PADDOCK_RELAY)");
        for (const QString &name : {m_enforced, m_shadow, m_served})
            m_runtime->startPersona(name);
        for (const QString &name : {m_enforced, m_shadow, m_served})
            QVERIFY2(waitForState(*m_runtime, name, PersonaStatus::State::Running),
                     qPrintable(m_runtime->status(name)->message));
        // Each isolated persona's egress socket, in its own folder.
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->status().listeners.size(), 3, 10000);
        for (const auto &l : m_proxy->status().listeners) {
            QCOMPARE(l.socket, PersonaSockets::egress(l.persona));
            QVERIFY(l.address.isEmpty());
        }
    }

    // After a failure, what the containers said (the relay reports to its stderr).
    void cleanup()
    {
        if (!QTest::currentTestFailed() || !m_client)
            return;
        for (const QString &name : {m_enforced, m_shadow, m_served})
            if (auto lines = m_client->logs(QStringLiteral("paddock-") + name, 20))
                for (const auto &line : *lines)
                    qInfo("%s: %s", qPrintable(name), line.text.constData());
    }

    void cleanupTestCase()
    {
        if (m_runtime) {
            m_runtime->stop();
            m_runtime.reset();
        }
        if (m_client)
            for (const QString &name : {m_enforced, m_shadow, m_served}) {
                (void)m_client->killContainer(QStringLiteral("paddock-") + name);
                (void)m_client->removeContainer(QStringLiteral("paddock-") + name, true);
            }
        m_proxyService.reset(); // the proxy before the audit log it writes to
        m_auditService.reset();
    }

    void theContainerHasNoNetwork()
    {
        auto inspect = m_client->inspectContainer(QStringLiteral("paddock-") + m_enforced);
        QVERIFY(inspect);
        QCOMPARE((*inspect)[QStringLiteral("HostConfig")][QStringLiteral("NetworkMode")].toString(),
                 QStringLiteral("none"));
        // Only lo; no route; the socket folder is the persona's own, 0700.
        const auto devices =
            inContainer(m_enforced, QStringLiteral("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));
        QCOMPARE(devices.stdoutText.trimmed(), QByteArray("lo"));
        const auto routes =
            inContainer(m_enforced, QStringLiteral("tail -n +2 /proc/net/route | wc -l; "
                                                   "tail -n +1 /proc/net/ipv6_route 2>/dev/null | "
                                                   "grep -v ' lo$' | wc -l"));
        QCOMPARE(routes.stdoutText.simplified(), QByteArray("0 0"));
        const auto folder = inContainer(
            m_enforced, QStringLiteral("stat -c '%a %u' /run/paddock/sockets; ls /run/paddock/sockets"));
        QVERIFY2(folder.stdoutText.startsWith("700 1000\n") || folder.stdoutText.startsWith("777 "),
                 said(folder));
        QVERIFY2(folder.stdoutText.contains("egress\n"), said(folder));
        struct stat st{};
        QCOMPARE(::stat(QFile::encodeName(PersonaSockets::folder(m_enforced)).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0077, ::geteuid() == 0 || st.st_uid == ::geteuid() ? 0u : 0077u);
    }

    void noNameResolvesAndNoAddressAnswers_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("the host's echo server, on its 127.0.0.1") << QStringLiteral("127.0.0.1:ECHO");
        QTest::newRow("metadata") << QStringLiteral("169.254.169.254:80");
        QTest::newRow("a public address") << QStringLiteral("203.0.113.7:443");
        QTest::newRow("a private address") << QStringLiteral("10.0.2.2:22");
        QTest::newRow("podman's gateway") << QStringLiteral("10.88.0.1:22");
    }

    void noNameResolvesAndNoAddressAnswers()
    {
        QFETCH(QString, target);
        target.replace(QStringLiteral("ECHO"), QString::number(m_echo->port()));
        const int before = m_echo->connections();
        const auto direct = inContainer(
            m_enforced, QStringLiteral("timeout 4 bash -c 'exec 3<>/dev/tcp/%1/%2' 2>&1 && echo CONNECTED")
                            .arg(target.section(u':', 0, 0), target.section(u':', 1)));
        QVERIFY2(!direct.stdoutText.contains("CONNECTED"), said(direct));
        QCOMPARE(m_echo->connections(), before);
        QVERIFY(inContainer(m_enforced, QStringLiteral("getent hosts example.com")).exitCode != 0);
        QVERIFY(inContainer(m_enforced, QStringLiteral("getent hosts localhost.paddock.invalid")).exitCode !=
                0);
    }

    void allowedDestinationWorksBothWays()
    {
        // HTTPS-style: a CONNECT tunnel (curl -p), then plain HTTP through the relay's proxy port.
        const auto tunnelled = inContainer(
            m_enforced, curl() + QStringLiteral("-p -x \"$HTTPS_PROXY\" http://%1/hello").arg(http()));
        QVERIFY2(tunnelled.stdoutText == "outside says hello\n", said(tunnelled));
        const auto plain = inContainer(
            m_enforced, curl() + QStringLiteral("-x \"$HTTP_PROXY\" http://%1/plain").arg(http()));
        QVERIFY2(plain.stdoutText == "outside says hello\n", said(plain));
        QVERIFY(m_http->received().contains("GET /plain HTTP/1.1\r\n"));
        QCOMPARE(inContainer(m_enforced, QStringLiteral("echo $HTTPS_PROXY")).stdoutText.trimmed(),
                 QByteArray("http://127.0.0.1:3128"));

        const auto recorded = events(m_enforced, 4);
        QVERIFY(recorded.size() >= 4);
        QCOMPARE(recorded[0].action, QStringLiteral("connect"));
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(recorded[0].policies, QStringList{QStringLiteral("outside-web")});
        QCOMPARE(recorded[1].action, QStringLiteral("connect.close"));
        QVERIFY(recorded[1].detailsObject().value(QStringLiteral("bytesDown")).toInteger() > 0);
        QCOMPARE(recorded[2].action, QStringLiteral("http"));
        QCOMPARE(recorded[2].policies, QStringList{QStringLiteral("outside-get")});
        // The client is the persona's socket: the persona is known from it, not from an address.
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("client")).toString(),
                 QStringLiteral("unix:") + PersonaSockets::egress(m_enforced));
    }

    void otherDestinationsAre403WithTheReasonAndRecorded()
    {
        // A loopback destination no policy names: the guard's refusal.
        const QByteArray status =
            ask(m_enforced, QStringLiteral("CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\n").arg(echo()));
        QCOMPARE(status, QByteArray("HTTP/1.1 403 Forbidden"));
        // A name no policy permits (refused before it is resolved), by CONNECT and by plain HTTP.
        const auto tunnel = inContainer(
            m_enforced,
            curl() + QStringLiteral("-p -x \"$HTTPS_PROXY\" https://blocked.example/ 2>&1; echo curl=$?"));
        QVERIFY2(tunnel.stdoutText.contains("403"), said(tunnel));
        QVERIFY2(!tunnel.stdoutText.contains("curl=0"), said(tunnel));
        const auto post = inContainer(
            m_enforced, curl() + QStringLiteral("-i -x \"$HTTP_PROXY\" -X POST http://blocked.example/"));
        QVERIFY2(post.stdoutText.startsWith("HTTP/1.1 403 Forbidden"), said(post));
        QVERIFY2(post.stdoutText.contains("X-Paddock-Reason: no policy permits it"), said(post));
        int denied = 0;
        for (const AuditEvent &e : events(m_enforced, 8))
            denied += e.decision == AuditEvent::Decision::Deny &&
                      (e.resource == u"blocked.example:443" || e.resource == u"blocked.example:80") &&
                      e.detailsObject().value(QStringLiteral("reason")).toString() == u"no policy permits it";
        QCOMPARE(denied, 2);
        QCOMPARE(m_echo->connections(), 0);
    }

    void aShadowPersonaIsServedOnItsOwnSocket()
    {
        const auto r =
            inContainer(m_shadow, QStringLiteral("exec 3<>/dev/tcp/127.0.0.1/3128 && printf "
                                                 "'CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\n' >&3 "
                                                 "&& timeout 5 head -c 39 <&3")
                                      .arg(local(m_http->port())));
        QVERIFY2(r.stdoutText.startsWith("HTTP/1.1 200 Connection established\r\n\r\n"), said(r));
        // Its decisions are its own: the event names the shadow persona and its socket.
        const auto recorded = events(m_shadow, 1);
        QVERIFY(!recorded.isEmpty());
        QCOMPARE(recorded.first().detailsObject().value(QStringLiteral("client")).toString(),
                 QStringLiteral("unix:") + PersonaSockets::egress(m_shadow));
        // The echo server is not named by any policy: the guard refuses it even in shadow mode.
        QCOMPARE(ask(m_shadow, QStringLiteral("CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\n").arg(echo())),
                 QByteArray("HTTP/1.1 403 Forbidden"));
    }

    void ssrfTargetsAreRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("loopback") << QStringLiteral("127.0.0.1:22");
        QTest::newRow("metadata") << QStringLiteral("169.254.169.254:80");
        QTest::newRow("mapped") << QStringLiteral("[::ffff:127.0.0.1]:22");
        QTest::newRow("hex") << QStringLiteral("0x7f.1:22");
        QTest::newRow("decimal") << QStringLiteral("2130706433:22");
        QTest::newRow("a name for loopback") << QStringLiteral("localhost:22");
        QTest::newRow("private") << QStringLiteral("10.0.0.1:443");
    }

    void ssrfTargetsAreRefused()
    {
        QFETCH(QString, target);
        // The shadow persona: policies would pass anything, the guard does not.
        QCOMPARE(ask(m_shadow, QStringLiteral("CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\n").arg(target)),
                 QByteArray("HTTP/1.1 403 Forbidden"));
    }

    void smugglingIs400AndNothingIsForwarded_data()
    {
        QTest::addColumn<QString>("headers");
        QTest::newRow("CL.TE") << QStringLiteral(
            "Content-Length: 6\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nG");
        QTest::newRow("TE.CL") << QStringLiteral("Transfer-Encoding: chunked\\r\\nContent-Length: "
                                                 "3\\r\\n\\r\\n8\\r\\nSMUGGLED\\r\\n0\\r\\n\\r\\n");
        QTest::newRow("duplicate CL")
            << QStringLiteral("Content-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\nhello!");
        QTest::newRow("obs-fold") << QStringLiteral("X-A: a\\r\\n b\\r\\nContent-Length: 0\\r\\n\\r\\n");
    }

    void smugglingIs400AndNothingIsForwarded()
    {
        QFETCH(QString, headers);
        const int before = m_http->connections();
        QCOMPARE(ask(m_enforced,
                     QStringLiteral("GET http://%1/ HTTP/1.1\\r\\nHost: %1\\r\\n").arg(http()) + headers),
                 QByteArray("HTTP/1.1 400 Bad Request"));
        QCOMPARE(m_http->connections(), before);
    }

    void sshGoesThroughTheProxyToAllowedHostsOnly()
    {
        // The image's SSH configuration sends every connection through the relay (ProxyCommand).
        const int before = m_ssh->connections();
        const auto allowed = inContainer(
            m_enforced,
            QStringLiteral("HOME=/tmp timeout 10 ssh -T -o BatchMode=yes -o StrictHostKeyChecking=no "
                           "-o ConnectTimeout=5 -p %1 git@127.0.0.1 2>&1")
                .arg(m_ssh->port()));
        QTRY_VERIFY(m_ssh->connections() > before);
        QVERIFY2(m_ssh->received().contains("SSH-2.0-"),
                 QByteArray(m_ssh->received() + allowed.stdoutText).constData());
        bool recorded = false;
        for (const AuditEvent &e : events(m_enforced, 8))
            recorded |= e.decision == AuditEvent::Decision::Allow && e.resource == local(m_ssh->port()) &&
                        e.policies == QStringList{QStringLiteral("git-host")};
        QVERIFY(recorded);

        // A host the policy does not allow: the relay says why, and nothing is dialled.
        const auto refused = inContainer(
            m_enforced,
            QStringLiteral("HOME=/tmp timeout 10 ssh -T -o BatchMode=yes -o StrictHostKeyChecking=no "
                           "-o ConnectTimeout=5 git@blocked.example 2>&1; echo rc=$?"));
        QVERIFY2(refused.stdoutText.contains("the egress proxy refused blocked.example:22"), said(refused));
        QVERIFY2(refused.stdoutText.contains("no policy permits it"), said(refused));
        QVERIFY(!refused.stdoutText.contains("rc=0"));
        // A loopback port the policy does not name: the guard refuses it.
        const int echoBefore = m_echo->connections();
        const auto guarded = inContainer(
            m_enforced,
            QStringLiteral("HOME=/tmp timeout 10 ssh -T -o BatchMode=yes -o StrictHostKeyChecking=no "
                           "-o ConnectTimeout=5 -p %1 git@127.0.0.1 2>&1; echo rc=$?")
                .arg(m_echo->port()));
        QVERIFY2(guarded.stdoutText.contains("is not open to agents"), said(guarded));
        QCOMPARE(m_echo->connections(), echoBefore);
    }

    void aPublishedPortIsOnTheHostsLoopbackOnly()
    {
        // The SSH server in the container, reached at the host's 127.0.0.1:<port> through its socket.
        QByteArray banner;
        QTRY_VERIFY_WITH_TIMEOUT((banner = greeting(m_publishedPort)).startsWith("SSH-2.0-OpenSSH"), 20000);
        // Nothing is published by the engine, and the host listens on loopback only.
        auto inspect = m_client->inspectContainer(QStringLiteral("paddock-") + m_served);
        QVERIFY(inspect);
        QVERIFY(
            (*inspect)[QStringLiteral("HostConfig")][QStringLiteral("PortBindings")].toObject().isEmpty());
        for (const QHostAddress &address : QNetworkInterface::allAddresses())
            if (!address.isLoopback() && address.protocol() == QAbstractSocket::IPv4Protocol)
                QVERIFY2(greeting(m_publishedPort, address).isEmpty(), qPrintable(address.toString()));
        QVERIFY(greeting(m_publishedPort, QHostAddress::LocalHostIPv6).isEmpty());
        // A persona without that port does not answer it from inside either.
        const auto other =
            inContainer(m_enforced, QStringLiteral("timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2222' "
                                                   "2>/dev/null && echo CONNECTED"));
        QVERIFY(!other.stdoutText.contains("CONNECTED"));
    }

    void killingTheRelayGainsNothing()
    {
        // The agent kills the relay (it runs as the agent's user), takes its port, and tries again.
        const auto killed = inContainer(
            m_enforced,
            QStringLiteral("for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = paddock-relay ] && "
                           "kill -9 ${p#/proc/} && echo killed; done; sleep 0.5; "
                           "timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/3128' 2>/dev/null && echo OPEN; "
                           "%1 -x http://127.0.0.1:3128 http://%2/again; echo curl=$?")
                .arg(curl(), http()));
        QVERIFY2(killed.stdoutText.contains("killed"), said(killed));
        QVERIFY2(!killed.stdoutText.contains("OPEN"), said(killed));
        QVERIFY2(!killed.stdoutText.contains("curl=0"), said(killed));
        QVERIFY(!m_http->received().contains("GET /again"));
        // The egress socket itself still answers for the persona, and only with its policies: an
        // agent that speaks to it without the relay (here with bash's /dev/tcp it cannot: no Unix
        // sockets) gains nothing it did not have. Direct connections still fail.
        const auto direct =
            inContainer(m_enforced, QStringLiteral("timeout 4 bash -c 'exec 3<>/dev/tcp/%1/%2' 2>&1 && "
                                                   "echo CONNECTED")
                                        .arg(QStringLiteral("127.0.0.1"))
                                        .arg(m_http->port()));
        QVERIFY(!direct.stdoutText.contains("CONNECTED"));
    }
};

QTEST_GUILESS_MAIN(TestIsolation)
#include "test_isolation.moc"
