#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace paddock {

// Where a workspace appears inside a persona's container.
inline constexpr const char *WorkspaceMountPoint = "/home/dev/workspace";

// `spec` (containerSpec()'s create body) with the workspace at `hostPath` bind-mounted read-write at
// /home/dev/workspace, and each of `readOnlyFolders` (relative, e.g. "_governance") mounted read-only
// over its place inside it.
QJsonObject withWorkspace(QJsonObject spec, const QString &hostPath, const QStringList &readOnlyFolders = {});

} // namespace paddock
