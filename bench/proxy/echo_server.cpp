#include "echo_server.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace paddock::bench {

namespace {
constexpr std::size_t BufferSize = 256 * 1024;

std::uint64_t littleEndian64(const unsigned char *p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}
} // namespace

int listenOn(const char *host, std::uint16_t port, std::string &error)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, host, &a.sin_addr);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) {
        error = std::string("cannot listen on ") + host + ':' + std::to_string(port) + ": " +
                std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

std::uint16_t localPort(int fd)
{
    sockaddr_in a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
    return ntohs(a.sin_port);
}

EchoServer::~EchoServer()
{
    stop();
}

bool EchoServer::start(std::string &error, std::uint16_t port)
{
    m_listener = listenOn("127.0.0.1", port, error);
    if (m_listener < 0)
        return false;
    m_port = localPort(m_listener);
    m_decoyOtherPort = listenOn("127.0.0.1", 0, error);
    if (m_decoyOtherPort < 0)
        return false;
    m_decoyPort = localPort(m_decoyOtherPort);
    std::string ignored; // without 127.0.0.2 the other-host check is left out, and says so
    m_decoyHost = listenOn("127.0.0.2", m_port, ignored);

    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll < 0 || m_wake < 0) {
        error = std::string("epoll: ") + std::strerror(errno);
        return false;
    }
    for (int fd : {m_listener, m_decoyOtherPort, m_decoyHost, m_wake}) {
        if (fd < 0)
            continue;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
    }
    m_buffer.assign(BufferSize, 'x');
    m_thread = std::thread([this] { run(); });
    return true;
}

void EchoServer::stop()
{
    if (m_thread.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(m_wake, &one, sizeof one);
        m_thread.join();
    }
    for (Connection &c : m_connections)
        if (c.fd >= 0)
            drop(c);
    for (int *fd : {&m_listener, &m_decoyOtherPort, &m_decoyHost, &m_wake, &m_epoll})
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
}

void EchoServer::run()
{
    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(m_epoll, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == m_wake)
                return;
            if (fd == m_listener || fd == m_decoyOtherPort || fd == m_decoyHost) {
                acceptFrom(fd);
                continue;
            }
            Connection &c = m_connections[std::size_t(fd)];
            if (c.fd < 0)
                continue;
            if (events[i].events & (EPOLLERR | EPOLLHUP)) {
                drop(c);
                continue;
            }
            if (events[i].events & EPOLLOUT)
                onWritable(c);
            if (c.fd >= 0 && (events[i].events & EPOLLIN))
                onReadable(c);
        }
    }
}

void EchoServer::acceptFrom(int listener)
{
    for (;;) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; // EAGAIN, or out of descriptors: the client sees it as a timeout
        if (listener != m_listener)
            ++m_decoyAccepted;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (std::size_t(fd) >= m_connections.size())
            m_connections.resize(std::size_t(fd) + 1024);
        Connection &c = m_connections[std::size_t(fd)];
        c = Connection{};
        c.fd = fd;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
    }
}

void EchoServer::watch(Connection &c, std::uint32_t events)
{
    epoll_event e{};
    e.events = events;
    e.data.fd = c.fd;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &e);
}

void EchoServer::drop(Connection &c)
{
    ::close(c.fd); // closing removes it from the epoll set
    c = Connection{};
}

void EchoServer::onReadable(Connection &c)
{
    const ssize_t n = ::read(c.fd, m_buffer.data(), m_buffer.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        drop(c);
        return;
    }
    std::size_t at = 0;
    const auto got = std::size_t(n);
    if (c.mode == 0)
        c.mode = (m_buffer[0] == 'S' || m_buffer[0] == 'G' || m_buffer[0] == 'L') ? m_buffer[0] : 'E';
    if (c.mode == 'E' || c.mode == 'L') {
        std::size_t echo = got;
        if (c.mode == 'L')
            if (const void *end = std::memchr(m_buffer.data(), '\n', got)) {
                echo = std::size_t(static_cast<const char *>(end) - m_buffer.data()) + 1;
                c.closeWhenSent = true;
            }
        const ssize_t w = ::send(c.fd, m_buffer.data(), echo, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
            drop(c);
            return;
        }
        const std::size_t sent = w < 0 ? 0 : std::size_t(w);
        if (sent < echo) { // stop reading until the client takes what it sent
            c.pending.assign(m_buffer.data() + sent, echo - sent);
            c.pendingAt = 0;
            watch(c, EPOLLOUT);
        } else if (c.closeWhenSent) {
            drop(c);
        }
        return;
    }
    while (c.headerLength < 9 && at < got)
        c.header[c.headerLength++] = static_cast<unsigned char>(m_buffer[at++]);
    if (c.headerLength < 9)
        return;
    if (!c.lengthTaken) {
        c.remaining = littleEndian64(c.header + 1);
        c.lengthTaken = true;
        if (c.mode == 'G') {
            watch(c, EPOLLIN | EPOLLOUT);
            return;
        }
    }
    if (c.mode == 'S' && c.remaining > 0) {
        const std::uint64_t taken = std::min<std::uint64_t>(c.remaining, got - at);
        c.remaining -= taken;
        if (c.remaining == 0) {
            const char ack = 'k';
            if (::send(c.fd, &ack, 1, MSG_NOSIGNAL) != 1)
                drop(c);
        }
    }
}

void EchoServer::onWritable(Connection &c)
{
    if (c.mode == 'E' || c.mode == 'L') {
        const ssize_t w =
            ::send(c.fd, c.pending.data() + c.pendingAt, c.pending.size() - c.pendingAt, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
            drop(c);
            return;
        }
        c.pendingAt += w < 0 ? 0 : std::size_t(w);
        if (c.pendingAt == c.pending.size()) {
            if (c.closeWhenSent) {
                drop(c);
                return;
            }
            c.pending.clear();
            c.pendingAt = 0;
            watch(c, EPOLLIN);
        }
        return;
    }
    if (c.mode == 'G' && c.remaining > 0) {
        const std::size_t chunk = std::size_t(std::min<std::uint64_t>(c.remaining, m_buffer.size()));
        const ssize_t w = ::send(c.fd, m_buffer.data(), chunk, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
            drop(c);
            return;
        }
        c.remaining -= w < 0 ? 0 : std::uint64_t(w);
        if (c.remaining == 0)
            watch(c, EPOLLIN); // all sent: wait for the client to close
    }
}

} // namespace paddock::bench
