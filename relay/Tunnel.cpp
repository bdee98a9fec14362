#include "relay/Tunnel.h"

#include "relay/Fd.h"
#include "relay/ProxyHandshake.h"
#include "relay/Report.h"
#include "relay/Sockets.h"

#include <limits.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <vector>

namespace paddock::relay {

namespace {

constexpr std::size_t kBufferSize = 64 * 1024;

bool sendAll(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Bytes waiting to be written, and whether their source has ended.
struct Direction
{
    std::vector<char> buffer = std::vector<char>(kBufferSize);
    std::size_t begin = 0;
    std::size_t end = 0;
    bool sourceEnded = false;
    bool done = false;
    bool hasBytes() const { return begin < end; }
};

// Reads once from a readable fd into an empty direction: false on an error (errno set).
bool readInto(Direction &d, int fd, bool socket)
{
    const ssize_t n = socket ? ::recv(fd, d.buffer.data(), d.buffer.size(), MSG_DONTWAIT)
                             : ::read(fd, d.buffer.data(), d.buffer.size());
    if (n < 0)
        return errno == EINTR || wouldBlock(errno);
    d.begin = 0;
    d.end = static_cast<std::size_t>(n);
    d.sourceEnded = n == 0;
    return true;
}

// Writes once to a writable fd. stdout may be a blocking pipe shared with others: no more than
// PIPE_BUF at a time, which a pipe that polled writable takes without blocking.
bool writeFrom(Direction &d, int fd, bool socket)
{
    const std::size_t size = socket ? d.end - d.begin : std::min<std::size_t>(d.end - d.begin, PIPE_BUF);
    const ssize_t n = socket ? ::send(fd, d.buffer.data() + d.begin, size, MSG_NOSIGNAL | MSG_DONTWAIT)
                             : ::write(fd, d.buffer.data() + d.begin, size);
    if (n < 0)
        return errno == EINTR || wouldBlock(errno);
    d.begin += static_cast<std::size_t>(n);
    return true;
}

// stdin to the socket and the socket to stdout, each EOF passed on (shutdown of the socket's
// writing, stdout closed), until both have ended. stdin and stdout stay as they are (blocking):
// they may be shared with the process that started this one.
int relayStdio(int socket, std::string_view early, const std::string &target)
{
    Direction up;   // stdin to the socket
    Direction down; // the socket to stdout
    down.buffer.assign(early.begin(), early.end());
    down.buffer.resize(std::max(down.buffer.size(), kBufferSize));
    down.end = early.size();
    while (!up.done || !down.done) {
        pollfd fds[3] = {{STDIN_FILENO, 0, 0}, {socket, 0, 0}, {STDOUT_FILENO, 0, 0}};
        if (!up.done && !up.sourceEnded && !up.hasBytes())
            fds[0].events = POLLIN;
        if (!down.done && !down.sourceEnded && !down.hasBytes())
            fds[1].events |= POLLIN;
        if (!up.done && up.hasBytes())
            fds[1].events |= POLLOUT;
        if (!down.done && down.hasBytes())
            fds[2].events = POLLOUT;
        for (pollfd &fd : fds) {
            if (fd.events == 0)
                fd.fd = -1; // not watched: a closed stdin or stdout reports POLLHUP otherwise
        }
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            report("the tunnel to " + target + " failed: " + errorText(errno));
            return 1;
        }
        bool ok = true;
        // An error or a hang-up is found out by the read or write that it makes fail or return 0.
        if (fds[0].revents & POLLNVAL)
            up.sourceEnded = true; // no stdin at all
        else if (fds[0].revents)
            ok = readInto(up, STDIN_FILENO, false);
        if (ok && up.hasBytes() && fds[1].revents && !writeFrom(up, socket, true)) {
            ok = errno == EPIPE;
            up.done = true; // the far end reads no more
        }
        if (ok && !down.hasBytes() && !down.sourceEnded && fds[1].revents)
            ok = readInto(down, socket, true);
        if (ok && down.hasBytes() && fds[2].revents &&
            ((fds[2].revents & POLLNVAL) || !writeFrom(down, STDOUT_FILENO, false))) {
            ok = errno == EPIPE || (fds[2].revents & POLLNVAL);
            down.done = true; // whoever read stdout is gone
        }
        if (!ok) {
            report("the tunnel to " + target + " failed: " + errorText(errno));
            return 1;
        }
        if (!up.done && up.sourceEnded && !up.hasBytes()) {
            ::shutdown(socket, SHUT_WR);
            up.done = true;
        }
        if (!down.done && down.sourceEnded && !down.hasBytes()) {
            ::close(STDOUT_FILENO);
            down.done = true;
        }
    }
    return 0;
}

} // namespace

int runConnect(const ConnectOptions &options)
{
    std::signal(SIGPIPE, SIG_IGN);
    const std::string target = authority(options.host, options.port);
    const auto address = unixAddress(options.socket);
    if (!address) {
        report(address.error());
        return 1;
    }
    Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.valid() ||
        ::connect(socket.get(), reinterpret_cast<const sockaddr *>(&*address), sizeof *address) < 0) {
        report("cannot reach the egress proxy at " + options.socket + ": " + errorText(errno));
        return 1;
    }
    if (!sendAll(socket.get(), connectRequest(options.host, options.port))) {
        report("the egress proxy at " + options.socket + " closed the connection: " + errorText(errno));
        return 1;
    }

    std::string received;
    std::optional<std::size_t> headEnd;
    while (!(headEnd = responseHeadEnd(received))) {
        if (received.size() > kMaxResponseHead) {
            report("the egress proxy's answer to CONNECT " + target + " has a head longer than 16 KiB");
            return 1;
        }
        char chunk[4096];
        const ssize_t n = ::recv(socket.get(), chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            report("the egress proxy closed the connection before answering CONNECT " + target +
                   (n < 0 ? ": " + errorText(errno) : std::string{}));
            return 1;
        }
        received.append(chunk, static_cast<std::size_t>(n));
    }
    if (*headEnd > kMaxResponseHead) {
        report("the egress proxy's answer to CONNECT " + target + " has a head longer than 16 KiB");
        return 1;
    }
    const auto head = parseResponseHead(std::string_view{received}.substr(0, *headEnd));
    if (!head) {
        report(head.error());
        return 1;
    }
    if (head->status < 200 || head->status > 299) {
        report("the egress proxy refused " + target + ": " + head->statusLine +
               (head->paddockReason.empty() ? std::string{} : " (" + head->paddockReason + ")"));
        return 1;
    }
    return relayStdio(socket.get(), std::string_view{received}.substr(*headEnd), target);
}

} // namespace paddock::relay
