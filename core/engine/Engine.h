#pragma once

#include "common/Error.h"
#include "engine/EngineService.h"
#include "runtime/PersonaRuntime.h"

#include <QMap>
#include <QObject>

#include <memory>
#include <vector>

class QThread;

namespace paddock {

class EgressProxy;
class SchedulerService;

class AuditStore;
class ConfigWriter;
class PolicyStore;
class Settings;

// Owns Paddock's long-lived components, each on its own named thread, starts them in order and
// stops them in reverse order. The GUI and `paddockctl serve` both run one; the UI talks to core
// through it.
class Engine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Engine)

public:
    enum class State { Stopped, Starting, Running, Degraded, Failed, Stopping };
    Q_ENUM(State)

    explicit Engine(QObject *parent = nullptr);
    ~Engine() override;

    // Adds a component; only before start().
    void addService(std::unique_ptr<EngineService> service);

    // Starts every component on its thread; returns at once. stateChanged() tells when it is
    // Running (or Failed).
    void start();
    // Stops every component in reverse order and waits for their threads. For shutdown only.
    void stop();

    State state() const { return m_state; }
    static QString stateName(State state);
    // One line for the tray and the status bar.
    QString statusText() const;

    // Problems that the user has to hear about, keyed so that a repeat replaces the old one.
    QList<Error> problems() const { return m_problems.values(); }
    void reportProblem(const QString &key, const Error &error);
    void clearProblem(const QString &key);

    // What the tray shows: Error while the engine failed or audit events cannot be written,
    // Warning while there are other problems.
    enum class Health { Ok, Warning, Error };
    Health health() const;

    ConfigWriter *configWriter() const { return m_configWriter; }
    // The audit log, written on the engine's paddock-audit thread.
    AuditStore *auditStore() const { return m_auditStore; }
    // Whether audit events cannot be written right now (enforcement points that fail closed deny).
    bool isAuditFailing() const { return m_auditFailing; }
    // The policy sets, loaded on the engine's policy thread when it starts.
    PolicyStore *policyStore() const { return m_policyStore; }
    // How the persona runtime is set up (personas file, agent image, secrets from the keychain),
    // for the engine's own and for paddockctl's direct one.
    static PersonaRuntime::Options personaRuntimeOptions();
    // The personas and their containers, on the engine's paddock-runtime thread.
    PersonaRuntime *personaRuntime() const { return m_personaRuntime; }
    // The egress proxy, on the engine's paddock-proxy thread: each isolated persona's egress socket,
    // and the loopback listeners personas ask for.
    EgressProxy *egressProxy() const { return m_egressProxy; }
    // The jobs and their runs, on the engine's paddock-scheduler thread (scheduling here, or
    // following the Paddock that does).
    SchedulerService *scheduler() const { return m_scheduler; }
    // Loads `settings` (a file that cannot be used becomes a problem the user sees) and has their
    // changes written on the config thread from now on.
    void loadSettings(Settings &settings);
    // The threads' names, in start order (paddock-<service>).
    QStringList threadNames() const;

signals:
    void stateChanged(paddock::Engine::State state);
    void problemsChanged();
    // Emitted whenever health() may have changed.
    void healthChanged(paddock::Engine::Health health);

private:
    struct Slot
    {
        std::unique_ptr<EngineService> service;
        QThread *thread = nullptr;
        bool started = false;
    };

    void setState(State state);
    void serviceStarted(EngineService *service, const Result<void> &result);
    void updateState();
    void applyRetention(const Settings &settings);

    std::vector<Slot> m_services;
    ConfigWriter *m_configWriter = nullptr;
    AuditStore *m_auditStore = nullptr;
    // As last told by the store's writableChanged (queued to this thread), so that it agrees with
    // the problems and health this thread has seen; the store's own flag may be ahead of it.
    bool m_auditFailing = false;
    bool m_startRecorded = false;
    PolicyStore *m_policyStore = nullptr;
    PersonaRuntime *m_personaRuntime = nullptr;
    EgressProxy *m_egressProxy = nullptr;
    SchedulerService *m_scheduler = nullptr;
    QMap<QString, Error> m_problems;
    State m_state = State::Stopped;
    bool m_startFailed = false;
};

} // namespace paddock
