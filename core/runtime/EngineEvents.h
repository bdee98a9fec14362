#pragma once

#include "runtime/EngineClient.h"

#include <QMap>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

namespace paddock {

// A change of state of one container, as the engine's /events stream reports it.
struct ContainerEvent
{
    enum class Kind { Created, Started, Died, OomKilled, Stopped, Removed, Other };
    Kind kind = Kind::Other;
    QString action; // the engine's word: "create", "start", "die", "oom", "stop", "remove", …
    QString id;
    QString name;
    int exitCode = -1; // for Died
    qint64 timeNs = 0;
    QMap<QString, QString> attributes; // the container's labels and the engine's attributes
};

// Follows the engine's /events stream on a thread of its own (a long-lived HTTP request), keeps
// only container events that carry `label` (filtered here: podman's filters are unreliable), and
// reconnects with backoff (0.25 s up to 10 s) when the engine goes away or restarts. Signals are
// emitted from that thread; connect with a context object to receive them on yours.
class EngineEvents final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineEvents)

public:
    // `apiVersion`: the one EngineClient::connect() negotiated.
    EngineEvents(EngineClient::Endpoint endpoint, QString label,
                 QString apiVersion = QString::fromLatin1(EngineClient::MaxApiVersion),
                 QObject *parent = nullptr);
    ~EngineEvents() override;

    void start();
    // Ends the stream within about a second and joins the thread.
    void stop();
    bool isConnected() const { return m_connected.load(); }

    // One line of the stream (a JSON object) as a container event, if it is one.
    static std::optional<ContainerEvent> parse(const QByteArray &line);

signals:
    void connected();
    // The stream ended or could not be opened; `error` says why and what to do. Retried.
    void disconnected(const paddock::Error &error);
    void containerEvent(const paddock::ContainerEvent &event);

private:
    void run();

    const EngineClient::Endpoint m_endpoint;
    const QString m_label;
    const QString m_api;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_connected{false};
    std::thread m_thread;
};

} // namespace paddock

Q_DECLARE_METATYPE(paddock::ContainerEvent)
