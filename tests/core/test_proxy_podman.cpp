// The egress proxy end to end with real podman: restricted personas' containers on their internal
// networks, the proxy listening on each network's gateway as the engine wires it
// (EgressProxy::follow), and a server "outside" (a network namespace of the test's own). From
// inside the container: an allowlisted host works both ways (CONNECT and plain HTTP), another
// gets 403 and a deny event, a shadow persona passes with a would-deny event, SSRF targets are
// refused, smuggling gets 400 with nothing forwarded, and another persona's proxy (reached at its
// network's gateway) refuses a container that is not on its network.
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

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>

#include <unistd.h>

using namespace paddock;
using namespace paddock::test;

namespace {
const QString Pid = QString::number(QCoreApplication::applicationPid());

} // namespace

class TestProxyPodman : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    OutsideNetwork m_outside;
    std::unique_ptr<OutsideServer> m_http;
    std::unique_ptr<OutsideServer> m_echo;
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<ServiceThread<AuditStore>> m_auditService;
    std::unique_ptr<ServiceThread<EgressProxy>> m_proxyService;
    AuditStore *m_audit = nullptr;
    EgressProxy *m_proxy = nullptr;
    std::unique_ptr<PersonaRuntime> m_runtime;
    std::shared_ptr<const cedar::PolicySet> m_policies;
    const QString m_enforced = QStringLiteral("pxy") + Pid;
    const QString m_shadow = QStringLiteral("pxys") + Pid;
    const QString m_full = QStringLiteral("pxyf") + Pid; // never started: served on loopback only
    int m_loopbackPort = 0;
    QString m_gateway;      // the enforced persona's
    QString m_otherGateway; // the shadow persona's

    static int freePort()
    {
        QTcpServer probe;
        return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
    }

    [[nodiscard]] bool setLoopbackPort(int port)
    {
        const QList<Persona> all = m_runtime->personas();
        Persona p =
            *std::find_if(all.cbegin(), all.cend(), [&](const Persona &x) { return x.name == m_full; });
        p.proxyLoopbackPort = port;
        m_runtime->updatePersona(m_full, p);
        return QTest::qWaitFor([&] {
            for (const Persona &x : m_runtime->personas())
                if (x.name == m_full)
                    return x.proxyLoopbackPort == port;
            return false;
        });
    }

    static QByteArray podman(const QStringList &args)
    {
        QProcess p;
        p.start(QStringLiteral("podman"), args);
        p.waitForFinished(30000);
        return p.readAllStandardOutput();
    }

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

    // Sends `request` (printf format) to the proxy from inside the container; the answer's first line.
    QByteArray ask(const QString &name, const QString &request)
    {
        const auto r = inContainer(
            name, QStringLiteral(
                      "gw=${HTTPS_PROXY#http://}; exec 3<>/dev/tcp/${gw%:*}/${gw##*:} && printf '%1' >&3 "
                      "&& timeout 5 head -n 1 <&3")
                      .arg(request));
        return r.stdoutText.trimmed();
    }

    QString http() const { return QStringLiteral("%1:%2").arg(m_outside.address()).arg(m_http->port()); }
    QString echo() const { return QStringLiteral("%1:%2").arg(m_outside.address()).arg(m_echo->port()); }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("needs root: the outside server is in a network namespace of its own");
        const QString missing = ensureAgentImage();
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
        QString error;
        QVERIFY2(m_outside.setUp(&error), qPrintable(error));
        m_http = std::make_unique<OutsideServer>(m_outside, OutsideServer::Mode::Http);
        m_echo = std::make_unique<OutsideServer>(m_outside, OutsideServer::Mode::Echo);

        // Only the outside web server, by CONNECT and by plain GET.
        cedar::Diagnostics diagnostics;
        m_policies = cedar::PolicySet::parse(QStringLiteral(R"(@id("outside-web")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "%1" && resource.port == %2 };
@id("outside-get")
permit (principal, action == Paddock::Action::"http", resource)
when { resource.name == "%1" && resource.port == %2 && context.method == "GET" };)")
                                                 .arg(m_outside.address())
                                                 .arg(m_http->port())
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
        m_loopbackPort = freePort();
        QVERIFY(m_loopbackPort > 0);
        Persona full = persona(m_full, Persona::PolicyMode::Enforce);
        full.trust = Persona::Trust::Full;
        full.proxyLoopbackPort = m_loopbackPort;
        file.write(PersonaStore::serialize({persona(m_enforced, Persona::PolicyMode::Enforce),
                                            persona(m_shadow, Persona::PolicyMode::Shadow), full}));
        file.close();
        PersonaRuntime::Options o;
        o.personasPath = file.fileName();
        o.image = agentImageName();
        o.stopTimeout = std::chrono::seconds(1);
        // The host fence is test_host_fence's: here the proxy's own checks are what stands.
        o.hostFence = false;
        m_runtime = std::make_unique<PersonaRuntime>(std::move(o));
        m_proxy->follow(m_runtime.get());
        QVERIFY(m_runtime->start());
        QTRY_VERIFY_WITH_TIMEOUT(m_runtime->isEngineConnected(), 10000);
        m_runtime->startPersona(m_enforced);
        m_runtime->startPersona(m_shadow);
        QVERIFY2(waitForState(*m_runtime, m_enforced, PersonaStatus::State::Running),
                 qPrintable(m_runtime->status(m_enforced)->message));
        QVERIFY2(waitForState(*m_runtime, m_shadow, PersonaStatus::State::Running),
                 qPrintable(m_runtime->status(m_shadow)->message));
        // The proxy serves both networks' gateways (and the full-trust persona's loopback port).
        QTRY_VERIFY_WITH_TIMEOUT(m_proxy->status().listeners.size() == 3, 20000);
        for (const auto &l : m_proxy->status().listeners) {
            if (l.persona == m_full) {
                QCOMPARE(l.address, QStringLiteral("127.0.0.1"));
                QCOMPARE(l.port, m_loopbackPort);
                QVERIFY(l.clients.isEmpty());
                continue;
            }
            QCOMPARE(l.port, EgressProxyPort);
            // Each serves only its own network's clients: the subnet podman gave it.
            const QJsonArray network =
                QJsonDocument::fromJson(podman({QStringLiteral("network"), QStringLiteral("inspect"),
                                                QStringLiteral("paddock-") + l.persona}))
                    .array();
            QCOMPARE(network.size(), 1);
            QCOMPARE(l.clients,
                     network.first()[QStringLiteral("subnets")][0][QStringLiteral("subnet")].toString());
            if (l.persona == m_enforced)
                m_gateway = l.address;
            else
                m_otherGateway = l.address;
        }
        QVERIFY(!m_gateway.isEmpty());
        QVERIFY(!m_otherGateway.isEmpty() && m_otherGateway != m_gateway);
    }

    void cleanupTestCase()
    {
        if (m_runtime) {
            m_runtime->stop();
            m_runtime.reset();
        }
        if (m_client)
            for (const QString &name : {m_enforced, m_shadow}) {
                (void)m_client->killContainer(QStringLiteral("paddock-") + name);
                (void)m_client->removeContainer(QStringLiteral("paddock-") + name, true);
                (void)m_client->removeNetwork(QStringLiteral("paddock-") + name);
            }
        m_proxyService.reset(); // the proxy before the audit log it writes to
        m_auditService.reset();
    }

    void directConnectionsFailAndNamesDoNotResolve()
    {
        const auto direct = inContainer(
            m_enforced, QStringLiteral("timeout 4 bash -c 'exec 3<>/dev/tcp/%1/%2' && echo CONNECTED")
                            .arg(m_outside.address())
                            .arg(m_http->port()));
        QVERIFY2(!direct.stdoutText.contains("CONNECTED"), direct.stdoutText.constData());
        QVERIFY(inContainer(m_enforced, QStringLiteral("getent hosts example.com")).exitCode != 0);
    }

    void allowlistedHostWorksBothWays()
    {
        // HTTPS-style: a CONNECT tunnel (curl -p), then plain HTTP through the same proxy.
        const auto tunnelled = inContainer(
            m_enforced,
            QStringLiteral("curl -sS --max-time 10 -p -x \"$HTTPS_PROXY\" http://%1/hello").arg(http()));
        QVERIFY2(tunnelled.stdoutText == "outside says hello\n",
                 QByteArray(tunnelled.stdoutText + tunnelled.stderrText).constData());
        const auto plain = inContainer(
            m_enforced,
            QStringLiteral("curl -sS --max-time 10 -x \"$HTTP_PROXY\" http://%1/plain").arg(http()));
        QVERIFY2(plain.stdoutText == "outside says hello\n",
                 QByteArray(plain.stdoutText + plain.stderrText).constData());
        QVERIFY(m_http->received().contains("GET /plain HTTP/1.1\r\n"));

        const auto recorded = events(m_enforced, 4);
        QVERIFY(recorded.size() >= 4);
        QCOMPARE(recorded[0].action, QStringLiteral("connect"));
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(recorded[0].policies, QStringList{QStringLiteral("outside-web")});
        QCOMPARE(recorded[1].action, QStringLiteral("connect.close"));
        QVERIFY(recorded[1].detailsObject().value(QStringLiteral("bytesDown")).toInteger() > 0);
        QVERIFY(recorded[1].detailsObject().value(QStringLiteral("bytesUp")).toInteger() > 0);
        QCOMPARE(recorded[2].action, QStringLiteral("http"));
        QCOMPARE(recorded[2].policies, QStringList{QStringLiteral("outside-get")});
        // The client is the container, on its network.
        QVERIFY(recorded[0]
                    .detailsObject()
                    .value(QStringLiteral("client"))
                    .toString()
                    .startsWith(m_gateway.section(u'.', 0, 2)));
    }

    void otherHostsAre403AndRecorded()
    {
        const QByteArray status =
            ask(m_enforced, QStringLiteral("CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\n").arg(echo()));
        QCOMPARE(status, QByteArray("HTTP/1.1 403 Forbidden"));
        const auto curl = inContainer(
            m_enforced,
            QStringLiteral("curl -sS --max-time 10 -x \"$HTTP_PROXY\" -X POST http://%1/").arg(http()));
        QVERIFY2(curl.stdoutText.contains("no policy permits it"), curl.stdoutText.constData());
        const auto recorded = events(m_enforced, 6);
        bool denied = false;
        for (const AuditEvent &e : recorded)
            denied |= e.decision == AuditEvent::Decision::Deny && e.resource == echo() &&
                      e.detailsObject().value(QStringLiteral("reason")).toString() == u"no policy permits it";
        QVERIFY(denied);
        QCOMPARE(m_echo->connections(), 0);
    }

    void shadowModePassesAndRecordsWouldDeny()
    {
        const auto r = inContainer(
            m_shadow,
            QStringLiteral(
                "gw=${HTTPS_PROXY#http://}; exec 3<>/dev/tcp/${gw%:*}/${gw##*:} && printf "
                "'CONNECT %1 HTTP/1.1\\r\\nHost: %1\\r\\n\\r\\nping' >&3 && timeout 5 head -c 43 <&3")
                .arg(echo()));
        QVERIFY2(r.stdoutText == "HTTP/1.1 200 Connection established\r\n\r\nping", r.stdoutText.constData());
        const auto recorded = events(m_shadow, 1);
        QCOMPARE(recorded.first().decision, AuditEvent::Decision::WouldDeny);
        QCOMPARE(recorded.first().detailsObject().value(QStringLiteral("mode")).toString(),
                 QStringLiteral("shadow"));
    }

    void anotherPersonasProxyDoesNotServeThisContainer()
    {
        // The shadow persona's proxy would pass this; asked by the enforced persona's container (at
        // the other network's gateway, which the host routes to), it is not that persona's to ask.
        // An internal network has no route to another one; the agent is given one (as a container
        // with a network of another engine, or with CAP_NET_ADMIN, could have), so that what refuses
        // it is the proxy. (The host fence would drop it before the proxy sees it; it is off here.)
        auto inspect = m_client->inspectContainer(QStringLiteral("paddock-") + m_enforced);
        QVERIFY(inspect);
        const QString pid =
            QString::number((*inspect)[QStringLiteral("State")][QStringLiteral("Pid")].toInteger());
        QProcess route;
        route.start(QStringLiteral("nsenter"),
                    {QStringLiteral("-t"), pid, QStringLiteral("-n"), QStringLiteral("ip"),
                     QStringLiteral("route"), QStringLiteral("add"), m_otherGateway + QStringLiteral("/32"),
                     QStringLiteral("dev"), QStringLiteral("eth0")});
        QVERIFY(route.waitForFinished(10000));
        QVERIFY2(route.exitCode() == 0, route.readAllStandardError().constData());
        const int before = m_echo->connections();
        const auto r = inContainer(
            m_enforced, QStringLiteral("timeout 6 bash -c 'exec 3<>/dev/tcp/%1/%2 && "
                                       "printf \"CONNECT %3 HTTP/1.1\\r\\nHost: %3\\r\\n\\r\\n\" >&3 && "
                                       "timeout 4 cat <&3'")
                            .arg(m_otherGateway)
                            .arg(EgressProxyPort)
                            .arg(echo()));
        QVERIFY2(
            r.stdoutText.startsWith("HTTP/1.1 403 Forbidden\r\n"),
            QByteArray(r.stdoutText + r.stderrText + " exit " + QByteArray::number(r.exitCode)).constData());
        QVERIFY2(r.stdoutText.contains(QByteArray("X-Paddock-Reason: refused: the client " +
                                                  m_gateway.section(u'.', 0, 2).toUtf8())),
                 r.stdoutText.constData());
        QVERIFY2(r.stdoutText.contains(QByteArray("is not on the network of persona " + m_shadow.toUtf8())),
                 r.stdoutText.constData());
        QCOMPARE(m_echo->connections(), before);
        bool recorded = false;
        for (const AuditEvent &e : events(m_shadow, 2))
            recorded |=
                e.decision == AuditEvent::Decision::Deny && e.resource == echo() &&
                e.detailsObject().value(QStringLiteral("reason")).toString().contains(u"not on the network");
        QVERIFY(recorded);
    }

    void loopbackListenerServesItsPersonaWhileItHasOne()
    {
        // The full-trust persona's listener: its decisions, whether its container runs or not.
        QCOMPARE(test::connectThrough(m_loopbackPort, http()),
                 QByteArray("HTTP/1.1 200 Connection established"));
        QCOMPARE(test::connectThrough(m_loopbackPort, echo()), QByteArray("HTTP/1.1 403 Forbidden"));
        const auto recorded = events(m_full, 2);
        QVERIFY(recorded.size() >= 2);
        QCOMPARE(recorded.first().decision, AuditEvent::Decision::Allow);
        QVERIFY(recorded.first()
                    .detailsObject()
                    .value(QStringLiteral("client"))
                    .toString()
                    .startsWith(QStringLiteral("127.0.0.1:")));

        // A port taken by something else: a problem the user sees, named for the persona.
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        QList<QPair<QString, QString>> problems;
        QObject context;
        connect(m_proxy, &EngineService::problem, &context,
                [&](const QString &key, const Error &e) { problems.append({key, e.message}); });
        QStringList recovered;
        connect(m_proxy, &EngineService::recovered, &context, [&](const QString &key) { recovered << key; });
        QVERIFY(setLoopbackPort(squatter.serverPort()));
        QTRY_VERIFY(!problems.isEmpty());
        QCOMPARE(problems.first().first, QStringLiteral("proxy-loopback:") + m_full);
        QVERIFY2(problems.first().second.contains(QString::number(squatter.serverPort())),
                 qPrintable(problems.first().second));
        QTRY_COMPARE(test::connectThrough(m_loopbackPort, http()), QByteArray()); // the old one is closed
        recovered.clear();

        // Another port: served there; none: the persona is no longer the proxy's.
        const int moved = freePort();
        QVERIFY(setLoopbackPort(moved));
        QTRY_VERIFY(recovered.contains(QStringLiteral("proxy-loopback:") + m_full)); // the banner clears
        QTRY_COMPARE(test::connectThrough(moved, http()), QByteArray("HTTP/1.1 200 Connection established"));
        QVERIFY(setLoopbackPort(0));
        QTRY_COMPARE(test::connectThrough(moved, http()), QByteArray());
        QTRY_VERIFY(!m_proxy->status().personas.contains(m_full));
        // The isolated personas' gateways were not touched.
        QCOMPARE(m_proxy->status().listeners.size(), 2);
    }

    void ssrfTargetsAreRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("loopback") << QStringLiteral("127.0.0.1:22");
        QTest::newRow("the host at the gateway") << QStringLiteral("GATEWAY:9418");
        QTest::newRow("the proxy itself") << QStringLiteral("GATEWAY:3128");
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
        target.replace(QStringLiteral("GATEWAY"), m_gateway);
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
};

QTEST_GUILESS_MAIN(TestProxyPodman)
#include "test_proxy_podman.moc"
