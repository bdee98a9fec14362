#include "runtime/EngineEvents.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <curl/curl.h>

#include <chrono>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EngineEvents)
};

struct Stream
{
    EngineEvents *owner;
    const QString *label;
    std::atomic<bool> *stop;
    std::atomic<bool> *connected;
    QByteArray buffer;
    bool announced = false;
};
} // namespace

EngineEvents::EngineEvents(EngineClient::Endpoint endpoint, QString label, QString apiVersion,
                           QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_label(std::move(label))
    , m_api(std::move(apiVersion))
{
    qRegisterMetaType<ContainerEvent>();
    qRegisterMetaType<Error>();
}

EngineEvents::~EngineEvents()
{
    stop();
}

void EngineEvents::start()
{
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void EngineEvents::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

std::optional<ContainerEvent> EngineEvents::parse(const QByteArray &line)
{
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    if (o.value(QStringLiteral("Type")).toString() != QLatin1StringView("container"))
        return std::nullopt;
    ContainerEvent e;
    e.action = o.value(QStringLiteral("Action")).toString();
    const QJsonObject actor = o.value(QStringLiteral("Actor")).toObject();
    e.id = actor.value(QStringLiteral("ID")).toString();
    const QJsonObject attributes = actor.value(QStringLiteral("Attributes")).toObject();
    for (auto it = attributes.begin(); it != attributes.end(); ++it)
        e.attributes.insert(it.key(), it.value().toString());
    e.name = e.attributes.value(QStringLiteral("name"));
    e.timeNs = o.value(QStringLiteral("timeNano")).toInteger();
    static const QMap<QString, ContainerEvent::Kind> kinds{
        {QStringLiteral("create"), ContainerEvent::Kind::Created},
        {QStringLiteral("start"), ContainerEvent::Kind::Started},
        {QStringLiteral("die"), ContainerEvent::Kind::Died},
        {QStringLiteral("oom"), ContainerEvent::Kind::OomKilled},
        {QStringLiteral("stop"), ContainerEvent::Kind::Stopped},
        {QStringLiteral("remove"), ContainerEvent::Kind::Removed},
        {QStringLiteral("destroy"), ContainerEvent::Kind::Removed}};
    e.kind = kinds.value(e.action, ContainerEvent::Kind::Other);
    if (e.kind == ContainerEvent::Kind::Died) {
        bool ok = false;
        const int code = e.attributes.value(QStringLiteral("exitCode")).toInt(&ok);
        e.exitCode = ok ? code : -1;
    }
    return e;
}

void EngineEvents::run()
{
    using namespace std::chrono;
    auto backoff = milliseconds(250);
    while (!m_stop) {
        CURL *curl = curl_easy_init();
        Stream stream{this, &m_label, &m_stop, &m_connected, {}, false};
        const QByteArray socket = m_endpoint.socketPath.toLocal8Bit();
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.constData());
        // Only container events are asked for; the label is checked here, not by the engine.
        const QByteArray url =
            "http://engine/v" + m_api.toLatin1() + "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";
        curl_easy_setopt(curl, CURLOPT_URL, url.constData());
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(
            curl, CURLOPT_HEADERFUNCTION, +[](char *data, size_t size, size_t count, void *user) -> size_t {
                auto *s = static_cast<Stream *>(user);
                const QByteArray header(data, qsizetype(size * count));
                // The status line of a good answer: the stream is open.
                if (header.startsWith("HTTP/") && header.contains(" 200") && !s->announced) {
                    s->announced = true;
                    s->connected->store(true);
                    emit s->owner->connected();
                }
                return size * count;
            });
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &stream);
        curl_easy_setopt(
            curl, CURLOPT_WRITEFUNCTION, +[](char *data, size_t size, size_t count, void *user) -> size_t {
                auto *s = static_cast<Stream *>(user);
                s->buffer.append(data, qsizetype(size * count));
                qsizetype newline;
                while ((newline = s->buffer.indexOf('\n')) >= 0) {
                    const QByteArray line = s->buffer.left(newline);
                    s->buffer.remove(0, newline + 1);
                    if (auto e = EngineEvents::parse(line);
                        e && (s->label->isEmpty() || e->attributes.contains(*s->label)))
                        emit s->owner->containerEvent(*e);
                }
                return size * count;
            });
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &stream);
        // Called about once a second even when nothing arrives: the way out when asked to stop.
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(
            curl, CURLOPT_XFERINFOFUNCTION,
            +[](void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                return static_cast<Stream *>(user)->stop->load() ? 1 : 0;
            });
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stream);
        const CURLcode rc = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        const bool wasConnected = m_connected.exchange(false);
        if (m_stop)
            break;
        const QString detail = rc != CURLE_OK ? QString::fromUtf8(curl_easy_strerror(rc))
                                              : Text::tr("the events stream ended (HTTP %1)").arg(status);
        emit disconnected(EngineClient::unreachable(m_endpoint, detail));
        if (wasConnected)
            backoff = milliseconds(250);
        // Sleep in small steps so that stop() is not kept waiting.
        for (auto slept = milliseconds(0); slept < backoff && !m_stop; slept += milliseconds(50))
            std::this_thread::sleep_for(milliseconds(50));
        backoff = std::min(backoff * 2, duration_cast<milliseconds>(seconds(10)));
    }
}

} // namespace paddock
