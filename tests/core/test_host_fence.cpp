// Network isolation of isolated personas against real podman: a restricted persona's container
// reaches no "outside" server (one in a network namespace of the test's own, behind a veth pair,
// that a full-trust container does reach), resolves no name, gets the proxy's address in its
// environment, and with the host fence (nftables, as root) reaches only the proxy's and the git
// transport's ports of the host; without it, the exposure report names the host port it reaches.
#include "AgentImage.h"
#include "RuntimeTesting.h"
#include "personas/PersonaStore.h"
#include "proxy/EgressProxyPort.h"
#include "runtime/EngineClient.h"
#include "runtime/HostFence.h"
#include "runtime/PersonaRuntime.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <algorithm>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace paddock;
using paddock::test::waitForState;

namespace {
const QString Pid = QString::number(QCoreApplication::applicationPid());
const int Slot = int(QCoreApplication::applicationPid() % 60) + 1; // a /30 of 198.51.100.0/24
const QString HostSide = QStringLiteral("198.51.100.%1").arg(Slot * 4 + 1);
const QString Outside = QStringLiteral("198.51.100.%1").arg(Slot * 4 + 2);
const QString Namespace = QStringLiteral("paddock-fence-") + Pid;
const QString HostVeth = QStringLiteral("pfo") + Pid.right(9);
const QString OutsideVeth = QStringLiteral("pfi") + Pid.right(9);
constexpr quint16 OutsidePort = 7777;

// Runs a command (ip, nft, podman); its output, or a null QByteArray when it failed.
QByteArray run(const QString &program, const QStringList &args, QString *why = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (why)
            *why =
                program + u' ' + args.join(u' ') + QStringLiteral(": ") + QString::fromLocal8Bit(p.readAll());
        return {};
    }
    QByteArray out = p.readAll();
    return out.isNull() ? QByteArray("") : out;
}

// A listening TCP socket inside the network namespace `ns` (made in a thread that joins it).
int listenIn(const QString &ns, const QString &address, quint16 port)
{
    int fd = -1;
    std::thread([&] {
        const int target =
            ::open(QFile::encodeName(QStringLiteral("/run/netns/") + ns).constData(), O_RDONLY | O_CLOEXEC);
        if (target < 0 || ::setns(target, CLONE_NEWNET) != 0)
            return;
        ::close(target);
        const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, address.toLatin1().constData(), &a.sin_addr);
        if (::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 && ::listen(s, 16) == 0)
            fd = s;
        else
            ::close(s);
    }).join();
    return fd;
}

// The IPv6 link-local address of a host interface.
QString linkLocalOf(const QString &interface, bool settled)
{
    const QJsonArray links =
        QJsonDocument::fromJson(
            run(QStringLiteral("ip"), {QStringLiteral("-j"), QStringLiteral("-6"), QStringLiteral("addr"),
                                       QStringLiteral("show"), QStringLiteral("dev"), interface}))
            .array();
    for (const QJsonValue &link : links)
        for (const QJsonValue &a : link[QStringLiteral("addr_info")].toArray())
            if (a[QStringLiteral("scope")].toString() == u"link" &&
                !(settled && a[QStringLiteral("tentative")].toBool()))
                return a[QStringLiteral("local")].toString();
    return {};
}

// A raw DNS query (example.com, A) as bash's printf writes it.
const QString DnsQuery = QStringLiteral("\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07exa"
                                        "mple\\x03com\\x00\\x00\\x01\\x00\\x01");
} // namespace

class TestHostFence : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EngineClient> m_client;
    const QString m_isolated = QStringLiteral("fence") + Pid;
    const QString m_full = QStringLiteral("fencefull") + Pid;
    int m_outsideFd = -1;
    QString m_bridge; // the isolated network's bridge, once seen (for the cleanup)

    Persona persona(const QString &name, Persona::Trust trust) const
    {
        Persona p;
        p.name = name;
        p.trust = trust;
        p.image = agentImageName();
        p.entrypoint = {QStringLiteral("/bin/bash"), QStringLiteral("-c"),
                        QStringLiteral("exec sleep infinity")};
        p.limits.memoryMb = 256;
        return p;
    }

    std::unique_ptr<PersonaRuntime> makeRuntime(bool fence)
    {
        PersonaRuntime::Options o;
        o.personasPath = m_dir.filePath(QStringLiteral("personas.json"));
        o.image = agentImageName();
        o.stopTimeout = std::chrono::seconds(1);
        o.hostFence = fence;
        return std::make_unique<PersonaRuntime>(std::move(o));
    }

    // Runs a bash command line in the persona's container: exit code and what it wrote.
    bool connects(const QString &name, const QString &address, int port)
    {
        const auto r =
            inContainer(name, QStringLiteral("timeout 4 bash -c 'exec 3<>/dev/tcp/%1/%2' && echo CONNECTED")
                                  .arg(address)
                                  .arg(port));
        return r.exitCode == 0 && r.stdoutText.contains("CONNECTED");
    }

    // The bridge's IPv6 link-local address once duplicate address detection is over on both ends
    // (a tentative address takes no connections), or empty.
    QString settledLinkLocal(const QString &name, const QString &bridge)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            const QString address = linkLocalOf(bridge, true);
            // /proc/net/if_inet6: address, index, prefix length, scope, flags (0x40: tentative).
            const auto own = inContainer(
                name, QStringLiteral("while read -r a i p s f n; do [ \"$n\" = eth0 ] && [ \"$s\" = 20 ] && "
                                     "[ $((0x$f & 0x40)) = 0 ] && echo settled; done < /proc/net/if_inet6"));
            if (!address.isEmpty() && !own.stdoutText.trimmed().isEmpty())
                return address;
            QTest::qWait(200);
        }
        return {};
    }

    EngineClient::ExecResult inContainer(const QString &name, const QString &script)
    {
        return test::inContainer(*m_client, name, script);
    }

    QString containerName(const QString &name) const
    {
        return persona(name, Persona::Trust::Full).containerName();
    }

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

        // The outside: a namespace behind a veth pair, routed from the host like any LAN host.
        const QString ip = QStringLiteral("ip");
        QString why;
        const QList<QStringList> setup{
            {QStringLiteral("netns"), QStringLiteral("add"), Namespace},
            {QStringLiteral("link"), QStringLiteral("add"), HostVeth, QStringLiteral("type"),
             QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), OutsideVeth,
             QStringLiteral("netns"), Namespace},
            {QStringLiteral("addr"), QStringLiteral("add"), HostSide + QStringLiteral("/30"),
             QStringLiteral("dev"), HostVeth},
            {QStringLiteral("link"), QStringLiteral("set"), HostVeth, QStringLiteral("up")},
            {QStringLiteral("-n"), Namespace, QStringLiteral("addr"), QStringLiteral("add"),
             Outside + QStringLiteral("/30"), QStringLiteral("dev"), OutsideVeth},
            {QStringLiteral("-n"), Namespace, QStringLiteral("link"), QStringLiteral("set"), OutsideVeth,
             QStringLiteral("up")},
            {QStringLiteral("-n"), Namespace, QStringLiteral("route"), QStringLiteral("add"),
             QStringLiteral("default"), QStringLiteral("via"), HostSide},
        };
        for (const QStringList &args : setup)
            QVERIFY2(!run(ip, args, &why).isNull(), qPrintable(why));
        m_outsideFd = listenIn(Namespace, Outside, OutsidePort);
        QVERIFY(m_outsideFd >= 0);

        QFile file(m_dir.filePath(QStringLiteral("personas.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(PersonaStore::serialize(
            {persona(m_isolated, Persona::Trust::Restricted), persona(m_full, Persona::Trust::Full)}));
    }

    void cleanupTestCase()
    {
        if (m_outsideFd >= 0)
            ::close(m_outsideFd);
        if (m_client) {
            for (const QString &name : {m_isolated, m_full}) {
                (void)m_client->killContainer(containerName(name));
                (void)m_client->removeContainer(containerName(name), true);
            }
            (void)m_client->removeNetwork(QStringLiteral("paddock-") + m_isolated);
        }
        // The runtime removes its rules with the network; should a failed test leave them, they go
        // here (the table is this test's alone while it holds the podman lock).
        const QByteArray table =
            run(QStringLiteral("nft"), {QStringLiteral("list"), QStringLiteral("table"),
                                        QStringLiteral("inet"), QStringLiteral("paddock")});
        if (table.contains(QByteArray("paddock persona " + m_isolated.toLatin1() + " on ")))
            run(QStringLiteral("nft"), {QStringLiteral("delete"), QStringLiteral("table"),
                                        QStringLiteral("inet"), QStringLiteral("paddock")});
        run(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("del"), HostVeth});
        run(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), Namespace});
    }

    void ruleset()
    {
        const QByteArray none = HostFence::ruleset(QStringLiteral("paddock"), {});
        QCOMPARE(none, QByteArray("table inet paddock {}\ndelete table inet paddock\n"));
        const QByteArray one = HostFence::ruleset(
            QStringLiteral("paddock"),
            {{QStringLiteral("dev\"; drop"), QStringLiteral("podman3"), 77, QStringLiteral("10.89.3.1")},
             {QStringLiteral("bad"), QStringLiteral("x\"; flush ruleset"), 78, QStringLiteral("10.89.4.1")}});
        QVERIFY(one.contains("iif 77 ip daddr 10.89.3.1 tcp dport { 3128, 9418 } accept"));
        QVERIFY(one.contains("iif 77 ct state established,related accept"));
        QVERIFY(one.contains("iif 77 counter drop"));
        QVERIFY(one.contains("oif 77 counter drop"));
        QVERIFY(one.contains("comment \"paddock persona dev___drop on podman3\""));
        QVERIFY2(!one.contains("flush") && !one.contains("10.89.4.1"),
                 one.constData()); // never in the script
        QString why;
        if (::geteuid() == 0) // nft checks it without applying it (-c)
            QVERIFY2(!run(QStringLiteral("sh"),
                          {QStringLiteral("-c"), QStringLiteral("printf '%s' \"$0\" | nft -c -f -"),
                           QString::fromLatin1(one)},
                          &why)
                          .isNull(),
                     qPrintable(why));
    }

    void reachablePorts()
    {
        QTemporaryDir proc;
        QFile tcp(proc.filePath(QStringLiteral("tcp")));
        QVERIFY(tcp.open(QIODevice::WriteOnly));
        // 0.0.0.0:8080, 127.0.0.1:5432, 10.89.3.1:6000 listening; 0.0.0.0:3128 (the proxy's);
        // 0.0.0.0:22 established (not a listener).
        tcp.write(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
            "inode\n"
            "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n"
            "   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2\n"
            "   2: 0103590A:1770 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3\n"
            "   3: 00000000:0C38 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4\n"
            "   4: 00000000:0016 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 5\n");
        tcp.close();
        QFile tcp6(proc.filePath(QStringLiteral("tcp6")));
        QVERIFY(tcp6.open(QIODevice::WriteOnly));
        // [::]:9000 and [::1]:9001 listening.
        tcp6.write("  sl  local_address                         remote_address                        st\n"
                   "   0: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A\n"
                   "   1: 00000000000000000000000001000000:2329 00000000000000000000000000000000:0000 0A\n");
        tcp6.close();
        QCOMPARE(HostFence::reachablePorts(proc.path(), QStringLiteral("10.89.3.1"), {3128, 9418}),
                 (QList<int>{6000, 8080, 9000}));
        QCOMPARE(HostFence::reachablePorts(proc.path(), QStringLiteral("10.89.7.1"), {3128, 9418}),
                 (QList<int>{8080, 9000}));
        QFile udp(proc.filePath(QStringLiteral("udp")));
        QVERIFY(udp.open(QIODevice::WriteOnly));
        // 0.0.0.0:53 open to any sender, 10.89.3.1:5353 too; 0.0.0.0:4000 connected to one peer.
        udp.write("  sl  local_address rem_address   st\n"
                  "   0: 00000000:0035 00000000:0000 07\n"
                  "   1: 0103590A:14E9 00000000:0000 07\n"
                  "   2: 00000000:0FA0 0100007F:0035 01\n");
        udp.close();
        QCOMPARE(
            HostFence::reachablePorts(proc.path(), QStringLiteral("10.89.3.1"), {}, HostFence::Protocol::Udp),
            (QList<int>{53, 5353}));
    }

    void unfencedIsolation()
    {
        QVERIFY(m_client);
        // A host service on every address: the isolated network reaches it at its gateway address.
        QTcpServer exposed;
        QVERIFY(exposed.listen(QHostAddress::Any)); // IPv4 and IPv6
        QUdpSocket exposedUdp;
        auto runtime = makeRuntime(false);
        QSignalSpy ready(runtime.get(), &PersonaRuntime::isolatedNetworkReady);
        QSignalSpy gone(runtime.get(), &PersonaRuntime::isolatedNetworkGone);
        QSignalSpy problems(runtime.get(), &PersonaRuntime::problem);
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] { runtime->stop(); });
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        runtime->startPersona(m_isolated);
        runtime->startPersona(m_full);
        QVERIFY2(waitForState(*runtime, m_isolated, PersonaStatus::State::Running),
                 qPrintable(runtime->status(m_isolated)->message));
        QVERIFY2(waitForState(*runtime, m_full, PersonaStatus::State::Running),
                 qPrintable(runtime->status(m_full)->message));

        // Ready with its gateway; the full persona is not isolated and never named.
        QTRY_COMPARE(ready.size(), 1);
        QCOMPARE(ready.first().at(0).toString(), m_isolated);
        const QString gateway = ready.first().at(1).toString();
        QVERIFY(gateway.startsWith(QStringLiteral("10.89.")));
        m_bridge = HostFence::interfaceWithAddress(gateway);
        QVERIFY(!m_bridge.isEmpty());

        // Its network: internal, no DNS (podman's own word for it).
        const QJsonArray network =
            QJsonDocument::fromJson(
                run(QStringLiteral("podman"), {QStringLiteral("network"), QStringLiteral("inspect"),
                                               QStringLiteral("paddock-") + m_isolated}))
                .array();
        QCOMPARE(network.size(), 1);
        QCOMPARE(network.first()[QStringLiteral("internal")].toBool(), true);
        QCOMPARE(network.first()[QStringLiteral("dns_enabled")].toBool(true), false);
        // Attached to that network only.
        auto inspect = m_client->inspectContainer(containerName(m_isolated));
        QVERIFY(inspect);
        QCOMPARE((*inspect)[QStringLiteral("NetworkSettings")][QStringLiteral("Networks")].toObject().keys(),
                 QStringList{QStringLiteral("paddock-") + m_isolated});

        // The proxy's address in its environment, none in the full persona's.
        const QString proxy = QStringLiteral("http://%1:%2").arg(gateway).arg(EgressProxyPort);
        const auto env = inContainer(m_isolated, QStringLiteral("env"));
        for (const char *name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"})
            QVERIFY2(env.stdoutText.contains(QByteArray(QByteArray(name) + '=' + proxy.toLatin1() + '\n')),
                     env.stdoutText.constData());
        for (const char *name : {"NO_PROXY", "no_proxy"})
            QVERIFY(env.stdoutText.contains(QByteArray(QByteArray(name) + "=localhost,127.0.0.1,::1\n")));
        const auto fullEnv = inContainer(m_full, QStringLiteral("env"));
        QVERIFY(fullEnv.exitCode == 0);
        QVERIFY2(!fullEnv.stdoutText.contains("PROXY") && !fullEnv.stdoutText.contains("proxy"),
                 fullEnv.stdoutText.constData());

        // The outside server: the full persona reaches it, the isolated one does not.
        QVERIFY(connects(m_full, Outside, OutsidePort));
        QVERIFY(!connects(m_isolated, Outside, OutsidePort));
        QVERIFY(!connects(m_isolated, HostSide, OutsidePort));

        // No name resolves, and the gateway answers no DNS.
        QVERIFY(inContainer(m_isolated, QStringLiteral("getent hosts example.com")).exitCode != 0);
        QVERIFY(inContainer(m_isolated, QStringLiteral("getent ahosts podman.io")).exitCode != 0);
        const auto dns =
            inContainer(m_isolated, QStringLiteral("exec 3<>/dev/udp/%1/53 && printf '%2' >&3 && "
                                                   "timeout 3 head -c 12 <&3 | od -An -tx1")
                                        .arg(gateway, DnsQuery));
        QVERIFY2(dns.stdoutText.trimmed().isEmpty(), dns.stdoutText.constData());
        QVERIFY(!connects(m_isolated, gateway, 53));

        // Unfenced, the host service is reached, and the exposure report names its port.
        QVERIFY(connects(m_isolated, gateway, exposed.serverPort()));
        // ...over IPv6 too: the bridge has a link-local address though the network has no IPv6.
        const QString linkLocal = settledLinkLocal(m_isolated, m_bridge);
        QVERIFY(!linkLocal.isEmpty());
        QVERIFY(connects(m_isolated, linkLocal + QStringLiteral("%eth0"), exposed.serverPort()));
        auto exposure = runtime->hostExposure(m_isolated);
        QVERIFY(exposure);
        QVERIFY(!exposure->fenced);
        QCOMPARE(exposure->gateway, gateway);
        QCOMPARE(exposure->bridge, m_bridge);
        QVERIFY2(exposure->tcpPorts.contains(exposed.serverPort()), qPrintable(exposure->text()));
        QVERIFY(!exposure->tcpPorts.contains(EgressProxyPort));
        QVERIFY(exposure->text().contains(QStringLiteral("TCP %1").arg(exposed.serverPort())));
        // A UDP service open to any sender is reached too, and named.
        QVERIFY(exposedUdp.bind(QHostAddress::AnyIPv4, 0));
        inContainer(m_isolated,
                    QStringLiteral("printf hello > /dev/udp/%1/%2").arg(gateway).arg(exposedUdp.localPort()));
        QVERIFY(exposedUdp.waitForReadyRead(3000));
        QVERIFY2(runtime->hostExposure(m_isolated)->udpPorts.contains(exposedUdp.localPort()),
                 qPrintable(runtime->hostExposure(m_isolated)->text()));
        QVERIFY(exposure->text().contains(QStringLiteral("turned off")));
        QTRY_VERIFY(std::any_of(problems.begin(), problems.end(), [&](const QList<QVariant> &args) {
            return args.at(0).toString() == QStringLiteral("host-fence:") + m_isolated &&
                   args.at(1).value<Error>().message.contains(QString::number(exposed.serverPort()));
        }));
        QVERIFY(!runtime->hostExposure(m_full));

        // Its container stops: the network is gone for the proxy.
        runtime->stopPersona(m_isolated);
        runtime->stopPersona(m_full);
        QVERIFY(waitForState(*runtime, m_isolated, PersonaStatus::State::Stopped, 20000));
        QTRY_COMPARE(gone.size(), 1);
        QCOMPARE(gone.first().at(0).toString(), m_isolated);
        QVERIFY(waitForState(*runtime, m_full, PersonaStatus::State::Stopped, 20000));
    }

    void fencedIsolation()
    {
        QVERIFY(m_client);
        if (!HostFence::mayChangeFirewall())
            QSKIP("Paddock may not change the firewall here (no root, no CAP_NET_ADMIN)");
        auto runtime = makeRuntime(true);
        QSignalSpy ready(runtime.get(), &PersonaRuntime::isolatedNetworkReady);
        QVERIFY(runtime->start());
        auto stop = qScopeGuard([&] { runtime->stop(); });
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        runtime->startPersona(m_isolated);
        QVERIFY2(waitForState(*runtime, m_isolated, PersonaStatus::State::Running),
                 qPrintable(runtime->status(m_isolated)->message));
        QTRY_COMPARE(ready.size(), 1);
        const QString gateway = ready.first().at(1).toString();
        m_bridge = HostFence::interfaceWithAddress(gateway);

        auto exposure = runtime->hostExposure(m_isolated);
        QVERIFY(exposure);
        QVERIFY2(exposure->fenced, qPrintable(exposure->text()));
        QCOMPARE(exposure->bridge, m_bridge);
        QVERIFY(exposure->tcpPorts.isEmpty());
        const QByteArray table =
            run(QStringLiteral("nft"), {QStringLiteral("list"), QStringLiteral("table"),
                                        QStringLiteral("inet"), QStringLiteral("paddock")});
        QVERIFY2(table.contains(
                     QByteArray("paddock persona " + m_isolated.toLatin1() + " on " + m_bridge.toLatin1())),
                 table.constData());
        QVERIFY(table.contains(gateway.toLatin1()));

        // The proxy's port on the gateway is reached; any other host port, TCP or UDP, is not.
        QTcpServer proxy, other;
        QVERIFY2(proxy.listen(QHostAddress(gateway), EgressProxyPort), qPrintable(proxy.errorString()));
        QVERIFY(other.listen(QHostAddress::Any));
        QUdpSocket udp;
        QVERIFY(udp.bind(QHostAddress::AnyIPv4, 0));
        QVERIFY(connects(m_isolated, gateway, EgressProxyPort));
        QVERIFY(!connects(m_isolated, gateway, other.serverPort()));
        inContainer(m_isolated,
                    QStringLiteral("printf hello > /dev/udp/%1/%2").arg(gateway).arg(udp.localPort()));
        QVERIFY(!udp.waitForReadyRead(1500));
        // Nor over the bridge's IPv6 link-local address.
        const QString linkLocal = settledLinkLocal(m_isolated, m_bridge);
        QVERIFY(!linkLocal.isEmpty());
        QVERIFY(!connects(m_isolated, linkLocal + QStringLiteral("%eth0"), other.serverPort()));
        // And still no outside, no DNS.
        QVERIFY(!connects(m_isolated, Outside, OutsidePort));
        QVERIFY(inContainer(m_isolated, QStringLiteral("getent hosts example.com")).exitCode != 0);
        const auto dns =
            inContainer(m_isolated, QStringLiteral("exec 3<>/dev/udp/%1/53 && printf '%2' >&3 && "
                                                   "timeout 3 head -c 12 <&3 | od -An -tx1")
                                        .arg(gateway, DnsQuery));
        QVERIFY2(dns.stdoutText.trimmed().isEmpty(), dns.stdoutText.constData());

        // A restart keeps the fence (same bridge, same rules).
        runtime->restartPersona(m_isolated);
        QCOMPARE(runtime->status(m_isolated)->state, PersonaStatus::State::Starting);
        QVERIFY(waitForState(*runtime, m_isolated, PersonaStatus::State::Running));
        QVERIFY(runtime->hostExposure(m_isolated)->fenced);
        QVERIFY(!connects(m_isolated, gateway, other.serverPort()));
        QVERIFY(connects(m_isolated, gateway, EgressProxyPort));

        // Stopped, its bridge goes, and with it its rules; started again, it is fenced again.
        const QByteArray mine = "paddock persona " + m_isolated.toLatin1() + " on ";
        auto rules = [] {
            return run(QStringLiteral("nft"), {QStringLiteral("list"), QStringLiteral("ruleset")});
        };
        runtime->stopPersona(m_isolated);
        QVERIFY(waitForState(*runtime, m_isolated, PersonaStatus::State::Stopped, 20000));
        QTRY_VERIFY_WITH_TIMEOUT(!rules().contains(mine), 10000);
        runtime->startPersona(m_isolated);
        QVERIFY(waitForState(*runtime, m_isolated, PersonaStatus::State::Running));
        QVERIFY(rules().contains(mine));
        QVERIFY(!connects(m_isolated, gateway, other.serverPort()));

        // Removing the persona removes its network and its rules.
        QSignalSpy finished(runtime.get(), &PersonaRuntime::actionFinished);
        runtime->removePersona(m_isolated, true);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::any_of(finished.begin(), finished.end(),
                        [](const QList<QVariant> &a) { return a.at(1).toString() == u"remove"; }),
            20000);
        const QByteArray after =
            run(QStringLiteral("nft"), {QStringLiteral("list"), QStringLiteral("ruleset")});
        QVERIFY2(!after.contains(QByteArray("paddock persona " + m_isolated.toLatin1() + " on ")),
                 after.constData());
        QVERIFY(!runtime->hostExposure(m_isolated));
    }
};

QTEST_GUILESS_MAIN(TestHostFence)
#include "test_host_fence.moc"
