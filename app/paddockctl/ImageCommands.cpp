#include "ImageCommands.h"
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

// Parses `arguments` (the command's own, without "image"); false after printing why.
bool parse(QCommandLineParser &parser, const QString &command, const QStringList &arguments)
{
    parser.addHelpOption();
    QStringList args{QStringLiteral("paddockctl image ") + command};
    args << arguments;
    if (!parser.parse(args)) {
        err() << QStringLiteral("paddockctl image %1: %2").arg(command, parser.errorText()) << Qt::endl;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return false;
    }
    if (!parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl image %1: unexpected argument \"%2\"; see --help")
                     .arg(command, parser.positionalArguments().first())
              << Qt::endl;
        return false;
    }
    return true;
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
        Text::tr("Build Paddock's agent image (Debian 13 with git, OpenSSH, curl and the user dev) "
                 "from Debian's mirror and import it into the container engine. Needs root (the "
                 "recipe uses debootstrap), network access and about a minute."));
    const QCommandLineOption tag = tagOption();
    const QCommandLineOption include(QStringLiteral("include"),
                                     Text::tr("More Debian packages for the image, comma-separated."),
                                     Text::tr("PKGS"));
    parser.addOptions({tag, include});
    if (!parse(parser, QStringLiteral("build"), arguments))
        return parser.isSet(QStringLiteral("help")) ? 0 : 2;

    auto endpoint = connectedEndpoint();
    if (!endpoint)
        return failWith(QStringLiteral("build"), endpoint.error());
    ImageBuilder builder(*endpoint);
    if (parser.isSet(include))
        builder.setExtraPackages(parser.value(include).split(QLatin1Char(','), Qt::SkipEmptyParts));
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
    if (!parse(parser, QStringLiteral("status"), arguments))
        return parser.isSet(QStringLiteral("help")) ? 0 : 2;
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
    return 0;
}

} // namespace

int runImageCommand(const QStringList &arguments)
{
    const QString sub = arguments.value(0);
    if (sub == QLatin1StringView("build"))
        return build(arguments.mid(1));
    if (sub == QLatin1StringView("status"))
        return status(arguments.mid(1));
    err() << Text::tr("paddockctl image: unknown command \"%1\"; the commands are build and status").arg(sub)
          << Qt::endl;
    return 2;
}
