#pragma once

#include "audit/AuditEvent.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace paddock {

// One way to run the agent image: its trust level, policy mode, entrypoint, ports, volumes, keys
// and limits. Hardening is on unless the persona relaxes it explicitly (`relaxed`), and every
// relaxation is something the UI shows.
struct Persona
{
    enum class Trust { Full, Moderate, Restricted };
    // How its network decisions are enforced: as the policies say, or passed and recorded as
    // would-deny (shadow: trying a policy out; record: watching what an agent needs, to draft one).
    enum class PolicyMode { Enforce, Shadow, Record };

    struct Port
    {
        int host = 0; // published on 127.0.0.1 only
        int container = 0;
    };
    struct Volume
    {
        QString name;   // a named volume of the engine (kept across container recreation)
        QString target; // where it is mounted in the container
    };
    struct Limits
    {
        qint64 memoryMb = 2048;
        double cpus = 2.0;
        int pids = 512;
        int nofile = 4096; // below the host's hard limit (no CAP_SYS_RESOURCE)
        int nproc = 1024;
        int tmpMb = 512; // the size of /tmp
    };
    // What it may ask of the egress proxy; excess is answered 429 and recorded.
    struct ProxyLimits
    {
        double connectionsPerSecond = 50; // new connections: a token bucket refilled at this rate…
        int connectionBurst = 100;        // …holding at most this many
        int maxTunnels = 512;             // tunnels and requests open at once
        qint64 bytesPerSecond = 0;        // both directions of all its tunnels together; 0: no limit
        int connectTimeoutMs = 10000;
        int headTimeoutMs = 10000; // the request head must have arrived by then
        int idleTimeoutMs = 10 * 60 * 1000;
        int totalTimeoutMs = 0; // the longest a tunnel may last; 0: no limit
        friend bool operator==(const ProxyLimits &, const ProxyLimits &) = default;
    };
    // What runs in the persona: a coding agent in the tmux session "agent" in its workspace
    // (paddock-agent's agent mode), opencode's web UI on the persona's first port, a command of
    // the persona's own in that session, or none (`Shell`: the entrypoint runs as it is).
    struct Agent
    {
        enum class Kind { Shell, Claude, Codex, Opencode, Copilot, Custom };
        Kind kind = Kind::Shell;
        QString model;       // as the agent names it ("provider/model" for opencode); empty: its default
        QString effort;      // reasoning effort, for the agents that have one (effortLevels())
        bool web = false;    // opencode: its web UI on the first port instead of a terminal session
        QStringList command; // Custom: what runs in the session
        // Environment for the agent (ANTHROPIC_BASE_URL for a gateway, NODE_EXTRA_CA_CERTS, …): in
        // its configuration and session, never in the container's (validEnvName; no proxy or
        // Paddock variables, and no values that are keys: those are secrets).
        QMap<QString, QString> env;
        friend bool operator==(const Agent &, const Agent &) = default;

        static QString kindName(Kind kind); // "shell", "claude", "codex", "opencode", "copilot", "custom"
        static std::optional<Kind> kindFromName(QStringView name);
        static bool hasEffort(Kind kind)
        {
            return kind == Kind::Claude || kind == Kind::Codex || kind == Kind::Copilot;
        }
        static QStringList effortLevels(); // minimal, low, medium, high, xhigh, max
        // Why `name` cannot be an agent's environment variable (empty: it can): a shell name, not
        // one Paddock sets itself (the proxy's, PADDOCK_*, HOME, PATH).
        static QString envNameProblem(const QString &name);
    };

    // What a persona may switch off; each one is reported by relaxations().
    struct Relaxed
    {
        bool writableRoot = false;
        bool rootUser = false;
        QStringList capabilities; // added back after dropping all
    };

    QString name;
    Trust trust = Trust::Restricted;
    QString image;
    QStringList entrypoint;
    QList<Port> ports;
    QList<Volume> volumes;
    QString sshKey;        // the secret holding its SSH key
    bool deployKey = true; // a deploy key (one repository) rather than the account key
    Limits limits;
    Relaxed relaxed;
    std::optional<AuditFailMode> auditFailMode; // default: by trust (restricted fails closed)
    PolicyMode policyMode = PolicyMode::Enforce;
    ProxyLimits proxy;
    Agent agent;
    // The egress proxy also serves it on 127.0.0.1:proxyLoopbackPort while Paddock runs (for its
    // own processes on the host: a full-trust agent run outside a container, tests); 0: not.
    int proxyLoopbackPort = 0;

    static QString trustName(Trust trust); // "full", "moderate", "restricted"
    static std::optional<Trust> trustFromName(QStringView name);
    static QString policyModeName(PolicyMode mode); // "enforce", "shadow", "record"
    static std::optional<PolicyMode> policyModeFromName(QStringView name);

    // Moderate and restricted personas have no network: their ways out are sockets Paddock owns.
    bool isolated() const { return trust != Trust::Full; }
    // The internal network isolated personas had before they had none (removed at their next start).
    QString networkName() const { return QStringLiteral("paddock-") + name; }
    QString containerName() const { return QStringLiteral("paddock-") + name; }
    AuditFailMode failMode() const { return auditFailMode.value_or(defaultAuditFailMode(trustName(trust))); }
    // Sentences for each hardening measure this persona switches off (empty when none).
    QStringList relaxations() const;
    // What its container runs: an entrypoint of its own if it has one, else paddock-agent's agent
    // mode for its agent, else nothing (the image's own entrypoint).
    QStringList command() const;

    // The defaults, after the seeds' tables: dev (full, account key, SSH on 2222, a shell), web
    // (moderate, deploy key, opencode's web UI on 4096), agent (restricted, deploy key, Claude Code,
    // 18789), all of `image`.
    static QList<Persona> defaults(const QString &image);
};

// The agent image of this version of Paddock: localhost/paddock-agent:<version>.
QString defaultAgentImage();

// The user a persona's container runs as (the agent image's dev), unless it relaxes rootUser.
inline constexpr int ContainerUid = 1000;

// The labels every Paddock container carries.
inline constexpr const char *PersonaLabel = "io.paddock.persona";

// The Docker API create body for a persona's container: all capabilities dropped,
// no-new-privileges, read-only root with tmpfs for /tmp and the secrets folder, user 1000, memory,
// CPU and PID limits, explicit ulimits, ports on 127.0.0.1 only, never privileged, the default
// seccomp profile, and for isolated personas no network at all (network mode `none`, loopback
// only; nothing published: their ways in and out are Unix sockets, PersonaSockets). `engine` is
// EngineClient::Version::engine: podman hands the secrets tmpfs to the container user ("U"),
// dockerd cannot, so there it is sticky and world-writable and the secret files themselves are 0400.
QJsonObject containerSpec(const Persona &persona, const QString &engine = QStringLiteral("podman"));

} // namespace paddock
