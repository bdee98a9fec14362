#include "config/Paths.h"

#include <QDir>
#include <QStandardPaths>

namespace paddock::Paths {

namespace {
QString &configOverride()
{
    static QString dir;
    return dir;
}

QString fromEnv(const char *name)
{
    const QString value = qEnvironmentVariable(name);
    return value.isEmpty() ? QString() : QDir(value).absolutePath();
}
} // namespace

void setConfigDirOverride(const QString &dir)
{
    configOverride() = dir.isEmpty() ? QString() : QDir(dir).absolutePath();
}

QString configDir()
{
    if (!configOverride().isEmpty())
        return configOverride();
    if (const QString env = fromEnv("PADDOCK_CONFIG_DIR"); !env.isEmpty())
        return env;
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/paddock");
}

QString dataDir()
{
    if (const QString env = fromEnv("PADDOCK_DATA_DIR"); !env.isEmpty())
        return env;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/paddock");
}

QString runtimeDir()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    return dir.isEmpty() ? QDir::tempPath() : dir;
}

} // namespace paddock::Paths
