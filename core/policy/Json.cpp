#include "policy/Json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_set>

namespace paddock::cedar {

namespace {

using json = nlohmann::json;
constexpr int MaxDepth = 200;

struct Failure
{
    std::string message;
};

[[noreturn]] void failAt(const std::string &path, const std::string &message)
{
    throw Failure{(path.empty() ? std::string("JSON") : path) + ": " + message};
}

// Parses JSON text, turning nlohmann's exceptions into a message with line and column.
std::expected<json, std::string> parseJson(std::string_view text)
{
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error &e) {
        size_t line = 1, column = 1;
        for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++column;
            }
        }
        std::string what = e.what();
        if (const size_t at = what.find("syntax error"); at != std::string::npos)
            what = what.substr(at);
        return std::unexpected(std::to_string(line) + ":" + std::to_string(column) +
                               ": invalid JSON: " + what);
    }
}

std::string typeName(const json &j)
{
    return j.type_name();
}

EntityUid uidFrom(const json &j, const std::string &path)
{
    const json *obj = &j;
    if (j.is_object() && j.contains("__entity"))
        obj = &j.at("__entity");
    if (!obj->is_object() || !obj->contains("type") || !obj->contains("id"))
        failAt(path, "expected an entity such as {\"type\": \"User\", \"id\": \"alice\"}");
    const json &type = obj->at("type");
    const json &id = obj->at("id");
    if (!type.is_string() || !id.is_string())
        failAt(path, "an entity's \"type\" and \"id\" must be strings");
    for (const auto &[key, _] : obj->items())
        if (key != "type" && key != "id")
            failAt(path, "unexpected key \"" + key + "\" in an entity reference");
    return EntityUid{type.get<std::string>(), id.get<std::string>()};
}

Value valueFrom(const json &j, const std::string &path, int depth, const SchemaType *type = nullptr)
{
    if (depth > MaxDepth)
        failAt(path, "nested too deeply (more than " + std::to_string(MaxDepth) + " levels)");
    // Schema-directed forms first: the schema says what a plain string or object stands for.
    if (type) {
        using TK = SchemaType::Kind;
        if (type->kind == TK::Extension && j.is_string()) {
            const std::string arg = j.get<std::string>();
            auto check = [&](auto result) -> Value {
                if (!result)
                    failAt(path, type->name + "(\"" + arg + "\"): " + result.error());
                return Value(*result);
            };
            if (type->name == "ipaddr")
                return check(IpAddr::parse(arg));
            if (type->name == "decimal")
                return check(Decimal::parse(arg));
            if (type->name == "datetime")
                return check(Datetime::parse(arg));
            if (type->name == "duration")
                return check(Duration::parse(arg));
        }
        if (type->kind == TK::Entity && j.is_object() && !j.contains("__entity") && !j.contains("__extn"))
            return Value(uidFrom(j, path));
        if (type->kind == TK::Set && j.is_array()) {
            ValueSet elements;
            size_t i = 0;
            for (const json &e : j)
                elements.push_back(
                    valueFrom(e, path + "[" + std::to_string(i++) + "]", depth + 1, type->element.get()));
            return Value::set(std::move(elements));
        }
        if (type->kind == TK::Record && j.is_object() && !j.contains("__entity") && !j.contains("__extn")) {
            ValueRecord fields;
            for (const auto &[key, value] : j.items()) {
                const auto it = type->attributes.find(key);
                fields.insert_or_assign(
                    key, valueFrom(value, path + "." + key, depth + 1,
                                   it == type->attributes.end() ? nullptr : it->second.type.get()));
            }
            return Value::record(std::move(fields));
        }
    }
    switch (j.type()) {
    case json::value_t::boolean:
        return Value(j.get<bool>());
    case json::value_t::number_integer:
        return Value(j.get<int64_t>());
    case json::value_t::number_unsigned: {
        const auto v = j.get<uint64_t>();
        if (v > uint64_t(INT64_MAX))
            failAt(path, "integer " + std::to_string(v) + " does not fit in a 64-bit signed integer");
        return Value(int64_t(v));
    }
    case json::value_t::number_float:
        failAt(path, "Cedar has no floating-point numbers (use decimal(\"...\") via {\"__extn\": ...})");
    case json::value_t::string:
        return Value(j.get<std::string>());
    case json::value_t::array: {
        ValueSet elements;
        elements.reserve(j.size());
        size_t i = 0;
        for (const json &e : j)
            elements.push_back(valueFrom(e, path + "[" + std::to_string(i++) + "]", depth + 1));
        return Value::set(std::move(elements));
    }
    case json::value_t::object: {
        if (j.contains("__entity")) {
            if (j.size() != 1)
                failAt(path, "an {\"__entity\": ...} escape has no other keys");
            return Value(uidFrom(j, path + ".__entity"));
        }
        if (j.contains("__extn")) {
            if (j.size() != 1)
                failAt(path, "an {\"__extn\": ...} escape has no other keys");
            const json &e = j.at("__extn");
            if (!e.is_object() || !e.contains("fn") || !e.at("fn").is_string() || !e.contains("arg") ||
                !e.at("arg").is_string())
                failAt(path, "expected {\"__extn\": {\"fn\": \"ip\", \"arg\": \"10.0.0.1\"}}");
            const std::string fn = e.at("fn").get<std::string>();
            const std::string arg = e.at("arg").get<std::string>();
            auto check = [&](auto result) -> Value {
                if (!result)
                    failAt(path, fn + "(\"" + arg + "\"): " + result.error());
                return Value(*result);
            };
            if (fn == "ip" || fn == "ipaddr")
                return check(IpAddr::parse(arg));
            if (fn == "decimal")
                return check(Decimal::parse(arg));
            if (fn == "datetime")
                return check(Datetime::parse(arg));
            if (fn == "duration")
                return check(Duration::parse(arg));
            failAt(path, "unknown extension function \"" + fn + "\"");
        }
        ValueRecord fields;
        for (const auto &[key, value] : j.items())
            fields.insert_or_assign(key, valueFrom(value, path + "." + key, depth + 1));
        return Value::record(std::move(fields));
    }
    case json::value_t::null:
        failAt(path, "null is not a Cedar value");
    default:
        failAt(path, "unsupported JSON value (" + typeName(j) + ")");
    }
}

template <typename T, typename F> std::expected<T, std::string> guarded(std::string_view text, F &&f)
{
    auto parsed = parseJson(text);
    if (!parsed)
        return std::unexpected(parsed.error());
    try {
        return f(*parsed);
    } catch (const Failure &e) {
        return std::unexpected(e.message);
    } catch (const json::exception &e) {
        return std::unexpected(std::string("invalid JSON: ") + e.what());
    }
}

} // namespace

std::expected<EntityUid, std::string> entityUidFromJson(std::string_view text)
{
    return guarded<EntityUid>(text, [](const json &j) { return uidFrom(j, "entity"); });
}

std::expected<Value, std::string> valueFromJson(std::string_view text)
{
    return guarded<Value>(text, [](const json &j) { return valueFrom(j, "value", 0); });
}

std::expected<Value, std::string> contextFromJson(std::string_view text, const Schema *schema,
                                                  const EntityUid *action)
{
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return Value::record({});
    const SchemaType *type = nullptr;
    if (schema && action)
        if (const ActionDecl *decl = schema->action(*action))
            type = decl->context.get();
    return guarded<Value>(text, [type](const json &j) {
        if (!j.is_object())
            failAt("context", "expected a JSON object");
        return valueFrom(j, "context", 0, type);
    });
}

std::vector<Entity> actionEntities(const Schema &schema)
{
    std::vector<Entity> out;
    for (const auto &[uid, decl] : schema.actions)
        out.push_back(Entity{uid, {}, decl.memberOf, {}});
    return out;
}

std::expected<std::vector<Entity>, std::string> entitiesFromJson(std::string_view text, const Schema *schema)
{
    return guarded<std::vector<Entity>>(text, [schema](const json &j) {
        if (!j.is_array())
            failAt("entities", "expected a JSON array of entities");
        std::vector<Entity> out;
        out.reserve(j.size());
        std::unordered_set<EntityUid, EntityUidHash> seen;
        for (size_t i = 0; i < j.size(); ++i) {
            const json &e = j[i];
            const std::string path = "entities[" + std::to_string(i) + "]";
            if (!e.is_object() || !e.contains("uid"))
                failAt(path, "expected an object with \"uid\", \"attrs\" and \"parents\"");
            Entity entity;
            entity.uid = uidFrom(e.at("uid"), path + ".uid");
            if (!seen.insert(entity.uid).second)
                failAt(path + ".uid", "duplicate entity " + entity.uid.toString());
            const EntityTypeDecl *decl = schema ? schema->entityType(entity.uid.type) : nullptr;
            if (e.contains("attrs")) {
                if (!e.at("attrs").is_object())
                    failAt(path + ".attrs", "expected an object");
                for (const auto &[key, value] : e.at("attrs").items()) {
                    const SchemaType *type = nullptr;
                    if (decl && decl->shape)
                        if (const auto it = decl->shape->attributes.find(key);
                            it != decl->shape->attributes.end())
                            type = it->second.type.get();
                    entity.attrs.insert_or_assign(key, valueFrom(value, path + ".attrs." + key, 1, type));
                }
            }
            if (e.contains("parents")) {
                if (!e.at("parents").is_array())
                    failAt(path + ".parents", "expected an array of entities");
                size_t k = 0;
                for (const json &p : e.at("parents"))
                    entity.parents.push_back(uidFrom(p, path + ".parents[" + std::to_string(k++) + "]"));
            }
            if (e.contains("tags")) {
                if (!e.at("tags").is_object())
                    failAt(path + ".tags", "expected an object");
                for (const auto &[key, value] : e.at("tags").items())
                    entity.tags.insert_or_assign(key,
                                                 valueFrom(value, path + ".tags." + key, 1,
                                                           decl && decl->tags ? decl->tags.get() : nullptr));
            }
            for (const auto &[key, _] : e.items())
                if (key != "uid" && key != "attrs" && key != "parents" && key != "tags")
                    failAt(path, "unexpected key \"" + key + "\"");
            out.push_back(std::move(entity));
        }
        // Cedar refuses a hierarchy with a cycle (an entity would be its own ancestor).
        if (const auto loop = Entities(out).cycle())
            failAt("entities", "the parents form a cycle through " + loop->toString());
        if (schema) { // the schema's actions, unless the file already lists them
            for (Entity &a : actionEntities(*schema)) {
                const bool listed =
                    std::any_of(out.begin(), out.end(), [&](const Entity &e) { return e.uid == a.uid; });
                if (!listed)
                    out.push_back(std::move(a));
            }
        }
        return out;
    });
}

} // namespace paddock::cedar
