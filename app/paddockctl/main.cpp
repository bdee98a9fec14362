// paddockctl: Paddock's command line and headless engine. Core only: no QtGui, no QtWidgets.
#include "AuditCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "ImageCommands.h"
#include "JobCommands.h"
#include "PersonaCommands.h"
#include "PolicyCommands.h"
#include "ProxyCommands.h"
#include "ScheduleCommands.h"
#include "WorkspaceCommands.h"
#include "config/Paths.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "engine/TerminationSignals.h"
#include "log/AppLog.h"
#include "scheduler/SchedulerService.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLocale>
#include <QTextStream>
#include <QTranslator>

#include <cstdio>
#include <unistd.h>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

int serve(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Runs Paddock's engine without a window (personas, egress proxies, git transports, the "
                 "audit log) until SIGINT or SIGTERM."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl serve"), arguments))
        return *done;
    if (!parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl serve: unexpected argument \"%1\"; see paddockctl serve --help")
                     .arg(parser.positionalArguments().first())
              << Qt::endl;
        return 2;
    }

    Engine engine;
    Settings settings(Settings::defaultFilePath());
    engine.loadSettings(settings);

    TerminationSignals termination;
    int exitCode = 0;
    QObject::connect(&termination, &TerminationSignals::received, &engine, [&](int number) {
        out() << Text::tr("paddockctl: stopping (signal %1)").arg(number) << Qt::endl;
        QCoreApplication::quit();
    });
    bool announced = false;
    QObject::connect(&engine, &Engine::stateChanged, &engine, [&](Engine::State state) {
        if ((state == Engine::State::Running || state == Engine::State::Degraded) && !announced) {
            announced = true;
            out() << Text::tr("paddockctl: engine ready (pid %1, configuration in %2)")
                         .arg(::getpid())
                         .arg(Paths::configDir())
                  << Qt::endl;
            for (const Error &problem : engine.problems())
                err() << Text::tr("paddockctl: problem: %1").arg(problem.text()) << Qt::endl;
        } else if (state == Engine::State::Failed) {
            for (const Error &problem : engine.problems())
                err() << Text::tr("paddockctl: %1").arg(problem.text()) << Qt::endl;
            exitCode = 1;
            QCoreApplication::quit();
        }
    });
    // Whether this one runs the jobs, or follows the Paddock that does (and takes over when it ends).
    QObject::connect(engine.scheduler(), &SchedulerService::roleChanged, &engine,
                     [](SchedulerService::Role role) {
                         if (role == SchedulerService::Role::Scheduling)
                             out() << Text::tr("paddockctl: running the jobs of this configuration") << Qt::endl;
                         else if (role == SchedulerService::Role::Observing)
                             out() << Text::tr("paddockctl: another Paddock runs the jobs; following it") << Qt::endl;
                     });
    engine.start();
    QCoreApplication::exec();
    (void)settings.flush();
    engine.stop();
    out() << Text::tr("paddockctl: stopped") << Qt::endl;
    return exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("paddock"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("paddock.io"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PADDOCK_VERSION));
    AppLog log;
    auto *translator = new QTranslator(&app);
    if (translator->load(QLocale(), QStringLiteral("paddock"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("Paddock command line and headless engine."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configDir(
        QStringLiteral("config-dir"),
        Text::tr("Use DIR for configuration instead of $XDG_CONFIG_HOME/paddock."), Text::tr("DIR"));
    parser.addOption(configDir);
    parser.addPositionalArgument(
        QStringLiteral("command"),
        Text::tr("serve: run the engine without a window until SIGINT or SIGTERM.\n"
                 "policy validate|authorize|test|format|check: Cedar policies (see paddockctl policy "
                 "COMMAND --help).\n"
                 "audit verify|tail|export: the audit log (see paddockctl audit COMMAND --help).\n"
                 "persona list|start|stop|restart|logs|attach: personas and their containers (see paddockctl "
                 "persona COMMAND --help).\n"
                 "workspace create|list: workspaces made from repositories (see paddockctl workspace "
                 "COMMAND --help).\n"
                 "image build|status: the agent image (see paddockctl image COMMAND --help).\n"
                 "proxy listen|status: the egress proxy (see paddockctl proxy COMMAND --help).\n"
                 "schedule next: when a job's schedule fires (see paddockctl schedule next --help).\n"
                 "job list|show|add|edit|remove|enable|disable|run|history: jobs, agent runs on a schedule (see paddockctl "
                 "job COMMAND --help)."));
    // Options after the command belong to it (paddockctl policy authorize --policies …).
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.process(app);

    if (parser.isSet(configDir))
        Paths::setConfigDirOverride(parser.value(configDir));

    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        err() << parser.helpText();
        return 2;
    }
    if (args.first() == QLatin1StringView("serve"))
        return serve(args.mid(1));
    if (args.first() == QLatin1StringView("policy"))
        return runPolicyCommand(args.mid(1));
    if (args.first() == QLatin1StringView("audit"))
        return runAuditCommand(args.mid(1));
    if (args.first() == QLatin1StringView("persona"))
        return runPersonaCommand(args.mid(1));
    if (args.first() == QLatin1StringView("workspace"))
        return runWorkspaceCommand(args.mid(1));
    if (args.first() == QLatin1StringView("image"))
        return runImageCommand(args.mid(1));
    if (args.first() == QLatin1StringView("proxy"))
        return runProxyCommand(args.mid(1));
    if (args.first() == QLatin1StringView("schedule"))
        return runScheduleCommand(args.mid(1));
    if (args.first() == QLatin1StringView("job"))
        return runJobCommand(args.mid(1));
    err() << Text::tr("paddockctl: unknown command \"%1\"; see paddockctl --help")
                 .arg(args.join(QLatin1Char(' ')))
          << Qt::endl;
    return 2;
}
