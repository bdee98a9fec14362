// The egress proxy's way to a destination once a connection is allowed (dialling its checked
// addresses in turn, or the upstream proxy), and the copying both ways.
#include "proxy/ProxyWorker.h"

#include "proxy/ProxyMessages.h"

#include <QCoreApplication>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};
} // namespace

// --- dialling --------------------------------------------------------------------------------

void ProxyWorker::dial(Conn &c)
{
    IpAddress target;
    int port = c.request.port;
    if (c.viaUpstream || !m_proxy.upstreamHost.isEmpty()) {
        c.viaUpstream = true;
        target = **AddressGuard::parseLiteral(m_proxy.upstreamHost);
        port = m_proxy.upstreamPort;
    } else {
        if (c.nextCandidate >= c.candidates.size())
            return failed(c, 502, Text::tr("no address of %1 could be reached").arg(c.resource));
        target = c.candidates[c.nextCandidate++];
    }
    if (c.upstream >= 0) {
        ::close(c.upstream); // leaves the epoll set with it
        c.upstream = -1;
    }
    const SockAddr sa = toSockAddr(target, port);
    const int fd = ::socket(target.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed(c, 502,
                      Text::tr("no socket for %1: %2").arg(c.resource, QString::fromUtf8(strerror(errno))));
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c.upstream = fd;
    c.upstreamReadable = c.upstreamWritable = c.upstreamHangup = false;
    c.phase = Phase::Connecting;
    c.deadlineUs = nowUs() + qint64(c.limits.connectTimeoutMs) * 1000;
    if (::connect(fd, sa.get(), sa.length) == 0 || errno == EINPROGRESS) {
        watch(fd, keyOf(c.id, UpstreamKey)); // EPOLLOUT once connected (or failed)
        return;
    }
    c.error = QString::fromUtf8(strerror(errno));
    dial(c); // the next address, or 502
}

void ProxyWorker::connected(Conn &c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        c.error = QString::fromUtf8(strerror(err));
        return dial(c);
    }
    if (c.viaUpstream && c.request.connect) {
        const QByteArray target = c.resource.toUtf8();
        c.toUpstream.prepend("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
        c.phase = Phase::UpstreamProxy;
        c.deadlineUs = nowUs() + qint64(c.limits.connectTimeoutMs) * 1000;
        return pump(c);
    }
    established(c);
}

void ProxyWorker::readUpstreamProxy(Conn &c)
{
    while (const auto got = readReady(c.upstream, c.upstreamReadable)) {
        const ssize_t n = *got;
        if (n <= 0)
            return failed(c, 502, Text::tr("the upstream proxy closed the connection"));
        c.responseHead.append(m_scratch.data(), n);
        const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
        if (end < 0) {
            if (c.responseHead.size() > RequestParser::MaxHeadBytes)
                return failed(c, 502, Text::tr("the upstream proxy's answer is too long"));
            continue;
        }
        const QByteArray statusLine = c.responseHead.left(c.responseHead.indexOf("\r\n"));
        const QList<QByteArray> parts = statusLine.split(' ');
        if (parts.size() < 2 || parts[1] != "200")
            return failed(
                c, 502,
                Text::tr("the upstream proxy refused: %1").arg(QString::fromLatin1(statusLine.left(200))));
        // Bytes past its head are the destination's already.
        c.toClient = c.responseHead.mid(end + 4);
        c.responseHead.clear();
        return established(c);
    }
}

void ProxyWorker::established(Conn &c)
{
    c.lastUs = nowUs();
    c.deadlineUs = c.limits.totalTimeoutMs > 0 ? c.startUs + qint64(c.limits.totalTimeoutMs) * 1000 : 0;
    if (c.request.connect) {
        c.phase = Phase::Tunnel;
        static constexpr char answer[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        c.toClient.prepend(answer);
        c.bytesDown -= qint64(sizeof(answer) - 1); // the proxy's own answer is no tunnel byte
        c.toUpstream.append(c.early);
    } else {
        c.phase = Phase::Forward;
        // The early body was checked already.
        c.toUpstream = ProxyMessages::forwardHead(c.request, c.resource, c.viaUpstream) + c.early;
    }
    c.early = QByteArray();
    c.clientReadable = true; // not read while deciding: see what came meanwhile
    relay(c);
}

// --- copying ---------------------------------------------------------------------------------

// Writes what waits for the client (toClient) or the destination; false when the
// connection ended.
bool ProxyWorker::flush(Conn &c, bool toClient, bool count)
{
    QByteArray &pending = toClient ? c.toClient : c.toUpstream;
    const int fd = toClient ? c.client : c.upstream;
    bool &writable = toClient ? c.clientWritable : c.upstreamWritable;
    while (!pending.isEmpty() && writable) {
        const ssize_t w = ::send(fd, pending.constData(), size_t(pending.size()), MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                writable = false;
                break;
            }
            finish(c,
                   toClient
                       ? Text::tr("the client went away")
                       : Text::tr("the destination went away: %1").arg(QString::fromUtf8(strerror(errno))));
            return false;
        }
        if (count)
            (toClient ? c.bytesDown : c.bytesUp) += w;
        if (w < pending.size())
            writable = false; // a short write: the socket's buffer is full
        pending.remove(0, w);
    }
    if (pending.isEmpty())
        pending = QByteArray(); // give the memory back while idle
    return true;
}

// Passes on an end of stream once everything before it has been written; ends the connection
// once both directions are done. False when it ended.
bool ProxyWorker::shutdowns(Conn &c)
{
    if (c.clientEof && !c.upShut && c.toUpstream.isEmpty() && c.upstream >= 0) {
        ::shutdown(c.upstream, SHUT_WR);
        c.upShut = true;
    }
    if (c.upstreamEof && !c.downShut && c.toClient.isEmpty() && c.client >= 0) {
        ::shutdown(c.client, SHUT_WR);
        c.downShut = true;
    }
    const bool upDone = c.upShut || (c.phase == Phase::Forward && c.requestDone);
    if (c.downShut && upDone) {
        finish(c, {});
        return false;
    }
    return true;
}

// How much this connection may read now (the persona's byte budget); 0 throttles it.
qint64 ProxyWorker::allowance(Conn &c)
{
    if (c.limits.bytesPerSecond <= 0)
        return EgressProxy::BufferBytes;
    const qint64 a = c.persona->bytesAvailable(nowUs(), EgressProxy::BufferBytes);
    if (a <= 0) {
        c.throttled = true;
        m_throttled.insert(c.id);
    }
    return a;
}

void ProxyWorker::spend(Conn &c, qint64 n)
{
    if (c.limits.bytesPerSecond <= 0)
        return;
    c.persona->spendBytes(n);
}

void ProxyWorker::relay(Conn &c)
{
    const quint64 id = c.id;
    for (bool progress = true; progress;) {
        progress = false;
        // client → destination
        if (!c.toUpstream.isEmpty()) {
            const qsizetype before = c.toUpstream.size();
            if (c.upstreamWritable && !flush(c, false))
                return;
            progress |= c.toUpstream.size() < before;
        } else if (c.clientReadable && !c.clientEof && !c.throttled &&
                   !(c.phase == Phase::Forward && c.requestDone)) {
            if (!readSide(c, true, &progress))
                return;
        }
        // destination → client
        if (!c.toClient.isEmpty()) {
            const qsizetype before = c.toClient.size();
            if (c.clientWritable && !flush(c, true))
                return;
            progress |= c.toClient.size() < before;
        } else if (c.upstreamReadable && !c.upstreamEof && !c.throttled) {
            if (!readSide(c, false, &progress))
                return;
        }
        if (!alive(id) || !shutdowns(c))
            return;
    }
}

// One read from the client (up) or the destination, passed on at once; false when the
// connection ended.
bool ProxyWorker::readSide(Conn &c, bool up, bool *progress)
{
    const qint64 max = allowance(c);
    if (max <= 0)
        return true;
    const int fd = up ? c.client : c.upstream;
    const ssize_t n = ::read(fd, m_scratch.data(), size_t(max));
    if (n < 0) {
        if (errno == EINTR)
            return *progress = true;
        if (errno == EAGAIN) {
            (up ? c.clientReadable : c.upstreamReadable) = false;
            return true;
        }
        finish(c, up ? Text::tr("the client reset the connection")
                     : Text::tr("the destination reset the connection"));
        return false;
    }
    *progress = true;
    c.lastUs = nowUs();
    // A short read emptied the socket: the next bytes come with an edge of their own, so
    // no read is spent on hearing EAGAIN.
    // (Unless its end was announced: that edge has come already.)
    if (n > 0 && n < max && !(up ? c.clientHangup : c.upstreamHangup))
        (up ? c.clientReadable : c.upstreamReadable) = false;
    if (n == 0) {
        if (up) {
            c.clientEof = true;
        } else {
            c.upstreamEof = true;
            if (c.phase == Phase::Forward && !c.responseHeadDone && !c.responseHead.isEmpty())
                c.toClient = std::exchange(c.responseHead, {}); // a head cut short goes as it came
        }
        return true;
    }
    spend(c, n);
    if (up) {
        if (c.phase == Phase::Forward) {
            // Body bytes, checked by the parser before they are passed on.
            const RequestParser::State state = c.parser->feed(m_scratch.data(), n);
            if (state == RequestParser::State::Invalid) {
                finish(c, Text::tr("invalid request body: %1").arg(c.parser->error()));
                return false;
            }
            c.toUpstream.append(m_scratch.data(), c.parser->consumed());
            c.requestDone = state == RequestParser::State::Complete || c.parser->isComplete();
        } else {
            c.toUpstream.append(m_scratch.data(), n);
        }
    } else if (c.phase == Phase::Forward && !c.responseHeadDone) {
        c.responseHead.append(m_scratch.data(), n);
        const qsizetype end = c.responseHead.indexOf("\r\n\r\n");
        if (end < 0) {
            if (c.responseHead.size() > RequestParser::MaxHeadBytes) {
                finish(c, Text::tr("the response head is over 64 KiB"));
                return false;
            }
            return true;
        }
        c.responseHeadDone = true;
        c.toClient = ProxyMessages::responseHead(c.responseHead.left(end)) + c.responseHead.mid(end + 4);
        c.responseHead = QByteArray();
    } else {
        c.toClient.append(m_scratch.data(), n);
    }
    return true;
}

void ProxyWorker::resumeThrottled()
{
    std::vector<quint64> ids(m_throttled.begin(), m_throttled.end());
    m_throttled.clear();
    for (quint64 id : ids)
        if (auto it = m_conns.find(id); it != m_conns.end()) {
            it->second->throttled = false;
            relay(*it->second);
        }
}

} // namespace paddock
