#include "Icons.h"

namespace paddock::Icons {

QIcon application()
{
    return QIcon::fromTheme(QStringLiteral(PADDOCK_APP_ID),
                            QIcon(QStringLiteral(":/icons/io.paddock.Paddock.svg")));
}

QIcon tray(Engine::Health health)
{
    switch (health) {
    case Engine::Health::Error:
        return QIcon(QStringLiteral(":/icons/tray-error.svg"));
    case Engine::Health::Warning:
        return QIcon(QStringLiteral(":/icons/tray-warning.svg"));
    case Engine::Health::Ok:
        break;
    }
    return QIcon(QStringLiteral(":/icons/tray-normal.svg"));
}

QIcon themed(const QString &name, const QIcon &fallback)
{
    return QIcon::fromTheme(name, fallback);
}

} // namespace paddock::Icons
