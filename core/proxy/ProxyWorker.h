#pragma once

// Internal to the egress proxy: the threads that serve its connections.

#include "proxy/ProxyDecision.h"
#include "proxy/ProxyShared.h"
#include "proxy/RequestParser.h"

#include <QMutex>

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace paddock {

// One thread serving connections with an epoll set of its own (edge-triggered: each socket is
// registered once; readiness is remembered until a read or write says EAGAIN). What it lets
// through is for ProxyDecision to say; every connection ends in conclude() (a decision: counted,
// recorded, answered or dialled) and finish() (a tunnel's end: counted and recorded).
class ProxyWorker final : private ProxyHost
{
public:
    ProxyWorker(ProxyShared &proxy, int index);
    ~ProxyWorker() override;
    ProxyWorker(const ProxyWorker &) = delete;
    ProxyWorker &operator=(const ProxyWorker &) = delete;

    Result<void> start();
    void stop();
    // Runs `task` on this worker's thread.
    void post(std::function<void()> task);

    // On the worker's thread (post()).
    void addListener(std::shared_ptr<ListenSocket> l);
    void removeListener(quint64 id);
    void closePersona(const QString &name, const QString &why);

private:
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
        std::shared_ptr<ProxyPersonaState> persona;
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

    // What an epoll event is about: the eventfd that wakes the worker, or a socket (the id of a
    // listener or connection, and which of its sockets).
    static constexpr quint64 WakeKey = ~quint64(0);
    enum Kind : quint64 { ListenerKey = 0, ClientKey = 1, UpstreamKey = 2 };
    static quint64 keyOf(quint64 id, Kind kind) { return (id << 2) | kind; }

    // The loop (ProxyWorker.cpp).
    void run();
    void runTasks();
    static bool relaying(const Conn &c) { return c.phase == Phase::Tunnel || c.phase == Phase::Forward; }
    bool alive(quint64 id) const { return m_conns.find(id) != m_conns.end(); }
    void watch(int fd, quint64 key);
    void accept(const ListenSocket &l);
    void pump(Conn &c);
    std::optional<ssize_t> readReady(int fd, bool &readable);
    void sweep(qint64 now);

    // The request and its decision (ProxyWorker.cpp).
    void readHead(Conn &c);
    void invalid(Conn &c, const QString &reason, bool inHead);
    void decide(Conn &c);
    void resolved(quint64 id, const Result<Resolver::Addresses> &addresses);
    std::shared_ptr<const cedar::PolicySet> policies(const ProxyPersona &settings) const;
    bool isProxy(const IpAddress &a, int port) const override;
    bool isOwnAddress(const IpAddress &a) const override;

    // Endings (ProxyConclusion.cpp).
    void conclude(Conn &c, ProxyVerdict verdict);
    void failed(Conn &c, int status, const QString &reason);
    void respond(Conn &c, int status, const QString &reason);
    void drainLinger(Conn &c);
    void finish(Conn &c, const QString &error);
    void recordClose(Conn &c, const QString &error);
    void destroy(Conn &c);
    void record(const Conn &c, const ProxyVerdict &verdict);

    // The way to the destination and the copying both ways (ProxyRelay.cpp).
    void dial(Conn &c);
    void connected(Conn &c);
    void readUpstreamProxy(Conn &c);
    void established(Conn &c);
    bool flush(Conn &c, bool toClient, bool count = true);
    bool shutdowns(Conn &c);
    qint64 allowance(Conn &c);
    void spend(Conn &c, qint64 n);
    void relay(Conn &c);
    bool readSide(Conn &c, bool up, bool *progress);
    void resumeThrottled();

    ProxyShared &m_proxy;
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
    mutable std::vector<IpAddress> m_hostAddresses; // re-read every 5 s
    mutable qint64 m_hostAddressesUs = 0;
};

} // namespace paddock
