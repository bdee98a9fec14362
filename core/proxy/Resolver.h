#pragma once

#include "common/Error.h"
#include "proxy/AddressGuard.h"

#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace paddock {

// The egress proxy's name resolution: c-ares on a thread of its own, so that a slow or silent
// DNS server never holds up the proxy, with one deadline for the whole lookup. Reads /etc/hosts
// and the system's resolv.conf unless given servers of its own (tests run a DNS server).
class Resolver final
{
public:
    struct Options
    {
        std::chrono::milliseconds timeout{5000};
        // "127.0.0.1:5353,[::1]:53" (c-ares' CSV form); empty: the system's servers.
        QString servers;
    };
    using Addresses = std::vector<IpAddress>;
    // Runs on the resolver's thread: marshal to your own.
    using Callback = std::function<void(Result<Addresses>)>;

    explicit Resolver(Options options);
    ~Resolver();
    Resolver(const Resolver &) = delete;
    Resolver &operator=(const Resolver &) = delete;

    Result<void> start();
    // Cancels what is pending (each callback runs now, with an error) and stops.
    void stop();
    // IPv4 and IPv6 addresses of `name`, in the resolver's order.
    void resolve(const QString &name, Callback callback);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    Options m_options;
};

} // namespace paddock
