#include "load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

namespace paddock::bench {

namespace {
using Clock = std::chrono::steady_clock;

enum class Failure { Refused, Status, Reset, Timeout, Other };

void count(Errors &errors, Failure kind, int status, const std::string &what)
{
    switch (kind) {
    case Failure::Refused:
        ++errors.refused;
        break;
    case Failure::Status:
        ++errors.status;
        ++errors.statuses[status];
        break;
    case Failure::Reset:
        ++errors.reset;
        break;
    case Failure::Timeout:
        ++errors.timeout;
        break;
    case Failure::Other:
        ++errors.other;
        break;
    }
    if (errors.first.empty())
        errors.first = what;
}

sockaddr_in socketAddress(const Endpoint &e)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(e.port);
    ::inet_pton(AF_INET, e.host.c_str(), &a.sin_addr);
    return a;
}

std::string connectRequest(const Endpoint &to)
{
    return "CONNECT " + to.text() + " HTTP/1.1\r\nHost: " + to.text() + "\r\n\r\n";
}

// The status of an answer head ("HTTP/1.1 200 Connection established"), or 0 when it is not one.
int statusOf(const std::string &head)
{
    if (head.size() < 12 || head.compare(0, 7, "HTTP/1.") != 0 || head[8] != ' ')
        return 0;
    int status = 0;
    const auto [end, ec] = std::from_chars(head.data() + 9, head.data() + 12, status);
    return ec == std::errc{} && end == head.data() + 12 ? status : 0;
}

std::string firstLine(const std::string &head)
{
    return head.substr(0, std::min(head.find("\r\n"), std::size_t(120)));
}

// A set of clients on one epoll: each slot runs exchanges one after another.
class Clients final
{
public:
    Clients(const Exchange &exchange, int slots)
        : m_exchange(exchange)
        , m_request(exchange.tunnelTo ? connectRequest(*exchange.tunnelTo) : std::string())
        , m_slots(std::size_t(slots))
        , m_epoll(::epoll_create1(EPOLL_CLOEXEC))
    {}
    ~Clients()
    {
        for (Slot &s : m_slots)
            if (s.fd >= 0)
                ::close(s.fd);
        ::close(m_epoll);
    }
    Clients(const Clients &) = delete;
    Clients &operator=(const Clients &) = delete;

    // Exchanges until `end`; those still under way then are left out.
    void runFor(Clock::time_point end)
    {
        m_end = end;
        const auto now = Clock::now();
        m_due.assign(m_slots.size(), now);
        for (std::size_t i = 0; i < m_slots.size(); ++i)
            m_due[i] += m_exchange.every * std::int64_t(i) / std::int64_t(m_slots.size());
        loop([&] { return Clock::now() < m_end; });
    }

    // Tunnels held after their 200, `count` attempts in all.
    std::vector<int> hold(int count)
    {
        m_holding = true;
        m_attemptsLeft = count;
        m_end = Clock::time_point::max();
        loop([&] { return m_attemptsLeft > 0 || busy(); });
        return std::move(m_held);
    }

    LoadResult result;

private:
    enum class Step { Connecting, Head, Echo, Closing };
    struct Slot
    {
        int fd = -1;
        Step step = Step::Connecting;
        Clock::time_point started, deadline;
        std::string in;
    };

    template <typename Going> void loop(Going going)
    {
        epoll_event events[256];
        while (going()) {
            // A slot whose exchange ended starts the next one here, not from within its handler:
            // a connect that fails at once must not recurse, and waits for the next round.
            for (std::size_t i = 0; i < m_slots.size(); ++i)
                if (m_slots[i].fd < 0)
                    begin(i);
            const int n = ::epoll_pwait2(m_epoll, events, 256, waitFor(), nullptr);
            for (int i = 0; i < n; ++i)
                onEvent(events[i].data.u32, events[i].events);
            const auto now = Clock::now();
            for (std::size_t i = 0; i < m_slots.size(); ++i)
                if (m_slots[i].fd >= 0 && now > m_slots[i].deadline)
                    fail(i, Failure::Timeout, 0,
                         m_slots[i].step == Step::Connecting ? "no connection within the timeout"
                         : m_slots[i].step == Step::Head     ? "no answer to CONNECT within the timeout"
                         : m_slots[i].step == Step::Echo     ? "no echo within the timeout"
                                                         : "not closed after the echo within the timeout");
        }
    }

    // Until the next paced start is due (at most 5 ms).
    timespec wait = {};
    const timespec *waitFor()
    {
        auto until = std::chrono::nanoseconds(5'000'000);
        if (m_exchange.every.count() > 0 && !m_holding) {
            const auto now = Clock::now();
            for (std::size_t i = 0; i < m_slots.size(); ++i)
                if (m_slots[i].fd < 0)
                    until = std::min(until, std::max(std::chrono::nanoseconds(0),
                                                     std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                         m_due[i] - now)));
        }
        wait.tv_sec = 0;
        wait.tv_nsec = long(until.count());
        return &wait;
    }

    bool busy() const
    {
        return std::any_of(m_slots.begin(), m_slots.end(), [](const Slot &s) { return s.fd >= 0; });
    }

    void begin(std::size_t i)
    {
        Slot &s = m_slots[i];
        if (Clock::now() >= m_end || (m_holding && m_attemptsLeft <= 0))
            return;
        const bool paced = m_exchange.every.count() > 0 && !m_holding;
        if (paced && Clock::now() < m_due[i])
            return;
        if (m_holding)
            --m_attemptsLeft;
        s = Slot{};
        s.started = Clock::now();
        if (paced) {
            s.started = m_due[i]; // a late start is the latency's too
            m_due[i] += m_exchange.every;
        }
        s.deadline = s.started + m_exchange.timeout;
        s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s.fd < 0) {
            count(result.errors, Failure::Other, 0, std::string("socket: ") + std::strerror(errno));
            return;
        }
        const int one = 1;
        ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const sockaddr_in a = socketAddress(m_exchange.target);
        if (::connect(s.fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
            const int e = errno;
            fail(i, e == ECONNREFUSED ? Failure::Refused : Failure::Other, 0,
                 "connect to " + m_exchange.target.text() + ": " + std::strerror(e));
            return;
        }
        epoll_event e{};
        e.events = EPOLLOUT;
        e.data.u32 = std::uint32_t(i);
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, s.fd, &e);
    }

    void close(Slot &s)
    {
        ::close(s.fd);
        s.fd = -1;
    }

    void fail(std::size_t i, Failure kind, int status, const std::string &what)
    {
        Slot &s = m_slots[i];
        if (s.fd >= 0)
            close(s);
        count(result.errors, kind, status, what);
    }

    bool send(std::size_t i, const std::string &bytes)
    {
        // A few dozen bytes into an empty socket buffer: all or nothing.
        const ssize_t w = ::send(m_slots[i].fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (w == ssize_t(bytes.size()))
            return true;
        const int e = errno;
        fail(i, w < 0 && (e == EPIPE || e == ECONNRESET) ? Failure::Reset : Failure::Other, 0,
             w < 0 ? std::string("send: ") + std::strerror(e) : std::string("short send"));
        return false;
    }

    void onEvent(std::uint32_t i, std::uint32_t events)
    {
        Slot &s = m_slots[i];
        if (s.fd < 0)
            return;
        if (s.step == Step::Connecting) {
            int err = 0;
            socklen_t length = sizeof err;
            ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &length);
            if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
                fail(i, err == ECONNREFUSED ? Failure::Refused : Failure::Reset, 0,
                     "connect to " + m_exchange.target.text() + ": " + std::strerror(err ? err : ECONNRESET));
                return;
            }
            if (!send(i, m_exchange.tunnelTo ? m_request : m_exchange.payload))
                return;
            s.step = m_exchange.tunnelTo ? Step::Head : Step::Echo;
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.u32 = i;
            ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, s.fd, &e);
            return;
        }
        char buffer[4096];
        const ssize_t n = ::read(s.fd, buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n == 0 && s.step == Step::Closing) { // the server closed first, as it does after an echo
            close(s);
            if (Clock::now() < m_end)
                ++result.completed;
            return;
        }
        if (n <= 0) {
            const std::string why = n == 0 ? std::string("closed") : std::strerror(errno);
            fail(i, Failure::Reset, 0,
                 (s.step == Step::Head ? "before answering CONNECT: " : "before the echo was back: ") + why);
            return;
        }
        s.in.append(buffer, std::size_t(n));
        if (s.step == Step::Head) {
            const std::size_t end = s.in.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (s.in.size() > 65536)
                    fail(i, Failure::Other, 0, "an answer head over 64 KB");
                return;
            }
            const int status = statusOf(s.in);
            if (status != 200) {
                fail(i, Failure::Status, status, "CONNECT answered: " + firstLine(s.in));
                return;
            }
            if (s.in.size() > end + 4) {
                fail(i, Failure::Other, 0, "bytes after the 200 answer before any were sent");
                return;
            }
            if (m_holding) {
                ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, s.fd, nullptr);
                m_held.push_back(s.fd);
                s.fd = -1;
                ++result.completed;
                return;
            }
            s.in.clear();
            if (!send(i, m_exchange.payload))
                return;
            s.step = Step::Echo;
            return;
        }
        const std::string &payload = m_exchange.payload;
        if (s.step == Step::Closing || s.in.size() > payload.size() ||
            s.in.compare(0, s.in.size(), payload, 0, s.in.size()) != 0) {
            fail(i, Failure::Other, 0, "the echo differs from what was sent");
            return;
        }
        if (s.in.size() < payload.size())
            return;
        // The echo is back (the latency); the exchange is done when the close has come through too.
        const auto done = Clock::now();
        if (done < m_end)
            result.latencyNs.push_back(
                std::chrono::duration_cast<std::chrono::nanoseconds>(done - s.started).count());
        s.step = Step::Closing;
    }

    const Exchange &m_exchange;
    const std::string m_request;
    std::vector<Slot> m_slots;
    int m_epoll;
    Clock::time_point m_end;
    bool m_holding = false;
    int m_attemptsLeft = 0;
    std::vector<Clock::time_point> m_due; // paced: when each slot's next exchange starts
    std::vector<int> m_held;
};

bool sendAll(int fd, const char *data, std::size_t size)
{
    while (size > 0) {
        const ssize_t w = ::send(fd, data, size, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        size -= std::size_t(w);
    }
    return true;
}

std::string lengthHeader(char mode, std::uint64_t bytes)
{
    std::string h(1, mode);
    for (int i = 0; i < 8; ++i)
        h += char((bytes >> (8 * i)) & 0xff);
    return h;
}

double megabytesPerSecond(std::uint64_t bytes, Clock::time_point start)
{
    return double(bytes) / 1e6 / std::chrono::duration<double>(Clock::now() - start).count();
}
} // namespace

std::optional<Endpoint> parseEndpoint(const std::string &text)
{
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos)
        return std::nullopt;
    Endpoint e;
    e.host = text.substr(0, colon);
    in_addr ignored{};
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
    if (::inet_pton(AF_INET, e.host.c_str(), &ignored) != 1 || ec != std::errc{} ||
        end != text.data() + text.size() || port == 0 || port > 65535)
        return std::nullopt;
    e.port = std::uint16_t(port);
    return e;
}

std::string linePayload(int bytes)
{
    return 'L' + std::string(std::size_t(std::max(0, bytes - 2)), 'p') + '\n';
}

void Errors::add(const Errors &o)
{
    refused += o.refused;
    status += o.status;
    reset += o.reset;
    timeout += o.timeout;
    other += o.other;
    for (const auto &[code, n] : o.statuses)
        statuses[code] += n;
    if (first.empty())
        first = o.first;
}

std::string Errors::summary() const
{
    if (total() == 0)
        return "0";
    std::string parts;
    auto part = [&](const std::string &text) { parts += (parts.empty() ? "" : ", ") + text; };
    for (const auto &[code, n] : statuses)
        part((code ? std::to_string(code) : std::string("no status")) + " x" + std::to_string(n));
    for (const auto &[name, n] : {std::pair{"refused", refused}, std::pair{"reset", reset},
                                  std::pair{"timeout", timeout}, std::pair{"other", other}})
        if (n)
            part(std::string(name) + ' ' + std::to_string(n));
    return std::to_string(total()) + " (" + parts + "; first: " + first + ")";
}

double LoadResult::percentileMs(double q) const
{
    if (latencyNs.empty())
        return 0;
    const auto at = std::min(latencyNs.size() - 1, std::size_t(q * double(latencyNs.size())));
    return double(latencyNs[at]) / 1e6;
}

void LoadResult::add(const LoadResult &o)
{
    completed += o.completed;
    seconds += o.seconds;
    errors.add(o.errors);
    const auto middle = latencyNs.insert(latencyNs.end(), o.latencyNs.begin(), o.latencyNs.end());
    std::inplace_merge(latencyNs.begin(), middle, latencyNs.end());
}

LoadResult runLoad(const Exchange &exchange, int clients, double seconds, int threads)
{
    threads = std::clamp(threads, 1, clients);
    std::vector<std::unique_ptr<Clients>> sets;
    for (int t = 0; t < threads; ++t)
        sets.push_back(
            std::make_unique<Clients>(exchange, clients / threads + (t < clients % threads ? 1 : 0)));
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> running;
    for (auto &set : sets)
        running.emplace_back([&set, end] { set->runFor(end); });
    for (std::thread &t : running)
        t.join();
    LoadResult out;
    out.seconds = std::chrono::duration<double>(end - start).count();
    for (auto &set : sets) {
        out.completed += set->result.completed;
        out.errors.add(set->result.errors);
        out.latencyNs.insert(out.latencyNs.end(), set->result.latencyNs.begin(), set->result.latencyNs.end());
    }
    std::sort(out.latencyNs.begin(), out.latencyNs.end());
    return out;
}

std::vector<int> openTunnels(const Exchange &exchange, int count, int concurrency, Errors &errors)
{
    Clients clients(exchange, std::max(1, std::min(count, concurrency)));
    std::vector<int> held = clients.hold(count);
    errors.add(clients.result.errors);
    return held;
}

int echoOnEach(std::vector<int> &fds, std::chrono::milliseconds timeout, Errors &errors)
{
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    int waiting = 0, echoed = 0;
    for (int fd : fds) {
        if (::send(fd, "e", 1, MSG_NOSIGNAL) != 1) {
            count(errors, Failure::Reset, 0,
                  std::string("a held tunnel took no byte: ") + std::strerror(errno));
            continue;
        }
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
        ++waiting;
    }
    const auto end = Clock::now() + timeout;
    epoll_event events[256];
    while (waiting > 0 && Clock::now() < end) {
        const int n = ::epoll_wait(epoll, events, 256, 10);
        for (int i = 0; i < n; ++i) {
            char c = 0;
            const ssize_t r = ::read(events[i].data.fd, &c, 1);
            if (r < 0 && errno == EAGAIN)
                continue;
            ::epoll_ctl(epoll, EPOLL_CTL_DEL, events[i].data.fd, nullptr);
            --waiting;
            if (r == 1 && c == 'e')
                ++echoed;
            else
                count(errors, r == 1 ? Failure::Other : Failure::Reset, 0,
                      r == 1 ? "a held tunnel echoed a wrong byte" : "a held tunnel was closed");
        }
    }
    for (int k = 0; k < waiting; ++k)
        count(errors, Failure::Timeout, 0, "a held tunnel did not echo within the timeout");
    ::close(epoll);
    for (int fd : fds)
        ::close(fd);
    fds.clear();
    return echoed;
}

int openOne(const Endpoint &target, const std::optional<Endpoint> &tunnelTo, int &status, std::string &error)
{
    status = 0;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval wait{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait);
    const sockaddr_in a = socketAddress(target);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        error = "connect to " + target.text() + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    if (!tunnelTo)
        return fd;
    const std::string request = connectRequest(*tunnelTo);
    std::string head;
    char c = 0;
    // Byte by byte: nothing after the head may be taken from the tunnel.
    if (sendAll(fd, request.data(), request.size()))
        while (head.size() < 65536 && head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1)
            head += c;
    status = statusOf(head);
    if (status != 200) {
        error = head.empty() ? "no answer to CONNECT " + tunnelTo->text()
                             : "CONNECT answered: " + firstLine(head);
        ::close(fd);
        return -1;
    }
    return fd;
}

double sinkThroughput(int fd, std::uint64_t bytes, std::string &error)
{
    const std::vector<char> chunk(256 * 1024, 's');
    const auto start = Clock::now();
    const std::string header = lengthHeader('S', bytes);
    bool sent = sendAll(fd, header.data(), header.size());
    for (std::uint64_t left = bytes; sent && left > 0;) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(left, chunk.size()));
        sent = sendAll(fd, chunk.data(), n);
        left -= n;
    }
    char ack = 0;
    if (!sent || ::read(fd, &ack, 1) != 1 || ack != 'k') {
        error = std::string("the sink did not acknowledge: ") + std::strerror(errno);
        return -1;
    }
    return megabytesPerSecond(bytes, start);
}

double sourceThroughput(int fd, std::uint64_t bytes, std::string &error)
{
    std::vector<char> chunk(256 * 1024);
    const auto start = Clock::now();
    const std::string header = lengthHeader('G', bytes);
    if (!sendAll(fd, header.data(), header.size())) {
        error = std::string("send: ") + std::strerror(errno);
        return -1;
    }
    for (std::uint64_t got = 0; got < bytes;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n <= 0) {
            error = "the source's bytes stopped after " + std::to_string(got) + " of " +
                    std::to_string(bytes) +
                    (n < 0 ? std::string(": ") + std::strerror(errno) : std::string(" (closed)"));
            return -1;
        }
        got += std::uint64_t(n);
    }
    return megabytesPerSecond(bytes, start);
}

} // namespace paddock::bench
