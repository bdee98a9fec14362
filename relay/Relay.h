#pragma once

#include "relay/Fd.h"

#include <sys/un.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace paddock::relay {

// The relay's event loop: listening sockets, and for each accepted connection a new connection to
// the listener's target, with the bytes moved both ways by two Pumps. One thread and one epoll set
// for every connection. A target that cannot be reached closes the accepted connection: nothing
// else is ever tried. Beyond maxConnections, new connections are accepted and closed at once.
//
// Listen on the thread that will call run(), or before fork() in the process that will.
class Relay final
{
public:
    explicit Relay(std::size_t maxConnections = 4096);
    ~Relay();
    Relay(const Relay &) = delete;
    Relay &operator=(const Relay &) = delete;

    // Binds 127.0.0.1:port now; each connection to it is relayed to the Unix socket unixPath.
    std::expected<void, std::string> listenTcpToUnix(std::uint16_t port, const std::string &unixPath);
    // Listens on the Unix socket unixPath now; each connection is relayed to 127.0.0.1:port.
    std::expected<void, std::string> listenUnixToTcp(const std::string &unixPath, std::uint16_t port);

    bool listening() const { return !m_listeners.empty(); }

    // Relays until SIGTERM or SIGINT. Returns the process exit code: 0 after a signal, 1 when the
    // loop itself cannot go on (reported on stderr).
    int run();

private:
    using Clock = std::chrono::steady_clock;
    struct Watched;
    struct Listener;
    struct Side;
    struct Connection;

    void accept(Listener &listener);
    void startConnection(Listener &listener, Fd client);
    void connectTarget(Connection &connection);
    void onEvent(Watched &watched, std::uint32_t events);
    void open(Connection &connection);
    void pump(Connection &connection);
    void close(Connection &connection);
    bool watch(Watched &watched, int fd, std::uint32_t &registered, std::uint32_t wanted);
    bool watchSide(Side &side);
    void queue(Connection &connection);
    void runReady();
    void runTimers();
    int timeoutMs() const;
    void reportUnreachable(Listener &listener, int err);

    std::size_t m_maxConnections;
    Fd m_epoll;
    std::vector<std::unique_ptr<Listener>> m_listeners;
    std::list<Connection> m_connections;
    std::list<Connection> m_closed; // freed after each batch of events, which may still name them
    std::vector<Connection *> m_retrying;
    std::vector<Connection *> m_ready;   // to pump after this batch of events
    std::vector<Connection *> m_pumping; // m_ready, being pumped
    bool m_reportedFull = false;
};

} // namespace paddock::relay
