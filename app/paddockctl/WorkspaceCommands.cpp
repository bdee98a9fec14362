#include "WorkspaceCommands.h"
#include "CommandLine.h"
#include "Console.h"

#include "config/Paths.h"
#include "personas/PersonaStore.h"
#include "repo/RepositoryProbe.h"
#include "repo/WorkspaceBuilder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>

#include <atomic>
#include <csignal>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

std::atomic<bool> g_cancel{false};

void onInterrupt(int)
{
    g_cancel.store(true);
}

QString phaseName(WorkspaceProgress::Phase phase)
{
    switch (phase) {
    case WorkspaceProgress::Phase::Mirror:
        return Text::tr("mirror");
    case WorkspaceProgress::Phase::Copy:
        return Text::tr("copy");
    case WorkspaceProgress::Phase::Checkout:
        return Text::tr("checkout");
    }
    return {};
}

int create(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Makes a workspace of the repository at PATH for a persona: a clone in Paddock's data folder "
        "on the branch <persona>/<feature>, pushing to a host-side mirror. Prints the workspace's "
        "path and its branch. Ctrl+C cancels and removes what was made."));
    const QCommandLineOption persona(QStringLiteral("persona"), Text::tr("The persona it is for."),
                                     Text::tr("P"));
    const QCommandLineOption feature(
        QStringLiteral("feature"), Text::tr("The feature name (default: from the folder and today's date)."),
        Text::tr("F"));
    const QCommandLineOption base(
        QStringLiteral("base"),
        Text::tr("The branch, tag or commit to start from (default: the current branch)."), Text::tr("B"));
    const QCommandLineOption transport(
        QStringLiteral("transport"),
        Text::tr("The git transport's base URL as the container sees it, e.g. git://10.89.0.1:9418."),
        Text::tr("URL"));
    parser.addOptions({persona, feature, base, transport});
    parser.addPositionalArgument(QStringLiteral("path"), Text::tr("The repository."), Text::tr("PATH"));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl workspace create"), args))
        return *done;
    if (parser.positionalArguments().size() != 1 || parser.value(persona).isEmpty()) {
        err() << Text::tr("paddockctl workspace create: name a persona (--persona P) and one repository PATH")
              << Qt::endl;
        return 2;
    }
    PersonaStore personas(PersonaStore::defaultPath());
    if (auto loaded = personas.load(QString()); !loaded) {
        err() << Text::tr("paddockctl workspace create: %1").arg(loaded.error().text()) << Qt::endl;
        return 2;
    }
    if (!personas.find(parser.value(persona))) {
        QStringList names;
        for (const Persona &p : personas.personas())
            names << p.name;
        err() << Text::tr("paddockctl workspace create: there is no persona \"%1\"; the personas are %2")
                     .arg(parser.value(persona), names.join(QStringLiteral(", ")))
              << Qt::endl;
        return 2;
    }
    const QString path = parser.positionalArguments().first();
    WorkspaceRequest request;
    request.source = path;
    request.persona = parser.value(persona);
    request.feature =
        parser.isSet(feature) ? parser.value(feature) : RepositoryProbe::suggestFeatureName(path);
    request.base = parser.value(base);
    request.transportBase = parser.value(transport);

    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    QElapsedTimer throttle;
    throttle.start();
    const WorkspaceBuilder builder;
    auto made = builder.create(
        request,
        [&](const WorkspaceProgress &p) {
            if (throttle.elapsed() < 500 && p.done != p.total)
                return;
            throttle.restart();
            err() << workspaceProgressLine(p) << Qt::endl;
        },
        &g_cancel);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!made) {
        err() << Text::tr("paddockctl workspace create: %1").arg(made.error().text()) << Qt::endl;
        return g_cancel.load() ? 130 : 1;
    }
    for (const QString &warning : made->warnings)
        err() << Text::tr("warning: %1").arg(warning) << Qt::endl;
    out() << made->path << Qt::endl << made->branch << Qt::endl;
    return 0;
}

int list(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Lists the workspaces (of one persona, or all), oldest first."));
    const QCommandLineOption persona(QStringLiteral("persona"), Text::tr("Only this persona's."),
                                     Text::tr("P"));
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("One JSON object per line."));
    parser.addOptions({persona, json});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl workspace list"), args))
        return *done;
    const QList<Workspace> all = WorkspaceBuilder().list(parser.value(persona));
    for (const Workspace &w : all) {
        if (parser.isSet(json))
            out() << QJsonDocument(w.toJson()).toJson(QJsonDocument::Compact) << Qt::endl;
        else
            out() << w.persona << u'\t' << w.branch << u'\t' << w.path << u'\t' << w.source << Qt::endl;
    }
    if (all.isEmpty() && !parser.isSet(json))
        err() << Text::tr("no workspaces yet; make one with paddockctl workspace create") << Qt::endl;
    return 0;
}

} // namespace

QString workspaceProgressLine(const WorkspaceProgress &p)
{
    if (p.total > 0)
        return Text::tr("%1: %2 %").arg(phaseName(p.phase)).arg(100 * p.done / p.total);
    return Text::tr("%1: %2 MB").arg(phaseName(p.phase)).arg(p.done / (1024 * 1024));
}

int runWorkspaceCommand(const QStringList &arguments)
{
    return runCommandGroup(
        QStringLiteral("paddockctl workspace"),
        Text::tr("Workspaces: a persona's own clone of a repository."),
        {{QStringLiteral("create"), Text::tr("Makes a workspace of a repository for a persona."), create},
         {QStringLiteral("list"), Text::tr("Lists the workspaces."), list}},
        arguments);
}
