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

template <typename T>
const T &asExt(const Value &v, const char *what, const char *expected)
{
    if (!std::holds_alternative<T>(v.data))
        typeError(what, v, expected);
    return std::get<T>(v.data);
}

template <typename T>
T orRaise(std::expected<T, std::string> r)
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

bool Evaluator::constraintMatches(const ScopeConstraint &c, const EntityUid &uid) const
{
    switch (c.kind) {
    case ScopeConstraint::Kind::Any:
        return true;
    case ScopeConstraint::Kind::Eq:
        return !c.entities.empty() && uid == c.entities.front();
    case ScopeConstraint::Kind::In:
        for (const EntityUid &e : c.entities)
            if (m_entities.isIn(uid, e))
                return true;
        return false;
    case ScopeConstraint::Kind::Is:
        return uid.type == c.entityType;
    case ScopeConstraint::Kind::IsIn:
        return uid.type == c.entityType && !c.entities.empty() && m_entities.isIn(uid, c.entities.front());
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
        for (const Condition &c : policy.conditions) {
            const bool v = asBool(eval(*c.expr), c.when ? "when condition" : "unless condition");
            if (v != c.when)
                return false;
        }
        return true;
    } catch (EvalError &e) {
        return std::unexpected(std::move(e));
    }
}

std::expected<Value, EvalError> Evaluator::evaluate(const Expr &expr) const
{
    try {
        return eval(expr);
    } catch (EvalError &e) {
        return std::unexpected(std::move(e));
    }
}

Value Evaluator::eval(const Expr &e) const
{
    using Op = Expr::Op;
    switch (e.op) {
    case Op::Literal:
        return e.value;
    case Op::Variable:
        switch (e.var) {
        case Var::Principal:
            return Value(m_request.principal);
        case Var::Action:
            return Value(m_request.action);
        case Var::Resource:
            return Value(m_request.resource);
        case Var::Context:
            return m_request.context;
        }
        break;
    case Op::Slot:
        raise("a template slot was not linked");
    case Op::If:
        return asBool(eval(*e.args[0]), "if condition") ? eval(*e.args[1]) : eval(*e.args[2]);
    case Op::And:
        if (!asBool(eval(*e.args[0]), "left of &&"))
            return Value(false);
        return Value(asBool(eval(*e.args[1]), "right of &&"));
    case Op::Or:
        if (asBool(eval(*e.args[0]), "left of ||"))
            return Value(true);
        return Value(asBool(eval(*e.args[1]), "right of ||"));
    case Op::Not:
        return Value(!asBool(eval(*e.args[0]), "operand of !"));
    case Op::Neg: {
        const int64_t v = asLong(eval(*e.args[0]), "operand of -");
        if (v == INT64_MIN)
            raise("integer overflow: -(" + std::to_string(v) + ")");
        return Value(-v);
    }
    case Op::Eq:
        return Value(eval(*e.args[0]) == eval(*e.args[1]));
    case Op::NotEq:
        return Value(!(eval(*e.args[0]) == eval(*e.args[1])));
    case Op::Less:
    case Op::LessEq:
    case Op::Greater:
    case Op::GreaterEq: {
        const Value a = eval(*e.args[0]);
        const Value b = eval(*e.args[1]);
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
            return Value(cmp < 0);
        case Op::LessEq:
            return Value(cmp <= 0);
        case Op::Greater:
            return Value(cmp > 0);
        default:
            return Value(cmp >= 0);
        }
    }
    case Op::In: {
        const Value a = eval(*e.args[0]);
        const EntityUid &uid = asEntity(a, "left of in");
        const Value b = eval(*e.args[1]);
        if (b.kind() == Value::Kind::Entity)
            return Value(m_entities.isIn(uid, b.asEntity()));
        if (b.kind() == Value::Kind::Set) {
            bool found = false;
            for (const Value &v : b.asSet()) // every element must be an entity, even after a match
                if (m_entities.isIn(uid, asEntity(v, "element of the set right of in")))
                    found = true;
            return Value(found);
        }
        typeError("right of in", b, "entity or set of entities");
    }
    case Op::Add:
    case Op::Sub:
    case Op::Mul: {
        const int64_t a = asLong(eval(*e.args[0]), "arithmetic");
        const int64_t b = asLong(eval(*e.args[1]), "arithmetic");
        int64_t r = 0;
        const bool overflow = e.op == Op::Add   ? __builtin_add_overflow(a, b, &r)
                              : e.op == Op::Sub ? __builtin_sub_overflow(a, b, &r)
                                                : __builtin_mul_overflow(a, b, &r);
        if (overflow)
            raise("integer overflow: " + std::to_string(a) + (e.op == Op::Add ? " + " : e.op == Op::Sub ? " - " : " * ") +
                  std::to_string(b));
        return Value(r);
    }
    case Op::Has: {
        const Value v = eval(*e.args[0]);
        if (v.kind() == Value::Kind::Record)
            return Value(v.asRecord().contains(e.name));
        if (v.kind() == Value::Kind::Entity) {
            const Entity *entity = m_entities.find(v.asEntity());
            return Value(entity != nullptr && entity->attrs.contains(e.name));
        }
        typeError("left of has", v, "entity or record");
    }
    case Op::GetAttr: {
        const Value v = eval(*e.args[0]);
        if (v.kind() == Value::Kind::Record) {
            const auto it = v.asRecord().find(e.name);
            if (it == v.asRecord().end())
                raise("record does not have the attribute `" + e.name + "`");
            return it->second;
        }
        if (v.kind() == Value::Kind::Entity) {
            const Entity *entity = m_entities.find(v.asEntity());
            if (!entity)
                raise("entity " + v.asEntity().toString() + " does not exist");
            const auto it = entity->attrs.find(e.name);
            if (it == entity->attrs.end())
                raise(v.asEntity().toString() + " does not have the attribute `" + e.name + "`");
            return it->second;
        }
        typeError(("attribute `" + e.name + "`").c_str(), v, "entity or record");
    }
    case Op::Like:
        return Value(matchPattern(e.pattern, asString(eval(*e.args[0]), "left of like")));
    case Op::Is:
        return Value(asEntity(eval(*e.args[0]), "left of is").type == e.name);
    case Op::IsIn: {
        const Value a = eval(*e.args[0]);
        const EntityUid &uid = asEntity(a, "left of is");
        if (uid.type != e.name)
            return Value(false); // Cedar does not evaluate the container then
        const Value b = eval(*e.args[1]);
        if (b.kind() == Value::Kind::Entity)
            return Value(m_entities.isIn(uid, b.asEntity()));
        if (b.kind() == Value::Kind::Set) {
            bool found = false;
            for (const Value &v : b.asSet())
                if (m_entities.isIn(uid, asEntity(v, "element of the set right of in")))
                    found = true;
            return Value(found);
        }
        typeError("right of in", b, "entity or set of entities");
    }
    case Op::Contains: {
        const Value s = eval(*e.args[0]);
        const ValueSet &set = asSet(s, "contains");
        return Value(contains(set, eval(*e.args[1])));
    }
    case Op::ContainsAll:
    case Op::ContainsAny: {
        const Value s = eval(*e.args[0]);
        const Value o = eval(*e.args[1]);
        const ValueSet &a = asSet(s, e.op == Op::ContainsAll ? "containsAll" : "containsAny");
        const ValueSet &b = asSet(o, e.op == Op::ContainsAll ? "argument of containsAll" : "argument of containsAny");
        if (e.op == Op::ContainsAll)
            return Value(std::all_of(b.begin(), b.end(), [&](const Value &v) { return contains(a, v); }));
        return Value(std::any_of(b.begin(), b.end(), [&](const Value &v) { return contains(a, v); }));
    }
    case Op::IsEmpty: {
        const Value s = eval(*e.args[0]);
        return Value(asSet(s, "isEmpty").empty());
    }
    case Op::GetTag:
    case Op::HasTag: {
        const Value v = eval(*e.args[0]);
        const EntityUid &uid = asEntity(v, e.op == Op::GetTag ? "getTag" : "hasTag");
        const Value k = eval(*e.args[1]);
        const std::string &key = asString(k, "tag name");
        const Entity *entity = m_entities.find(uid);
        if (e.op == Op::HasTag)
            return Value(entity != nullptr && entity->tags.contains(key));
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
        for (const ExprPtr &a : e.args)
            elements.push_back(eval(*a));
        return Value::set(std::move(elements));
    }
    case Op::RecordLiteral: {
        ValueRecord fields;
        for (size_t i = 0; i < e.args.size(); ++i)
            fields.insert_or_assign(e.keys[i], eval(*e.args[i]));
        return Value::record(std::move(fields));
    }
    case Op::Call: {
        switch (e.fn) {
        case ExtFn::Ip:
            return Value(orRaise(IpAddr::parse(asString(eval(*e.args[0]), "ip"))));
        case ExtFn::Decimal:
            return Value(orRaise(Decimal::parse(asString(eval(*e.args[0]), "decimal"))));
        case ExtFn::Datetime:
            return Value(orRaise(Datetime::parse(asString(eval(*e.args[0]), "datetime"))));
        case ExtFn::Duration:
            return Value(orRaise(Duration::parse(asString(eval(*e.args[0]), "duration"))));
        default:
            break;
        }
        const Value self = eval(*e.args[0]);
        switch (e.fn) {
        case ExtFn::IsIpv4:
            return Value(asExt<IpAddr>(self, "isIpv4", "ipaddr").isIpv4());
        case ExtFn::IsIpv6:
            return Value(asExt<IpAddr>(self, "isIpv6", "ipaddr").isIpv6());
        case ExtFn::IsLoopback:
            return Value(asExt<IpAddr>(self, "isLoopback", "ipaddr").isLoopback());
        case ExtFn::IsMulticast:
            return Value(asExt<IpAddr>(self, "isMulticast", "ipaddr").isMulticast());
        case ExtFn::IsInRange: {
            const Value other = eval(*e.args[1]);
            return Value(asExt<IpAddr>(self, "isInRange", "ipaddr")
                             .isInRange(asExt<IpAddr>(other, "argument of isInRange", "ipaddr")));
        }
        case ExtFn::LessThan:
        case ExtFn::LessThanOrEqual:
        case ExtFn::GreaterThan:
        case ExtFn::GreaterThanOrEqual: {
            const Value other = eval(*e.args[1]);
            const Decimal &a = asExt<Decimal>(self, e.name.c_str(), "decimal");
            const Decimal &b = asExt<Decimal>(other, ("argument of " + e.name).c_str(), "decimal");
            switch (e.fn) {
            case ExtFn::LessThan:
                return Value(a < b);
            case ExtFn::LessThanOrEqual:
                return Value(a <= b);
            case ExtFn::GreaterThan:
                return Value(a > b);
            default:
                return Value(a >= b);
            }
        }
        case ExtFn::Offset: {
            const Value other = eval(*e.args[1]);
            return Value(orRaise(asExt<Datetime>(self, "offset", "datetime")
                                     .offset(asExt<Duration>(other, "argument of offset", "duration"))));
        }
        case ExtFn::DurationSince: {
            const Value other = eval(*e.args[1]);
            return Value(orRaise(asExt<Datetime>(self, "durationSince", "datetime")
                                     .durationSince(asExt<Datetime>(other, "argument of durationSince", "datetime"))));
        }
        case ExtFn::ToDate:
            return Value(orRaise(asExt<Datetime>(self, "toDate", "datetime").toDate()));
        case ExtFn::ToTime:
            return Value(asExt<Datetime>(self, "toTime", "datetime").toTime());
        case ExtFn::ToMilliseconds:
            return Value(asExt<Duration>(self, "toMilliseconds", "duration").toMilliseconds());
        case ExtFn::ToSeconds:
            return Value(asExt<Duration>(self, "toSeconds", "duration").toSeconds());
        case ExtFn::ToMinutes:
            return Value(asExt<Duration>(self, "toMinutes", "duration").toMinutes());
        case ExtFn::ToHours:
            return Value(asExt<Duration>(self, "toHours", "duration").toHours());
        case ExtFn::ToDays:
            return Value(asExt<Duration>(self, "toDays", "duration").toDays());
        default:
            break;
        }
        raise("unknown extension function `" + e.name + "`");
    }
    }
    raise("internal error: unknown expression");
}

} // namespace paddock::cedar
