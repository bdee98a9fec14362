#include "CommandLine.h"
#include "Console.h"

#include <QCoreApplication>

#include <algorithm>

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

bool isHelp(const QString &argument)
{
    return argument == QLatin1StringView("--help") || argument == QLatin1StringView("-h");
}

QString groupHelp(const QString &group, const QString &description, const QList<SubCommand> &commands,
                  const QString &footer)
{
    qsizetype width = 0;
    for (const SubCommand &c : commands)
        width = std::max(width, c.name.size());
    QString text = Text::tr("Usage: %1 COMMAND [OPTIONS]").arg(group) + u'\n' + description + u"\n\n" +
                   Text::tr("Commands:") + u'\n';
    for (const SubCommand &c : commands)
        text += QStringLiteral("  %1  %2\n").arg(c.name, -int(width)).arg(c.summary);
    text += u'\n' + Text::tr("%1 COMMAND --help describes a command and its options.").arg(group) + u'\n';
    if (!footer.isEmpty())
        text += footer + u'\n';
    return text;
}

// "a, b and c"
QString enumeration(const QList<SubCommand> &commands)
{
    QStringList names;
    for (const SubCommand &c : commands)
        names << c.name;
    if (names.size() < 2)
        return names.join(QString());
    const QString last = names.takeLast();
    return Text::tr("%1 and %2").arg(names.join(QStringLiteral(", ")), last);
}

} // namespace

std::optional<int> parseCommand(QCommandLineParser &parser, const QString &command,
                                const QStringList &arguments)
{
    parser.addHelpOption();
    if (!parser.parse(QStringList{command} + arguments)) {
        err() << QStringLiteral("%1: %2").arg(command, parser.errorText()) << u' '
              << Text::tr("(see %1 --help)").arg(command) << Qt::endl;
        return 2;
    }
    if (!parser.isSet(QStringLiteral("help")) && !parser.isSet(QStringLiteral("help-all")))
        return std::nullopt;
    // Qt's usage line names the program (argv[0]); a command's names the command.
    QString text = parser.helpText();
    const QString program = QCoreApplication::arguments().value(0);
    if (const qsizetype at = program.isEmpty() ? -1 : text.indexOf(program); at >= 0)
        text.replace(at, program.size(), command);
    out() << text << Qt::flush;
    return 0;
}

int runCommandGroup(const QString &group, const QString &description, const QList<SubCommand> &commands,
                    const QStringList &arguments, const QString &footer)
{
    const QString name = arguments.value(0);
    if (isHelp(name)) {
        out() << groupHelp(group, description, commands, footer) << Qt::flush;
        return 0;
    }
    if (name.isEmpty()) {
        err() << groupHelp(group, description, commands, footer) << Qt::flush;
        return 2;
    }
    for (const SubCommand &c : commands)
        if (c.name == name)
            return c.run(arguments.mid(1));
    err() << Text::tr("%1: unknown command \"%2\"; the commands are %3 (see %1 --help)")
                 .arg(group, name, enumeration(commands))
          << Qt::endl;
    return 2;
}
