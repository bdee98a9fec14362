#include "runtime/TerminalCommand.h"

#include "repo/WorkspaceMount.h"

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

} // namespace paddock
