#include "runtime/PersonaRuntimePrivate.h"

#include "repo/GitTransport.h"
#include "repo/WorkspaceBuilder.h"
#include "runtime/InboundPorts.h"
#include "runtime/PersonaSockets.h"

// The persona runtime's sockets: each persona's socket folder, the egress and git sockets served
// there, and its inbound ports on the host, following the persona's state.
namespace paddock {

int PersonaRuntime::socketOwner(const Persona &persona) const
{
    // Rootless podman maps the container's user to this one (keep-id); a rootful engine runs it as
    // that uid on the host.
    if (m_rootless)
        return -1;
    return persona.relaxed.rootUser ? 0 : ContainerUid;
}

Result<void> PersonaRuntime::ensureSockets(const Persona &persona)
{
    if (auto ready = PersonaSockets::prepare(persona.name, socketOwner(persona)); !ready)
        return ready;
    ensureTransport(persona.name);
    if (!persona.isolated())
        return {};
    if (m_options.serveEgress)
        if (auto served = m_options.serveEgress(persona.name, PersonaSockets::egress(persona.name)); !served)
            return served;
    for (const Persona::Port &port : persona.ports)
        if (auto open = m_inbound->open(persona.name, port.host,
                                        PersonaSockets::inbound(persona.name, port.container));
            !open)
            return open;
    return {};
}

void PersonaRuntime::ensureTransport(const QString &persona)
{
    const auto p = findPersona(persona);
    if (!m_transport || !p)
        return;
    const QStringList mirrors = WorkspaceBuilder(m_options.dataDir).mirrorsOf(persona);
    if (mirrors.isEmpty())
        return;
    if (auto ready = PersonaSockets::prepare(persona, socketOwner(*p)); !ready)
        return emit problem(QStringLiteral("git-transport:") + persona, ready.error());
    if (auto served = m_transport->serve(persona, PersonaSockets::git(persona), mirrors); !served)
        emit problem(QStringLiteral("git-transport:") + persona, served.error());
}

void PersonaRuntime::updateSockets(const PersonaStatus &status)
{
    const auto p = findPersona(status.persona);
    if (!p)
        return;
    using State = PersonaStatus::State;
    if (status.state == State::Running) {
        // Started here (then this changes nothing), or by someone else, or before Paddock ran.
        if (auto ready = ensureSockets(*p); !ready)
            emit problem(QStringLiteral("sockets:") + p->name, ready.error());
        else
            emit recovered(QStringLiteral("sockets:") + p->name);
    } else if (status.state == State::Stopped || status.state == State::Exited) {
        m_inbound->close(p->name);             // its ports are free for others while it does not run
        PersonaSockets::clearSecrets(p->name); // (Docker's secrets folder) none outlives its container
    }
}

} // namespace paddock
