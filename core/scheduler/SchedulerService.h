#pragma once

#include "engine/EngineService.h"
#include "scheduler/Job.h"
#include "scheduler/Run.h"
#include "scheduler/Scheduler.h"

#include <QDateTime>
#include <QList>
#include <QLockFile>
#include <QMutex>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QFileSystemWatcher;
class QLocalServer;
class QLocalSocket;
class QTimer;

namespace paddock {

class AuditStore;
class JobStore;
class RunStore;
class WallClock;

// The scheduler as an engine service, on the engine's paddock-scheduler thread: it owns the jobs
// (jobs.json, reloaded when anyone changes it), the run history, the Scheduler, and a wall-clock
// timer armed at the scheduler's next wakeup (WallClock: also the machine's sleep and wake, and
// changes of the clock or the zone, each a tick with its cause).
//
// Only one process schedules for a configuration: the app and `paddockctl serve` both run this
// service, and the first to take the lock schedules. It serves a socket beside the lock where the
// others (Observing) hear every run change and send "run now" and "cancel"; when the scheduling
// process ends, an observer takes over at once. Both read the jobs file and the history.
//
// Every run start and end, skip and miss is an audit event (source scheduler).
//
// Call the slots from any thread (queued); the snapshot getters are safe from any thread.
class SchedulerService final : public EngineService
{
    Q_OBJECT

public:
    enum class Role { Starting, Scheduling, Observing };
    Q_ENUM(Role)

    struct Options
    {
        QString jobsPath; // jobs.json (empty: JobStore::defaultPath())
        QString runsPath; // runs.db (empty: RunStore::defaultPath())
        QString lockPath; // who schedules; its socket is beside it (empty: defaultLockPath())
        Scheduler::Options scheduler;
        // Runs what the scheduler admits; made on the service's thread when it starts to schedule.
        // It reports each run's end with `finished`, on that thread, and writes each run's log where
        // `runs` says (RunStore::logPath).
        using Finished = std::function<void(qint64 runId, const RunOutcome &outcome)>;
        std::function<std::unique_ptr<RunLauncher>(Finished finished, const RunStore &runs)> launcher;
        // The clock to schedule by (unset: the system's).
        const SchedulerClock *clock = nullptr;
        // Follow the machine's sleep and clock and zone changes (WallClock); off in some tests.
        bool followSystem = true;
        AuditStore *audit = nullptr;
        // How often an observer tries to take over besides when the scheduling process goes away.
        std::chrono::milliseconds takeOverRetry{10000};
    };

    explicit SchedulerService(Options options);
    ~SchedulerService() override;
    // $XDG_RUNTIME_DIR/paddock-<uid>-<key>-scheduler.lock for the configuration folder.
    static QString defaultLockPath();

    Result<void> start() override;
    void stop() override;

    // Snapshots, from any thread.
    Role role() const;
    QList<Job> jobs() const;
    QList<Run> active() const;
    // The next slot of each enabled job (as the scheduler, or this process, computes it), kept up
    // to date after every tick; scheduleChanged() tells when it changed.
    QHash<QString, QDateTime> nextRuns() const;
    // Each job's state as the scheduling process keeps it (failures in a row, the breaker's
    // notification); empty while observing.
    QHash<QString, JobState> jobStates() const;
    // The last error reading jobs.json (its file:line:column), if it cannot be used now.
    std::optional<Error> jobsError() const;
    QString socketPath() const { return socketPathFor(m_options.lockPath); }
    // The socket beside a lock (paddockctl job run talks to it): the lock's path with .sock.
    static QString socketPathFor(const QString &lockPath);

    // Asked of the run history on the service's thread (any thread may call); `done` runs on
    // `context`'s thread (not at all when it is gone). The newest first; `job` empty: every job's.
    using Runs = std::function<void(const Result<QList<Run>> &runs)>;
    void history(const QString &job, int limit, qint64 beforeId, QObject *context, Runs done);
    // Every run whose span meets [from, to] (the timeline's window), by slot.
    void runsBetween(const QDateTime &from, const QDateTime &to, QObject *context, Runs done);
    // The end of run `id`'s log (at most `maxBytes`), as the runner wrote it.
    void readLog(qint64 id, qint64 maxBytes, QObject *context, std::function<void(const Result<QByteArray> &)> done);

public slots:
    // Scheduling: at once; observing: asked of the scheduling process. requestFailed tells why not.
    void runNow(const QString &job);
    void cancelRun(qint64 runId);
    // Edits of jobs.json (validated, atomic); the scheduling process picks them up from the file.
    void addJob(const paddock::Job &job);
    void updateJob(const QString &name, const paddock::Job &job);
    void removeJob(const QString &name);
    void setJobEnabled(const QString &name, bool enabled);
    // Reads jobs.json again (also done when it changes on disk).
    void reloadJobs();

signals:
    void roleChanged(paddock::SchedulerService::Role role);
    void jobsChanged(const QList<paddock::Job> &jobs);
    void runChanged(const paddock::Run &run);
    // Two failures in a row (once per incident): the tray and a desktop notification.
    void incident(const QString &job, int failures, const paddock::Run &last);
    // The breaker disabled a job (its reason is in the job).
    void jobDisabled(const QString &job, const QString &reason);
    // A request (run now, an edit) was refused or failed.
    void requestFailed(const QString &job, const paddock::Error &error);
    // The wall-clock timer was armed (none: nothing to do); for the status line and tests.
    void armed(const std::optional<QDateTime> &at);
    // nextRuns() or jobStates() changed (a tick, a run's end).
    void scheduleChanged();

private:
    class Peer;

    void tryToSchedule();
    void becomeScheduler();
    void becomeObserver();
    void connectToScheduler();
    void onSchedulerMessage(const QByteArray &line);
    void onClientMessage(QLocalSocket *client, const QByteArray &line);
    void broadcast(const QJsonObject &message);
    void arm();
    void tick(Scheduler::Cause cause);
    void onRunChanged(const Run &run);
    void onDisableRequested(const QString &job, const QString &reason);
    void audit(const Run &run);
    void publishJobs();
    void publishSchedule(); // m_next and m_states from the scheduler
    void setRole(Role role);
    void editJobs(const QString &job, const std::function<Result<void>(JobStore &)> &edit);
    void sendToScheduler(const QJsonObject &message, const QString &job);

    Options m_options;
    std::unique_ptr<SchedulerClock> m_systemClock;
    std::unique_ptr<JobStore> m_jobStore;
    std::unique_ptr<RunStore> m_runs;
    std::unique_ptr<Scheduler> m_scheduler;
    std::unique_ptr<RunLauncher> m_launcher;
    std::unique_ptr<QLockFile> m_lock;
    QLocalServer *m_server = nullptr;
    QList<QLocalSocket *> m_clients;
    QLocalSocket *m_toScheduler = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
    WallClock *m_wallClock = nullptr;
    QTimer *m_takeOver = nullptr;
    QTimer *m_fallbackTimer = nullptr;
    QList<Job> m_jobs; // the service thread's

    mutable QMutex m_mutex; // guards the snapshots below
    Role m_role = Role::Starting;
    QList<Job> m_jobsSnapshot;
    QList<Run> m_active;
    QHash<QString, QDateTime> m_next;
    QHash<QString, JobState> m_states;
    std::optional<Error> m_jobsError;
};

} // namespace paddock
