#pragma once

#include "engine/Engine.h"

#include <QIcon>

namespace paddock::Icons {

// The application icon: from the icon theme when installed, else the bundled one.
QIcon application();
// The tray icon for an engine state: normal, warning (starting, problems) or error (failed).
QIcon tray(Engine::State state);
// Theme icon with a bundled or standard fallback.
QIcon themed(const QString &name, const QIcon &fallback = {});

} // namespace paddock::Icons
