#pragma once

#include "relay/Fd.h"

#include <sys/un.h>

#include <cerrno>
#include <cstdint>
#include <expected>
#include <string>

// The few socket operations the relay needs. Every socket is nonblocking and close-on-exec, so a
// command the relay execs never inherits one.
namespace paddock::relay {

// A nonblocking call that has nothing to do now.
inline bool wouldBlock(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK;
}

// strerror(err), for messages.
std::string errorText(int err);

// The address of a Unix socket path, or why it cannot be one (too long for sun_path).
std::expected<sockaddr_un, std::string> unixAddress(const std::string &path);

// Listens on 127.0.0.1:port (SO_REUSEADDR).
std::expected<Fd, std::string> listenTcp(std::uint16_t port);

// Listens on a Unix socket at `path`, replacing a stale socket left there (never another kind of
// file), readable and writable by everyone: the host side that connects may have another uid.
std::expected<Fd, std::string> listenUnix(const std::string &path);

// A connection being made. `inProgress`: wait for the socket to become writable, then read
// SO_ERROR (connectResult).
struct Connecting
{
    Fd fd;
    bool inProgress = false;
};

// The error is an errno value (EAGAIN from a Unix socket means its backlog is full: try again).
std::expected<Connecting, int> connectTcp(std::uint16_t port);
std::expected<Connecting, int> connectUnix(const sockaddr_un &address);

// The outcome of a connection that was in progress: 0 or an errno value.
int connectResult(int fd);

} // namespace paddock::relay
