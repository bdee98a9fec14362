#include "runtime/EngineClient.h"


#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QScopeGuard>
#include <QThread>
#include <QUrl>
#include <QVersionNumber>

#include <curl/curl.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EngineClient)
};

size_t collect(char *data, size_t size, size_t count, void *out)
{
    static_cast<QByteArray *>(out)->append(data, qsizetype(size * count));
    return size * count;
}

size_t supply(char *data, size_t size, size_t count, void *in)
{
    const qint64 n = static_cast<QIODevice *>(in)->read(data, qint64(size * count));
    return n < 0 ? CURL_READFUNC_ABORT : size_t(n);
}

bool isSocket(const QString &path)
{
    const QFileInfo info(path);
    return info.exists() && !info.isDir() && !info.isFile();
}

// Labels as the API wants them: {"key": "value", …}.
QJsonObject labelObject(const QMap<QString, QString> &labels)
{
    QJsonObject o;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

bool hasLabel(const QJsonObject &o, const QString &label)
{
    return o.value(QStringLiteral("Labels")).toObject().contains(label);
}
} // namespace

Result<EngineClient::Endpoint> EngineClient::discover()
{
    for (const char *variable : {"CONTAINER_HOST", "DOCKER_HOST"}) {
        const QString value = qEnvironmentVariable(variable);
        if (value.isEmpty())
            continue;
        const QString origin = QStringLiteral("$") + QLatin1StringView(variable);
        const QUrl url(value);
        if (url.scheme() != QLatin1StringView("unix"))
            return fail(Error::Code::Invalid,
                        Text::tr("%1 is \"%2\", but Paddock talks to a local engine over a Unix socket")
                            .arg(origin, value),
                        origin, Text::tr("Set it to unix:///path/to/podman.sock, or unset it."));
        if (!isSocket(url.path()))
            return fail(Error::Code::Unavailable,
                        Text::tr("%1 names %2, which is not a socket").arg(origin, url.path()), origin,
                        Text::tr("Start the engine (systemctl --user start podman.socket), or correct %1.")
                            .arg(origin));
        return Endpoint{url.path(), origin};
    }
    QStringList candidates;
    if (const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR"); !runtime.isEmpty())
        candidates << runtime + QStringLiteral("/podman/podman.sock");
    candidates << QStringLiteral("/run/podman/podman.sock") << QStringLiteral("/var/run/docker.sock");
    for (const QString &path : candidates)
        if (isSocket(path))
            return Endpoint{path, path};
    return fail(
        Error::Code::Unavailable, Text::tr("no container engine is running"),
        candidates.join(QStringLiteral(", ")),
        Text::tr("Start podman's API service with \"systemctl --user start podman.socket\" (or Docker), "
                 "or point $CONTAINER_HOST at its socket."));
}

EngineClient::EngineClient(Endpoint endpoint)
    : m_endpoint(std::move(endpoint))
    , m_curl(curl_easy_init())
{}

EngineClient::~EngineClient()
{
    curl_easy_cleanup(static_cast<CURL *>(m_curl));
}

Error EngineClient::unreachable(const Endpoint &endpoint, const QString &detail)
{
    return Error{Error::Code::Unavailable, Text::tr("the container engine does not answer (%1)").arg(detail),
                 endpoint.socketPath,
                 Text::tr("Start it with \"systemctl --user start podman.socket\" (or start Docker); Paddock "
                          "keeps trying in the background.")};
}

Result<EngineClient::Response> EngineClient::request(const QByteArray &method, const QString &path,
                                                     const QByteArray &body,
                                                     std::chrono::milliseconds timeout)
{
    return send(method, path, body, "application/json", timeout, nullptr);
}

Result<EngineClient::Response> EngineClient::send(const QByteArray &method, const QString &path,
                                                  const QByteArray &body, const QByteArray &contentType,
                                                  std::chrono::milliseconds timeout, QIODevice *upload)
{
    auto *curl = static_cast<CURL *>(m_curl);
    if (!curl)
        return fail(Error::Code::Internal, Text::tr("cannot set up an HTTP client (libcurl)"));
    curl_easy_reset(curl);
    const QByteArray socket = m_endpoint.socketPath.toLocal8Bit();
    const QByteArray url = "http://engine/v" + m_api.toLatin1() + path.toUtf8();
    Response response;
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.constData());
    curl_easy_setopt(curl, CURLOPT_URL, url.constData());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.constData());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_slist *headers = nullptr;
    if (upload || !body.isEmpty() || method == "POST" || method == "PUT") {
        const QByteArray type = "Content-Type: " + contentType;
        headers = curl_slist_append(headers, type.constData());
        if (upload) {
            // POST without POSTFIELDS: libcurl asks the read callback for the body.
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, supply);
            curl_easy_setopt(curl, CURLOPT_READDATA, upload);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(upload->size()));
        } else {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.constData());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, long(body.size()));
        }
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
        return std::unexpected(unreachable(m_endpoint, QString::fromUtf8(curl_easy_strerror(rc))));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

Result<QByteArray> EngineClient::call(const QString &what, const QByteArray &method, const QString &path,
                                      const QByteArray &body, QList<long> ok,
                                      std::chrono::milliseconds timeout)
{
    auto response = request(method, path, body, timeout);
    if (!response)
        return std::unexpected(response.error());
    if (ok.contains(response->status))
        return response->body;
    // The engine's own words ({"message": "…"}) rather than raw JSON.
    QString message =
        QJsonDocument::fromJson(response->body).object().value(QStringLiteral("message")).toString();
    if (message.isEmpty())
        message = QString::fromUtf8(response->body.left(200)).trimmed();
    Error e{Error::Code::Invalid,
            Text::tr("%1: the container engine refused (%2)").arg(what, message),
            m_endpoint.socketPath,
            {}};
    switch (response->status) {
    case 404:
        e.code = Error::Code::NotFound;
        e.hint = Text::tr("It does not exist (any more); refresh and try again.");
        break;
    case 409:
        e.code = Error::Code::Busy;
        e.hint = Text::tr("It is in use or already exists; stop what uses it first.");
        break;
    case 500:
        e.code = Error::Code::Unavailable;
        e.hint = Text::tr("The engine failed; its log (journalctl --user -u podman) says why.");
        break;
    default:
        break;
    }
    return std::unexpected(e);
}

Result<EngineClient::Version> EngineClient::connect()
{
    // Unversioned first: the engine says which versions it speaks.
    m_api = QString::fromLatin1(MaxApiVersion);
    auto *curl = static_cast<CURL *>(m_curl);
    if (!curl)
        return fail(Error::Code::Internal, Text::tr("cannot set up an HTTP client (libcurl)"));
    auto ping = request("GET", QStringLiteral("/_ping"), {}, std::chrono::seconds(5));
    if (!ping)
        return std::unexpected(ping.error());
    if (ping->status != 200)
        return std::unexpected(unreachable(m_endpoint, Text::tr("/_ping answered %1").arg(ping->status)));
    auto body = call(Text::tr("asking the engine's version"), "GET", QStringLiteral("/version"));
    if (!body)
        return std::unexpected(body.error());
    const QJsonObject o = QJsonDocument::fromJson(*body).object();
    Version v;
    v.version = o.value(QStringLiteral("Version")).toString();
    v.apiVersion = o.value(QStringLiteral("ApiVersion")).toString();
    v.minApiVersion = o.value(QStringLiteral("MinAPIVersion")).toString();
    v.os = o.value(QStringLiteral("Os")).toString();
    v.arch = o.value(QStringLiteral("Arch")).toString();
    v.engine = QStringLiteral("docker");
    for (const QJsonValue &c : o.value(QStringLiteral("Components")).toArray())
        if (c.toObject()
                .value(QStringLiteral("Name"))
                .toString()
                .contains(QStringLiteral("Podman"), Qt::CaseInsensitive))
            v.engine = QStringLiteral("podman");
    const QVersionNumber ours = QVersionNumber::fromString(QLatin1StringView(MaxApiVersion));
    const QVersionNumber theirs = QVersionNumber::fromString(v.apiVersion);
    const QVersionNumber oldest = QVersionNumber::fromString(v.minApiVersion);
    if (theirs.isNull())
        return fail(Error::Code::Invalid,
                    Text::tr("the container engine did not say which API version it speaks"),
                    m_endpoint.socketPath, Text::tr("Is this a Docker-compatible engine?"));
    if (!oldest.isNull() && oldest > ours)
        return fail(Error::Code::Invalid,
                    Text::tr("the container engine needs API %1 or newer; Paddock speaks up to %2")
                        .arg(v.minApiVersion, QLatin1StringView(MaxApiVersion)),
                    m_endpoint.socketPath, Text::tr("Use an older engine, or a newer Paddock."));
    m_api = (theirs < ours ? theirs : ours).toString();
    m_engine = v.engine;
    return v;
}

Result<QString> EngineClient::createInternalNetwork(const QString &name, const QMap<QString, QString> &labels)
{
    // Internal: no route out. No DNS: names are resolved by the proxy, never inside the network.
    const QJsonObject spec{
        {QStringLiteral("Name"), name},
        {QStringLiteral("Driver"), QStringLiteral("bridge")},
        {QStringLiteral("Internal"), true},
        {QStringLiteral("CheckDuplicate"), true},
        {QStringLiteral("Options"), QJsonObject{{QStringLiteral("dns_enabled"), QStringLiteral("false")}}},
        {QStringLiteral("Labels"), labelObject(labels)}};
    auto body = call(Text::tr("creating network %1").arg(name), "POST", QStringLiteral("/networks/create"),
                     QJsonDocument(spec).toJson(QJsonDocument::Compact));
    if (!body)
        return std::unexpected(body.error());
    return QJsonDocument::fromJson(*body).object().value(QStringLiteral("Id")).toString();
}

Result<void> EngineClient::removeNetwork(const QString &name)
{
    auto body = call(Text::tr("removing network %1").arg(name), "DELETE",
                     QStringLiteral("/networks/") + QString::fromLatin1(QUrl::toPercentEncoding(name)));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<QJsonArray> EngineClient::networks(const QString &label)
{
    auto body = call(Text::tr("listing networks"), "GET", QStringLiteral("/networks"));
    if (!body)
        return std::unexpected(body.error());
    QJsonArray out;
    for (const QJsonValue &n : QJsonDocument::fromJson(*body).array())
        if (label.isEmpty() || hasLabel(n.toObject(), label))
            out.append(n);
    return out;
}

Result<void> EngineClient::createVolume(const QString &name, const QMap<QString, QString> &labels)
{
    const QJsonObject spec{{QStringLiteral("Name"), name}, {QStringLiteral("Labels"), labelObject(labels)}};
    auto body = call(Text::tr("creating volume %1").arg(name), "POST", QStringLiteral("/volumes/create"),
                     QJsonDocument(spec).toJson(QJsonDocument::Compact));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<void> EngineClient::removeVolume(const QString &name)
{
    auto body = call(Text::tr("removing volume %1").arg(name), "DELETE",
                     QStringLiteral("/volumes/") + QString::fromLatin1(QUrl::toPercentEncoding(name)));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<QJsonArray> EngineClient::volumes(const QString &label)
{
    auto body = call(Text::tr("listing volumes"), "GET", QStringLiteral("/volumes"));
    if (!body)
        return std::unexpected(body.error());
    QJsonArray out;
    for (const QJsonValue &v :
         QJsonDocument::fromJson(*body).object().value(QStringLiteral("Volumes")).toArray())
        if (label.isEmpty() || hasLabel(v.toObject(), label))
            out.append(v);
    return out;
}

Result<QJsonArray> EngineClient::containers(const QString &label, bool all)
{
    auto body = call(Text::tr("listing containers"), "GET",
                     QStringLiteral("/containers/json?all=") +
                         (all ? QStringLiteral("true") : QStringLiteral("false")));
    if (!body)
        return std::unexpected(body.error());
    QJsonArray out;
    for (const QJsonValue &c : QJsonDocument::fromJson(*body).array())
        if (label.isEmpty() || hasLabel(c.toObject(), label))
            out.append(c);
    return out;
}

QString EngineClient::encoded(const QString &name)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(name));
}

Result<QString> EngineClient::importImage(const QByteArray &tar, const QString &repository,
                                          const QString &tag, const QStringList &changes)
{
    return import(tar, nullptr, repository, tag, changes);
}

Result<QString> EngineClient::importImageFile(const QString &tarPath, const QString &repository,
                                              const QString &tag, const QStringList &changes)
{
    QFile file(tarPath);
    if (!file.open(QIODevice::ReadOnly))
        return fail(Error::Code::Io, Text::tr("cannot read the image archive (%1)").arg(file.errorString()),
                    tarPath, Text::tr("Check that the file exists and is readable."));
    return import({}, &file, repository, tag, changes);
}

Result<QString> EngineClient::import(const QByteArray &tar, QIODevice *upload, const QString &repository,
                                     const QString &tag, const QStringList &changes)
{
    if (m_engine.isEmpty())
        if (auto v = connect(); !v)
            return std::unexpected(v.error());
    const bool podman = m_engine == QLatin1StringView("podman");
    QString path = podman ? QStringLiteral("/libpod/images/import?reference=%1")
                                .arg(encoded(repository + QLatin1Char(':') + tag))
                          : QStringLiteral("/images/create?fromSrc=-&repo=%1&tag=%2")
                                .arg(encoded(repository), encoded(tag));
    for (const QString &change : changes)
        path += QStringLiteral("&changes=") + encoded(change);
    auto response = send("POST", path, tar, "application/x-tar", std::chrono::minutes(10), upload);
    if (!response)
        return std::unexpected(response.error());
    // Docker answers with a stream of JSON progress objects, an error being one of them; podman's
    // own endpoint with one object, {"Id": …}, or its error message.
    QString id;
    if (podman && response->status == 200)
        return QJsonDocument::fromJson(response->body).object().value(QStringLiteral("Id")).toString();
    for (const QByteArray &line : response->body.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.contains(QStringLiteral("error")) || o.contains(QStringLiteral("errorDetail")))
            return fail(Error::Code::Invalid,
                        Text::tr("importing image %1:%2: %3")
                            .arg(repository, tag, o.value(QStringLiteral("error")).toString()),
                        m_endpoint.socketPath,
                        Text::tr("Check that the archive is a root file system (a tar)."));
        if (o.contains(QStringLiteral("id")))
            id = o.value(QStringLiteral("id")).toString();
    }
    if (response->status != 200 && response->status != 201) {
        QString message =
            QJsonDocument::fromJson(response->body).object().value(QStringLiteral("message")).toString();
        if (message.isEmpty())
            message = Text::tr("the engine answered %1").arg(response->status);
        return fail(Error::Code::Invalid, Text::tr("importing image %1:%2: %3").arg(repository, tag, message),
                    m_endpoint.socketPath,
                    Text::tr("Check that the archive is a root file system (a tar) and that the image "
                             "settings are valid."));
    }
    return id;
}

Result<QJsonObject> EngineClient::inspectImage(const QString &name)
{
    auto body = call(Text::tr("inspecting image %1").arg(name), "GET",
                     QStringLiteral("/images/%1/json").arg(encoded(name)));
    if (!body)
        return std::unexpected(body.error());
    return QJsonDocument::fromJson(*body).object();
}

Result<void> EngineClient::removeImage(const QString &name)
{
    auto body = call(Text::tr("removing image %1").arg(name), "DELETE",
                     QStringLiteral("/images/%1").arg(encoded(name)));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<void> EngineClient::connectNetwork(const QString &network, const QString &container)
{
    const QJsonObject spec{{QStringLiteral("Container"), container}};
    auto body = call(Text::tr("connecting container %1 to network %2").arg(container, network), "POST",
                     QStringLiteral("/networks/%1/connect").arg(encoded(network)),
                     QJsonDocument(spec).toJson(QJsonDocument::Compact));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<void> EngineClient::disconnectNetwork(const QString &network, const QString &container, bool force)
{
    const QJsonObject spec{{QStringLiteral("Container"), container}, {QStringLiteral("Force"), force}};
    auto body = call(Text::tr("disconnecting container %1 from network %2").arg(container, network), "POST",
                     QStringLiteral("/networks/%1/disconnect").arg(encoded(network)),
                     QJsonDocument(spec).toJson(QJsonDocument::Compact));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<QJsonArray> EngineClient::images(const QString &label)
{
    auto body = call(Text::tr("listing images"), "GET", QStringLiteral("/images/json"));
    if (!body)
        return std::unexpected(body.error());
    QJsonArray out;
    for (const QJsonValue &i : QJsonDocument::fromJson(*body).array())
        if (label.isEmpty() || hasLabel(i.toObject(), label))
            out.append(i);
    return out;
}

Result<QString> EngineClient::createContainer(const QString &name, const QJsonObject &spec)
{
    auto body = call(Text::tr("creating container %1").arg(name), "POST",
                     QStringLiteral("/containers/create?name=%1").arg(encoded(name)),
                     QJsonDocument(spec).toJson(QJsonDocument::Compact));
    if (!body)
        return std::unexpected(body.error());
    return QJsonDocument::fromJson(*body).object().value(QStringLiteral("Id")).toString();
}

Result<void> EngineClient::startContainer(const QString &name)
{
    // 304: already running. runc's handshake with the container's init can fail under load ("waiting
    // for init preliminary setup: read init-p: connection reset by peer"); the container stays
    // created, and starting it again works: twice more, a moment apart, before it is an error.
    for (int attempt = 0;; ++attempt) {
        auto body = call(Text::tr("starting container %1").arg(name), "POST",
                         QStringLiteral("/containers/%1/start").arg(encoded(name)), {}, {204, 304});
        if (body)
            return {};
        if (attempt == 2 || !body.error().message.contains(QLatin1StringView("init preliminary setup")))
            return std::unexpected(body.error());
        QThread::msleep(100 * (attempt + 1));
    }
}

Result<void> EngineClient::stopContainer(const QString &name, int timeoutSeconds)
{
    // 304: not running. The engine waits `timeoutSeconds` before it kills: so may we.
    auto body = call(Text::tr("stopping container %1").arg(name), "POST",
                     QStringLiteral("/containers/%1/stop?t=%2").arg(encoded(name)).arg(timeoutSeconds), {},
                     {204, 304}, std::chrono::seconds(timeoutSeconds + 30));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<void> EngineClient::killContainer(const QString &name, const QString &signal)
{
    auto body = call(Text::tr("killing container %1").arg(name), "POST",
                     QStringLiteral("/containers/%1/kill?signal=%2").arg(encoded(name), encoded(signal)));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<void> EngineClient::removeContainer(const QString &name, bool force, bool volumes)
{
    auto body = call(Text::tr("removing container %1").arg(name), "DELETE",
                     QStringLiteral("/containers/%1?force=%2&v=%3")
                         .arg(encoded(name), force ? QStringLiteral("true") : QStringLiteral("false"),
                              volumes ? QStringLiteral("true") : QStringLiteral("false")));
    if (!body)
        return std::unexpected(body.error());
    return {};
}

Result<QJsonObject> EngineClient::inspectContainer(const QString &name)
{
    auto body = call(Text::tr("inspecting container %1").arg(name), "GET",
                     QStringLiteral("/containers/%1/json").arg(encoded(name)));
    if (!body)
        return std::unexpected(body.error());
    return QJsonDocument::fromJson(*body).object();
}

Result<int> EngineClient::waitContainer(const QString &name, std::chrono::milliseconds timeout)
{
    auto body = call(Text::tr("waiting for container %1").arg(name), "POST",
                     QStringLiteral("/containers/%1/wait?condition=not-running").arg(encoded(name)), {},
                     {200}, timeout);
    if (!body)
        return std::unexpected(body.error());
    return QJsonDocument::fromJson(*body).object().value(QStringLiteral("StatusCode")).toInt();
}

EngineClient::ContainerStats EngineClient::parseStats(const QJsonObject &o)
{
    ContainerStats st;
    const QJsonObject cpu = o.value(QStringLiteral("cpu_stats")).toObject();
    st.cpuTotalNs =
        cpu.value(QStringLiteral("cpu_usage")).toObject().value(QStringLiteral("total_usage")).toInteger();
    st.systemNs = cpu.value(QStringLiteral("system_cpu_usage")).toInteger();
    st.onlineCpus = std::max(1, cpu.value(QStringLiteral("online_cpus")).toInt());
    const QJsonObject memory = o.value(QStringLiteral("memory_stats")).toObject();
    st.memoryBytes = memory.value(QStringLiteral("usage")).toInteger();
    st.memoryLimit = memory.value(QStringLiteral("limit")).toInteger();
    st.pids = o.value(QStringLiteral("pids_stats")).toObject().value(QStringLiteral("current")).toInt();
    const QJsonObject networks = o.value(QStringLiteral("networks")).toObject();
    for (auto it = networks.begin(); it != networks.end(); ++it) {
        st.rxBytes += it.value().toObject().value(QStringLiteral("rx_bytes")).toInteger();
        st.txBytes += it.value().toObject().value(QStringLiteral("tx_bytes")).toInteger();
    }
    return st;
}

double EngineClient::cpuPercent(const ContainerStats &previous, const ContainerStats &current)
{
    const qint64 container = current.cpuTotalNs - previous.cpuTotalNs;
    const qint64 system = current.systemNs - previous.systemNs;
    if (container <= 0 || system <= 0)
        return 0;
    return double(container) / double(system) * current.onlineCpus * 100.0;
}

Result<EngineClient::ContainerStats> EngineClient::stats(const QString &name)
{
    auto body = call(Text::tr("reading the statistics of container %1").arg(name), "GET",
                     QStringLiteral("/containers/%1/stats?stream=false").arg(encoded(name)));
    if (!body)
        return std::unexpected(body.error());
    return parseStats(QJsonDocument::fromJson(*body).object());
}

QList<EngineClient::LogLine> EngineClient::demultiplex(QByteArray &rest, const QByteArray &chunk)
{
    // Frames: [stream (1 = stdout, 2 = stderr), 0, 0, 0, size (4 bytes, big-endian)] then the bytes.
    rest += chunk;
    QList<LogLine> lines;
    qsizetype at = 0;
    while (rest.size() - at >= 8) {
        const auto *h = reinterpret_cast<const unsigned char *>(rest.constData() + at);
        const quint32 size =
            (quint32(h[4]) << 24) | (quint32(h[5]) << 16) | (quint32(h[6]) << 8) | quint32(h[7]);
        if (rest.size() - at - 8 < qsizetype(size))
            break;
        const auto stream = h[0] == 2 ? LogLine::Stream::Stderr : LogLine::Stream::Stdout;
        const QByteArray payload = rest.mid(at + 8, size);
        for (const QByteArray &line : payload.split('\n'))
            lines.push_back(LogLine{stream, line});
        if (payload.endsWith('\n'))
            lines.removeLast(); // the empty piece after the final newline
        at += 8 + qsizetype(size);
    }
    rest.remove(0, at);
    return lines;
}

Result<QList<EngineClient::LogLine>> EngineClient::logs(const QString &name, int tail)
{
    auto body = call(Text::tr("reading the log of container %1").arg(name), "GET",
                     QStringLiteral("/containers/%1/logs?stdout=true&stderr=true&tail=%2")
                         .arg(encoded(name), tail < 0 ? QStringLiteral("all") : QString::number(tail)));
    if (!body)
        return std::unexpected(body.error());
    QByteArray rest;
    return demultiplex(rest, *body);
}

namespace {
// The engine's multiplexed stream (8-byte frame headers) as the bytes of stdout and of stderr.
void splitStreams(const QByteArray &stream, QByteArray &out, QByteArray &err)
{
    qsizetype at = 0;
    while (stream.size() - at >= 8) {
        const auto *h = reinterpret_cast<const unsigned char *>(stream.constData() + at);
        const quint32 size =
            (quint32(h[4]) << 24) | (quint32(h[5]) << 16) | (quint32(h[6]) << 8) | quint32(h[7]);
        const QByteArray payload = stream.mid(at + 8, qsizetype(size));
        (h[0] == 2 ? err : out) += payload;
        at += 8 + qsizetype(size);
    }
}

QJsonArray stringArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

} // namespace

Result<EngineClient::ExecResult> EngineClient::exec(const QString &container, const QStringList &argv,
                                                    const QString &user, const QStringList &env,
                                                    std::chrono::milliseconds timeout)
{
    const QString what = Text::tr("running %1 in container %2").arg(argv.value(0), container);
    QJsonObject spec{{QStringLiteral("AttachStdin"), false},
                     {QStringLiteral("AttachStdout"), true},
                     {QStringLiteral("AttachStderr"), true},
                     {QStringLiteral("Tty"), false},
                     {QStringLiteral("Cmd"), stringArray(argv)}};
    if (!user.isEmpty())
        spec.insert(QStringLiteral("User"), user);
    if (!env.isEmpty())
        spec.insert(QStringLiteral("Env"), stringArray(env));
    auto created = call(what, "POST", QStringLiteral("/containers/%1/exec").arg(encoded(container)),
                        QJsonDocument(spec).toJson(QJsonDocument::Compact), {201, 200});
    if (!created)
        return std::unexpected(created.error());
    const QString id = QJsonDocument::fromJson(*created).object().value(QStringLiteral("Id")).toString();
    if (id.isEmpty())
        return fail(Error::Code::Internal, Text::tr("%1: the engine gave no exec session").arg(what),
                    m_endpoint.socketPath, {});
    auto stream =
        call(what, "POST", QStringLiteral("/exec/%1/start").arg(encoded(id)),
             QJsonDocument(QJsonObject{{QStringLiteral("Detach"), false}, {QStringLiteral("Tty"), false}})
                 .toJson(QJsonDocument::Compact),
             {200}, timeout);
    if (!stream)
        return std::unexpected(stream.error());
    ExecResult result;
    splitStreams(*stream, result.stdoutText, result.stderrText);
    // The output ends when the process does; the engine may take a moment to record its exit code.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto state = call(what, "GET", QStringLiteral("/exec/%1/json").arg(encoded(id)));
        if (!state)
            return std::unexpected(state.error());
        const QJsonObject o = QJsonDocument::fromJson(*state).object();
        if (!o.value(QStringLiteral("Running")).toBool() && !o.value(QStringLiteral("ExitCode")).isNull()) {
            result.exitCode = o.value(QStringLiteral("ExitCode")).toInt(-1);
            return result;
        }
        QThread::msleep(20);
    }
    return fail(Error::Code::Unavailable, Text::tr("%1: the engine does not say how it ended").arg(what),
                m_endpoint.socketPath,
                Text::tr("Check the container's state with podman ps, then try again."));
}

Result<void> EngineClient::putArchive(const QString &container, const QString &path, const QByteArray &tar)
{
    auto response =
        send("PUT", QStringLiteral("/containers/%1/archive?path=%2").arg(encoded(container), encoded(path)),
             tar, "application/x-tar", std::chrono::minutes(10));
    if (!response)
        return std::unexpected(response.error());
    if (response->status == 200)
        return {};
    const QString message =
        QJsonDocument::fromJson(response->body).object().value(QStringLiteral("message")).toString();
    return fail(response->status == 404 ? Error::Code::NotFound : Error::Code::Invalid,
                Text::tr("copying files into %1 of container %2: the container engine refused (%3)")
                    .arg(path, container, message.isEmpty() ? QString::number(response->status) : message),
                m_endpoint.socketPath,
                Text::tr("Check that the container exists and that %1 is a folder in it.").arg(path));
}

Result<QByteArray> EngineClient::getArchive(const QString &container, const QString &path)
{
    return call(Text::tr("copying %1 out of container %2").arg(path, container), "GET",
                QStringLiteral("/containers/%1/archive?path=%2").arg(encoded(container), encoded(path)), {},
                {200}, std::chrono::minutes(10));
}

} // namespace paddock
