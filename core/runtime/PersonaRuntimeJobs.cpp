#include "agents/AgentConfig.h"
#include "agents/AgentOutput.h"
#include "agents/McpServer.h"
#include "repo/GitTransport.h"
#include "runtime/PersonaContainer.h"
#include "runtime/PersonaRuntimePrivate.h"
#include "runtime/PersonaSockets.h"
#include "runtime/Tar.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QThread>
#include <QThreadPool>

#include <unistd.h>

// A scheduled job's run (the scheduler's launcher asks): a fresh workspace of the repository's base
// branch, a fresh container of the job's persona where the job is the principal (its own socket
// folder: egress and git as the job), the agent headless (or the job's command) with its output in
// the run's log and read for tokens and cost as it streams, stopped at the timeout (which counts
// the setup too), at the hard budget or when cancelled (SIGTERM, a grace period, SIGKILL), and
// everything but the workspace removed at the end. The workspace stays for staging.
namespace paddock {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaRuntime)
};

// Between SIGTERM and SIGKILL when a run is stopped.
constexpr int StopGraceSeconds = 10;
// What is kept of an agent's final answer in the history.
constexpr qsizetype MaxResult = 4000;

QString budgetText(qint64 tokens, double cost)
{
    QStringList parts;
    if (tokens > 0)
        parts << Text::tr("%1 tokens").arg(tokens);
    if (cost > 0)
        parts << QStringLiteral("$%1").arg(cost, 0, 'f', 2);
    return parts.join(Text::tr(" or "));
}

// What a run's output amounts to, shared between the log stream's thread and the run's.
struct RunOutput
{
    QMutex mutex;
    QFile log;
    std::optional<AgentOutputParser> parser;
    QByteArray rest; // an incomplete frame of the log stream
    qint64 bytes = 0;
    static constexpr qint64 MaxLogBytes = 64 * 1024 * 1024;

    void write(const QByteArray &text)
    {
        if (bytes >= MaxLogBytes)
            return;
        if (bytes + text.size() >= MaxLogBytes) {
            log.write(text.left(MaxLogBytes - bytes));
            log.write("\n[paddock: the log is cut here at 64 MiB]\n");
        } else {
            log.write(text);
        }
        bytes += text.size();
        log.flush();
    }
    void note(const QString &text) { write("[paddock] " + text.toUtf8() + '\n'); }
};

} // namespace

struct PersonaRuntime::JobRun
{
    std::atomic<bool> cancelled{false};
    QString key;
    QString job;
    QString persona;
    bool isolated = false;
};

void PersonaRuntime::runJob(const Run &run, const Job &job, const QString &logPath)
{
    const auto end = [this, id = run.id](RunOutcome outcome) {
        QMetaObject::invokeMethod(this, [this, id, outcome] { emit jobRunEnded(id, outcome); }, Qt::QueuedConnection);
    };
    const auto failed = [&](const QString &reason, bool transient = false) {
        RunOutcome o;
        o.status = Run::Status::Failed;
        o.reason = reason;
        o.transient = transient;
        end(o);
    };
    const auto persona = findPersona(job.persona);
    if (!persona)
        return failed(Text::tr("its persona %1 does not exist").arg(job.persona));
    if (!m_client)
        return failed(Text::tr("no container engine answers: %1").arg(m_description), true);
    if (m_relay.isEmpty() || m_entrypoint.isEmpty())
        return failed(Text::tr("Paddock's relay or entrypoint is not installed; reinstall Paddock"));

    // What runs: the job's command, or its agent headless on its prompt.
    QStringList command = job.command;
    std::optional<Persona::Agent::Kind> agent;
    if (command.isEmpty()) {
        agent = job.agent.isEmpty() ? std::optional(persona->agent.kind) : Persona::Agent::kindFromName(job.agent);
        if (!agent)
            return failed(Text::tr("unknown agent \"%1\"").arg(job.agent));
        AgentOutput::HeadlessRun headless;
        headless.agent = *agent;
        headless.prompt = job.prompt;
        headless.model = job.model.isEmpty() && !job.agent.isEmpty() && *agent != persona->agent.kind
                             ? QString()
                             : (job.model.isEmpty() ? persona->agent.model : job.model);
        headless.effort = job.effort.isEmpty() ? (*agent == persona->agent.kind ? persona->agent.effort : QString())
                                               : job.effort;
        headless.maxCostUsd = job.hardCostUsd;
        auto argv = AgentOutput::headlessCommand(headless);
        if (!argv)
            return failed(argv.error().text());
        command = *argv;
    }

    auto state = std::make_shared<JobRun>();
    state->key = QStringLiteral("job.%1.%2").arg(job.name).arg(run.id);
    state->job = job.name;
    state->persona = persona->name;
    state->isolated = persona->isolated();
    m_jobRuns.insert(run.id, state);
    if (!m_jobPool) {
        m_jobPool = std::make_unique<QThreadPool>();
        m_jobPool->setObjectName(QStringLiteral("paddock-jobs"));
        m_jobPool->setMaxThreadCount(32); // each run's thread mostly waits for its container
    }
    // The timeout counts from the run's start: the workspace and the container's setup included.
    const QDateTime deadline = (run.started.isValid() ? run.started : QDateTime::currentDateTimeUtc())
                                   .addSecs(qint64(job.timeoutMinutes) * 60);
    const Persona p = *persona;
    const QString dataDir = m_options.dataDir;
    const bool rootless = m_rootless;
    m_jobPool->start([this, run, job, p, command, agent, state, deadline, logPath, dataDir, rootless] {
        WorkspaceRequest request{job.repository, p.name, QStringLiteral("job-%1-%2").arg(job.name).arg(run.id),
                                 job.baseBranch, GitTransport::baseUrl()};
        Result<Workspace> made = WorkspaceBuilder(dataDir).create(request, {}, &state->cancelled);
        if (made && ::geteuid() == 0 && !rootless)
            if (auto owned = chownTree(made->path, ContainerUid); !owned)
                made = std::unexpected(owned.error());
        QMetaObject::invokeMethod(
            this,
            [this, run, job, p, command, agent, state, deadline, logPath, made] {
                continueJob(run, job, p, command, agent, state, deadline, logPath, made);
            },
            Qt::QueuedConnection);
    });
}

void PersonaRuntime::continueJob(const Run &run, const Job &job, const Persona &persona, const QStringList &command,
                                 std::optional<Persona::Agent::Kind> agent, std::shared_ptr<JobRun> state,
                                 const QDateTime &deadline, const QString &logPath, const Result<Workspace> &made)
{
    RunOutcome refused;
    refused.status = state->cancelled ? Run::Status::Cancelled : Run::Status::Failed;
    if (!made) {
        refused.reason = Text::tr("its workspace could not be made: %1").arg(made.error().text());
        return endJob(run.id, refused);
    }
    refused.workspace = made->path;
    if (!m_client) {
        refused.reason = Text::tr("no container engine answers: %1").arg(m_description);
        refused.transient = true;
        return endJob(run.id, refused);
    }
    // Its socket folder: egress and git with the job as the principal.
    const int owner = socketOwner(persona);
    Result<void> sockets = PersonaSockets::prepare(state->key, owner);
    if (sockets && persona.isolated() && m_options.serveJobEgress)
        sockets = m_options.serveJobEgress(persona, job.name, PersonaSockets::egress(state->key));
    if (sockets && m_transport)
        sockets = m_transport->serveJob(state->key, persona.name, job.name, made->branch,
                                        PersonaSockets::git(state->key),
                                        WorkspaceBuilder(m_options.dataDir).mirrorsOf(persona.name));
    if (sockets && m_version.engine == QLatin1StringView("docker"))
        sockets = PersonaSockets::prepareSecrets(state->key, owner);
    if (!sockets) {
        refused.reason = sockets.error().text();
        return endJob(run.id, refused);
    }
    const auto execute = [this, run, job, persona, command, agent, state, deadline, logPath,
                          workspace = *made](QMap<QString, QByteArray> files) {
        m_jobPool->start([this, run, job, persona, command, agent, state, deadline, logPath, workspace, files,
                          endpoint = m_client->endpoint(), api = m_client->apiVersion(), version = m_version,
                          rootless = m_rootless, relay = m_relay, entrypoint = m_entrypoint,
                          deliver = m_options.deliverSecrets] {
            EngineClient client(endpoint);
            client.setApiVersion(api);
            JobContainer spec{state->key, job.name, run.id, WorkspaceMount{workspace.path, workspace.readOnlyFolders},
                              command};
            RunOutcome o = superviseJob(client, version, rootless, persona, spec, job, agent, state, deadline,
                                        logPath, files, deliver, relay, entrypoint);
            o.workspace = workspace.path;
            QMetaObject::invokeMethod(this, [this, id = run.id, o] { endJob(id, o); }, Qt::QueuedConnection);
        });
    };
    if (!m_options.readSecrets)
        return execute(AgentConfig::files(persona, {}, {}));
    m_options.readSecrets(persona, [this, persona, execute, id = run.id, refused](Result<Options::Secrets> secrets) {
        if (!secrets) {
            RunOutcome o = refused;
            o.reason = Text::tr("its secrets could not be read: %1").arg(secrets.error().text());
            return endJob(id, o);
        }
        QList<McpServer> mcp;
        if (m_options.mcpServers)
            if (auto servers = m_options.mcpServers(persona))
                mcp = *servers;
        Options::Secrets files = *secrets;
        files.insert(AgentConfig::files(persona, *secrets, mcp));
        execute(files);
    });
}

RunOutcome PersonaRuntime::superviseJob(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                        const Persona &persona, const JobContainer &spec, const Job &job,
                                        std::optional<Persona::Agent::Kind> agent, std::shared_ptr<JobRun> state,
                                        const QDateTime &deadline, const QString &logPath,
                                        const QMap<QString, QByteArray> &files,
                                        const Options::SecretDelivery &deliver, const QString &relay,
                                        const QString &entrypoint)
{
    RunOutcome o;
    const QString name = jobContainerName(spec.key);
    o.container = name;
    auto output = std::make_shared<RunOutput>();
    output->log.setFileName(logPath);
    QDir().mkpath(QFileInfo(logPath).absolutePath());
    if (!output->log.open(QIODevice::WriteOnly | QIODevice::Append)) {
        o.reason = Text::tr("its log cannot be written: %1").arg(output->log.errorString());
        return o;
    }
    if (agent)
        output->parser.emplace(*agent);
    output->note(Text::tr("run %1 of job %2 in a fresh container of %3: %4")
                     .arg(spec.runId)
                     .arg(job.name, persona.name, spec.command.join(u' ').left(300)));

    if (auto made = prepareJobContainer(client, version, rootless, persona, spec, relay, entrypoint); !made) {
        (void)client.removeContainer(name, true);
        o.reason = Text::tr("its container could not start: %1").arg(made.error().text());
        // The engine away, or busy: worth another try within the slot; a bad image is not.
        o.transient = made.error().code == Error::Code::Unavailable || made.error().code == Error::Code::Io;
        output->note(o.reason);
        return o;
    }
    if (deliver)
        if (auto delivered = deliver(client, name, files, ContainerUid); !delivered) {
            (void)client.removeContainer(name, true);
            o.reason = Text::tr("its secrets could not be delivered: %1").arg(delivered.error().text());
            output->note(o.reason);
            return o;
        }

    // Its output as it comes: into the log, and through the agent's parser.
    EngineStream logs(
        client.endpoint(), client.apiVersion(),
        QStringLiteral("/containers/%1/logs?follow=true&stdout=true&stderr=true").arg(EngineClient::encoded(name)),
        [output](const QByteArray &chunk) {
            QMutexLocker lock(&output->mutex);
            for (const EngineClient::LogLine &line : EngineClient::demultiplex(output->rest, chunk)) {
                const bool out = line.stream == EngineClient::LogLine::Stream::Stdout;
                output->write((out ? QByteArray() : QByteArray("[stderr] ")) + line.text + '\n');
                if (out && output->parser)
                    output->parser->feed(QByteArray(line.text + '\n'));
            }
        });

    enum class Stop { None, Cancelled, Timeout, Budget };
    Stop stop = Stop::None;
    bool softTold = false;
    std::optional<int> exitCode;
    int unanswered = 0;     // inspections in a row the engine did not answer
    QDateTime stopAsked;    // when SIGTERM went
    bool engineGone = false;
    for (;;) {
        auto inspected = client.inspectContainer(name);
        unanswered = inspected || inspected.error().code == Error::Code::NotFound ? 0 : unanswered + 1;
        // The engine away for a minute: the run cannot be followed any more.
        if (unanswered >= 120) {
            engineGone = true;
            break;
        }
        // Stopped, and still there long after its grace period: killed.
        if (stopAsked.isValid() && stopAsked.secsTo(QDateTime::currentDateTimeUtc()) > StopGraceSeconds + 30)
            (void)client.killContainer(name);
        if (inspected) {
            const QJsonObject s = inspected->value(QStringLiteral("State")).toObject();
            if (!s.value(QStringLiteral("Running")).toBool() && !s.value(QStringLiteral("StartedAt")).toString().isEmpty()) {
                exitCode = s.value(QStringLiteral("ExitCode")).toInt();
                break;
            }
        } else if (inspected.error().code == Error::Code::NotFound) {
            break; // removed under it (Paddock stopping)
        }
        if (stop == Stop::None) {
            AgentUsage usage;
            {
                QMutexLocker lock(&output->mutex);
                if (output->parser)
                    usage = output->parser->usage();
            }
            const double cost = usage.costUsd.value_or(0);
            if (state->cancelled)
                stop = Stop::Cancelled;
            else if (QDateTime::currentDateTimeUtc() >= deadline)
                stop = Stop::Timeout;
            else if ((job.hardTokens > 0 && usage.totalTokens() >= job.hardTokens) ||
                     (job.hardCostUsd > 0 && cost >= job.hardCostUsd))
                stop = Stop::Budget;
            if (!softTold && ((job.softTokens > 0 && usage.totalTokens() >= job.softTokens) ||
                              (job.softCostUsd > 0 && cost >= job.softCostUsd))) {
                softTold = true;
                QMutexLocker lock(&output->mutex);
                output->note(Text::tr("it passed its soft budget (%1)").arg(budgetText(job.softTokens, job.softCostUsd)));
            }
            if (stop != Stop::None) {
                {
                    QMutexLocker lock(&output->mutex);
                    output->note(stop == Stop::Cancelled ? Text::tr("cancelled: stopping it")
                                 : stop == Stop::Timeout
                                     ? Text::tr("its timeout of %n minute(s) is over: stopping it", nullptr,
                                                job.timeoutMinutes)
                                     : Text::tr("its hard budget (%1) is spent: stopping it")
                                           .arg(budgetText(job.hardTokens, job.hardCostUsd)));
                }
                // SIGTERM, then SIGKILL after the grace period.
                stopAsked = QDateTime::currentDateTimeUtc();
                (void)client.stopContainer(name, StopGraceSeconds);
                continue;
            }
        }
        QThread::msleep(500);
    }
    // The engine closes the log stream when the container ends; what it still has arrives first.
    for (int i = 0; i < 50 && !logs.isFinished(); ++i)
        QThread::msleep(100);
    logs.requestStop();

    QMutexLocker lock(&output->mutex);
    o.exitCode = exitCode.value_or(-1);
    if (output->parser) {
        AgentOutputParser &parser = *output->parser;
        parser.finish();
        // Copilot CLI tells its tokens only in a report it writes as it ends.
        if (parser.agent() == Persona::Agent::Kind::Copilot)
            if (auto tar = client.getArchive(name, QLatin1StringView(AgentOutput::CopilotUsageFile)))
                if (const auto file = Tar::firstEntry(*tar))
                    if (auto read = parser.readUsageReport(file->second); !read)
                        output->note(read.error().text());
        const AgentUsage usage = parser.usage();
        o.inputTokens = usage.inputTokens;
        o.outputTokens = usage.outputTokens;
        o.cacheTokens = usage.cacheReadTokens + usage.cacheWriteTokens;
        o.costUsd = usage.costUsd;
        o.result = parser.result().left(MaxResult);
    }
    switch (stop) {
    case Stop::Cancelled:
        o.status = Run::Status::Cancelled;
        break;
    case Stop::Timeout:
        o.status = Run::Status::Timeout;
        o.reason = Text::tr("stopped at its timeout of %n minute(s)", nullptr, job.timeoutMinutes);
        break;
    case Stop::Budget:
        o.status = Run::Status::Budget;
        o.reason = Text::tr("stopped at its hard budget (%1)").arg(budgetText(job.hardTokens, job.hardCostUsd));
        break;
    case Stop::None:
        // Ok only when both say so: the exit code, and the agent's own verdict.
        if (!exitCode) {
            o.status = engineGone ? Run::Status::Failed : Run::Status::Interrupted;
            o.reason = engineGone ? Text::tr("the container engine stopped answering while it ran")
                                  : Text::tr("its container went away while it ran");
        } else if (*exitCode != 0) {
            o.status = Run::Status::Failed;
            o.reason = output->parser && !output->parser->error().isEmpty()
                           ? Text::tr("exit code %1: %2").arg(*exitCode).arg(output->parser->error())
                           : Text::tr("exit code %1").arg(*exitCode);
        } else if (output->parser && output->parser->succeeded() != true) {
            o.status = Run::Status::Failed;
            o.reason = output->parser->succeeded().has_value()
                           ? Text::tr("the agent reported a failure: %1").arg(output->parser->error())
                           : Text::tr("the agent ended without reporting its result");
        } else {
            o.status = Run::Status::Ok;
            if (softTold)
                o.reason = Text::tr("passed its soft budget (%1)").arg(budgetText(job.softTokens, job.softCostUsd));
        }
        break;
    }
    output->note(Text::tr("ended: %1 (exit code %2)%3")
                     .arg(Run::statusName(o.status))
                     .arg(o.exitCode)
                     .arg(o.reason.isEmpty() ? QString() : QStringLiteral(": ") + o.reason));
    lock.unlock();
    (void)client.removeContainer(name, true);
    return o;
}

void PersonaRuntime::endJob(qint64 runId, const RunOutcome &outcome)
{
    if (const auto state = m_jobRuns.take(runId)) {
        if (m_transport)
            m_transport->stop(state->key);
        if (state->isolated && m_options.closeJobEgress)
            m_options.closeJobEgress(state->job, PersonaSockets::egress(state->key));
        PersonaSockets::clearSecrets(state->key);
        QDir(PersonaSockets::folder(state->key)).removeRecursively();
    }
    emit jobRunEnded(runId, outcome);
}

void PersonaRuntime::cancelJobRun(qint64 runId)
{
    if (const auto state = m_jobRuns.value(runId))
        state->cancelled = true; // the run's thread stops its container (SIGTERM, grace, SIGKILL)
}

void PersonaRuntime::endJobRuns()
{
    for (const auto &state : std::as_const(m_jobRuns))
        state->cancelled = true;
    if (m_jobPool)
        m_jobPool->waitForDone();
}

} // namespace paddock
