#pragma once

#include "runtime/EngineClient.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <thread>

namespace paddock {

// One long-lived request to the engine (a followed log, a stats stream) on a thread of its own:
// `onData` gets each chunk as it arrives and `onEnd` once when the stream ends (an error when it
// could not be opened or broke; nothing when the engine closed it, as it does when a container
// stops). Both are called on the stream's thread.
class EngineStream final
{
public:
    using DataHandler = std::function<void(const QByteArray &chunk)>;
    using EndHandler = std::function<void(const std::optional<Error> &error)>;

    // `path` is below the versioned prefix, as for EngineClient::request.
    EngineStream(EngineClient::Endpoint endpoint, QString apiVersion, QString path, DataHandler onData,
                 EndHandler onEnd = {}, QByteArray method = "GET");
    ~EngineStream(); // stops and joins
    EngineStream(const EngineStream &) = delete;
    EngineStream &operator=(const EngineStream &) = delete;

    // Asks the stream to end (within about a second) without waiting for it.
    void requestStop() { m_stop = true; }
    bool isFinished() const { return m_finished.load(); }
    QString path() const { return m_path; }

private:
    void run();

    const EngineClient::Endpoint m_endpoint;
    const QString m_api;
    const QString m_path;
    const QByteArray m_method;
    DataHandler m_onData;
    EndHandler m_onEnd;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_finished{false};
    std::thread m_thread;
};

} // namespace paddock
