#include "policy/Entities.h"

namespace paddock::cedar {

Entities::Entities(std::vector<Entity> entities)
{
    for (Entity &e : entities) {
        EntityUid uid = e.uid;
        m_entities.insert_or_assign(std::move(uid), std::move(e));
    }
    computeAncestors();
}

void Entities::addMissing(std::vector<Entity> entities)
{
    for (Entity &e : entities) {
        EntityUid uid = e.uid;
        m_entities.try_emplace(std::move(uid), std::move(e));
    }
    computeAncestors();
}

void Entities::computeAncestors()
{
    m_ancestors.clear();
    // Depth-first over parents; a parent that is not itself an entity still counts as an ancestor.
    for (const auto &[uid, entity] : m_entities) {
        auto &set = m_ancestors[uid];
        std::vector<EntityUid> stack(entity.parents.begin(), entity.parents.end());
        while (!stack.empty()) {
            EntityUid p = std::move(stack.back());
            stack.pop_back();
            if (!set.insert(p).second)
                continue; // seen (also ends cycles)
            if (const Entity *pe = find(p))
                for (const EntityUid &gp : pe->parents)
                    if (!set.contains(gp))
                        stack.push_back(gp);
        }
    }
}

std::optional<EntityUid> Entities::cycle() const
{
    for (const auto &[uid, ancestors] : m_ancestors)
        if (ancestors.contains(uid))
            return uid;
    return std::nullopt;
}

const Entity *Entities::find(const EntityUid &uid) const
{
    const auto it = m_entities.find(uid);
    return it == m_entities.end() ? nullptr : &it->second;
}

bool Entities::isIn(const EntityUid &a, const EntityUid &b) const
{
    if (a == b)
        return true;
    const auto it = m_ancestors.find(a);
    return it != m_ancestors.end() && it->second.contains(b);
}

} // namespace paddock::cedar
