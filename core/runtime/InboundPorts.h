#pragma once

#include "common/Error.h"

#include <QObject>
#include <QString>

#include <map>
#include <memory>

namespace paddock {

// The published ports of personas without a network: Paddock listens on the host's
// 127.0.0.1:<host port> and relays each connection to the container's port through the persona's
// inbound socket (PersonaSockets::inbound, made by paddock-relay inside the container). Nothing else
// reaches the container. A connection that cannot reach the socket (the container is not up yet, or
// its relay is gone) is closed. Lives on a thread with an event loop (the runtime's).
class InboundPorts final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InboundPorts)

public:
    explicit InboundPorts(QObject *parent = nullptr);
    ~InboundPorts() override;

    // Listens on 127.0.0.1:hostPort for `persona`, relaying to `socketPath`. Again with the same
    // arguments: nothing to do. A port that cannot be bound is an error saying who has it.
    Result<void> open(const QString &persona, int hostPort, const QString &socketPath);
    // Stops listening on every port of `persona` and ends their connections.
    void close(const QString &persona);
    void closeAll();
    // The host ports open for `persona`.
    QList<int> ports(const QString &persona) const;

private:
    struct Listener;
    std::multimap<QString, std::unique_ptr<Listener>> m_listeners;
};

} // namespace paddock
