#pragma once

#include "audit/AuditEvent.h"
#include "engine/EngineService.h"
#include "personas/Persona.h"
#include "proxy/AddressGuard.h"
#include "proxy/ProxyDecision.h"
#include "proxy/Resolver.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>

#include <functional>
#include <memory>

class QSocketNotifier;
class QTimer;

namespace paddock {

namespace cedar {
class PolicySet;
}
class AuditStore;
class PersonaRuntime;
class ProxyWorker;

using ProxyLimits = Persona::ProxyLimits;

// A persona as the proxy sees it, or a job's run in its persona.
struct ProxyPersona
{
    // The key its listeners, counters and audit events carry: the persona's name, or for a job's
    // runs "job:<job>".
    QString name;
    // For a job's runs: the job, the principal (Paddock::Job::"<job>"), in its persona `parent`.
    QString job;
    QString parent;
    QString policySet; // the set its decisions are made by (its trust level's)
    QString trust;     // the Persona entity's trust attribute
    Persona::PolicyMode mode = Persona::PolicyMode::Enforce;
    AuditFailMode failMode = AuditFailMode::Closed;
    ProxyLimits limits;

    static ProxyPersona from(const Persona &persona);
    // The runs of `job` in `persona`: its trust, policies, mode and limits, as the Job principal.
    static ProxyPersona forJob(const Persona &persona, const QString &job);
    static QString jobKey(const QString &job) { return QStringLiteral("job:") + job; }
};

struct ProxyCounters
{
    qint64 requests = 0;  // decisions made (tunnels asked for and plain HTTP requests)
    qint64 allowed = 0;   // allowed by the policies
    qint64 denied = 0;    // refused (policy, SSRF guard, fail-closed audit)
    qint64 wouldDeny = 0; // denied by the policies but passed (shadow, record)
    qint64 limited = 0;   // 429
    qint64 invalid = 0;   // 400
    qint64 failed = 0;    // allowed but the destination could not be reached (502, 504)
    int active = 0;       // open now
    qint64 bytesUp = 0;   // client → destination
    qint64 bytesDown = 0;
};

struct ProxyStatus
{
    struct Listener
    {
        QString persona;
        QString address; // a TCP listener's address and port
        int port = 0;
        QString socket; // or a Unix socket's path (an isolated persona's egress socket)
    };
    QList<Listener> listeners;
    QHash<QString, ProxyCounters> personas;
    QString upstream;
};

// The egress proxy (issue 6): an HTTP/1.1 forward proxy for the agents' containers. CONNECT
// tunnels and absolute-form plain HTTP, each one a Cedar decision (`connect`, `http`) for the
// persona the listener belongs to, made before any byte goes out; names resolved by the proxy
// (Resolver), every address checked by the AddressGuard and the checked address dialled; per
// persona rate limits and timeouts; an audit event for every decision and every tunnel's end.
//
// Lives on the engine's paddock-proxy thread (its API, the status file); connections are served
// by worker threads (paddock-proxy-N), each with an edge-triggered epoll set of its own, sharing
// the listening sockets (EPOLLEXCLUSIVE). A tunnel copies through its worker's buffer and holds
// bytes of its own only while the other side is slower (at most 64 KiB each way).
class EgressProxy final : public EngineService
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EgressProxy)

public:
    struct Options
    {
        // The compiled set a persona's decisions are made by (called on the proxy thread).
        std::function<std::shared_ptr<const cedar::PolicySet>(const QString &set)> policies;
        AuditStore *audit = nullptr; // where decisions are recorded; null: nowhere (tests)
        Resolver::Options resolver;
        // A proxy to chain through ("host:port"), for networks that only allow that; names are
        // then resolved by it. Here are checked IP literals and the names this host resolves
        // without DNS (localhost, its own name, those in `hostsFile`), so that an upstream
        // running on this host cannot carry a tunnel to the host's own services.
        QString upstream;
        QString hostsFile = QStringLiteral("/etc/hosts"); // read when the proxy starts
        // Threads serving connections; 0: one per core, at most 4.
        int workers = 0;
        // Where a snapshot of status() is written about once a second while it changes (JSON);
        // empty: nowhere. `paddockctl proxy status` reads these.
        QString statusPath;
    };

    explicit EgressProxy(Options options);
    ~EgressProxy() override;

    Result<void> start() override;
    void stop() override;

    // Any thread. A persona's settings, added or updated; its listeners follow it.
    void setPersona(const paddock::ProxyPersona &persona);
    // Closes its listeners and its connections.
    void removePersona(const QString &name);
    // Any thread. Binds address:port for `persona` now (port 0: any free one) and returns the
    // port; the proxy serves it from its thread. Anything that reaches the address speaks for
    // `persona` (the loopback listener, `paddockctl proxy listen`). A second listen on the same
    // address and port for the same persona is not an error.
    Result<int> listen(const QString &persona, const QString &address, int port);
    // Any thread. Listens on the Unix socket `path` for `persona` (an isolated persona's `egress`
    // socket, bind-mounted into its container): whoever connects there is that persona, whatever
    // address it claims. What is at `path` is replaced; the socket is 0666 (its folder keeps others
    // out). Again for the same path and persona: nothing to do while the socket file is the one
    // bound (a folder made anew is bound again).
    Result<void> listenUnix(const QString &persona, const QString &path);
    void closeListeners(const QString &persona);
    // One of them: address:port, or a Unix socket's path (port 0).
    void closeListener(const QString &persona, const QString &address, int port);
    // Serves `runtime`'s personas that use the proxy: their settings as they change, and the
    // loopback listener a persona asks for. Any thread; before or after the runtime starts.
    void follow(PersonaRuntime *runtime);

public:
    // Any thread. What the proxy would decide by name for `persona` asking to connect to
    // host:port, before resolving it (a policy about addresses is not known yet: `allow` false
    // with no policies). For the UI: whether the hosts a sign-in needs are let through.
    ProxyVerdict decideByName(const Persona &persona, const QString &host, int port) const;

    // Any thread.
    ProxyStatus status() const;
    static QByteArray statusJson(const ProxyStatus &status);

    // The reason header's name.
    static constexpr const char *ReasonHeader = "X-Paddock-Reason";
    // The most a connection holds while one side is slower, each way.
    static constexpr int BufferBytes = 64 * 1024;

signals:
    // A listener is serving (from the proxy thread).
    void listening(const QString &persona, const QString &address, int port);

private:
    friend class ProxyWorker;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace paddock

Q_DECLARE_METATYPE(paddock::ProxyPersona)
