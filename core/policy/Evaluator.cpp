#include "policy/Evaluator.h"

#include <algorithm>

namespace paddock::cedar {

namespace {

[[noreturn]] void raise(std::string message)
{
    throw EvalError{std::move(message)};
}

[[noreturn]] void typeError(const char *what, const Value &v, const char *expected)
{
    raise(std::string(what) + ": expected " + expected + ", got " + Value::kindName(v.kind()));
}

bool asBool(const Value &v, const char *what)
{
    if (v.kind() != Value::Kind::Bool)
        typeError(what, v, "bool");
    return v.asBool();
}

int64_t asLong(const Value &v, const char *what)
{
    if (v.kind() != Value::Kind::Long)
        typeError(what, v, "long");
    return v.asLong();
}

const std::string &asString(const Value &v, const char *what)
{
    if (v.kind() != Value::Kind::String)
        typeError(what, v, "string");
    return v.asString();
}

const EntityUid &asEntity(const Value &v, const char *what)
{
    if (v.kind() != Value::Kind::Entity)
        typeError(what, v, "entity");
    return v.asEntity();
}

const ValueSet &asSet(const Value &v, const char *what)
{
    if (v.kind() != Value::Kind::Set)
        typeError(what, v, "set");
    return v.asSet();
}

template <typename T> const T &asExt(const Value &v, const char *what, const char *expected)
{
    if (!std::holds_alternative<T>(v.data))
        typeError(what, v, expected);
    return std::get<T>(v.data);
}

template <typename T> T orRaise(std::expected<T, std::string> r)
{
    if (!r)
        raise(std::move(r.error()));
    return std::move(*r);
}

bool contains(const ValueSet &set, const Value &v)
{
    return std::find(set.begin(), set.end(), v) != set.end();
}

} // namespace

bool matchPattern(const std::vector<PatternPart> &pattern, std::string_view text)
{
    // Greedy matching with backtracking to the last wildcard (linear for typical patterns).
    size_t p = 0, t = 0;
    size_t starP = SIZE_MAX, starT = 0;
    size_t offsetInPart = 0; // for literal parts, how far into the part we are
    while (t < text.size()) {
        if (p < pattern.size() && !pattern[p].wildcard) {
            const std::string &lit = pattern[p].text;
            if (text[t] == lit[offsetInPart]) {
                ++t;
                if (++offsetInPart == lit.size()) {
                    ++p;
                    offsetInPart = 0;
                }
                continue;
            }
        } else if (p < pattern.size() && pattern[p].wildcard) {
            starP = p++;
            starT = t;
            offsetInPart = 0;
            continue;
        }
        if (starP == SIZE_MAX)
            return false;
        p = starP + 1;
        offsetInPart = 0;
        t = ++starT;
    }
    if (offsetInPart != 0)
        return false;
    while (p < pattern.size() && pattern[p].wildcard)
        ++p;
    return p == pattern.size();
}

const Entity *Evaluator::entityOf(const Value &v) const
{
    if (&v == &m_principal)
        return m_principalEntity;
    if (&v == &m_resource)
        return m_resourceEntity;
    return m_entities.find(v.asEntity());
}

bool Evaluator::isIn(const EntityUid &a, const EntityUid &b) const
{
    if (a == b)
        return true;
    const Ancestors *known = a == m_request.principal  ? m_principalAncestors
                             : a == m_request.resource ? m_resourceAncestors
                             : a == m_request.action   ? m_actionAncestors
                                                       : m_entities.ancestors(a);
    return known && known->contains(b);
}

bool Evaluator::constraintMatches(const ScopeConstraint &c, const EntityUid &uid) const
{
    switch (c.kind) {
    case ScopeConstraint::Kind::Any:
        return true;
    case ScopeConstraint::Kind::Eq:
        return !c.entities.empty() && uid == c.entities.front();
    case ScopeConstraint::Kind::In:
        for (const EntityUid &e : c.entities)
            if (isIn(uid, e))
                return true;
        return false;
    case ScopeConstraint::Kind::Is:
        return uid.type == c.entityType;
    case ScopeConstraint::Kind::IsIn:
        return uid.type == c.entityType && !c.entities.empty() && isIn(uid, c.entities.front());
    }
    return false;
}

bool Evaluator::scopeMatches(const Policy &policy) const
{
    return constraintMatches(policy.principal, m_request.principal) &&
           constraintMatches(policy.action, m_request.action) &&
           constraintMatches(policy.resource, m_request.resource);
}

std::expected<bool, EvalError> Evaluator::satisfied(const Policy &policy) const
{
    if (!scopeMatches(policy))
        return false;
    try {
        for (const Condition &c : policy.conditions)
            if (evalBool(*c.expr, c.when ? "when condition" : "unless condition") != c.when)
                return false;
        return true;
    } catch (EvalError &e) {
        return std::unexpected(std::move(e));
    }
}

std::expected<Value, EvalError> Evaluator::evaluate(const Expr &expr) const
{
    try {
        Value scratch;
        return eval(expr, scratch);
    } catch (EvalError &e) {
        return std::unexpected(std::move(e));
    }
}

bool Evaluator::evalBool(const Expr &e, const char *what) const
{
    Value tmp;
    return asBool(eval(e, tmp), what);
}

bool Evaluator::inSet(const EntityUid &uid, const Value &b) const
{
    if (b.kind() == Value::Kind::Entity)
        return isIn(uid, b.asEntity());
    if (b.kind() == Value::Kind::Set) {
        bool found = false;
        for (const Value &v : b.asSet()) // every element must be an entity, even after a match
            if (isIn(uid, asEntity(v, "element of the set right of in")))
                found = true;
        return found;
    }
    typeError("right of in", b, "entity or set of entities");
}

const Value &Evaluator::eval(const Expr &e, Value &out) const
{
    using Op = Expr::Op;
    static const Value True(true), False(false);
    auto boolean = [](bool b) -> const Value & { return b ? True : False; };
    switch (e.op) {
    case Op::Literal:
        return e.value;
    case Op::Variable:
        switch (e.var) {
        case Var::Principal:
            return m_principal;
        case Var::Action:
            return m_action;
        case Var::Resource:
            return m_resource;
        case Var::Context:
            return m_request.context;
        }
        break;
    case Op::Slot:
        raise("a template slot was not linked");
    case Op::If:
        return evalBool(*e.args[0], "if condition") ? eval(*e.args[1], out) : eval(*e.args[2], out);
    case Op::And:
        if (!evalBool(*e.args[0], "left of &&"))
            return False;
        return boolean(evalBool(*e.args[1], "right of &&"));
    case Op::Or:
        if (evalBool(*e.args[0], "left of ||"))
            return True;
        return boolean(evalBool(*e.args[1], "right of ||"));
    case Op::Not:
        return boolean(!evalBool(*e.args[0], "operand of !"));
    case Op::Neg: {
        Value tmp;
        const int64_t v = asLong(eval(*e.args[0], tmp), "operand of -");
        if (v == INT64_MIN)
            raise("integer overflow: -(" + std::to_string(v) + ")");
        out = Value(-v);
        return out;
    }
    case Op::Eq:
    case Op::NotEq: {
        Value ta, tb;
        const bool equal = eval(*e.args[0], ta) == eval(*e.args[1], tb);
        return boolean(e.op == Op::Eq ? equal : !equal);
    }
    case Op::Less:
    case Op::LessEq:
    case Op::Greater:
    case Op::GreaterEq: {
        Value ta, tb;
        const Value &a = eval(*e.args[0], ta);
        const Value &b = eval(*e.args[1], tb);
        int cmp = 0;
        if (a.kind() == Value::Kind::Long && b.kind() == Value::Kind::Long) {
            cmp = a.asLong() < b.asLong() ? -1 : a.asLong() > b.asLong() ? 1 : 0;
        } else if (a.kind() == Value::Kind::Datetime && b.kind() == Value::Kind::Datetime) {
            const auto &x = std::get<Datetime>(a.data), &y = std::get<Datetime>(b.data);
            cmp = x < y ? -1 : y < x ? 1 : 0;
        } else if (a.kind() == Value::Kind::Duration && b.kind() == Value::Kind::Duration) {
            const auto &x = std::get<Duration>(a.data), &y = std::get<Duration>(b.data);
            cmp = x < y ? -1 : y < x ? 1 : 0;
        } else {
            raise(std::string("comparison: expected two longs (or two datetimes or durations), got ") +
                  Value::kindName(a.kind()) + " and " + Value::kindName(b.kind()));
        }
        switch (e.op) {
        case Op::Less:
            return boolean(cmp < 0);
        case Op::LessEq:
            return boolean(cmp <= 0);
        case Op::Greater:
            return boolean(cmp > 0);
        default:
            return boolean(cmp >= 0);
        }
    }
    case Op::In: {
        Value ta, tb;
        const EntityUid &uid = asEntity(eval(*e.args[0], ta), "left of in");
        return boolean(inSet(uid, eval(*e.args[1], tb)));
    }
    case Op::Add:
    case Op::Sub:
    case Op::Mul: {
        Value ta, tb;
        const int64_t a = asLong(eval(*e.args[0], ta), "arithmetic");
        const int64_t b = asLong(eval(*e.args[1], tb), "arithmetic");
        int64_t r = 0;
        const bool overflow = e.op == Op::Add   ? __builtin_add_overflow(a, b, &r)
                              : e.op == Op::Sub ? __builtin_sub_overflow(a, b, &r)
                                                : __builtin_mul_overflow(a, b, &r);
        if (overflow)
            raise("integer overflow: " + std::to_string(a) +
                  (e.op == Op::Add   ? " + "
                   : e.op == Op::Sub ? " - "
                                     : " * ") +
                  std::to_string(b));
        out = Value(r);
        return out;
    }
    case Op::Has: {
        Value tmp;
        const Value &v = eval(*e.args[0], tmp);
        if (v.kind() == Value::Kind::Record)
            return boolean(v.asRecord().contains(e.name));
        if (v.kind() == Value::Kind::Entity) {
            const Entity *entity = entityOf(v);
            return boolean(entity != nullptr && entity->attrs.contains(e.name));
        }
        typeError("left of has", v, "entity or record");
    }
    case Op::GetAttr: {
        Value tmp;
        const Value &v = eval(*e.args[0], tmp);
        const Value *found = nullptr;
        if (v.kind() == Value::Kind::Record) {
            const auto it = v.asRecord().find(e.name);
            if (it == v.asRecord().end())
                raise("record does not have the attribute `" + e.name + "`");
            found = &it->second;
        } else if (v.kind() == Value::Kind::Entity) {
            const Entity *entity = entityOf(v);
            if (!entity)
                raise("entity " + v.asEntity().toString() + " does not exist");
            const auto it = entity->attrs.find(e.name);
            if (it == entity->attrs.end())
                raise(v.asEntity().toString() + " does not have the attribute `" + e.name + "`");
            found = &it->second; // lives in the store
            return *found;
        } else {
            typeError(("attribute `" + e.name + "`").c_str(), v, "entity or record");
        }
        if (&v == &tmp) { // a record computed here: its field must outlive `tmp`
            out = *found;
            return out;
        }
        return *found;
    }
    case Op::Like: {
        Value tmp;
        return boolean(matchPattern(e.pattern, asString(eval(*e.args[0], tmp), "left of like")));
    }
    case Op::Is: {
        Value tmp;
        return boolean(asEntity(eval(*e.args[0], tmp), "left of is").type == e.name);
    }
    case Op::IsIn: {
        Value ta, tb;
        const EntityUid &uid = asEntity(eval(*e.args[0], ta), "left of is");
        if (uid.type != e.name)
            return False; // Cedar does not evaluate the container then
        return boolean(inSet(uid, eval(*e.args[1], tb)));
    }
    case Op::Contains: {
        Value ta, tb;
        const ValueSet &set = asSet(eval(*e.args[0], ta), "contains");
        return boolean(contains(set, eval(*e.args[1], tb)));
    }
    case Op::ContainsAll:
    case Op::ContainsAny: {
        Value ta, tb;
        const ValueSet &a =
            asSet(eval(*e.args[0], ta), e.op == Op::ContainsAll ? "containsAll" : "containsAny");
        const ValueSet &b = asSet(eval(*e.args[1], tb), e.op == Op::ContainsAll ? "argument of containsAll"
                                                                                : "argument of containsAny");
        if (e.op == Op::ContainsAll)
            return boolean(std::all_of(b.begin(), b.end(), [&](const Value &v) { return contains(a, v); }));
        return boolean(std::any_of(b.begin(), b.end(), [&](const Value &v) { return contains(a, v); }));
    }
    case Op::IsEmpty: {
        Value tmp;
        return boolean(asSet(eval(*e.args[0], tmp), "isEmpty").empty());
    }
    case Op::GetTag:
    case Op::HasTag: {
        Value ta, tb;
        const EntityUid &uid = asEntity(eval(*e.args[0], ta), e.op == Op::GetTag ? "getTag" : "hasTag");
        const std::string &key = asString(eval(*e.args[1], tb), "tag name");
        const Entity *entity = m_entities.find(uid);
        if (e.op == Op::HasTag)
            return boolean(entity != nullptr && entity->tags.contains(key));
        if (!entity)
            raise("entity " + uid.toString() + " does not exist");
        const auto it = entity->tags.find(key);
        if (it == entity->tags.end())
            raise(uid.toString() + " does not have the tag `" + key + "`");
        return it->second;
    }
    case Op::SetLiteral: {
        ValueSet elements;
        elements.reserve(e.args.size());
        for (const ExprPtr &a : e.args) {
            Value tmp;
            elements.push_back(eval(*a, tmp));
        }
        out = Value::set(std::move(elements));
        return out;
    }
    case Op::RecordLiteral: {
        ValueRecord fields;
        for (size_t i = 0; i < e.args.size(); ++i) {
            Value tmp;
            fields.insert_or_assign(e.keys[i], eval(*e.args[i], tmp));
        }
        out = Value::record(std::move(fields));
        return out;
    }
    case Op::Call: {
        Value ta, tb;
        switch (e.fn) {
        case ExtFn::Ip:
            out = Value(orRaise(IpAddr::parse(asString(eval(*e.args[0], ta), "ip"))));
            return out;
        case ExtFn::Decimal:
            out = Value(orRaise(Decimal::parse(asString(eval(*e.args[0], ta), "decimal"))));
            return out;
        case ExtFn::Datetime:
            out = Value(orRaise(Datetime::parse(asString(eval(*e.args[0], ta), "datetime"))));
            return out;
        case ExtFn::Duration:
            out = Value(orRaise(Duration::parse(asString(eval(*e.args[0], ta), "duration"))));
            return out;
        default:
            break;
        }
        const Value &self = eval(*e.args[0], ta);
        switch (e.fn) {
        case ExtFn::IsIpv4:
            return boolean(asExt<IpAddr>(self, "isIpv4", "ipaddr").isIpv4());
        case ExtFn::IsIpv6:
            return boolean(asExt<IpAddr>(self, "isIpv6", "ipaddr").isIpv6());
        case ExtFn::IsLoopback:
            return boolean(asExt<IpAddr>(self, "isLoopback", "ipaddr").isLoopback());
        case ExtFn::IsMulticast:
            return boolean(asExt<IpAddr>(self, "isMulticast", "ipaddr").isMulticast());
        case ExtFn::IsInRange:
            return boolean(
                asExt<IpAddr>(self, "isInRange", "ipaddr")
                    .isInRange(asExt<IpAddr>(eval(*e.args[1], tb), "argument of isInRange", "ipaddr")));
        case ExtFn::LessThan:
        case ExtFn::LessThanOrEqual:
        case ExtFn::GreaterThan:
        case ExtFn::GreaterThanOrEqual: {
            const Decimal &a = asExt<Decimal>(self, e.name.c_str(), "decimal");
            const Decimal &b =
                asExt<Decimal>(eval(*e.args[1], tb), ("argument of " + e.name).c_str(), "decimal");
            switch (e.fn) {
            case ExtFn::LessThan:
                return boolean(a < b);
            case ExtFn::LessThanOrEqual:
                return boolean(a <= b);
            case ExtFn::GreaterThan:
                return boolean(a > b);
            default:
                return boolean(a >= b);
            }
        }
        case ExtFn::Offset:
            out = Value(orRaise(
                asExt<Datetime>(self, "offset", "datetime")
                    .offset(asExt<Duration>(eval(*e.args[1], tb), "argument of offset", "duration"))));
            return out;
        case ExtFn::DurationSince:
            out = Value(orRaise(asExt<Datetime>(self, "durationSince", "datetime")
                                    .durationSince(asExt<Datetime>(
                                        eval(*e.args[1], tb), "argument of durationSince", "datetime"))));
            return out;
        case ExtFn::ToDate:
            out = Value(orRaise(asExt<Datetime>(self, "toDate", "datetime").toDate()));
            return out;
        case ExtFn::ToTime:
            out = Value(asExt<Datetime>(self, "toTime", "datetime").toTime());
            return out;
        case ExtFn::ToMilliseconds:
            out = Value(asExt<Duration>(self, "toMilliseconds", "duration").toMilliseconds());
            return out;
        case ExtFn::ToSeconds:
            out = Value(asExt<Duration>(self, "toSeconds", "duration").toSeconds());
            return out;
        case ExtFn::ToMinutes:
            out = Value(asExt<Duration>(self, "toMinutes", "duration").toMinutes());
            return out;
        case ExtFn::ToHours:
            out = Value(asExt<Duration>(self, "toHours", "duration").toHours());
            return out;
        case ExtFn::ToDays:
            out = Value(asExt<Duration>(self, "toDays", "duration").toDays());
            return out;
        default:
            break;
        }
        raise("unknown extension function `" + e.name + "`");
    }
    }
    raise("internal error: unknown expression");
}

} // namespace paddock::cedar
