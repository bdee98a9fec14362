#pragma once

#include <QString>
#include <QStringList>

namespace paddock {
struct WorkspaceProgress;
}

// `paddockctl workspace create|list`: workspaces made from repositories (core/repo).
int runWorkspaceCommand(const QStringList &arguments);

// A workspace being made, as a line for stderr: "copy: 42 %", "mirror: 12 MB".
QString workspaceProgressLine(const paddock::WorkspaceProgress &progress);
