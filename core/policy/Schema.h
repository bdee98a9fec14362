#pragma once

#include "policy/Source.h"
#include "policy/Value.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::cedar {

struct SchemaType;
using SchemaTypePtr = std::shared_ptr<const SchemaType>;

struct SchemaAttribute
{
    SchemaTypePtr type;
    bool required = true;
};

// A type in a schema, with every name resolved: primitive, entity type, set, record or extension.
struct SchemaType
{
    enum class Kind : uint8_t { Bool, Long, String, Entity, Set, Record, Extension };
    Kind kind = Kind::Bool;
    std::string name;      // entity type (qualified) or extension (ipaddr, decimal, ...)
    SchemaTypePtr element; // for Set
    std::map<std::string, SchemaAttribute> attributes; // for Record
    bool open = false;                                 // a record that admits undeclared attributes

    std::string toString() const;
};

struct EntityTypeDecl
{
    std::string name;                  // qualified, e.g. Paddock::Host
    std::vector<std::string> memberOf; // qualified entity types its parents may have
    SchemaTypePtr shape;               // a record type
    SchemaTypePtr tags;                // null when the type has no tags
    std::vector<std::string> enumIds;  // for enumerated entity types
    Span span;
};

struct ActionDecl
{
    EntityUid uid; // type is `Action` or `Namespace::Action`
    std::vector<EntityUid> memberOf;
    bool appliesToAnything = false; // no appliesTo at all: the action applies to nothing
    std::vector<std::string> principals;
    std::vector<std::string> resources;
    SchemaTypePtr context; // a record type
    Span span;
};

// A Cedar schema, from either format.
class Schema
{
public:
    std::map<std::string, EntityTypeDecl> entityTypes;
    std::map<EntityUid, ActionDecl> actions;

    const EntityTypeDecl *entityType(const std::string &name) const;
    const ActionDecl *action(const EntityUid &uid) const;
    // Entity types that may be descendants of `ancestor` (through memberOf chains), including itself.
    bool mayBeIn(const std::string &type, const std::string &ancestor) const;
};

struct SchemaParseResult
{
    std::shared_ptr<const Schema> schema; // null when there are errors
    Diagnostics diagnostics;
};

SchemaParseResult parseSchema(std::string_view source);     // human-readable format (.cedarschema)
SchemaParseResult parseSchemaJson(std::string_view source); // Cedar's JSON schema format (.cedarschema.json)
// Either format: JSON when the text starts with `{` (a human-readable schema never does).
SchemaParseResult parseSchemaAnyFormat(std::string_view source);

} // namespace paddock::cedar
