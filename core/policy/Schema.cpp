#include "policy/Schema.h"

#include "policy/Lexer.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <set>

namespace paddock::cedar {

namespace {

using K = Token::Kind;

struct Abort
{};

// A type as written, before names are resolved.
struct RawType;
using RawTypePtr = std::shared_ptr<RawType>;
struct RawAttr
{
    std::string name;
    bool required = true;
    RawTypePtr type;
    Span span;
};
struct RawType
{
    enum class Kind { Name, Set, Record } kind = Kind::Name;
    std::string name; // as written
    Span span;
    RawTypePtr element;
    std::vector<RawAttr> attrs;
};

struct RawEntity
{
    std::string ns;
    std::string name;
    std::vector<std::pair<std::string, Span>> memberOf;
    RawTypePtr shape;
    RawTypePtr tags;
    std::vector<std::string> enumIds;
    Span span;
};

struct RawActionRef
{
    std::string type; // empty: Action in the current namespace
    std::string id;
    Span span;
};

struct RawAction
{
    std::string ns;
    std::string name;
    std::vector<RawActionRef> memberOf;
    bool hasAppliesTo = false;
    std::vector<std::pair<std::string, Span>> principals, resources;
    RawTypePtr context;
    Span span;
};

struct RawCommon
{
    std::string ns;
    std::string name;
    RawTypePtr type;
    Span span;
};

// The declarations of a schema before names are resolved, from either format.
struct RawSchema
{
    std::vector<RawEntity> entities;
    std::vector<RawAction> actions;
    std::vector<RawCommon> commons;
};

std::string qualify(const std::string &ns, const std::string &name)
{
    return ns.empty() ? name : ns + "::" + name;
}

bool isBuiltinName(const std::string &name)
{
    static const std::set<std::string> builtins{"Long",   "String",  "Bool",     "Boolean",
                                                "ipaddr", "decimal", "datetime", "duration"};
    return builtins.contains(name);
}

SchemaTypePtr builtinType(const std::string &name)
{
    auto t = std::make_shared<SchemaType>();
    if (name == "Long")
        t->kind = SchemaType::Kind::Long;
    else if (name == "String")
        t->kind = SchemaType::Kind::String;
    else if (name == "Bool" || name == "Boolean")
        t->kind = SchemaType::Kind::Bool;
    else {
        t->kind = SchemaType::Kind::Extension;
        t->name = name;
    }
    return t;
}

class SchemaParser : public RawSchema
{
public:
    SchemaParser(const std::vector<Token> &tokens, Diagnostics &diags)
        : m_t(tokens)
        , m_diags(diags)
    {}

    void run()
    {
        while (!at(K::End)) {
            const size_t start = m_pos;
            try {
                skipAnnotations();
                if (atIdent("namespace")) {
                    next();
                    const std::string ns = path();
                    expect(K::LBrace);
                    while (!at(K::RBrace) && !at(K::End)) {
                        const size_t start = m_pos;
                        try {
                            declaration(ns);
                        } catch (const Abort &) {
                            recover(true, start);
                        }
                    }
                    expect(K::RBrace);
                } else {
                    declaration({});
                }
            } catch (const Abort &) {
                recover(false, start);
            }
        }
    }

private:
    const Token &peek(size_t ahead = 0) const { return m_t[std::min(m_pos + ahead, m_t.size() - 1)]; }
    const Token &next()
    {
        const Token &t = m_t[m_pos];
        if (m_pos + 1 < m_t.size())
            ++m_pos;
        return t;
    }
    bool at(K k) const { return peek().kind == k; }
    bool atIdent(std::string_view w) const { return peek().kind == K::Ident && peek().text == w; }
    bool accept(K k)
    {
        if (!at(k))
            return false;
        next();
        return true;
    }
    [[noreturn]] void fail(const Span &span, std::string message, std::string help = {})
    {
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Error, span, std::move(message), std::move(help)});
        throw Abort{};
    }
    [[noreturn]] void unexpected(const std::string &expected)
    {
        const Token &t = peek();
        fail(t.span, "expected " + expected + ", found " +
                         (t.kind == K::End ? std::string("end of input") : "`" + std::string(t.text) + "`"));
    }
    const Token &expect(K k, const char *what = nullptr)
    {
        if (!at(k))
            unexpected(what ? what : Lexer::describe(k));
        return next();
    }
    // Skips past the broken declaration: to just after its `;`, or (inside a namespace) to the
    // namespace's closing `}`. Always consumes at least one token, so parsing cannot stall.
    void recover(bool inNamespace, size_t start)
    {
        int depth = 0;
        if (m_pos == start && !at(K::End))
            next(); // the declaration failed on its first token: skip it
        while (!at(K::End)) {
            const K k = peek().kind;
            if (depth == 0 && k == K::RBrace && inNamespace)
                return; // the end of the namespace
            next();
            if (k == K::LBrace || k == K::LBracket || k == K::LParen)
                ++depth;
            else if ((k == K::RBrace || k == K::RBracket || k == K::RParen) && depth > 0)
                --depth;
            else if (k == K::Semicolon && depth == 0)
                return;
        }
    }
    std::string str(const Token &t)
    {
        std::string out, err;
        if (!unescape(t.text, out, err))
            fail(t.span, err);
        return out;
    }
    void skipAnnotations()
    {
        while (accept(K::At)) {
            expect(K::Ident, "an annotation name");
            if (accept(K::LParen)) {
                expect(K::String, "an annotation value (a string)");
                expect(K::RParen);
            }
        }
    }
    std::string path()
    {
        std::string p(expect(K::Ident, "a name").text);
        while (at(K::PathSep) && peek(1).kind == K::Ident) {
            next();
            p += "::" + std::string(next().text);
        }
        return p;
    }

    void declaration(const std::string &ns)
    {
        skipAnnotations();
        const Span start = peek().span;
        if (atIdent("entity")) {
            next();
            std::vector<std::pair<std::string, Span>> names;
            do {
                const Token &n = expect(K::Ident, "an entity type name");
                names.emplace_back(std::string(n.text), n.span);
            } while (accept(K::Comma));
            RawEntity proto;
            proto.ns = ns;
            proto.span = start;
            if (atIdent("enum")) {
                next();
                expect(K::LBracket);
                while (!at(K::RBracket)) {
                    proto.enumIds.push_back(str(expect(K::String, "an entity id (a string)")));
                    if (!accept(K::Comma))
                        break;
                }
                expect(K::RBracket);
                if (proto.enumIds.empty())
                    fail(start, "an enumerated entity type needs at least one id");
            } else {
                if (atIdent("in")) {
                    next();
                    proto.memberOf = typeList();
                }
                if (accept(K::Assign) || at(K::LBrace))
                    proto.shape = recordType();
                if (atIdent("tags")) {
                    next();
                    proto.tags = type();
                }
            }
            expect(K::Semicolon);
            for (auto &[name, span] : names) {
                RawEntity e = proto;
                e.name = name;
                e.span = span;
                entities.push_back(std::move(e));
            }
        } else if (atIdent("action")) {
            next();
            std::vector<std::pair<std::string, Span>> names;
            do {
                const Token &n = peek();
                if (n.kind == K::String)
                    names.emplace_back(str(next()), n.span);
                else
                    names.emplace_back(std::string(expect(K::Ident, "an action name").text), n.span);
            } while (accept(K::Comma));
            RawAction proto;
            proto.ns = ns;
            if (atIdent("in")) {
                next();
                if (accept(K::LBracket)) {
                    while (!at(K::RBracket)) {
                        proto.memberOf.push_back(actionRef());
                        if (!accept(K::Comma))
                            break;
                    }
                    expect(K::RBracket);
                } else {
                    proto.memberOf.push_back(actionRef());
                }
            }
            if (atIdent("appliesTo")) {
                next();
                proto.hasAppliesTo = true;
                expect(K::LBrace);
                while (!at(K::RBrace)) {
                    const Token &key = expect(K::Ident, "`principal`, `resource` or `context`");
                    expect(K::Colon);
                    if (key.text == "principal")
                        proto.principals = typeList();
                    else if (key.text == "resource")
                        proto.resources = typeList();
                    else if (key.text == "context")
                        proto.context = type();
                    else
                        fail(key.span, "unknown `appliesTo` key `" + std::string(key.text) + "`",
                             "the keys are principal, resource and context");
                    if (!accept(K::Comma))
                        break;
                }
                expect(K::RBrace);
            }
            if (atIdent("attributes"))
                fail(peek().span, "action attributes are not supported by Cedar 4 schemas");
            expect(K::Semicolon);
            for (auto &[name, span] : names) {
                RawAction a = proto;
                a.name = name;
                a.span = span;
                actions.push_back(std::move(a));
            }
        } else if (atIdent("type")) {
            next();
            const Token &n = expect(K::Ident, "a type name");
            expect(K::Assign);
            RawCommon c;
            c.ns = ns;
            c.name = std::string(n.text);
            c.span = n.span;
            c.type = type();
            expect(K::Semicolon);
            if (isBuiltinName(c.name) || c.name == "Set" || c.name == "Record" || c.name == "Entity" ||
                c.name == "Extension")
                fail(n.span, "`" + c.name + "` is a built-in type name and cannot be redefined");
            commons.push_back(std::move(c));
        } else if (atIdent("namespace")) {
            fail(peek().span, "namespaces cannot be nested");
        } else {
            unexpected("`entity`, `action`, `type` or `namespace`");
        }
    }

    RawActionRef actionRef()
    {
        RawActionRef r;
        r.span = peek().span;
        if (at(K::String)) {
            r.id = str(next());
            return r;
        }
        std::string p = path();
        if (accept(K::PathSep)) {
            r.type = p;
            r.id = str(expect(K::String, "an action id (a string)"));
        } else {
            r.id = p;
        }
        return r;
    }

    std::vector<std::pair<std::string, Span>> typeList()
    {
        std::vector<std::pair<std::string, Span>> out;
        if (accept(K::LBracket)) {
            while (!at(K::RBracket)) {
                const Span s = peek().span;
                out.emplace_back(path(), s);
                if (!accept(K::Comma))
                    break;
            }
            expect(K::RBracket);
        } else {
            const Span s = peek().span;
            out.emplace_back(path(), s);
        }
        return out;
    }

    RawTypePtr type()
    {
        if (at(K::LBrace))
            return recordType();
        auto t = std::make_shared<RawType>();
        t->span = peek().span;
        if (atIdent("Set") && peek(1).kind == K::Less) {
            next();
            next();
            t->kind = RawType::Kind::Set;
            t->element = type();
            expect(K::Greater, "`>`");
            return t;
        }
        t->name = path();
        return t;
    }

    RawTypePtr recordType()
    {
        auto t = std::make_shared<RawType>();
        t->kind = RawType::Kind::Record;
        t->span = expect(K::LBrace).span;
        std::set<std::string> seen;
        while (!at(K::RBrace)) {
            skipAnnotations();
            RawAttr a;
            const Token &n = peek();
            a.span = n.span;
            if (n.kind == K::String)
                a.name = str(next());
            else
                a.name = std::string(expect(K::Ident, "an attribute name").text);
            if (!seen.insert(a.name).second)
                fail(a.span, "duplicate attribute `" + a.name + "`");
            if (accept(K::Question))
                a.required = false;
            expect(K::Colon);
            a.type = type();
            t->attrs.push_back(std::move(a));
            if (!accept(K::Comma))
                break;
        }
        expect(K::RBrace);
        return t;
    }

    const std::vector<Token> &m_t;
    Diagnostics &m_diags;
    size_t m_pos = 0;
};

// Turns the raw declarations into a Schema, resolving every name.
class Resolver
{
public:
    Resolver(const RawSchema &p, Diagnostics &diags)
        : m_p(p)
        , m_diags(diags)
    {
        for (const RawCommon &c : p.commons) {
            const std::string q = qualify(c.ns, c.name);
            if (!m_commons.emplace(q, &c).second)
                error(c.span, "duplicate common type `" + q + "`");
        }
        for (const RawEntity &e : p.entities) {
            const std::string q = qualify(e.ns, e.name);
            if (!m_entityNames.insert(q).second)
                error(e.span, "duplicate entity type `" + q + "`");
        }
    }

    std::shared_ptr<const Schema> run()
    {
        auto schema = std::make_shared<Schema>();
        for (const RawEntity &e : m_p.entities) {
            EntityTypeDecl d;
            d.name = qualify(e.ns, e.name);
            d.span = e.span;
            for (const auto &[name, span] : e.memberOf)
                d.memberOf.push_back(entityTypeName(name, e.ns, span));
            d.shape = e.shape ? resolve(*e.shape, e.ns)
                              : std::make_shared<SchemaType>(
                                    SchemaType{SchemaType::Kind::Record, {}, nullptr, {}, false});
            if (e.tags)
                d.tags = resolve(*e.tags, e.ns);
            d.enumIds = e.enumIds;
            schema->entityTypes.emplace(d.name, std::move(d));
        }
        for (const RawAction &a : m_p.actions) {
            ActionDecl d;
            d.uid = EntityUid{qualify(a.ns, "Action"), a.name};
            d.span = a.span;
            for (const RawActionRef &r : a.memberOf)
                d.memberOf.push_back(EntityUid{r.type.empty() ? qualify(a.ns, "Action") : r.type, r.id});
            d.appliesToAnything = a.hasAppliesTo;
            for (const auto &[name, span] : a.principals)
                d.principals.push_back(entityTypeName(name, a.ns, span));
            for (const auto &[name, span] : a.resources)
                d.resources.push_back(entityTypeName(name, a.ns, span));
            if (a.context) {
                d.context = resolve(*a.context, a.ns);
                if (d.context && d.context->kind != SchemaType::Kind::Record)
                    error(a.context->span, "an action's context must be a record type");
            } else {
                d.context = std::make_shared<SchemaType>(
                    SchemaType{SchemaType::Kind::Record, {}, nullptr, {}, false});
            }
            const EntityUid uid = d.uid;
            if (schema->actions.contains(uid))
                error(a.span, "duplicate action " + uid.toString());
            schema->actions.emplace(uid, std::move(d));
        }
        for (const auto &[uid, action] : schema->actions)
            for (const EntityUid &parent : action.memberOf)
                if (!schema->actions.contains(parent))
                    error(action.span, "action " + uid.toString() + " is a member of undeclared action " +
                                           parent.toString());
        if (!m_diags.empty())
            return nullptr;
        return schema;
    }

private:
    void error(const Span &span, std::string message, std::string help = {})
    {
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Error, span, std::move(message), std::move(help)});
    }

    std::string entityTypeName(const std::string &name, const std::string &ns, const Span &span)
    {
        if (m_entityNames.contains(qualify(ns, name)))
            return qualify(ns, name);
        if (m_entityNames.contains(name))
            return name;
        error(span, "undeclared entity type `" + name + "`", suggestion(name));
        return name;
    }

    std::string suggestion(const std::string &name) const
    {
        // The declared name closest in spelling, if it is close.
        std::string best;
        size_t bestDistance = 3;
        for (const std::string &candidate : m_entityNames) {
            const size_t d = editDistance(name, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best.empty() ? std::string() : "did you mean `" + best + "`?";
    }

    SchemaTypePtr resolve(const RawType &t, const std::string &ns)
    {
        if (t.kind == RawType::Kind::Set) {
            auto s = std::make_shared<SchemaType>();
            s->kind = SchemaType::Kind::Set;
            s->element = resolve(*t.element, ns);
            return s;
        }
        if (t.kind == RawType::Kind::Record) {
            auto r = std::make_shared<SchemaType>();
            r->kind = SchemaType::Kind::Record;
            for (const RawAttr &a : t.attrs)
                r->attributes.emplace(a.name, SchemaAttribute{resolve(*a.type, ns), a.required});
            return r;
        }
        return resolveName(t.name, ns, t.span);
    }

    SchemaTypePtr resolveName(const std::string &name, const std::string &ns, const Span &span)
    {
        auto common = [&](const std::string &q) -> SchemaTypePtr {
            const auto it = m_commons.find(q);
            if (it == m_commons.end())
                return nullptr;
            if (const auto done = m_resolvedCommons.find(q); done != m_resolvedCommons.end())
                return done->second;
            if (!m_resolving.insert(q).second) {
                error(span, "common type `" + q + "` refers to itself");
                return builtinType("Bool");
            }
            SchemaTypePtr r = resolve(*it->second->type, it->second->ns);
            m_resolving.erase(q);
            m_resolvedCommons.emplace(q, r);
            return r;
        };
        auto entity = [&](const std::string &q) -> SchemaTypePtr {
            if (!m_entityNames.contains(q))
                return nullptr;
            auto e = std::make_shared<SchemaType>();
            e->kind = SchemaType::Kind::Entity;
            e->name = q;
            return e;
        };
        if (name.starts_with("__cedar::")) {
            const std::string base = name.substr(9);
            if (isBuiltinName(base))
                return builtinType(base);
        }
        if (name.find("::") == std::string::npos) {
            if (auto t = common(qualify(ns, name)))
                return t;
            if (auto t = entity(qualify(ns, name)))
                return t;
            if (isBuiltinName(name))
                return builtinType(name);
        }
        if (auto t = common(name))
            return t;
        if (auto t = entity(name))
            return t;
        error(span, "unknown type `" + name + "`", suggestion(name));
        return builtinType("Bool");
    }

    const RawSchema &m_p;
    Diagnostics &m_diags;
    std::map<std::string, const RawCommon *> m_commons;
    std::set<std::string> m_entityNames;
    std::map<std::string, SchemaTypePtr> m_resolvedCommons;
    std::set<std::string> m_resolving;
};

// Cedar's JSON schema format: {"Namespace": {"entityTypes": {...}, "actions": {...},
// "commonTypes": {...}}}, turned into the same declarations as the human-readable format.
class JsonSchemaReader
{
public:
    explicit JsonSchemaReader(Diagnostics &diags)
        : m_diags(diags)
    {}

    bool read(const nlohmann::json &root, RawSchema &out)
    {
        if (!root.is_object())
            return error("a JSON schema is an object of namespaces");
        for (const auto &[ns, body] : root.items()) {
            if (!body.is_object())
                return error("namespace \"" + ns + "\": expected an object");
            for (const auto &[key, _] : body.items())
                if (key != "entityTypes" && key != "actions" && key != "commonTypes" && key != "annotations")
                    return error("namespace \"" + ns + "\": unknown key \"" + key + "\"");
            if (body.contains("commonTypes"))
                for (const auto &[name, t] : body.at("commonTypes").items()) {
                    RawCommon c;
                    c.ns = ns;
                    c.name = name;
                    if (!(c.type = type(t, "commonTypes." + name)))
                        return false;
                    out.commons.push_back(std::move(c));
                }
            if (body.contains("entityTypes"))
                for (const auto &[name, e] : body.at("entityTypes").items()) {
                    RawEntity r;
                    r.ns = ns;
                    r.name = name;
                    if (!e.is_object())
                        return error("entityTypes." + name + ": expected an object");
                    for (const auto &m : e.value("memberOfTypes", nlohmann::json::array()))
                        if (m.is_string())
                            r.memberOf.emplace_back(m.get<std::string>(), Span{});
                    if (e.contains("shape") &&
                        !(r.shape = type(e.at("shape"), "entityTypes." + name + ".shape")))
                        return false;
                    if (e.contains("tags") && !(r.tags = type(e.at("tags"), "entityTypes." + name + ".tags")))
                        return false;
                    for (const auto &id : e.value("enum", nlohmann::json::array()))
                        if (id.is_string())
                            r.enumIds.push_back(id.get<std::string>());
                    out.entities.push_back(std::move(r));
                }
            if (body.contains("actions"))
                for (const auto &[name, a] : body.at("actions").items()) {
                    RawAction r;
                    r.ns = ns;
                    r.name = name;
                    if (!a.is_object())
                        return error("actions." + name + ": expected an object");
                    for (const auto &m : a.value("memberOf", nlohmann::json::array())) {
                        if (!m.is_object() || !m.contains("id") || !m.at("id").is_string())
                            return error("actions." + name + ".memberOf: expected {\"id\": ...}");
                        r.memberOf.push_back(
                            RawActionRef{m.value("type", std::string()), m.at("id").get<std::string>(), {}});
                    }
                    if (a.contains("appliesTo") && !a.at("appliesTo").is_null()) {
                        const auto &at = a.at("appliesTo");
                        r.hasAppliesTo = true;
                        for (const auto &t : at.value("principalTypes", nlohmann::json::array()))
                            r.principals.emplace_back(t.get<std::string>(), Span{});
                        for (const auto &t : at.value("resourceTypes", nlohmann::json::array()))
                            r.resources.emplace_back(t.get<std::string>(), Span{});
                        if (at.contains("context") &&
                            !(r.context = type(at.at("context"), "actions." + name + ".context")))
                            return false;
                    }
                    out.actions.push_back(std::move(r));
                }
        }
        return true;
    }

private:
    bool error(std::string message)
    {
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Error, Span{}, std::move(message),
                                     "see Cedar's JSON schema format (docs.cedarpolicy.com)"});
        return false;
    }

    RawTypePtr type(const nlohmann::json &t, const std::string &where, int depth = 0)
    {
        if (depth > 100 || !t.is_object() || !t.contains("type") || !t.at("type").is_string()) {
            error(where + ": expected a type such as {\"type\": \"String\"}");
            return nullptr;
        }
        auto r = std::make_shared<RawType>();
        const std::string kind = t.at("type").get<std::string>();
        if (kind == "Set") {
            r->kind = RawType::Kind::Set;
            if (!t.contains("element") ||
                !(r->element = type(t.at("element"), where + ".element", depth + 1)))
                return nullptr;
        } else if (kind == "Record") {
            r->kind = RawType::Kind::Record;
            const nlohmann::json attributes = t.value("attributes", nlohmann::json::object());
            for (const auto &[name, a] : attributes.items()) {
                RawAttr attr;
                attr.name = name;
                attr.required = !a.is_object() || a.value("required", true);
                if (!(attr.type = type(a, where + "." + name, depth + 1)))
                    return nullptr;
                r->attrs.push_back(std::move(attr));
            }
        } else if (kind == "Entity" || kind == "Extension" || kind == "EntityOrCommon") {
            if (!t.contains("name") || !t.at("name").is_string()) {
                error(where + ": \"" + kind + "\" needs a \"name\"");
                return nullptr;
            }
            r->name = t.at("name").get<std::string>();
        } else {
            r->name = kind; // Long, String, Boolean, or a common type's name
        }
        return r;
    }

    Diagnostics &m_diags;
};

} // namespace

std::string SchemaType::toString() const
{
    switch (kind) {
    case Kind::Bool:
        return "Bool";
    case Kind::Long:
        return "Long";
    case Kind::String:
        return "String";
    case Kind::Entity:
    case Kind::Extension:
        return name;
    case Kind::Set:
        return "Set<" + (element ? element->toString() : std::string("?")) + ">";
    case Kind::Record: {
        std::string out = "{";
        for (const auto &[k, a] : attributes)
            out += (out.size() > 1 ? ", " : "") + k + (a.required ? ": " : "?: ") + a.type->toString();
        return out + "}";
    }
    }
    return "?";
}

const EntityTypeDecl *Schema::entityType(const std::string &name) const
{
    const auto it = entityTypes.find(name);
    return it == entityTypes.end() ? nullptr : &it->second;
}

const ActionDecl *Schema::action(const EntityUid &uid) const
{
    const auto it = actions.find(uid);
    return it == actions.end() ? nullptr : &it->second;
}

bool Schema::mayBeIn(const std::string &type, const std::string &ancestor) const
{
    if (type == ancestor)
        return true;
    std::set<std::string> seen;
    std::vector<std::string> stack{type};
    while (!stack.empty()) {
        const std::string t = stack.back();
        stack.pop_back();
        const EntityTypeDecl *d = entityType(t);
        if (!d)
            continue;
        for (const std::string &p : d->memberOf) {
            if (p == ancestor)
                return true;
            if (seen.insert(p).second)
                stack.push_back(p);
        }
    }
    return false;
}

SchemaParseResult parseSchema(std::string_view source)
{
    SchemaParseResult result;
    Lexer lexer(source);
    result.diagnostics = std::move(lexer.diagnostics);
    if (!result.diagnostics.empty())
        return result;
    SchemaParser parser(lexer.tokens, result.diagnostics);
    parser.run();
    if (!result.diagnostics.empty())
        return result;
    Resolver resolver(parser, result.diagnostics);
    result.schema = resolver.run();
    return result;
}

SchemaParseResult parseSchemaAnyFormat(std::string_view source)
{
    const size_t first = source.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && source[first] == '{' ? parseSchemaJson(source)
                                                                   : parseSchema(source);
}

SchemaParseResult parseSchemaJson(std::string_view source)
{
    SchemaParseResult result;
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(source.begin(), source.end());
    } catch (const nlohmann::json::exception &e) {
        result.diagnostics.push_back(
            Diagnostic{Diagnostic::Severity::Error, Span{}, std::string("invalid JSON: ") + e.what(), {}});
        return result;
    }
    RawSchema raw;
    JsonSchemaReader reader(result.diagnostics);
    if (!reader.read(root, raw))
        return result;
    Resolver resolver(raw, result.diagnostics);
    result.schema = resolver.run();
    return result;
}

} // namespace paddock::cedar
