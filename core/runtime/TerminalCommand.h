#pragma once
// The command line that opens a terminal on a persona's agent: the engine's own client (podman or
// docker, on the endpoint Paddock uses) running `exec -it` in the persona's container as its user,
// attached to the tmux session "agent" where paddock-agent's agent mode runs the agent, or, in a
// persona with no agent, a new session with a shell in the workspace. paddockctl persona attach
// runs it in the current terminal; Open terminal runs it in a terminal emulator.

#include "common/ShellQuote.h" // shellQuoted(), to show or run the command through a shell
#include "runtime/EngineClient.h"

#include <QString>
#include <QStringList>

namespace paddock {

// `engine` is EngineClient::Version::engine ("podman" or "docker").
QStringList attachCommand(const EngineClient::Endpoint &endpoint, const QString &engine,
                          const QString &container);

// The terminal emulator's command line running `inner`: `terminal` (the Preferences setting: a
// program and the options before the command, e.g. "konsole -e" or "gnome-terminal --"), or
// Debian's x-terminal-emulator -e when it is empty.
QStringList terminalCommand(const QString &terminal, const QStringList &inner);

// VS Code on the persona's workspace in its container (the Dev Containers extension's
// attached-container URI).
QStringList vscodeCommand(const QString &container);

} // namespace paddock
