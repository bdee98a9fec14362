#pragma once

// Internal to the egress proxy: what EgressProxy and its workers share.

#include "proxy/EgressProxy.h"
#include "proxy/LocalNames.h"
#include "proxy/ProxyPersonaState.h"
#include "proxy/Resolver.h"
#include "proxy/SocketAddress.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace paddock {

// A listening socket, shared by the workers (each has it in its epoll set, EPOLLEXCLUSIVE: one is
// woken per connection); closed when the last worker lets go of it.
struct ListenSocket
{
    quint64 id = 0;
    int fd = -1;
    QString persona;
    IpAddress address; // a TCP listener's (loopback, paddockctl proxy listen)
    int port = 0;
    QString path;    // a Unix socket's (an isolated persona's egress socket): the persona is the socket's
    ino_t inode = 0; // the socket file's, to tell whether it is still the one at `path`
    ListenSocket() = default;
    ListenSocket(const ListenSocket &) = delete;
    ListenSocket &operator=(const ListenSocket &) = delete;
    ~ListenSocket()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// The proxy as its workers see it: what is set before they start (options, resolver, upstream,
// local names), and its personas and listeners under `mutex`.
struct ProxyShared
{
    explicit ProxyShared(EgressProxy::Options o)
        : options(std::move(o))
        , resolver(options.resolver)
    {}

    EgressProxy::Options options;
    Resolver resolver;
    QString upstreamHost;
    int upstreamPort = 0;
    LocalNames localNames; // with an upstream: checked here, not left to it (set before the workers)

    mutable QMutex mutex; // guards what follows
    QHash<QString, std::shared_ptr<ProxyPersonaState>> personas;
    std::vector<std::shared_ptr<ListenSocket>> listeners;

    std::shared_ptr<ProxyPersonaState> persona(const QString &name) const
    {
        QMutexLocker lock(&mutex);
        return personas.value(name);
    }
    // The proxy's own listening addresses (never a destination).
    bool isSelf(const IpAddress &a, int port, const std::function<bool(const IpAddress &)> &isHost) const
    {
        QMutexLocker lock(&mutex);
        for (const auto &l : listeners)
            if (l->path.isEmpty() && l->port == port &&
                (sameAddress(l->address, a) ||
                 (isUnspecified(l->address) && (isHost(a) || !AddressGuard::refusal(a).isEmpty()))))
                return true;
        return false;
    }
};

} // namespace paddock
