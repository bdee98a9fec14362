#include "engine/Engine.h"

#include "engine/JobLauncher.h"
#include "scheduler/SchedulerService.h"

#include "agents/McpConfig.h"

#include "audit/AuditStore.h"
#include "config/Paths.h"
#include "config/Settings.h"
#include "engine/ConfigWriter.h"
#include "personas/PersonaStore.h"
#include "policy/PolicyStore.h"
#include "proxy/EgressProxy.h"
#include "runtime/PersonaRuntime.h"
#include "secrets/PersonaSecrets.h"
#include "secrets/SecretDelivery.h"
#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QThread>

Q_LOGGING_CATEGORY(lcEngine, "paddock.engine")

namespace paddock {

namespace {
// Loads the policy sets off the UI thread; files that do not validate become problems to show.
class PolicyService final : public EngineService
{
public:
    explicit PolicyService(PolicyStore &store)
        : EngineService(QStringLiteral("policy"))
        , m_store(store)
    {}
    Result<void> start() override
    {
        auto loaded = m_store.load();
        if (!loaded)
            return loaded;
        for (const Error &problem : m_store.loadProblems())
            emit this->problem(QStringLiteral("policy:") + problem.where, problem);
        return {};
    }
    void stop() override {}

private:
    PolicyStore &m_store;
};
} // namespace

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_policyStore(new PolicyStore(Paths::configDir(), this))
{
    auto writer = std::make_unique<ConfigWriter>();
    m_configWriter = writer.get();
    addService(std::move(writer));
    // The audit log starts before everything that records into it and stops after it.
    auto audit = std::make_unique<AuditStore>(AuditStore::defaultDatabasePath());
    m_auditStore = audit.get();
    addService(std::move(audit));
    m_policyStore->setAuditStore(m_auditStore);
    connect(m_auditStore, &AuditStore::writableChanged, this, [this](bool writable) {
        m_auditFailing = !writable;
        emit healthChanged(health());
    });
    addService(std::make_unique<PolicyService>(*m_policyStore));
    // The proxy starts before the personas whose traffic it carries and stops after them.
    EgressProxy::Options proxyOptions;
    proxyOptions.policies = [store = m_policyStore](const QString &set) { return store->policies(set); };
    proxyOptions.audit = m_auditStore;
    proxyOptions.statusPath =
        QDir(Paths::runtimeDir())
            .filePath(QStringLiteral("paddock/proxy-%1.json").arg(QCoreApplication::applicationPid()));
    auto proxy = std::make_unique<EgressProxy>(proxyOptions);
    m_egressProxy = proxy.get();
    addService(std::move(proxy));
    PersonaRuntime::Options runtimeOptions = personaRuntimeOptions();
    // An isolated persona's one way out: the proxy on its egress socket (bound before its container
    // starts; the proxy is any-thread for that).
    runtimeOptions.serveEgress = [proxy = m_egressProxy](const QString &persona, const QString &path) {
        return proxy->listenUnix(persona, path);
    };
    // A job's run of an isolated persona: the proxy on the run's own egress socket, as the job.
    runtimeOptions.serveJobEgress = [proxy = m_egressProxy](const Persona &persona, const QString &job,
                                                           const QString &path) {
        proxy->setPersona(ProxyPersona::forJob(persona, job));
        return proxy->listenUnix(ProxyPersona::jobKey(job), path);
    };
    runtimeOptions.closeJobEgress = [proxy = m_egressProxy](const QString &job, const QString &path) {
        proxy->closeListener(ProxyPersona::jobKey(job), path, 0);
    };
    auto personas = std::make_unique<PersonaRuntime>(std::move(runtimeOptions));
    m_personaRuntime = personas.get();
    addService(std::move(personas));
    // The scheduler starts after the personas its jobs run as, and stops before them.
    SchedulerService::Options schedulerOptions;
    schedulerOptions.audit = m_auditStore;
    schedulerOptions.launcher = [runtime = m_personaRuntime](SchedulerService::Options::Finished finished,
                                                             const RunStore &runs) {
        return std::make_unique<JobLauncher>(runtime, runs, std::move(finished));
    };
    auto scheduler = std::make_unique<SchedulerService>(std::move(schedulerOptions));
    m_scheduler = scheduler.get();
    addService(std::move(scheduler));
    // The personas' settings, and the loopback listeners they ask for.
    m_egressProxy->follow(m_personaRuntime);
    // A set saved from the editor replaces one that failed to load: its problem is gone.
    connect(m_policyStore, &PolicyStore::policiesChanged, this, [this](const QString &name) {
        const QString file = m_policyStore->filePath(name);
        for (const QString &key : m_problems.keys())
            if (key.startsWith(QStringLiteral("policy:") + file))
                clearProblem(key);
    });
}

PersonaRuntime::Options Engine::personaRuntimeOptions()
{
    PersonaRuntime::Options options;
    options.personasPath = PersonaStore::defaultPath();
    options.image = defaultAgentImage();
    options.configDir = Paths::configDir();
    // Secrets from the keychain, read on the runtime thread when a persona starts, written into
    // its container's tmpfs (never its environment, image or a file on disk).
    auto secrets = std::make_shared<std::unique_ptr<PersonaSecrets>>();
    options.readSecrets = [secrets](const Persona &persona,
                                    std::function<void(Result<PersonaSecrets::Secrets>)> done) {
        if (!*secrets)
            *secrets = std::make_unique<PersonaSecrets>(SecretStore::defaultIndexPath());
        // And the secrets its MCP servers name (a broken mcp.toml is reported when they are made).
        QStringList mcpSecrets;
        if (auto servers = McpConfig::load())
            for (const McpServer &server : McpConfig::forPersona(*servers, persona.name))
                mcpSecrets << server.secrets.values();
        (*secrets)->read(persona, mcpSecrets, std::move(done));
    };
    options.mcpServers = [](const Persona &persona) -> Result<QList<McpServer>> {
        auto servers = McpConfig::load();
        if (!servers)
            return std::unexpected(servers.error());
        return McpConfig::forPersona(*servers, persona.name);
    };
    options.deliverSecrets = &SecretDelivery::deliver;
    // A sign-in's credential (and the one its agent rewrote): a secret of the persona, in the
    // keychain and the index, so that it is delivered at each start and listed on the Secrets page.
    auto store = std::make_shared<std::unique_ptr<SecretStore>>();
    options.storeSecret = [store](const QString &persona, const QString &name, const QByteArray &value,
                                  std::function<void(Result<void>)> done) {
        if (!*store)
            *store = std::make_unique<SecretStore>(SecretStore::defaultIndexPath());
        SecretStore *s = store->get();
        (void)s->loadIndex(); // the Secrets page may have changed it meanwhile
        const quint64 id = s->store(name, value, SecretStore::Kind::Other, persona);
        // One answer comes for the request; the context (and both connections) go with it.
        auto *context = new QObject(s);
        auto once = [context, done](Result<void> result) {
            context->deleteLater();
            done(result);
        };
        QObject::connect(s, &SecretStore::stored, context, [id, once](quint64 request, const QString &) {
            if (request == id)
                once({});
        });
        QObject::connect(s, &SecretStore::failed, context,
                         [id, once](quint64 request, const QString &, const Error &error) {
                             if (request == id)
                                 once(std::unexpected(error));
                         });
    };
    options.dataDir = Paths::dataDir();
    // The mirrors' pre-receive hooks ask paddockctl: the one beside this program (installed, or in
    // the build tree), else the one on PATH.
    const QString here = QCoreApplication::applicationDirPath();
    const QStringList candidates{qEnvironmentVariable("PADDOCK_PADDOCKCTL"),
                                 here + QStringLiteral("/paddockctl"),
                                 here + QStringLiteral("/../paddockctl/paddockctl"),
                                 QStandardPaths::findExecutable(QStringLiteral("paddockctl"))};
    for (const QString &candidate : candidates)
        if (!candidate.isEmpty() && QFileInfo(candidate).isExecutable()) {
            options.paddockctl = QFileInfo(candidate).canonicalFilePath();
            break;
        }
    return options;
}

Engine::~Engine()
{
    stop();
}

void Engine::addService(std::unique_ptr<EngineService> service)
{
    Q_ASSERT(m_state == State::Stopped);
    EngineService *s = service.get();
    connect(s, &EngineService::problem, this, &Engine::reportProblem);
    connect(s, &EngineService::recovered, this, &Engine::clearProblem);
    m_services.push_back(Slot{std::move(service), nullptr, false});
}

void Engine::start()
{
    if (m_state != State::Stopped)
        return;
    m_startFailed = false;
    setState(State::Starting);
    for (Slot &slot : m_services) {
        slot.thread = new QThread(this);
        slot.thread->setObjectName(QStringLiteral("paddock-") + slot.service->name());
        slot.service->moveToThread(slot.thread);
        slot.thread->start();
        EngineService *service = slot.service.get();
        QMetaObject::invokeMethod(
            service,
            [this, service] {
                const Result<void> result = service->start();
                QMetaObject::invokeMethod(
                    this, [this, service, result] { serviceStarted(service, result); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }
    if (m_services.empty())
        updateState();
}

void Engine::serviceStarted(EngineService *service, const Result<void> &result)
{
    for (Slot &slot : m_services) {
        if (slot.service.get() != service)
            continue;
        slot.started = result.has_value();
        if (!result) {
            m_startFailed = true;
            reportProblem(QStringLiteral("start:") + service->name(), result.error());
            qCWarning(lcEngine) << "service" << service->name()
                                << "failed to start:" << result.error().text();
        }
    }
    updateState();
}

void Engine::stop()
{
    if (m_state == State::Stopped)
        return;
    if (m_startRecorded)
        m_auditStore->append(AuditEvent::system(QStringLiteral("engine.stop")));
    setState(State::Stopping);
    for (auto it = m_services.rbegin(); it != m_services.rend(); ++it) {
        if (!it->thread)
            continue;
        EngineService *service = it->service.get();
        // Queued behind everything already asked of the service, so its pending work is done first.
        // Back to this thread afterwards so that the service stays usable (in place) once stopped.
        QThread *home = thread();
        QMetaObject::invokeMethod(
            service,
            [service, home] {
                service->stop();
                service->moveToThread(home);
            },
            Qt::BlockingQueuedConnection);
        it->thread->quit();
        it->thread->wait();
        delete it->thread;
        it->thread = nullptr;
        it->started = false;
    }
    setState(State::Stopped);
}

void Engine::updateState()
{
    if (m_state == State::Stopping || m_state == State::Stopped)
        return;
    if (m_startFailed) {
        setState(State::Failed);
        return;
    }
    for (const Slot &slot : m_services)
        if (!slot.started)
            return; // still Starting
    setState(m_problems.isEmpty() ? State::Running : State::Degraded);
    if (!m_startRecorded) {
        m_startRecorded = true;
        QJsonObject details{{QStringLiteral("version"), QStringLiteral(PADDOCK_VERSION)},
                            {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
                            {QStringLiteral("application"), QCoreApplication::applicationName()}};
        if (!m_problems.isEmpty())
            details.insert(QStringLiteral("problems"), int(m_problems.size()));
        m_auditStore->append(AuditEvent::system(QStringLiteral("engine.start"), {}, details));
    }
}

Engine::Health Engine::health() const
{
    if (m_state == State::Failed || m_auditFailing)
        return Health::Error;
    if (!m_problems.isEmpty())
        return Health::Warning;
    return Health::Ok;
}

void Engine::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCInfo(lcEngine).noquote() << "engine" << stateName(state);
    emit stateChanged(state);
    emit healthChanged(health());
}

void Engine::reportProblem(const QString &key, const Error &error)
{
    m_problems.insert(key, error);
    qCWarning(lcEngine).noquote() << error.text();
    emit problemsChanged();
    emit healthChanged(health());
    updateState();
}

void Engine::clearProblem(const QString &key)
{
    if (m_problems.remove(key) == 0)
        return;
    emit problemsChanged();
    emit healthChanged(health());
    updateState();
}

QString Engine::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return tr("stopped");
    case State::Starting:
        return tr("starting");
    case State::Running:
        return tr("running");
    case State::Degraded:
        return tr("running with problems");
    case State::Failed:
        return tr("failed");
    case State::Stopping:
        return tr("stopping");
    }
    return {};
}

QString Engine::statusText() const
{
    if (m_problems.isEmpty())
        return tr("Paddock engine: %1").arg(stateName(m_state));
    return tr("Paddock engine: %1 (%n problem(s))", nullptr, int(m_problems.size())).arg(stateName(m_state));
}

void Engine::loadSettings(Settings &settings)
{
    if (auto loaded = settings.load(); !loaded)
        reportProblem(QStringLiteral("settings"), loaded.error());
    settings.setWriter([writer = m_configWriter](const QString &path, const QByteArray &data) {
        writer->write(path, data);
    });
    applyRetention(settings);
    connect(&settings, &Settings::changed, this, [this, &settings](Settings::Key key) {
        if (key == Settings::Key::AuditRetentionDays || key == Settings::Key::AuditMaxSizeMb)
            applyRetention(settings);
    });
}

void Engine::applyRetention(const Settings &settings)
{
    m_auditStore->setRetention(AuditStore::Retention{settings.auditRetentionDays(),
                                                     qint64(settings.auditMaxSizeMb()) * 1024 * 1024});
}

QStringList Engine::threadNames() const
{
    QStringList names;
    for (const Slot &slot : m_services)
        names << QStringLiteral("paddock-") + slot.service->name();
    return names;
}

} // namespace paddock
