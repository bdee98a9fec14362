// How a connection of the egress proxy ends: its decision counted, recorded and answered (or
// dialled) in conclude(), its tunnel's end in finish().
#include "proxy/ProxyWorker.h"

#include "audit/AuditStore.h"
#include "proxy/ProxyMessages.h"

#include <QJsonObject>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace paddock {

namespace {

QString actionName(const ProxyRequest &request)
{
    return request.connect ? QStringLiteral("connect") : QStringLiteral("http");
}

} // namespace

// Every decision on a connection comes here, and nowhere else: the persona's counters, the audit
// event, and then the dial or the answer. A connection that was allowed but cannot reach its
// destination (502, 504) ends here too, recorded as the close of what was allowed.
void ProxyWorker::conclude(Conn &c, ProxyVerdict v)
{
    if (!v.addresses.empty())
        c.candidates = std::move(v.addresses);
    ProxyPersonaState *ps = c.persona.get();
    if (v.allow) {
        ++(v.wouldDeny ? ps->wouldDeny : ps->allowed);
        record(c, v);
        c.counted = true;
        ++ps->active;
        return dial(c);
    }
    if (ps) {
        switch (v.status) {
        case 400:
            ++ps->invalid;
            break;
        case 429:
            ++ps->limited;
            break;
        case 502:
        case 504:
            ++ps->failed;
            break;
        case 408: // nothing was asked
            break;
        default: // 403; 503 when the audit log cannot be written
            ++ps->denied;
            break;
        }
    }
    if (c.counted)
        recordClose(c, v.reason);
    else if (v.status != 408 && v.status != 503) // nothing was asked; nothing can be recorded
        record(c, v);
    respond(c, v.status, v.reason);
}

void ProxyWorker::failed(Conn &c, int status, const QString &reason)
{
    const QString why = c.error.isEmpty() ? reason : reason + QStringLiteral(" (") + c.error + u')';
    if (!relaying(c))
        return conclude(c, ProxyVerdict::refused(status, why));
    ++c.persona->failed;
    finish(c, why);
}

// Answers with an error and closes: the client's end is shut down, and what it still sends
// is read and dropped until it closes (so that the answer is not lost to a reset).
void ProxyWorker::respond(Conn &c, int status, const QString &reason)
{
    const QByteArray out = ProxyMessages::answer(status, reason);
    (void)::send(c.client, out.constData(), size_t(out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(c.client, SHUT_WR);
    if (c.upstream >= 0) {
        ::close(c.upstream);
        c.upstream = -1;
    }
    c.parser.reset();
    c.early = QByteArray();
    c.toClient = QByteArray();
    c.toUpstream = QByteArray();
    c.phase = Phase::Linger;
    c.deadlineUs = nowUs() + 2'000'000;
    c.clientReadable = true;
    drainLinger(c);
}

void ProxyWorker::drainLinger(Conn &c)
{
    while (const auto got = readReady(c.client, c.clientReadable))
        if (*got <= 0)
            return destroy(c);
}

// A tunnel or forwarded request ends: its close is recorded.
void ProxyWorker::finish(Conn &c, const QString &error)
{
    recordClose(c, error);
    destroy(c);
}

void ProxyWorker::recordClose(Conn &c, const QString &error)
{
    if (!c.counted)
        return;
    ProxyPersonaState &ps = *c.persona;
    --ps.active;
    ps.bytesUp += std::max<qint64>(0, c.bytesUp);
    ps.bytesDown += std::max<qint64>(0, c.bytesDown);
    c.counted = false;
    if (!m_proxy.options.audit)
        return;
    QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                        {QStringLiteral("bytesUp"), std::max<qint64>(0, c.bytesUp)},
                        {QStringLiteral("bytesDown"), std::max<qint64>(0, c.bytesDown)},
                        {QStringLiteral("durationMs"), (nowUs() - c.startUs) / 1000}};
    if (!error.isEmpty())
        details.insert(QStringLiteral("error"), error);
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = c.personaName;
    e.action = actionName(c.request) + QStringLiteral(".close");
    e.resource = c.resource;
    e.decision = AuditEvent::Decision::Info;
    e.setDetails(details);
    m_proxy.options.audit->append(std::move(e));
}

void ProxyWorker::destroy(Conn &c)
{
    if (c.counted) {
        --c.persona->active;
        c.counted = false;
    }
    if (c.client >= 0)
        ::close(c.client); // closing removes it from the epoll set
    if (c.upstream >= 0)
        ::close(c.upstream);
    m_throttled.erase(c.id);
    m_conns.erase(c.id); // c is gone after this
}

// A decision's event: allow, would-deny, or deny with the status the client got.
void ProxyWorker::record(const Conn &c, const ProxyVerdict &v)
{
    if (!m_proxy.options.audit)
        return;
    QJsonObject details{{QStringLiteral("id"), qint64(c.id)},
                        {QStringLiteral("client"), c.clientText},
                        {QStringLiteral("mode"), Persona::policyModeName(c.mode)}};
    if (!c.candidates.empty())
        details.insert(QStringLiteral("address"), c.candidates.front().toString());
    if (!v.reason.isEmpty())
        details.insert(QStringLiteral("reason"), v.reason);
    if (v.status)
        details.insert(QStringLiteral("status"), v.status);
    if (!c.request.connect && !c.request.method.isEmpty()) {
        details.insert(QStringLiteral("method"), QString::fromLatin1(c.request.method));
        details.insert(QStringLiteral("path"), QString::fromUtf8(c.request.path.left(2048)));
    }
    if (c.viaUpstream)
        details.insert(QStringLiteral("upstream"), m_proxy.options.upstream);
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = c.personaName;
    e.action = actionName(c.request);
    e.resource = c.resource;
    e.decision = !v.allow      ? AuditEvent::Decision::Deny
                 : v.wouldDeny ? AuditEvent::Decision::WouldDeny
                               : AuditEvent::Decision::Allow;
    e.policies = v.policies;
    e.setDetails(details);
    m_proxy.options.audit->append(std::move(e));
}

} // namespace paddock
