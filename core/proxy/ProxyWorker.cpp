#include "proxy/ProxyWorker.h"

#include "audit/AuditStore.h"
#include "policy/PolicySet.h"

#include <QCoreApplication>

#include <ifaddrs.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};
} // namespace

ProxyWorker::ProxyWorker(ProxyShared &proxy, int index)
    : m_proxy(proxy)
    , m_index(index)
{}

ProxyWorker::~ProxyWorker()
{
    if (m_epfd >= 0)
        ::close(m_epfd);
    if (m_wake >= 0)
        ::close(m_wake);
}

Result<void> ProxyWorker::start()
{
    m_epfd = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epfd < 0 || m_wake < 0)
        return std::unexpected(
            Error{Error::Code::Internal,
                  Text::tr("the proxy cannot start: %1").arg(QString::fromUtf8(strerror(errno))),
                  {},
                  {}});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = WakeKey;
    ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, m_wake, &ev);
    m_thread = std::thread([this] { run(); });
    return {};
}

void ProxyWorker::stop()
{
    post([this] { m_stopping = true; });
    if (m_thread.joinable())
        m_thread.join();
}

void ProxyWorker::post(std::function<void()> task)
{
    {
        QMutexLocker lock(&m_taskMutex);
        m_tasks.push_back(std::move(task));
    }
    const uint64_t one = 1;
    (void)!::write(m_wake, &one, sizeof(one));
}

void ProxyWorker::addListener(std::shared_ptr<ListenSocket> l)
{
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.u64 = keyOf(l->id, ListenerKey);
    ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, l->fd, &ev);
    m_listeners.emplace(l->id, std::move(l));
}

void ProxyWorker::removeListener(quint64 id)
{
    if (auto it = m_listeners.find(id); it != m_listeners.end()) {
        ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, it->second->fd, nullptr);
        m_listeners.erase(it); // the last worker's erase closes it
    }
}

void ProxyWorker::closePersona(const QString &name, const QString &why)
{
    std::vector<quint64> ids;
    for (const auto &[id, c] : m_conns)
        if (c->personaName == name)
            ids.push_back(id);
    for (quint64 id : ids)
        if (auto it = m_conns.find(id); it != m_conns.end())
            finish(*it->second, why);
}

// --- the loop --------------------------------------------------------------------------------

void ProxyWorker::run()
{
    const std::string name = "paddock-proxy-" + std::to_string(m_index + 1);
    ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
    epoll_event events[256];
    qint64 lastSweep = nowUs();
    while (!m_stopping) {
        const int timeout = m_throttled.empty() ? 250 : 10;
        const int n = ::epoll_wait(m_epfd, events, 256, timeout);
        for (int i = 0; i < n; ++i) {
            const quint64 key = events[i].data.u64;
            if (key == WakeKey) {
                uint64_t count = 0;
                (void)!::read(m_wake, &count, sizeof(count));
                runTasks();
                continue;
            }
            const quint64 id = key >> 2;
            const auto kind = Kind(key & 3);
            if (kind == ListenerKey) {
                if (auto it = m_listeners.find(id); it != m_listeners.end())
                    accept(*it->second);
                continue;
            }
            auto it = m_conns.find(id);
            if (it == m_conns.end())
                continue;
            Conn &c = *it->second;
            const uint32_t ev = events[i].events;
            const bool client = kind == ClientKey;
            if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                (client ? c.clientReadable : c.upstreamReadable) = true;
            if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                (client ? c.clientHangup : c.upstreamHangup) = true;
            if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                (client ? c.clientWritable : c.upstreamWritable) = true;
            if ((ev & (EPOLLHUP | EPOLLERR)) && client && !relaying(c) && c.phase != Phase::Head &&
                c.phase != Phase::Linger) {
                finish(c, Text::tr("the client went away"));
                continue;
            }
            pump(c);
        }
        const qint64 now = nowUs();
        if (!m_throttled.empty())
            resumeThrottled();
        if (now - lastSweep >= 250'000) {
            lastSweep = now;
            sweep(now);
        }
    }
    runTasks();
    std::vector<quint64> ids;
    for (const auto &[id, c] : m_conns)
        ids.push_back(id);
    for (quint64 id : ids)
        if (auto it = m_conns.find(id); it != m_conns.end())
            finish(*it->second, Text::tr("Paddock stopped"));
    for (auto &[id, l] : m_listeners)
        ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, l->fd, nullptr);
    m_listeners.clear();
}

void ProxyWorker::runTasks()
{
    std::vector<std::function<void()>> tasks;
    {
        QMutexLocker lock(&m_taskMutex);
        tasks.swap(m_tasks);
    }
    for (auto &t : tasks)
        t();
}

void ProxyWorker::watch(int fd, quint64 key)
{
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = key;
    ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, fd, &ev);
}

void ProxyWorker::accept(const ListenSocket &l)
{
    for (int i = 0; i < 64; ++i) {
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        const int fd =
            ::accept4(l.fd, reinterpret_cast<sockaddr *>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; // EAGAIN (another worker took it), or out of descriptors: the backlog waits
        // TCP_NODELAY comes from the listener.
        auto c = std::make_unique<Conn>();
        c->id = (m_nextId++ << 3) | quint64(m_index);
        c->personaName = l.persona;
        c->persona = m_proxy.persona(l.persona);
        if (c->persona) {
            const ProxyPersona settings = c->persona->settings();
            c->limits = settings.limits;
            c->mode = settings.mode;
        }
        c->client = fd;
        if (l.path.isEmpty()) {
            int port = 0;
            const IpAddress source = fromSockAddr(reinterpret_cast<const sockaddr *>(&from), &port);
            c->clientText = hostPort(source.toString(), port);
        } else {
            c->clientText = QStringLiteral("unix:") + l.path; // the persona's own socket
        }
        c->parser = std::make_unique<RequestParser>();
        c->startUs = c->lastUs = nowUs();
        c->deadlineUs = c->startUs + qint64(c->limits.headTimeoutMs) * 1000;
        Conn &ref = *c;
        m_conns.emplace(c->id, std::move(c));
        watch(fd, keyOf(ref.id, ClientKey));
        pump(ref);
    }
}

// Does whatever the connection's readiness allows, until nothing more can be done now.
void ProxyWorker::pump(Conn &c)
{
    const quint64 id = c.id;
    switch (c.phase) {
    case Phase::Head:
        return readHead(c);
    case Phase::Linger:
        return drainLinger(c);
    case Phase::Resolving:
        return;
    case Phase::Connecting:
        if (c.upstreamWritable)
            connected(c);
        return;
    case Phase::UpstreamProxy:
        if (!c.toUpstream.isEmpty() && c.upstreamWritable && !flush(c, false))
            return;
        if (alive(id) && c.upstreamReadable)
            readUpstreamProxy(c);
        return;
    case Phase::Tunnel:
    case Phase::Forward:
        return relay(c);
    }
}

// The next read of a socket whose readiness is remembered: the bytes read into m_scratch, 0 at
// its end, -1 on an error; nothing when there is nothing now (EAGAIN clears the readiness, EINTR
// keeps it for another try).
std::optional<ssize_t> ProxyWorker::readReady(int fd, bool &readable)
{
    while (readable) {
        const ssize_t n = ::read(fd, m_scratch.data(), m_scratch.size());
        if (n >= 0 || (errno != EAGAIN && errno != EINTR))
            return n;
        readable = errno == EINTR;
    }
    return std::nullopt;
}

void ProxyWorker::sweep(qint64 now)
{
    std::vector<quint64> due;
    for (const auto &[id, c] : m_conns)
        if ((c->deadlineUs && now >= c->deadlineUs) ||
            (relaying(*c) && now - c->lastUs >= qint64(c->limits.idleTimeoutMs) * 1000))
            due.push_back(id);
    for (quint64 id : due) {
        auto it = m_conns.find(id);
        if (it == m_conns.end())
            continue;
        Conn &c = *it->second;
        switch (c.phase) {
        case Phase::Head:
            conclude(c, ProxyVerdict::refused(408, Text::tr("the request did not arrive within %1 s")
                                                       .arg(c.limits.headTimeoutMs / 1000)));
            break;
        case Phase::Resolving:
            conclude(c, ProxyVerdict::refused(
                            504, Text::tr("%1 could not be resolved in time").arg(c.request.host)));
            break;
        case Phase::Connecting:
        case Phase::UpstreamProxy:
            c.error = Text::tr("no answer within %1 s").arg(c.limits.connectTimeoutMs / 1000);
            if (c.phase == Phase::Connecting && c.nextCandidate < c.candidates.size())
                dial(c);
            else
                failed(c, 504, Text::tr("%1 could not be reached").arg(c.resource));
            break;
        case Phase::Tunnel:
        case Phase::Forward:
            finish(c, c.deadlineUs && now >= c.deadlineUs
                          ? Text::tr("open longer than %1 s").arg(c.limits.totalTimeoutMs / 1000)
                          : Text::tr("idle for %1 s").arg(c.limits.idleTimeoutMs / 1000));
            break;
        case Phase::Linger:
            destroy(c);
            break;
        }
    }
}

// --- the request and its decision ------------------------------------------------------------

void ProxyWorker::readHead(Conn &c)
{
    while (const auto got = readReady(c.client, c.clientReadable)) {
        const ssize_t n = *got;
        if (n <= 0)
            return destroy(c); // gone before asking anything
        const RequestParser::State state = c.parser->feed(m_scratch.data(), n);
        if (state == RequestParser::State::NeedMore) {
            // A short read emptied it (unless its end was announced already).
            c.clientReadable = c.clientHangup || n == qsizetype(m_scratch.size());
            continue;
        }
        if (state == RequestParser::State::Invalid)
            return invalid(c, c.parser->error(), true);
        c.request = c.parser->request();
        // An IP literal in any notation is its address's one text ("0x7f.1" is 127.0.0.1), to
        // policies, the guard and the audit log alike: a forbid naming 1.2.3.4 holds for
        // "16909060".
        if (auto literal = AddressGuard::parseLiteral(c.request.host); literal && *literal)
            c.request.host = (**literal).toString();
        c.early = QByteArray(m_scratch.data() + c.parser->consumed(), n - c.parser->consumed());
        c.resource = hostPort(c.request.host, c.request.port);
        if (c.request.connect) {
            c.parser.reset(); // a tunnel's bytes are not HTTP: nothing more to parse
        } else if (c.parser->isComplete()) {
            c.requestDone = true; // no body; what follows is not read (one request per connection)
            c.early.clear();
        } else if (!c.early.isEmpty()) {
            // The body that came with the head is checked before anything is dialled, so a
            // smuggling attempt in one packet reaches nobody.
            const RequestParser::State body = c.parser->feed(c.early);
            if (body == RequestParser::State::Invalid)
                return invalid(c, c.parser->error(), false);
            c.early.truncate(c.parser->consumed());
            c.requestDone = body == RequestParser::State::Complete || c.parser->isComplete();
        }
        return decide(c);
    }
}

void ProxyWorker::invalid(Conn &c, const QString &reason, bool inHead)
{
    if (inHead) {
        c.request = c.parser->request();
        c.request.connect = c.request.method == "CONNECT";
        if (!c.request.host.isEmpty())
            c.resource = hostPort(c.request.host, c.request.port);
    }
    conclude(c, ProxyVerdict::refused(400, reason));
}

std::shared_ptr<const cedar::PolicySet> ProxyWorker::policies(const ProxyPersona &settings) const
{
    return m_proxy.options.policies ? m_proxy.options.policies(settings.policySet) : nullptr;
}

void ProxyWorker::decide(Conn &c)
{
    if (!c.persona)
        return conclude(c, ProxyVerdict::refused(
                               503, Text::tr("persona %1 is not served by this proxy").arg(c.personaName)));
    const qint64 now = nowUs();
    const ProxyPersonaState::Admission admission = c.persona->admit(now);
    const ProxyPersona &settings = admission.settings;
    c.limits = settings.limits;
    c.mode = settings.mode;
    if (!admission.refusal.isEmpty())
        return conclude(c, ProxyVerdict::refused(429, admission.refusal));
    if (m_proxy.options.audit && !m_proxy.options.audit->admits(settings.failMode))
        return conclude(
            c,
            ProxyVerdict::refused(
                503,
                Text::tr("the audit log cannot be written, and persona %1 fails closed").arg(c.personaName)));
    const auto set = policies(settings);
    const ProxyQuestion question{settings, c.request, c.resource};
    auto literal = AddressGuard::parseLiteral(c.request.host);
    if (literal && *literal) {
        const IpAddress address = **literal;
        return conclude(c, ProxyDecision::byAddresses(set.get(), question, {&address, 1}, *this));
    }
    const cedar::Decision byName = ProxyDecision::evaluate(set.get(), question, std::nullopt);
    if (ProxyDecision::refusedByName(set.get(), byName, settings.mode))
        return conclude(c, ProxyDecision::verdict(byName, settings.mode));
    if (!m_proxy.upstreamHost.isEmpty()) {
        // The upstream proxy resolves names; it is dialled instead. A name this host resolves
        // itself is checked here first, with every address it stands for (the upstream picks
        // one): an upstream on this host (cntlm, px) would reach the host's own services.
        if (const std::vector<IpAddress> *local = localAddresses(m_proxy.localNames, c.request.host))
            if (auto refused = ProxyDecision::refusedLocally(set.get(), question, *local, *this))
                return conclude(c, *refused);
        c.viaUpstream = true;
        return conclude(c, ProxyDecision::verdict(byName, settings.mode));
    }
    c.phase = Phase::Resolving;
    c.deadlineUs = now + qint64(m_proxy.options.resolver.timeout.count()) * 1000 + 500'000;
    const quint64 id = c.id;
    m_proxy.resolver.resolve(c.request.host, [this, id](Result<Resolver::Addresses> addresses) {
        post([this, id, addresses = std::move(addresses)] { resolved(id, addresses); });
    });
}

void ProxyWorker::resolved(quint64 id, const Result<Resolver::Addresses> &addresses)
{
    auto it = m_conns.find(id);
    if (it == m_conns.end() || it->second->phase != Phase::Resolving)
        return;
    Conn &c = *it->second;
    if (!addresses) {
        const bool missing = addresses.error().code == Error::Code::NotFound;
        return conclude(c, ProxyVerdict::refused(missing ? 502 : 504, addresses.error().message));
    }
    ProxyPersona settings = c.persona->settings();
    settings.mode = c.mode; // decided in the mode it was asked in (and is recorded with)
    const auto set = policies(settings);
    conclude(c, ProxyDecision::byAddresses(set.get(), ProxyQuestion{settings, c.request, c.resource},
                                           *addresses, *this));
}

bool ProxyWorker::isProxy(const IpAddress &a, int port) const
{
    return m_proxy.isSelf(a, port, [this](const IpAddress &x) { return isOwnAddress(x); });
}

bool ProxyWorker::isOwnAddress(const IpAddress &a) const
{
    const qint64 now = nowUs();
    if (now - m_hostAddressesUs > 5'000'000) {
        m_hostAddressesUs = now;
        m_hostAddresses.clear();
        ifaddrs *list = nullptr;
        if (::getifaddrs(&list) == 0) {
            for (ifaddrs *i = list; i; i = i->ifa_next)
                if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
                    m_hostAddresses.push_back(fromSockAddr(i->ifa_addr, nullptr));
            ::freeifaddrs(list);
        }
    }
    return std::any_of(m_hostAddresses.begin(), m_hostAddresses.end(),
                       [&](const IpAddress &h) { return sameAddress(h, a); });
}

} // namespace paddock
