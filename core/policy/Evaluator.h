#pragma once

#include "policy/Ast.h"
#include "policy/Entities.h"

#include <expected>
#include <string>

namespace paddock::cedar {

struct Request
{
    EntityUid principal;
    EntityUid action;
    EntityUid resource;
    Value context = Value::record({});
};

struct EvalError
{
    std::string message;
};

// Evaluates expressions for one request against one entity store. Pure: no I/O, no shared state,
// so any number of evaluations may run at once on different threads.
class Evaluator
{
public:
    Evaluator(const Request &request, const Entities &entities)
        : m_request(request)
        , m_entities(entities)
    {
    }

    std::expected<Value, EvalError> evaluate(const Expr &expr) const;
    // Whether the scope of `policy` admits the request (never an error).
    bool scopeMatches(const Policy &policy) const;
    // Scope and conditions: true when the policy is satisfied, false when not, or the error that
    // its conditions raised.
    std::expected<bool, EvalError> satisfied(const Policy &policy) const;

private:
    Value eval(const Expr &e) const; // throws EvalError (internally only)
    bool constraintMatches(const ScopeConstraint &c, const EntityUid &uid) const;

    const Request &m_request;
    const Entities &m_entities;
};

// `like` matching with `*` wildcards.
bool matchPattern(const std::vector<PatternPart> &pattern, std::string_view text);

} // namespace paddock::cedar
