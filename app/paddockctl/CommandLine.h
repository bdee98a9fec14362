#pragma once

#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

// How every paddockctl command reads its command line, so that help and usage errors look and
// behave the same in each: --help (or -h) prints usage naming the command, on stdout, exit 0; a
// usage error says what is wrong on stderr, exit 2.

// Parses a command's own arguments (those after its name; `command` is "paddockctl audit tail").
// Returns the exit code when the command is done already (its help printed, or a usage error),
// nullopt to go on with what it was asked.
std::optional<int> parseCommand(QCommandLineParser &parser, const QString &command,
                                const QStringList &arguments);

// One command of a group (the `tail` of paddockctl audit tail).
struct SubCommand
{
    QString name;
    QString summary; // one line, for the group's help
    std::function<int(const QStringList &arguments)> run;
};

// Runs the command that `arguments` starts with, with the rest. --help or -h: the group's usage
// (`description`, its commands with their summaries, then `footer`) on stdout, exit 0; no command
// at all: the same on stderr, exit 2; an unknown one: a sentence naming the commands, exit 2.
int runCommandGroup(const QString &group, const QString &description, const QList<SubCommand> &commands,
                    const QStringList &arguments, const QString &footer = {});
