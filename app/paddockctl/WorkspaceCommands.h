#pragma once

#include <QStringList>

// `paddockctl workspace create|list`: workspaces made from repositories (core/repo).
int runWorkspaceCommand(const QStringList &arguments);
