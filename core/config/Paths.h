#pragma once

#include <QString>

namespace paddock::Paths {

// Where Paddock keeps its configuration: the override (command line --config-dir or the
// PADDOCK_CONFIG_DIR environment variable) or $XDG_CONFIG_HOME/paddock.
QString configDir();
void setConfigDirOverride(const QString &dir);

// Where Paddock keeps its data (audit log, workspaces, mirrors): PADDOCK_DATA_DIR or
// $XDG_DATA_HOME/paddock.
QString dataDir();

// Per-user, per-session files (sockets, locks): $XDG_RUNTIME_DIR or the temporary folder.
QString runtimeDir();

} // namespace paddock::Paths
