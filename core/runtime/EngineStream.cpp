#include "runtime/EngineStream.h"

#include <QCoreApplication>

#include <curl/curl.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EngineStream)
};
} // namespace

EngineStream::EngineStream(EngineClient::Endpoint endpoint, QString apiVersion, QString path,
                           DataHandler onData, EndHandler onEnd, QByteArray method)
    : m_endpoint(std::move(endpoint))
    , m_api(std::move(apiVersion))
    , m_path(std::move(path))
    , m_method(std::move(method))
    , m_onData(std::move(onData))
    , m_onEnd(std::move(onEnd))
{
    m_thread = std::thread([this] { run(); });
}

EngineStream::~EngineStream()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void EngineStream::run()
{
    struct State
    {
        EngineStream *self;
        long status = 0;
        QByteArray errorBody;
    } state{this, 0, {}};
    CURL *curl = curl_easy_init();
    const QByteArray socket = m_endpoint.socketPath.toLocal8Bit();
    const QByteArray url = "http://engine/v" + m_api.toLatin1() + m_path.toUtf8();
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.constData());
    curl_easy_setopt(curl, CURLOPT_URL, url.constData());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, m_method.constData());
    if (m_method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char *data, size_t size, size_t count, void *user) -> size_t {
            auto *s = static_cast<State *>(user);
            const QByteArray chunk(data, qsizetype(size * count));
            if (s->status >= 400)
                s->errorBody += chunk;
            else
                s->self->m_onData(chunk);
            return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(
        curl, CURLOPT_HEADERFUNCTION, +[](char *data, size_t size, size_t count, void *user) -> size_t {
            auto *s = static_cast<State *>(user);
            const QByteArray header(data, qsizetype(size * count));
            // "HTTP/1.1 200 OK": the status, known before the body.
            if (header.startsWith("HTTP/")) {
                const QList<QByteArray> parts = header.split(' ');
                if (parts.size() > 1)
                    s->status = parts.at(1).toLong();
            }
            return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    // Called at least once a second even when nothing arrives: the way out when asked to stop.
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(
        curl, CURLOPT_XFERINFOFUNCTION,
        +[](void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
            return static_cast<State *>(user)->self->m_stop.load() ? 1 : 0;
        });
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    std::optional<Error> error;
    if (m_stop) {
        // Asked to end: not an error.
    } else if (rc != CURLE_OK) {
        error = EngineClient::unreachable(m_endpoint, QString::fromUtf8(curl_easy_strerror(rc)));
    } else if (state.status >= 400) {
        const QString message = QString::fromUtf8(state.errorBody).trimmed();
        error = Error{Error::Code::Unavailable,
                      Text::tr("the engine refused to stream %1 (HTTP %2): %3")
                          .arg(m_path)
                          .arg(state.status)
                          .arg(message),
                      m_endpoint.socketPath,
                      {}};
    }
    if (m_onEnd)
        m_onEnd(error);
    m_finished = true;
}

} // namespace paddock
