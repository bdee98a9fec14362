#pragma once

#include "proxy/AddressGuard.h"

#include <QString>

#include <algorithm>

#include <sys/socket.h>

namespace paddock {

// A socket address for connect() and bind().
struct SockAddr
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
};

SockAddr toSockAddr(const IpAddress &address, int port);
// The address of an AF_INET or AF_INET6 socket address, and its port when asked.
IpAddress fromSockAddr(const sockaddr *sa, int *port);

// "host:port", an IPv6 address in brackets.
QString hostPort(const QString &host, int port);

inline bool sameAddress(const IpAddress &a, const IpAddress &b)
{
    return a.v6 == b.v6 && (a.v6 ? a.bytes == b.bytes : a.v4Value() == b.v4Value());
}

inline bool isUnspecified(const IpAddress &a)
{
    return std::all_of(a.bytes.begin(), a.bytes.begin() + (a.v6 ? 16 : 4), [](auto b) { return b == 0; });
}

} // namespace paddock
