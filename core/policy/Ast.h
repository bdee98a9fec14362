#pragma once

#include "policy/Source.h"
#include "policy/Value.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace paddock::cedar {

enum class Var : uint8_t { Principal, Action, Resource, Context };
enum class SlotId : uint8_t { Principal, Resource };

// Extension functions and methods, resolved when parsed.
enum class ExtFn : uint8_t {
    Ip,
    Decimal,
    Datetime,
    Duration,
    IsIpv4,
    IsIpv6,
    IsLoopback,
    IsMulticast,
    IsInRange,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    Offset,
    DurationSince,
    ToDate,
    ToTime,
    ToMilliseconds,
    ToSeconds,
    ToMinutes,
    ToHours,
    ToDays,
};

// One element of a `like` pattern: literal text or the wildcard `*`.
struct PatternPart
{
    bool wildcard = false;
    std::string text;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr
{
    enum class Op : uint8_t {
        Literal,  // value
        Variable, // var
        Slot,     // slot
        If,       // args: condition, then, else
        And,      // args: left, right
        Or,
        Not, // args: operand
        Neg,
        Eq, // args: left, right
        NotEq,
        Less,
        LessEq,
        Greater,
        GreaterEq,
        In,
        Add,
        Sub,
        Mul,
        Has,      // args: operand; name
        GetAttr,  // args: operand; name
        Like,     // args: operand; pattern
        Is,       // args: operand; name (entity type)
        IsIn,     // args: operand, container; name (entity type)
        Contains, // args: set, element
        ContainsAll,
        ContainsAny,
        IsEmpty, // args: set
        GetTag,  // args: entity, key
        HasTag,
        SetLiteral,    // args: elements
        RecordLiteral, // args: values; keys
        Call,          // args: arguments (receiver first for methods); fn
    };

    Op op = Op::Literal;
    Var var = Var::Principal;
    SlotId slot = SlotId::Principal;
    ExtFn fn = ExtFn::Ip;
    Span span;
    Value value;
    std::string name;
    std::vector<std::string> keys;
    std::vector<PatternPart> pattern;
    std::vector<ExprPtr> args;
};

// A deep copy (for desugaring and template linking).
ExprPtr cloneExpr(const Expr &e);

enum class Effect : uint8_t { Permit, Forbid };

// A scope element: `principal`, `principal == E`, `principal in E`, `principal is T`,
// `principal is T in E` (and the same for resource; action allows ==, in E, in [E, ...]).
struct ScopeConstraint
{
    enum class Kind : uint8_t { Any, Eq, In, Is, IsIn };
    Kind kind = Kind::Any;
    std::vector<EntityUid> entities; // one, or several for `action in [...]`
    std::string entityType;          // for Is, IsIn
    std::optional<SlotId> slot;      // `?principal` / `?resource` instead of an entity
    Span span;
};

struct Condition
{
    bool when = true; // `unless` when false
    ExprPtr expr;
    Span span;
};

struct Annotation
{
    std::string key;
    std::string value;
    Span span;
};

struct Policy
{
    std::string id;
    Effect effect = Effect::Permit;
    ScopeConstraint principal, action, resource;
    std::vector<Condition> conditions;
    std::vector<Annotation> annotations;
    Span span;       // the whole policy
    Span effectSpan; // `permit` / `forbid`

    bool isTemplate() const { return principal.slot.has_value() || resource.slot.has_value(); }
    const Annotation *annotation(const std::string &key) const;
};

} // namespace paddock::cedar
