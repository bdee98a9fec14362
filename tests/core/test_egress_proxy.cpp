// The egress proxy against real sockets: a server outside the host (a network namespace of its
// own), a DNS server the proxy's resolver asks, a real audit log. Decisions (allow, deny with its
// reason, shadow), the SSRF guard, request smuggling, hop-by-hop headers, rate limits, timeouts
// and upstream chaining.
#include "OutsideNetwork.h"
#include "RuntimeTesting.h"

#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "engine/ServiceThread.h"
#include "policy/PolicySet.h"
#include "proxy/EgressProxy.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

using namespace paddock;
using namespace paddock::test;

namespace {

// A blocking client with timeouts.
class Client
{
public:
    explicit Client(int port)
    {
        m_fd = withTimeouts(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(quint16(port));
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_ok = ::connect(m_fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) == 0;
    }
    // On a Unix socket (a persona's egress socket).
    explicit Client(const QString &path)
    {
        m_fd = withTimeouts(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        const QByteArray name = QFile::encodeName(path);
        std::memcpy(sun.sun_path, name.constData(), std::min(size_t(name.size()), sizeof(sun.sun_path) - 1));
        m_ok = ::connect(m_fd, reinterpret_cast<sockaddr *>(&sun), sizeof(sun)) == 0;
    }
    ~Client() { ::close(m_fd); }
    bool ok() const { return m_ok; }
    bool send(const QByteArray &bytes)
    {
        return ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    // Reads until the head's end (and returns the head); what came after it stays in rest().
    QByteArray head()
    {
        while (!m_buffer.contains("\r\n\r\n")) {
            char buf[4096];
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0)
                break;
            m_buffer.append(buf, n);
        }
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::exchange(m_buffer, {});
        const QByteArray h = m_buffer.left(end + 4);
        m_buffer.remove(0, end + 4);
        return h;
    }
    QByteArray read(qsizetype atLeast)
    {
        while (m_buffer.size() < atLeast) {
            char buf[65536];
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0)
                break;
            m_buffer.append(buf, n);
        }
        return std::exchange(m_buffer, {});
    }
    QByteArray readAll() { return read(1 << 30); }
    void shutdownWrite() { ::shutdown(m_fd, SHUT_WR); }

private:
    // Reads and writes give up after 5 s.
    static int withTimeouts(int fd)
    {
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        return fd;
    }

    int m_fd = -1;
    bool m_ok = false;
    QByteArray m_buffer;
};

QByteArray statusOf(const QByteArray &head)
{
    return head.left(head.indexOf("\r\n"));
}

QByteArray field(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n'))
        if (line.toLower().startsWith(QByteArray(name.toLower() + ':')))
            return line.mid(name.size() + 1).trimmed();
    return {};
}

QByteArray connectTo(const QString &authority)
{
    return "CONNECT " + authority.toUtf8() + " HTTP/1.1\r\nHost: " + authority.toUtf8() + "\r\n\r\n";
}

// The head of the proxy's answer to a CONNECT to `authority` on a connection of its own.
QByteArray answerTo(int port, const QString &authority)
{
    Client c(port);
    return c.send(connectTo(authority)) ? c.head() : QByteArray();
}

} // namespace

class TestEgressProxy : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    OutsideNetwork m_outside;
    std::unique_ptr<OutsideServer> m_echo;
    std::unique_ptr<OutsideServer> m_http;
    std::unique_ptr<TestDns> m_dns;
    std::unique_ptr<ServiceThread<AuditStore>> m_auditService;
    AuditStore *m_audit = nullptr;
    QString m_policyText;
    std::shared_ptr<const cedar::PolicySet> m_policies;

    QString outside(int port) const { return QStringLiteral("%1:%2").arg(m_outside.address()).arg(port); }

    void setPolicies(const QString &text)
    {
        cedar::Diagnostics diagnostics;
        m_policies = cedar::PolicySet::parse(text.toStdString(), &diagnostics);
        QVERIFY2(diagnostics.empty(), text.toUtf8().constData());
    }

    struct Proxy
    {
        std::unique_ptr<ServiceThread<EgressProxy>> service;
        EgressProxy *proxy = nullptr;
        int port = 0;
    };

    // A proxy for persona `name` on a loopback port of its own.
    std::unique_ptr<Proxy> startProxy(const ProxyPersona &persona, const QString &upstream = {},
                                      std::chrono::milliseconds dnsTimeout = std::chrono::milliseconds(3000),
                                      const QString &hostsFile = QStringLiteral("/etc/hosts"))
    {
        auto p = std::make_unique<Proxy>();
        EgressProxy::Options options;
        options.hostsFile = hostsFile;
        options.policies = [this](const QString &) { return m_policies; };
        options.audit = m_audit;
        options.resolver.servers = m_dns->server();
        options.resolver.timeout = dnsTimeout;
        options.upstream = upstream;
        p->service = std::make_unique<ServiceThread<EgressProxy>>(std::make_unique<EgressProxy>(options),
                                                                  QStringLiteral("paddock-proxy"));
        p->proxy = p->service->get();
        if (auto started = p->service->start(); !started) {
            qWarning() << started.error().text();
            return nullptr;
        }
        p->proxy->setPersona(persona);
        auto port = p->proxy->listen(persona.name, QStringLiteral("127.0.0.1"), 0);
        if (!port) {
            qWarning() << port.error().text();
            return nullptr;
        }
        p->port = *port;
        // The listener is served once the proxy's thread has taken it.
        for (int i = 0; i < 100 && p->proxy->status().listeners.isEmpty(); ++i)
            QTest::qWait(20);
        return p;
    }

    static ProxyPersona persona(const QString &name, Persona::PolicyMode mode = Persona::PolicyMode::Enforce)
    {
        ProxyPersona p;
        p.name = name;
        p.policySet = QStringLiteral("restricted");
        p.trust = QStringLiteral("restricted");
        p.mode = mode;
        p.failMode = AuditFailMode::Closed;
        p.limits.connectionsPerSecond = 1000;
        p.limits.connectionBurst = 1000;
        return p;
    }

    // The proxy events of `persona`, oldest first (waits for at least `count`).
    QList<AuditEvent> events(const QString &persona, int count)
    {
        return eventsOf(m_audit->databasePath(), persona, count);
    }

private slots:
    void initTestCase()
    {
        QString error;
        if (::geteuid() != 0)
            QSKIP("needs root for a network namespace (the test root runs as root)");
        QVERIFY2(m_outside.setUp(&error), qPrintable(error));
        m_echo = std::make_unique<OutsideServer>(m_outside, OutsideServer::Mode::Echo);
        m_http = std::make_unique<OutsideServer>(m_outside, OutsideServer::Mode::Http);
        m_dns = std::make_unique<TestDns>(QHash<QByteArray, QByteArray>{
            {"outside.test", m_outside.address().toUtf8()},
            {"listed.test", m_outside.address().toUtf8()},
            {"private.test", "10.1.2.3"},
            {"rebind.test", "127.0.0.1"},
            {"metadata.test", "169.254.169.254"},
            {"slow.test", ""},
        });
        m_auditService = std::make_unique<ServiceThread<AuditStore>>(
            std::make_unique<AuditStore>(m_dir.filePath(QStringLiteral("audit.db"))),
            QStringLiteral("paddock-audit"));
        m_audit = m_auditService->get();
        QVERIFY(m_auditService->start());
    }

    void cleanupTestCase() { m_auditService.reset(); }

    void allowedTunnelCarriesDataBothWaysAndIsRecorded()
    {
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "outside.test" && resource.port == %1 };)")
                        .arg(m_echo->port()));
        auto proxy = startProxy(persona(QStringLiteral("allow")));
        QVERIFY(proxy);
        Client c(proxy->port);
        QVERIFY(c.ok());
        QVERIFY(c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port())) + "early bytes;"));
        QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
        QByteArray echoed = c.read(12);
        QVERIFY(c.send("and more"));
        echoed += c.read(20 - echoed.size());
        QCOMPARE(echoed, QByteArray("early bytes;and more"));
        c.shutdownWrite();
        QCOMPARE(c.readAll(), QByteArray()); // the tunnel ends when both sides have

        const auto recorded = events(QStringLiteral("allow"), 2);
        QCOMPARE(recorded.size(), 2);
        QCOMPARE(recorded[0].action, QStringLiteral("connect"));
        QCOMPARE(recorded[0].source, AuditEvent::Source::Proxy);
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(recorded[0].resource, QStringLiteral("outside.test:%1").arg(m_echo->port()));
        QCOMPARE(recorded[0].policies, QStringList{QStringLiteral("outside")});
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("address")).toString(),
                 m_outside.address());
        QCOMPARE(recorded[1].action, QStringLiteral("connect.close"));
        const QJsonObject closed = recorded[1].detailsObject();
        QCOMPARE(closed.value(QStringLiteral("bytesUp")).toInteger(), 20);
        QCOMPARE(closed.value(QStringLiteral("bytesDown")).toInteger(), 20);
        QVERIFY(closed.contains(QStringLiteral("durationMs")));
        QTRY_COMPARE(proxy->proxy->status().personas.value(QStringLiteral("allow")).allowed, 1);
        QCOMPARE(proxy->proxy->status().personas.value(QStringLiteral("allow")).active, 0);
        QCOMPARE(proxy->proxy->status().personas.value(QStringLiteral("allow")).bytesUp, 20);
    }

    void deniedIs403WithItsReasonAndTheNameIsNeverResolved()
    {
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "outside.test" };
@id("no-evil")
forbid (principal, action == Paddock::Action::"connect", resource) when { resource.name == "evil.test" };)"));
        auto proxy = startProxy(persona(QStringLiteral("deny")));
        QVERIFY(proxy);
        {
            Client c(proxy->port);
            QVERIFY(c.send(connectTo(QStringLiteral("exfil-c2VjcmV0.example.test:443"))));
            const QByteArray h = c.head();
            QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 403 Forbidden"));
            QCOMPARE(field(h, "X-Paddock-Reason"), QByteArray("no policy permits it"));
            QCOMPARE(field(h, "Connection"), QByteArray("close"));
            QCOMPARE(c.readAll(), QByteArray("no policy permits it\n")); // and then it is closed
        }
        {
            Client c(proxy->port);
            QVERIFY(c.send(connectTo(QStringLiteral("evil.test:443"))));
            QCOMPARE(field(c.head(), "X-Paddock-Reason"), QByteArray("forbidden by no-evil"));
        }
        // No lookup carried the name out.
        QCOMPARE(m_dns->queries("exfil-c2vjcmv0.example.test"), 0);
        QCOMPARE(m_dns->queries("evil.test"), 0);
        const auto recorded = events(QStringLiteral("deny"), 2);
        QCOMPARE(recorded.size(), 2);
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Deny);
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("status")).toInt(), 403);
        QCOMPARE(recorded[1].policies, QStringList{QStringLiteral("no-evil")});
    }

    void shadowModePassesAndRecordsTheWouldBeDeny()
    {
        setPolicies(QStringLiteral(R"(@id("other")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "other.test" };)"));
        auto proxy = startProxy(persona(QStringLiteral("shadow"), Persona::PolicyMode::Shadow));
        QVERIFY(proxy);
        Client c(proxy->port);
        QVERIFY(c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port()))));
        QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
        QVERIFY(c.send("x"));
        QCOMPARE(c.read(1), QByteArray("x"));
        const auto recorded = events(QStringLiteral("shadow"), 1);
        QCOMPARE(recorded.first().decision, AuditEvent::Decision::WouldDeny);
        QCOMPARE(recorded.first().detailsObject().value(QStringLiteral("mode")).toString(),
                 QStringLiteral("shadow"));
        QCOMPARE(recorded.first().detailsObject().value(QStringLiteral("reason")).toString(),
                 QStringLiteral("no policy permits it"));
    }

    void ssrfTargetsAreRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("reason");
        QTest::newRow("loopback") << QStringLiteral("127.0.0.1:22") << QStringLiteral("loopback");
        QTest::newRow("decimal") << QStringLiteral("2130706433:22") << QStringLiteral("loopback");
        QTest::newRow("hex short") << QStringLiteral("0x7f.1:22") << QStringLiteral("loopback");
        QTest::newRow("octal") << QStringLiteral("0177.0.0.1:22") << QStringLiteral("loopback");
        QTest::newRow("mapped") << QStringLiteral("[::ffff:127.0.0.1]:22")
                                << QStringLiteral("IPv4 address 127.0.0.1");
        QTest::newRow("ipv6 loopback") << QStringLiteral("[::1]:22") << QStringLiteral("loopback");
        QTest::newRow("metadata") << QStringLiteral("169.254.169.254:80") << QStringLiteral("link-local");
        QTest::newRow("private") << QStringLiteral("10.0.0.1:443") << QStringLiteral("RFC 1918");
        QTest::newRow("nat64") << QStringLiteral("[64:ff9b::7f00:1]:443")
                               << QStringLiteral("IPv4 address 127.0.0.1");
        QTest::newRow("host's own") << QStringLiteral("HOST:443") << QStringLiteral("this host's own");
        QTest::newRow("name to private")
            << QStringLiteral("private.test:443") << QStringLiteral("private.test resolves to 10.1.2.3");
        QTest::newRow("name to loopback")
            << QStringLiteral("rebind.test:22") << QStringLiteral("rebind.test resolves to 127.0.0.1");
        QTest::newRow("name to metadata")
            << QStringLiteral("metadata.test:80") << QStringLiteral("link-local");
    }

    void ssrfTargetsAreRefused()
    {
        QFETCH(QString, target);
        QFETCH(QString, reason);
        target.replace(QStringLiteral("HOST"), m_outside.hostAddress());
        // Everything permitted: the guard alone refuses.
        setPolicies(QStringLiteral(R"(@id("all") permit (principal, action, resource);)"));
        auto proxy = startProxy(persona(QStringLiteral("ssrf"), Persona::PolicyMode::Shadow));
        QVERIFY(proxy);
        Client c(proxy->port);
        QVERIFY(c.send(connectTo(target)));
        const QByteArray h = c.head();
        QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 403 Forbidden"));
        QVERIFY2(QString::fromUtf8(field(h, "X-Paddock-Reason")).contains(reason), h.constData());
    }

    void aPermitForANameDoesNotVouchForItsAddress()
    {
        // The policy names the host, not the address it resolves to: the guard still refuses
        // (a hostile or hijacked DNS answer must not turn an allowlisted name into the host's
        // loopback). In the resource scope or in a condition, alike.
        for (
            const QString &policy :
            {QStringLiteral(
                 R"(@id("named") permit (principal, action, resource) when { resource.name == "rebind.test" };)"),
             QStringLiteral(
                 R"(@id("named") permit (principal, action, resource == Paddock::Host::"rebind.test:22");)")}) {
            setPolicies(policy);
            auto proxy = startProxy(persona(QStringLiteral("named")));
            QVERIFY(proxy);
            const QByteArray h = answerTo(proxy->port, QStringLiteral("rebind.test:22"));
            QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 403 Forbidden"));
            QVERIFY2(field(h, "X-Paddock-Reason").contains("rebind.test resolves to 127.0.0.1"),
                     h.constData());
        }
    }

    void aPersonasSocketSpeaksForItAlone()
    {
        // An isolated persona's egress socket: whoever connects there is that persona (the socket,
        // not an address, says who), and its decisions are that persona's.
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal == Paddock::Persona::"insock", action == Paddock::Action::"connect", resource)
when { resource.name == "outside.test" };)"));
        auto proxy = startProxy(persona(QStringLiteral("insock")));
        QVERIFY(proxy);
        proxy->proxy->setPersona(persona(QStringLiteral("other")));
        const QString path = m_dir.filePath(QStringLiteral("insock-egress"));
        QFile::remove(path);
        QFile stale(path); // what is there (a socket of an earlier run) is replaced
        QVERIFY(stale.open(QIODevice::WriteOnly));
        stale.close();
        QVERIFY(proxy->proxy->listenUnix(QStringLiteral("insock"), path));
        QVERIFY(proxy->proxy->listenUnix(QStringLiteral("insock"), path)); // again: nothing to do
        struct stat st{};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QVERIFY(S_ISSOCK(st.st_mode));
        QCOMPARE(st.st_mode & 0777, 0666u);
        QTRY_VERIFY([&] {
            const auto listeners = proxy->proxy->status().listeners;
            return std::any_of(listeners.cbegin(), listeners.cend(),
                               [&](const auto &l) { return l.socket == path && l.persona == u"insock"; });
        }());
        {
            Client c(path);
            QVERIFY(c.ok());
            QVERIFY(c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port()))));
            QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
            QVERIFY(c.send("ping"));
            QCOMPARE(c.read(4), QByteArray("ping"));
        }
        const auto recorded = events(QStringLiteral("insock"), 1);
        QVERIFY(!recorded.isEmpty());
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("client")).toString(),
                 QStringLiteral("unix:") + path);

        // The same socket given to another persona: its connections are that persona's from then on
        // (the policy names insock only).
        QVERIFY(proxy->proxy->listenUnix(QStringLiteral("other"), path));
        QTRY_VERIFY([&] {
            Client c(path);
            return c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port()))) &&
                   statusOf(c.head()) == "HTTP/1.1 403 Forbidden";
        }());
        // Closed: the socket file goes with it.
        proxy->proxy->closeListener(QStringLiteral("other"), path, 0);
        QTRY_VERIFY(!QFileInfo::exists(path));
    }

    void aPolicyNamingTheAddressAllowsIt()
    {
        // An internal service on purpose: the policy speaks of the address.
        setPolicies(QStringLiteral(R"(@id("internal")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "rebind.test" && context has address && context.address == ip("127.0.0.1") };)"));
        auto proxy = startProxy(persona(QStringLiteral("named")));
        QVERIFY(proxy);
        // Its own listener stays refused even so.
        Client self(proxy->port);
        QVERIFY(self.send(connectTo(QStringLiteral("rebind.test:%1").arg(proxy->port))));
        const QByteArray selfHead = self.head();
        QVERIFY2(field(selfHead, "X-Paddock-Reason").contains("this proxy itself"), selfHead.constData());
        // A port nothing listens on: allowed, so the proxy dials and says it could not connect.
        Client c(proxy->port);
        QVERIFY(c.send(connectTo(QStringLiteral("rebind.test:1"))));
        const QByteArray h = c.head();
        QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 502 Bad Gateway"));
        QVERIFY2(field(h, "X-Paddock-Reason").contains("refused"), h.constData());

        // An IP literal named by the policy, asked for in another notation: the same address.
        setPolicies(QStringLiteral(R"(@id("literal")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "127.0.0.1" };)"));
        for (const QString &spelling :
             {QStringLiteral("127.0.0.1"), QStringLiteral("0x7f.1"), QStringLiteral("2130706433")}) {
            const QByteArray dh = answerTo(proxy->port, spelling + QStringLiteral(":1"));
            QVERIFY2(statusOf(dh) == "HTTP/1.1 502 Bad Gateway",
                     qPrintable(spelling + u": " + QString::fromUtf8(dh)));
        }
        // And a forbid naming an address holds for every spelling of it.
        setPolicies(QStringLiteral(R"(@id("all") permit (principal, action, resource);
@id("not-this-one") forbid (principal, action, resource) when { resource.name == "203.0.113.9" };)"));
        for (const QString &spelling : {QStringLiteral("203.0.113.9"), QStringLiteral("0xcb.0.0x71.011"),
                                        QStringLiteral("3405803785")}) {
            const QByteArray dh = answerTo(proxy->port, spelling + QStringLiteral(":443"));
            QVERIFY2(statusOf(dh) == "HTTP/1.1 403 Forbidden",
                     qPrintable(spelling + u": " + QString::fromUtf8(dh)));
            QVERIFY2(field(dh, "X-Paddock-Reason").contains("not-this-one"), dh.constData());
        }
    }

    void smugglingIs400AndNothingIsForwarded_data()
    {
        QTest::addColumn<QByteArray>("request");
        const QByteArray target = "POST http://outside.test:PORT/ HTTP/1.1\r\nHost: outside.test:PORT\r\n";
        QTest::newRow("CL.TE") << target +
                                      "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG";
        QTest::newRow("TE.CL")
            << target + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n";
        QTest::newRow("duplicate CL") << target + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
        QTest::newRow("obs-fold") << target + "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n";
        QTest::newRow("TE not chunked last")
            << target + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n";
        QTest::newRow("bad chunk size")
            << target + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
        QTest::newRow("host disagrees")
            << QByteArray("GET http://outside.test:PORT/ HTTP/1.1\r\nHost: other.test\r\n\r\n");
        QTest::newRow("bare LF") << QByteArray(
            "GET http://outside.test:PORT/ HTTP/1.1\nHost: outside.test:PORT\n\n");
    }

    void smugglingIs400AndNothingIsForwarded()
    {
        QFETCH(QByteArray, request);
        request.replace("PORT", QByteArray::number(m_http->port()));
        setPolicies(QStringLiteral(R"(@id("all") permit (principal, action, resource);)"));
        auto proxy = startProxy(persona(QStringLiteral("smuggle")));
        QVERIFY(proxy);
        const int before = m_http->connections();
        Client c(proxy->port);
        QVERIFY(c.send(request));
        const QByteArray h = c.head();
        QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 400 Bad Request"));
        QVERIFY(!field(h, "X-Paddock-Reason").isEmpty());
        QTest::qWait(100);
        QCOMPARE(m_http->connections(), before); // not even a connection was made
    }

    void plainHttpIsForwardedWithoutHopByHopFields()
    {
        setPolicies(QStringLiteral(R"(@id("web")
permit (principal, action == Paddock::Action::"http", resource)
when { resource.name == "outside.test" && context.method == "GET" && context.path like "/ok*" };)"));
        auto proxy = startProxy(persona(QStringLiteral("http")));
        QVERIFY(proxy);
        const QByteArray authority = "outside.test:" + QByteArray::number(m_http->port());
        {
            Client c(proxy->port);
            QVERIFY(c.send(
                "GET http://" + authority + "/ok?x=1 HTTP/1.1\r\nHost: " + authority +
                "\r\nConnection: keep-alive, X-Private\r\nKeep-Alive: 300\r\nX-Private: 1\r\n"
                "Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"
                "X-Kept: yes\r\n\r\n"));
            const QByteArray h = c.head();
            QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 200 OK"));
            QCOMPARE(field(h, "X-Hop"), QByteArray()); // named by the response's Connection
            QCOMPARE(field(h, "Keep-Alive"), QByteArray());
            QCOMPARE(field(h, "X-End"), QByteArray("kept"));
            QCOMPARE(field(h, "Connection"), QByteArray("close"));
            QCOMPARE(c.readAll(), QByteArray("outside says hello\n"));
        }
        const QByteArray got = m_http->received();
        QVERIFY2(got.startsWith("GET /ok?x=1 HTTP/1.1\r\n"), got.constData());
        for (const char *gone : {"X-Private", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE:"})
            QVERIFY2(!got.contains(gone), gone);
        QVERIFY(got.contains("X-Kept: yes\r\n"));
        QVERIFY(got.contains("Via: 1.1 paddock\r\n"));
        {
            Client c(proxy->port);
            QVERIFY(c.send("DELETE http://" + authority + "/ok HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"));
            QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 403 Forbidden"));
        }
        // The GET's close may be recorded before or after the DELETE's decision.
        const auto recorded = events(QStringLiteral("http"), 3);
        QCOMPARE(recorded.size(), 3);
        QCOMPARE(recorded[0].action, QStringLiteral("http"));
        QCOMPARE(recorded[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("method")).toString(),
                 QStringLiteral("GET"));
        QCOMPARE(recorded[0].detailsObject().value(QStringLiteral("path")).toString(),
                 QStringLiteral("/ok?x=1"));
        const auto close = std::find_if(recorded.begin(), recorded.end(),
                                        [](const AuditEvent &e) { return e.action == u"http.close"; });
        QVERIFY(close != recorded.end());
        const auto denied = std::find_if(recorded.begin(), recorded.end(), [](const AuditEvent &e) {
            return e.action == u"http" && e.decision == AuditEvent::Decision::Deny;
        });
        QVERIFY(denied != recorded.end());
        QCOMPARE(denied->detailsObject().value(QStringLiteral("method")).toString(),
                 QStringLiteral("DELETE"));
    }

    void limitsAnswer429AndAreRecorded()
    {
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "outside.test" };)"));
        ProxyPersona p = persona(QStringLiteral("limited"));
        p.limits.connectionBurst = 2;
        p.limits.connectionsPerSecond = 0.01;
        p.limits.maxTunnels = 2;
        auto proxy = startProxy(p);
        QVERIFY(proxy);
        const QString target = QStringLiteral("outside.test:%1").arg(m_echo->port());
        Client a(proxy->port), b(proxy->port), c(proxy->port), d(proxy->port);
        QVERIFY(a.send(connectTo(target)));
        QCOMPARE(statusOf(a.head()), QByteArray("HTTP/1.1 200 Connection established"));
        QVERIFY(b.send(connectTo(target)));
        QCOMPARE(statusOf(b.head()), QByteArray("HTTP/1.1 200 Connection established"));
        QVERIFY(c.send(connectTo(target))); // a third tunnel while two are open
        const QByteArray third = c.head();
        QCOMPARE(statusOf(third), QByteArray("HTTP/1.1 429 Too Many Requests"));
        QVERIFY(field(third, "X-Paddock-Reason").startsWith("rate limit: 2 tunnels open"));
        a.shutdownWrite();
        QCOMPARE(a.readAll(), QByteArray());
        QTRY_COMPARE(proxy->proxy->status().personas.value(QStringLiteral("limited")).active, 1);
        QVERIFY(d.send(connectTo(target))); // one tunnel open, but the bucket of two is empty
        const QByteArray fourth = d.head();
        QCOMPARE(statusOf(fourth), QByteArray("HTTP/1.1 429 Too Many Requests"));
        QVERIFY(field(fourth, "X-Paddock-Reason").contains("new connections a second"));
        const auto recorded = events(QStringLiteral("limited"), 5);
        int limited = 0;
        for (const AuditEvent &e : recorded)
            limited += e.detailsObject().value(QStringLiteral("status")).toInt() == 429;
        QCOMPARE(limited, 2);
        QTRY_COMPARE(proxy->proxy->status().personas.value(QStringLiteral("limited")).limited, 2);
    }

    void bytesPerSecondAreLimited()
    {
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "outside.test" };)"));
        ProxyPersona p = persona(QStringLiteral("slow"));
        p.limits.bytesPerSecond = 256 * 1024;
        auto proxy = startProxy(p);
        QVERIFY(proxy);
        Client c(proxy->port);
        QVERIFY(c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port()))));
        QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
        // 512 KiB up and the same echoed down: 1 MiB through a 256 KiB/s budget (a first
        // quarter second's worth is there at once) takes well over two seconds.
        const QByteArray payload(512 * 1024, 'z');
        QElapsedTimer timer;
        timer.start();
        std::thread writer([&] { c.send(payload); });
        const QByteArray back = c.read(payload.size());
        writer.join();
        QCOMPARE(back.size(), payload.size());
        QVERIFY2(timer.elapsed() > 2500, qPrintable(QString::number(timer.elapsed())));
    }

    void slowResolutionIs504AndSilentClientsTimeOut()
    {
        setPolicies(QStringLiteral(R"(@id("all") permit (principal, action, resource);)"));
        ProxyPersona p = persona(QStringLiteral("timeouts"));
        p.limits.headTimeoutMs = 500;
        auto proxy = startProxy(p, {}, std::chrono::milliseconds(600));
        QVERIFY(proxy);
        {
            Client c(proxy->port);
            QVERIFY(c.send(connectTo(QStringLiteral("slow.test:443"))));
            QElapsedTimer timer;
            timer.start();
            QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 504 Gateway Timeout"));
            QVERIFY(timer.elapsed() < 3000);
        }
        {
            Client c(proxy->port);
            QVERIFY(c.send("CONNECT outside.test:1 HTTP/1.1\r\n")); // and never the rest
            QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 408 Request Timeout"));
        }
        {
            Client c(proxy->port);
            QVERIFY(c.send(connectTo(QStringLiteral("nxdomain.test:443"))));
            const QByteArray h = c.head();
            QCOMPARE(statusOf(h), QByteArray("HTTP/1.1 502 Bad Gateway"));
            QVERIFY(field(h, "X-Paddock-Reason").contains("nxdomain.test has no address"));
        }
    }

    void chainsThroughAnUpstreamProxy()
    {
        setPolicies(QStringLiteral(R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "outside.test" };)"));
        auto upstream = startProxy(persona(QStringLiteral("corporate")));
        QVERIFY(upstream);
        auto proxy = startProxy(persona(QStringLiteral("chained")),
                                QStringLiteral("127.0.0.1:%1").arg(upstream->port));
        QVERIFY(proxy);
        Client c(proxy->port);
        QVERIFY(c.send(connectTo(QStringLiteral("outside.test:%1").arg(m_echo->port())) + "hi"));
        QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
        QCOMPARE(c.read(2), QByteArray("hi"));
        // Both proxies decided, each for its own persona.
        QCOMPARE(events(QStringLiteral("chained"), 1).first().decision, AuditEvent::Decision::Allow);
        QCOMPARE(events(QStringLiteral("chained"), 1)
                     .first()
                     .detailsObject()
                     .value(QStringLiteral("upstream"))
                     .toString(),
                 QStringLiteral("127.0.0.1:%1").arg(upstream->port));
        QCOMPARE(events(QStringLiteral("corporate"), 1).first().decision, AuditEvent::Decision::Allow);
        // The chained proxy refuses what its own policies refuse, before asking upstream.
        Client d(proxy->port);
        QVERIFY(d.send(connectTo(QStringLiteral("elsewhere.test:443"))));
        QCOMPARE(statusOf(d.head()), QByteArray("HTTP/1.1 403 Forbidden"));
    }

    void upstreamGetsNoNameThisHostResolvesToItself()
    {
        // Permitted by policy: only the guard stands between these names and the host's services
        // when the upstream proxy runs on this host (as cntlm or px do).
        char own[256] = {};
        QCOMPARE(::gethostname(own, sizeof own - 1), 0);
        const QString hostName = QString::fromLocal8Bit(own);
        setPolicies(QStringLiteral(R"(@id("these")
permit (principal, action == Paddock::Action::"connect", resource) when {
  ["outside.test", "localhost", "api.localhost", "internal.test", "metadata.test", "listed.test", "%1"]
    .contains(resource.name) };)")
                        .arg(hostName));
        QTemporaryFile hosts;
        QVERIFY(hosts.open());
        hosts.write("# a hosts file\n127.0.0.1 localhost\n10.1.2.3   internal.test  # the wiki\n"
                    "169.254.169.254 metadata.test\n\n" +
                    m_outside.address().toUtf8() + " listed.test\n");
        hosts.close();
        auto upstream = startProxy(persona(QStringLiteral("corporate-here")));
        QVERIFY(upstream);
        auto proxy = startProxy(persona(QStringLiteral("chained-here")),
                                QStringLiteral("127.0.0.1:%1").arg(upstream->port),
                                std::chrono::milliseconds(3000), hosts.fileName());
        QVERIFY(proxy);
        const QList<std::pair<QString, QString>> refused{
            {QStringLiteral("localhost"), QStringLiteral("loopback")},
            {QStringLiteral("LOCALHOST."), QStringLiteral("loopback")},
            {QStringLiteral("api.localhost"), QStringLiteral("loopback")},
            {hostName, QStringLiteral("loopback")},
            {QStringLiteral("internal.test"), QStringLiteral("private")},
            {QStringLiteral("metadata.test"), QStringLiteral("link-local")},
        };
        for (const auto &[name, why] : refused) {
            const QByteArray h = answerTo(proxy->port, QStringLiteral("%1:%2").arg(name).arg(m_echo->port()));
            QVERIFY2(statusOf(h) == "HTTP/1.1 403 Forbidden",
                     qPrintable(name + u": " + QString::fromUtf8(h)));
            QVERIFY2(QString::fromUtf8(field(h, "X-Paddock-Reason")).contains(why), h.constData());
        }
        const auto chained = events(QStringLiteral("chained-here"), int(refused.size()));
        QCOMPARE(chained.size(), refused.size());
        for (const AuditEvent &e : chained)
            QCOMPARE(e.decision, AuditEvent::Decision::Deny);
        // A name the hosts file gives a public address, and one only DNS knows, go upstream.
        for (const QString &name : {QStringLiteral("listed.test"), QStringLiteral("outside.test")}) {
            Client c(proxy->port);
            QVERIFY(c.send(connectTo(QStringLiteral("%1:%2").arg(name).arg(m_echo->port())) + "hi"));
            QCOMPARE(statusOf(c.head()), QByteArray("HTTP/1.1 200 Connection established"));
            QCOMPARE(c.read(2), QByteArray("hi"));
        }
        // The upstream was asked about those two only.
        QTest::qWait(300);
        const auto asked = events(QStringLiteral("corporate-here"), 0);
        QStringList resources;
        for (const AuditEvent &e : asked)
            if (e.action == QLatin1StringView("connect"))
                resources << e.resource.section(u':', 0, 0);
        QCOMPARE(resources, QStringList({QStringLiteral("listed.test"), QStringLiteral("outside.test")}));
    }
};

QTEST_GUILESS_MAIN(TestEgressProxy)
#include "test_egress_proxy.moc"
