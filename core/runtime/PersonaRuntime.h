#pragma once

#include "engine/EngineService.h"
#include "personas/Persona.h"
#include "repo/WorkspaceBuilder.h"
#include "runtime/EngineClient.h"
#include "runtime/EngineEvents.h"
#include "scheduler/Job.h"
#include "scheduler/Run.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QSet>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QThreadPool;
class QTimer;

namespace paddock {

struct McpServer;

class GitTransport;
class InboundPorts;
class PersonaStore;

// What a persona's container is doing, as the engine's events tell it.
struct PersonaStatus
{
    enum class State {
        Unknown,  // not known yet (no engine, or before the first look)
        Stopped,  // no container
        Starting, // being created, started, or having its secrets delivered
        Running,
        Stopping,
        Exited, // the container ended (exitCode; oomKilled when the kernel killed it)
        Error,  // the last action failed (message)
    };
    explicit PersonaStatus(QString name = {})
        : persona(std::move(name))
    {}
    QString persona;
    State state = State::Unknown;
    int exitCode = -1;
    bool oomKilled = false;
    QDateTime startedAt; // UTC, while running
    QString containerId;
    QString workspace;             // host path of the workspace mounted at /home/dev/workspace, if any
    QStringList workspaceReadOnly; // its folders mounted read-only over it (_governance, _archive)
    QString message;               // for Error: what happened and what to do

    static QString stateName(State state); // translated: "stopped", "running", "exited (code 3)"…
    QString text() const;                  // the state as a person reads it, with the exit code
    friend bool operator==(const PersonaStatus &, const PersonaStatus &) = default;
};

// One stats sample of a running persona (only for the personas being watched).
struct PersonaSample
{
    QString persona;
    qint64 timeMs = 0;     // since the epoch
    double cpuPercent = 0; // 100 % is one CPU busy
    qint64 memoryBytes = 0;
    qint64 memoryLimit = 0;
    int pids = 0;
    qint64 rxBytes = 0;
    qint64 txBytes = 0;
};

// A workspace to mount into a persona's container (made by core/repo's WorkspaceBuilder).
struct WorkspaceMount
{
    QString hostPath;         // mounted read-write at /home/dev/workspace
    QStringList readOnlyDirs; // folders of it mounted read-only over it (_governance, _archive)
};

// Runs personas on the container engine: it owns the personas (personas.json, read and written on
// its thread), connects to the engine (retrying in the background while there is none), follows
// its events, and starts, stops and restarts persona containers: its socket folder (PersonaSockets:
// the egress proxy, the git transport, published ports) and the named volumes first, then the
// hardened container (containerSpec) with paddock-relay in front of its entrypoint, then its secrets
// (SecretDelivery) and the `.ready` marker the image's entrypoint waits for. State comes from the
// engine's events, never from polling; stats are sampled only for the personas someone watches.
//
// Lives on the engine's paddock-runtime thread: call the slots through queued invocations
// (QMetaObject::invokeMethod) and receive the signals with a context object. The snapshot getters
// are safe from any thread.
class PersonaRuntime final : public EngineService
{
    Q_OBJECT

public:
    struct Options
    {
        QString personasPath; // personas.json
        QString image;        // the agent image the default personas use
        std::chrono::milliseconds stopTimeout{10000};
        // Where the engine is; empty: EngineClient::discover().
        std::optional<EngineClient::Endpoint> endpoint;
        // Reads the secrets a persona's container gets (name → value) when it starts, and calls
        // `done` with them, later or at once, on the runtime thread. Unset: none.
        using Secrets = QMap<QString, QByteArray>;
        std::function<void(const Persona &, std::function<void(Result<Secrets>)> done)> readSecrets;
        // Writes them into the running container's secrets tmpfs, then the `.ready` marker. Called on
        // a worker thread with a client of its own. Unset: nothing is delivered.
        using SecretDelivery =
            std::function<Result<void>(EngineClient &, const QString &container, const Secrets &, int uid)>;
        SecretDelivery deliverSecrets;
        // Where workspaces and mirrors live (empty: Paths::dataDir()), and the paddockctl that the
        // mirrors' pre-receive hooks run (empty: no git transport is served).
        QString dataDir;
        QString paddockctl;
        QString configDir; // handed to the hooks' paddockctl
        // The paddock-relay mounted into every persona's container (empty: PersonaSockets::findRelay()).
        QString relay;
        // Paddock's entrypoint mounted over the image's (empty: findEntrypoint()).
        QString entrypoint;
        // Serves an isolated persona's egress socket (the proxy's listenUnix); called on the runtime
        // thread before its container starts and whenever it is seen running. Unset: nobody serves it
        // (its connections fail: no way out).
        std::function<Result<void>(const QString &persona, const QString &socketPath)> serveEgress;
        // The same for a job's run of an isolated persona (the job is the principal), and its end.
        std::function<Result<void>(const Persona &persona, const QString &job, const QString &socketPath)>
            serveJobEgress;
        std::function<void(const QString &job, const QString &socketPath)> closeJobEgress;
        // The MCP servers a persona's agents get (mcp.toml), read on the runtime thread at each
        // start; with its secrets, they make the agents' configuration (AgentConfig). Unset: none.
        // A file that cannot be used is a problem(): the persona starts without MCP servers.
        std::function<Result<QList<McpServer>>(const Persona &)> mcpServers;
        // Stores a credential in the keychain as the persona's secret `name` (a sign-in, or the
        // sign-in its agent rewrote), and calls `done` on the runtime thread. Unset: a sign-in fails.
        std::function<void(const QString &persona, const QString &name, const QByteArray &value,
                           std::function<void(Result<void>)> done)>
            storeSecret;
    };
    explicit PersonaRuntime(Options options);
    ~PersonaRuntime() override;

    Result<void> start() override;
    void stop() override;

    // Snapshots, from any thread.
    QList<Persona> personas() const;
    QList<PersonaStatus> statuses() const;
    std::optional<PersonaStatus> status(const QString &persona) const;
    bool isEngineConnected() const;
    // "podman 5.4.2 at /run/podman/podman.sock", or why there is none and how to start one.
    QString engineDescription() const;
    // Where the engine was last reached (for a client of one's own, e.g. ImageBuildDialog's);
    // empty until it has been.
    std::optional<EngineClient::Endpoint> endpoint() const;
    // The engine's inspection of `image`, asked on a worker thread of the global pool (any thread
    // may call this); `done` runs on `context`'s thread. NotFound when the engine has no such
    // image, Unavailable when there is no engine.
    void inspectImage(const QString &image, QObject *context,
                      std::function<void(Result<QJsonObject>)> done) const;
    // Where workspaces and mirrors are made (Options::dataDir, else Paths::dataDir()).
    QString dataDir() const;
    // The paddock-relay mounted into the containers (empty when none was found: no persona starts).
    QString relay() const { return m_relay; }

public slots:
    // Starts it with the workspace its last container had (read-only folders included), if that
    // folder is still there: a stopped agent comes back to its work.
    void startPersona(const QString &name);
    // Starts it with `workspace` mounted; a container running with another workspace (or none)
    // is recreated.
    void startPersonaWithWorkspace(const QString &name, const paddock::WorkspaceMount &workspace);
    void stopPersona(const QString &name);
    // Replaces its container, with the workspace (and its read-only folders) it runs with.
    void restartPersona(const QString &name);
    void stopAll();
    // Stats are streamed (about one sample a second) for these personas only (those on screen).
    void setWatched(const QStringList &names);
    // Streams the persona's log (the last `tail` lines first) until unfollowLogs.
    void followLogs(const QString &name, int tail);
    void unfollowLogs(const QString &name);
    // Edits, validated and written atomically; personasChanged or storeFailed follows.
    void addPersona(const paddock::Persona &persona);
    void updatePersona(const QString &name, const paddock::Persona &persona);
    void duplicatePersona(const QString &name, const QString &newName);
    // Removes its container; its volumes only when `removeVolumes`.
    void removePersona(const QString &name, bool removeVolumes);
    // Tries to reach the engine now instead of at the next retry.
    void reconnect();
    // The drop flow: makes a workspace of `source` (WorkspaceBuilder, on the persona's network's
    // git transport), serves its mirror, and starts the persona with it mounted. Progress, then
    // workspaceCreated (the persona is starting) or workspaceFailed.
    void createWorkspace(const QString &persona, const QString &source, const QString &feature,
                         const QString &base);
    // Stops a workspace being made; workspaceFailed follows once everything it made is removed.
    void cancelWorkspace(const QString &persona);
    // Signs the persona's agent in with a subscription (SignIn): its login runs in a throwaway
    // container of the persona (prepareSignInContainer); signInReady says where to attach a
    // terminal; when the login ends, its credential goes to the keychain as the persona's secret
    // (SignIn::secretName) and the container is removed: signInFinished, else signInFailed.
    // `login` replaces the agent's own login command (empty: SignIn::login's).
    void signIn(const QString &persona, const QStringList &login = {});
    // Ends a sign-in under way (its container is removed): signInFailed follows.
    void cancelSignIn(const QString &persona);
    // One run of a scheduled job (PersonaRuntimeJobs.cpp): a fresh workspace of its repository's
    // base branch and a fresh container of its persona where the job is the principal, running its
    // agent headless (or its command), its output in `logPath` and read for tokens and cost; stopped
    // at its timeout (from run.started, the setup included), at its hard budget, or by
    // cancelJobRun. jobRunEnded follows once, whatever happens.
    void runJob(const paddock::Run &run, const paddock::Job &job, const QString &logPath);
    void cancelJobRun(qint64 runId);

signals:
    void engineConnectionChanged(bool connected, const QString &description);
    void personasChanged(const QList<paddock::Persona> &personas);
    void storeFailed(const paddock::Error &error);
    void statusChanged(const paddock::PersonaStatus &status);
    void sampled(const paddock::PersonaSample &sample);
    void logLines(const QString &persona, const QList<paddock::EngineClient::LogLine> &lines);
    // An action (start, stop, restart, remove) on a persona finished or failed.
    void actionFinished(const QString &persona, const QString &action);
    void actionFailed(const QString &persona, const QString &action, const paddock::Error &error);
    void workspaceProgress(const QString &persona, const paddock::WorkspaceProgress &progress);
    void workspaceCreated(const QString &persona, const paddock::Workspace &workspace);
    void workspaceFailed(const QString &persona, const paddock::Error &error);
    void signInReady(const QString &persona, const QString &container);
    void signInFinished(const QString &persona, const QString &secret);
    void signInFailed(const QString &persona, const paddock::Error &error);
    // A credential the agent rewrote while it ran (a refreshed sign-in) went back to the keychain.
    void credentialKept(const QString &persona, const QString &secret);
    // A job's run ended (runJob).
    void jobRunEnded(qint64 runId, const paddock::RunOutcome &outcome);

private:
    class Streams;

    void tryConnect();
    void onEngineEvent(const ContainerEvent &event);
    void onEventsDisconnected(const Error &error);
    void refreshAll();
    void refreshOne(const QString &name);
    std::optional<WorkspaceMount> lastWorkspace(const QString &name) const;
    void updateStreams();
    void reap();
    void setStatus(const PersonaStatus &status);
    void publishPersonas();
    // Runs `work` on a worker thread with a client of its own, then `then` here with its result.
    void runAction(const QString &persona, const QString &action,
                   std::function<Result<void>(EngineClient &)> work, std::function<void()> then = {});
    void beginStart(const QString &name, const std::optional<WorkspaceMount> &workspace, bool restart);
    void deliverAndFinish(const Persona &persona, const QString &action);
    void startFailed(const QString &name, const QString &action, const Error &error);
    std::optional<Persona> findPersona(const QString &name) const;
    // The persona's socket folder, its egress socket (isolated personas), its git socket (when it
    // has mirrors) and its published ports (isolated personas): before its container starts, and
    // again whenever it is seen running (started by someone else, or before Paddock ran).
    Result<void> ensureSockets(const Persona &persona);
    void ensureTransport(const QString &persona);
    // Running: its sockets are served; stopped or ended: its published ports are closed.
    void updateSockets(const PersonaStatus &status);
    // The host uid the container's user is (the socket folder's owner); -1: Paddock's user.
    int socketOwner(const Persona &persona) const;
    void runQueued(const QString &persona);
    PersonaStatus statusFromInspect(const QString &persona, const QJsonObject &inspect) const;
    // Before a container of the persona goes (stop, restart): the credentials its agent may have
    // rewritten (SignIn::WritableFolder), read on the worker thread; those that changed are stored.
    // Sign-ins under way end with their containers (stop()); their threads are waited for.
    void endSignIns();
    // Sign-in containers no sign-in of this runtime waits for (Paddock ended during one) go.
    void removeStaleSignIns();
    void keepRewritten(const QString &persona, EngineClient &client, const QString &container);
    // A job's run, after its workspace is made: its sockets, secrets, then superviseJob on a thread.
    struct JobRun;
    void continueJob(const Run &run, const Job &job, const Persona &persona, const QStringList &command,
                     std::optional<Persona::Agent::Kind> agent, std::shared_ptr<JobRun> state,
                     const QDateTime &deadline, const QString &logPath, const Result<Workspace> &made);
    // Blocking, on the run's thread: its container from start to end.
    static RunOutcome superviseJob(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                   const Persona &persona, const struct JobContainer &spec, const Job &job,
                                   std::optional<Persona::Agent::Kind> agent, std::shared_ptr<JobRun> state,
                                   const QDateTime &deadline, const QString &logPath,
                                   const QMap<QString, QByteArray> &files, const Options::SecretDelivery &deliver,
                                   const QString &relay, const QString &entrypoint);
    void endJob(qint64 runId, const RunOutcome &outcome);
    // Paddock stops: every run is stopped and its thread waited for.
    void endJobRuns();

    Options m_options;
    std::unique_ptr<PersonaStore> m_store;
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<EngineEvents> m_events;
    EngineClient::Version m_version;
    bool m_rootless = false;
    QTimer *m_retry = nullptr;
    QTimer *m_reaper = nullptr;
    std::chrono::milliseconds m_retryDelay{500};
    QSet<QString> m_watched;
    QHash<QString, int> m_followed; // persona → tail asked for
    QSet<QString> m_busy;           // personas with an action under way
    struct Queued
    {
        QString action; // start, restart or stop
        std::optional<WorkspaceMount> workspace;
    };
    QHash<QString, Queued> m_queued; // the last action asked while busy: run after the current one
    QSet<QString> m_stopRequested;   // their next death is a stop someone asked for
    std::unique_ptr<Streams> m_streams;
    std::unique_ptr<QThreadPool> m_pool;
    std::unique_ptr<GitTransport> m_transport;
    std::unique_ptr<InboundPorts> m_inbound;
    QString m_relay;
    QString m_entrypoint;
    QHash<QString, std::shared_ptr<std::atomic<bool>>> m_workspaceCancels; // workspaces being made
    QHash<QString, std::shared_ptr<std::atomic<bool>>> m_signIns;          // sign-ins under way
    std::unique_ptr<QThreadPool> m_signInPool; // one thread per sign-in, waiting for its login
    QHash<qint64, std::shared_ptr<JobRun>> m_jobRuns; // job runs under way, by run id
    std::unique_ptr<QThreadPool> m_jobPool;            // one thread per job run, waiting for it
    // The sign-ins delivered at each persona's last start (secret name → value): what a rewritten
    // credential is compared with.
    QHash<QString, QMap<QString, QByteArray>> m_signInDelivered;
    // Rewritten credentials on their way to the keychain: a start meanwhile delivers these.
    QHash<QString, QMap<QString, QByteArray>> m_signInPending;

    mutable QMutex m_mutex; // guards the snapshots below
    QList<Persona> m_personas;
    QHash<QString, PersonaStatus> m_status;
    bool m_connected = false;
    QString m_description;
    std::optional<EngineClient::Endpoint> m_endpoint;
};

} // namespace paddock

Q_DECLARE_METATYPE(paddock::PersonaStatus)
Q_DECLARE_METATYPE(paddock::PersonaSample)
Q_DECLARE_METATYPE(paddock::WorkspaceMount)
Q_DECLARE_METATYPE(paddock::Persona)
