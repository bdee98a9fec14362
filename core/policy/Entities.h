#pragma once

#include "policy/Value.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace paddock::cedar {

struct Entity
{
    EntityUid uid;
    ValueRecord attrs;
    std::vector<EntityUid> parents;
    ValueRecord tags;
};

// The entity store a request is evaluated against: entities by uid, with the transitive closure
// of the parent relation computed once.
class Entities
{
public:
    Entities() = default;
    explicit Entities(std::vector<Entity> entities);

    const Entity *find(const EntityUid &uid) const;
    // `a in b`: equal, or b is an ancestor of a (through any chain of parents).
    bool isIn(const EntityUid &a, const EntityUid &b) const;
    // All ancestors of `uid` (not itself), or null when it has none.
    const std::unordered_set<EntityUid, EntityUidHash> *ancestors(const EntityUid &uid) const
    {
        const auto it = m_ancestors.find(uid);
        return it == m_ancestors.end() || it->second.empty() ? nullptr : &it->second;
    }
    size_t size() const { return m_entities.size(); }
    const std::unordered_map<EntityUid, Entity, EntityUidHash> &all() const { return m_entities; }
    // An entity that is its own ancestor, if the parent relation has a cycle (Cedar refuses such
    // stores).
    std::optional<EntityUid> cycle() const;
    // Adds entities not present yet (e.g. the actions a schema declares) and recomputes ancestors.
    void addMissing(std::vector<Entity> entities);

private:
    void computeAncestors();

    std::unordered_map<EntityUid, Entity, EntityUidHash> m_entities;
    std::unordered_map<EntityUid, std::unordered_set<EntityUid, EntityUidHash>, EntityUidHash> m_ancestors;
};

} // namespace paddock::cedar
