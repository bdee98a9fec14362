#pragma once

#include "common/Error.h"

#include <QLockFile>
#include <QObject>

#include <memory>
#include <optional>

class QLocalServer;

namespace paddock {

// One Paddock per user (and configuration folder): the first instance holds a lock file and
// listens on a per-user local socket; a later launch hands its arguments to the first one, which
// raises its window, and exits. A lock left by a crashed instance is detected and taken over.
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)

public:
    enum class Role { Primary, Secondary };

    // `key` separates instances (the configuration folder); files live in `runtimeDir`.
    SingleInstance(const QString &key, const QString &runtimeDir, QObject *parent = nullptr);
    ~SingleInstance() override;

    // Takes the lock and starts listening (Primary), or finds a live first instance (Secondary).
    Result<Role> claim();
    // Secondary only: asks the first instance to come forward. Blocks for at most `timeoutMs`;
    // meant for the moment before a second launch exits, when there is no UI to block.
    Result<void> activatePrimary(const QStringList &arguments, int timeoutMs = 5000);

    // The arguments of an activation request line, or nothing if the line is not one.
    static std::optional<QStringList> parseActivation(const QByteArray &line);

    QString lockFilePath() const { return m_lockPath; }
    QString serverName() const { return m_serverName; }

signals:
    // Primary: a later launch asked to be shown, with its command-line arguments.
    void activationRequested(const QStringList &arguments);

private:
    void acceptConnections();

    QString m_lockPath;
    QString m_serverName;
    QLockFile m_lock;
    QLocalServer *m_server = nullptr;
};

} // namespace paddock
