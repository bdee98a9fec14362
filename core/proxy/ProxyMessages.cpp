#include "proxy/ProxyMessages.h"

#include "proxy/EgressProxy.h"
#include "proxy/RequestParser.h"

#include <QList>

#include <utility>

namespace paddock {

namespace {

const char *statusText(int status)
{
    switch (status) {
    case 200:
        return "Connection established";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

// A header value that can be sent: printable ASCII, nothing that ends the line.
QByteArray headerSafe(const QString &text)
{
    QByteArray out;
    for (const char c : text.toUtf8())
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out.left(400);
}

// Hop-by-hop fields (RFC 9110 7.6.1), never forwarded; with those the Connection field names.
bool isHopByHop(const QByteArray &name)
{
    static const char *const fields[] = {
        "connection",          "proxy-connection",   "keep-alive",       "te", "trailer", "upgrade",
        "proxy-authorization", "proxy-authenticate", "transfer-encoding"};
    for (const char *f : fields)
        if (name.compare(f, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

QList<QByteArray> connectionOptions(const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QList<QByteArray> out;
    for (const auto &[name, value] : headers)
        if (name.compare("connection", Qt::CaseInsensitive) == 0 ||
            name.compare("proxy-connection", Qt::CaseInsensitive) == 0)
            for (const QByteArray &option : value.split(','))
                if (const QByteArray o = option.trimmed().toLower(); !o.isEmpty())
                    out << o;
    return out;
}

} // namespace

QByteArray ProxyMessages::answer(int status, const QString &reason)
{
    const QByteArray body = reason.toUtf8() + '\n';
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status) + "\r\n";
    out += QByteArray(EgressProxy::ReasonHeader) + ": " + headerSafe(reason) + "\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
    return out;
}

QByteArray ProxyMessages::forwardHead(const ProxyRequest &r, const QString &resource, bool viaUpstream)
{
    const QList<QByteArray> options = connectionOptions(r.headers);
    QByteArray out;
    out.reserve(1024);
    out += r.method + ' ';
    if (viaUpstream)
        out += "http://" + resource.toUtf8() + r.path;
    else
        out += r.path;
    out += " HTTP/1.1\r\n";
    bool hasHost = false;
    for (const auto &[name, value] : r.headers) {
        const QByteArray lower = name.toLower();
        if (lower == "host")
            hasHost = true;
        if (isHopByHop(name) && lower != "transfer-encoding")
            continue; // the body is forwarded as framed, chunked or not
        if (options.contains(lower))
            continue;
        out += name + ": " + value + "\r\n";
    }
    if (!hasHost)
        out += "Host: " + (r.port == 80 ? r.host.toUtf8() : resource.toUtf8()) + "\r\n";
    out += "Via: 1.1 paddock\r\nConnection: close\r\n\r\n";
    return out;
}

QByteArray ProxyMessages::responseHead(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    QList<std::pair<QByteArray, QByteArray>> fields;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].endsWith('\r') ? lines[i].chopped(1) : lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            fields.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    const QList<QByteArray> options = connectionOptions(fields);
    QByteArray status = lines.value(0).endsWith('\r') ? lines.value(0).chopped(1) : lines.value(0);
    if (status.startsWith("HTTP/1.0 ") || status.startsWith("HTTP/1.1 "))
        status = "HTTP/1.1 " + status.mid(9);
    QByteArray out = status + "\r\n";
    for (const auto &[name, value] : fields) {
        if ((isHopByHop(name) && name.compare("transfer-encoding", Qt::CaseInsensitive) != 0) ||
            options.contains(name.toLower()))
            continue;
        out += name + ": " + value + "\r\n";
    }
    out += "Via: 1.1 paddock\r\nConnection: close\r\n\r\n";
    return out;
}

} // namespace paddock
