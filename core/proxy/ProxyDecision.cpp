#include "proxy/ProxyDecision.h"

#include "policy/Extensions.h"
#include "policy/PolicySet.h"
#include "proxy/EgressProxy.h"
#include "proxy/RequestParser.h"

#include <QCoreApplication>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EgressProxy)
};

// Whether a permit names `host` (an IP literal) itself: in its resource scope, as a string in its
// condition, or by speaking of the dialled address (`context.address`) at all.
bool mentions(const cedar::Expr &e, const std::string &host)
{
    if (e.op == cedar::Expr::Op::Literal) {
        if (e.value.kind() == cedar::Value::Kind::String && e.value.asString() == host)
            return true;
        if (e.value.kind() == cedar::Value::Kind::Entity && e.value.asEntity().id.starts_with(host + ':'))
            return true;
    }
    if (e.op == cedar::Expr::Op::GetAttr && e.name == "address" && !e.args.empty() &&
        e.args[0]->op == cedar::Expr::Op::Variable && e.args[0]->var == cedar::Var::Context)
        return true;
    for (const auto &arg : e.args)
        if (arg && mentions(*arg, host))
            return true;
    return false;
}

// Whether a condition looks at the dialled address (`context.address`, `context has address`).
bool speaksOfAddress(const cedar::Expr &e)
{
    if ((e.op == cedar::Expr::Op::GetAttr || e.op == cedar::Expr::Op::Has) && e.name == "address" &&
        !e.args.empty() && e.args[0]->op == cedar::Expr::Op::Variable &&
        e.args[0]->var == cedar::Var::Context)
        return true;
    for (const auto &arg : e.args)
        if (arg && speaksOfAddress(*arg))
            return true;
    return false;
}

// Whether some permit of `set` may depend on the address a name resolves to.
bool permitsByAddress(const cedar::PolicySet &set)
{
    for (const cedar::Policy &p : set.policies())
        if (p.effect == cedar::Effect::Permit)
            for (const cedar::Condition &c : p.conditions)
                if (c.expr && speaksOfAddress(*c.expr))
                    return true;
    return false;
}

bool policyNames(const cedar::Policy &p, const std::string &host)
{
    if (p.effect != cedar::Effect::Permit)
        return false;
    for (const cedar::EntityUid &uid : p.resource.entities)
        if (uid.id.starts_with(host + ':'))
            return true;
    for (const cedar::Condition &c : p.conditions)
        if (c.when && c.expr && mentions(*c.expr, host))
            return true;
    return false;
}

// Whether a permit that decided `d` names the address `host` (its text).
bool namesAddress(const cedar::PolicySet &set, const cedar::Decision &d, const QString &host)
{
    const std::string h = host.toStdString();
    for (const std::string &id : d.reason)
        if (const cedar::Policy *p = set.find(id); p && policyNames(*p, h))
            return true;
    return false;
}

QString selfRefusal(const ProxyQuestion &q)
{
    return Text::tr("refused: %1 is this proxy itself").arg(q.resource);
}

// Why the proxy never dials `address` for this request, `d` being the policies' decision with it:
// empty when the guard lets it through, or a permit that decided names the address (context.address,
// or the address itself), not the name.
QString guardRefusal(const cedar::PolicySet *set, const ProxyQuestion &q, const IpAddress &address,
                     const cedar::Decision &d, const ProxyHost &host)
{
    QString why = AddressGuard::refusal(address);
    if (why.isEmpty() && host.isOwnAddress(address))
        why = Text::tr("one of this host's own addresses");
    if (why.isEmpty())
        return {};
    const QString text = address.toString();
    if (d.policyAllowed && namesAddress(*set, d, text))
        return {};
    if (q.request.host == text)
        return Text::tr("refused: %1 is not open to agents: %2").arg(text, why);
    return Text::tr("refused: %1 resolves to %2, which is not open to agents: %3")
        .arg(q.request.host, text, why);
}

} // namespace

cedar::Decision ProxyDecision::evaluate(const cedar::PolicySet *set, const ProxyQuestion &q,
                                        const std::optional<IpAddress> &address)
{
    using namespace cedar;
    if (!set)
        return Decision{};
    std::vector<Entity> list;
    Entity persona;
    const QString &personaName = q.persona.job.isEmpty() ? q.persona.name : q.persona.parent;
    persona.uid = EntityUid{"Paddock::Persona", personaName.toStdString()};
    persona.attrs["trust"] = Value(q.persona.trust.toStdString());
    // A job's run asks as the job, in its persona: policies about the persona cover it too.
    EntityUid principal = persona.uid;
    if (!q.persona.job.isEmpty()) {
        Entity job;
        job.uid = EntityUid{"Paddock::Job", q.persona.job.toStdString()};
        job.parents.push_back(persona.uid);
        principal = job.uid;
        list.push_back(std::move(job));
    }
    Entity host;
    host.uid = EntityUid{"Paddock::Host", q.resource.toStdString()};
    host.attrs["name"] = Value(q.request.host.toStdString());
    host.attrs["port"] = Value(int64_t(q.request.port));
    Request request;
    request.principal = principal;
    request.resource = host.uid;
    request.action = EntityUid{"Paddock::Action", q.request.connect ? "connect" : "http"};
    list.push_back(std::move(persona));
    list.push_back(std::move(host));
    ValueRecord context;
    if (address)
        if (auto ip = IpAddr::parse(address->toString().toStdString()))
            context["address"] = Value(*ip);
    if (!q.request.connect) {
        context["method"] = Value(q.request.method.toStdString());
        context["path"] = Value(q.request.path.toStdString());
    }
    request.context = Value::record(std::move(context));
    const Entities entities(std::move(list));
    return set->authorize(request, entities, Mode::Enforce);
}

ProxyVerdict ProxyDecision::verdict(const cedar::Decision &d, Persona::PolicyMode mode)
{
    ProxyVerdict v;
    for (const std::string &id : d.reason)
        v.policies << QString::fromStdString(id);
    if (d.policyAllowed) {
        v.allow = true;
        return v;
    }
    v.reason = d.reason.empty() ? Text::tr("no policy permits it")
                                : Text::tr("forbidden by %1").arg(v.policies.join(QStringLiteral(", ")));
    if (mode == Persona::PolicyMode::Enforce) {
        v.status = 403;
    } else {
        v.allow = true;
        v.wouldDeny = true;
    }
    return v;
}

bool ProxyDecision::refusedByName(const cedar::PolicySet *set, const cedar::Decision &byName,
                                  Persona::PolicyMode mode)
{
    return !byName.policyAllowed && byName.errors.empty() && mode == Persona::PolicyMode::Enforce &&
           !(set && permitsByAddress(*set));
}

ProxyVerdict ProxyDecision::byAddresses(const cedar::PolicySet *set, const ProxyQuestion &q,
                                        std::span<const IpAddress> addresses, const ProxyHost &host)
{
    std::optional<cedar::Decision> chosen;
    std::vector<IpAddress> candidates;
    QString refusal;
    for (const IpAddress &a : addresses) {
        if (host.isProxy(a, q.request.port)) {
            refusal = selfRefusal(q);
            continue;
        }
        cedar::Decision d = evaluate(set, q, a);
        if (QString why = guardRefusal(set, q, a, d, host); !why.isEmpty()) {
            if (refusal.isEmpty())
                refusal = std::move(why);
            continue;
        }
        if (!chosen)
            chosen = std::move(d);
        else if (chosen->policyAllowed != d.policyAllowed)
            continue; // fall back only to addresses with the same decision
        candidates.push_back(a);
    }
    if (!chosen)
        return ProxyVerdict::refused(403, refusal);
    ProxyVerdict v = verdict(*chosen, q.persona.mode);
    v.addresses = std::move(candidates);
    return v;
}

std::optional<ProxyVerdict> ProxyDecision::refusedLocally(const cedar::PolicySet *set, const ProxyQuestion &q,
                                                          std::span<const IpAddress> addresses,
                                                          const ProxyHost &host)
{
    for (const IpAddress &a : addresses) {
        if (host.isProxy(a, q.request.port))
            return ProxyVerdict::refused(403, selfRefusal(q));
        if (QString why = guardRefusal(set, q, a, evaluate(set, q, a), host); !why.isEmpty())
            return ProxyVerdict::refused(403, std::move(why));
    }
    return std::nullopt;
}

} // namespace paddock
