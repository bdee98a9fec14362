#include "ImageCommands.h"
#include "CommandLine.h"
#include "Console.h"

#include "engine/TerminationSignals.h"
#include "runtime/EngineClient.h"
#include "runtime/ImageBuilder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QLocale>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

int failWith(const QString &command, const Error &error, int code = 1)
{
    err() << QStringLiteral("paddockctl image %1: %2").arg(command, error.text()) << Qt::endl;
    return code;
}

QCommandLineOption tagOption()
{
    return QCommandLineOption(
        QStringLiteral("tag"),
        Text::tr("The image's name (default: %1).").arg(ImageBuilder::defaultImageName()), Text::tr("NAME"),
        ImageBuilder::defaultImageName());
}

// Parses `arguments` (the command's own, without "image"): the exit code when done already.
std::optional<int> parse(QCommandLineParser &parser, const QString &command, const QStringList &arguments)
{
    if (auto done = parseCommand(parser, QStringLiteral("paddockctl image ") + command, arguments))
        return done;
    if (!parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl image %1: unexpected argument \"%2\"; see --help")
                     .arg(command, parser.positionalArguments().first())
              << Qt::endl;
        return 2;
    }
    return std::nullopt;
}

Result<EngineClient::Endpoint> connectedEndpoint()
{
    auto endpoint = EngineClient::discover();
    if (!endpoint)
        return endpoint;
    EngineClient client(*endpoint);
    if (auto v = client.connect(); !v)
        return std::unexpected(v.error());
    return endpoint;
}

int build(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Build Paddock's agent image (Debian 13 with git, OpenSSH, curl, the user dev and "
                 "the coding agents Claude Code, Codex, opencode and Copilot CLI at their pinned "
                 "versions) from Debian's mirror and the npm registry, and import it into the "
                 "container engine. Needs root (the recipe uses debootstrap), network access and a "
                 "few minutes; the image is about 1.8 GB."));
    const QCommandLineOption tag = tagOption();
    const QCommandLineOption include(QStringLiteral("include"),
                                     Text::tr("More Debian packages for the image, comma-separated."),
                                     Text::tr("PKGS"));
    const QCommandLineOption noAgents(QStringLiteral("no-agents"),
                                      Text::tr("Leave the coding agents out (about 300 MB, no npm)."));
    parser.addOptions({tag, include, noAgents});
    if (const auto done = parse(parser, QStringLiteral("build"), arguments))
        return *done;

    auto endpoint = connectedEndpoint();
    if (!endpoint)
        return failWith(QStringLiteral("build"), endpoint.error());
    ImageBuilder builder(*endpoint);
    if (parser.isSet(include))
        builder.setExtraPackages(parser.value(include).split(QLatin1Char(','), Qt::SkipEmptyParts));
    builder.setAgents(!parser.isSet(noAgents));
    int exitCode = 1;
    QObject::connect(&builder, &ImageBuilder::progress, &builder, [](int percent, const QString &text) {
        out() << QStringLiteral("%1% %2").arg(percent, 3).arg(text) << Qt::endl;
    });
    QObject::connect(&builder, &ImageBuilder::finished, &builder, [&](const Result<QString> &id) {
        if (id) {
            out() << parser.value(tag) << Qt::endl;
            exitCode = 0;
        } else {
            failWith(QStringLiteral("build"), id.error());
        }
        QCoreApplication::quit();
    });
    // Ctrl-C cancels: the recipe stops and removes what it made.
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &builder, [&](int) {
        err() << Text::tr("paddockctl image build: cancelling") << Qt::endl;
        builder.cancel();
    });
    builder.start(parser.value(tag));
    QCoreApplication::exec();
    return exitCode;
}

int status(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("Say whether the container engine has the agent image."));
    const QCommandLineOption tag = tagOption();
    parser.addOption(tag);
    if (const auto done = parse(parser, QStringLiteral("status"), arguments))
        return *done;
    const QString name = parser.value(tag);

    auto endpoint = EngineClient::discover();
    if (!endpoint)
        return failWith(QStringLiteral("status"), endpoint.error());
    EngineClient client(*endpoint);
    if (auto v = client.connect(); !v)
        return failWith(QStringLiteral("status"), v.error());
    auto info = client.inspectImage(name);
    if (!info) {
        if (info.error().code != Error::Code::NotFound)
            return failWith(QStringLiteral("status"), info.error());
        err() << Text::tr("paddockctl image status: %1 does not exist in the container engine (%2).\n"
                          "Build it with: paddockctl image build --tag %1")
                     .arg(name, endpoint->socketPath)
              << Qt::endl;
        return 1;
    }
    const QLocale c = QLocale::c();
    out() << Text::tr("%1 exists").arg(name) << Qt::endl;
    out() << Text::tr("id: %1").arg(info->value(QStringLiteral("Id")).toString()) << Qt::endl;
    out() << Text::tr("size: %1 (%2 bytes)")
                 .arg(c.formattedDataSize(info->value(QStringLiteral("Size")).toInteger(), 1,
                                          QLocale::DataSizeSIFormat))
                 .arg(info->value(QStringLiteral("Size")).toInteger())
          << Qt::endl;
    out() << Text::tr("created: %1")
                 .arg(QDateTime::fromString(info->value(QStringLiteral("Created")).toString(),
                                            Qt::ISODateWithMs)
                          .toUTC()
                          .toString(Qt::ISODate))
          << Qt::endl;
    // The agents in it, as the recipe labelled them (io.paddock.agent.NAME=VERSION).
    QStringList agents;
    const auto versions = ImageBuilder::agentVersions(*info);
    for (auto it = versions.cbegin(); it != versions.cend(); ++it)
        agents << it.key() + QLatin1Char(' ') + it.value();
    out() << (agents.isEmpty() ? Text::tr("agents: none (built with --no-agents, or by an older Paddock)")
                               : Text::tr("agents: %1").arg(agents.join(QStringLiteral(", "))))
          << Qt::endl;
    return 0;
}

} // namespace

int runImageCommand(const QStringList &arguments)
{
    return runCommandGroup(QStringLiteral("paddockctl image"), Text::tr("Paddock's agent image."),
                           {{QStringLiteral("build"),
                             Text::tr("Builds the agent image from Debian's mirror (root, network)."), build},
                            {QStringLiteral("status"),
                             Text::tr("Says whether the container engine has the agent image."), status}},
                           arguments);
}
