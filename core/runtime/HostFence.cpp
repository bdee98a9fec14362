#include "runtime/HostFence.h"

#include "proxy/EgressProxyPort.h"
#include "repo/GitTransport.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QMutexLocker>
#include <QProcess>
#include <QRegularExpression>

#include <algorithm>
#include <cstring>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::HostFence)
};

const QList<int> AllowedPorts{EgressProxyPort, GitTransport::DefaultPort};

// Names that go into the nft script as they are: an interface name (IFNAMSIZ) and a comment.
bool isInterfaceName(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.-]{1,15}$"));
    return valid.match(name).hasMatch();
}

QString commentText(const QString &persona, const QString &bridge)
{
    QString out;
    for (const QChar c : persona)
        out += (c.isLetterOrNumber() && c.unicode() < 128) || c == u'-' || c == u'_' || c == u'.' ? c : u'_';
    return QStringLiteral("paddock persona %1 on %2").arg(out.left(64), bridge);
}

// The bridge's interface index now (0: there is none).
unsigned indexOf(const QString &bridge)
{
    return ::if_nametoindex(bridge.toLocal8Bit().constData());
}

QHostAddress fromProc(const QByteArray &hex)
{
    // The kernel prints each 32-bit word of the address as it lies in memory (%08X of a native
    // read), so copying the parsed words back gives the address's bytes in network order.
    if (hex.size() != 8 && hex.size() != 32)
        return {};
    quint8 bytes[16] = {};
    for (qsizetype word = 0; word < hex.size() / 8; ++word) {
        bool ok = false;
        const quint32 v = hex.mid(word * 8, 8).toUInt(&ok, 16);
        if (!ok)
            return {};
        std::memcpy(bytes + word * 4, &v, 4);
    }
    if (hex.size() == 8) {
        quint32 v4;
        std::memcpy(&v4, bytes, 4);
        return QHostAddress(ntohl(v4));
    }
    return QHostAddress(bytes);
}
} // namespace

QString HostExposure::text() const
{
    if (fenced)
        return Text::tr("%1's network reaches only the proxy (%2:%3) and the git transport (%2:%4) on this "
                        "host: nftables table inet paddock, bridge %5")
            .arg(persona, gateway)
            .arg(EgressProxyPort)
            .arg(GitTransport::DefaultPort)
            .arg(bridge);
    if (tcpPorts.isEmpty() && udpPorts.isEmpty())
        return Text::tr("%1's network is not fenced on the host (%2); no other host port listens where it "
                        "reaches now")
            .arg(persona, unfencedReason);
    QStringList ports;
    for (int port : tcpPorts)
        ports << QStringLiteral("TCP %1").arg(port);
    for (int port : udpPorts)
        ports << QStringLiteral("UDP %1").arg(port);
    return Text::tr("%1's network can reach these other ports of this host at %2: %3. It is not fenced: %4")
        .arg(persona, gateway, ports.join(QStringLiteral(", ")), unfencedReason);
}

HostFence::HostFence(Options options)
    : m_options(std::move(options))
{}

HostFence::~HostFence() = default;

QString HostFence::interfaceWithAddress(const QString &address)
{
    const QHostAddress wanted(address);
    if (wanted.isNull())
        return {};
    ifaddrs *list = nullptr;
    if (::getifaddrs(&list) != 0)
        return {};
    QString found;
    for (ifaddrs *i = list; i && found.isEmpty(); i = i->ifa_next)
        if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6) &&
            QHostAddress(i->ifa_addr).isEqual(wanted, QHostAddress::StrictConversion))
            found = QString::fromLocal8Bit(i->ifa_name);
    ::freeifaddrs(list);
    return found;
}

bool HostFence::mayChangeFirewall()
{
    if (::geteuid() == 0)
        return true;
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("CapEff:")) {
            bool ok = false;
            const qulonglong caps = line.mid(7).trimmed().toULongLong(&ok, 16);
            constexpr int CapNetAdmin = 12;
            return ok && (caps >> CapNetAdmin & 1);
        }
    return false;
}

QByteArray HostFence::ruleset(const QString &table, const QList<Rule> &rules)
{
    // Declaring the table before deleting it makes the delete succeed when there is none; all of
    // it is one transaction, so the old rules hold until the new ones do.
    QByteArray out = "table inet " + table.toLatin1() + " {}\ndelete table inet " + table.toLatin1() + "\n";
    if (rules.isEmpty())
        return out;
    QByteArray input, forward;
    for (const Rule &r : rules) {
        const QHostAddress gateway(r.gateway);
        if (!isInterfaceName(r.bridge) || gateway.isNull() || r.index == 0)
            continue; // fence() checked them; never let a malformed value into the script
        const QByteArray iif = "\t\tiif " + QByteArray::number(r.index) + ' ';
        const QByteArray comment = " comment \"" + commentText(r.persona, r.bridge).toLatin1() + "\"\n";
        const QByteArray family = gateway.protocol() == QAbstractSocket::IPv6Protocol ? "ip6" : "ip";
        input += iif + "ct state established,related accept" + comment;
        input += iif + family + " daddr " + gateway.toString().toLatin1() + " tcp dport { " +
                 QByteArray::number(EgressProxyPort) + ", " + QByteArray::number(GitTransport::DefaultPort) +
                 " } accept" + comment;
        input += iif + "counter drop" + comment;
        forward += iif + "counter drop" + comment;
        forward += "\t\toif " + QByteArray::number(r.index) + " counter drop" + comment;
    }
    // Before netavark's and firewalld's chains (priority filter): a drop here is final either way.
    out += "table inet " + table.toLatin1() + " {\n";
    out += "\tchain input {\n\t\ttype filter hook input priority filter - 10; policy accept;\n" + input +
           "\t}\n";
    out += "\tchain forward {\n\t\ttype filter hook forward priority filter - 10; policy accept;\n" +
           forward + "\t}\n";
    out += "}\n";
    return out;
}

QList<int> HostFence::reachablePorts(const QString &procNet, const QString &gateway, const QList<int> &except,
                                     Protocol protocol)
{
    const QHostAddress gw(gateway);
    const bool tcp = protocol == Protocol::Tcp;
    // TCP_LISTEN; for UDP, TCP_CLOSE is a socket not connected to one peer (it takes any sender).
    const QByteArray open = tcp ? "0A" : "07";
    QList<int> ports;
    for (const char *name : tcp ? std::initializer_list<const char *>{"tcp", "tcp6"}
                                : std::initializer_list<const char *>{"udp", "udp6"}) {
        QFile file(procNet + u'/' + QLatin1StringView(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QList<QByteArray> lines = file.readAll().split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> fields = lines[i].simplified().split(' ');
            if (fields.size() < 4 || fields[3] != open)
                continue;
            const qsizetype colon = fields[1].indexOf(':');
            if (colon < 0)
                continue;
            const QHostAddress local = fromProc(fields[1].left(colon));
            bool ok = false;
            const int port = int(fields[1].mid(colon + 1).toUInt(&ok, 16));
            if (!ok || local.isNull() || except.contains(port))
                continue;
            // A wildcard IPv6 socket takes IPv4 too unless it is v6-only, and is reachable over
            // the bridge's IPv6 link-local address either way.
            const bool wildcard =
                local == QHostAddress(QHostAddress::AnyIPv4) || local == QHostAddress(QHostAddress::AnyIPv6);
            if (wildcard || (!gw.isNull() && local.isEqual(gw, QHostAddress::ConvertV4MappedToIPv4)))
                ports << port;
        }
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    return ports;
}

Result<void> HostFence::apply(const QList<Rule> &wanted)
{
    // A bridge gone (its network's containers stopped) or made anew needs no rule: its next start
    // fences the new one.
    QList<Rule> rules;
    for (const Rule &r : wanted)
        if (indexOf(r.bridge) == r.index)
            rules << r;
    const QByteArray script = ruleset(m_options.table, rules);
    QProcess nft;
    nft.setProcessChannelMode(QProcess::MergedChannels);
    nft.start(m_options.nft, {QStringLiteral("-f"), QStringLiteral("-")});
    if (!nft.waitForStarted(5000))
        return fail(Error::Code::Unavailable,
                    Text::tr("could not run %1 to fence the persona networks: %2")
                        .arg(m_options.nft, nft.errorString()),
                    {}, Text::tr("Install nftables (the nft command), or run Paddock without root."));
    nft.write(script);
    nft.closeWriteChannel();
    if (!nft.waitForFinished(10000)) {
        nft.kill();
        nft.waitForFinished(1000);
        return fail(Error::Code::Unavailable, Text::tr("%1 did not finish in 10 seconds").arg(m_options.nft));
    }
    if (nft.exitStatus() != QProcess::NormalExit || nft.exitCode() != 0)
        return fail(Error::Code::Io,
                    Text::tr("nft refused the host fence's rules: %1")
                        .arg(QString::fromLocal8Bit(nft.readAll()).trimmed()),
                    QStringLiteral("table inet ") + m_options.table,
                    Text::tr("Check that the kernel has nftables (nf_tables) and that nothing else owns "
                             "this table."));
    return {};
}

Result<HostExposure> HostFence::fence(const QString &persona, const QString &gateway, bool rootlessEngine)
{
    HostExposure e;
    e.persona = persona;
    e.gateway = gateway;
    e.bridge = rootlessEngine ? QString() : interfaceWithAddress(gateway);
    if (!m_options.enabled)
        e.unfencedReason = Text::tr("the host fence is turned off");
    else if (rootlessEngine)
        e.unfencedReason = Text::tr("the engine is rootless, so its networks are not on this host");
    else if (e.bridge.isEmpty())
        e.unfencedReason = Text::tr("no interface of this host has the gateway address %1").arg(gateway);
    else if (!isInterfaceName(e.bridge))
        e.unfencedReason = Text::tr("the bridge's name \"%1\" is not one nft takes").arg(e.bridge);
    else if (!mayChangeFirewall())
        e.unfencedReason =
            Text::tr("Paddock may not change the host's firewall (it needs root or CAP_NET_ADMIN)");

    QMutexLocker lock(&m_mutex);
    Result<void> applied;
    if (e.unfencedReason.isEmpty()) {
        const Rule rule{persona, e.bridge, indexOf(e.bridge), gateway};
        const auto old = m_rules.constFind(persona);
        if (old == m_rules.cend() || old->bridge != rule.bridge || old->index != rule.index ||
            old->gateway != rule.gateway) {
            QMap<QString, Rule> next = m_rules;
            next.insert(persona, rule);
            applied = apply(next.values());
            if (applied)
                m_rules = next;
        }
        e.fenced = bool(applied);
        if (!applied) {
            e.unfencedReason = applied.error().message;
            e.failed = true;
        }
    } else if (m_rules.contains(persona) && mayChangeFirewall()) {
        // Fenced before, not now (turned off, the network moved): no rules for a bridge it left.
        QMap<QString, Rule> next = m_rules;
        next.remove(persona);
        if (apply(next.values()))
            m_rules = next;
    }
    if (!e.fenced) {
        e.tcpPorts = reachablePorts(m_options.procNet, gateway, AllowedPorts);
        e.udpPorts = reachablePorts(m_options.procNet, gateway, {}, Protocol::Udp);
    }
    m_exposures.insert(persona, e);
    if (!applied)
        return std::unexpected(applied.error());
    return e;
}

Result<void> HostFence::forget(const QString &persona)
{
    {
        QMutexLocker lock(&m_mutex);
        m_exposures.remove(persona);
    }
    return release(persona);
}

Result<void> HostFence::release(const QString &persona)
{
    QMutexLocker lock(&m_mutex);
    if (!m_rules.contains(persona))
        return {};
    QMap<QString, Rule> next = m_rules;
    next.remove(persona);
    auto applied = apply(next.values());
    if (applied)
        m_rules = next;
    return applied;
}

Result<void> HostFence::prune()
{
    QMutexLocker lock(&m_mutex);
    QMap<QString, Rule> next;
    for (auto it = m_rules.cbegin(); it != m_rules.cend(); ++it)
        if (indexOf(it->bridge) == it->index)
            next.insert(it.key(), *it);
    if (next.size() == m_rules.size())
        return {};
    auto applied = apply(next.values());
    if (applied)
        m_rules = next;
    return applied;
}

std::optional<HostExposure> HostFence::exposure(const QString &persona) const
{
    std::optional<HostExposure> e;
    {
        QMutexLocker lock(&m_mutex);
        if (!m_exposures.contains(persona))
            return std::nullopt;
        e = m_exposures.value(persona);
    }
    if (!e->fenced) {
        e->tcpPorts = reachablePorts(m_options.procNet, e->gateway, AllowedPorts);
        e->udpPorts = reachablePorts(m_options.procNet, e->gateway, {}, Protocol::Udp);
    }
    return e;
}

} // namespace paddock
