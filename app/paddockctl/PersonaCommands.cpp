#include "PersonaCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "WorkspaceCommands.h"

#include "engine/Engine.h"
#include "engine/TerminationSignals.h"
#include "repo/RepositoryProbe.h"
#include "repo/WorkspaceBuilder.h"
#include "runtime/EngineStream.h"
#include "runtime/PersonaRuntime.h"
#include "runtime/PersonaSockets.h"
#include "runtime/TerminalCommand.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <vector>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

// Exit codes a script can rely on.
enum Exit { Ok = 0, Failed = 1, Usage = 2, NoEngine = 3 };

int failWith(const QString &command, const QString &text, int code)
{
    err() << QStringLiteral("paddockctl persona %1: %2").arg(command, text) << Qt::endl;
    return code;
}

QString uptime(const QDateTime &since)
{
    if (!since.isValid())
        return QStringLiteral("-");
    qint64 s = since.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 60)
        return Text::tr("%1 s").arg(s);
    if (s < 3600)
        return Text::tr("%1 min").arg(s / 60);
    if (s < 86400)
        return Text::tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
    return Text::tr("%1 d %2 h").arg(s / 86400).arg(s % 86400 / 3600);
}

// The state as scripts read it: the same words in every language.
QString stateKey(PersonaStatus::State state)
{
    switch (state) {
    case PersonaStatus::State::Unknown:
        return QStringLiteral("unknown");
    case PersonaStatus::State::Stopped:
        return QStringLiteral("stopped");
    case PersonaStatus::State::Starting:
        return QStringLiteral("starting");
    case PersonaStatus::State::Running:
        return QStringLiteral("running");
    case PersonaStatus::State::Stopping:
        return QStringLiteral("stopping");
    case PersonaStatus::State::Exited:
        return QStringLiteral("exited");
    case PersonaStatus::State::Error:
        return QStringLiteral("error");
    }
    return {};
}

QString ports(const Persona &p)
{
    QStringList out;
    for (const Persona::Port &port : p.ports)
        out << QStringLiteral("127.0.0.1:%1→%2").arg(port.host).arg(port.container);
    return out.isEmpty() ? QStringLiteral("-") : out.join(QLatin1Char(','));
}

// Runs the event loop until finish(), returning at once when it was called before (a signal can
// arrive while an action is being asked: QCoreApplication::exit does nothing outside the loop).
class Wait
{
public:
    void finish()
    {
        m_finished = true;
        QCoreApplication::exit(0);
    }
    void exec()
    {
        if (!m_finished)
            QCoreApplication::exec();
    }

private:
    bool m_finished = false;
};

// The runtime of this process (not of a running Paddock: the engine's state is the truth both
// share, so a Paddock window sees what is done here through the engine's events).
class Session
{
public:
    Session()
        : m_runtime(Engine::personaRuntimeOptions())
    {}
    ~Session() { m_runtime.stop(); }

    // Starts the runtime and waits until it has reached the engine and read the personas'
    // states (or failed to reach it); the error says what to do.
    std::optional<QString> connect()
    {
        bool answered = false;
        QObject::connect(&m_runtime, &PersonaRuntime::engineConnectionChanged, &m_runtime,
                         [&answered](bool, const QString &) {
                             answered = true;
                             QCoreApplication::exit(0);
                         });
        if (auto started = m_runtime.start(); !started)
            return started.error().text();
        QTimer timeout;
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, &m_runtime, [] { QCoreApplication::exit(0); });
        timeout.start(15000);
        if (!answered)
            QCoreApplication::exec();
        if (!m_runtime.isEngineConnected())
            return answered ? m_runtime.engineDescription()
                            : Text::tr("the container engine did not answer in 15 s");
        return std::nullopt;
    }

    PersonaRuntime &runtime() { return m_runtime; }

private:
    PersonaRuntime m_runtime;
};

int list(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("The personas and what their containers are doing."));
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("One JSON object per persona."));
    parser.addOption(json);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl persona list"), arguments))
        return *done;

    Session session;
    const auto problem = session.connect();
    const QList<Persona> personas = session.runtime().personas();
    if (parser.isSet(json)) {
        for (const Persona &p : personas) {
            const PersonaStatus s = session.runtime().status(p.name).value_or(PersonaStatus(p.name));
            QJsonArray portList;
            for (const Persona::Port &port : p.ports)
                portList.append(QJsonObject{{QStringLiteral("host"), port.host},
                                            {QStringLiteral("container"), port.container}});
            QJsonObject o{{QStringLiteral("name"), p.name},
                          {QStringLiteral("trust"), Persona::trustName(p.trust)},
                          {QStringLiteral("image"), p.image},
                          {QStringLiteral("container"), p.containerName()},
                          {QStringLiteral("state"), problem ? QStringLiteral("unknown") : stateKey(s.state)},
                          {QStringLiteral("ports"), portList},
                          // Where its ways out are: no network and its sockets (isolated), or the
                          // engine's network; git by its socket either way.
                          {QStringLiteral("network"),
                           p.isolated() ? QStringLiteral("none") : QStringLiteral("default")},
                          {QStringLiteral("sockets"), PersonaSockets::folder(p.name)}};
            if (p.isolated())
                o.insert(QStringLiteral("egress"), PersonaSockets::egress(p.name));
            // What runs in it: its agent (and model, effort, web UI), or "shell".
            QJsonObject agent{{QStringLiteral("name"), Persona::Agent::kindName(p.agent.kind)}};
            if (!p.agent.model.isEmpty())
                agent.insert(QStringLiteral("model"), p.agent.model);
            if (!p.agent.effort.isEmpty())
                agent.insert(QStringLiteral("effort"), p.agent.effort);
            if (p.agent.web)
                agent.insert(QStringLiteral("web"), true);
            o.insert(QStringLiteral("agent"), agent);
            o.insert(QStringLiteral("command"), QJsonArray::fromStringList(p.command()));
            if (s.state == PersonaStatus::State::Exited)
                o.insert(QStringLiteral("exitCode"), s.exitCode);
            if (s.startedAt.isValid())
                o.insert(QStringLiteral("startedAt"), s.startedAt.toString(Qt::ISODate));
            if (!s.workspace.isEmpty()) {
                o.insert(QStringLiteral("workspace"), s.workspace);
                o.insert(QStringLiteral("workspaceReadOnly"),
                         QJsonArray::fromStringList(s.workspaceReadOnly));
            }
            out() << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) << Qt::endl;
        }
    } else {
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                     .arg(Text::tr("NAME"), -12)
                     .arg(Text::tr("TRUST"), -11)
                     .arg(Text::tr("AGENT"), -9)
                     .arg(Text::tr("STATUS"), -20)
                     .arg(Text::tr("UPTIME"), -12)
                     .arg(Text::tr("NETWORK"), -8)
                     .arg(Text::tr("PORTS"))
              << Qt::endl;
        for (const Persona &p : personas) {
            const PersonaStatus s = session.runtime().status(p.name).value_or(PersonaStatus(p.name));
            out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                         .arg(p.name, -12)
                         .arg(Persona::trustName(p.trust), -11)
                         .arg(Persona::Agent::kindName(p.agent.kind), -9)
                         .arg(problem ? Text::tr("unknown") : s.text(), -20)
                         .arg(uptime(s.startedAt), -12)
                         .arg(p.isolated() ? Text::tr("none") : Text::tr("default"), -8)
                         .arg(ports(p))
                  << Qt::endl;
        }
    }
    if (problem)
        return failWith(QStringLiteral("list"), *problem, NoEngine);
    return Ok;
}

// The workspace the persona has already of this repository for this feature, if any.
std::optional<Workspace> existingWorkspace(const QString &dataDir, const QString &persona,
                                           const RepositoryInfo &repository, const QString &feature)
{
    const QString source = QFileInfo(repository.path).canonicalFilePath();
    for (const Workspace &w : WorkspaceBuilder(dataDir).list(persona))
        if (w.feature == feature && QFileInfo(w.source).canonicalFilePath() == source)
            return w;
    return std::nullopt;
}

// start NAME --workspace REPO: what dropping the folder on the persona's card does (the runtime's
// createWorkspace: the workspace, its mirror served, the persona started on it), or the start on
// the workspace it has already of that repository for that feature; then waits until it runs.
int startOnWorkspace(PersonaRuntime &runtime, const QString &name, const RepositoryInfo &repository,
                     const QString &feature, const QString &base)
{
    const QString command = QStringLiteral("start");
    std::optional<Workspace> workspace = existingWorkspace(runtime.dataDir(), name, repository, feature);
    int code = Ok;
    Wait wait;
    bool cancelling = false;
    QElapsedTimer throttle;
    throttle.start();
    QObject::connect(&runtime, &PersonaRuntime::workspaceProgress, &runtime,
                     [&](const QString &persona, const WorkspaceProgress &progress) {
                         if (persona != name || (throttle.elapsed() < 500 && progress.done != progress.total))
                             return;
                         throttle.restart();
                         err() << workspaceProgressLine(progress) << Qt::endl;
                     });
    QObject::connect(&runtime, &PersonaRuntime::workspaceCreated, &runtime,
                     [&](const QString &persona, const Workspace &made) {
                         if (persona != name)
                             return;
                         workspace = made;
                         for (const QString &warning : made.warnings)
                             err() << Text::tr("warning: %1").arg(warning) << Qt::endl;
                         err() << Text::tr("made the workspace %1; starting %2").arg(made.path, name)
                               << Qt::endl;
                     });
    QObject::connect(&runtime, &PersonaRuntime::workspaceFailed, &runtime,
                     [&](const QString &persona, const Error &error) {
                         if (persona != name)
                             return;
                         code = failWith(command, error.text(), Failed);
                         wait.finish();
                     });
    QObject::connect(&runtime, &PersonaRuntime::actionFinished, &runtime,
                     [&](const QString &persona, const QString &) {
                         if (persona == name && workspace)
                             wait.finish();
                     });
    QObject::connect(&runtime, &PersonaRuntime::actionFailed, &runtime,
                     [&](const QString &persona, const QString &, const Error &error) {
                         if (persona != name)
                             return;
                         code = failWith(command, error.text(), Failed);
                         wait.finish();
                     });
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &runtime, [&](int) {
        if (!workspace && !cancelling) {
            // The runtime removes what it made, then says workspaceFailed.
            cancelling = true;
            err() << Text::tr("cancelling: removing what was made") << Qt::endl;
            runtime.cancelWorkspace(name);
            return;
        }
        code = failWith(command, Text::tr("interrupted"), Failed);
        wait.finish();
    });

    if (workspace) {
        err() << Text::tr("starting %1 on its workspace %2 (branch %3)")
                     .arg(name, workspace->path, workspace->branch)
              << Qt::endl;
        if (!base.isEmpty() && base != workspace->base)
            err() << Text::tr("warning: --base %1 is not used: the workspace exists already, made from %2")
                         .arg(base, workspace->base)
                  << Qt::endl;
        runtime.startPersonaWithWorkspace(name, WorkspaceMount{workspace->path, workspace->readOnlyFolders});
    } else {
        err() << Text::tr("making a workspace of %1 for %2 on the branch %2/%3")
                     .arg(repository.path, name, feature)
              << Qt::endl;
        runtime.createWorkspace(name, repository.path, feature, base);
    }
    wait.exec();
    if (code != Ok)
        return code;
    const PersonaStatus s = runtime.status(name).value_or(PersonaStatus(name));
    err() << Text::tr("%1: %2 (container %3)").arg(name, s.text(), QStringLiteral("paddock-") + name)
          << Qt::endl;
    out() << workspace->path << Qt::endl << workspace->branch << Qt::endl;
    return Ok;
}

// start, stop, restart: asks, then waits until the engine says it is done.
int act(const QString &command, const QStringList &arguments)
{
    const bool start = command == QLatin1StringView("start");
    QCommandLineParser parser;
    parser.setApplicationDescription(
        start ? Text::tr("Starts a persona's container. With --workspace, on its own copy of the repository "
                         "REPO, as dropping the folder on the persona's card does: the workspace it has "
                         "of REPO for the feature, else a new one on the branch <persona>/<feature>. "
                         "Prints the workspace's path and branch.")
        : command == QLatin1StringView("stop") ? Text::tr("Stops a persona's container.")
                                               : Text::tr("Restarts a persona's container."));
    const QCommandLineOption workspace(
        QStringLiteral("workspace"),
        Text::tr(
            "Start it on a workspace of the repository at REPO (made when it has none for the feature)."),
        Text::tr("REPO"));
    const QCommandLineOption feature(
        QStringLiteral("feature"),
        Text::tr("The feature: the branch is <persona>/F (default: from the folder and today's date)."),
        Text::tr("F"));
    const QCommandLineOption base(
        QStringLiteral("base"),
        Text::tr("The branch, tag or commit a new workspace starts from (default: the current branch)."),
        Text::tr("BRANCH"));
    if (start)
        parser.addOptions({workspace, feature, base});
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The persona."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl persona ") + command, arguments))
        return *done;
    if (parser.positionalArguments().size() != 1)
        return failWith(command, Text::tr("name one persona (see paddockctl persona list)"), Usage);
    const QString name = parser.positionalArguments().first();
    std::optional<RepositoryInfo> repository;
    if (start && parser.isSet(workspace)) {
        if (parser.isSet(feature) && !RepositoryProbe::isValidFeatureName(parser.value(feature)))
            return failWith(
                command,
                Text::tr("\"%1\" cannot be a feature name: use letters, digits, '-', '_' and '.', "
                         "at most 64, not starting with '.' or '-'")
                    .arg(parser.value(feature)),
                Usage);
        auto probed = RepositoryProbe::probe(parser.value(workspace));
        if (!probed)
            return failWith(command, probed.error().text(), Usage);
        repository = *probed;
    } else if (start && (parser.isSet(feature) || parser.isSet(base))) {
        return failWith(command, Text::tr("--feature and --base go with --workspace REPO"), Usage);
    }

    Session session;
    if (const auto problem = session.connect())
        return failWith(command, *problem, NoEngine);
    PersonaRuntime &runtime = session.runtime();
    if (!runtime.status(name) &&
        std::ranges::none_of(runtime.personas(), [&](const Persona &p) { return p.name == name; }))
        return failWith(
            command, Text::tr("there is no persona \"%1\" (see paddockctl persona list)").arg(name), Usage);
    if (repository)
        return startOnWorkspace(runtime, name, *repository,
                                parser.isSet(feature) ? parser.value(feature)
                                                      : RepositoryProbe::suggestFeatureName(repository->path),
                                parser.value(base));

    int code = Ok;
    Wait wait;
    QObject::connect(&runtime, &PersonaRuntime::actionFinished, &runtime,
                     [&](const QString &persona, const QString &) {
                         if (persona == name)
                             wait.finish();
                     });
    QObject::connect(&runtime, &PersonaRuntime::actionFailed, &runtime,
                     [&](const QString &persona, const QString &, const Error &error) {
                         if (persona != name)
                             return;
                         code = failWith(command, error.text(), Failed);
                         wait.finish();
                     });
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &runtime, [&](int) {
        code = failWith(command, Text::tr("interrupted"), Failed);
        wait.finish();
    });
    if (start)
        runtime.startPersona(name);
    else if (command == QLatin1StringView("stop"))
        runtime.stopPersona(name);
    else
        runtime.restartPersona(name);
    wait.exec();
    if (code == Ok) {
        const PersonaStatus s = runtime.status(name).value_or(PersonaStatus(name));
        out() << Text::tr("%1: %2 (container %3)").arg(name, s.text(), QStringLiteral("paddock-") + name)
              << Qt::endl;
    }
    return code;
}

int logs(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("A persona's container log (stdout and stderr)."));
    const QCommandLineOption follow({QStringLiteral("f"), QStringLiteral("follow")},
                                    Text::tr("Keep printing new lines until the container stops or SIGINT."));
    const QCommandLineOption tail(QStringLiteral("tail"), Text::tr("Only the last N lines (default: all)."),
                                  Text::tr("N"), QStringLiteral("-1"));
    parser.addOptions({follow, tail});
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The persona."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl persona logs"), arguments))
        return *done;
    if (parser.positionalArguments().size() != 1)
        return failWith(QStringLiteral("logs"), Text::tr("name one persona (see paddockctl persona list)"),
                        Usage);
    bool ok = false;
    const int lines = parser.value(tail).toInt(&ok);
    if (!ok)
        return failWith(QStringLiteral("logs"),
                        Text::tr("--tail wants a number, not \"%1\"").arg(parser.value(tail)), Usage);
    const QString name = parser.positionalArguments().first();
    auto endpoint = EngineClient::discover();
    if (!endpoint)
        return failWith(QStringLiteral("logs"), endpoint.error().text(), NoEngine);
    EngineClient client(*endpoint);
    if (auto version = client.connect(); !version)
        return failWith(QStringLiteral("logs"), version.error().text(), NoEngine);
    const QString container = QStringLiteral("paddock-") + name;
    auto printLines = [](const QList<EngineClient::LogLine> &batch) {
        for (const EngineClient::LogLine &line : batch) {
            if (line.stream == EngineClient::LogLine::Stream::Stderr)
                err() << QString::fromUtf8(line.text) << Qt::endl;
            else
                out() << QString::fromUtf8(line.text) << Qt::endl;
        }
    };
    if (!parser.isSet(follow)) {
        auto got = client.logs(container, lines);
        if (!got)
            return failWith(QStringLiteral("logs"), got.error().text(),
                            got.error().code == Error::Code::NotFound ? Usage : Failed);
        printLines(*got);
        return Ok;
    }
    if (auto inspect = client.inspectContainer(container); !inspect)
        return failWith(QStringLiteral("logs"), inspect.error().text(),
                        inspect.error().code == Error::Code::NotFound ? Usage : Failed);
    int code = Ok;
    QByteArray rest;
    QObject context;
    // Lines arrive on the stream's thread and are printed here, in order.
    EngineStream stream(
        *endpoint, client.apiVersion(),
        QStringLiteral("/containers/%1/logs?follow=true&stdout=true&stderr=true&tail=%2")
            .arg(QString::fromLatin1(QUrl::toPercentEncoding(container)),
                 lines < 0 ? QStringLiteral("all") : QString::number(lines)),
        [&](const QByteArray &chunk) {
            const QList<EngineClient::LogLine> batch = EngineClient::demultiplex(rest, chunk);
            QMetaObject::invokeMethod(
                &context, [printLines, batch] { printLines(batch); }, Qt::QueuedConnection);
        },
        [&](const std::optional<Error> &error) {
            QMetaObject::invokeMethod(
                &context,
                [&code, error] {
                    if (error)
                        code = failWith(QStringLiteral("logs"), error->text(), Failed);
                    QCoreApplication::exit(0);
                },
                Qt::QueuedConnection);
        });
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &context,
                     [] { QCoreApplication::exit(0); });
    QCoreApplication::exec();
    return code;
}

} // namespace

// attach NAME: a terminal on the persona's agent, in this terminal (the engine's exec -it into its
// tmux session); --print says the command instead, for another terminal or a script.
int attach(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("A terminal on a persona's agent: its tmux session (a shell when it runs no agent), "
                 "in this terminal. Detach with Ctrl-b d; the agent goes on."));
    const QCommandLineOption print(QStringLiteral("print"),
                                   Text::tr("Print the command that attaches instead of running it."));
    parser.addOption(print);
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The persona."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl persona attach"), arguments))
        return *done;
    if (parser.positionalArguments().size() != 1)
        return failWith(QStringLiteral("attach"), Text::tr("name one persona (see paddockctl persona list)"),
                        Usage);
    const QString name = parser.positionalArguments().first();
    auto endpoint = EngineClient::discover();
    if (!endpoint)
        return failWith(QStringLiteral("attach"), endpoint.error().text(), NoEngine);
    EngineClient client(*endpoint);
    auto version = client.connect();
    if (!version)
        return failWith(QStringLiteral("attach"), version.error().text(), NoEngine);
    const QString container = QStringLiteral("paddock-") + name;
    auto inspect = client.inspectContainer(container);
    if (!inspect ||
        !inspect->value(QStringLiteral("State")).toObject().value(QStringLiteral("Running")).toBool())
        return failWith(QStringLiteral("attach"),
                        Text::tr("%1 is not running; start it first: paddockctl persona start %1").arg(name),
                        Usage);
    const QStringList argv = attachCommand(*endpoint, version->engine, container);
    if (parser.isSet(print)) {
        out() << shellQuoted(argv) << Qt::endl;
        return Ok;
    }
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
        return failWith(QStringLiteral("attach"),
                        Text::tr("attaching needs a terminal (standard input and output); --print gives "
                                 "the command for one"),
                        Usage);
    const QString program = QStandardPaths::findExecutable(argv.first());
    if (program.isEmpty())
        return failWith(QStringLiteral("attach"),
                        Text::tr("the %1 command is not installed; install it (it comes with the engine), "
                                 "or run this in a terminal that has it: %2")
                            .arg(argv.first(), shellQuoted(argv)),
                        Failed);
    std::vector<QByteArray> bytes;
    for (const QString &word : argv)
        bytes.push_back(word.toLocal8Bit());
    std::vector<char *> raw;
    for (QByteArray &b : bytes)
        raw.push_back(b.data());
    raw.push_back(nullptr);
    out().flush();
    ::execv(QFile::encodeName(program).constData(), raw.data());
    return failWith(QStringLiteral("attach"),
                    Text::tr("cannot run %1: %2").arg(program, QString::fromLocal8Bit(std::strerror(errno))),
                    Failed);
}

int runPersonaCommand(const QStringList &arguments)
{
    const auto action = [](const QString &command) {
        return [command](const QStringList &rest) { return act(command, rest); };
    };
    return runCommandGroup(
        QStringLiteral("paddockctl persona"), Text::tr("Personas and their containers."),
        {{QStringLiteral("list"), Text::tr("The personas and what their containers are doing."), list},
         {QStringLiteral("start"),
          Text::tr("Starts a persona's container; with --workspace REPO, on its own copy of REPO."),
          action(QStringLiteral("start"))},
         {QStringLiteral("stop"), Text::tr("Stops a persona's container."), action(QStringLiteral("stop"))},
         {QStringLiteral("restart"), Text::tr("Restarts a persona's container."),
          action(QStringLiteral("restart"))},
         {QStringLiteral("logs"), Text::tr("A persona's container log (stdout and stderr)."), logs},
         {QStringLiteral("attach"), Text::tr("A terminal on a persona's agent (its tmux session)."), attach}},
        arguments,
        Text::tr("Exit codes: 0 done, 1 the engine refused or the action failed, 2 bad usage or an unknown "
                 "persona, 3 no container engine."));
}
