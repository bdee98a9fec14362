// Cedar's strict validator, following the reference implementation (cedar-policy-core 4.x,
// src/validator: rbac.rs for the scope checks, typecheck.rs and types.rs for the typechecker).
// The structure mirrors the reference so that the two can be compared rule by rule: a policy is
// the condition `((principal-scope && action-scope) && resource-scope) && conditions`, and it is
// typechecked once per request environment the schema declares.
#include "policy/Validator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace paddock::cedar {

namespace {

// Expressions nested deeper than this are refused rather than risking the stack. Chains of `&&`
// and `||` (long allow-lists) do not count: they are typechecked in a loop.
constexpr int MaxDepth = 400;

// ---------------------------------------------------------------------------------------------
// Types

struct VType;
using TypeP = std::shared_ptr<const VType>;

struct VAttr
{
    TypeP type;
    bool required = true;
};

struct VType
{
    enum class K : uint8_t { Never, True, False, Bool, Long, String, Set, Record, Entity, AnyEntity, Ext };
    K k = K::Never;
    TypeP element;                      // Set: element type; null for "any set" (only as an expectation)
    std::map<std::string, VAttr> attrs; // Record
    bool open = false;                  // Record: may hold undeclared attributes
    std::string name;                   // Entity: entity type; Ext: extension type
    bool action = false;                // Entity: an action entity type (`Action`, `NS::Action`)
};
using K = VType::K;

TypeP makeType(K k)
{
    auto t = std::make_shared<VType>();
    t->k = k;
    return t;
}

const TypeP &tNever()
{
    static const TypeP t = makeType(K::Never);
    return t;
}
const TypeP &tTrue()
{
    static const TypeP t = makeType(K::True);
    return t;
}
const TypeP &tFalse()
{
    static const TypeP t = makeType(K::False);
    return t;
}
const TypeP &tSingleton(bool v)
{
    return v ? tTrue() : tFalse();
}
const TypeP &tBool()
{
    static const TypeP t = makeType(K::Bool);
    return t;
}
const TypeP &tLong()
{
    static const TypeP t = makeType(K::Long);
    return t;
}
const TypeP &tString()
{
    static const TypeP t = makeType(K::String);
    return t;
}
const TypeP &tAnyEntity()
{
    static const TypeP t = makeType(K::AnyEntity);
    return t;
}
const TypeP &tAnySet()
{
    static const TypeP t = makeType(K::Set);
    return t;
}
TypeP tSet(TypeP element)
{
    auto t = std::make_shared<VType>();
    t->k = K::Set;
    t->element = std::move(element);
    return t;
}
TypeP tRecord(std::map<std::string, VAttr> attrs, bool open)
{
    auto t = std::make_shared<VType>();
    t->k = K::Record;
    t->attrs = std::move(attrs);
    t->open = open;
    return t;
}
const TypeP &tAnyRecord()
{
    static const TypeP t = tRecord({}, true);
    return t;
}
TypeP tEntity(std::string name, bool action)
{
    auto t = std::make_shared<VType>();
    t->k = K::Entity;
    t->name = std::move(name);
    t->action = action;
    return t;
}
TypeP tExt(std::string name)
{
    auto t = std::make_shared<VType>();
    t->k = K::Ext;
    t->name = std::move(name);
    return t;
}
const TypeP &tSetOfEntities()
{
    static const TypeP t = tSet(tAnyEntity());
    return t;
}

bool isBoolish(K k)
{
    return k == K::True || k == K::False || k == K::Bool;
}

bool isActionType(const std::string &type)
{
    return type == "Action" || type.ends_with("::Action");
}

std::string showType(const VType &t)
{
    switch (t.k) {
    case K::Never:
        return "Never";
    case K::True:
    case K::False:
    case K::Bool:
        return "Bool";
    case K::Long:
        return "Long";
    case K::String:
        return "String";
    case K::Set:
        return t.element ? "Set<" + showType(*t.element) + ">" : "Set";
    case K::Record: {
        if (t.open && t.attrs.empty())
            return "record";
        std::string out = "{";
        for (const auto &[name, attr] : t.attrs) {
            if (out.size() > 1)
                out += ", ";
            out += name + (attr.required ? ": " : "?: ") + showType(*attr.type);
        }
        if (t.open)
            out += out.size() > 1 ? ", ..." : "...";
        return out + "}";
    }
    case K::Entity:
    case K::Ext:
        return t.name;
    case K::AnyEntity:
        return "entity";
    }
    return "?";
}

bool sameType(const VType &a, const VType &b)
{
    if (a.k != b.k)
        return false;
    switch (a.k) {
    case K::Set:
        if (!a.element || !b.element)
            return !a.element && !b.element;
        return sameType(*a.element, *b.element);
    case K::Record:
        if (a.open != b.open || a.attrs.size() != b.attrs.size())
            return false;
        for (auto i = a.attrs.begin(), j = b.attrs.begin(); i != a.attrs.end(); ++i, ++j)
            if (i->first != j->first || i->second.required != j->second.required ||
                !sameType(*i->second.type, *j->second.type))
                return false;
        return true;
    case K::Entity:
        return a.name == b.name && a.action == b.action;
    case K::Ext:
        return a.name == b.name;
    default:
        return true;
    }
}

bool isSubtype(const VType &a, const VType &b, bool strict);

bool attrsSubtype(const VType &a, const VType &b, bool strict)
{
    for (const auto &[name, battr] : b.attrs) {
        const auto it = a.attrs.find(name);
        if (it == a.attrs.end())
            return false;
        const bool qualifier =
            strict ? it->second.required == battr.required : (it->second.required || !battr.required);
        if (!qualifier || !isSubtype(*it->second.type, *battr.type, strict))
            return false;
    }
    return true;
}

bool sameKeys(const VType &a, const VType &b)
{
    if (a.attrs.size() != b.attrs.size())
        return false;
    for (auto i = a.attrs.begin(), j = b.attrs.begin(); i != a.attrs.end(); ++i, ++j)
        if (i->first != j->first)
            return false;
    return true;
}

// Strict subtyping is depth-only; the permissive relation is used where the reference uses it:
// to check that an operand is "some entity", "some record" or "some set".
bool isSubtype(const VType &a, const VType &b, bool strict)
{
    if (a.k == K::Never)
        return true;
    switch (b.k) {
    case K::Never:
        return false;
    case K::Bool:
        return isBoolish(a.k);
    case K::True:
    case K::False:
    case K::Long:
    case K::String:
        return a.k == b.k;
    case K::Set:
        if (a.k != K::Set)
            return false;
        if (!b.element)
            return true;
        if (!a.element)
            return false;
        return isSubtype(*a.element, *b.element, strict);
    case K::Record:
        if (a.k != K::Record || (a.open && !b.open))
            return false;
        return (b.open && !strict && attrsSubtype(a, b, strict)) ||
               (sameKeys(a, b) && attrsSubtype(a, b, strict));
    case K::Entity:
        return a.k == K::Entity && a.name == b.name && a.action == b.action;
    case K::AnyEntity:
        return a.k == K::AnyEntity || (!strict && a.k == K::Entity);
    case K::Ext:
        return a.k == K::Ext && a.name == b.name;
    }
    return false;
}

enum class LubHint : uint8_t { None, RecordWidth, AttributeQualifier, EntityType, EntityRecord };

struct Lub
{
    TypeP type; // null when there is no least upper bound
    LubHint hint = LubHint::None;
};

// The least upper bound in strict mode: entity types are never widened, records must have the same
// attributes with the same optionality.
Lub leastUpperBound(const TypeP &a, const TypeP &b)
{
    if (isSubtype(*a, *b, true))
        return {b};
    if (isSubtype(*b, *a, true))
        return {a};
    if ((a->k == K::True || a->k == K::False) && (b->k == K::True || b->k == K::False))
        return {tBool()};
    if (a->k == K::Set && b->k == K::Set) {
        if (!a->element || !b->element)
            return {tAnySet()};
        Lub e = leastUpperBound(a->element, b->element);
        if (!e.type)
            return e;
        return {tSet(e.type)};
    }
    const auto entityOrRecord = [](K k) { return k == K::Record || k == K::Entity || k == K::AnyEntity; };
    if (entityOrRecord(a->k) && entityOrRecord(b->k)) {
        if (a->k == K::Record && b->k == K::Record) {
            if (!sameKeys(*a, *b))
                return {nullptr, LubHint::RecordWidth};
            std::map<std::string, VAttr> attrs;
            for (const auto &[name, aattr] : a->attrs) {
                const VAttr &battr = b->attrs.at(name);
                Lub l = leastUpperBound(aattr.type, battr.type);
                if (!l.type)
                    return l;
                if (aattr.required != battr.required)
                    return {nullptr, LubHint::AttributeQualifier};
                attrs.emplace(name, VAttr{l.type, aattr.required});
            }
            return {tRecord(std::move(attrs), a->open || b->open)};
        }
        if (a->k == K::Record || b->k == K::Record)
            return {nullptr, LubHint::EntityRecord};
        return {nullptr, LubHint::EntityType};
    }
    return {nullptr, LubHint::None};
}

const char *lubHintText(LubHint hint)
{
    switch (hint) {
    case LubHint::RecordWidth:
        return "compatible record types must have exactly the same attributes";
    case LubHint::AttributeQualifier:
        return "corresponding attributes of compatible record types must have the same optionality, either "
               "both required or both optional";
    case LubHint::EntityType:
        return "different entity types are never compatible, even when their attributes would be";
    case LubHint::EntityRecord:
        return "entity and record types are never compatible, even when their attributes would be";
    case LubHint::None:
        break;
    }
    return "types must be exactly equal to be compatible";
}

enum class LubContext : uint8_t { Set, Conditional, Equality, Contains, ContainsAnyAll, GetTag };

const char *lubContextText(LubContext context)
{
    switch (context) {
    case LubContext::Set:
        return "the elements of a set";
    case LubContext::Conditional:
        return "both branches of a conditional";
    case LubContext::Equality:
        return "both operands of `==`";
    case LubContext::Contains:
        return "the elements of the set and the argument of `contains`";
    case LubContext::ContainsAnyAll:
        return "the elements of both sets of `containsAll` or `containsAny`";
    case LubContext::GetTag:
        return "the tag types of the entity types `getTag` may apply to";
    }
    return "the operands";
}

// The candidate closest in spelling, if it is close enough to be a plausible typo; a name that
// only lacks its namespace (`User` for `App::User`) finds the qualified one.
std::string closest(const std::string &word, const std::vector<std::string> &candidates)
{
    if (word.empty())
        return {};
    for (const std::string &c : candidates)
        if (c.ends_with("::" + word))
            return c;
    std::string best;
    size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const std::string &c : candidates) {
        const size_t d = editDistance(word, c);
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

std::string didYouMean(const std::string &suggestion)
{
    return suggestion.empty() ? std::string() : "did you mean `" + suggestion + "`?";
}

// ---------------------------------------------------------------------------------------------
// Extension functions

struct ExtSignature
{
    std::vector<TypeP> args;
    TypeP result;
    const char *constructs = nullptr; // constructors: what the literal must parse as
};

ExtSignature extSignature(ExtFn fn)
{
    const TypeP ip = tExt("ipaddr"), decimal = tExt("decimal"), datetime = tExt("datetime"),
                duration = tExt("duration");
    switch (fn) {
    case ExtFn::Ip:
        return {{tString()}, ip, "an IP address"};
    case ExtFn::Decimal:
        return {{tString()}, decimal, "a decimal value"};
    case ExtFn::Datetime:
        return {{tString()}, datetime, "a datetime value"};
    case ExtFn::Duration:
        return {{tString()}, duration, "a duration value"};
    case ExtFn::IsIpv4:
    case ExtFn::IsIpv6:
    case ExtFn::IsLoopback:
    case ExtFn::IsMulticast:
        return {{ip}, tBool()};
    case ExtFn::IsInRange:
        return {{ip, ip}, tBool()};
    case ExtFn::LessThan:
    case ExtFn::LessThanOrEqual:
    case ExtFn::GreaterThan:
    case ExtFn::GreaterThanOrEqual:
        return {{decimal, decimal}, tBool()};
    case ExtFn::Offset:
        return {{datetime, duration}, datetime};
    case ExtFn::DurationSince:
        return {{datetime, datetime}, duration};
    case ExtFn::ToDate:
        return {{datetime}, datetime};
    case ExtFn::ToTime:
        return {{datetime}, duration};
    case ExtFn::ToMilliseconds:
    case ExtFn::ToSeconds:
    case ExtFn::ToMinutes:
    case ExtFn::ToHours:
    case ExtFn::ToDays:
        return {{duration}, tLong()};
    }
    return {{}, tNever()};
}

// Empty when the literal is a valid argument of the constructor, else the parser's complaint.
std::optional<std::string> extLiteralError(ExtFn fn, const std::string &text)
{
    const auto complaint = [](const auto &parsed) -> std::optional<std::string> {
        if (parsed)
            return std::nullopt;
        return parsed.error();
    };
    switch (fn) {
    case ExtFn::Ip:
        return complaint(IpAddr::parse(text));
    case ExtFn::Decimal:
        return complaint(Decimal::parse(text));
    case ExtFn::Datetime:
        return complaint(Datetime::parse(text));
    case ExtFn::Duration:
        return complaint(Duration::parse(text));
    default:
        return std::nullopt;
    }
}

// `<`, `<=`, `>`, `>=` apply to Long and to the extension types that overload them.
bool isComparable(const VType &t)
{
    return t.k == K::Long || (t.k == K::Ext && (t.name == "datetime" || t.name == "duration"));
}

const std::vector<TypeP> &comparableTypes()
{
    static const std::vector<TypeP> types{tExt("datetime"), tExt("duration"), tLong()};
    return types;
}

// ---------------------------------------------------------------------------------------------
// Capabilities: facts "attribute a (or tag t) exists on expression e", learned from `has` and
// `hasTag` and valid where the test is known to be true. Expressions compare by shape.

// Structural equality ignoring source positions, without recursion (expression chains may be long).
bool sameShape(const Expr &a, const Expr &b)
{
    std::vector<std::pair<const Expr *, const Expr *>> stack{{&a, &b}};
    while (!stack.empty()) {
        const auto [x, y] = stack.back();
        stack.pop_back();
        if (x->op != y->op || x->args.size() != y->args.size())
            return false;
        switch (x->op) {
        case Expr::Op::Literal:
            if (!(x->value == y->value))
                return false;
            break;
        case Expr::Op::Variable:
            if (x->var != y->var)
                return false;
            break;
        case Expr::Op::Slot:
            if (x->slot != y->slot)
                return false;
            break;
        case Expr::Op::Has:
        case Expr::Op::GetAttr:
        case Expr::Op::Is:
        case Expr::Op::IsIn:
            if (x->name != y->name)
                return false;
            break;
        case Expr::Op::Like:
            if (x->pattern.size() != y->pattern.size())
                return false;
            for (size_t i = 0; i < x->pattern.size(); ++i)
                if (x->pattern[i].wildcard != y->pattern[i].wildcard ||
                    x->pattern[i].text != y->pattern[i].text)
                    return false;
            break;
        case Expr::Op::Call:
            if (x->fn != y->fn)
                return false;
            break;
        case Expr::Op::RecordLiteral: {
            // Records are maps: compare by key, not by the order written.
            if (x->keys.size() != y->keys.size())
                return false;
            for (size_t i = 0; i < x->keys.size(); ++i) {
                const auto it = std::find(y->keys.begin(), y->keys.end(), x->keys[i]);
                if (it == y->keys.end())
                    return false;
                stack.emplace_back(x->args[i].get(),
                                   y->args[static_cast<size_t>(it - y->keys.begin())].get());
            }
            continue;
        }
        default:
            break;
        }
        for (size_t i = 0; i < x->args.size(); ++i)
            stack.emplace_back(x->args[i].get(), y->args[i].get());
    }
    return true;
}

struct Capability
{
    const Expr *on = nullptr;
    const Expr *tag = nullptr; // for a tag; null for an attribute
    std::string attr;

    bool matches(const Capability &o) const
    {
        if ((tag == nullptr) != (o.tag == nullptr))
            return false;
        if (tag ? !sameShape(*tag, *o.tag) : attr != o.attr)
            return false;
        return sameShape(*on, *o.on);
    }
};

using CapSet = std::vector<Capability>;

bool contains(const CapSet &set, const Capability &c)
{
    return std::any_of(set.begin(), set.end(), [&](const Capability &x) { return x.matches(c); });
}

CapSet unite(const CapSet &a, const CapSet &b)
{
    CapSet out = a;
    for (const Capability &c : b)
        if (!contains(out, c))
            out.push_back(c);
    return out;
}

CapSet intersect(const CapSet &a, const CapSet &b)
{
    CapSet out;
    for (const Capability &c : a)
        if (contains(b, c))
            out.push_back(c);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Typechecking answers: a type (possibly known even when the expression failed to typecheck, as
// the reference's "recovery type"), the capabilities learned when it is true, and success.

struct Answer
{
    TypeP type;
    CapSet caps; // empty unless ok
    bool ok = true;
    bool aborted = false; // nested too deeply; an error was reported
};

Answer success(TypeP type, CapSet caps = {})
{
    return Answer{std::move(type), std::move(caps), true, false};
}

Answer failure(TypeP type)
{
    return Answer{std::move(type), {}, false, false};
}

Answer aborted()
{
    return Answer{nullptr, {}, false, true};
}

// Sequences a step after an answer: the step sees the type, and the capabilities only if the
// answer succeeded; a failed answer makes the result fail (the reference's `then_typecheck`).
template <typename F> Answer then(Answer a, F &&step)
{
    if (a.aborted)
        return a;
    const bool ok = a.ok;
    Answer r = step(a.type, ok ? std::move(a.caps) : CapSet{});
    if (!ok && !r.aborted) {
        r.ok = false;
        r.caps.clear();
    }
    return r;
}

bool isType(const TypeP &t, K k)
{
    return t && t->k == k;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// What the validator precomputes from the schema.

struct Validator::Index
{
    const Schema &schema;
    std::map<std::string, TypeP> shapes; // entity type -> its attributes (a record type)
    std::map<std::string, TypeP> tags;   // entity type -> its tag type, for types with tags
    std::map<EntityUid, TypeP> contexts; // action -> its context (a record type)
    std::map<std::string, std::set<std::string>> descendants; // entity type -> types that may be in it
    std::map<EntityUid, std::set<EntityUid>> actionDescendants;
    std::vector<std::string> entityTypeNames;
    std::vector<std::string> actionNames; // Cedar syntax, for suggestions
    std::unordered_map<const SchemaType *, TypeP> converted;

    explicit Index(const Schema &s)
        : schema(s)
    {
        for (const auto &[name, decl] : schema.entityTypes) {
            entityTypeNames.push_back(name);
            shapes.emplace(name, decl.shape ? convert(*decl.shape) : tRecord({}, false));
            if (decl.tags)
                tags.emplace(name, convert(*decl.tags));
        }
        for (const auto &[uid, action] : schema.actions) {
            actionNames.push_back(uid.toString());
            contexts.emplace(uid, action.context ? convert(*action.context) : tRecord({}, false));
        }
        // Descendants: every type from which a chain of memberOf reaches the ancestor.
        for (const auto &[name, decl] : schema.entityTypes) {
            std::set<std::string> seen;
            std::vector<std::string> stack(decl.memberOf.begin(), decl.memberOf.end());
            while (!stack.empty()) {
                const std::string ancestor = stack.back();
                stack.pop_back();
                if (!seen.insert(ancestor).second)
                    continue;
                descendants[ancestor].insert(name);
                if (const EntityTypeDecl *parent = schema.entityType(ancestor))
                    stack.insert(stack.end(), parent->memberOf.begin(), parent->memberOf.end());
            }
        }
        for (const auto &[uid, action] : schema.actions) {
            std::set<EntityUid> seen;
            std::vector<EntityUid> stack(action.memberOf.begin(), action.memberOf.end());
            while (!stack.empty()) {
                const EntityUid ancestor = stack.back();
                stack.pop_back();
                if (!seen.insert(ancestor).second)
                    continue;
                actionDescendants[ancestor].insert(uid);
                if (const ActionDecl *parent = schema.action(ancestor))
                    stack.insert(stack.end(), parent->memberOf.begin(), parent->memberOf.end());
            }
        }
    }

    TypeP convert(const SchemaType &t)
    {
        if (const auto it = converted.find(&t); it != converted.end())
            return it->second;
        TypeP out;
        switch (t.kind) {
        case SchemaType::Kind::Bool:
            out = tBool();
            break;
        case SchemaType::Kind::Long:
            out = tLong();
            break;
        case SchemaType::Kind::String:
            out = tString();
            break;
        case SchemaType::Kind::Entity:
            out = tEntity(t.name, false);
            break;
        case SchemaType::Kind::Extension:
            out = tExt(t.name);
            break;
        case SchemaType::Kind::Set:
            out = tSet(t.element ? convert(*t.element) : tNever());
            break;
        case SchemaType::Kind::Record: {
            std::map<std::string, VAttr> attrs;
            for (const auto &[name, attr] : t.attributes)
                attrs.emplace(name, VAttr{attr.type ? convert(*attr.type) : tNever(), attr.required});
            out = tRecord(std::move(attrs), t.open);
            break;
        }
        }
        converted.emplace(&t, out);
        return out;
    }

    bool isKnownEntityType(const std::string &type) const
    {
        return isActionType(type) || schema.entityTypes.contains(type);
    }

    // Entity types whose entities may be `in` an entity of this type, including the type itself.
    std::vector<std::string> typesIn(const std::string &type) const
    {
        std::vector<std::string> out;
        if (const auto it = descendants.find(type); it != descendants.end())
            out.assign(it->second.begin(), it->second.end());
        out.push_back(type);
        return out;
    }

    bool mayBeIn(const std::string &type, const std::string &ancestor) const
    {
        if (type == ancestor)
            return true;
        const auto it = descendants.find(ancestor);
        return it != descendants.end() && it->second.contains(type);
    }

    // The actions in any of these, each included: nullopt when one is not a declared action.
    std::optional<std::set<EntityUid>> actionsIn(const std::vector<EntityUid> &uids) const
    {
        std::set<EntityUid> out;
        for (const EntityUid &uid : uids) {
            if (!schema.action(uid))
                return std::nullopt;
            out.insert(uid);
            if (const auto it = actionDescendants.find(uid); it != actionDescendants.end())
                out.insert(it->second.begin(), it->second.end());
        }
        return out;
    }

    // Whether an entity of type `lhs` may be in one of type `rhs`, in the entity or action hierarchy.
    bool mayBeDescendant(const std::string &lhs, const std::string &rhs) const
    {
        if (mayBeIn(lhs, rhs))
            return true;
        for (const auto &[uid, action] : schema.actions) {
            if (uid.type != rhs)
                continue;
            if (const auto it = actionDescendants.find(uid); it != actionDescendants.end())
                for (const EntityUid &d : it->second)
                    if (d.type == lhs)
                        return true;
        }
        return false;
    }

    // Attributes of an entity type (actions have none). Open when the type is unknown.
    TypeP attributesOf(const VType &entity) const
    {
        if (entity.action)
            return tRecord({}, false);
        const auto it = shapes.find(entity.name);
        return it == shapes.end() ? tAnyRecord() : it->second;
    }
};

namespace {

using Index = Validator::Index;

// One request environment: an action with one principal type and one resource type it applies
// to, and for templates the entity types the slots are linked to.
struct Env
{
    const ActionDecl *action = nullptr;
    std::string principal, resource;
    std::optional<std::string> principalSlot, resourceSlot;
};

enum class Help : uint8_t {
    None,
    TryUsingLike,
    TryUsingContains,
    TryUsingSingleContains,
    TryUsingHas,
    TryUsingIs,
    TryUsingIn,
    TryUsingEqEmptyString,
    TypeTestNotSupported,
    ConcatenationNotSupported,
    SetOperationsNotSupported,
};

const char *helpText(Help help)
{
    switch (help) {
    case Help::None:
        return "";
    case Help::TryUsingLike:
        return "try using `like` to examine the contents of a string";
    case Help::TryUsingContains:
        return "try using `contains`, `containsAny`, or `containsAll` to examine the contents of a set";
    case Help::TryUsingSingleContains:
        return "try using `contains` to test if a single element is in a set";
    case Help::TryUsingHas:
        return "try using `has` to test for an attribute";
    case Help::TryUsingIs:
        return "try using `is` to test for an entity type";
    case Help::TryUsingIn:
        return "try using `in` for entity hierarchy membership";
    case Help::TryUsingEqEmptyString:
        return "try using `== \"\"` to test if a string is empty";
    case Help::TypeTestNotSupported:
        return "Cedar only supports run-time type tests for entities";
    case Help::ConcatenationNotSupported:
        return "Cedar does not support string concatenation";
    case Help::SetOperationsNotSupported:
        return "Cedar does not support computing the union, intersection, or difference of sets";
    }
    return "";
}

using HelpFn = Help (*)(const VType &);

Help noHelp(const VType &)
{
    return Help::None;
}

// A short rendering of simple expressions for messages (the tag of `getTag`).
std::string describe(const Expr &e)
{
    if (e.op == Expr::Op::Literal)
        return e.value.toString();
    if (e.op == Expr::Op::Variable)
        return e.name;
    if (e.op == Expr::Op::GetAttr && e.args.size() == 1) {
        const std::string inner = describe(*e.args[0]);
        return inner.empty() ? std::string() : inner + "." + e.name;
    }
    return {};
}

// Typechecks one policy in every request environment and runs the schema checks.
class Checker
{
public:
    Checker(const Index &index, const Policy &policy)
        : m_ix(index)
        , m_policy(policy)
    {}

    Diagnostics run()
    {
        collectLiterals();
        checkEntityTypes();
        checkEnumEntities();
        checkActionIds();
        checkActionApplication();
        typecheckPolicy();
        return finish();
    }

private:
    // ---- diagnostics

    void error(const Span &span, std::string message, std::string help = {})
    {
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Error, span, std::move(message), std::move(help)});
    }

    void unexpectedType(const Span &span, const std::vector<TypeP> &expected, const VType &actual, Help help)
    {
        std::string list;
        for (size_t i = 0; i < expected.size(); ++i) {
            if (i > 0)
                list += i + 1 == expected.size() ? " or " : ", ";
            list += showType(*expected[i]);
        }
        error(span, "unexpected type: expected " + list + " but saw " + showType(actual), helpText(help));
    }

    void incompatibleTypes(const Span &span, const std::vector<TypeP> &types, LubHint hint,
                           LubContext context)
    {
        std::vector<std::string> names;
        for (const TypeP &t : types) {
            std::string n = showType(*t);
            if (std::find(names.begin(), names.end(), n) == names.end())
                names.push_back(std::move(n));
        }
        std::sort(names.begin(), names.end());
        std::string list;
        for (size_t i = 0; i < names.size(); ++i) {
            if (i > 0)
                list += i + 1 == names.size() ? " and " : ", ";
            list += names[i];
        }
        error(span, "the types " + list + " are not compatible",
              std::string(lubContextText(context)) + " must have compatible types: " + lubHintText(hint));
    }

    Diagnostics finish()
    {
        Diagnostics out;
        for (Diagnostic &d : m_diags) {
            const bool duplicate = std::any_of(out.begin(), out.end(), [&](const Diagnostic &o) {
                return o.severity == d.severity && o.span.offset == d.span.offset &&
                       o.span.length == d.span.length && o.message == d.message && o.help == d.help;
            });
            if (!duplicate)
                out.push_back(std::move(d));
        }
        std::stable_sort(out.begin(), out.end(), [](const Diagnostic &a, const Diagnostic &b) {
            return a.span.offset < b.span.offset;
        });
        return out;
    }

    // ---- schema checks (rbac.rs)

    struct LiteralUse
    {
        EntityUid uid;
        Span span;
    };
    struct TypeUse
    {
        std::string type;
        Span span;
    };

    // Entity literals and `is` types of the conditions, walked without recursion.
    void collectLiterals()
    {
        std::vector<const Expr *> stack;
        for (const Condition &c : m_policy.conditions)
            if (c.expr)
                stack.push_back(c.expr.get());
        while (!stack.empty()) {
            const Expr *e = stack.back();
            stack.pop_back();
            if (e->op == Expr::Op::Literal && e->value.kind() == Value::Kind::Entity)
                m_literals.push_back({e->value.asEntity(), e->span});
            if (e->op == Expr::Op::Is || e->op == Expr::Op::IsIn)
                m_isTypes.push_back({e->name, e->span});
            for (auto it = e->args.rbegin(); it != e->args.rend(); ++it)
                stack.push_back(it->get());
        }
    }

    // Every entity uid the policy names, in the scope and in the conditions.
    std::vector<LiteralUse> allUids() const
    {
        std::vector<LiteralUse> out;
        for (const ScopeConstraint *sc : {&m_policy.principal, &m_policy.action, &m_policy.resource})
            for (const EntityUid &uid : sc->entities)
                out.push_back({uid, sc->span});
        out.insert(out.end(), m_literals.begin(), m_literals.end());
        return out;
    }

    void checkEntityTypes()
    {
        std::vector<TypeUse> uses;
        for (const ScopeConstraint *sc : {&m_policy.principal, &m_policy.action, &m_policy.resource}) {
            if (sc->kind == ScopeConstraint::Kind::Is || sc->kind == ScopeConstraint::Kind::IsIn)
                uses.push_back({sc->entityType, sc->span});
            for (const EntityUid &uid : sc->entities)
                uses.push_back({uid.type, sc->span});
        }
        for (const LiteralUse &l : m_literals)
            uses.push_back({l.uid.type, l.span});
        uses.insert(uses.end(), m_isTypes.begin(), m_isTypes.end());
        for (const TypeUse &u : uses)
            if (!m_ix.isKnownEntityType(u.type))
                error(u.span, "unrecognized entity type `" + u.type + "`",
                      didYouMean(closest(u.type, m_ix.entityTypeNames)));
    }

    void checkEnumEntities()
    {
        for (const LiteralUse &l : allUids()) {
            if (isActionType(l.uid.type))
                continue;
            const EntityTypeDecl *decl = m_ix.schema.entityType(l.uid.type);
            if (!decl || decl->enumIds.empty())
                continue;
            if (std::find(decl->enumIds.begin(), decl->enumIds.end(), l.uid.id) != decl->enumIds.end())
                continue;
            std::string ids;
            for (const std::string &id : decl->enumIds)
                ids += (ids.empty() ? "" : ", ") + quoteString(id);
            error(l.span,
                  "entity `" + l.uid.toString() + "` is of an enumerated entity type, but " +
                      quoteString(l.uid.id) + " is not one of its declared ids",
                  "the ids of `" + l.uid.type + "` are " + ids);
        }
    }

    void checkActionIds()
    {
        for (const LiteralUse &l : allUids()) {
            if (!isActionType(l.uid.type) || m_ix.schema.action(l.uid))
                continue;
            std::string help;
            for (const auto &[uid, action] : m_ix.schema.actions)
                if (uid.id.find("Action::" + l.uid.id) != std::string::npos ||
                    uid.id.find("Action::\"" + l.uid.id + "\"") != std::string::npos)
                    help = "did you intend to include the type in action `" + uid.toString() + "`?";
            if (help.empty())
                help = didYouMean(suggestAction(l.uid));
            error(l.span, "unrecognized action `" + l.uid.toString() + "`", help);
        }
    }

    // A declared action spelled like this one: the same name in a namespace, or a close id.
    std::string suggestAction(const EntityUid &uid) const
    {
        const std::string written = uid.toString();
        for (const std::string &name : m_ix.actionNames)
            if (name.ends_with("::" + written))
                return name;
        std::vector<std::string> ids;
        for (const auto &[declared, action] : m_ix.schema.actions)
            if (declared.type == uid.type)
                ids.push_back(declared.id);
        const std::string id = closest(uid.id, ids);
        return id.empty() ? std::string() : EntityUid{uid.type, id}.toString();
    }

    // The actions the action scope admits (declared ones only).
    std::vector<const ActionDecl *> scopeActions() const
    {
        std::vector<const ActionDecl *> out;
        const ScopeConstraint &sc = m_policy.action;
        switch (sc.kind) {
        case ScopeConstraint::Kind::Any:
            for (const auto &[uid, action] : m_ix.schema.actions)
                out.push_back(&action);
            break;
        case ScopeConstraint::Kind::Eq:
            if (!sc.entities.empty())
                if (const ActionDecl *a = m_ix.schema.action(sc.entities.front()))
                    out.push_back(a);
            break;
        case ScopeConstraint::Kind::In:
            if (const auto in = m_ix.actionsIn(sc.entities))
                for (const EntityUid &uid : *in)
                    out.push_back(m_ix.schema.action(uid));
            break;
        default:
            break;
        }
        return out;
    }

    // The entity types a principal or resource scope admits.
    std::set<std::string> scopeTypes(const ScopeConstraint &sc) const
    {
        std::set<std::string> out;
        const auto all = [&] { out.insert(m_ix.entityTypeNames.begin(), m_ix.entityTypeNames.end()); };
        switch (sc.kind) {
        case ScopeConstraint::Kind::Any:
            all();
            break;
        case ScopeConstraint::Kind::Eq:
            if (sc.slot)
                all();
            else if (!sc.entities.empty())
                out.insert(sc.entities.front().type);
            break;
        case ScopeConstraint::Kind::In:
            if (sc.slot) {
                all();
            } else if (!sc.entities.empty()) {
                for (std::string &t : m_ix.typesIn(sc.entities.front().type))
                    out.insert(std::move(t));
            }
            break;
        case ScopeConstraint::Kind::Is:
            if (m_ix.isKnownEntityType(sc.entityType))
                out.insert(sc.entityType);
            break;
        case ScopeConstraint::Kind::IsIn:
            if (sc.slot) {
                if (m_ix.isKnownEntityType(sc.entityType))
                    out.insert(sc.entityType);
            } else if (!sc.entities.empty()) {
                for (const std::string &t : m_ix.typesIn(sc.entities.front().type))
                    if (t == sc.entityType)
                        out.insert(t);
            }
            break;
        }
        return out;
    }

    // Whether `principal == T::"x"` would admit an applicable action as `principal in T::"x"`.
    bool inWouldFix(const ScopeConstraint &sc, const std::vector<const ActionDecl *> &actions,
                    bool principal) const
    {
        if (sc.kind != ScopeConstraint::Kind::Eq || sc.slot || sc.entities.empty())
            return false;
        const std::string &type = sc.entities.front().type;
        const auto typesOf = [&](const ActionDecl *a) -> const std::vector<std::string> & {
            return principal ? a->principals : a->resources;
        };
        for (const ActionDecl *a : actions)
            if (std::find(typesOf(a).begin(), typesOf(a).end(), type) != typesOf(a).end())
                return false;
        if (!m_ix.schema.entityType(type))
            return false;
        const auto it = m_ix.descendants.find(type);
        if (it == m_ix.descendants.end())
            return false;
        for (const ActionDecl *a : actions)
            for (const std::string &t : typesOf(a))
                if (it->second.contains(t))
                    return true;
        return false;
    }

    void checkActionApplication()
    {
        const std::vector<const ActionDecl *> actions = scopeActions();
        const std::set<std::string> principals = scopeTypes(m_policy.principal);
        const std::set<std::string> resources = scopeTypes(m_policy.resource);
        for (const ActionDecl *a : actions) {
            const bool p = std::any_of(a->principals.begin(), a->principals.end(),
                                       [&](const std::string &t) { return principals.contains(t); });
            const bool r = std::any_of(a->resources.begin(), a->resources.end(),
                                       [&](const std::string &t) { return resources.contains(t); });
            if (p && r)
                return;
        }
        const bool fixPrincipal = inWouldFix(m_policy.principal, actions, true);
        const bool fixResource = inWouldFix(m_policy.resource, actions, false);
        std::string help;
        if (fixPrincipal && fixResource)
            help = "try replacing `==` with `in` in the principal clause and the resource clause";
        else if (fixPrincipal)
            help = "try replacing `==` with `in` in the principal clause";
        else if (fixResource)
            help = "try replacing `==` with `in` in the resource clause";
        else
            help = "no action of the schema applies to the principal and resource types the scope admits";
        // A warning, as the reference (cedar 4.13) reports it: the policy is valid, it just never applies.
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Warning, m_policy.effectSpan,
                                     "unable to find an applicable action given the policy scope constraints",
                                     std::move(help)});
    }

    // ---- typechecking (typecheck.rs)

    void typecheckPolicy()
    {
        bool allFalse = true;
        for (const auto &[uid, action] : m_ix.schema.actions) {
            for (const std::string &principal : action.principals) {
                for (const std::string &resource : action.resources) {
                    for (const auto &pslot : slotLinks(m_policy.principal, principal)) {
                        for (const auto &rslot : slotLinks(m_policy.resource, resource)) {
                            Env env{&action, principal, resource, pslot, rslot};
                            m_env = &env;
                            m_types.clear();
                            m_depth = 0;
                            const Answer a = expectOn(conditionAnswer(), m_policy.span, tBool(), Help::None);
                            if (!(a.type && a.type->k == K::False && !a.aborted))
                                allFalse = false;
                            m_env = nullptr;
                            if (m_tooDeep)
                                return; // reported once; other environments would repeat it
                        }
                    }
                }
            }
        }
        if (allFalse)
            m_diags.push_back(Diagnostic{Diagnostic::Severity::Warning, m_policy.effectSpan,
                                         "policy is impossible: it evaluates to false for every request the "
                                         "schema allows",
                                         "check the scope and the conditions against the schema"});
    }

    // The entity types a template slot may be linked to in an environment (none when no slot).
    std::vector<std::optional<std::string>> slotLinks(const ScopeConstraint &sc, const std::string &var) const
    {
        if (!sc.slot)
            return {std::nullopt};
        std::vector<std::optional<std::string>> out;
        switch (sc.kind) {
        case ScopeConstraint::Kind::Eq:
            out.push_back(var);
            break;
        case ScopeConstraint::Kind::In:
        case ScopeConstraint::Kind::IsIn:
            for (const auto &[name, decl] : m_ix.schema.entityTypes)
                if (const auto it = m_ix.descendants.find(name);
                    it != m_ix.descendants.end() && it->second.contains(var))
                    out.push_back(name);
            out.push_back(var);
            break;
        default:
            for (const std::string &name : m_ix.entityTypeNames)
                out.push_back(name);
            break;
        }
        return out;
    }

    // ((principal && action) && resource) && conditions
    Answer conditionAnswer()
    {
        const CapSet none;
        Answer a = andCombine(
            none, expectBool(scopeAnswer(m_policy.principal, Var::Principal), m_policy.principal.span),
            [&](const CapSet &) { return expectBool(actionScopeAnswer(), m_policy.action.span); });
        a = andCombine(none, std::move(a), [&](const CapSet &) {
            return expectBool(scopeAnswer(m_policy.resource, Var::Resource), m_policy.resource.span);
        });
        return andCombine(none, std::move(a), [&](const CapSet &prior) { return conditionsAnswer(prior); });
    }

    // The `when` and `unless` clauses: `c1 && c2 && ...`, each `unless` negated; `true` if none.
    Answer conditionsAnswer(const CapSet &prior)
    {
        if (m_policy.conditions.empty())
            return success(tTrue());
        const auto clause = [&](const Condition &c, const CapSet &p) {
            if (c.when)
                return expect(p, *c.expr, tBool(), noHelp);
            return expectBool(notOf(expect(p, *c.expr, tBool(), noHelp)), c.span);
        };
        Answer a = clause(m_policy.conditions.front(), prior);
        for (size_t i = 1; i < m_policy.conditions.size(); ++i) {
            const Condition &c = m_policy.conditions[i];
            a = andCombine(prior, std::move(a), [&](const CapSet &p) { return clause(c, p); });
        }
        return a;
    }

    Answer varAnswer(Var var) const
    {
        switch (var) {
        case Var::Principal:
            return success(tEntity(m_env->principal, false));
        case Var::Resource:
            return success(tEntity(m_env->resource, false));
        case Var::Action:
            return success(tEntity(m_env->action->uid.type, true));
        case Var::Context:
            return success(m_ix.contexts.at(m_env->action->uid));
        }
        return failure(nullptr);
    }

    Answer slotAnswer(SlotId slot) const
    {
        const std::optional<std::string> &link =
            slot == SlotId::Principal ? m_env->principalSlot : m_env->resourceSlot;
        return success(link ? tEntity(*link, false) : tAnyEntity());
    }

    Answer entityLiteralAnswer(const EntityUid &uid) const
    {
        if (isActionType(uid.type))
            return m_ix.schema.action(uid) ? success(tEntity(uid.type, true)) : failure(nullptr);
        return m_ix.schema.entityType(uid.type) ? success(tEntity(uid.type, false)) : failure(nullptr);
    }

    // A principal or resource scope constraint, as the expression it stands for.
    Answer scopeAnswer(const ScopeConstraint &sc, Var var)
    {
        const auto target = [&]() -> Answer {
            if (sc.slot)
                return slotAnswer(*sc.slot);
            return sc.entities.empty() ? failure(nullptr) : entityLiteralAnswer(sc.entities.front());
        };
        const auto targetUids = [&]() -> std::optional<std::vector<EntityUid>> {
            if (sc.slot || sc.entities.empty())
                return std::nullopt;
            return std::vector<EntityUid>{sc.entities.front()};
        };
        const auto inAnswer = [&]() {
            return typeIn(expectOn(varAnswer(var), sc.span, tAnyEntity(), Help::TryUsingContains),
                          expectInTarget(target(), sc.span), std::nullopt, targetUids());
        };
        switch (sc.kind) {
        case ScopeConstraint::Kind::Any:
            return success(tTrue());
        case ScopeConstraint::Kind::Eq: {
            std::optional<Value> rhs;
            if (!sc.slot && !sc.entities.empty())
                rhs = Value(sc.entities.front());
            return typeEq(sc.span, varAnswer(var), target(), std::nullopt, rhs);
        }
        case ScopeConstraint::Kind::In:
            return inAnswer();
        case ScopeConstraint::Kind::Is:
            return typeIs(expectOn(varAnswer(var), sc.span, tAnyEntity(), Help::TypeTestNotSupported),
                          sc.entityType);
        case ScopeConstraint::Kind::IsIn:
            return andCombine(
                {},
                expectBool(typeIs(expectOn(varAnswer(var), sc.span, tAnyEntity(), Help::TypeTestNotSupported),
                                  sc.entityType),
                           sc.span),
                [&](const CapSet &) { return expectBool(inAnswer(), sc.span); });
        }
        return success(tTrue());
    }

    // `action == A` or `action in [A, ...]`.
    Answer actionScopeAnswer()
    {
        const ScopeConstraint &sc = m_policy.action;
        const EntityUid &self = m_env->action->uid;
        switch (sc.kind) {
        case ScopeConstraint::Kind::Eq:
            if (sc.entities.empty())
                break;
            return typeEq(sc.span, varAnswer(Var::Action), entityLiteralAnswer(sc.entities.front()),
                          Value(self), Value(sc.entities.front()));
        case ScopeConstraint::Kind::In: {
            std::vector<Answer> elements;
            for (const EntityUid &uid : sc.entities)
                elements.push_back(entityLiteralAnswer(uid));
            Answer set = setOf(sc.span, std::move(elements));
            return typeIn(expectOn(varAnswer(Var::Action), sc.span, tAnyEntity(), Help::TryUsingContains),
                          expectInTarget(std::move(set), sc.span), self, sc.entities);
        }
        default:
            break;
        }
        return success(tTrue());
    }

    // ---- expressions

    Answer tc(const CapSet &prior, const Expr &e)
    {
        if (m_tooDeep)
            return aborted();
        if (m_depth >= MaxDepth) {
            m_tooDeep = true;
            error(e.span,
                  "the expression is nested too deeply to validate (more than " + std::to_string(MaxDepth) +
                      " levels)",
                  "split the condition into several `when` clauses or simpler expressions");
            return aborted();
        }
        ++m_depth;
        Answer a = tcNode(prior, e);
        --m_depth;
        m_types[&e] = a.type;
        return a;
    }

    Answer expect(const CapSet &prior, const Expr &e, const TypeP &expected, HelpFn help)
    {
        Answer a = tc(prior, e);
        return expectOn(std::move(a), e.span, {expected}, help);
    }

    Answer expectOn(Answer a, const Span &span, const TypeP &expected, Help help)
    {
        return expectOn(std::move(a), span, std::vector<TypeP>{expected},
                        [help](const VType &) { return help; });
    }

    template <typename H>
    Answer expectOn(Answer a, const Span &span, const std::vector<TypeP> &expected, H help)
    {
        return then(std::move(a), [&](const TypeP &t, CapSet caps) {
            if (!t)
                return failure(nullptr);
            const bool fits = std::any_of(expected.begin(), expected.end(),
                                          [&](const TypeP &x) { return isSubtype(*t, *x, false); });
            if (!fits) {
                unexpectedType(span, expected, *t, help(*t));
                return failure(nullptr);
            }
            return success(t, std::move(caps));
        });
    }

    Answer expectBool(Answer a, const Span &span)
    {
        return expectOn(std::move(a), span, tBool(), Help::None);
    }

    // The right operand of `in`: an entity or a set of entities.
    Answer expectInTarget(Answer a, const Span &span)
    {
        return expectOn(std::move(a), span, std::vector<TypeP>{tSetOfEntities(), tAnyEntity()},
                        [](const VType &t) {
                            return t.k == K::Set      ? Help::TryUsingContains
                                   : t.k == K::String ? Help::TryUsingLike
                                                      : Help::None;
                        });
    }

    TypeP typeOf(const Expr *e) const
    {
        const auto it = m_types.find(e);
        return it == m_types.end() ? nullptr : it->second;
    }

    // A literal value, with the `action` variable standing for the environment's action.
    std::optional<Value> literalOf(const Expr &e) const
    {
        if (e.op == Expr::Op::Literal)
            return e.value;
        if (e.op == Expr::Op::Variable && e.var == Var::Action && m_env)
            return Value(m_env->action->uid);
        return std::nullopt;
    }

    std::optional<EntityUid> uidOf(const Expr &e) const
    {
        const std::optional<Value> v = literalOf(e);
        if (!v || v->kind() != Value::Kind::Entity)
            return std::nullopt;
        return v->asEntity();
    }

    std::optional<std::vector<EntityUid>> uidsOf(const Expr &e) const
    {
        if (const auto uid = uidOf(e))
            return std::vector<EntityUid>{*uid};
        if (e.op != Expr::Op::SetLiteral)
            return std::nullopt;
        std::vector<EntityUid> out;
        for (const ExprPtr &a : e.args) {
            const auto uid = uidOf(*a);
            if (!uid)
                return std::nullopt;
            out.push_back(*uid);
        }
        return out;
    }

    // A thin dispatcher: each kind of expression is checked out of line, so that the stack frame of
    // every nesting level stays small.
    Answer tcNode(const CapSet &prior, const Expr &e)
    {
        using Op = Expr::Op;
        switch (e.op) {
        case Op::Literal:
            return literalAnswer(e.value);
        case Op::Variable:
            return varAnswer(e.var);
        case Op::Slot:
            return slotAnswer(e.slot);
        case Op::If:
            return tcIf(prior, e);
        case Op::And:
        case Op::Or:
            return tcAndOrChain(prior, e);
        case Op::Eq:
        case Op::NotEq:
            return tcEq(prior, e);
        case Op::Less:
        case Op::LessEq:
            return typeCompare(prior, *e.args[0], *e.args[1]);
        case Op::Greater:   // `a > b` is `!(a <= b)`
        case Op::GreaterEq: // `a >= b` is `!(a < b)`
            return notOf(typeCompare(prior, *e.args[0], *e.args[1]));
        case Op::In:
        case Op::IsIn:
            return tcIn(prior, e);
        case Op::Has:
            return tcHas(prior, e);
        case Op::GetAttr:
            return tcGetAttr(prior, e);
        case Op::Contains:
        case Op::ContainsAll:
        case Op::ContainsAny:
            return tcContains(prior, e);
        case Op::HasTag:
        case Op::GetTag:
            return tcTag(prior, e);
        case Op::SetLiteral:
            return tcSet(prior, e);
        case Op::RecordLiteral:
            return tcRecord(prior, e);
        case Op::Call:
            return tcCall(prior, e);
        default:
            return tcUnary(prior, e);
        }
    }

    Answer literalAnswer(const Value &v) const
    {
        switch (v.kind()) {
        case Value::Kind::Bool:
            return success(tSingleton(v.asBool()));
        case Value::Kind::Long:
            return success(tLong());
        case Value::Kind::String:
            return success(tString());
        case Value::Kind::Entity:
            return entityLiteralAnswer(v.asEntity());
        case Value::Kind::Ip:
            return success(tExt("ipaddr"));
        case Value::Kind::Decimal:
            return success(tExt("decimal"));
        case Value::Kind::Datetime:
            return success(tExt("datetime"));
        case Value::Kind::Duration:
            return success(tExt("duration"));
        default:
            return failure(nullptr);
        }
    }

    // Operators of one operand with a fixed result type: `!`, `-`, `isEmpty`, `like`, `is`.
    [[gnu::noinline]] Answer tcUnary(const CapSet &prior, const Expr &e)
    {
        const Expr &arg = *e.args[0];
        const auto result = [](const TypeP &type) {
            return [type](const TypeP &, CapSet) { return success(type); };
        };
        switch (e.op) {
        case Expr::Op::Not:
            return notOf(expect(prior, arg, tBool(), noHelp));
        case Expr::Op::Neg:
            return then(expect(prior, arg, tLong(), noHelp), result(tLong()));
        case Expr::Op::IsEmpty:
            return then(expect(prior, arg, tAnySet(),
                               [](const VType &t) {
                                   return t.k == K::String ? Help::TryUsingEqEmptyString : Help::None;
                               }),
                        result(tBool()));
        case Expr::Op::Like:
            return then(expect(prior, arg, tString(),
                               [](const VType &t) {
                                   return t.k == K::Entity || t.k == K::AnyEntity ? Help::TryUsingIs
                                                                                  : Help::None;
                               }),
                        result(tBool()));
        case Expr::Op::Is:
            return typeIs(
                expect(prior, arg, tAnyEntity(), [](const VType &) { return Help::TypeTestNotSupported; }),
                e.name);
        case Expr::Op::Add:
        case Expr::Op::Sub:
        case Expr::Op::Mul:
            return tcArithmetic(prior, e);
        default:
            return failure(nullptr);
        }
    }

    [[gnu::noinline]] Answer tcArithmetic(const CapSet &prior, const Expr &e)
    {
        const HelpFn help = e.op == Expr::Op::Add ? +[](const VType &t) {
            return t.k == K::String ? Help::ConcatenationNotSupported
                   : t.k == K::Set  ? Help::SetOperationsNotSupported
                                    : Help::None;
        }
                                                  : +[](const VType &t) {
                                                        return t.k == K::Set ? Help::SetOperationsNotSupported
                                                                             : Help::None;
                                                    };
        return then(expect(prior, *e.args[0], tLong(), help), [&](const TypeP &, CapSet) {
            return then(expect(prior, *e.args[1], tLong(), help),
                        [](const TypeP &, CapSet) { return success(tLong()); });
        });
    }

    [[gnu::noinline]] Answer tcEq(const CapSet &prior, const Expr &e)
    {
        Answer lhs = tc(prior, *e.args[0]);
        Answer rhs = tc(prior, *e.args[1]);
        Answer eq =
            typeEq(e.span, std::move(lhs), std::move(rhs), literalOf(*e.args[0]), literalOf(*e.args[1]));
        return e.op == Expr::Op::Eq ? eq : notOf(std::move(eq)); // `a != b` is `!(a == b)`
    }

    // `a in b`, and `a is T in b`, which is `a is T && a in b`.
    [[gnu::noinline]] Answer tcIn(const CapSet &prior, const Expr &e)
    {
        const auto in = [&](const CapSet &p) {
            Answer lhs =
                expect(p, *e.args[0], tAnyEntity(), [](const VType &) { return Help::TryUsingContains; });
            Answer rhs = expectInTarget(tc(p, *e.args[1]), e.args[1]->span);
            return typeIn(std::move(lhs), std::move(rhs), uidOf(*e.args[0]), uidsOf(*e.args[1]));
        };
        if (e.op == Expr::Op::In)
            return in(prior);
        Answer is = typeIs(
            expect(prior, *e.args[0], tAnyEntity(), [](const VType &) { return Help::TypeTestNotSupported; }),
            e.name);
        return andCombine(prior, expectBool(std::move(is), e.span),
                          [&](const CapSet &p) { return expectBool(in(p), e.span); });
    }

    [[gnu::noinline]] Answer tcContains(const CapSet &prior, const Expr &e)
    {
        const HelpFn help = [](const VType &t) {
            return t.k == K::Entity || t.k == K::AnyEntity ? Help::TryUsingIn
                   : t.k == K::Record                      ? Help::TryUsingHas
                   : t.k == K::String                      ? Help::TryUsingLike
                                                           : Help::None;
        };
        if (e.op == Expr::Op::Contains) {
            return then(expect(prior, *e.args[0], tAnySet(), help), [&](const TypeP &set, CapSet) {
                return then(tc(prior, *e.args[1]), [&](const TypeP &element, CapSet) {
                    const TypeP elementOfSet = isType(set, K::Set) ? set->element : nullptr;
                    return strictEquality(e.span, tBool(), elementOfSet, element, LubContext::Contains);
                });
            });
        }
        return then(expect(prior, *e.args[0], tAnySet(), help), [&](const TypeP &a, CapSet) {
            return then(expect(prior, *e.args[1], tAnySet(),
                               [](const VType &) { return Help::TryUsingSingleContains; }),
                        [&](const TypeP &b, CapSet) {
                            return strictEquality(e.span, tBool(), a, b, LubContext::ContainsAnyAll);
                        });
        });
    }

    [[gnu::noinline]] Answer tcSet(const CapSet &prior, const Expr &e)
    {
        std::vector<Answer> elements;
        for (const ExprPtr &a : e.args) {
            elements.push_back(tc(prior, *a));
            if (elements.back().aborted)
                return aborted();
        }
        return setOf(e.span, std::move(elements));
    }

    Answer notOf(Answer arg)
    {
        return then(std::move(arg), [](const TypeP &t, CapSet) {
            if (!t)
                return failure(tBool());
            return success(t->k == K::True ? tFalse() : t->k == K::False ? tTrue() : tBool());
        });
    }

    // `left && right` with `left` already typechecked (and expected to be boolean).
    template <typename Right> Answer andCombine(const CapSet &prior, Answer left, Right &&right)
    {
        return then(std::move(left), [&](const TypeP &tl, CapSet cl) {
            if (isType(tl, K::False))
                return success(tl); // short circuit: the right operand is never evaluated
            Answer r = right(unite(prior, cl));
            return then(std::move(r), [&](const TypeP &tr, CapSet cr) {
                if (tl && isType(tr, K::False))
                    return success(tFalse());
                if (tl && isType(tr, K::True))
                    return success(tl, unite(cl, cr));
                if (isType(tl, K::True) && tr)
                    return success(tr, cr); // as the reference: the left operand's capabilities are dropped
                if (tl && tr)
                    return success(tBool(), unite(cl, cr));
                return failure(tBool());
            });
        });
    }

    template <typename Right> Answer orCombine(const CapSet &prior, Answer left, Right &&right)
    {
        return then(std::move(left), [&](const TypeP &tl, CapSet cl) {
            if (isType(tl, K::True))
                return success(tl, std::move(cl)); // short circuit
            Answer r = right(prior); // the left operand may have been false: no capability from it
            return then(std::move(r), [&](const TypeP &tr, CapSet cr) {
                if (tl && isType(tr, K::True))
                    return success(tTrue(), std::move(cr));
                if (tl && isType(tr, K::False))
                    return success(tl, cl);
                if (isType(tl, K::False) && tr)
                    return success(tr, std::move(cr));
                if (tl && tr)
                    return success(tBool(), intersect(cr, cl));
                return failure(tBool());
            });
        });
    }

    // A left-nested chain of `&&`/`||`, typechecked bottom-up in a loop: every left operand of the
    // chain sees the same prior capabilities as the whole expression.
    [[gnu::noinline]] Answer tcAndOrChain(const CapSet &prior, const Expr &e)
    {
        std::vector<const Expr *> chain{&e};
        while (chain.back()->args[0]->op == Expr::Op::And || chain.back()->args[0]->op == Expr::Op::Or)
            chain.push_back(chain.back()->args[0].get());
        Answer a = expect(prior, *chain.back()->args[0], tBool(), noHelp);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            const Expr &node = **it;
            const auto right = [&](const CapSet &p) { return expect(p, *node.args[1], tBool(), noHelp); };
            a = node.op == Expr::Op::And ? andCombine(prior, std::move(a), right)
                                         : orCombine(prior, std::move(a), right);
            if (&node != &e)
                m_types[&node] = a.type;
            if (a.aborted)
                return a;
        }
        return a;
    }

    [[gnu::noinline]] Answer tcIf(const CapSet &prior, const Expr &e)
    {
        const Expr &test = *e.args[0], &thenExpr = *e.args[1], &elseExpr = *e.args[2];
        return then(expect(prior, test, tBool(), noHelp), [&](const TypeP &tt, CapSet tcaps) {
            if (isType(tt, K::True)) {
                return then(tc(unite(prior, tcaps), thenExpr),
                            [&](const TypeP &t, CapSet c) { return success(t, unite(c, tcaps)); });
            }
            if (isType(tt, K::False))
                return then(tc(prior, elseExpr),
                            [](const TypeP &t, CapSet c) { return success(t, std::move(c)); });
            Answer a = tc(unite(prior, tcaps), thenExpr);
            if (a.ok)
                a.caps = unite(a.caps, tcaps);
            Answer b = tc(prior, elseExpr);
            if (a.aborted)
                return a;
            if (b.aborted)
                return b;
            return then(std::move(a), [&](const TypeP &ta, CapSet ca) {
                return then(std::move(b), [&](const TypeP &tb, CapSet cb) {
                    TypeP lub = lubOrError(e.span, {ta, tb}, LubContext::Conditional);
                    if (!lub)
                        return failure(nullptr);
                    return success(lub, intersect(cb, ca));
                });
            });
        });
    }

    // The least upper bound of types that are all known, or an error; null without an error when
    // some type is unknown (its error was reported where it arose).
    TypeP lubOrError(const Span &span, const std::vector<TypeP> &types, LubContext context)
    {
        if (std::any_of(types.begin(), types.end(), [](const TypeP &t) { return !t; }))
            return nullptr;
        Lub l{tNever()};
        for (const TypeP &t : types) {
            l = leastUpperBound(l.type, t);
            if (!l.type) {
                incompatibleTypes(span, types, l.hint, context);
                return nullptr;
            }
        }
        return l.type;
    }

    Answer setOf(const Span &span, std::vector<Answer> elements)
    {
        bool failed = false;
        std::vector<TypeP> types;
        for (Answer &a : elements) {
            if (a.aborted)
                return aborted();
            failed = failed || !a.ok;
            types.push_back(a.type);
        }
        TypeP lub = lubOrError(span, types, LubContext::Set);
        Answer out;
        if (elements.empty()) {
            error(span, "empty set literals are forbidden in policies",
                  "the validator cannot tell the type of an empty set; compare with a set attribute, or use "
                  "`.isEmpty()`");
            out = failure(nullptr);
        } else {
            out = lub ? success(tSet(lub)) : failure(nullptr);
        }
        if (failed) {
            out.ok = false;
            out.caps.clear();
        }
        return out;
    }

    [[gnu::noinline]] Answer tcRecord(const CapSet &prior, const Expr &e)
    {
        // The reference checks the fields in key order (records are maps).
        std::vector<size_t> order(e.args.size());
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return e.keys[a] < e.keys[b]; });
        bool failed = false, known = true;
        std::map<std::string, VAttr> attrs;
        for (const size_t i : order) {
            Answer a = tc(prior, *e.args[i]);
            if (a.aborted)
                return a;
            failed = failed || !a.ok;
            if (a.type)
                attrs.insert_or_assign(e.keys[i], VAttr{a.type, true});
            else
                known = false;
        }
        if (!known)
            return failure(nullptr);
        Answer out = success(tRecord(std::move(attrs), false));
        if (failed)
            out = failure(out.type);
        return out;
    }

    // `==` with both operands typechecked; `lhsLit`/`rhsLit` are the operands when literals.
    Answer typeEq(const Span &span, Answer lhs, Answer rhs, const std::optional<Value> &lhsLit,
                  const std::optional<Value> &rhsLit)
    {
        if (lhs.aborted)
            return lhs;
        if (rhs.aborted)
            return rhs;
        return then(std::move(lhs), [&](const TypeP &tl, CapSet) {
            return then(std::move(rhs), [&](const TypeP &tr, CapSet) {
                TypeP type;
                if (tl && tr && tl->k == K::Entity && tr->k == K::Entity &&
                    (tl->name != tr->name || tl->action != tr->action))
                    type = tFalse(); // entities of different types are never equal
                else if (lhsLit && rhsLit)
                    type = tSingleton(*lhsLit == *rhsLit);
                else
                    type = tBool();
                return strictEquality(span, type, tl, tr, LubContext::Equality);
            });
        });
    }

    // Strict validation: operands must have compatible types unless the result is known.
    Answer strictEquality(const Span &span, const TypeP &type, const TypeP &lhs, const TypeP &rhs,
                          LubContext context)
    {
        if (type->k == K::True || type->k == K::False || !lhs || !rhs)
            return success(type);
        Lub l = leastUpperBound(lhs, rhs);
        if (!l.type) {
            incompatibleTypes(span, {lhs, rhs}, l.hint, context);
            return failure(type);
        }
        return success(type);
    }

    [[gnu::noinline]] Answer typeCompare(const CapSet &prior, const Expr &a, const Expr &b)
    {
        return then(tc(prior, a), [&](const TypeP &t1, CapSet) {
            return then(tc(prior, b), [&](const TypeP &t2, CapSet) {
                if (!t1 || !t2)
                    return failure(tBool());
                if (t1->k == K::Never && t2->k == K::Never)
                    return failure(tBool());
                if (t1->k == K::Never || t2->k == K::Never) {
                    const TypeP &other = t1->k == K::Never ? t2 : t1;
                    if (isComparable(*other))
                        return success(tBool());
                    unexpectedType(t1->k == K::Never ? b.span : a.span, comparableTypes(), *other,
                                   Help::None);
                    return failure(tBool());
                }
                if (sameType(*t1, *t2) && isComparable(*t1))
                    return success(tBool());
                if (t1->k == K::Long)
                    unexpectedType(b.span, {tLong()}, *t2, Help::None);
                else if (t2->k == K::Long)
                    unexpectedType(a.span, {tLong()}, *t1, Help::None);
                else if (isComparable(*t1))
                    unexpectedType(b.span, {t1}, *t2, Help::None);
                else if (isComparable(*t2))
                    unexpectedType(a.span, {t2}, *t1, Help::None);
                else {
                    unexpectedType(a.span, comparableTypes(), *t1, Help::None);
                    unexpectedType(b.span, comparableTypes(), *t2, Help::None);
                }
                return failure(tBool());
            });
        });
    }

    // `lhs in rhs` with both operands typechecked. `lhsUid`/`rhsUids` hold the operands when they
    // are entity literals (or `action`), or for the right, a set literal of those.
    Answer typeIn(Answer lhs, Answer rhs, const std::optional<EntityUid> &lhsUid,
                  const std::optional<std::vector<EntityUid>> &rhsUids)
    {
        if (lhs.aborted)
            return lhs;
        if (rhs.aborted)
            return rhs;
        const bool bothOk = lhs.ok && rhs.ok;
        Answer out = then(std::move(lhs), [&](const TypeP &tl, CapSet) {
            return then(std::move(rhs), [&](const TypeP &tr, CapSet) {
                if (!bothOk)
                    return failure(tBool());
                if (lhsUid && rhsUids && isActionType(lhsUid->type)) {
                    // An action in actions: the schema's action hierarchy decides.
                    std::vector<EntityUid> actions;
                    for (const EntityUid &uid : *rhsUids)
                        if (isActionType(uid.type))
                            actions.push_back(uid);
                    if (actions.empty())
                        return success(tFalse());
                    const auto in = m_ix.actionsIn(actions);
                    if (!in)
                        return failure(tBool()); // an undeclared action, reported on its own
                    return success(tSingleton(in->contains(*lhsUid)));
                }
                const VType *rhsEntity = nullptr;
                if (isType(tr, K::Entity))
                    rhsEntity = tr.get();
                else if (isType(tr, K::Set) && isType(tr->element, K::Entity))
                    rhsEntity = tr->element.get();
                if (isType(tl, K::Entity) && rhsEntity && !m_ix.mayBeDescendant(tl->name, rhsEntity->name))
                    return success(tFalse());
                return success(tBool());
            });
        });
        out.caps.clear();
        return out;
    }

    Answer typeIs(Answer operand, const std::string &type)
    {
        return then(std::move(operand), [&](const TypeP &t, CapSet) {
            if (isType(t, K::Entity))
                return success(t->name == type ? tTrue() : tFalse());
            if (isType(t, K::AnyEntity))
                return success(tBool());
            return failure(tBool());
        });
    }

    // Attributes known on an entity or record type: null when it is not one.
    TypeP recordOf(const TypeP &t) const
    {
        if (isType(t, K::Record))
            return t;
        if (isType(t, K::Entity))
            return m_ix.attributesOf(*t);
        return nullptr;
    }

    const VAttr *lookupAttr(const TypeP &t, const std::string &attr) const
    {
        const TypeP rec = recordOf(t);
        if (!rec)
            return nullptr;
        const auto it = rec->attrs.find(attr);
        return it == rec->attrs.end() ? nullptr : &it->second;
    }

    bool mayHaveAttr(const TypeP &t, const std::string &attr) const
    {
        if (isType(t, K::Never) || isType(t, K::AnyEntity))
            return true;
        const TypeP rec = recordOf(t);
        return rec && (rec->open || rec->attrs.contains(attr));
    }

    Help hasHelp(const VType &t) const
    {
        return t.k == K::Set ? Help::TryUsingContains : t.k == K::String ? Help::TryUsingLike : Help::None;
    }

    Answer expectEntityOrRecord(const CapSet &prior, const Expr &operand, bool forHas)
    {
        return expectOn(tc(prior, operand), operand.span, std::vector<TypeP>{tAnyEntity(), tAnyRecord()},
                        [&](const VType &t) { return forHas ? hasHelp(t) : Help::None; });
    }

    [[gnu::noinline]] Answer tcHas(const CapSet &prior, const Expr &e)
    {
        const Expr &operand = *e.args[0];
        return then(expectEntityOrRecord(prior, operand, true), [&](const TypeP &t, CapSet) {
            if (!t)
                return failure(tBool());
            const Capability cap{&operand, nullptr, e.name};
            const bool known = contains(prior, cap);
            if (const VAttr *attr = lookupAttr(t, e.name)) {
                // An entity need not exist, so `has` on it is only certain once already tested.
                const bool certain = (attr->required && t->k == K::Record) || known;
                return success(certain ? tTrue() : tBool(), CapSet{cap});
            }
            return success(mayHaveAttr(t, e.name) ? tBool() : tFalse());
        });
    }

    // "`a.b` on entity type `User`", following the access back to an entity or `context`.
    std::pair<std::string, std::string> describeAccess(const Expr &operand, const std::string &attr) const
    {
        std::vector<std::string> attrs{attr};
        const Expr *e = &operand;
        std::string where, base = "e";
        for (;;) {
            const TypeP t = typeOf(e);
            if (isType(t, K::Entity)) {
                where = " on entity type `" + t->name + "`";
                break;
            }
            if (e->op == Expr::Op::Variable && e->var == Var::Context) {
                where = " in context for " + m_env->action->uid.toString();
                base = "context";
                break;
            }
            if (e->op == Expr::Op::GetAttr && !e->args.empty()) {
                attrs.push_back(e->name);
                e = e->args[0].get();
                continue;
            }
            break;
        }
        std::string path;
        for (auto it = attrs.rbegin(); it != attrs.rend(); ++it)
            path += (path.empty() ? "" : ".") + *it;
        std::string guard = base;
        for (auto it = attrs.rbegin(); it + 1 != attrs.rend(); ++it)
            guard += "." + *it;
        return {"`" + path + "`" + where, guard + " has " + attrs.front()};
    }

    [[gnu::noinline]] Answer tcGetAttr(const CapSet &prior, const Expr &e)
    {
        const Expr &operand = *e.args[0];
        return then(expectEntityOrRecord(prior, operand, false), [&](const TypeP &t, CapSet) {
            if (!t)
                return failure(nullptr);
            if (const VAttr *attr = lookupAttr(t, e.name)) {
                if (attr->required || contains(prior, Capability{&operand, nullptr, e.name}))
                    return success(attr->type);
                const auto [access, guard] = describeAccess(operand, e.name);
                error(e.span, "unable to guarantee safety of access to optional attribute " + access,
                      "try testing for the attribute's presence with `" + guard + " && ..`");
                return failure(attr->type);
            }
            std::vector<std::string> names;
            if (const TypeP rec = recordOf(t))
                for (const auto &[name, a] : rec->attrs)
                    names.push_back(name);
            const auto [access, guard] = describeAccess(operand, e.name);
            const std::string suggestion = closest(e.name, names);
            std::string help = didYouMean(suggestion);
            if (mayHaveAttr(t, e.name))
                help += std::string(help.empty() ? "" : " ") +
                        "(there may be additional attributes that the validator is not able to reason about)";
            error(e.span, "attribute " + access + " not found", help);
            return failure(nullptr);
        });
    }

    // The tag types of the entity types an entity type may be (none for actions).
    std::vector<TypeP> tagTypes(const VType &entity) const
    {
        std::vector<TypeP> out;
        const auto add = [&](const TypeP &t) {
            if (std::none_of(out.begin(), out.end(), [&](const TypeP &o) { return sameType(*o, *t); }))
                out.push_back(t);
        };
        if (entity.k == K::AnyEntity) {
            for (const auto &[name, t] : m_ix.tags)
                add(t);
        } else if (entity.k == K::Entity && !entity.action) {
            if (const auto it = m_ix.tags.find(entity.name); it != m_ix.tags.end())
                add(it->second);
        }
        return out;
    }

    [[gnu::noinline]] Answer tcTag(const CapSet &prior, const Expr &e)
    {
        const Expr &entity = *e.args[0], &tag = *e.args[1];
        return then(expect(prior, entity, tAnyEntity(), noHelp), [&](const TypeP &te, CapSet) {
            return then(expect(prior, tag, tString(), noHelp), [&](const TypeP &, CapSet) {
                if (!te)
                    return failure(nullptr);
                const Capability cap{&entity, &tag, {}};
                const std::vector<TypeP> types = tagTypes(*te);
                if (e.op == Expr::Op::HasTag) {
                    const TypeP type = types.empty() ? tFalse() : contains(prior, cap) ? tTrue() : tBool();
                    return success(type, CapSet{cap});
                }
                const std::string name = te->k == K::Entity ? te->name : std::string();
                if (!contains(prior, cap)) {
                    const std::string text = describe(tag);
                    error(e.span,
                          "unable to guarantee safety of access to " +
                              (text.empty() ? std::string("this tag") : "tag `" + text + "`") +
                              (name.empty() ? std::string() : " on entity type `" + name + "`"),
                          "try testing for the tag's presence with `.hasTag(" +
                              (text.empty() ? "..." : text) + ") && ..`");
                    return failure(nullptr);
                }
                if (types.empty()) {
                    error(e.span, "`.getTag()` is not allowed on entities of " +
                                      (name.empty() ? std::string("this type") : "type `" + name + "`") +
                                      " because no `tags` were declared on the entity type in the schema");
                    return failure(nullptr);
                }
                TypeP lub = lubOrError(e.span, types, LubContext::GetTag);
                return lub ? success(lub) : failure(nullptr);
            });
        });
    }

    [[gnu::noinline]] Answer tcCall(const CapSet &prior, const Expr &e)
    {
        const ExtSignature sig = extSignature(e.fn);
        bool failed = false;
        if (e.args.size() != sig.args.size()) {
            error(e.span, "wrong number of arguments: `" + e.name + "` takes " +
                              std::to_string(sig.args.size()) + ", got " + std::to_string(e.args.size()));
            failed = true;
        }
        if (sig.constructs) {
            // Strict validation wants the constructor's argument to be a literal that parses.
            if (e.args.size() == 1 && e.args[0]->op == Expr::Op::Literal &&
                e.args[0]->value.kind() == Value::Kind::String) {
                const std::string &text = e.args[0]->value.asString();
                if (const auto complaint = extLiteralError(e.fn, text)) {
                    error(
                        e.span,
                        "failed to parse " + quoteString(text) + " as " + sig.constructs +
                            (complaint->empty() ? std::string() : ": " + *complaint),
                        e.fn == ExtFn::Datetime
                            ? "valid datetime strings start with `YYYY-MM-DD` and may optionally include "
                              "`THH:MM:SS` plus `Z`, `.SSSZ`, or an offset like `+0700`"
                        : e.fn == ExtFn::Duration
                            ? "valid duration strings are concatenated quantity-unit pairs with an optional "
                              "leading `-`, for example `1d2h3m4s50ms`"
                            : "");
                    failed = true;
                }
            }
            if (!std::all_of(e.args.begin(), e.args.end(),
                             [](const ExprPtr &a) { return a->op == Expr::Op::Literal; })) {
                error(e.span, "extension constructors may not be called with non-literal expressions",
                      "consider applying extension constructors inside attribute values when constructing "
                      "entity or "
                      "context data");
                failed = true;
            }
        }
        if (failed) {
            for (const ExprPtr &a : e.args)
                if (tc(prior, *a).aborted)
                    return aborted();
            return failure(sig.result);
        }
        bool argsFailed = false;
        for (size_t i = 0; i < e.args.size(); ++i) {
            const Answer a = expect(prior, *e.args[i], sig.args[i], noHelp);
            if (a.aborted)
                return a;
            argsFailed = argsFailed || !a.ok;
        }
        return argsFailed ? failure(sig.result) : success(sig.result);
    }

    const Index &m_ix;
    const Policy &m_policy;
    Diagnostics m_diags;
    std::vector<LiteralUse> m_literals;
    std::vector<TypeUse> m_isTypes;
    const Env *m_env = nullptr;
    int m_depth = 0;
    bool m_tooDeep = false;
    std::unordered_map<const Expr *, TypeP> m_types; // per environment, for messages
};

} // namespace

Validator::Validator(const Schema &schema)
    : m_index(std::make_unique<const Index>(schema))
{}

Validator::~Validator() = default;
Validator::Validator(Validator &&) noexcept = default;
Validator &Validator::operator=(Validator &&) noexcept = default;

Diagnostics Validator::validate(const Policy &policy) const
{
    return Checker(*m_index, policy).run();
}

Diagnostics Validator::validate(const std::vector<Policy> &policies) const
{
    Diagnostics out;
    for (const Policy &p : policies) {
        Diagnostics d = validate(p);
        out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
    }
    return out;
}

Diagnostics validatePolicies(const std::vector<Policy> &policies, const Schema &schema)
{
    return Validator(schema).validate(policies);
}

bool hasErrors(const Diagnostics &diagnostics)
{
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic &d) { return d.severity == Diagnostic::Severity::Error; });
}

} // namespace paddock::cedar
