#include "runtime/TerminalCommand.h"

#include "repo/WorkspaceMount.h"

#include <QRegularExpression>

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

QString shellQuoted(const QStringList &argv)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:@%+=,-]+$"));
    QStringList words;
    for (const QString &word : argv) {
        if (plain.match(word).hasMatch())
            words << word;
        else
            words << QLatin1Char('\'') + QString(word).replace(u'\'', QStringLiteral("'\\''")) +
                         QLatin1Char('\'');
    }
    return words.join(u' ');
}

} // namespace paddock
