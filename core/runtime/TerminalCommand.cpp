#include "runtime/TerminalCommand.h"

#include "repo/WorkspaceMount.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace paddock {

QStringList attachCommand(const EngineClient::Endpoint &endpoint, const QString &engine,
                          const QString &container)
{
    const QString socket = QStringLiteral("unix://") + endpoint.socketPath;
    QStringList argv = engine == QLatin1StringView("docker")
                           ? QStringList{QStringLiteral("docker"), QStringLiteral("-H"), socket}
                           : QStringList{QStringLiteral("podman"), QStringLiteral("--url"), socket};
    // -A: attach to the agent's session when there is one, else make it (a shell, in the workspace).
    argv << QStringLiteral("exec") << QStringLiteral("-it") << container << QStringLiteral("tmux")
         << QStringLiteral("new-session") << QStringLiteral("-A") << QStringLiteral("-s")
         << QStringLiteral("agent") << QStringLiteral("-c") << QLatin1StringView(WorkspaceMountPoint);
    return argv;
}

QStringList terminalCommand(const QString &terminal, const QStringList &inner)
{
    QStringList argv = QProcess::splitCommand(terminal.trimmed());
    if (argv.isEmpty())
        argv = {QStringLiteral("x-terminal-emulator"), QStringLiteral("-e")};
    return argv + inner;
}

QStringList vscodeCommand(const QString &container)
{
    const QByteArray config =
        QJsonDocument(QJsonObject{{QStringLiteral("containerName"), QString(u'/' + container)}})
            .toJson(QJsonDocument::Compact);
    return {QStringLiteral("code"), QStringLiteral("--folder-uri"),
            QStringLiteral("vscode-remote://attached-container+") + QString::fromLatin1(config.toHex()) +
                QLatin1StringView(WorkspaceMountPoint)};
}

} // namespace paddock
