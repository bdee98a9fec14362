#pragma once

#include "engine/Engine.h"

#include <QIcon>

namespace paddock::Icons {

// The application icon: from the icon theme when installed, else the bundled one.
QIcon application();
// The tray icon for the engine's health: normal, warning (problems) or error (failed, or audit
// events cannot be written).
QIcon tray(Engine::Health health);
// Theme icon with a bundled or standard fallback.
QIcon themed(const QString &name, const QIcon &fallback = {});

} // namespace paddock::Icons
