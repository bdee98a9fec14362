#include "scheduler/SchedulerService.h"

#include "audit/AuditStore.h"
#include "config/Paths.h"
#include "scheduler/JobStore.h"
#include "scheduler/RunStore.h"
#include "scheduler/WallClock.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

#include <unistd.h>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SchedulerService)
};

constexpr qint64 MaxMessage = 1 << 20;

class SystemClock final : public SchedulerClock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

QByteArray line(const QJsonObject &message)
{
    return QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n';
}

// Reads whole lines from `socket` as they come; a line too long ends the connection.
void readLines(QLocalSocket *socket, const std::function<void(const QByteArray &)> &handle)
{
    while (socket->canReadLine()) {
        const QByteArray l = socket->readLine(MaxMessage).trimmed();
        if (!l.isEmpty())
            handle(l);
    }
    if (socket->bytesAvailable() > MaxMessage)
        socket->abort();
}
} // namespace

SchedulerService::SchedulerService(Options options)
    : EngineService(QStringLiteral("scheduler"))
    , m_options(std::move(options))
{
    if (m_options.jobsPath.isEmpty())
        m_options.jobsPath = JobStore::defaultPath();
    if (m_options.runsPath.isEmpty())
        m_options.runsPath = RunStore::defaultPath();
    if (m_options.lockPath.isEmpty())
        m_options.lockPath = defaultLockPath();
}

SchedulerService::~SchedulerService() = default;

QString SchedulerService::defaultLockPath()
{
    const QByteArray hash =
        QCryptographicHash::hash(Paths::configDir().toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    return QDir(Paths::runtimeDir())
        .filePath(QStringLiteral("paddock-%1-%2-scheduler.lock").arg(::getuid()).arg(QString::fromLatin1(hash)));
}

QString SchedulerService::socketPathFor(const QString &lockPath)
{
    QString path = lockPath;
    if (path.endsWith(u".lock"_s))
        path.chop(5);
    return path + u".sock"_s;
}

Result<void> SchedulerService::start()
{
    if (!m_options.clock) {
        m_systemClock = std::make_unique<SystemClock>();
        m_options.clock = m_systemClock.get();
    }
    m_jobStore = std::make_unique<JobStore>(m_options.jobsPath);
    auto runs = RunStore::open(m_options.runsPath);
    if (!runs)
        return std::unexpected(runs.error());
    m_runs = std::make_unique<RunStore>(std::move(*runs));

    // jobs.json is replaced by an atomic rename: watch its folder too, and the file again after.
    const QString dir = QFileInfo(m_options.jobsPath).absolutePath();
    QDir().mkpath(dir);
    m_watcher = new QFileSystemWatcher(this);
    m_watcher->addPath(dir);
    if (QFileInfo::exists(m_options.jobsPath))
        m_watcher->addPath(m_options.jobsPath);
    // A file replaced by a rename stops being watched (after either signal, in either order).
    const auto changed = [this] {
        if (QFileInfo::exists(m_options.jobsPath) && !m_watcher->files().contains(m_options.jobsPath))
            m_watcher->addPath(m_options.jobsPath);
        reloadJobs();
    };
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, changed);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, changed);

    m_takeOver = new QTimer(this);
    m_takeOver->setInterval(m_options.takeOverRetry);
    connect(m_takeOver, &QTimer::timeout, this, &SchedulerService::tryToSchedule);

    if (m_options.followSystem) {
        m_wallClock = new WallClock(this);
        connect(m_wallClock, &WallClock::due, this, [this] { tick(Scheduler::Cause::Timer); });
        connect(m_wallClock, &WallClock::clockChanged, this, [this] { tick(Scheduler::Cause::ClockChange); });
        connect(m_wallClock, &WallClock::zoneChanged, this, [this] { tick(Scheduler::Cause::ZoneChange); });
        connect(m_wallClock, &WallClock::woke, this, [this](const QDateTime &from, const QDateTime &to) {
            if (m_scheduler)
                m_scheduler->noteSleep(from, to);
            tick(Scheduler::Cause::Wake);
        });
    } else {
        m_fallbackTimer = new QTimer(this);
        m_fallbackTimer->setSingleShot(true);
        connect(m_fallbackTimer, &QTimer::timeout, this, [this] { tick(Scheduler::Cause::Timer); });
    }

    reloadJobs();
    tryToSchedule();
    return {};
}

void SchedulerService::stop()
{
    // Runs under way end with this process: their containers are stopped by the launcher, and
    // the next scheduler records them interrupted.
    m_launcher.reset();
    m_scheduler.reset();
    for (QLocalSocket *client : std::as_const(m_clients))
        client->abort();
    m_clients.clear();
    if (m_server)
        m_server->close();
    if (m_lock)
        m_lock->unlock();
}

void SchedulerService::tryToSchedule()
{
    if (m_role == Role::Scheduling)
        return;
    if (!m_lock) {
        m_lock = std::make_unique<QLockFile>(m_options.lockPath);
        m_lock->setStaleLockTime(0); // a live holder keeps it however old; a dead one's is taken over
    }
    if (m_lock->tryLock(0)) {
        becomeScheduler();
        return;
    }
    becomeObserver();
}

void SchedulerService::becomeScheduler()
{
    m_takeOver->stop();
    if (m_toScheduler) {
        m_toScheduler->disconnect(this);
        m_toScheduler->abort();
        m_toScheduler->deleteLater();
        m_toScheduler = nullptr;
    }
    if (!m_options.launcher) {
        emit problem(u"scheduler"_s, Error{Error::Code::Internal, Text::tr("nothing can run jobs"), {}, {}});
        return;
    }
    m_launcher = m_options.launcher(
        [this](qint64 id, const RunOutcome &outcome) {
            if (m_scheduler)
                m_scheduler->finished(id, outcome);
        },
        *m_runs);
    m_scheduler = std::make_unique<Scheduler>(*m_runs, *m_options.clock, *m_launcher, m_options.scheduler);
    connect(m_scheduler.get(), &Scheduler::runChanged, this, &SchedulerService::onRunChanged);
    connect(m_scheduler.get(), &Scheduler::wakeupChanged, this, &SchedulerService::arm);
    connect(m_scheduler.get(), &Scheduler::disableRequested, this, &SchedulerService::onDisableRequested,
            Qt::QueuedConnection);
    connect(m_scheduler.get(), &Scheduler::incident, this,
            [this](const QString &job, int failures, const Run &last) {
                broadcast({{u"type"_s, u"incident"_s}, {u"job"_s, job}, {u"failures"_s, failures},
                           {u"run"_s, last.toJson()}});
                emit incident(job, failures, last);
            });
    connect(m_scheduler.get(), &Scheduler::storeFailed, this,
            [this](const Error &error) { emit problem(u"scheduler.history"_s, error); });

    // Others hear about runs on the socket beside the lock.
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    QLocalServer::removeServer(socketPath());
    if (!m_server->listen(socketPath()))
        emit problem(u"scheduler.socket"_s,
                     Error{Error::Code::Io,
                           Text::tr("other Paddock windows cannot follow the jobs: %1").arg(m_server->errorString()),
                           socketPath(), {}});
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *client = m_server->nextPendingConnection()) {
            m_clients.append(client);
            connect(client, &QLocalSocket::readyRead, this, [this, client] {
                readLines(client, [this, client](const QByteArray &l) { onClientMessage(client, l); });
            });
            connect(client, &QLocalSocket::disconnected, this, [this, client] {
                m_clients.removeAll(client);
                client->deleteLater();
            });
            QJsonArray runs;
            for (const Run &run : m_scheduler->active())
                runs.append(run.toJson());
            client->write(line({{u"type"_s, u"hello"_s}, {u"pid"_s, qint64(::getpid())}, {u"active"_s, runs}}));
        }
    });

    setRole(Role::Scheduling);
    m_scheduler->begin(m_jobs);
    publishJobs();
}

void SchedulerService::becomeObserver()
{
    setRole(Role::Observing);
    m_takeOver->start();
    if (!m_toScheduler)
        connectToScheduler();
}

void SchedulerService::connectToScheduler()
{
    m_toScheduler = new QLocalSocket(this);
    connect(m_toScheduler, &QLocalSocket::readyRead, this, [this] {
        readLines(m_toScheduler, [this](const QByteArray &l) { onSchedulerMessage(l); });
    });
    // The scheduling process went away: take over now.
    connect(m_toScheduler, &QLocalSocket::disconnected, this, [this] {
        m_toScheduler->deleteLater();
        m_toScheduler = nullptr;
        QTimer::singleShot(0, this, &SchedulerService::tryToSchedule);
    });
    connect(m_toScheduler, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError) {
        if (m_toScheduler && m_toScheduler->state() == QLocalSocket::UnconnectedState) {
            m_toScheduler->deleteLater();
            m_toScheduler = nullptr; // tried again at the next takeOver tick
        }
    });
    m_toScheduler->connectToServer(socketPath());
}

void SchedulerService::onSchedulerMessage(const QByteArray &text)
{
    const QJsonObject m = QJsonDocument::fromJson(text).object();
    const QString type = m.value(u"type"_s).toString();
    if (type == u"hello"_s) {
        QList<Run> active;
        for (const QJsonValue &v : m.value(u"active"_s).toArray())
            active.append(Run::fromJson(v.toObject()));
        QMutexLocker lock(&m_mutex);
        m_active = active;
    } else if (type == u"run"_s) {
        const Run run = Run::fromJson(m.value(u"run"_s).toObject());
        {
            QMutexLocker lock(&m_mutex);
            m_active.removeIf([&](const Run &r) { return r.id == run.id; });
            if (!run.isFinal())
                m_active.append(run);
        }
        emit runChanged(run);
    } else if (type == u"incident"_s) {
        emit incident(m.value(u"job"_s).toString(), m.value(u"failures"_s).toInt(),
                      Run::fromJson(m.value(u"run"_s).toObject()));
    } else if (type == u"disabled"_s) {
        emit jobDisabled(m.value(u"job"_s).toString(), m.value(u"reason"_s).toString());
    } else if (type == u"error"_s) {
        emit requestFailed(m.value(u"job"_s).toString(),
                           Error{Error::Code::Invalid, m.value(u"message"_s).toString(), {},
                                 m.value(u"hint"_s).toString()});
    }
}

void SchedulerService::onClientMessage(QLocalSocket *client, const QByteArray &text)
{
    const QJsonObject m = QJsonDocument::fromJson(text).object();
    const QString type = m.value(u"type"_s).toString();
    const QString job = m.value(u"job"_s).toString();
    const auto refuse = [&](const Error &e) {
        client->write(line({{u"type"_s, u"error"_s}, {u"job"_s, job}, {u"message"_s, e.message},
                            {u"hint"_s, e.hint}}));
    };
    if (!m_scheduler)
        return;
    if (type == u"run-now"_s) {
        if (auto run = m_scheduler->runNow(job); !run)
            refuse(run.error());
        else
            client->write(line({{u"type"_s, u"queued"_s}, {u"job"_s, job}, {u"run"_s, run->toJson()}}));
    } else if (type == u"cancel"_s) {
        const qint64 id = m.value(u"id"_s).toInteger();
        if (!m_scheduler->cancel(id))
            refuse(Error{Error::Code::NotFound, Text::tr("run %1 is neither waiting nor running").arg(id), {}, {}});
    }
}

void SchedulerService::broadcast(const QJsonObject &message)
{
    const QByteArray bytes = line(message);
    for (QLocalSocket *client : std::as_const(m_clients))
        client->write(bytes);
}

void SchedulerService::tick(Scheduler::Cause cause)
{
    if (cause == Scheduler::Cause::ZoneChange || cause == Scheduler::Cause::ClockChange)
        publishJobs(); // next runs as the clock and zone now say
    if (m_scheduler)
        m_scheduler->tick(cause);
}

void SchedulerService::arm()
{
    if (!m_scheduler)
        return;
    const std::optional<QDateTime> at = m_scheduler->nextWakeup();
    if (m_wallClock) {
        if (at)
            m_wallClock->arm(*at);
        else
            m_wallClock->disarm();
    } else if (m_fallbackTimer) {
        if (at)
            m_fallbackTimer->start(
                std::chrono::milliseconds(std::clamp<qint64>(m_options.clock->now().msecsTo(*at), 0, 3600000)));
        else
            m_fallbackTimer->stop();
    }
    {
        QMutexLocker lock(&m_mutex);
        m_active = m_scheduler->active();
    }
    publishSchedule();
    emit armed(at);
}

void SchedulerService::publishSchedule()
{
    if (!m_scheduler)
        return;
    QHash<QString, QDateTime> next;
    QHash<QString, JobState> states;
    for (const Job &job : std::as_const(m_jobs)) {
        if (const auto slot = m_scheduler->nextSlot(job.name))
            next.insert(job.name, *slot);
        if (const auto state = m_scheduler->jobState(job.name))
            states.insert(job.name, *state);
    }
    {
        QMutexLocker lock(&m_mutex);
        if (next == m_next && states == m_states)
            return;
        m_next = next;
        m_states = states;
    }
    emit scheduleChanged();
}

void SchedulerService::onRunChanged(const Run &run)
{
    {
        QMutexLocker lock(&m_mutex);
        m_active.removeIf([&](const Run &r) { return r.id == run.id; });
        if (!run.isFinal())
            m_active.append(run);
    }
    broadcast({{u"type"_s, u"run"_s}, {u"run"_s, run.toJson()}});
    audit(run);
    emit runChanged(run);
}

void SchedulerService::audit(const Run &run)
{
    if (!m_options.audit)
        return;
    QString action;
    switch (run.status) {
    case Run::Status::Queued:
        return;
    case Run::Status::Running:
        action = u"job.start"_s;
        break;
    case Run::Status::Skipped:
        action = u"job.skip"_s;
        break;
    case Run::Status::Missed:
        action = u"job.miss"_s;
        break;
    default:
        action = u"job.end"_s;
        break;
    }
    AuditEvent event;
    event.source = AuditEvent::Source::Scheduler;
    const auto job = std::find_if(m_jobs.cbegin(), m_jobs.cend(), [&](const Job &j) { return j.name == run.job; });
    event.persona = job != m_jobs.cend() ? job->persona : QString();
    event.action = action;
    event.resource = u"job:"_s + run.job;
    event.decision = AuditEvent::Decision::Info;
    QJsonObject details = run.toJson();
    details.remove(u"result"_s);
    event.setDetails(details);
    m_options.audit->append(std::move(event));
}

void SchedulerService::onDisableRequested(const QString &job, const QString &reason)
{
    if (auto disabled = m_jobStore->setEnabled(job, false, reason); !disabled) {
        emit problem(u"scheduler.jobs"_s, disabled.error());
        return;
    }
    m_jobs = m_jobStore->jobs();
    m_scheduler->setJobs(m_jobs);
    publishJobs();
    broadcast({{u"type"_s, u"disabled"_s}, {u"job"_s, job}, {u"reason"_s, reason}});
    emit jobDisabled(job, reason);
}

void SchedulerService::reloadJobs()
{
    const auto loaded = m_jobStore->load();
    {
        QMutexLocker lock(&m_mutex);
        m_jobsError = loaded ? std::nullopt : std::optional<Error>(loaded.error());
    }
    if (!loaded) {
        // The jobs as they were go on; the file is left for the person to mend.
        emit problem(u"scheduler.jobs"_s, loaded.error());
        return;
    }
    emit recovered(u"scheduler.jobs"_s);
    if (m_jobStore->jobs() == m_jobs && m_role != Role::Starting)
        return;
    m_jobs = m_jobStore->jobs();
    if (m_scheduler)
        m_scheduler->setJobs(m_jobs);
    publishJobs();
}

void SchedulerService::publishJobs()
{
    QHash<QString, QDateTime> next;
    const QDateTime now = m_options.clock->now();
    for (const Job &job : std::as_const(m_jobs)) {
        if (!job.enabled)
            continue;
        if (m_scheduler) {
            if (const auto slot = m_scheduler->nextSlot(job.name))
                next.insert(job.name, *slot);
            continue;
        }
        auto expression = CronExpression::parse(job.schedule);
        if (!expression || expression->isOnStart())
            continue;
        if (auto schedule = CronSchedule::create(*expression, job.timeZone))
            if (auto s = schedule->next(CronSchedule::Instant{std::chrono::seconds{now.toSecsSinceEpoch()}}))
                next.insert(job.name, QDateTime::fromSecsSinceEpoch(s->time_since_epoch().count(), QTimeZone::UTC));
    }
    {
        QMutexLocker lock(&m_mutex);
        m_next = next;
        m_jobsSnapshot = m_jobs;
    }
    emit jobsChanged(m_jobs);
}

void SchedulerService::setRole(Role role)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_role == role)
            return;
        m_role = role;
    }
    emit roleChanged(role);
}

void SchedulerService::editJobs(const QString &job, const std::function<Result<void>(JobStore &)> &edit)
{
    if (auto loaded = m_jobStore->load(); !loaded) {
        emit requestFailed(job, loaded.error());
        return;
    }
    if (auto done = edit(*m_jobStore); !done) {
        emit requestFailed(job, done.error());
        return;
    }
    m_jobs = m_jobStore->jobs();
    if (m_scheduler)
        m_scheduler->setJobs(m_jobs);
    publishJobs();
}

void SchedulerService::addJob(const Job &job)
{
    editJobs(job.name, [&](JobStore &store) { return store.add(job); });
}

void SchedulerService::updateJob(const QString &name, const Job &job)
{
    editJobs(name, [&](JobStore &store) { return store.update(name, job); });
}

void SchedulerService::removeJob(const QString &name)
{
    editJobs(name, [&](JobStore &store) { return store.remove(name); });
}

void SchedulerService::setJobEnabled(const QString &name, bool enabled)
{
    editJobs(name, [&](JobStore &store) {
        return store.setEnabled(name, enabled, enabled ? QString() : Text::tr("paused by you"));
    });
}

void SchedulerService::sendToScheduler(const QJsonObject &message, const QString &job)
{
    if (!m_toScheduler || m_toScheduler->state() != QLocalSocket::ConnectedState) {
        emit requestFailed(job, Error{Error::Code::Unavailable, Text::tr("the Paddock that runs the jobs does not answer"),
                                      socketPath(), Text::tr("Try again in a moment.")});
        return;
    }
    m_toScheduler->write(line(message));
}

void SchedulerService::runNow(const QString &job)
{
    if (m_scheduler) {
        if (auto run = m_scheduler->runNow(job); !run)
            emit requestFailed(job, run.error());
        return;
    }
    sendToScheduler({{u"type"_s, u"run-now"_s}, {u"job"_s, job}}, job);
}

void SchedulerService::cancelRun(qint64 runId)
{
    if (m_scheduler) {
        if (!m_scheduler->cancel(runId))
            emit requestFailed({}, Error{Error::Code::NotFound,
                                         Text::tr("run %1 is neither waiting nor running").arg(runId), {}, {}});
        return;
    }
    sendToScheduler({{u"type"_s, u"cancel"_s}, {u"id"_s, runId}}, {});
}

void SchedulerService::history(const QString &job, int limit, qint64 beforeId, QObject *context, Runs done)
{
    QMetaObject::invokeMethod(this, [this, job, limit, beforeId, context = QPointer<QObject>(context), done] {
        Result<QList<Run>> runs = m_runs ? m_runs->history(job, limit, beforeId)
                                         : fail(Error::Code::Unavailable, Text::tr("the run history is not open"));
        if (context)
            QMetaObject::invokeMethod(context.data(), [done, runs] { done(runs); }, Qt::QueuedConnection);
    });
}

void SchedulerService::runsBetween(const QDateTime &from, const QDateTime &to, QObject *context, Runs done)
{
    QMetaObject::invokeMethod(this, [this, from, to, context = QPointer<QObject>(context), done] {
        Result<QList<Run>> runs = m_runs ? m_runs->between(from, to)
                                         : fail(Error::Code::Unavailable, Text::tr("the run history is not open"));
        if (context)
            QMetaObject::invokeMethod(context.data(), [done, runs] { done(runs); }, Qt::QueuedConnection);
    });
}

void SchedulerService::readLog(qint64 id, qint64 maxBytes, QObject *context,
                               std::function<void(const Result<QByteArray> &)> done)
{
    QMetaObject::invokeMethod(this, [this, id, maxBytes, context = QPointer<QObject>(context), done] {
        Result<QByteArray> text = fail(Error::Code::Unavailable, Text::tr("the run history is not open"));
        if (m_runs) {
            QFile f(m_runs->logPath(id));
            if (!f.open(QIODevice::ReadOnly)) {
                text = fail(Error::Code::NotFound, Text::tr("run %1 left no log").arg(id), f.fileName());
            } else {
                if (f.size() > maxBytes)
                    f.seek(f.size() - maxBytes);
                text = f.read(maxBytes);
            }
        }
        if (context)
            QMetaObject::invokeMethod(context.data(), [done, text] { done(text); }, Qt::QueuedConnection);
    });
}

SchedulerService::Role SchedulerService::role() const
{
    QMutexLocker lock(&m_mutex);
    return m_role;
}

QList<Job> SchedulerService::jobs() const
{
    QMutexLocker lock(&m_mutex);
    return m_jobsSnapshot;
}

QList<Run> SchedulerService::active() const
{
    QMutexLocker lock(&m_mutex);
    return m_active;
}

QHash<QString, QDateTime> SchedulerService::nextRuns() const
{
    QMutexLocker lock(&m_mutex);
    return m_next;
}

QHash<QString, JobState> SchedulerService::jobStates() const
{
    QMutexLocker lock(&m_mutex);
    return m_states;
}

std::optional<Error> SchedulerService::jobsError() const
{
    QMutexLocker lock(&m_mutex);
    return m_jobsError;
}

} // namespace paddock
