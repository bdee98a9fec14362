#pragma once

#include "policy/Entities.h"
#include "policy/Schema.h"
#include "policy/Value.h"

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::cedar {

// Cedar's JSON formats: entity uids ({"type", "id"} or {"__entity": {...}}), attribute values
// (with the {"__entity": ...} and {"__extn": {"fn", "arg"}} escapes), entity lists and contexts.
// Errors say where (a JSON path, and for syntax errors the line and column).
std::expected<EntityUid, std::string> entityUidFromJson(std::string_view json);
// With a schema, attribute and tag values are read as their declared types (a string declared
// `ipaddr` becomes an IP address, {"type", "id"} declared as an entity becomes one), and the
// actions the schema declares are added as entities with their groups as parents.
std::expected<std::vector<Entity>, std::string> entitiesFromJson(std::string_view json,
                                                                 const Schema *schema = nullptr);
std::expected<Value, std::string> valueFromJson(std::string_view json);
// A context: a JSON object (or empty text, meaning {}).
// With a schema, values are read as the types the action's context declares.
std::expected<Value, std::string> contextFromJson(std::string_view json, const Schema *schema = nullptr,
                                                  const EntityUid *action = nullptr);
// The actions a schema declares, as entities whose parents are their action groups.
std::vector<Entity> actionEntities(const Schema &schema);

} // namespace paddock::cedar
