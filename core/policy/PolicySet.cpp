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

const Policy *PolicySet::find(const std::string &id) const
{
    for (const Policy &p : m_policies)
        if (p.id == id)
            return &p;
    return nullptr;
}

void PolicySet::buildIndex()
{
    for (uint32_t i = 0; i < m_policies.size(); ++i) {
        const Policy &p = m_policies[i];
        if (p.isTemplate())
            continue;
        if (p.action.kind == ScopeConstraint::Kind::Eq || p.action.kind == ScopeConstraint::Kind::In) {
            for (const EntityUid &a : p.action.entities) {
                auto &list = m_byAction[a];
                if (list.empty() || list.back() != i)
                    list.push_back(i);
            }
        } else {
            m_anyAction.push_back(i);
        }
    }
}

void PolicySet::candidates(const Request &request, const Entities &entities, std::vector<uint32_t> &out) const
{
    out = m_anyAction;
    if (m_byAction.empty())
        return;
    // The request's action and every group it is in (`action in Action::"group"`).
    auto add = [&](const EntityUid &a) {
        const auto it = m_byAction.find(a);
        if (it != m_byAction.end())
            out.insert(out.end(), it->second.begin(), it->second.end());
    };
    add(request.action);
    if (const Entity *action = entities.find(request.action); action && !action->parents.empty()) {
        for (const auto &[uid, list] : m_byAction)
            if (!(uid == request.action) && entities.isIn(request.action, uid))
                out.insert(out.end(), list.begin(), list.end());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

Decision PolicySet::authorize(const Request &request, const Entities &entities, Mode mode) const
{
    Decision d;
    const Evaluator evaluator(request, entities);
    std::vector<uint32_t> indices;
    candidates(request, entities, indices);
    std::vector<std::string> permits, forbids;
    for (uint32_t i : indices) {
        const Policy &p = m_policies[i];
        const auto result = evaluator.satisfied(p);
        if (!result) {
            d.errors.push_back(PolicyError{p.id, result.error().message});
            continue;
        }
        if (*result)
            (p.effect == Effect::Forbid ? forbids : permits).push_back(p.id);
    }
    // Forbid overrides permit; with neither, the default is deny.
    d.policyAllowed = forbids.empty() && !permits.empty();
    d.reason = forbids.empty() ? std::move(permits) : std::move(forbids);
    d.allowed = mode == Mode::Enforce ? d.policyAllowed : true;
    return d;
}

} // namespace paddock::cedar
