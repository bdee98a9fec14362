#include "proxy/SocketAddress.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace paddock {

SockAddr toSockAddr(const IpAddress &address, int port)
{
    SockAddr out;
    if (address.v6) {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(quint16(port));
        std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
        out.length = sizeof(sockaddr_in6);
    } else {
        auto *sin = reinterpret_cast<sockaddr_in *>(&out.storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(quint16(port));
        sin->sin_addr.s_addr = htonl(address.v4Value());
        out.length = sizeof(sockaddr_in);
    }
    return out;
}

IpAddress fromSockAddr(const sockaddr *sa, int *port)
{
    IpAddress a;
    if (sa->sa_family == AF_INET6) {
        const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        a.v6 = true;
        std::memcpy(a.bytes.data(), &sin6->sin6_addr, 16);
        if (port)
            *port = ntohs(sin6->sin6_port);
    } else {
        const auto *sin = reinterpret_cast<const sockaddr_in *>(sa);
        a = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
        if (port)
            *port = ntohs(sin->sin_port);
    }
    return a;
}

QString hostPort(const QString &host, int port)
{
    return host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port)
                               : QStringLiteral("%1:%2").arg(host).arg(port);
}

} // namespace paddock
