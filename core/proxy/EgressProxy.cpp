#include "proxy/EgressProxy.h"

#include "common/UnixSocket.h"
#include "policy/PolicySet.h"

#include "proxy/ProxyWorker.h"
#include "runtime/PersonaRuntime.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTimer>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

// The egress proxy's service: its listeners, its personas, its status. The parts live apart:
// ProxyDecision (what is let through: Cedar, the SSRF guard), ProxyPersonaState (a persona's
// limits and counters), ProxyWorker (the connections: the loop in ProxyWorker.cpp, their ends in
// ProxyConclusion.cpp, the dialling and copying in ProxyRelay.cpp), ProxyMessages (what the proxy
// writes itself).

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};
} // namespace

ProxyPersona ProxyPersona::from(const Persona &persona)
{
    ProxyPersona p;
    p.name = persona.name;
    p.policySet = Persona::trustName(persona.trust);
    p.trust = p.policySet;
    p.mode = persona.policyMode;
    p.failMode = persona.failMode();
    p.limits = persona.proxy;
    return p;
}

ProxyPersona ProxyPersona::forJob(const Persona &persona, const QString &job)
{
    ProxyPersona p = from(persona);
    p.name = jobKey(job);
    p.job = job;
    p.parent = persona.name;
    return p;
}

// The shared part (ProxyShared) is what the workers see of it.
struct EgressProxy::Impl : ProxyShared
{
    Impl(EgressProxy *proxy, Options o);
    ~Impl();

    EgressProxy *q = nullptr;
    std::vector<std::unique_ptr<ProxyWorker>> workers;
    std::atomic<quint64> nextListenerId{1};

    QTimer *statusTimer = nullptr;
    QByteArray lastStatusJson;
    qint64 lastStatusFileUs = 0;

    // Any thread: serves `l` from every worker.
    void addListener(const std::shared_ptr<ListenSocket> &l);
    Result<void> start();
    void stop();
    ProxyStatus current() const;
    void publishStatus();
};

EgressProxy::Impl::Impl(EgressProxy *proxy, Options o)
    : ProxyShared(std::move(o))
    , q(proxy)
{}

EgressProxy::Impl::~Impl() = default;

Result<void> EgressProxy::Impl::start()
{
    if (options.upstream.isEmpty()) {
        if (auto started = resolver.start(); !started)
            return started;
    } else {
        const qsizetype colon = options.upstream.lastIndexOf(u':');
        bool ok = false;
        upstreamPort = colon > 0 ? options.upstream.mid(colon + 1).toInt(&ok) : 0;
        upstreamHost = colon > 0 ? options.upstream.left(colon) : QString();
        if (upstreamHost.startsWith(u'[') && upstreamHost.endsWith(u']'))
            upstreamHost = upstreamHost.mid(1, upstreamHost.size() - 2);
        auto literal = AddressGuard::parseLiteral(upstreamHost);
        if (!ok || upstreamPort <= 0 || upstreamPort > 65535 || !literal || !*literal)
            return std::unexpected(
                Error{Error::Code::Invalid,
                      Text::tr("the upstream proxy \"%1\" is not an address:port").arg(options.upstream),
                      {},
                      Text::tr("Give the upstream proxy as an IP address and port, e.g. 10.0.0.1:3128.")});
        localNames = paddock::localNames(options.hostsFile);
    }
    const int count =
        options.workers > 0 ? options.workers : int(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    for (int i = 0; i < std::min(count, 8); ++i) {
        auto worker = std::make_unique<ProxyWorker>(*this, i);
        if (auto started = worker->start(); !started) {
            stop();
            return started;
        }
        workers.push_back(std::move(worker));
    }
    statusTimer = new QTimer(q);
    statusTimer->setInterval(200);
    QObject::connect(statusTimer, &QTimer::timeout, q, [this] { publishStatus(); });
    statusTimer->start();
    publishStatus();
    return {};
}

void EgressProxy::Impl::addListener(const std::shared_ptr<ListenSocket> &l)
{
    {
        QMutexLocker lock(&mutex);
        listeners.push_back(l);
    }
    for (auto &w : workers)
        w->post([w = w.get(), l] { w->addListener(l); });
}

void EgressProxy::Impl::stop()
{
    resolver.stop(); // pending lookups are answered (cancelled) while their workers still run
    for (auto &w : workers)
        w->stop();
    workers.clear();
    {
        QMutexLocker lock(&mutex);
        listeners.clear();
    }
    publishStatus();
    if (!options.statusPath.isEmpty())
        QFile::remove(options.statusPath);
}

ProxyStatus EgressProxy::Impl::current() const
{
    ProxyStatus s;
    {
        QMutexLocker lock(&mutex);
        for (const auto &l : listeners)
            s.listeners.append(
                {l->persona, l->path.isEmpty() ? l->address.toString() : QString(), l->port, l->path});
        for (auto it = personas.cbegin(); it != personas.cend(); ++it)
            s.personas.insert(it.key(), (*it)->counters());
    }
    std::sort(s.listeners.begin(), s.listeners.end(),
              [](const auto &a, const auto &b) { return a.persona < b.persona; });
    s.upstream = options.upstream;
    return s;
}

// On the proxy's thread: the status file, at most once a second and only when it changed.
void EgressProxy::Impl::publishStatus()
{
    const ProxyStatus s = current();
    const qint64 now = nowUs();
    if (options.statusPath.isEmpty() || now - lastStatusFileUs < 1'000'000)
        return;
    QByteArray json = statusJson(s);
    if (json == lastStatusJson)
        return;
    lastStatusFileUs = now;
    lastStatusJson = json;
    // A snapshot for `paddockctl proxy status`: replaced whole, never fsynced (it is rewritten every
    // second and means nothing after a crash).
    QDir().mkpath(QFileInfo(options.statusPath).path());
    const QString tmp = options.statusPath + QStringLiteral(".tmp");
    QFile f(tmp);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(json) == json.size()) {
        f.close();
        ::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(options.statusPath).constData());
    }
}

ProxyVerdict EgressProxy::decideByName(const Persona &persona, const QString &host, int port) const
{
    const ProxyPersona settings = ProxyPersona::from(persona);
    ProxyRequest request;
    request.connect = true;
    request.host = host.toLower();
    request.port = port;
    const QString resource = request.host + u':' + QString::number(port);
    const auto set = m_impl->options.policies ? m_impl->options.policies(settings.policySet) : nullptr;
    const ProxyQuestion question{settings, request, resource};
    return ProxyDecision::verdict(ProxyDecision::evaluate(set.get(), question, std::nullopt), settings.mode);
}

EgressProxy::EgressProxy(Options options)
    : EngineService(QStringLiteral("proxy"))
    , m_impl(std::make_unique<Impl>(this, std::move(options)))
{}

EgressProxy::~EgressProxy()
{
    m_impl->stop();
}

Result<void> EgressProxy::start()
{
    return m_impl->start();
}

void EgressProxy::stop()
{
    m_impl->stop();
}

void EgressProxy::setPersona(const ProxyPersona &persona)
{
    std::shared_ptr<ProxyPersonaState> ps;
    {
        QMutexLocker lock(&m_impl->mutex);
        ps = m_impl->personas.value(persona.name);
        if (!ps) {
            ps = std::make_shared<ProxyPersonaState>();
            m_impl->personas.insert(persona.name, ps);
        }
    }
    ps->configure(persona);
}

void EgressProxy::removePersona(const QString &name)
{
    closeListeners(name);
    {
        QMutexLocker lock(&m_impl->mutex);
        m_impl->personas.remove(name);
    }
    for (auto &w : m_impl->workers)
        w->post([w = w.get(), name] {
            w->closePersona(name, Text::tr("persona %1 is no longer served").arg(name));
        });
}

void EgressProxy::follow(PersonaRuntime *runtime)
{
    // What this proxy serves of the runtime's personas (touched on the proxy's thread only).
    struct Followed
    {
        QSet<QString> personas;
        QHash<QString, int> asked;    // persona → the loopback port it asks for (served or not)
        QHash<QString, int> loopback; // persona → its loopback port, while served
    };
    auto known = std::make_shared<Followed>();
    const QString loopback = QStringLiteral("127.0.0.1");
    auto apply = [this, known, loopback](const QList<Persona> &list) {
        QSet<QString> now;
        for (const Persona &p : list) {
            if (!p.isolated() && p.proxyLoopbackPort == 0)
                continue;
            setPersona(ProxyPersona::from(p));
            now.insert(p.name);
            if (known->asked.value(p.name) == p.proxyLoopbackPort)
                continue;
            // Another port, or none: the old listener goes, and with it any problem it had.
            const QString key = QStringLiteral("proxy-loopback:") + p.name;
            if (const int was = known->loopback.take(p.name); was != 0)
                closeListener(p.name, loopback, was);
            if (known->asked.contains(p.name))
                emit recovered(key);
            known->asked.insert(p.name, p.proxyLoopbackPort);
            if (p.proxyLoopbackPort == 0)
                continue;
            if (auto bound = listen(p.name, loopback, p.proxyLoopbackPort); !bound)
                emit problem(key, bound.error());
            else
                known->loopback.insert(p.name, p.proxyLoopbackPort);
        }
        for (const QString &gone : known->personas - now) {
            removePersona(gone);
            known->loopback.remove(gone);
            if (known->asked.remove(gone))
                emit recovered(QStringLiteral("proxy-loopback:") + gone);
        }
        known->personas = now;
    };
    connect(runtime, &PersonaRuntime::personasChanged, this, apply);
    const QList<Persona> current = runtime->personas();
    QMetaObject::invokeMethod(this, [apply, current] { apply(current); }, Qt::AutoConnection);
}

Result<int> EgressProxy::listen(const QString &persona, const QString &address, int port)
{
    auto literal = AddressGuard::parseLiteral(address);
    if (!literal || !*literal)
        return std::unexpected(Error{Error::Code::Invalid,
                                     Text::tr("\"%1\" is not an IP address to listen on").arg(address),
                                     {},
                                     Text::tr("Give an IPv4 or IPv6 address, e.g. 127.0.0.1.")});
    const IpAddress a = **literal;
    if (port != 0) {
        QMutexLocker lock(&m_impl->mutex);
        for (const auto &l : m_impl->listeners)
            if (l->persona == persona && l->path.isEmpty() && sameAddress(l->address, a) && l->port == port)
                return port;
    }
    const int fd = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto fail = [&](const QString &what) -> Result<int> {
        const QString why = QString::fromUtf8(strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return std::unexpected(
            Error{Error::Code::Unavailable,
                  Text::tr("the proxy for %1 cannot listen on %2: %3 (%4)")
                      .arg(persona, hostPort(a.toString(), port), what, why),
                  {},
                  Text::tr("Check that the address belongs to this host and that nothing else "
                           "listens on that port.")});
    };
    if (fd < 0)
        return fail(Text::tr("no socket"));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a.v6)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    const SockAddr sa = toSockAddr(a, port);
    if (::bind(fd, sa.get(), sa.length) != 0)
        return fail(Text::tr("bind failed"));
    // Accepted connections inherit TCP_NODELAY; they are accepted once their first bytes arrived.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const int deferSeconds = 5;
    ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &deferSeconds, sizeof(deferSeconds));
    if (::listen(fd, 4096) != 0)
        return fail(Text::tr("listen failed"));
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &len);
    int boundPort = 0;
    fromSockAddr(reinterpret_cast<const sockaddr *>(&bound), &boundPort);
    auto l = std::make_shared<ListenSocket>();
    l->id = m_impl->nextListenerId++;
    l->fd = fd;
    l->persona = persona;
    l->address = a;
    l->port = boundPort;
    m_impl->addListener(l);
    QMetaObject::invokeMethod(
        this, [this, persona, a, boundPort] { emit listening(persona, a.toString(), boundPort); },
        Qt::QueuedConnection);
    return boundPort;
}

Result<void> EgressProxy::listenUnix(const QString &persona, const QString &path)
{
    std::shared_ptr<ListenSocket> stale;
    {
        QMutexLocker lock(&m_impl->mutex);
        for (const auto &l : m_impl->listeners)
            if (l->path == path) {
                if (l->persona == persona && isBoundAt(path, l->inode))
                    return {}; // served already
                stale = l;     // the folder was made anew (a new login), or another persona's
            }
    }
    if (stale)
        closeListener(stale->persona, path, 0);
    // The container's user may be another uid than Paddock's (a rootful engine): the socket is open
    // to all, the folder (0700, owned by that user) is what keeps everyone else out.
    auto bound = listenUnixSocket(path, 0666, 4096);
    if (!bound)
        return std::unexpected(
            Error{Error::Code::Unavailable,
                  Text::tr("the proxy for %1 cannot listen: %2").arg(persona, bound.error().message), path,
                  Text::tr("Check that the folder exists and belongs to you.")});
    auto l = std::make_shared<ListenSocket>();
    l->id = m_impl->nextListenerId++;
    l->fd = bound->fd;
    l->persona = persona;
    l->path = path;
    l->inode = bound->inode;
    m_impl->addListener(l);
    QMetaObject::invokeMethod(
        this, [this, persona, path] { emit listening(persona, path, 0); }, Qt::QueuedConnection);
    return {};
}

void EgressProxy::closeListeners(const QString &persona)
{
    closeListener(persona, {}, 0);
}

void EgressProxy::closeListener(const QString &persona, const QString &address, int port)
{
    std::optional<IpAddress> only;
    if (auto literal = AddressGuard::parseLiteral(address); literal && *literal)
        only = **literal;
    const bool socket = !address.isEmpty() && !only; // a Unix socket's path
    std::vector<quint64> ids;
    {
        QMutexLocker lock(&m_impl->mutex);
        auto &all = m_impl->listeners;
        for (auto it = all.begin(); it != all.end();) {
            const auto &l = **it;
            const bool match =
                socket ? l.path == address
                       : (!only || (l.path.isEmpty() && sameAddress(l.address, *only) && l.port == port));
            if (l.persona == persona && match) {
                if (socket)
                    ::unlink(QFile::encodeName(l.path).constData());
                ids.push_back((*it)->id);
                it = all.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto &w : m_impl->workers)
        w->post([w = w.get(), ids] {
            for (quint64 id : ids)
                w->removeListener(id);
        });
}

ProxyStatus EgressProxy::status() const
{
    return m_impl->current();
}

QByteArray EgressProxy::statusJson(const ProxyStatus &s)
{
    QJsonArray listeners;
    for (const auto &l : s.listeners) {
        QJsonObject o{{QStringLiteral("persona"), l.persona}};
        if (l.socket.isEmpty()) {
            o.insert(QStringLiteral("address"), l.address);
            o.insert(QStringLiteral("port"), l.port);
        } else {
            o.insert(QStringLiteral("socket"), l.socket);
        }
        listeners.append(o);
    }
    QJsonObject personas;
    for (auto it = s.personas.cbegin(); it != s.personas.cend(); ++it) {
        const ProxyCounters &c = *it;
        personas.insert(it.key(), QJsonObject{{QStringLiteral("requests"), c.requests},
                                              {QStringLiteral("allowed"), c.allowed},
                                              {QStringLiteral("denied"), c.denied},
                                              {QStringLiteral("wouldDeny"), c.wouldDeny},
                                              {QStringLiteral("limited"), c.limited},
                                              {QStringLiteral("invalid"), c.invalid},
                                              {QStringLiteral("failed"), c.failed},
                                              {QStringLiteral("active"), c.active},
                                              {QStringLiteral("bytesUp"), c.bytesUp},
                                              {QStringLiteral("bytesDown"), c.bytesDown}});
    }
    QJsonObject o{{QStringLiteral("version"), 1},
                  {QStringLiteral("pid"), qint64(::getpid())},
                  {QStringLiteral("listeners"), listeners},
                  {QStringLiteral("personas"), personas}};
    if (!s.upstream.isEmpty())
        o.insert(QStringLiteral("upstream"), s.upstream);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace paddock
