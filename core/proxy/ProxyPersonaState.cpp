#include "proxy/ProxyPersonaState.h"

#include <QCoreApplication>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};
} // namespace

void ProxyPersonaState::configure(const ProxyPersona &persona)
{
    QMutexLocker lock(&mutex);
    config = persona;
    connections.configure(persona.limits.connectionsPerSecond, persona.limits.connectionBurst);
    const double perSecond = double(persona.limits.bytesPerSecond);
    // A quarter second's worth at once, and at least one buffer, so a read is never starved.
    bytes.configure(perSecond, std::max(perSecond / 4, double(EgressProxy::BufferBytes)));
}

ProxyCounters ProxyPersonaState::counters() const
{
    ProxyCounters c;
    c.requests = requests;
    c.allowed = allowed;
    c.denied = denied;
    c.wouldDeny = wouldDeny;
    c.limited = limited;
    c.invalid = invalid;
    c.failed = failed;
    c.active = active;
    c.bytesUp = bytesUp;
    c.bytesDown = bytesDown;
    return c;
}

ProxyPersonaState::Admission ProxyPersonaState::admit(qint64 now)
{
    ++requests;
    Admission out;
    bool tokens = false;
    {
        QMutexLocker lock(&mutex);
        out.settings = config;
        // The tunnel limit is checked first, so that a refused one takes no token.
        if (active.load() < out.settings.limits.maxTunnels)
            tokens = connections.take(now);
    }
    const ProxyLimits &limits = out.settings.limits;
    if (active.load() >= limits.maxTunnels)
        out.refusal = Text::tr("rate limit: %1 tunnels open, the most persona %2 may hold")
                          .arg(limits.maxTunnels)
                          .arg(out.settings.name);
    else if (!tokens)
        out.refusal =
            Text::tr("rate limit: more than %1 new connections a second").arg(limits.connectionsPerSecond);
    return out;
}

} // namespace paddock
