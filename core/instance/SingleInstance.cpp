#include "instance/SingleInstance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>

#include <unistd.h>

namespace paddock {

namespace {
constexpr int ProtocolVersion = 1;
constexpr qint64 MaxMessage = 64 * 1024;

QString instanceId(const QString &key)
{
    const QByteArray hash =
        QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    return QStringLiteral("paddock-%1-%2").arg(::getuid()).arg(QString::fromLatin1(hash));
}
} // namespace

SingleInstance::SingleInstance(const QString &key, const QString &runtimeDir, QObject *parent)
    : QObject(parent)
    , m_lockPath(QDir(runtimeDir).filePath(instanceId(key) + QStringLiteral(".lock")))
    , m_serverName(QDir(runtimeDir).filePath(instanceId(key) + QStringLiteral(".sock")))
    , m_lock(m_lockPath)
{
    // QLockFile takes over a lock whose process is gone; a live holder keeps it however old.
    m_lock.setStaleLockTime(0);
}

SingleInstance::~SingleInstance()
{
    if (m_server)
        m_server->close();
}

Result<SingleInstance::Role> SingleInstance::claim()
{
    QDir().mkpath(QFileInfo(m_lockPath).absolutePath());
    if (!m_lock.tryLock(0)) {
        if (m_lock.error() == QLockFile::LockFailedError)
            return Role::Secondary;
        return fail(Error::Code::Io, tr("cannot create the instance lock"), m_lockPath,
                    tr("Check that the folder exists and is writable."));
    }
    // We hold the lock, so any socket file left behind belongs to a dead instance.
    QLocalServer::removeServer(m_serverName);
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(m_serverName))
        return fail(Error::Code::Io, tr("cannot listen for other launches: %1").arg(m_server->errorString()),
                    m_serverName);
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::acceptConnections);
    return Role::Primary;
}

void SingleInstance::acceptConnections()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > MaxMessage)
                    socket->abort();
                return;
            }
            const std::optional<QStringList> arguments = parseActivation(socket->readLine(MaxMessage));
            if (!arguments) {
                socket->write("error\n");
                socket->disconnectFromServer();
                return;
            }
            socket->write("ok\n");
            socket->flush();
            socket->disconnectFromServer();
            emit activationRequested(*arguments);
        });
    }
}

std::optional<QStringList> SingleInstance::parseActivation(const QByteArray &line)
{
    if (line.size() > MaxMessage)
        return std::nullopt;
    const QJsonObject message = QJsonDocument::fromJson(line).object();
    if (message.value(QLatin1StringView("version")).toInt() != ProtocolVersion ||
        message.value(QLatin1StringView("command")).toString() != QLatin1StringView("activate"))
        return std::nullopt;
    const QJsonValue args = message.value(QLatin1StringView("arguments"));
    if (!args.isUndefined() && !args.isArray())
        return std::nullopt;
    QStringList arguments;
    for (const QJsonValue &v : args.toArray()) {
        if (!v.isString())
            return std::nullopt;
        arguments << v.toString();
    }
    return arguments;
}

Result<void> SingleInstance::activatePrimary(const QStringList &arguments, int timeoutMs)
{
    qint64 pid = 0;
    QString host, app;
    m_lock.getLockInfo(&pid, &host, &app);
    const QString who = tr("the running Paddock (process %1)").arg(pid);
    const QString hint = tr("If it hangs, end it (kill %1) and start Paddock again.").arg(pid);

    QLocalSocket socket;
    socket.connectToServer(m_serverName);
    if (!socket.waitForConnected(timeoutMs))
        return fail(Error::Code::Unavailable, tr("%1 does not answer: %2").arg(who, socket.errorString()),
                    m_serverName, hint);
    QJsonObject message{{QStringLiteral("version"), ProtocolVersion},
                        {QStringLiteral("command"), QStringLiteral("activate")},
                        {QStringLiteral("arguments"), QJsonArray::fromStringList(arguments)}};
    socket.write(QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n');
    if (!socket.waitForBytesWritten(timeoutMs))
        return fail(Error::Code::Unavailable, tr("%1 does not answer").arg(who), m_serverName, hint);
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(timeoutMs))
            return fail(Error::Code::Unavailable, tr("%1 did not confirm").arg(who), m_serverName, hint);
    }
    if (socket.readLine().trimmed() != "ok")
        return fail(Error::Code::Invalid, tr("%1 refused the request").arg(who), m_serverName,
                    tr("It may be a different version of Paddock; quit it and start again."));
    return {};
}

} // namespace paddock
