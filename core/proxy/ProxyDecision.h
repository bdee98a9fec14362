#pragma once

#include "personas/Persona.h"
#include "proxy/AddressGuard.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace paddock {

namespace cedar {
class PolicySet;
struct Decision;
} // namespace cedar
struct ProxyPersona;
struct ProxyRequest;

// What a decision is about: a persona's request for a destination.
struct ProxyQuestion
{
    const ProxyPersona &persona; // the principal, its trust and its policy mode
    const ProxyRequest &request; // its host normalised (an IP literal in its one text)
    const QString &resource;     // "host:port", the Host entity's id
};

// What becomes of a request.
struct ProxyVerdict
{
    bool allow = false;     // dialled: permitted, or denied by the policies in a mode that lets it pass
    bool wouldDeny = false; // denied by the policies, passed by the persona's mode (shadow, record)
    int status = 0;         // what a refused client gets (403 here, others from the machinery); 0: dialled
    QString reason;         // why it is refused (or would be), for the client and the audit log
    QStringList policies;   // the ids of the policies that decided
    std::vector<IpAddress> addresses; // the checked addresses to dial, in order

    static ProxyVerdict refused(int status, QString reason)
    {
        ProxyVerdict v;
        v.status = status;
        v.reason = std::move(reason);
        return v;
    }
};

// What only the host the proxy runs on knows of an address (the worker answers; tests fake it).
class ProxyHost
{
public:
    virtual ~ProxyHost() = default;
    // Whether the proxy itself listens on address:port: never a destination, whatever a policy says.
    virtual bool isProxy(const IpAddress &address, int port) const = 0;
    // Whether `address` is one of this host's own (refused as loopback is).
    virtual bool isOwnAddress(const IpAddress &address) const = 0;
};

// The egress proxy's decisions, apart from the machinery that carries them out: no sockets, no
// threads, no clock. Cedar is asked `connect` or `http` for the persona, the Host "name:port" and,
// once known, the address to dial (`context.address`). The SSRF guard refuses what AddressGuard
// refuses and the host's own addresses, unless a permit that decided names the address itself: a
// permit for a name does not vouch for where its DNS points.
class ProxyDecision final
{
public:
    // The policies' decision on `question`, with the address to dial when it is known. No set:
    // nothing is permitted.
    static cedar::Decision evaluate(const cedar::PolicySet *set, const ProxyQuestion &question,
                                    const std::optional<IpAddress> &address);

    // What the policies' decision comes to in `mode`: a deny passes as would-deny in shadow and
    // record.
    static ProxyVerdict verdict(const cedar::Decision &decision, Persona::PolicyMode mode);

    // Whether a name is refused before it is resolved (`byName`: decided without an address): a
    // name no policy could permit is never resolved, as a lookup would already carry it out to a
    // DNS server; unless a permit looks at addresses. Then verdict(byName) is the answer.
    static bool refusedByName(const cedar::PolicySet *set, const cedar::Decision &byName,
                              Persona::PolicyMode mode);

    // The addresses a name resolved to (or an IP literal's one): every one is checked, and those
    // that pass are dialled in the given order, as far as they have the first one's decision. None
    // passes: refused with the guard's reason.
    static ProxyVerdict byAddresses(const cedar::PolicySet *set, const ProxyQuestion &question,
                                    std::span<const IpAddress> addresses, const ProxyHost &host);

    // A name an upstream proxy resolves, and that this host resolves itself to `addresses` (the
    // upstream picks one): refused when any of them is; nothing when all pass.
    static std::optional<ProxyVerdict> refusedLocally(const cedar::PolicySet *set,
                                                      const ProxyQuestion &question,
                                                      std::span<const IpAddress> addresses,
                                                      const ProxyHost &host);
};

} // namespace paddock
