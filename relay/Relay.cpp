#include "relay/Relay.h"

#include "relay/Pump.h"
#include "relay/Report.h"
#include "relay/Sockets.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <optional>

namespace paddock::relay {

using namespace std::chrono_literals;

namespace {

constexpr std::size_t kPumpBudget = 256 * 1024; // per direction and wakeup: fairness between connections
constexpr int kAcceptBatch = 64;
constexpr int kEventBatch = 128;
// A Unix socket whose backlog is full answers EAGAIN: the host side is busy, not gone. Tried again
// a little later, for a while.
constexpr auto kFirstRetry = 5ms;
constexpr auto kLongestRetry = 200ms;
constexpr auto kGiveUp = 10s;
// accept() without a free file descriptor: the listener rests instead of waking the loop at once.
constexpr auto kListenerRest = 100ms;

// As many file descriptors as the hard limit allows. A connection holds at most six: two sockets
// and two pipes.
std::size_t connectionsTheFileLimitAllows()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) < 0)
        return 1;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    constexpr rlim_t kReserved = 64;
    if (limit.rlim_cur == RLIM_INFINITY)
        return SIZE_MAX;
    return limit.rlim_cur > kReserved + 6 ? static_cast<std::size_t>((limit.rlim_cur - kReserved) / 6) : 1;
}

} // namespace

// What an epoll event points at.
struct Relay::Watched
{
    enum class Kind { Signal, Listener, Side };
    Kind kind;
};

struct Relay::Listener : Watched
{
    Listener()
        : Watched{Kind::Listener}
    {}
    Fd fd;
    std::string name;
    bool toUnix = false;
    sockaddr_un unixTarget{};
    std::uint16_t tcpTarget = 0;
    std::string targetName;
    std::uint32_t registered = 0;
    Clock::time_point restUntil{};
    bool reportedUnreachable = false; // until the target is reached again
    bool reportedAcceptError = false; // until a connection is accepted again
};

// One socket of a relayed connection: the accepted one or the one to the target.
struct Relay::Side : Watched
{
    Side()
        : Watched{Kind::Side}
    {}
    Connection *connection = nullptr;
    Fd fd;
    Readiness ready;
};

struct Relay::Connection
{
    enum class State { Connecting, WaitingToRetry, Open, Closed };
    Listener *listener = nullptr;
    Side client;
    Side target;
    Pump up;   // client to target
    Pump down; // target to client
    State state = State::Connecting;
    Clock::time_point retryAt{};
    Clock::time_point giveUpAt{};
    Clock::duration retryDelay = kFirstRetry;
    std::list<Connection>::iterator self;
    bool queued = false; // in m_ready
};

Relay::Relay(std::size_t maxConnections)
    : m_maxConnections(maxConnections)
{}

Relay::~Relay() = default;

std::expected<void, std::string> Relay::listenTcpToUnix(std::uint16_t port, const std::string &unixPath)
{
    const auto target = unixAddress(unixPath);
    if (!target)
        return std::unexpected(target.error());
    auto fd = listenTcp(port);
    if (!fd)
        return std::unexpected(fd.error());
    auto listener = std::make_unique<Listener>();
    listener->fd = std::move(*fd);
    listener->name = "127.0.0.1:" + std::to_string(port);
    listener->toUnix = true;
    listener->unixTarget = *target;
    listener->targetName = unixPath;
    m_listeners.push_back(std::move(listener));
    return {};
}

std::expected<void, std::string> Relay::listenUnixToTcp(const std::string &unixPath, std::uint16_t port)
{
    auto fd = listenUnix(unixPath);
    if (!fd)
        return std::unexpected(fd.error());
    auto listener = std::make_unique<Listener>();
    listener->fd = std::move(*fd);
    listener->name = unixPath;
    listener->tcpTarget = port;
    listener->targetName = "127.0.0.1:" + std::to_string(port);
    m_listeners.push_back(std::move(listener));
    return {};
}

int Relay::run()
{
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigprocmask(SIG_BLOCK, &stopSignals, nullptr);
    Fd signals(::signalfd(-1, &stopSignals, SFD_NONBLOCK | SFD_CLOEXEC));
    m_epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    Watched signalWatch{Watched::Kind::Signal};
    std::uint32_t signalRegistered = 0;
    if (!signals.valid() || !m_epoll.valid() ||
        !watch(signalWatch, signals.get(), signalRegistered, EPOLLIN)) {
        report("cannot start the event loop: " + errorText(errno));
        return 1;
    }
    for (const auto &listener : m_listeners) {
        if (!watch(*listener, listener->fd.get(), listener->registered, EPOLLIN)) {
            report("cannot watch " + listener->name + ": " + errorText(errno));
            return 1;
        }
    }
    m_maxConnections = std::min(m_maxConnections, connectionsTheFileLimitAllows());

    epoll_event events[kEventBatch];
    for (bool stop = false; !stop;) {
        const int count = ::epoll_wait(m_epoll.get(), events, kEventBatch, m_ready.empty() ? timeoutMs() : 0);
        if (count < 0 && errno != EINTR) {
            report("the event loop failed: " + errorText(errno));
            return 1;
        }
        for (int i = 0; i < count; ++i) {
            auto &watched = *static_cast<Watched *>(events[i].data.ptr);
            if (watched.kind == Watched::Kind::Signal)
                stop = true;
            else
                onEvent(watched, events[i].events);
        }
        runReady();
        runTimers();
        m_closed.clear();
    }
    return 0;
}

void Relay::onEvent(Watched &watched, std::uint32_t events)
{
    if (watched.kind == Watched::Kind::Listener) {
        accept(static_cast<Listener &>(watched));
        return;
    }
    Side &side = static_cast<Side &>(watched);
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        side.ready.readable = true;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        side.ready.peerClosed = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        side.ready.writable = true;
    Connection &connection = *side.connection;
    switch (connection.state) {
    case Connection::State::Connecting:
        if (&side != &connection.target)
            break;
        if (const int err = connectResult(connection.target.fd.get()); err != 0) {
            reportUnreachable(*connection.listener, err);
            close(connection);
        } else {
            open(connection);
        }
        break;
    case Connection::State::Open:
        // An error (a reset) is found by the pumps: a read returns what arrived before it first,
        // so an answer sent just before a reset still reaches the other side. Edge-triggered, the
        // error wakes the loop once; the readiness set above makes the pumps try the socket.
        queue(connection); // once, after this batch of events
        break;
    case Connection::State::WaitingToRetry:
    case Connection::State::Closed: // earlier in this batch of events
        break;
    }
}

void Relay::accept(Listener &listener)
{
    for (int i = 0; i < kAcceptBatch; ++i) {
        Fd client(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client.valid()) {
            const int err = errno;
            if (err == EINTR || err == ECONNABORTED)
                continue;
            if (wouldBlock(err))
                return;
            // Out of file descriptors or memory: the waiting connection stays in the backlog and
            // would wake the loop at once, so the listener rests a little.
            if (!listener.reportedAcceptError)
                report("cannot accept connections on " + listener.name + ": " + errorText(err));
            listener.reportedAcceptError = true;
            listener.restUntil = Clock::now() + kListenerRest;
            watch(listener, listener.fd.get(), listener.registered, 0);
            return;
        }
        listener.reportedAcceptError = false;
        if (m_connections.size() >= m_maxConnections) {
            if (!m_reportedFull)
                report(std::to_string(m_connections.size()) + " connections are open: refusing more");
            m_reportedFull = true;
            continue; // closes it
        }
        m_reportedFull = false;
        startConnection(listener, std::move(client));
    }
}

void Relay::startConnection(Listener &listener, Fd client)
{
    Connection &connection = m_connections.emplace_back();
    connection.self = std::prev(m_connections.end());
    connection.listener = &listener;
    connection.client.connection = &connection;
    connection.client.fd = std::move(client);
    connection.target.connection = &connection;
    connection.giveUpAt = Clock::now() + kGiveUp;
    connectTarget(connection);
}

void Relay::connectTarget(Connection &connection)
{
    Listener &listener = *connection.listener;
    auto target = listener.toUnix ? connectUnix(listener.unixTarget) : connectTcp(listener.tcpTarget);
    if (!target) {
        const auto now = Clock::now();
        if (wouldBlock(target.error()) && now < connection.giveUpAt) {
            connection.state = Connection::State::WaitingToRetry;
            connection.retryAt = now + connection.retryDelay;
            connection.retryDelay = std::min<Clock::duration>(connection.retryDelay * 2, kLongestRetry);
            m_retrying.push_back(&connection);
            return;
        }
        reportUnreachable(listener, target.error());
        close(connection);
        return;
    }
    connection.target.fd = std::move(target->fd);
    if (!watchSide(connection.target)) {
        close(connection);
        return;
    }
    if (!target->inProgress) {
        open(connection);
        return;
    }
    connection.state = Connection::State::Connecting;
}

void Relay::open(Connection &connection)
{
    connection.state = Connection::State::Open;
    connection.listener->reportedUnreachable = false;
    connection.up.attach(connection.client.fd.get(), connection.client.ready, connection.target.fd.get(),
                         connection.target.ready);
    connection.down.attach(connection.target.fd.get(), connection.target.ready, connection.client.fd.get(),
                           connection.client.ready);
    // What the client has written already is reported by the event this registration brings.
    if (!watchSide(connection.client))
        close(connection);
}

// A direction that ends (EOF passed on, or its sink gone) leaves the other to end on its own: what a
// peer wrote before it stopped reading (an error answer, then a reset) is still delivered. A source
// that fails (a reset, read) leaves nobody to deliver to: the connection closes.
void Relay::pump(Connection &connection)
{
    Pump &up = connection.up;
    Pump &down = connection.down;
    const auto sourceFailed = [](const Pump &p) {
        return p.status() == Pump::Status::Failed && !p.sinkFailed();
    };
    up.run(kPumpBudget, down.ended());
    down.run(kPumpBudget, up.ended());
    if (sourceFailed(up) || sourceFailed(down) || (up.ended() && down.ended()))
        close(connection);
    else if (up.canContinue() || down.canContinue())
        queue(connection); // stopped for its budget: no event will come for what is left
}

// Each socket of a connection is registered once, edge-triggered, for everything, and never changed
// or removed (its close() removes it): its Readiness keeps what the events told, and the pumps try
// only what may work. A stalled side does not wake the loop, as nothing new happens on it.
bool Relay::watchSide(Side &side)
{
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = &side;
    return ::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, side.fd.get(), &event) == 0;
}

void Relay::queue(Connection &connection)
{
    if (connection.queued)
        return;
    connection.queued = true;
    m_ready.push_back(&connection);
}

// The connections that had events in this batch, or stopped for their budget in the last one.
void Relay::runReady()
{
    m_pumping.swap(m_ready); // pumping may queue a connection again, for the next round
    for (Connection *connection : m_pumping) {
        connection->queued = false;
        if (connection->state == Connection::State::Open) // not closed in this batch
            pump(*connection);
    }
    m_pumping.clear();
}

bool Relay::watch(Watched &watched, int fd, std::uint32_t &registered, std::uint32_t wanted)
{
    if (wanted == registered)
        return true;
    epoll_event event{};
    event.events = wanted;
    event.data.ptr = &watched;
    const int operation = registered == 0 ? EPOLL_CTL_ADD : wanted == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (::epoll_ctl(m_epoll.get(), operation, fd, &event) < 0)
        return false;
    registered = wanted;
    return true;
}

void Relay::close(Connection &connection)
{
    if (connection.state == Connection::State::Closed)
        return;
    if (connection.state == Connection::State::WaitingToRetry)
        std::erase(m_retrying, &connection);
    if (connection.queued)
        std::erase(m_ready, &connection);
    connection.queued = false;
    // Closing the sockets takes them out of the epoll set (no process holds copies of them).
    connection.client.fd.reset();
    connection.target.fd.reset();
    connection.state = Connection::State::Closed;
    m_closed.splice(m_closed.end(), m_connections, connection.self);
}

void Relay::runTimers()
{
    const auto now = Clock::now();
    for (const auto &listener : m_listeners) {
        if (listener->registered == 0 && listener->restUntil <= now)
            watch(*listener, listener->fd.get(), listener->registered, EPOLLIN);
    }
    const auto due =
        std::ranges::partition(m_retrying, [now](const Connection *c) { return c->retryAt > now; });
    const std::vector<Connection *> retryNow(due.begin(), due.end());
    m_retrying.erase(due.begin(), due.end());
    for (Connection *connection : retryNow)
        connectTarget(*connection);
}

int Relay::timeoutMs() const
{
    std::optional<Clock::time_point> next;
    const auto consider = [&next](Clock::time_point when) { next = next ? std::min(*next, when) : when; };
    for (const auto &listener : m_listeners) {
        if (listener->registered == 0)
            consider(listener->restUntil);
    }
    for (const Connection *connection : m_retrying)
        consider(connection->retryAt);
    if (!next)
        return -1;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<decltype(wait)>(wait, 0, INT_MAX));
}

// Once until the target is reached again: a target that is down must not flood stderr.
void Relay::reportUnreachable(Listener &listener, int err)
{
    if (listener.reportedUnreachable)
        return;
    listener.reportedUnreachable = true;
    report(listener.name + ": cannot reach " + listener.targetName + " (" + errorText(err) +
           "); closing the connections to it");
}

} // namespace paddock::relay
