#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <utility>

namespace paddock {

// A request to the egress proxy as far as its head: a CONNECT to host:port, or an absolute-form
// HTTP request (http://host[:port]/path) to forward in origin form.
struct ProxyRequest
{
    QByteArray method;
    bool connect = false;
    QString host; // lower case; an IPv6 literal without brackets
    int port = 0;
    QByteArray path; // origin form ("/a?b") for forwarding; empty for CONNECT
    QList<std::pair<QByteArray, QByteArray>> headers; // as received, in order
    bool chunked = false;
    qint64 contentLength = -1; // -1: none
    qsizetype headLength = 0;  // bytes of the head: the body or the tunnel starts here
};

// Reads requests to the forward proxy with llhttp (strict: no lenient flags), so that what the
// proxy forwards is exactly what it checked. Refused, as a 400 that is never forwarded: anything
// llhttp refuses (obs-fold, Content-Length with Transfer-Encoding, duplicate Content-Length, a
// Transfer-Encoding that does not end in chunked, bad chunk sizes, bare CR or LF, bad tokens), a
// head over 64 KiB, a target that is neither authority form (CONNECT) nor absolute http:// form,
// more than one Host header, and a Host that disagrees with the target.
class RequestParser final
{
public:
    static constexpr qsizetype MaxHeadBytes = 64 * 1024;
    enum class State {
        NeedMore, // give it more bytes
        Head,     // the head is complete: request()
        Body,     // body bytes accepted; more to come
        Complete, // the body is complete (consumed() says where the next request starts)
        Invalid,  // error(): answer 400 and close
    };

    RequestParser();
    ~RequestParser();
    RequestParser(const RequestParser &) = delete;
    RequestParser &operator=(const RequestParser &) = delete;

    // Feeds the next bytes of the connection. Until Head, bytes are parsed as the head; after it,
    // as the body (chunking checked), stopping at the end of the message.
    State feed(const char *data, qsizetype size);
    State feed(const QByteArray &bytes) { return feed(bytes.constData(), bytes.size()); }

    const ProxyRequest &request() const { return m_request; }
    // Whether the message ended with its head (a request without a body). The next request on
    // the connection is read by a new parser from the bytes after consumed().
    bool isComplete() const { return m_messageDone; }
    // What was wrong, for the 400's reason (never the request's own bytes beyond a short quote).
    QString error() const { return m_error; }
    // Bytes of the last feed() that belong to this message (the rest is the next request's, or
    // the tunnel's for CONNECT).
    qsizetype consumed() const { return m_consumed; }

    struct Callbacks;

private:
    State finishHead();
    State invalid(const QString &why);

    struct Llhttp;
    std::unique_ptr<Llhttp> m_llhttp;
    ProxyRequest m_request;
    QByteArray m_url;
    QByteArray m_field;
    QByteArray m_value;
    bool m_inValue = false;
    bool m_headDone = false;
    bool m_messageDone = false;
    qsizetype m_headBytes = 0;
    qsizetype m_consumed = 0;
    State m_state = State::NeedMore;
    QString m_error;
};

} // namespace paddock
