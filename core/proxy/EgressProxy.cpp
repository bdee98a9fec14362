#include "proxy/EgressProxy.h"

#include "audit/AuditStore.h"
#include "policy/PolicySet.h"
#include "proxy/RequestParser.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};

qint64 nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Refilled continuously at `rate` per second up to `burst`.
struct TokenBucket
{
    double rate = 0;
    double burst = 0;
    double tokens = 0;
    qint64 lastUs = 0;

    void configure(double newRate, double newBurst)
    {
        if (burst == 0 && lastUs == 0)
            tokens = newBurst;
        rate = newRate;
        burst = newBurst;
        tokens = std::min(tokens, burst);
    }
    void refill(qint64 now)
    {
        if (lastUs)
            tokens = std::min(burst, tokens + double(now - lastUs) * rate / 1e6);
        lastUs = now;
    }
    bool take(qint64 now, double n = 1)
    {
        refill(now);
        if (tokens < n)
            return false;
        tokens -= n;
        return true;
    }
    qint64 available(qint64 now)
    {
        refill(now);
        return qint64(tokens);
    }
};

struct SockAddr
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
};

SockAddr toSockAddr(const IpAddress &address, int port)
{
    SockAddr out;
    if (address.v6) {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(quint16(port));
        std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
        out.length = sizeof(sockaddr_in6);
    } else {
        auto *sin = reinterpret_cast<sockaddr_in *>(&out.storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(quint16(port));
        sin->sin_addr.s_addr = htonl(address.v4Value());
        out.length = sizeof(sockaddr_in);
    }
    return out;
}

IpAddress fromSockAddr(const sockaddr *sa, int *port)
{
    IpAddress a;
    if (sa->sa_family == AF_INET6) {
        const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        a.v6 = true;
        std::memcpy(a.bytes.data(), &sin6->sin6_addr, 16);
        if (port)
            *port = ntohs(sin6->sin6_port);
    } else {
        const auto *sin = reinterpret_cast<const sockaddr_in *>(sa);
        a = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
        if (port)
            *port = ntohs(sin->sin_port);
    }
    return a;
}

QString hostPort(const QString &host, int port)
{
    return host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port)
                               : QStringLiteral("%1:%2").arg(host).arg(port);
}

bool sameAddress(const IpAddress &a, const IpAddress &b)
{
    return a.v6 == b.v6 && (a.v6 ? a.bytes == b.bytes : a.v4Value() == b.v4Value());
}

bool isUnspecified(const IpAddress &a)
{
    return std::all_of(a.bytes.begin(), a.bytes.begin() + (a.v6 ? 16 : 4), [](auto b) { return b == 0; });
}

// A header value that can be sent: printable ASCII, nothing that ends the line.
QByteArray headerSafe(const QString &text)
{
    QByteArray out;
    for (const char c : text.toUtf8())
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out.left(400);
}

// Whether a permit names `host` (an IP literal) itself: in its resource scope, as a string in its
// condition, or by speaking of the dialled address (`context.address`) at all.
bool mentions(const cedar::Expr &e, const std::string &host)
{
    if (e.op == cedar::Expr::Op::Literal) {
        if (e.value.kind() == cedar::Value::Kind::String && e.value.asString() == host)
            return true;
        if (e.value.kind() == cedar::Value::Kind::Entity && e.value.asEntity().id.starts_with(host + ':'))
            return true;
    }
    if (e.op == cedar::Expr::Op::GetAttr && e.name == "address" && !e.args.empty() &&
        e.args[0]->op == cedar::Expr::Op::Variable && e.args[0]->var == cedar::Var::Context)
        return true;
    for (const auto &arg : e.args)
        if (arg && mentions(*arg, host))
            return true;
    return false;
}

// Whether a condition looks at the dialled address (`context.address`, `context has address`).
bool speaksOfAddress(const cedar::Expr &e)
{
    if ((e.op == cedar::Expr::Op::GetAttr || e.op == cedar::Expr::Op::Has) && e.name == "address" &&
        !e.args.empty() && e.args[0]->op == cedar::Expr::Op::Variable &&
        e.args[0]->var == cedar::Var::Context)
        return true;
    for (const auto &arg : e.args)
        if (arg && speaksOfAddress(*arg))
            return true;
    return false;
}

// Whether some permit of `set` may depend on the address a name resolves to.
bool permitsByAddress(const cedar::PolicySet &set)
{
    for (const cedar::Policy &p : set.policies())
        if (p.effect == cedar::Effect::Permit)
            for (const cedar::Condition &c : p.conditions)
                if (c.expr && speaksOfAddress(*c.expr))
                    return true;
    return false;
}

bool policyNames(const cedar::Policy &p, const std::string &host)
{
    if (p.effect != cedar::Effect::Permit)
        return false;
    for (const cedar::EntityUid &uid : p.resource.entities)
        if (uid.id.starts_with(host + ':'))
            return true;
    for (const cedar::Condition &c : p.conditions)
        if (c.when && c.expr && mentions(*c.expr, host))
            return true;
    return false;
}

enum Kind : quint64 { ListenerKey = 0, ClientKey = 1, UpstreamKey = 2 };
quint64 keyOf(quint64 id, Kind kind)
{
    return (id << 2) | kind;
}

const char *statusText(int status)
{
    switch (status) {
    case 200:
        return "Connection established";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

// Hop-by-hop fields (RFC 9110 7.6.1), never forwarded; with those the Connection field names.
bool isHopByHop(const QByteArray &name)
{
    static const char *const fields[] = {
        "connection",          "proxy-connection",   "keep-alive",       "te", "trailer", "upgrade",
        "proxy-authorization", "proxy-authenticate", "transfer-encoding"};
    for (const char *f : fields)
        if (name.compare(f, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

QList<QByteArray> connectionOptions(const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QList<QByteArray> out;
    for (const auto &[name, value] : headers)
        if (name.compare("connection", Qt::CaseInsensitive) == 0 ||
            name.compare("proxy-connection", Qt::CaseInsensitive) == 0)
            for (const QByteArray &option : value.split(','))
                if (const QByteArray o = option.trimmed().toLower(); !o.isEmpty())
                    out << o;
    return out;
}

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

struct EgressProxy::Impl
{
    enum class Phase {
        Head,          // reading the request head
        Resolving,     // waiting for the resolver
        Connecting,    // dialling the destination (or the upstream proxy)
        UpstreamProxy, // waiting for the upstream proxy's answer to our CONNECT
        Tunnel,        // copying both ways (CONNECT)
        Forward,       // a plain HTTP request and its response
        Linger,        // answered and shut down; draining until the client closes
    };

    struct Listener
    {
        quint64 id = 0;
        int fd = -1;
        QString persona;
        IpAddress address;
        int port = 0;
    };

    struct PersonaState
    {
        ProxyPersona config;
        TokenBucket connections;
        TokenBucket bytes;
        ProxyCounters counters;
    };

    struct Conn
    {
        quint64 id = 0;
        QString persona;
        int client = -1;
        int upstream = -1;
        uint32_t clientEvents = 0;
        uint32_t upstreamEvents = 0;
        Phase phase = Phase::Head;
        std::unique_ptr<RequestParser> parser;
        ProxyRequest request;
        QByteArray early; // bytes after the head, read before the decision
        QString resource;
        QString client_;
        std::vector<IpAddress> candidates;
        size_t nextCandidate = 0;
        IpAddress address;
        bool haveAddress = false;
        bool viaUpstream = false;
        QByteArray toUpstream; // waiting for the destination to take them
        QByteArray toClient;
        bool clientEof = false;
        bool upstreamEof = false;
        bool upShut = false;
        bool downShut = false;
        bool throttled = false;
        bool requestDone = false;
        bool responseHeadDone = false;
        QByteArray responseHead;
        qint64 bytesUp = 0;
        qint64 bytesDown = 0;
        qint64 startUs = 0;
        qint64 lastUs = 0;
        qint64 deadlineUs = 0;
        bool counted = false; // holds one of its persona's tunnels
        QString error;
    };

    EgressProxy *q = nullptr;
    Options options;
    Resolver resolver;
    int epfd = -1;
    QSocketNotifier *notifier = nullptr;
    QTimer *sweepTimer = nullptr;
    QTimer *throttleTimer = nullptr;
    QTimer *statusTimer = nullptr;
    std::vector<char> scratch = std::vector<char>(BufferBytes);
    quint64 nextId = 1;
    std::unordered_map<quint64, Listener> listeners;
    std::unordered_map<quint64, std::unique_ptr<Conn>> conns;
    QHash<QString, PersonaState> personas;
    std::unordered_set<quint64> throttled;
    std::vector<IpAddress> hostAddresses;
    qint64 hostAddressesUs = 0;
    QString upstreamHost;
    int upstreamPort = 0;
    bool statusDirty = true;
    QByteArray lastStatusJson;
    qint64 lastStatusFileUs = 0;

    mutable QMutex statusMutex;
    ProxyStatus snapshot;

    explicit Impl(EgressProxy *proxy, Options o)
        : q(proxy)
        , options(std::move(o))
        , resolver(options.resolver)
    {}

    // --- epoll bookkeeping -------------------------------------------------------------------

    void watch(int fd, quint64 key, uint32_t events, uint32_t *current)
    {
        if (*current == events)
            return;
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = key;
        const int op = *current == 0 ? EPOLL_CTL_ADD : (events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
        ::epoll_ctl(epfd, op, fd, &ev);
        *current = events;
    }
    // A socket's interest: reading unless told otherwise, writing while bytes wait for it.
    void update(Conn &c)
    {
        if (c.client >= 0) {
            uint32_t ev = 0;
            const bool readClient =
                c.phase == Phase::Head || c.phase == Phase::Linger ||
                ((c.phase == Phase::Tunnel || (c.phase == Phase::Forward && !c.requestDone)) &&
                 !c.clientEof && c.toUpstream.isEmpty() && !c.throttled);
            if (readClient)
                ev |= EPOLLIN;
            if (!c.toClient.isEmpty())
                ev |= EPOLLOUT;
            // While deciding or dialling, a client that leaves is noticed; while relaying, a side not
            // read is not watched at all (its end is seen once it is read again).
            const bool waiting = c.phase == Phase::Resolving || c.phase == Phase::Connecting ||
                                 c.phase == Phase::UpstreamProxy;
            if (waiting && !c.clientEof)
                ev |= EPOLLRDHUP;
            watch(c.client, keyOf(c.id, ClientKey), ev, &c.clientEvents);
        }
        if (c.upstream >= 0) {
            uint32_t ev = 0;
            const bool readUpstream =
                (c.phase == Phase::Tunnel || c.phase == Phase::Forward || c.phase == Phase::UpstreamProxy) &&
                !c.upstreamEof && c.toClient.isEmpty() && !c.throttled;
            if (readUpstream)
                ev |= EPOLLIN;
            if (c.phase == Phase::Connecting || !c.toUpstream.isEmpty())
                ev |= EPOLLOUT;
            watch(c.upstream, keyOf(c.id, UpstreamKey), ev, &c.upstreamEvents);
        }
    }

    // --- life cycle --------------------------------------------------------------------------

    Result<void> start()
    {
        epfd = ::epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0)
            return std::unexpected(
                Error{Error::Code::Internal,
                      Text::tr("the proxy cannot start: %1").arg(QString::fromUtf8(strerror(errno))),
                      {},
                      {}});
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
                return std::unexpected(Error{
                    Error::Code::Invalid,
                    Text::tr("the upstream proxy \"%1\" is not an address:port").arg(options.upstream),
                    {},
                    Text::tr("Give the upstream proxy as an IP address and port, e.g. 10.0.0.1:3128.")});
        }
        notifier = new QSocketNotifier(epfd, QSocketNotifier::Read, q);
        QObject::connect(notifier, &QSocketNotifier::activated, q, [this] { poll(); });
        sweepTimer = new QTimer(q);
        sweepTimer->setInterval(250);
        QObject::connect(sweepTimer, &QTimer::timeout, q, [this] { sweep(); });
        sweepTimer->start();
        throttleTimer = new QTimer(q);
        throttleTimer->setInterval(10);
        QObject::connect(throttleTimer, &QTimer::timeout, q, [this] { resumeThrottled(); });
        statusTimer = new QTimer(q);
        statusTimer->setInterval(200);
        QObject::connect(statusTimer, &QTimer::timeout, q, [this] { publishStatus(); });
        statusTimer->start();
        publishStatus();
        return {};
    }

    void stop()
    {
        std::vector<quint64> ids;
        for (const auto &[id, c] : conns)
            ids.push_back(id);
        for (quint64 id : ids)
            if (auto it = conns.find(id); it != conns.end())
                finish(*it->second, Text::tr("Paddock stopped"));
        for (auto &[id, l] : listeners)
            ::close(l.fd);
        listeners.clear();
        publishStatus();
        if (!options.statusPath.isEmpty())
            QFile::remove(options.statusPath);
        delete notifier;
        notifier = nullptr;
        if (epfd >= 0)
            ::close(epfd);
        epfd = -1;
    }

    // --- events ------------------------------------------------------------------------------

    void poll()
    {
        epoll_event events[256];
        const int n = ::epoll_wait(epfd, events, 256, 0);
        for (int i = 0; i < n; ++i) {
            const quint64 key = events[i].data.u64;
            const quint64 id = key >> 2;
            const auto kind = Kind(key & 3);
            if (kind == ListenerKey) {
                if (auto it = listeners.find(id); it != listeners.end())
                    accept(it->second);
                continue;
            }
            auto it = conns.find(id);
            if (it == conns.end())
                continue;
            Conn &c = *it->second;
            const uint32_t ev = events[i].events;
            if (kind == ClientKey)
                onClient(c, ev);
            else
                onUpstream(c, ev);
        }
    }

    void accept(const Listener &l)
    {
        for (int i = 0; i < 64; ++i) {
            sockaddr_storage from{};
            socklen_t len = sizeof(from);
            const int fd =
                ::accept4(l.fd, reinterpret_cast<sockaddr *>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return; // EAGAIN, or out of descriptors: the backlog waits
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            auto c = std::make_unique<Conn>();
            c->id = nextId++;
            c->persona = l.persona;
            c->client = fd;
            int port = 0;
            const IpAddress source = fromSockAddr(reinterpret_cast<const sockaddr *>(&from), &port);
            c->client_ = hostPort(source.toString(), port);
            c->parser = std::make_unique<RequestParser>();
            c->startUs = c->lastUs = nowUs();
            c->deadlineUs = c->startUs + qint64(limitsOf(l.persona).headTimeoutMs) * 1000;
            Conn &ref = *c;
            conns.emplace(c->id, std::move(c));
            update(ref);
        }
    }

    ProxyLimits limitsOf(const QString &persona) const
    {
        const auto it = personas.constFind(persona);
        return it == personas.constEnd() ? ProxyLimits{} : it->config.limits;
    }

    void onClient(Conn &c, uint32_t ev)
    {
        const quint64 id = c.id;
        if ((ev & EPOLLOUT) && !c.toClient.isEmpty()) {
            if (!flush(c, c.client, c.toClient, c.bytesDown))
                return;
        }
        if (!alive(id))
            return;
        if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
            switch (c.phase) {
            case Phase::Head:
                return readHead(c);
            case Phase::Linger:
                return drainLinger(c);
            case Phase::Tunnel:
            case Phase::Forward:
                if (ev & EPOLLIN)
                    return relayUp(c);
                if (ev & (EPOLLHUP | EPOLLERR))
                    return finish(c, c.clientEof ? QString() : Text::tr("the client reset the connection"));
                return;
            default:
                // Not reading yet: a client gone while we decide or dial. A half close is kept
                // (a plain request may be followed by the client's end of sending).
                if (ev & (EPOLLHUP | EPOLLERR))
                    return finish(c, Text::tr("the client went away"));
                if (ev & EPOLLRDHUP) {
                    if (c.request.connect) // a tunnel nobody will use
                        return finish(c, Text::tr("the client went away"));
                    c.clientEof = true;
                }
            }
        }
        if (alive(id))
            update(c);
    }

    void onUpstream(Conn &c, uint32_t ev)
    {
        const quint64 id = c.id;
        if (c.phase == Phase::Connecting) {
            if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                return connected(c);
            return;
        }
        if ((ev & EPOLLOUT) && !c.toUpstream.isEmpty()) {
            if (!flush(c, c.upstream, c.toUpstream, c.bytesUp))
                return;
        }
        if (!alive(id))
            return;
        if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
            if (c.phase == Phase::UpstreamProxy)
                return readUpstreamProxy(c);
            if (ev & EPOLLIN)
                return relayDown(c);
            if (ev & (EPOLLHUP | EPOLLERR))
                return finish(c,
                              c.upstreamEof ? QString() : Text::tr("the destination reset the connection"));
        }
        if (alive(id))
            update(c);
    }

    bool alive(quint64 id) const { return conns.find(id) != conns.end(); }

    // --- the request head --------------------------------------------------------------------

    void readHead(Conn &c)
    {
        const ssize_t n = ::read(c.client, scratch.data(), scratch.size());
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return destroy(c); // gone before asking anything
        if (n < 0)
            return;
        const RequestParser::State state = c.parser->feed(scratch.data(), n);
        switch (state) {
        case RequestParser::State::NeedMore:
            return;
        case RequestParser::State::Invalid: {
            PersonaState &ps = personas[c.persona];
            ++ps.counters.invalid;
            statusDirty = true;
            const QString reason = c.parser->error();
            c.request = c.parser->request();
            c.request.connect = c.request.method == "CONNECT";
            if (!c.request.host.isEmpty())
                c.resource = hostPort(c.request.host, c.request.port);
            record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 400);
            return respond(c, 400, reason);
        }
        default:
            break;
        }
        c.request = c.parser->request();
        c.early = QByteArray(scratch.data() + c.parser->consumed(), n - c.parser->consumed());
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
            if (body == RequestParser::State::Invalid) {
                ++personas[c.persona].counters.invalid;
                const QString reason = c.parser->error();
                record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 400);
                return respond(c, 400, reason);
            }
            c.early.truncate(c.parser->consumed());
            c.requestDone = body == RequestParser::State::Complete || c.parser->isComplete();
        }
        decide(c);
    }

    // --- the decision ------------------------------------------------------------------------

    QString actionName(const Conn &c) const
    {
        return c.request.connect ? QStringLiteral("connect") : QStringLiteral("http");
    }

    cedar::Decision evaluate(const Conn &c, const PersonaState &ps, const std::optional<IpAddress> &address,
                             std::shared_ptr<const cedar::PolicySet> *setOut)
    {
        using namespace cedar;
        auto set = options.policies ? options.policies(ps.config.policySet) : nullptr;
        if (setOut)
            *setOut = set;
        if (!set)
            return Decision{};
        std::vector<Entity> list;
        Entity persona;
        persona.uid = EntityUid{"Paddock::Persona", c.persona.toStdString()};
        persona.attrs["trust"] = Value(ps.config.trust.toStdString());
        Entity host;
        host.uid = EntityUid{"Paddock::Host", hostPort(c.request.host, c.request.port).toStdString()};
        host.attrs["name"] = Value(c.request.host.toStdString());
        host.attrs["port"] = Value(int64_t(c.request.port));
        Request request;
        request.principal = persona.uid;
        request.resource = host.uid;
        request.action = EntityUid{"Paddock::Action", c.request.connect ? "connect" : "http"};
        list.push_back(std::move(persona));
        list.push_back(std::move(host));
        ValueRecord context;
        if (address)
            if (auto ip = IpAddr::parse(address->toString().toStdString()))
                context["address"] = Value(*ip);
        if (!c.request.connect) {
            context["method"] = Value(c.request.method.toStdString());
            context["path"] = Value(c.request.path.toStdString());
        }
        request.context = Value::record(std::move(context));
        const Entities entities(std::move(list));
        return set->authorize(request, entities, Mode::Enforce);
    }

    static QString policyReason(const cedar::Decision &d)
    {
        if (d.policyAllowed)
            return {};
        if (d.reason.empty())
            return Text::tr("no policy permits it");
        QStringList ids;
        for (const std::string &id : d.reason)
            ids << QString::fromStdString(id);
        return Text::tr("forbidden by %1").arg(ids.join(QStringLiteral(", ")));
    }

    // Why the proxy never dials `address` for this connection unless a policy names it.
    QString guardRefusal(const Conn &c, const IpAddress &address)
    {
        QString why = AddressGuard::refusal(address);
        if (why.isEmpty() && isHostAddress(address))
            why = Text::tr("one of this host's own addresses");
        if (why.isEmpty())
            return {};
        if (c.request.host == address.toString())
            return Text::tr("refused: %1 is not open to agents: %2").arg(address.toString(), why);
        return Text::tr("refused: %1 resolves to %2, which is not open to agents: %3")
            .arg(c.request.host, address.toString(), why);
    }

    bool isHostAddress(const IpAddress &a)
    {
        const qint64 now = nowUs();
        if (now - hostAddressesUs > 5'000'000) {
            hostAddressesUs = now;
            hostAddresses.clear();
            ifaddrs *list = nullptr;
            if (::getifaddrs(&list) == 0) {
                for (ifaddrs *i = list; i; i = i->ifa_next)
                    if (i->ifa_addr &&
                        (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
                        hostAddresses.push_back(fromSockAddr(i->ifa_addr, nullptr));
                ::freeifaddrs(list);
            }
        }
        return std::any_of(hostAddresses.begin(), hostAddresses.end(),
                           [&](const IpAddress &h) { return sameAddress(h, a); });
    }

    // The proxy's own listeners are never a destination, whatever a policy says.
    bool isSelf(const IpAddress &a, int port)
    {
        for (const auto &[id, l] : listeners)
            if (l.port == port &&
                (sameAddress(l.address, a) ||
                 (isUnspecified(l.address) && (isHostAddress(a) || !AddressGuard::refusal(a).isEmpty()))))
                return true;
        return false;
    }

    void decide(Conn &c)
    {
        auto found = personas.find(c.persona);
        if (found == personas.end())
            return respond(c, 503, Text::tr("persona %1 is not served by this proxy").arg(c.persona));
        PersonaState &ps = *found;
        ++ps.counters.requests;
        statusDirty = true;
        const qint64 now = nowUs();
        const ProxyLimits &limits = ps.config.limits;
        if (ps.counters.active >= limits.maxTunnels)
            return limited(c, ps,
                           Text::tr("rate limit: %1 tunnels open, the most persona %2 may hold")
                               .arg(limits.maxTunnels)
                               .arg(c.persona));
        if (!ps.connections.take(now))
            return limited(c, ps,
                           Text::tr("rate limit: more than %1 new connections a second")
                               .arg(limits.connectionsPerSecond));
        if (options.audit && !options.audit->admits(ps.config.failMode)) {
            ++ps.counters.denied;
            return respond(
                c, 503,
                Text::tr("the audit log cannot be written, and persona %1 fails closed").arg(c.persona));
        }
        auto literal = AddressGuard::parseLiteral(c.request.host);
        if (literal && *literal) {
            if (isSelf(**literal, c.request.port)) {
                ++ps.counters.denied;
                const QString reason = Text::tr("refused: %1 is this proxy itself").arg(c.resource);
                record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 403);
                return respond(c, 403, reason);
            }
            std::shared_ptr<const cedar::PolicySet> set;
            const cedar::Decision d = evaluate(c, ps, **literal, &set);
            const QString refusal = guardRefusal(c, **literal);
            if (!refusal.isEmpty() && !(d.policyAllowed && namesAddress(*set, d, c.request.host)))
                return refuse(c, ps, refusal, {});
            c.candidates = {**literal};
            return decided(c, ps, d);
        }
        // A name. Asked about without an address first: a name no policy could permit is never
        // resolved (a lookup would already carry it out to a DNS server), unless a permit looks
        // at addresses.
        std::shared_ptr<const cedar::PolicySet> set;
        const cedar::Decision first = evaluate(c, ps, std::nullopt, &set);
        if (!first.policyAllowed && first.errors.empty() && ps.config.mode == Persona::PolicyMode::Enforce &&
            !(set && permitsByAddress(*set))) {
            ++ps.counters.denied;
            record(c, actionName(c), AuditEvent::Decision::Deny, reasonIds(first), policyReason(first), 403);
            return respond(c, 403, policyReason(first));
        }
        if (!upstreamHost.isEmpty()) {
            // The upstream proxy resolves names; it is dialled instead.
            c.viaUpstream = true;
            return decided(c, ps, first);
        }
        c.phase = Phase::Resolving;
        c.deadlineUs = now + qint64(options.resolver.timeout.count()) * 1000 + 500'000;
        update(c);
        const quint64 id = c.id;
        resolver.resolve(c.request.host, [this, id](Result<Resolver::Addresses> addresses) {
            QMetaObject::invokeMethod(
                q, [this, id, addresses = std::move(addresses)] { resolved(id, addresses); },
                Qt::QueuedConnection);
        });
    }

    bool namesAddress(const cedar::PolicySet &set, const cedar::Decision &d, const QString &host) const
    {
        const std::string h = host.toStdString();
        for (const std::string &id : d.reason)
            if (const cedar::Policy *p = set.find(id); p && policyNames(*p, h))
                return true;
        return false;
    }

    static QStringList reasonIds(const cedar::Decision &d)
    {
        QStringList ids;
        for (const std::string &id : d.reason)
            ids << QString::fromStdString(id);
        return ids;
    }

    void resolved(quint64 id, const Result<Resolver::Addresses> &addresses)
    {
        auto it = conns.find(id);
        if (it == conns.end())
            return;
        Conn &c = *it->second;
        if (c.phase != Phase::Resolving)
            return;
        auto found = personas.find(c.persona);
        if (found == personas.end())
            return respond(c, 503, Text::tr("persona %1 is not served by this proxy").arg(c.persona));
        PersonaState &ps = *found;
        if (!addresses) {
            ++ps.counters.failed;
            const bool missing = addresses.error().code == Error::Code::NotFound;
            const QString reason = addresses.error().message;
            record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, missing ? 502 : 504);
            return respond(c, missing ? 502 : 504, reason);
        }
        // Every address is checked; only those that pass are dialled, in the resolver's order.
        std::optional<cedar::Decision> chosen;
        QString refusal;
        for (const IpAddress &a : *addresses) {
            std::shared_ptr<const cedar::PolicySet> set;
            const cedar::Decision d = evaluate(c, ps, a, &set);
            if (isSelf(a, c.request.port)) {
                refusal = Text::tr("refused: %1 is this proxy itself").arg(c.resource);
                continue;
            }
            if (const QString why = guardRefusal(c, a);
                !why.isEmpty() && !(d.policyAllowed && namesAddress(*set, d, c.request.host))) {
                if (refusal.isEmpty())
                    refusal = why;
                continue;
            }
            if (!chosen) {
                chosen = d;
            } else if (chosen->policyAllowed != d.policyAllowed) {
                continue; // fall back only to addresses with the same decision
            }
            c.candidates.push_back(a);
        }
        if (!chosen)
            return refuse(c, ps, refusal, {});
        decided(c, ps, *chosen);
    }

    void refuse(Conn &c, PersonaState &ps, const QString &reason, const QStringList &policies)
    {
        ++ps.counters.denied;
        statusDirty = true;
        record(c, actionName(c), AuditEvent::Decision::Deny, policies, reason, 403);
        respond(c, 403, reason);
    }

    void limited(Conn &c, PersonaState &ps, const QString &reason)
    {
        ++ps.counters.limited;
        record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 429);
        respond(c, 429, reason);
    }

    void decided(Conn &c, PersonaState &ps, const cedar::Decision &d)
    {
        const bool enforce = ps.config.mode == Persona::PolicyMode::Enforce;
        if (!d.policyAllowed && enforce) {
            ++ps.counters.denied;
            record(c, actionName(c), AuditEvent::Decision::Deny, reasonIds(d), policyReason(d), 403);
            return respond(c, 403, policyReason(d));
        }
        if (d.policyAllowed)
            ++ps.counters.allowed;
        else
            ++ps.counters.wouldDeny;
        c.address = c.candidates.empty() ? IpAddress{} : c.candidates.front();
        c.haveAddress = !c.candidates.empty();
        record(c, actionName(c),
               d.policyAllowed ? AuditEvent::Decision::Allow : AuditEvent::Decision::WouldDeny, reasonIds(d),
               policyReason(d), 0);
        c.counted = true;
        ++ps.counters.active;
        statusDirty = true;
        dial(c);
    }

    // --- dialling ----------------------------------------------------------------------------

    void dial(Conn &c)
    {
        IpAddress target;
        int port = c.request.port;
        if (c.viaUpstream || !upstreamHost.isEmpty()) {
            c.viaUpstream = true;
            target = **AddressGuard::parseLiteral(upstreamHost);
            port = upstreamPort;
        } else {
            if (c.nextCandidate >= c.candidates.size())
                return failed(c, 502, Text::tr("no address of %1 could be reached").arg(c.resource));
            target = c.candidates[c.nextCandidate++];
            c.address = target;
        }
        if (c.upstream >= 0) {
            watch(c.upstream, 0, 0, &c.upstreamEvents);
            ::close(c.upstream);
            c.upstream = -1;
        }
        const SockAddr sa = toSockAddr(target, port);
        const int fd =
            ::socket(target.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return failed(
                c, 502, Text::tr("no socket for %1: %2").arg(c.resource, QString::fromUtf8(strerror(errno))));
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c.upstream = fd;
        c.phase = Phase::Connecting;
        c.deadlineUs = nowUs() + qint64(limitsOf(c.persona).connectTimeoutMs) * 1000;
        if (::connect(fd, sa.get(), sa.length) == 0 || errno == EINPROGRESS) {
            update(c);
            return;
        }
        c.error = QString::fromUtf8(strerror(errno));
        dial(c); // the next address, or 502
    }

    void connected(Conn &c)
    {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            c.error = QString::fromUtf8(strerror(err));
            return dial(c);
        }
        if (c.viaUpstream) {
            QByteArray ask;
            if (c.request.connect) {
                const QByteArray target = hostPort(c.request.host, c.request.port).toUtf8();
                ask = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n";
                c.toUpstream.prepend(ask);
                c.phase = Phase::UpstreamProxy;
                c.deadlineUs = nowUs() + qint64(limitsOf(c.persona).connectTimeoutMs) * 1000;
                flush(c, c.upstream, c.toUpstream, c.bytesUp, false);
                if (alive(c.id))
                    update(c);
                return;
            }
        }
        established(c);
    }

    void readUpstreamProxy(Conn &c)
    {
        const ssize_t n = ::read(c.upstream, scratch.data(), scratch.size());
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return failed(c, 502, Text::tr("the upstream proxy closed the connection"));
        if (n < 0)
            return;
        c.responseHead.append(scratch.data(), n);
        const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
        if (end < 0) {
            if (c.responseHead.size() > RequestParser::MaxHeadBytes)
                return failed(c, 502, Text::tr("the upstream proxy's answer is too long"));
            return;
        }
        const QByteArray statusLine = c.responseHead.left(c.responseHead.indexOf("\r\n"));
        const QList<QByteArray> parts = statusLine.split(' ');
        if (parts.size() < 2 || parts[1] != "200")
            return failed(
                c, 502,
                Text::tr("the upstream proxy refused: %1").arg(QString::fromLatin1(statusLine.left(200))));
        // Bytes past its head are the destination's already.
        c.toClient = c.responseHead.mid(end + 4);
        c.responseHead.clear();
        established(c);
    }

    void established(Conn &c)
    {
        c.lastUs = nowUs();
        const ProxyLimits limits = limitsOf(c.persona);
        c.deadlineUs = limits.totalTimeoutMs > 0 ? c.startUs + qint64(limits.totalTimeoutMs) * 1000 : 0;
        if (c.request.connect) {
            c.phase = Phase::Tunnel;
            static constexpr char answer[] = "HTTP/1.1 200 Connection established\r\n\r\n";
            c.toClient.prepend(answer);
            c.bytesDown -= qint64(sizeof(answer) - 1); // the proxy's own answer is no tunnel byte
            c.toUpstream.append(c.early);
            c.early.clear();
        } else {
            c.phase = Phase::Forward;
            c.toUpstream = forwardHead(c) + c.early; // the early body was checked already
            c.early.clear();
        }
        const quint64 id = c.id;
        if (!c.toClient.isEmpty() && !flush(c, c.client, c.toClient, c.bytesDown))
            return;
        if (alive(id) && !c.toUpstream.isEmpty() && !flush(c, c.upstream, c.toUpstream, c.bytesUp))
            return;
        if (alive(id))
            update(c);
    }

    QByteArray forwardHead(const Conn &c) const
    {
        const ProxyRequest &r = c.request;
        const QList<QByteArray> options = connectionOptions(r.headers);
        QByteArray out;
        out.reserve(1024);
        out += r.method + ' ';
        if (c.viaUpstream)
            out += "http://" + hostPort(r.host, r.port).toUtf8() + r.path;
        else
            out += r.path;
        out += " HTTP/1.1\r\n";
        bool hasHost = false;
        for (const auto &[name, value] : r.headers) {
            const QByteArray lower = name.toLower();
            if (lower == "host")
                hasHost = true;
            if (isHopByHop(name) && lower != "transfer-encoding")
                continue; // the body is forwarded as framed, chunked or not
            if (options.contains(lower))
                continue;
            out += name + ": " + value + "\r\n";
        }
        if (!hasHost)
            out += "Host: " + (r.port == 80 ? r.host.toUtf8() : hostPort(r.host, r.port).toUtf8()) + "\r\n";
        out += "Via: 1.1 paddock\r\nConnection: close\r\n\r\n";
        return out;
    }

    // Body bytes of a plain request, checked by the parser before they are passed on; what
    // follows the request's end is not read (one request per connection).
    bool acceptBody(Conn &c, const char *data, qsizetype size)
    {
        const RequestParser::State state = c.parser->feed(data, size);
        if (state == RequestParser::State::Invalid) {
            finish(c, Text::tr("invalid request body: %1").arg(c.parser->error()));
            return false;
        }
        c.toUpstream.append(data, c.parser->consumed());
        if (state == RequestParser::State::Complete || c.parser->isComplete())
            c.requestDone = true;
        return true;
    }

    // --- copying -----------------------------------------------------------------------------

    // Writes what `pending` holds to `fd`; false when the connection ended.
    bool flush(Conn &c, int fd, QByteArray &pending, qint64 &counter, bool count = true)
    {
        while (!pending.isEmpty()) {
            const ssize_t w = ::send(fd, pending.constData(), size_t(pending.size()), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                finish(
                    c,
                    fd == c.client
                        ? Text::tr("the client went away")
                        : Text::tr("the destination went away: %1").arg(QString::fromUtf8(strerror(errno))));
                return false;
            }
            if (count)
                counter += w;
            pending.remove(0, w);
        }
        if (pending.isEmpty()) {
            pending = QByteArray(); // give the memory back while idle
            if (!shutdowns(c))
                return false;
        }
        return true;
    }

    // Passes on an end of stream once everything before it has been written; ends the connection
    // once both directions are done.
    bool shutdowns(Conn &c)
    {
        if (c.clientEof && !c.upShut && c.toUpstream.isEmpty() && c.upstream >= 0) {
            ::shutdown(c.upstream, SHUT_WR);
            c.upShut = true;
        }
        if (c.upstreamEof && !c.downShut && c.toClient.isEmpty() && c.client >= 0) {
            ::shutdown(c.client, SHUT_WR);
            c.downShut = true;
        }
        const bool upDone = c.upShut || (c.phase == Phase::Forward && c.requestDone);
        if (c.downShut && upDone) {
            finish(c, {});
            return false;
        }
        return true;
    }

    qint64 allowance(Conn &c)
    {
        PersonaState &ps = personas[c.persona];
        if (ps.config.limits.bytesPerSecond <= 0)
            return BufferBytes;
        const qint64 a = std::min<qint64>(BufferBytes, ps.bytes.available(nowUs()));
        if (a <= 0) {
            c.throttled = true;
            throttled.insert(c.id);
            if (!throttleTimer->isActive())
                throttleTimer->start();
            update(c);
        }
        return a;
    }

    void spend(Conn &c, qint64 n)
    {
        PersonaState &ps = personas[c.persona];
        if (ps.config.limits.bytesPerSecond > 0)
            ps.bytes.tokens -= double(n);
    }

    void relayUp(Conn &c)
    {
        const qint64 max = allowance(c);
        if (max <= 0)
            return;
        const ssize_t n = ::read(c.client, scratch.data(), size_t(max));
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            return finish(c, Text::tr("the client reset the connection"));
        }
        c.lastUs = nowUs();
        if (n == 0) {
            c.clientEof = true;
            if (!shutdowns(c))
                return;
            return update(c);
        }
        spend(c, n);
        if (c.phase == Phase::Forward) {
            if (c.requestDone)
                return update(c); // nothing past the request is read
            if (!acceptBody(c, scratch.data(), n))
                return;
        } else {
            c.toUpstream.append(scratch.data(), n);
        }
        if (!flush(c, c.upstream, c.toUpstream, c.bytesUp))
            return;
        update(c);
    }

    void relayDown(Conn &c)
    {
        const qint64 max = allowance(c);
        if (max <= 0)
            return;
        const ssize_t n = ::read(c.upstream, scratch.data(), size_t(max));
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            return finish(c, Text::tr("the destination reset the connection"));
        }
        c.lastUs = nowUs();
        if (n == 0) {
            c.upstreamEof = true;
            if (c.phase == Phase::Forward && !c.responseHeadDone && !c.responseHead.isEmpty())
                c.toClient = c.responseHead; // a head cut short goes as it came
            if (!shutdowns(c))
                return;
            if (!flush(c, c.client, c.toClient, c.bytesDown))
                return;
            return update(c);
        }
        spend(c, n);
        if (c.phase == Phase::Forward && !c.responseHeadDone) {
            c.responseHead.append(scratch.data(), n);
            const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
            if (end < 0) {
                if (c.responseHead.size() > RequestParser::MaxHeadBytes)
                    return finish(c, Text::tr("the response head is over 64 KiB"));
                return update(c);
            }
            c.responseHeadDone = true;
            c.toClient = rewriteResponseHead(c.responseHead.left(end)) + c.responseHead.mid(end + 4);
            c.responseHead = QByteArray();
        } else {
            c.toClient.append(scratch.data(), n);
        }
        if (!flush(c, c.client, c.toClient, c.bytesDown))
            return;
        update(c);
    }

    // The response's hop-by-hop fields removed; the client's connection ends with it.
    static QByteArray rewriteResponseHead(const QByteArray &head)
    {
        const QList<QByteArray> lines = head.split('\n');
        QList<std::pair<QByteArray, QByteArray>> fields;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].endsWith('\r') ? lines[i].chopped(1) : lines[i];
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                fields.append({line.left(colon), line.mid(colon + 1).trimmed()});
        }
        const QList<QByteArray> options = connectionOptions(fields);
        QByteArray out =
            (lines.value(0).endsWith('\r') ? lines.value(0).chopped(1) : lines.value(0)) + "\r\n";
        for (const auto &[name, value] : fields) {
            if ((isHopByHop(name) && name.compare("transfer-encoding", Qt::CaseInsensitive) != 0) ||
                options.contains(name.toLower()))
                continue;
            out += name + ": " + value + "\r\n";
        }
        out += "Via: 1.1 paddock\r\nConnection: close\r\n\r\n";
        return out;
    }

    void resumeThrottled()
    {
        std::vector<quint64> ids(throttled.begin(), throttled.end());
        throttled.clear();
        for (quint64 id : ids)
            if (auto it = conns.find(id); it != conns.end()) {
                it->second->throttled = false;
                update(*it->second);
            }
        if (throttled.empty())
            throttleTimer->stop();
    }

    // --- answers and endings -----------------------------------------------------------------

    void failed(Conn &c, int status, const QString &reason)
    {
        PersonaState &ps = personas[c.persona];
        ++ps.counters.failed;
        const QString why = c.error.isEmpty() ? reason : reason + QStringLiteral(" (") + c.error + u')';
        if (c.phase == Phase::Tunnel || c.phase == Phase::Forward)
            return finish(c, why);
        recordClose(c, why);
        respond(c, status, why);
    }

    // Answers with an error and closes: the client's end is shut down, and what it still sends
    // is read and dropped until it closes (so that the answer is not lost to a reset).
    void respond(Conn &c, int status, const QString &reason)
    {
        const QByteArray body = reason.toUtf8() + '\n';
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status) + "\r\n";
        out += QByteArray(ReasonHeader) + ": " + headerSafe(reason) + "\r\n";
        out +=
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        ::send(c.client, out.constData(), size_t(out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(c.client, SHUT_WR);
        if (c.upstream >= 0) {
            watch(c.upstream, 0, 0, &c.upstreamEvents);
            ::close(c.upstream);
            c.upstream = -1;
        }
        c.parser.reset();
        c.early = QByteArray();
        c.toClient = QByteArray();
        c.toUpstream = QByteArray();
        c.phase = Phase::Linger;
        c.deadlineUs = nowUs() + 2'000'000;
        update(c);
    }

    void drainLinger(Conn &c)
    {
        const ssize_t n = ::read(c.client, scratch.data(), scratch.size());
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            destroy(c);
    }

    // A tunnel or forwarded request ends: its close is recorded.
    void finish(Conn &c, const QString &error)
    {
        recordClose(c, error);
        destroy(c);
    }

    void recordClose(Conn &c, const QString &error)
    {
        if (c.counted) {
            PersonaState &ps = personas[c.persona];
            --ps.counters.active;
            ps.counters.bytesUp += c.bytesUp;
            ps.counters.bytesDown += c.bytesDown;
            statusDirty = true;
            QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                                {QStringLiteral("bytesUp"), std::max<qint64>(0, c.bytesUp)},
                                {QStringLiteral("bytesDown"), std::max<qint64>(0, c.bytesDown)},
                                {QStringLiteral("durationMs"), (nowUs() - c.startUs) / 1000}};
            if (!error.isEmpty())
                details.insert(QStringLiteral("error"), error);
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = c.persona;
            e.action = actionName(c) + QStringLiteral(".close");
            e.resource = c.resource;
            e.decision = AuditEvent::Decision::Info;
            e.setDetails(details);
            if (options.audit)
                options.audit->append(std::move(e));
            c.counted = false;
        }
    }

    void destroy(Conn &c)
    {
        if (c.counted) {
            --personas[c.persona].counters.active;
            c.counted = false;
        }
        if (c.client >= 0) {
            ::close(c.client); // closing removes it from the epoll set
            c.client = -1;
        }
        if (c.upstream >= 0) {
            ::close(c.upstream);
            c.upstream = -1;
        }
        throttled.erase(c.id);
        conns.erase(c.id); // c is gone after this
    }

    void record(const Conn &c, const QString &action, AuditEvent::Decision decision,
                const QStringList &policies, const QString &reason, int status)
    {
        if (!options.audit)
            return;
        const auto ps = personas.constFind(c.persona);
        QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                            {QStringLiteral("client"), c.client_},
                            {QStringLiteral("mode"),
                             Persona::policyModeName(ps == personas.constEnd() ? Persona::PolicyMode::Enforce
                                                                               : ps->config.mode)}};
        if (!c.candidates.empty())
            details.insert(QStringLiteral("address"), c.candidates.front().toString());
        if (!reason.isEmpty())
            details.insert(QStringLiteral("reason"), reason);
        if (status)
            details.insert(QStringLiteral("status"), status);
        if (!c.request.connect && !c.request.method.isEmpty()) {
            details.insert(QStringLiteral("method"), QString::fromLatin1(c.request.method));
            details.insert(QStringLiteral("path"), QString::fromUtf8(c.request.path.left(2048)));
        }
        if (c.viaUpstream)
            details.insert(QStringLiteral("upstream"), options.upstream);
        AuditEvent e;
        e.source = AuditEvent::Source::Proxy;
        e.persona = c.persona;
        e.action = action;
        e.resource = c.resource;
        e.decision = decision;
        e.policies = policies;
        e.setDetails(details);
        options.audit->append(std::move(e));
    }

    // --- time --------------------------------------------------------------------------------

    void sweep()
    {
        const qint64 now = nowUs();
        std::vector<quint64> due;
        for (const auto &[id, c] : conns) {
            const bool tunnelling = c->phase == Phase::Tunnel || c->phase == Phase::Forward;
            if ((c->deadlineUs && now >= c->deadlineUs) ||
                (tunnelling && now - c->lastUs >= qint64(limitsOf(c->persona).idleTimeoutMs) * 1000))
                due.push_back(id);
        }
        for (quint64 id : due) {
            auto it = conns.find(id);
            if (it == conns.end())
                continue;
            Conn &c = *it->second;
            const ProxyLimits limits = limitsOf(c.persona);
            switch (c.phase) {
            case Phase::Head:
                respond(c, 408,
                        Text::tr("the request did not arrive within %1 s").arg(limits.headTimeoutMs / 1000));
                break;
            case Phase::Resolving:
                ++personas[c.persona].counters.failed;
                record(c, actionName(c), AuditEvent::Decision::Deny, {},
                       Text::tr("%1 could not be resolved in time").arg(c.request.host), 504);
                respond(c, 504, Text::tr("%1 could not be resolved in time").arg(c.request.host));
                break;
            case Phase::Connecting:
            case Phase::UpstreamProxy:
                c.error = Text::tr("no answer within %1 s").arg(limits.connectTimeoutMs / 1000);
                if (c.phase == Phase::Connecting && c.nextCandidate < c.candidates.size())
                    dial(c);
                else
                    failed(c, 504, Text::tr("%1 could not be reached").arg(c.resource));
                break;
            case Phase::Tunnel:
            case Phase::Forward:
                finish(c, c.deadlineUs && now >= c.deadlineUs
                              ? Text::tr("open longer than %1 s").arg(limits.totalTimeoutMs / 1000)
                              : Text::tr("idle for %1 s").arg(limits.idleTimeoutMs / 1000));
                break;
            case Phase::Linger:
                destroy(c);
                break;
            }
        }
    }

    // --- status ------------------------------------------------------------------------------

    void publishStatus()
    {
        ProxyStatus s;
        for (const auto &[id, l] : listeners)
            s.listeners.append({l.persona, l.address.toString(), l.port});
        std::sort(s.listeners.begin(), s.listeners.end(),
                  [](const auto &a, const auto &b) { return a.persona < b.persona; });
        for (auto it = personas.cbegin(); it != personas.cend(); ++it)
            s.personas.insert(it.key(), it->counters);
        s.upstream = options.upstream;
        {
            QMutexLocker lock(&statusMutex);
            snapshot = s;
        }
        // The file at most once a second.
        const qint64 now = nowUs();
        if (options.statusPath.isEmpty() || !statusDirty || now - lastStatusFileUs < 1'000'000)
            return;
        lastStatusFileUs = now;
        statusDirty = false;
        QByteArray json = statusJson(s);
        if (json == lastStatusJson)
            return;
        lastStatusJson = json;
        // A snapshot for `paddockctl proxy status`: replaced whole, never fsynced (it is rewritten
        // every second and means nothing after a crash).
        QDir().mkpath(QFileInfo(options.statusPath).path());
        const QString tmp = options.statusPath + QStringLiteral(".tmp");
        QFile f(tmp);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(json) == json.size()) {
            f.close();
            ::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(options.statusPath).constData());
        }
    }
};

EgressProxy::EgressProxy(Options options)
    : EngineService(QStringLiteral("proxy"))
    , m_impl(std::make_unique<Impl>(this, std::move(options)))
{}

EgressProxy::~EgressProxy() = default;

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
    QMetaObject::invokeMethod(
        this,
        [this, persona] {
            Impl::PersonaState &ps = m_impl->personas[persona.name];
            ps.config = persona;
            ps.connections.configure(persona.limits.connectionsPerSecond, persona.limits.connectionBurst);
            const double bytes = double(persona.limits.bytesPerSecond);
            // A quarter second's worth at once, and at least one buffer, so a read is never starved.
            ps.bytes.configure(bytes, std::max(bytes / 4, double(BufferBytes)));
            m_impl->statusDirty = true;
            m_impl->publishStatus();
        },
        Qt::AutoConnection);
}

void EgressProxy::removePersona(const QString &name)
{
    QMetaObject::invokeMethod(
        this,
        [this, name] {
            closeListeners(name);
            std::vector<quint64> ids;
            for (const auto &[id, c] : m_impl->conns)
                if (c->persona == name)
                    ids.push_back(id);
            for (quint64 id : ids)
                if (auto it = m_impl->conns.find(id); it != m_impl->conns.end())
                    m_impl->finish(*it->second, Text::tr("persona %1 is no longer served").arg(name));
            m_impl->personas.remove(name);
            m_impl->statusDirty = true;
            m_impl->publishStatus();
        },
        Qt::AutoConnection);
}

Result<int> EgressProxy::listen(const QString &persona, const QString &address, int port)
{
    auto literal = AddressGuard::parseLiteral(address);
    if (!literal || !*literal)
        return std::unexpected(Error{Error::Code::Invalid,
                                     Text::tr("\"%1\" is not an IP address to listen on").arg(address),
                                     {},
                                     Text::tr("Give an IPv4 or IPv6 address, e.g. 127.0.0.1.")});
    if (port != 0) {
        if (QThread::currentThread() == thread()) {
            for (const auto &[id, l] : m_impl->listeners)
                if (l.persona == persona && sameAddress(l.address, **literal) && l.port == port)
                    return port;
        } else {
            QMutexLocker lock(&m_impl->statusMutex);
            for (const auto &l : std::as_const(m_impl->snapshot.listeners))
                if (l.persona == persona && l.address == (*literal)->toString() && l.port == port)
                    return port;
        }
    }
    const IpAddress a = **literal;
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
    if (::listen(fd, 4096) != 0)
        return fail(Text::tr("listen failed"));
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &len);
    int boundPort = 0;
    fromSockAddr(reinterpret_cast<const sockaddr *>(&bound), &boundPort);
    QMetaObject::invokeMethod(
        this,
        [this, fd, persona, a, boundPort] {
            Impl::Listener l;
            l.id = m_impl->nextId++;
            l.fd = fd;
            l.persona = persona;
            l.address = a;
            l.port = boundPort;
            uint32_t current = 0;
            m_impl->watch(fd, keyOf(l.id, ListenerKey), EPOLLIN, &current);
            m_impl->listeners.emplace(l.id, l);
            m_impl->statusDirty = true;
            m_impl->publishStatus();
            emit listening(persona, a.toString(), boundPort);
        },
        Qt::AutoConnection);
    return boundPort;
}

void EgressProxy::serve(const QString &persona, const QString &address)
{
    const QString key = QStringLiteral("proxy:") + persona;
    if (auto bound = listen(persona, address, EgressProxyPort); !bound)
        emit problem(key, bound.error());
    else
        emit recovered(key);
}

void EgressProxy::closeListeners(const QString &persona)
{
    QMetaObject::invokeMethod(
        this,
        [this, persona] {
            for (auto it = m_impl->listeners.begin(); it != m_impl->listeners.end();) {
                if (it->second.persona == persona) {
                    ::close(it->second.fd);
                    it = m_impl->listeners.erase(it);
                } else {
                    ++it;
                }
            }
            m_impl->statusDirty = true;
            m_impl->publishStatus();
        },
        Qt::AutoConnection);
}

ProxyStatus EgressProxy::status() const
{
    QMutexLocker lock(&m_impl->statusMutex);
    return m_impl->snapshot;
}

QByteArray EgressProxy::statusJson(const ProxyStatus &s)
{
    QJsonArray listeners;
    for (const auto &l : s.listeners)
        listeners.append(QJsonObject{{QStringLiteral("persona"), l.persona},
                                     {QStringLiteral("address"), l.address},
                                     {QStringLiteral("port"), l.port}});
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
