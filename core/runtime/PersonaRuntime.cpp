#include "runtime/PersonaRuntime.h"

#include "runtime/PersonaRuntimePrivate.h"

#include "config/Paths.h"
#include "personas/PersonaStore.h"
#include "repo/GitTransport.h"
#include "repo/WorkspaceMount.h"
#include "runtime/EngineStream.h"
#include "runtime/ImageBuilder.h"
#include "runtime/InboundPorts.h"
#include "runtime/PersonaContainer.h"
#include "runtime/PersonaSockets.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>

#include <QTimeZone>

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaRuntime)
};

// "could not start dev: …", one whole sentence per action (so that translations read well).
QString actionFailure(const QString &action, const QString &persona, const QString &reason)
{
    if (action == QLatin1StringView("start"))
        return Text::tr("could not start %1: %2").arg(persona, reason);
    if (action == QLatin1StringView("stop"))
        return Text::tr("could not stop %1: %2").arg(persona, reason);
    if (action == QLatin1StringView("restart"))
        return Text::tr("could not restart %1: %2").arg(persona, reason);
    if (action == QLatin1StringView("remove"))
        return Text::tr("could not remove %1: %2").arg(persona, reason);
    return Text::tr("%1 failed for %2: %3").arg(action, persona, reason);
}

} // namespace

QString PersonaStatus::stateName(State state)
{
    switch (state) {
    case State::Unknown:
        return Text::tr("unknown");
    case State::Stopped:
        return Text::tr("stopped");
    case State::Starting:
        return Text::tr("starting");
    case State::Running:
        return Text::tr("running");
    case State::Stopping:
        return Text::tr("stopping");
    case State::Exited:
        return Text::tr("exited");
    case State::Error:
        return Text::tr("error");
    }
    return {};
}

QString PersonaStatus::text() const
{
    if (state == State::Exited) {
        if (oomKilled)
            return Text::tr("exited (out of memory)");
        return Text::tr("exited (code %1)").arg(exitCode);
    }
    return stateName(state);
}

// The streams of stats and logs for the personas being watched or followed.
PersonaRuntime::PersonaRuntime(Options options)
    : EngineService(QStringLiteral("runtime"))
    , m_options(std::move(options))
    , m_streams(std::make_unique<Streams>())
    , m_relay(m_options.relay.isEmpty() ? PersonaSockets::findRelay() : m_options.relay)
    , m_entrypoint(m_options.entrypoint.isEmpty() ? findEntrypoint() : m_options.entrypoint)
{
    qRegisterMetaType<PersonaStatus>();
    qRegisterMetaType<PersonaSample>();
    qRegisterMetaType<WorkspaceMount>();
    qRegisterMetaType<Persona>();
    qRegisterMetaType<QList<Persona>>();
    qRegisterMetaType<QList<EngineClient::LogLine>>();
    qRegisterMetaType<Error>();
    qRegisterMetaType<Workspace>();
    qRegisterMetaType<WorkspaceProgress>();
}

PersonaRuntime::~PersonaRuntime() = default;

Result<void> PersonaRuntime::start()
{
    m_pool = std::make_unique<QThreadPool>();
    m_pool->setMaxThreadCount(4);
    m_pool->setObjectName(QStringLiteral("paddock-runtime-actions"));
    m_store = std::make_unique<PersonaStore>(m_options.personasPath);
    if (auto loaded = m_store->load(m_options.image); !loaded) {
        emit problem(QStringLiteral("runtime.personas"), loaded.error());
        emit storeFailed(loaded.error());
    }
    publishPersonas();
    if (!m_options.paddockctl.isEmpty()) {
        GitTransport::Options transport;
        transport.mirrorsDir = WorkspaceBuilder(m_options.dataDir).mirrorsDir();
        transport.paddockctl = m_options.paddockctl;
        transport.configDir = m_options.configDir;
        transport.dataDir = m_options.dataDir.isEmpty() ? Paths::dataDir() : m_options.dataDir;
        m_transport = std::make_unique<GitTransport>(transport);
        connect(m_transport.get(), &GitTransport::problem, this,
                [this](const QString &persona, const Error &error) {
                    emit problem(QStringLiteral("git-transport:") + persona, error);
                });
        connect(m_transport.get(), &GitTransport::ready, this, [this](const QString &persona) {
            emit recovered(QStringLiteral("git-transport:") + persona);
        });
    }
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &PersonaRuntime::tryConnect);
    m_reaper = new QTimer(this);
    m_reaper->setInterval(500);
    connect(m_reaper, &QTimer::timeout, this, &PersonaRuntime::reap);
    m_reaper->start();
    m_inbound = std::make_unique<InboundPorts>();
    tryConnect();
    return {};
}

void PersonaRuntime::stop()
{
    if (m_retry)
        m_retry->stop();
    if (m_reaper)
        m_reaper->stop();
    if (m_events)
        m_events->stop();
    for (const auto &cancel : std::as_const(m_workspaceCancels))
        *cancel = true;
    m_streams->stopAll();
    endSignIns();
    endJobRuns();
    if (m_pool)
        m_pool->waitForDone();
    if (m_transport)
        m_transport->stopAll();
    if (m_inbound)
        m_inbound->closeAll();
}

QList<Persona> PersonaRuntime::personas() const
{
    QMutexLocker lock(&m_mutex);
    return m_personas;
}

QList<PersonaStatus> PersonaRuntime::statuses() const
{
    QMutexLocker lock(&m_mutex);
    QList<PersonaStatus> out;
    for (const Persona &p : m_personas)
        out << m_status.value(p.name, PersonaStatus{p.name});
    return out;
}

std::optional<PersonaStatus> PersonaRuntime::status(const QString &persona) const
{
    QMutexLocker lock(&m_mutex);
    if (!m_status.contains(persona))
        return std::nullopt;
    return m_status.value(persona);
}

bool PersonaRuntime::isEngineConnected() const
{
    QMutexLocker lock(&m_mutex);
    return m_connected;
}

QString PersonaRuntime::engineDescription() const
{
    QMutexLocker lock(&m_mutex);
    return m_description;
}

std::optional<EngineClient::Endpoint> PersonaRuntime::endpoint() const
{
    QMutexLocker lock(&m_mutex);
    return m_endpoint;
}

QString PersonaRuntime::dataDir() const
{
    return m_options.dataDir.isEmpty() ? Paths::dataDir() : m_options.dataDir;
}

void PersonaRuntime::tryConnect()
{
    auto endpoint =
        m_options.endpoint ? Result<EngineClient::Endpoint>(*m_options.endpoint) : EngineClient::discover();
    std::unique_ptr<EngineClient> client;
    Result<EngineClient::Version> version = std::unexpected(endpoint ? Error{} : endpoint.error());
    if (endpoint) {
        client = std::make_unique<EngineClient>(*endpoint);
        version = client->connect();
    }
    if (!version) {
        const QString text = version.error().text();
        bool changed;
        {
            QMutexLocker lock(&m_mutex);
            changed = m_connected || m_description != text;
            m_connected = false;
            m_description = text;
        }
        if (changed)
            emit engineConnectionChanged(false, text);
        m_retry->start(m_retryDelay);
        m_retryDelay = std::min(m_retryDelay * 2, std::chrono::milliseconds(10000));
        return;
    }
    m_retryDelay = std::chrono::milliseconds(500);
    m_client = std::move(client);
    {
        QMutexLocker lock(&m_mutex);
        m_endpoint = *endpoint;
    }
    // Rootless engines say so among their security options (podman as dockerd does).
    if (auto info = m_client->request("GET", QStringLiteral("/info")); info && info->status == 200)
        m_rootless = QJsonDocument::fromJson(info->body)
                         .object()
                         .value(QStringLiteral("SecurityOptions"))
                         .toVariant()
                         .toStringList()
                         .contains(QStringLiteral("name=rootless"));
    m_version = *version;
    const QString description =
        Text::tr("%1 %2 at %3").arg(m_version.engine, m_version.version, endpoint->socketPath);
    m_events =
        std::make_unique<EngineEvents>(*endpoint, QLatin1StringView(PersonaLabel), m_client->apiVersion());
    connect(m_events.get(), &EngineEvents::containerEvent, this, &PersonaRuntime::onEngineEvent);
    connect(m_events.get(), &EngineEvents::disconnected, this, &PersonaRuntime::onEventsDisconnected);
    connect(m_events.get(), &EngineEvents::connected, this, [this, description] {
        // (Again) in touch: whatever happened meanwhile is read afresh.
        {
            QMutexLocker lock(&m_mutex);
            m_connected = true;
            m_description = description;
        }
        emit engineConnectionChanged(true, description);
        refreshAll();
        removeStaleSignIns();
    });
    m_events->start();
}

void PersonaRuntime::reconnect()
{
    if (m_events)
        return; // the events stream reconnects by itself
    m_retry->stop();
    m_retryDelay = std::chrono::milliseconds(500);
    tryConnect();
}

void PersonaRuntime::onEventsDisconnected(const Error &error)
{
    bool was;
    {
        QMutexLocker lock(&m_mutex);
        was = m_connected;
        m_connected = false;
        m_description = error.text();
    }
    if (!was)
        return;
    emit engineConnectionChanged(false, error.text());
    for (const Persona &p : m_personas) {
        PersonaStatus s = m_status.value(p.name, PersonaStatus{p.name});
        s.state = PersonaStatus::State::Unknown;
        setStatus(s);
    }
    m_streams->stopAll();
}

PersonaStatus PersonaRuntime::statusFromInspect(const QString &persona, const QJsonObject &o) const
{
    PersonaStatus s{persona};
    s.containerId = o.value(QStringLiteral("Id")).toString();
    const QJsonObject state = o.value(QStringLiteral("State")).toObject();
    const QString status = state.value(QStringLiteral("Status")).toString();
    if (state.value(QStringLiteral("Running")).toBool()) {
        s.state = PersonaStatus::State::Running;
        s.startedAt =
            QDateTime::fromString(state.value(QStringLiteral("StartedAt")).toString(), Qt::ISODateWithMs);
    } else if (status == QLatin1StringView("exited") || status == QLatin1StringView("stopped") ||
               status == QLatin1StringView("dead")) {
        s.state = PersonaStatus::State::Exited;
        s.exitCode = state.value(QStringLiteral("ExitCode")).toInt();
        s.oomKilled = state.value(QStringLiteral("OOMKilled")).toBool();
    } else {
        s.state = PersonaStatus::State::Stopped; // created, never started
    }
    const QString inside = QLatin1StringView(WorkspaceMountPoint) + QLatin1Char('/');
    for (const QJsonValue &m : o.value(QStringLiteral("Mounts")).toArray()) {
        const QJsonObject mount = m.toObject();
        const QString destination = mount.value(QStringLiteral("Destination")).toString();
        if (destination == QLatin1StringView(WorkspaceMountPoint))
            s.workspace = mount.value(QStringLiteral("Source")).toString();
        else if (destination.startsWith(inside) && !mount.value(QStringLiteral("RW")).toBool(true))
            s.workspaceReadOnly << destination.mid(inside.size());
    }
    if (s.workspace.isEmpty())
        s.workspaceReadOnly.clear();
    s.workspaceReadOnly.sort();
    return s;
}

void PersonaRuntime::refreshAll()
{
    for (const Persona &p : m_personas)
        refreshOne(p.name);
}

void PersonaRuntime::refreshOne(const QString &name)
{
    if (!m_client)
        return;
    const auto persona = findPersona(name);
    if (!persona)
        return;
    auto response = m_client->request(
        "GET", QStringLiteral("/containers/%1/json").arg(EngineClient::encoded(persona->containerName())));
    if (!response)
        return; // the events stream tells about the engine going away
    PersonaStatus s{name};
    if (response->status == 200) {
        s = statusFromInspect(name, QJsonDocument::fromJson(response->body).object());
        if (s.state == PersonaStatus::State::Exited && m_stopRequested.contains(name))
            s.state = PersonaStatus::State::Stopped;
    } else {
        s.state = PersonaStatus::State::Stopped;
    }
    if (m_busy.contains(name)) {
        // An action is under way: it says when it is done.
        const PersonaStatus current = m_status.value(name);
        if (current.state == PersonaStatus::State::Starting ||
            current.state == PersonaStatus::State::Stopping)
            return;
    }
    setStatus(s);
}

void PersonaRuntime::onEngineEvent(const ContainerEvent &event)
{
    const QString name = event.attributes.value(QLatin1StringView(PersonaLabel));
    const auto persona = findPersona(name);
    if (!persona || (event.name != persona->containerName() && !event.name.isEmpty()))
        return;
    PersonaStatus s = m_status.value(name, PersonaStatus{name});
    // podman's events come late (from a polled file): after a restart, the old container's "died"
    // and "remove" can arrive once the new one is known, under the same name. They must not undo
    // the new container's status (its state, its workspace).
    const bool otherContainer = !event.id.isEmpty() && !s.containerId.isEmpty() && event.id != s.containerId;
    switch (event.kind) {
    case ContainerEvent::Kind::Started:
        if (m_busy.contains(name))
            return; // the start under way reports Running once the secrets are in
        if (otherContainer) {
            // A container made outside Paddock under the persona's name: read it whole (its mounts).
            refreshOne(name);
            return;
        }
        s.state = PersonaStatus::State::Running;
        s.containerId = event.id;
        s.startedAt = QDateTime::fromMSecsSinceEpoch(event.timeNs / 1000000, QTimeZone::UTC);
        s.exitCode = -1;
        s.oomKilled = false;
        s.message.clear();
        break;
    case ContainerEvent::Kind::OomKilled:
        if (otherContainer)
            return;
        s.oomKilled = true;
        break;
    case ContainerEvent::Kind::Died:
        if (otherContainer || (m_busy.contains(name) && s.state == PersonaStatus::State::Starting))
            return; // an old container, or one being replaced
        s.exitCode = event.exitCode;
        s.startedAt = {};
        s.state =
            m_stopRequested.contains(name) ? PersonaStatus::State::Stopped : PersonaStatus::State::Exited;
        break;
    case ContainerEvent::Kind::Removed:
        if (otherContainer || m_busy.contains(name))
            return;
        s = PersonaStatus{name};
        s.state = PersonaStatus::State::Stopped;
        break;
    default:
        return;
    }
    setStatus(s);
    if (event.kind == ContainerEvent::Kind::Started) {
        // A new container: logs and stats follow it.
        m_streams->retire(m_streams->logs, name);
        m_streams->retire(m_streams->stats, name);
        m_streams->retire(m_streams->exits, name);
    }
    updateStreams();
}

void PersonaRuntime::setStatus(const PersonaStatus &status)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_status.value(status.persona) == status && m_status.contains(status.persona))
            return;
        m_status.insert(status.persona, status);
    }
    emit statusChanged(status);
    updateSockets(status);
    updateStreams();
}

void PersonaRuntime::publishPersonas()
{
    {
        QMutexLocker lock(&m_mutex);
        m_personas = m_store->personas();
        for (auto it = m_status.begin(); it != m_status.end();)
            it = m_store->find(it.key()) ? std::next(it) : m_status.erase(it);
    }
    emit personasChanged(m_personas);
}

std::optional<Persona> PersonaRuntime::findPersona(const QString &name) const
{
    for (const Persona &p : m_personas)
        if (p.name == name)
            return p;
    return std::nullopt;
}

void PersonaRuntime::runAction(const QString &persona, const QString &action,
                               std::function<Result<void>(EngineClient &)> work, std::function<void()> then)
{
    const EngineClient::Endpoint endpoint = m_client->endpoint();
    const QString api = m_client->apiVersion();
    m_busy.insert(persona);
    m_pool->start([this, persona, action, endpoint, api, work = std::move(work), then = std::move(then)] {
        EngineClient client(endpoint);
        client.setApiVersion(api);
        Result<void> result = work(client);
        QMetaObject::invokeMethod(
            this,
            [this, persona, action, result, then] {
                if (!result) {
                    m_busy.remove(persona);
                    PersonaStatus s = m_status.value(persona, PersonaStatus{persona});
                    s.state = PersonaStatus::State::Error;
                    s.message = actionFailure(action, persona, result.error().text());
                    setStatus(s);
                    emit actionFailed(persona, action, result.error());
                    runQueued(persona);
                    return;
                }
                if (then) {
                    then();
                    return;
                }
                m_busy.remove(persona);
                refreshOne(persona);
                emit actionFinished(persona, action);
                runQueued(persona);
            },
            Qt::QueuedConnection);
    });
}

void PersonaRuntime::runQueued(const QString &name)
{
    if (m_busy.contains(name) || !m_queued.contains(name))
        return;
    const Queued next = m_queued.take(name);
    if (next.action == QLatin1StringView("stop"))
        stopPersona(name);
    else
        beginStart(name, next.workspace, next.action == QLatin1StringView("restart"));
}

void PersonaRuntime::startPersona(const QString &name)
{
    beginStart(name, lastWorkspace(name), false);
}

std::optional<WorkspaceMount> PersonaRuntime::lastWorkspace(const QString &name) const
{
    const PersonaStatus current = m_status.value(name);
    // A workspace that was deleted meanwhile is not mounted (the engine would refuse the bind):
    // the persona starts without one, and its card says so.
    if (current.workspace.isEmpty() || !QFileInfo(current.workspace).isDir())
        return std::nullopt;
    return WorkspaceMount{current.workspace, current.workspaceReadOnly};
}

void PersonaRuntime::startPersonaWithWorkspace(const QString &name, const WorkspaceMount &workspace)
{
    beginStart(name, workspace, false);
}

void PersonaRuntime::restartPersona(const QString &name)
{
    beginStart(name, lastWorkspace(name), true);
}

void PersonaRuntime::beginStart(const QString &name, const std::optional<WorkspaceMount> &workspace,
                                bool restart)
{
    const QString action = restart ? QStringLiteral("restart") : QStringLiteral("start");
    const auto persona = findPersona(name);
    if (!persona)
        return emit actionFailed(name, action,
                                 Error{Error::Code::NotFound,
                                       Text::tr("there is no persona %1").arg(name),
                                       {},
                                       Text::tr("See the personas with \"paddockctl persona list\".")});
    if (!m_client)
        return emit actionFailed(name, action,
                                 Error{Error::Code::Unavailable,
                                       Text::tr("no container engine to start %1 on").arg(name),
                                       {},
                                       m_description});
    if (m_busy.contains(name)) {
        // After the action under way (a start right after a stop, a restart while starting).
        m_queued.insert(name, Queued{action, workspace});
        return;
    }
    const PersonaStatus current = m_status.value(name);
    if (!restart && current.state == PersonaStatus::State::Running &&
        (!workspace || workspace->hostPath == current.workspace)) {
        emit actionFinished(name, action); // already running as asked
        return;
    }
    m_stopRequested.remove(name);
    PersonaStatus s = current;
    s.persona = name;
    s.state = PersonaStatus::State::Starting;
    s.message.clear();
    setStatus(s);
    const EngineClient::Version version = m_version;
    const Persona p = *persona;
    const bool rootless = m_rootless;
    if (m_relay.isEmpty())
        return startFailed(name, action,
                           Error{Error::Code::NotFound,
                                 Text::tr("paddock-relay is not installed"),
                                 {},
                                 Text::tr("Reinstall Paddock, or name the relay with PADDOCK_RELAY.")});
    if (m_entrypoint.isEmpty())
        return startFailed(name, action,
                           Error{Error::Code::NotFound,
                                 Text::tr("Paddock's entrypoint (paddock-agent) is not installed"),
                                 ImageBuilder::recipePath(), Text::tr("Reinstall Paddock.")});
    if (auto ready = ensureSockets(p); !ready)
        return startFailed(name, action, ready.error());
    if (version.engine == QLatin1StringView("docker"))
        if (auto ready = PersonaSockets::prepareSecrets(name, socketOwner(p)); !ready)
            return startFailed(name, action, ready.error());
    // A workspace made before its transport moved to the socket folder: `local` is the relay's now.
    if (workspace) {
        if (auto moved = WorkspaceBuilder::retargetLocal(workspace->hostPath, GitTransport::baseUrl());
            !moved)
            emit problem(QStringLiteral("workspace:") + name, moved.error()); // its pushes fail; it runs
    }
    runAction(
        name, action,
        [this, version, rootless, p, workspace, restart, relay = m_relay,
         entrypoint = m_entrypoint](EngineClient &client) {
            if (restart)
                keepRewritten(p.name, client, p.containerName());
            return preparePersonaContainer(client, version, rootless, p, workspace, relay, entrypoint);
        },
        [this, p, action] { deliverAndFinish(p, action); });
}

void PersonaRuntime::startFailed(const QString &name, const QString &action, const Error &error)
{
    PersonaStatus s = m_status.value(name, PersonaStatus{name});
    s.state = PersonaStatus::State::Error;
    s.message = actionFailure(action, name, error.text());
    setStatus(s);
    emit actionFailed(name, action, error);
}

void PersonaRuntime::stopPersona(const QString &name)
{
    const auto persona = findPersona(name);
    if (!persona || !m_client)
        return emit actionFailed(
            name, QStringLiteral("stop"),
            Error{Error::Code::NotFound,
                  Text::tr("cannot stop %1: it is not known or there is no engine").arg(name),
                  {},
                  {}});
    if (m_busy.contains(name)) {
        m_queued.insert(name, Queued{QStringLiteral("stop"), std::nullopt});
        return;
    }
    m_stopRequested.insert(name);
    PersonaStatus s = m_status.value(name, PersonaStatus{name});
    if (s.state != PersonaStatus::State::Running && s.state != PersonaStatus::State::Starting) {
        emit actionFinished(name, QStringLiteral("stop"));
        return;
    }
    s.state = PersonaStatus::State::Stopping;
    setStatus(s);
    const int timeout = int(m_options.stopTimeout.count() / 1000);
    const QString container = persona->containerName();
    runAction(name, QStringLiteral("stop"),
              [this, name, container, timeout](EngineClient &client) -> Result<void> {
                  keepRewritten(name, client, container);
                  auto stopped = client.stopContainer(container, timeout);
                  if (!stopped && stopped.error().code != Error::Code::NotFound)
                      return stopped;
                  return {};
              });
}

void PersonaRuntime::stopAll()
{
    for (const Persona &p : m_personas) {
        const auto state = m_status.value(p.name).state;
        if (state == PersonaStatus::State::Running || state == PersonaStatus::State::Starting)
            stopPersona(p.name);
    }
}

void PersonaRuntime::addPersona(const Persona &persona)
{
    if (auto added = m_store->add(persona); !added)
        return emit storeFailed(added.error());
    publishPersonas();
    refreshOne(persona.name);
}

void PersonaRuntime::updatePersona(const QString &name, const Persona &persona)
{
    if (auto updated = m_store->update(name, persona); !updated)
        return emit storeFailed(updated.error());
    if (name != persona.name) {
        QMutexLocker lock(&m_mutex);
        m_status.remove(name);
    }
    publishPersonas();
    refreshOne(persona.name);
}

void PersonaRuntime::duplicatePersona(const QString &name, const QString &newName)
{
    auto copy = m_store->duplicate(name, newName);
    if (!copy)
        return emit storeFailed(copy.error());
    publishPersonas();
    refreshOne(copy->name);
}

void PersonaRuntime::removePersona(const QString &name, bool removeVolumes)
{
    const auto persona = findPersona(name);
    if (!persona)
        return;
    auto removeEntry = [this, name] {
        m_busy.remove(name);
        if (auto removed = m_store->remove(name); !removed)
            return emit storeFailed(removed.error());
        m_streams->retire(m_streams->stats, name);
        m_streams->retire(m_streams->logs, name);
        m_streams->retire(m_streams->exits, name);
        m_followed.remove(name);
        m_inbound->close(name);
        if (m_transport)
            m_transport->stop(name);
        QDir(PersonaSockets::folder(name)).removeRecursively();
        publishPersonas();
        emit actionFinished(name, QStringLiteral("remove"));
    };
    if (!m_client)
        return removeEntry(); // nothing on an engine to clean up now; the volumes stay
    const Persona p = *persona;
    runAction(
        name, QStringLiteral("remove"),
        [p, removeVolumes](EngineClient &client) -> Result<void> {
            (void)client.killContainer(p.containerName());
            if (auto removed = client.removeContainer(p.containerName(), true);
                !removed && removed.error().code != Error::Code::NotFound)
                return removed;
            if (removeVolumes)
                for (const Persona::Volume &v : p.volumes)
                    if (auto gone = client.removeVolume(v.name);
                        !gone && gone.error().code != Error::Code::NotFound)
                        return gone;
            if (p.isolated())
                (void)client.removeNetwork(p.networkName()); // one made by an older Paddock
            return {};
        },
        removeEntry);
}

void PersonaRuntime::createWorkspace(const QString &persona, const QString &source, const QString &feature,
                                     const QString &base)
{
    const auto p = findPersona(persona);
    auto refuse = [&](const Error &error) { emit workspaceFailed(persona, error); };
    if (!p)
        return refuse(Error{Error::Code::NotFound, Text::tr("there is no persona %1").arg(persona), {}, {}});
    if (!m_client)
        return refuse(Error{Error::Code::Unavailable,
                            Text::tr("no container engine to start %1 on").arg(persona),
                            {},
                            m_description});
    if (m_workspaceCancels.contains(persona) || m_busy.contains(persona))
        return refuse(Error{Error::Code::Busy,
                            Text::tr("%1 is busy with another action").arg(persona),
                            {},
                            Text::tr("Wait for it to finish, then try again.")});
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_workspaceCancels.insert(persona, cancel);
    const Persona copy = *p;
    const QString dataDir = m_options.dataDir;
    const bool rootless = m_rootless;
    m_pool->start([this, copy, source, feature, base, dataDir, cancel, rootless] {
        Result<Workspace> made = std::unexpected(Error{});
        {
            WorkspaceRequest request{source, copy.name, feature, base, GitTransport::baseUrl()};
            qint64 lastMs = 0;
            made = WorkspaceBuilder(dataDir).create(
                request,
                [this, &lastMs, name = copy.name](const WorkspaceProgress &progress) {
                    // At most every 50 ms, and the last of each phase.
                    const qint64 now = QDateTime::currentMSecsSinceEpoch();
                    if (now - lastMs < 50 && progress.done != progress.total)
                        return;
                    lastMs = now;
                    emit workspaceProgress(name, progress);
                },
                cancel.get());
            // Run as root with a rootful engine, the container's uid 1000 is uid 1000 here: the
            // workspace is handed to it, or the agent could not write its own copy.
            if (made && ::geteuid() == 0 && !rootless)
                if (auto owned = chownTree(made->path, ContainerUid); !owned)
                    made = std::unexpected(owned.error());
        }
        QMetaObject::invokeMethod(
            this,
            [this, name = copy.name, made] {
                m_workspaceCancels.remove(name);
                if (!made)
                    return emit workspaceFailed(name, made.error());
                ensureTransport(name);
                beginStart(name, WorkspaceMount{made->path, made->readOnlyFolders}, false);
                emit workspaceCreated(name, *made);
            },
            Qt::QueuedConnection);
    });
}

void PersonaRuntime::cancelWorkspace(const QString &persona)
{
    if (auto cancel = m_workspaceCancels.value(persona))
        *cancel = true;
}

} // namespace paddock
