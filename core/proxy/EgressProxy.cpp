#include "proxy/EgressProxy.h"

#include "audit/AuditStore.h"
#include "policy/Extensions.h"
#include "policy/PolicySet.h"
#include "proxy/RequestParser.h"
#include "runtime/PersonaRuntime.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
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

// What the workers share about a persona: its settings and buckets under a mutex, its counters
// as atomics (read by status() at any time).
struct PersonaShared
{
    mutable QMutex mutex;
    ProxyPersona config;     // guarded
    TokenBucket connections; // guarded
    TokenBucket bytes;       // guarded
    std::atomic<qint64> requests{0}, allowed{0}, denied{0}, wouldDeny{0}, limited{0}, invalid{0}, failed{0};
    std::atomic<qint64> bytesUp{0}, bytesDown{0};
    std::atomic<int> active{0};

    ProxyPersona settings() const
    {
        QMutexLocker lock(&mutex);
        return config;
    }
    ProxyCounters counters() const
    {
        ProxyCounters c;
        c.requests = requests;
        c.allowed = allowed;
        c.denied = denied;
        c.wouldDeny = wouldDeny;
        c.limited = limited;
        c.invalid = invalid;
        c.failed = failed;
        c.active = active;
        c.bytesUp = bytesUp;
        c.bytesDown = bytesDown;
        return c;
    }
};

// A listening socket, shared by the workers (each has it in its epoll set, EPOLLEXCLUSIVE: one is
// woken per connection); closed when the last worker lets go of it.
struct ListenSocket
{
    quint64 id = 0;
    int fd = -1;
    QString persona;
    IpAddress address; // a TCP listener's (loopback, paddockctl proxy listen)
    int port = 0;
    QString path; // a Unix socket's (an isolated persona's egress socket): the persona is the socket's
    ino_t inode = 0; // the socket file's, to tell whether it is still the one at `path`
    ListenSocket() = default;
    ListenSocket(const ListenSocket &) = delete;
    ListenSocket &operator=(const ListenSocket &) = delete;
    ~ListenSocket()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

class ProxyWorker;

namespace {

using LocalNames = QHash<QString, std::vector<IpAddress>>;

QString normalName(const QString &host)
{
    QString name = host.toLower();
    if (name.endsWith(u'.'))
        name.chop(1);
    return name;
}

// The names this host resolves without asking DNS: the localhost family (RFC 6761), the host's
// own name (as nss-myhostname answers it: loopback), and whatever `hostsFile` lists.
LocalNames localNames(const QString &hostsFile)
{
    LocalNames names;
    const std::vector<IpAddress> loopback{IpAddress::v4(0x7f000001), **AddressGuard::parseLiteral(u"::1")};
    for (const char *n : {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
        names.insert(QString::fromLatin1(n), loopback);
    char own[256] = {};
    if (::gethostname(own, sizeof own - 1) == 0 && own[0]) {
        const QString full = normalName(QString::fromLocal8Bit(own));
        names.insert(full, loopback);
        names.insert(full.section(u'.', 0, 0), loopback);
    }
    QFile file(hostsFile);
    if (!file.open(QIODevice::ReadOnly))
        return names;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const qsizetype hash = raw.indexOf('#');
        const QByteArray line = (hash < 0 ? raw : raw.first(hash)).simplified();
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() < 2)
            continue;
        auto address = AddressGuard::parseLiteral(QString::fromLatin1(fields.first()));
        if (!address || !*address)
            continue;
        for (const QByteArray &name : fields.mid(1)) {
            std::vector<IpAddress> &list = names[normalName(QString::fromLatin1(name))];
            if (std::find(list.begin(), list.end(), **address) == list.end())
                list.push_back(**address);
        }
    }
    return names;
}

// What `host` stands for on this host without DNS (the localhost family includes every name under
// .localhost, RFC 6761), or null.
const std::vector<IpAddress> *localAddresses(const LocalNames &names, const QString &host)
{
    QString name = normalName(host);
    if (name.endsWith(QLatin1StringView(".localhost")))
        name = QStringLiteral("localhost");
    const auto found = names.constFind(name);
    return found == names.cend() ? nullptr : &*found;
}

} // namespace

struct EgressProxy::Impl
{
    EgressProxy *q = nullptr;
    Options options;
    Resolver resolver;
    QString upstreamHost;
    int upstreamPort = 0;
    LocalNames localNames; // with an upstream: checked here, not left to it (set before the workers)
    std::vector<std::unique_ptr<ProxyWorker>> workers;
    std::atomic<quint64> nextListenerId{1};

    mutable QMutex mutex; // guards what follows
    QHash<QString, std::shared_ptr<PersonaShared>> personas;
    std::vector<std::shared_ptr<ListenSocket>> listeners;

    QTimer *statusTimer = nullptr;
    QByteArray lastStatusJson;
    qint64 lastStatusFileUs = 0;

    // Defined below ProxyWorker, which they need whole.
    Impl(EgressProxy *proxy, Options o);
    ~Impl();

    std::shared_ptr<PersonaShared> persona(const QString &name) const
    {
        QMutexLocker lock(&mutex);
        return personas.value(name);
    }
    // The proxy's own listening addresses (never a destination).
    bool isSelf(const IpAddress &a, int port, const std::function<bool(const IpAddress &)> &isHost) const
    {
        QMutexLocker lock(&mutex);
        for (const auto &l : listeners)
            if (l->path.isEmpty() && l->port == port &&
                (sameAddress(l->address, a) ||
                 (isUnspecified(l->address) && (isHost(a) || !AddressGuard::refusal(a).isEmpty()))))
                return true;
        return false;
    }

    // Any thread: serves `l` from every worker.
    void addListener(const std::shared_ptr<ListenSocket> &l);
    Result<void> start();
    void stop();
    ProxyStatus current() const;
    void publishStatus();
};

// One thread serving connections with an epoll set of its own (edge-triggered: each socket is
// registered once; readiness is remembered until a read or write says EAGAIN).
class ProxyWorker
{
public:
    enum class Phase {
        Head,          // reading the request head
        Resolving,     // waiting for the resolver
        Connecting,    // dialling the destination (or the upstream proxy)
        UpstreamProxy, // waiting for the upstream proxy's answer to our CONNECT
        Tunnel,        // copying both ways (CONNECT)
        Forward,       // a plain HTTP request and its response
        Linger,        // answered and shut down; draining until the client closes
    };

    struct Conn
    {
        quint64 id = 0;
        std::shared_ptr<PersonaShared> persona;
        QString personaName;
        ProxyLimits limits;
        Persona::PolicyMode mode = Persona::PolicyMode::Enforce;
        int client = -1;
        int upstream = -1;
        bool clientReadable = true; // with TCP_DEFER_ACCEPT, the request is usually there
        bool clientWritable = false;
        bool upstreamReadable = false;
        bool upstreamWritable = false;
        bool clientHangup = false; // EPOLLRDHUP or EPOLLHUP seen: its end is in the socket
        bool upstreamHangup = false;
        Phase phase = Phase::Head;
        std::unique_ptr<RequestParser> parser;
        ProxyRequest request;
        QByteArray early; // bytes after the head, read before the decision
        QString resource;
        QString clientText;
        std::vector<IpAddress> candidates;
        size_t nextCandidate = 0;
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

    ProxyWorker(EgressProxy::Impl &proxy, int index)
        : m_proxy(proxy)
        , m_index(index)
    {}
    ~ProxyWorker()
    {
        if (m_epfd >= 0)
            ::close(m_epfd);
        if (m_wake >= 0)
            ::close(m_wake);
    }

    Result<void> start()
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

    void stop()
    {
        post([this] { m_stopping = true; });
        if (m_thread.joinable())
            m_thread.join();
    }

    // Runs `task` on this worker's thread.
    void post(std::function<void()> task)
    {
        {
            QMutexLocker lock(&m_taskMutex);
            m_tasks.push_back(std::move(task));
        }
        const uint64_t one = 1;
        (void)!::write(m_wake, &one, sizeof(one));
    }

    void addListener(std::shared_ptr<ListenSocket> l)
    {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLEXCLUSIVE;
        ev.data.u64 = keyOf(l->id, ListenerKey);
        ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, l->fd, &ev);
        m_listeners.emplace(l->id, std::move(l));
    }
    void removeListener(quint64 id)
    {
        if (auto it = m_listeners.find(id); it != m_listeners.end()) {
            ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, it->second->fd, nullptr);
            m_listeners.erase(it); // the last worker's erase closes it
        }
    }
    void closePersona(const QString &name, const QString &why)
    {
        std::vector<quint64> ids;
        for (const auto &[id, c] : m_conns)
            if (c->personaName == name)
                ids.push_back(id);
        for (quint64 id : ids)
            if (auto it = m_conns.find(id); it != m_conns.end())
                finish(*it->second, why);
    }

private:
    static constexpr quint64 WakeKey = ~quint64(0);

    void run()
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
                if (kind == ClientKey) {
                    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                        c.clientReadable = true;
                    if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                        c.clientHangup = true;
                    if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                        c.clientWritable = true;
                } else {
                    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                        c.upstreamReadable = true;
                    if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                        c.upstreamHangup = true;
                    if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                        c.upstreamWritable = true;
                }
                if ((ev & (EPOLLHUP | EPOLLERR)) && kind == ClientKey && !relaying(c) &&
                    c.phase != Phase::Head && c.phase != Phase::Linger) {
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

    void runTasks()
    {
        std::vector<std::function<void()>> tasks;
        {
            QMutexLocker lock(&m_taskMutex);
            tasks.swap(m_tasks);
        }
        for (auto &t : tasks)
            t();
    }

    static bool relaying(const Conn &c) { return c.phase == Phase::Tunnel || c.phase == Phase::Forward; }
    bool alive(quint64 id) const { return m_conns.find(id) != m_conns.end(); }

    void watch(int fd, quint64 key)
    {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u64 = key;
        ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, fd, &ev);
    }

    void accept(const ListenSocket &l)
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
    void pump(Conn &c)
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

    // One read of a socket whose readiness is remembered: the bytes read into m_scratch, 0 at its
    // end, -1 on an error; nothing when there is nothing now (EAGAIN clears the readiness, EINTR
    // keeps it for another try).
    std::optional<ssize_t> readReady(int fd, bool &readable)
    {
        const ssize_t n = ::read(fd, m_scratch.data(), m_scratch.size());
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            readable = errno == EINTR;
            return std::nullopt;
        }
        return n;
    }

    // --- the request head --------------------------------------------------------------------

    void readHead(Conn &c)
    {
        while (c.clientReadable) {
            const auto got = readReady(c.client, c.clientReadable);
            if (!got)
                continue;
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

    void invalid(Conn &c, const QString &reason, bool inHead)
    {
        if (inHead) {
            c.request = c.parser->request();
            c.request.connect = c.request.method == "CONNECT";
            if (!c.request.host.isEmpty())
                c.resource = hostPort(c.request.host, c.request.port);
        }
        if (c.persona)
            ++c.persona->invalid;
        record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 400);
        respond(c, 400, reason);
    }

    // --- the decision ------------------------------------------------------------------------

    static QString actionName(const Conn &c)
    {
        return c.request.connect ? QStringLiteral("connect") : QStringLiteral("http");
    }

    cedar::Decision evaluate(const Conn &c, const ProxyPersona &settings,
                             const std::optional<IpAddress> &address,
                             std::shared_ptr<const cedar::PolicySet> *setOut)
    {
        using namespace cedar;
        auto set = m_proxy.options.policies ? m_proxy.options.policies(settings.policySet) : nullptr;
        if (setOut)
            *setOut = set;
        if (!set)
            return Decision{};
        std::vector<Entity> list;
        Entity persona;
        persona.uid = EntityUid{"Paddock::Persona", c.personaName.toStdString()};
        persona.attrs["trust"] = Value(settings.trust.toStdString());
        Entity host;
        host.uid = EntityUid{"Paddock::Host", c.resource.toStdString()};
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

    static QStringList reasonIds(const cedar::Decision &d)
    {
        QStringList ids;
        for (const std::string &id : d.reason)
            ids << QString::fromStdString(id);
        return ids;
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
        if (now - m_hostAddressesUs > 5'000'000) {
            m_hostAddressesUs = now;
            m_hostAddresses.clear();
            ifaddrs *list = nullptr;
            if (::getifaddrs(&list) == 0) {
                for (ifaddrs *i = list; i; i = i->ifa_next)
                    if (i->ifa_addr &&
                        (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
                        m_hostAddresses.push_back(fromSockAddr(i->ifa_addr, nullptr));
                ::freeifaddrs(list);
            }
        }
        return std::any_of(m_hostAddresses.begin(), m_hostAddresses.end(),
                           [&](const IpAddress &h) { return sameAddress(h, a); });
    }

    bool isSelf(const IpAddress &a, int port)
    {
        return m_proxy.isSelf(a, port, [this](const IpAddress &x) { return isHostAddress(x); });
    }

    static bool namesAddress(const cedar::PolicySet &set, const cedar::Decision &d, const QString &host)
    {
        const std::string h = host.toStdString();
        for (const std::string &id : d.reason)
            if (const cedar::Policy *p = set.find(id); p && policyNames(*p, h))
                return true;
        return false;
    }

    void decide(Conn &c)
    {
        if (!c.persona)
            return respond(c, 503, Text::tr("persona %1 is not served by this proxy").arg(c.personaName));
        PersonaShared &ps = *c.persona;
        ++ps.requests;
        const qint64 now = nowUs();
        ProxyPersona settings;
        bool tokens = false;
        {
            QMutexLocker lock(&ps.mutex);
            settings = ps.config;
            // The tunnel limit is checked first, so that a refused one takes no token.
            if (ps.active.load() < settings.limits.maxTunnels)
                tokens = ps.connections.take(now);
        }
        c.limits = settings.limits;
        c.mode = settings.mode;
        if (ps.active.load() >= settings.limits.maxTunnels)
            return limited(c, Text::tr("rate limit: %1 tunnels open, the most persona %2 may hold")
                                  .arg(settings.limits.maxTunnels)
                                  .arg(c.personaName));
        if (!tokens)
            return limited(c, Text::tr("rate limit: more than %1 new connections a second")
                                  .arg(settings.limits.connectionsPerSecond));
        if (m_proxy.options.audit && !m_proxy.options.audit->admits(settings.failMode)) {
            ++ps.denied;
            return respond(
                c, 503,
                Text::tr("the audit log cannot be written, and persona %1 fails closed").arg(c.personaName));
        }
        auto literal = AddressGuard::parseLiteral(c.request.host);
        if (literal && *literal) {
            if (isSelf(**literal, c.request.port))
                return refuse(c, Text::tr("refused: %1 is this proxy itself").arg(c.resource));
            std::shared_ptr<const cedar::PolicySet> set;
            const cedar::Decision d = evaluate(c, settings, **literal, &set);
            const QString refusal = guardRefusal(c, **literal);
            if (!refusal.isEmpty() && !(d.policyAllowed && namesAddress(*set, d, c.request.host)))
                return refuse(c, refusal);
            c.candidates = {**literal};
            return decided(c, d);
        }
        // A name. Asked about without an address first: a name no policy could permit is never
        // resolved (a lookup would already carry it out to a DNS server), unless a permit looks
        // at addresses.
        std::shared_ptr<const cedar::PolicySet> set;
        const cedar::Decision first = evaluate(c, settings, std::nullopt, &set);
        if (!first.policyAllowed && first.errors.empty() && settings.mode == Persona::PolicyMode::Enforce &&
            !(set && permitsByAddress(*set))) {
            ++ps.denied;
            record(c, actionName(c), AuditEvent::Decision::Deny, reasonIds(first), policyReason(first), 403);
            return respond(c, 403, policyReason(first));
        }
        if (!m_proxy.upstreamHost.isEmpty()) {
            // The upstream proxy resolves names; it is dialled instead. A name this host resolves
            // itself is checked here first, with every address it stands for (the upstream picks
            // one): an upstream on this host (cntlm, px) would reach the host's own services.
            if (const std::vector<IpAddress> *local = localAddresses(m_proxy.localNames, c.request.host))
                for (const IpAddress &a : *local) {
                    if (isSelf(a, c.request.port))
                        return refuse(c, Text::tr("refused: %1 is this proxy itself").arg(c.resource));
                    std::shared_ptr<const cedar::PolicySet> byAddress;
                    const cedar::Decision d = evaluate(c, settings, a, &byAddress);
                    if (const QString why = guardRefusal(c, a);
                        !why.isEmpty() && !(d.policyAllowed && namesAddress(*byAddress, d, a.toString())))
                        return refuse(c, why);
                }
            c.viaUpstream = true;
            return decided(c, first);
        }
        c.phase = Phase::Resolving;
        c.deadlineUs = now + qint64(m_proxy.options.resolver.timeout.count()) * 1000 + 500'000;
        const quint64 id = c.id;
        m_proxy.resolver.resolve(c.request.host, [this, id](Result<Resolver::Addresses> addresses) {
            post([this, id, addresses = std::move(addresses)] { resolved(id, addresses); });
        });
    }

    void resolved(quint64 id, const Result<Resolver::Addresses> &addresses)
    {
        auto it = m_conns.find(id);
        if (it == m_conns.end() || it->second->phase != Phase::Resolving)
            return;
        Conn &c = *it->second;
        PersonaShared &ps = *c.persona;
        if (!addresses) {
            ++ps.failed;
            const bool missing = addresses.error().code == Error::Code::NotFound;
            const QString reason = addresses.error().message;
            record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, missing ? 502 : 504);
            return respond(c, missing ? 502 : 504, reason);
        }
        const ProxyPersona settings = ps.settings();
        // Every address is checked; only those that pass are dialled, in the resolver's order.
        std::optional<cedar::Decision> chosen;
        QString refusal;
        for (const IpAddress &a : *addresses) {
            if (isSelf(a, c.request.port)) {
                refusal = Text::tr("refused: %1 is this proxy itself").arg(c.resource);
                continue;
            }
            std::shared_ptr<const cedar::PolicySet> set;
            const cedar::Decision d = evaluate(c, settings, a, &set);
            // The address must be named (context.address, or the address itself), not the name:
            // a permit for a name does not vouch for where its DNS points.
            if (const QString why = guardRefusal(c, a);
                !why.isEmpty() && !(d.policyAllowed && namesAddress(*set, d, a.toString()))) {
                if (refusal.isEmpty())
                    refusal = why;
                continue;
            }
            if (!chosen)
                chosen = d;
            else if (chosen->policyAllowed != d.policyAllowed)
                continue; // fall back only to addresses with the same decision
            c.candidates.push_back(a);
        }
        if (!chosen)
            return refuse(c, refusal);
        decided(c, *chosen);
    }

    void refuse(Conn &c, const QString &reason)
    {
        ++c.persona->denied;
        record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 403);
        respond(c, 403, reason);
    }

    void limited(Conn &c, const QString &reason)
    {
        ++c.persona->limited;
        record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 429);
        respond(c, 429, reason);
    }

    void decided(Conn &c, const cedar::Decision &d)
    {
        PersonaShared &ps = *c.persona;
        if (!d.policyAllowed && c.mode == Persona::PolicyMode::Enforce) {
            ++ps.denied;
            record(c, actionName(c), AuditEvent::Decision::Deny, reasonIds(d), policyReason(d), 403);
            return respond(c, 403, policyReason(d));
        }
        if (d.policyAllowed)
            ++ps.allowed;
        else
            ++ps.wouldDeny;
        record(c, actionName(c),
               d.policyAllowed ? AuditEvent::Decision::Allow : AuditEvent::Decision::WouldDeny, reasonIds(d),
               policyReason(d), 0);
        c.counted = true;
        ++ps.active;
        dial(c);
    }

    // --- dialling ----------------------------------------------------------------------------

    void dial(Conn &c)
    {
        IpAddress target;
        int port = c.request.port;
        if (c.viaUpstream || !m_proxy.upstreamHost.isEmpty()) {
            c.viaUpstream = true;
            target = **AddressGuard::parseLiteral(m_proxy.upstreamHost);
            port = m_proxy.upstreamPort;
        } else {
            if (c.nextCandidate >= c.candidates.size())
                return failed(c, 502, Text::tr("no address of %1 could be reached").arg(c.resource));
            target = c.candidates[c.nextCandidate++];
        }
        if (c.upstream >= 0) {
            ::close(c.upstream); // leaves the epoll set with it
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
        c.upstreamReadable = c.upstreamWritable = c.upstreamHangup = false;
        c.phase = Phase::Connecting;
        c.deadlineUs = nowUs() + qint64(c.limits.connectTimeoutMs) * 1000;
        if (::connect(fd, sa.get(), sa.length) == 0 || errno == EINPROGRESS) {
            watch(fd, keyOf(c.id, UpstreamKey)); // EPOLLOUT once connected (or failed)
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
        if (c.viaUpstream && c.request.connect) {
            const QByteArray target = c.resource.toUtf8();
            c.toUpstream.prepend("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
            c.phase = Phase::UpstreamProxy;
            c.deadlineUs = nowUs() + qint64(c.limits.connectTimeoutMs) * 1000;
            return pump(c);
        }
        established(c);
    }

    void readUpstreamProxy(Conn &c)
    {
        while (c.upstreamReadable) {
            const auto got = readReady(c.upstream, c.upstreamReadable);
            if (!got)
                continue;
            const ssize_t n = *got;
            if (n <= 0)
                return failed(c, 502, Text::tr("the upstream proxy closed the connection"));
            c.responseHead.append(m_scratch.data(), n);
            const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
            if (end < 0) {
                if (c.responseHead.size() > RequestParser::MaxHeadBytes)
                    return failed(c, 502, Text::tr("the upstream proxy's answer is too long"));
                continue;
            }
            const QByteArray statusLine = c.responseHead.left(c.responseHead.indexOf("\r\n"));
            const QList<QByteArray> parts = statusLine.split(' ');
            if (parts.size() < 2 || parts[1] != "200")
                return failed(c, 502,
                              Text::tr("the upstream proxy refused: %1")
                                  .arg(QString::fromLatin1(statusLine.left(200))));
            // Bytes past its head are the destination's already.
            c.toClient = c.responseHead.mid(end + 4);
            c.responseHead.clear();
            return established(c);
        }
    }

    void established(Conn &c)
    {
        c.lastUs = nowUs();
        c.deadlineUs = c.limits.totalTimeoutMs > 0 ? c.startUs + qint64(c.limits.totalTimeoutMs) * 1000 : 0;
        if (c.request.connect) {
            c.phase = Phase::Tunnel;
            static constexpr char answer[] = "HTTP/1.1 200 Connection established\r\n\r\n";
            c.toClient.prepend(answer);
            c.bytesDown -= qint64(sizeof(answer) - 1); // the proxy's own answer is no tunnel byte
            c.toUpstream.append(c.early);
        } else {
            c.phase = Phase::Forward;
            c.toUpstream = forwardHead(c) + c.early; // the early body was checked already
        }
        c.early = QByteArray();
        c.clientReadable = true; // not read while deciding: see what came meanwhile
        relay(c);
    }

    QByteArray forwardHead(const Conn &c) const
    {
        const ProxyRequest &r = c.request;
        const QList<QByteArray> options = connectionOptions(r.headers);
        QByteArray out;
        out.reserve(1024);
        out += r.method + ' ';
        if (c.viaUpstream)
            out += "http://" + c.resource.toUtf8() + r.path;
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
            out += "Host: " + (r.port == 80 ? r.host.toUtf8() : c.resource.toUtf8()) + "\r\n";
        out += "Via: 1.1 paddock\r\nConnection: close\r\n\r\n";
        return out;
    }

    // --- copying -----------------------------------------------------------------------------

    // Writes what waits for the client (toClient) or the destination; false when the
    // connection ended.
    bool flush(Conn &c, bool toClient, bool count = true)
    {
        QByteArray &pending = toClient ? c.toClient : c.toUpstream;
        const int fd = toClient ? c.client : c.upstream;
        bool &writable = toClient ? c.clientWritable : c.upstreamWritable;
        while (!pending.isEmpty() && writable) {
            const ssize_t w = ::send(fd, pending.constData(), size_t(pending.size()), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN) {
                    writable = false;
                    break;
                }
                finish(
                    c,
                    toClient
                        ? Text::tr("the client went away")
                        : Text::tr("the destination went away: %1").arg(QString::fromUtf8(strerror(errno))));
                return false;
            }
            if (count)
                (toClient ? c.bytesDown : c.bytesUp) += w;
            if (w < pending.size())
                writable = false; // a short write: the socket's buffer is full
            pending.remove(0, w);
        }
        if (pending.isEmpty())
            pending = QByteArray(); // give the memory back while idle
        return true;
    }

    // Passes on an end of stream once everything before it has been written; ends the connection
    // once both directions are done. False when it ended.
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

    // How much this connection may read now (the persona's byte budget); 0 throttles it.
    qint64 allowance(Conn &c)
    {
        if (c.limits.bytesPerSecond <= 0)
            return EgressProxy::BufferBytes;
        qint64 a = 0;
        {
            QMutexLocker lock(&c.persona->mutex);
            a = std::min<qint64>(EgressProxy::BufferBytes, c.persona->bytes.available(nowUs()));
        }
        if (a <= 0) {
            c.throttled = true;
            m_throttled.insert(c.id);
        }
        return a;
    }

    void spend(Conn &c, qint64 n)
    {
        if (c.limits.bytesPerSecond <= 0)
            return;
        QMutexLocker lock(&c.persona->mutex);
        c.persona->bytes.tokens -= double(n);
    }

    void relay(Conn &c)
    {
        const quint64 id = c.id;
        for (bool progress = true; progress;) {
            progress = false;
            // client → destination
            if (!c.toUpstream.isEmpty()) {
                const qsizetype before = c.toUpstream.size();
                if (c.upstreamWritable && !flush(c, false))
                    return;
                progress |= c.toUpstream.size() < before;
            } else if (c.clientReadable && !c.clientEof && !c.throttled &&
                       !(c.phase == Phase::Forward && c.requestDone)) {
                if (!readSide(c, true, &progress))
                    return;
            }
            // destination → client
            if (!c.toClient.isEmpty()) {
                const qsizetype before = c.toClient.size();
                if (c.clientWritable && !flush(c, true))
                    return;
                progress |= c.toClient.size() < before;
            } else if (c.upstreamReadable && !c.upstreamEof && !c.throttled) {
                if (!readSide(c, false, &progress))
                    return;
            }
            if (!alive(id) || !shutdowns(c))
                return;
        }
    }

    // One read from the client (up) or the destination, passed on at once; false when the
    // connection ended.
    bool readSide(Conn &c, bool up, bool *progress)
    {
        const qint64 max = allowance(c);
        if (max <= 0)
            return true;
        const int fd = up ? c.client : c.upstream;
        const ssize_t n = ::read(fd, m_scratch.data(), size_t(max));
        if (n < 0) {
            if (errno == EINTR)
                return *progress = true;
            if (errno == EAGAIN) {
                (up ? c.clientReadable : c.upstreamReadable) = false;
                return true;
            }
            finish(c, up ? Text::tr("the client reset the connection")
                         : Text::tr("the destination reset the connection"));
            return false;
        }
        *progress = true;
        c.lastUs = nowUs();
        // A short read emptied the socket: the next bytes come with an edge of their own, so
        // no read is spent on hearing EAGAIN.
        // (Unless its end was announced: that edge has come already.)
        if (n > 0 && n < max && !(up ? c.clientHangup : c.upstreamHangup))
            (up ? c.clientReadable : c.upstreamReadable) = false;
        if (n == 0) {
            if (up) {
                c.clientEof = true;
            } else {
                c.upstreamEof = true;
                if (c.phase == Phase::Forward && !c.responseHeadDone && !c.responseHead.isEmpty())
                    c.toClient = std::exchange(c.responseHead, {}); // a head cut short goes as it came
            }
            return true;
        }
        spend(c, n);
        if (up) {
            if (c.phase == Phase::Forward) {
                // Body bytes, checked by the parser before they are passed on.
                const RequestParser::State state = c.parser->feed(m_scratch.data(), n);
                if (state == RequestParser::State::Invalid) {
                    finish(c, Text::tr("invalid request body: %1").arg(c.parser->error()));
                    return false;
                }
                c.toUpstream.append(m_scratch.data(), c.parser->consumed());
                c.requestDone = state == RequestParser::State::Complete || c.parser->isComplete();
            } else {
                c.toUpstream.append(m_scratch.data(), n);
            }
        } else if (c.phase == Phase::Forward && !c.responseHeadDone) {
            c.responseHead.append(m_scratch.data(), n);
            const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
            if (end < 0) {
                if (c.responseHead.size() > RequestParser::MaxHeadBytes) {
                    finish(c, Text::tr("the response head is over 64 KiB"));
                    return false;
                }
                return true;
            }
            c.responseHeadDone = true;
            c.toClient = rewriteResponseHead(c.responseHead.left(end)) + c.responseHead.mid(end + 4);
            c.responseHead = QByteArray();
        } else {
            c.toClient.append(m_scratch.data(), n);
        }
        return true;
    }

    // The response's hop-by-hop fields removed and the proxy's own version; the client's
    // connection ends with it.
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
        QByteArray status = lines.value(0).endsWith('\r') ? lines.value(0).chopped(1) : lines.value(0);
        if (status.startsWith("HTTP/1.0 ") || status.startsWith("HTTP/1.1 "))
            status = "HTTP/1.1 " + status.mid(9);
        QByteArray out = status + "\r\n";
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
        std::vector<quint64> ids(m_throttled.begin(), m_throttled.end());
        m_throttled.clear();
        for (quint64 id : ids)
            if (auto it = m_conns.find(id); it != m_conns.end()) {
                it->second->throttled = false;
                relay(*it->second);
            }
    }

    // --- answers and endings -----------------------------------------------------------------

    void failed(Conn &c, int status, const QString &reason)
    {
        ++c.persona->failed;
        const QString why = c.error.isEmpty() ? reason : reason + QStringLiteral(" (") + c.error + u')';
        if (relaying(c))
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
        out += QByteArray(EgressProxy::ReasonHeader) + ": " + headerSafe(reason) + "\r\n";
        out +=
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        (void)::send(c.client, out.constData(), size_t(out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(c.client, SHUT_WR);
        if (c.upstream >= 0) {
            ::close(c.upstream);
            c.upstream = -1;
        }
        c.parser.reset();
        c.early = QByteArray();
        c.toClient = QByteArray();
        c.toUpstream = QByteArray();
        c.phase = Phase::Linger;
        c.deadlineUs = nowUs() + 2'000'000;
        c.clientReadable = true;
        drainLinger(c);
    }

    void drainLinger(Conn &c)
    {
        while (c.clientReadable) {
            const auto got = readReady(c.client, c.clientReadable);
            if (!got)
                continue;
            const ssize_t n = *got;
            if (n <= 0)
                return destroy(c);
        }
    }

    // A tunnel or forwarded request ends: its close is recorded.
    void finish(Conn &c, const QString &error)
    {
        recordClose(c, error);
        destroy(c);
    }

    void recordClose(Conn &c, const QString &error)
    {
        if (!c.counted)
            return;
        PersonaShared &ps = *c.persona;
        --ps.active;
        ps.bytesUp += std::max<qint64>(0, c.bytesUp);
        ps.bytesDown += std::max<qint64>(0, c.bytesDown);
        c.counted = false;
        if (!m_proxy.options.audit)
            return;
        QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                            {QStringLiteral("bytesUp"), std::max<qint64>(0, c.bytesUp)},
                            {QStringLiteral("bytesDown"), std::max<qint64>(0, c.bytesDown)},
                            {QStringLiteral("durationMs"), (nowUs() - c.startUs) / 1000}};
        if (!error.isEmpty())
            details.insert(QStringLiteral("error"), error);
        AuditEvent e;
        e.source = AuditEvent::Source::Proxy;
        e.persona = c.personaName;
        e.action = actionName(c) + QStringLiteral(".close");
        e.resource = c.resource;
        e.decision = AuditEvent::Decision::Info;
        e.setDetails(details);
        m_proxy.options.audit->append(std::move(e));
    }

    void destroy(Conn &c)
    {
        if (c.counted) {
            --c.persona->active;
            c.counted = false;
        }
        if (c.client >= 0)
            ::close(c.client); // closing removes it from the epoll set
        if (c.upstream >= 0)
            ::close(c.upstream);
        m_throttled.erase(c.id);
        m_conns.erase(c.id); // c is gone after this
    }

    void record(const Conn &c, const QString &action, AuditEvent::Decision decision,
                const QStringList &policies, const QString &reason, int status)
    {
        if (!m_proxy.options.audit)
            return;
        QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                            {QStringLiteral("client"), c.clientText},
                            {QStringLiteral("mode"), Persona::policyModeName(c.mode)}};
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
            details.insert(QStringLiteral("upstream"), m_proxy.options.upstream);
        AuditEvent e;
        e.source = AuditEvent::Source::Proxy;
        e.persona = c.personaName;
        e.action = action;
        e.resource = c.resource;
        e.decision = decision;
        e.policies = policies;
        e.setDetails(details);
        m_proxy.options.audit->append(std::move(e));
    }

    // --- time --------------------------------------------------------------------------------

    void sweep(qint64 now)
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
                respond(
                    c, 408,
                    Text::tr("the request did not arrive within %1 s").arg(c.limits.headTimeoutMs / 1000));
                break;
            case Phase::Resolving: {
                const QString reason = Text::tr("%1 could not be resolved in time").arg(c.request.host);
                if (c.persona)
                    ++c.persona->failed;
                record(c, actionName(c), AuditEvent::Decision::Deny, {}, reason, 504);
                respond(c, 504, reason);
                break;
            }
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

    EgressProxy::Impl &m_proxy;
    const int m_index;
    int m_epfd = -1;
    int m_wake = -1;
    std::thread m_thread;
    bool m_stopping = false; // on the worker's thread only
    QMutex m_taskMutex;
    std::vector<std::function<void()>> m_tasks; // guarded by m_taskMutex
    std::vector<char> m_scratch = std::vector<char>(EgressProxy::BufferBytes);
    quint64 m_nextId = 1;
    std::unordered_map<quint64, std::unique_ptr<Conn>> m_conns;
    std::unordered_map<quint64, std::shared_ptr<ListenSocket>> m_listeners;
    std::unordered_set<quint64> m_throttled;
    std::vector<IpAddress> m_hostAddresses;
    qint64 m_hostAddressesUs = 0;
};

EgressProxy::Impl::Impl(EgressProxy *proxy, Options o)
    : q(proxy)
    , options(std::move(o))
    , resolver(options.resolver)
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
            s.listeners.append({l->persona, l->path.isEmpty() ? l->address.toString() : QString(), l->port,
                                l->path});
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
    std::shared_ptr<PersonaShared> ps;
    {
        QMutexLocker lock(&m_impl->mutex);
        ps = m_impl->personas.value(persona.name);
        if (!ps) {
            ps = std::make_shared<PersonaShared>();
            m_impl->personas.insert(persona.name, ps);
        }
    }
    QMutexLocker lock(&ps->mutex);
    ps->config = persona;
    ps->connections.configure(persona.limits.connectionsPerSecond, persona.limits.connectionBurst);
    const double bytes = double(persona.limits.bytesPerSecond);
    // A quarter second's worth at once, and at least one buffer, so a read is never starved.
    ps->bytes.configure(bytes, std::max(bytes / 4, double(BufferBytes)));
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
        QHash<QString, int> asked;        // persona → the loopback port it asks for (served or not)
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
    const QByteArray file = QFile::encodeName(path);
    struct stat st{};
    const bool present = ::lstat(file.constData(), &st) == 0;
    std::shared_ptr<ListenSocket> stale;
    {
        QMutexLocker lock(&m_impl->mutex);
        for (const auto &l : m_impl->listeners)
            if (l->path == path) {
                if (l->persona == persona && present && S_ISSOCK(st.st_mode) && st.st_ino == l->inode)
                    return {}; // served already
                stale = l;     // the folder was made anew (a new login), or another persona's
            }
    }
    if (stale)
        closeListener(stale->persona, path, 0);
    auto fail = [&](int fd, const QString &what) -> Result<void> {
        const QString why = QString::fromUtf8(strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return std::unexpected(Error{Error::Code::Unavailable,
                                     Text::tr("the proxy for %1 cannot listen: %2 (%3)").arg(persona, what, why),
                                     path,
                                     Text::tr("Check that the folder exists and belongs to you.")});
    };
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (size_t(file.size()) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return fail(-1, Text::tr("the socket's path is too long"));
    }
    std::memcpy(sa.sun_path, file.constData(), size_t(file.size()));
    // Whatever is at the path is ours to replace (a socket of an earlier run; the folder is Paddock's).
    if (present && ::unlink(file.constData()) != 0)
        return fail(-1, Text::tr("cannot remove what is there"));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(fd, Text::tr("no socket"));
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&sa), sizeof(sa)) != 0)
        return fail(fd, Text::tr("bind failed"));
    // The container's user may be another uid than Paddock's (a rootful engine): the socket is open
    // to all, the folder (0700, owned by that user) is what keeps everyone else out.
    ::chmod(file.constData(), 0666);
    if (::listen(fd, 4096) != 0)
        return fail(fd, Text::tr("listen failed"));
    struct stat bound{};
    ::fstat(fd, &bound);
    ::lstat(file.constData(), &bound);
    auto l = std::make_shared<ListenSocket>();
    l->id = m_impl->nextListenerId++;
    l->fd = fd;
    l->persona = persona;
    l->path = path;
    l->inode = bound.st_ino;
    m_impl->addListener(l);
    QMetaObject::invokeMethod(this, [this, persona, path] { emit listening(persona, path, 0); },
                              Qt::QueuedConnection);
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
            const bool match = socket ? l.path == address
                                      : (!only || (l.path.isEmpty() && sameAddress(l.address, *only) &&
                                                   l.port == port));
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
