#include "runtime/InboundPorts.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLocalSocket>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::InboundPorts)
};

constexpr qint64 ChunkBytes = 64 * 1024; // the most held for a slower side, each way

// One connection: the host's client and the container's socket, copied both ways. A side that
// holds ChunkBytes unwritten stops the other side's reading until it drains.
class Pair final : public QObject
{
public:
    Pair(QTcpSocket *client, const QString &socketPath, QObject *parent)
        : QObject(parent)
        , m_client(client)
        , m_container(new QLocalSocket(this))
    {
        client->setParent(this);
        m_client->setReadBufferSize(ChunkBytes);
        m_container->setReadBufferSize(ChunkBytes);
        connect(m_client, &QTcpSocket::readyRead, this, [this] { pump(); });
        connect(m_container, &QLocalSocket::readyRead, this, [this] { pump(); });
        connect(m_client, &QTcpSocket::bytesWritten, this, [this] { pump(); });
        connect(m_container, &QLocalSocket::bytesWritten, this, [this] { pump(); });
        connect(m_container, &QLocalSocket::connected, this, [this] { pump(); });
        connect(m_client, &QTcpSocket::disconnected, this, [this] { end(); });
        connect(m_container, &QLocalSocket::disconnected, this, [this] { end(); });
        connect(m_container, &QLocalSocket::errorOccurred, this, [this] { end(); });
        m_container->connectToServer(socketPath);
    }

private:
    void pump()
    {
        if (m_container->state() != QLocalSocket::ConnectedState)
            return;
        while (m_client->bytesAvailable() > 0 && m_container->bytesToWrite() < ChunkBytes)
            m_container->write(m_client->read(ChunkBytes - m_container->bytesToWrite()));
        while (m_container->bytesAvailable() > 0 && m_client->bytesToWrite() < ChunkBytes)
            m_client->write(m_container->read(ChunkBytes - m_client->bytesToWrite()));
    }
    // One side is gone: what the other has left for it is delivered, then both close.
    void end()
    {
        if (m_ending)
            return;
        m_ending = true;
        if (m_container->state() == QLocalSocket::ConnectedState)
            while (m_client->bytesAvailable() > 0)
                m_container->write(m_client->readAll());
        while (m_container->bytesAvailable() > 0)
            m_client->write(m_container->readAll());
        m_client->disconnectFromHost();
        m_container->disconnectFromServer();
        deleteLater();
    }

    QTcpSocket *m_client;
    QLocalSocket *m_container;
    bool m_ending = false;
};
} // namespace

struct InboundPorts::Listener
{
    int hostPort = 0;
    QString socketPath;
    std::unique_ptr<QTcpServer> server;
};

InboundPorts::InboundPorts(QObject *parent)
    : QObject(parent)
{}

InboundPorts::~InboundPorts()
{
    closeAll();
}

Result<void> InboundPorts::open(const QString &persona, int hostPort, const QString &socketPath)
{
    for (auto [it, end] = m_listeners.equal_range(persona); it != end; ++it)
        if (it->second->hostPort == hostPort) {
            it->second->socketPath = socketPath;
            return {};
        }
    auto listener = std::make_unique<Listener>();
    listener->hostPort = hostPort;
    listener->socketPath = socketPath;
    listener->server = std::make_unique<QTcpServer>();
    if (!listener->server->listen(QHostAddress::LocalHost, quint16(hostPort)))
        return fail(Error::Code::Busy,
                    Text::tr("cannot publish port %1 of %2 on 127.0.0.1: %3")
                        .arg(hostPort)
                        .arg(persona, listener->server->errorString()),
                    persona,
                    Text::tr("Another program uses that port: stop it, or give the persona another host "
                             "port."));
    Listener *raw = listener.get();
    connect(raw->server.get(), &QTcpServer::newConnection, this, [this, raw] {
        while (QTcpSocket *client = raw->server->nextPendingConnection())
            new Pair(client, raw->socketPath, this);
    });
    m_listeners.emplace(persona, std::move(listener));
    return {};
}

void InboundPorts::close(const QString &persona)
{
    m_listeners.erase(persona); // connections under way end with their own sides
}

void InboundPorts::closeAll()
{
    m_listeners.clear();
}

QList<int> InboundPorts::ports(const QString &persona) const
{
    QList<int> out;
    for (auto [it, end] = m_listeners.equal_range(persona); it != end; ++it)
        out << it->second->hostPort;
    return out;
}

} // namespace paddock
