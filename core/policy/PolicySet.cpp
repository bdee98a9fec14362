#include "policy/PolicySet.h"

#include <algorithm>

namespace paddock::cedar {

std::shared_ptr<const PolicySet> PolicySet::parse(std::string_view source, Diagnostics *diagnostics)
{
    ParseResult parsed = parsePolicies(source);
    if (diagnostics)
        *diagnostics = std::move(parsed.diagnostics);
    return std::make_shared<const PolicySet>(std::move(parsed.policies));
}

PolicySet::PolicySet(std::vector<Policy> policies)
    : m_policies(std::move(policies))
{
    buildIndex();
}

std::expected<Policy, std::string> PolicySet::link(const Policy &templ, std::string newId,
                                                   const std::optional<EntityUid> &principal,
                                                   const std::optional<EntityUid> &resource)
{
    if (!templ.isTemplate())
        return std::unexpected("`" + templ.id + "` is not a template (it has no slots)");
    if (templ.principal.slot.has_value() != principal.has_value())
        return std::unexpected(principal ? "`" + templ.id + "` has no ?principal slot"
                                         : "`" + templ.id + "` needs a value for ?principal");
    if (templ.resource.slot.has_value() != resource.has_value())
        return std::unexpected(resource ? "`" + templ.id + "` has no ?resource slot"
                                        : "`" + templ.id + "` needs a value for ?resource");
    Policy p;
    p.id = std::move(newId);
    p.effect = templ.effect;
    p.principal = templ.principal;
    p.action = templ.action;
    p.resource = templ.resource;
    p.annotations = templ.annotations;
    p.span = templ.span;
    p.effectSpan = templ.effectSpan;
    if (principal) {
        p.principal.slot.reset();
        p.principal.entities = {*principal};
    }
    if (resource) {
        p.resource.slot.reset();
        p.resource.entities = {*resource};
    }
    for (const Condition &c : templ.conditions)
        p.conditions.push_back(Condition{c.when, cloneExpr(*c.expr), c.span});
    return p;
}

const Policy *PolicySet::find(const std::string &id) const
{
    for (const Policy &p : m_policies)
        if (p.id == id)
            return &p;
    return nullptr;
}

void PolicySet::Bucket::add(const Policy &p, uint32_t index)
{
    std::vector<uint32_t> *list = &rest;
    if (p.resource.kind == ScopeConstraint::Kind::Eq && !p.resource.slot && !p.resource.entities.empty())
        list = &byResource[p.resource.entities.front()];
    else if (p.principal.kind == ScopeConstraint::Kind::Eq && !p.principal.slot &&
             !p.principal.entities.empty())
        list = &byPrincipal[p.principal.entities.front()];
    if (list->empty() || list->back() != index) // `action in [A, A]` lists a policy once
        list->push_back(index);
}

template <typename F> void PolicySet::Bucket::visit(const Request &request, F &&f) const
{
    for (uint32_t i : rest)
        f(i);
    if (!byResource.empty())
        if (const auto it = byResource.find(request.resource); it != byResource.end())
            for (uint32_t i : it->second)
                f(i);
    if (!byPrincipal.empty())
        if (const auto it = byPrincipal.find(request.principal); it != byPrincipal.end())
            for (uint32_t i : it->second)
                f(i);
}

void PolicySet::buildIndex()
{
    for (uint32_t i = 0; i < m_policies.size(); ++i) {
        const Policy &p = m_policies[i];
        if (p.isTemplate())
            continue;
        if (p.action.kind == ScopeConstraint::Kind::Eq || p.action.kind == ScopeConstraint::Kind::In) {
            for (const EntityUid &a : p.action.entities)
                m_byAction[a].add(p, i);
        } else {
            m_anyAction.add(p, i);
        }
    }
}

template <typename F>
void PolicySet::forEachCandidate(const Request &request, const Entities &entities, F &&visit) const
{
    m_anyAction.visit(request, visit);
    const auto *groups = entities.ancestors(request.action);
    if (!groups) { // the common case: an action in no group, one bucket, no merging
        if (const auto it = m_byAction.find(request.action); it != m_byAction.end())
            it->second.visit(request, visit);
        return;
    }
    // The action and every group it is in (`action in Action::"group"`), each policy once.
    std::vector<uint32_t> indices;
    auto add = [&](const EntityUid &a) {
        if (const auto it = m_byAction.find(a); it != m_byAction.end())
            it->second.visit(request, [&](uint32_t i) { indices.push_back(i); });
    };
    add(request.action);
    for (const EntityUid &g : *groups)
        add(g);
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    for (uint32_t i : indices)
        visit(i);
}

Decision PolicySet::authorize(const Request &request, const Entities &entities, Mode mode) const
{
    Decision d;
    const Evaluator evaluator(request, entities);
    std::vector<std::string> permits, forbids;
    forEachCandidate(request, entities, [&](uint32_t i) {
        const Policy &p = m_policies[i];
        const auto result = evaluator.satisfied(p);
        if (!result) {
            d.errors.push_back(PolicyError{p.id, result.error().message});
            return;
        }
        if (*result)
            (p.effect == Effect::Forbid ? forbids : permits).push_back(p.id);
    });
    // Forbid overrides permit; with neither, the default is deny.
    d.policyAllowed = forbids.empty() && !permits.empty();
    d.reason = forbids.empty() ? std::move(permits) : std::move(forbids);
    d.allowed = mode == Mode::Enforce ? d.policyAllowed : true;
    return d;
}

} // namespace paddock::cedar
