#pragma once

#include "common/Error.h"

#include <QList>
#include <QMap>
#include <QMutex>
#include <QString>

namespace paddock {

// What an isolated persona's network can reach on the host, as HostFence found it.
struct HostExposure
{
    QString persona;
    QString gateway;        // the network's gateway address (the host's address on it)
    QString bridge;         // the host interface holding it; empty when it is not on this host (rootless)
    bool fenced = false;    // Paddock's nftables rules hold the network to the proxy and the git transport
    QString unfencedReason; // when not fenced: why (a sentence)
    bool failed = false;    // Paddock may fence it, but nft refused (unfencedReason says what it said)
    // When not fenced: the host's other TCP ports listening where the network reaches them
    // (0.0.0.0, ::, the gateway address), besides the proxy's and the git transport's.
    QList<int> tcpPorts;
    QList<int> udpPorts; // the same for UDP sockets open to any sender (a DNS server on 0.0.0.0:53…)

    // "… reaches only the proxy (10.89.3.1:3128) and the git transport …", or the exposed ports and why.
    QString text() const;
    friend bool operator==(const HostExposure &, const HostExposure &) = default;
};

// Holds each isolated persona's network to the two host services meant for it, the egress proxy
// (gateway:EgressProxyPort) and the git transport (gateway:GitTransport::DefaultPort).
//
// Where Paddock may (root or CAP_NET_ADMIN) and the network's bridge is an interface of this host
// (a rootful engine), it keeps an nftables table of its own, `inet paddock`: packets coming in
// from a fenced bridge are accepted when they belong to a connection already made, or are TCP to
// the gateway address on those two ports, and dropped otherwise (any other port, UDP, ICMP, IPv6
// link-local, and anything to be forwarded elsewhere). The rules name the bridge by its interface
// index, not its name: netavark deletes a network's bridge when its last container stops and makes
// it anew (a new index) at the next start, and a network removed behind Paddock's back gives its
// name to the next one made, so a rule left behind matches nothing instead of another network.
// fence() is therefore called at every start. The table is written whole, in one nft transaction,
// each time a persona is fenced or released (rules whose bridge is gone are left out), so that it
// never holds half a rule set and a restart converges. Netavark keeps its own table (`inet netavark`, or
// iptables): neither touches the other's, and a drop in either is final.
//
// Otherwise it reports which other host TCP ports that network can reach (from /proc/net/tcp and
// tcp6), so that the user hears about it. Thread-safe: nft runs in the calling thread (a few
// milliseconds), so call it off the runtime's main thread.
class HostFence final
{
    Q_DISABLE_COPY_MOVE(HostFence)

public:
    struct Options
    {
        bool enabled = true; // false: never touch nftables, only report
        QString nft = QStringLiteral("nft");
        QString table = QStringLiteral("paddock"); // in the inet family
        QString procNet = QStringLiteral("/proc/net");
    };
    explicit HostFence(Options options);
    ~HostFence();

    // Fences the persona's network (gateway = its gateway address), or finds out what it exposes.
    // `rootlessEngine`: the engine's networks live in a namespace of their own, not on this host.
    // Its rules are replaced when the bridge or the gateway changed; an error only when the rules
    // could not be written although Paddock may (the exposure then says so too).
    Result<HostExposure> fence(const QString &persona, const QString &gateway, bool rootlessEngine);
    // Removes the persona's rules (its container ended); nothing when there are none. What fence()
    // found stays readable (exposure), until forget().
    Result<void> release(const QString &persona);
    // Its rules and what was found go (its network is gone).
    Result<void> forget(const QString &persona);
    // Rewrites the table without the rules whose bridge is gone (its containers stopped), if any.
    Result<void> prune();
    // What fence() found, with the listening ports read now; nullopt for a persona never fenced.
    std::optional<HostExposure> exposure(const QString &persona) const;

    // The host interface holding `address` (getifaddrs), or empty.
    static QString interfaceWithAddress(const QString &address);
    // Whether this process may change the host's nftables (root, or CAP_NET_ADMIN in effect).
    static bool mayChangeFirewall();
    // The nft script that makes the table hold exactly these bridges (persona and bridge names go
    // into comments). No bridges: the script removes the table.
    struct Rule
    {
        QString persona;
        QString bridge;     // its name, for the comment
        unsigned index = 0; // its interface index, which the rules match
        QString gateway;
    };
    static QByteArray ruleset(const QString &table, const QList<Rule> &rules);
    // Listening TCP ports in `procNet`/tcp and tcp6 (udp: unconnected UDP sockets in udp and udp6)
    // that a peer on the gateway's network can reach: bound to the wildcard address or to
    // `gateway`, other than `except`. Sorted, without repeats.
    enum class Protocol { Tcp, Udp };
    static QList<int> reachablePorts(const QString &procNet, const QString &gateway, const QList<int> &except,
                                     Protocol protocol = Protocol::Tcp);

private:
    Result<void> apply(const QList<Rule> &rules); // with m_mutex held

    Options m_options;
    mutable QMutex m_mutex;
    QMap<QString, HostExposure> m_exposures; // persona → what fence() found
    QMap<QString, Rule> m_rules;             // persona → its rules in the table
};

} // namespace paddock
