#include "Icons.h"

namespace paddock::Icons {

QIcon application()
{
    return QIcon::fromTheme(QStringLiteral(PADDOCK_APP_ID),
                            QIcon(QStringLiteral(":/icons/io.paddock.Paddock.svg")));
}

QIcon tray(Engine::State state)
{
    switch (state) {
    case Engine::State::Failed:
        return QIcon(QStringLiteral(":/icons/tray-error.svg"));
    case Engine::State::Degraded:
        return QIcon(QStringLiteral(":/icons/tray-warning.svg"));
    case Engine::State::Stopped:
    case Engine::State::Starting:
    case Engine::State::Running:
    case Engine::State::Stopping:
        break;
    }
    return QIcon(QStringLiteral(":/icons/tray-normal.svg"));
}

QIcon themed(const QString &name, const QIcon &fallback)
{
    return QIcon::fromTheme(name, fallback);
}

} // namespace paddock::Icons
