#pragma once

#include <QByteArray>
#include <QString>

namespace paddock {

struct ProxyRequest;

// What the egress proxy writes itself: its own answers, and the heads it forwards in plain HTTP.
// Hop-by-hop fields (RFC 9110 7.6.1) are never forwarded, nor those the Connection field names;
// what is forwarded says `Via: 1.1 paddock` and `Connection: close` (one request per connection).
class ProxyMessages final
{
public:
    // An answer other than a tunnel's 200: the status, the reason as X-Paddock-Reason and as the
    // body, and Connection: close.
    static QByteArray answer(int status, const QString &reason);

    // A plain HTTP request's head as it goes to the destination (origin form) or through an
    // upstream proxy (absolute form), the body framed as it came (chunked or not).
    static QByteArray forwardHead(const ProxyRequest &request, const QString &resource, bool viaUpstream);

    // The destination's response head (without its blank line) as it goes to the client: its
    // hop-by-hop fields removed and the proxy's own version; the client's connection ends with it.
    static QByteArray responseHead(const QByteArray &head);
};

} // namespace paddock
