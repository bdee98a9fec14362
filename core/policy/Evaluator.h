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
        , m_principal(request.principal)
        , m_action(request.action)
        , m_resource(request.resource)
        , m_principalEntity(entities.find(request.principal))
        , m_resourceEntity(entities.find(request.resource))
        , m_principalAncestors(entities.ancestors(request.principal))
        , m_actionAncestors(entities.ancestors(request.action))
        , m_resourceAncestors(entities.ancestors(request.resource))
    {}

    std::expected<Value, EvalError> evaluate(const Expr &expr) const;
    // Whether the scope of `policy` admits the request (never an error).
    bool scopeMatches(const Policy &policy) const;
    // Scope and conditions: true when the policy is satisfied, false when not, or the error that
    // its conditions raised.
    std::expected<bool, EvalError> satisfied(const Policy &policy) const;

private:
    // The value of `e`: a reference to a value that outlives the call (a literal, a variable, an
    // attribute in the store) or to `scratch`, where a computed value is put. Throws EvalError
    // (internally only). Avoiding copies here is most of the evaluator's speed.
    const Value &eval(const Expr &e, Value &scratch) const;
    bool evalBool(const Expr &e, const char *what) const;
    bool inSet(const EntityUid &uid, const Value &container) const;
    bool constraintMatches(const ScopeConstraint &c, const EntityUid &uid) const;

    const Request &m_request;
    const Entities &m_entities;
    const Value m_principal, m_action, m_resource; // made once per request, not per reference
    // Looked up once per request: most attribute reads and `in` tests are about these.
    const Entity *m_principalEntity;
    const Entity *m_resourceEntity;
    using Ancestors = std::unordered_set<EntityUid, EntityUidHash>;
    const Ancestors *m_principalAncestors, *m_actionAncestors, *m_resourceAncestors;

    const Entity *entityOf(const Value &v) const;
    bool isIn(const EntityUid &a, const EntityUid &b) const;
};

// `like` matching with `*` wildcards.
bool matchPattern(const std::vector<PatternPart> &pattern, std::string_view text);

} // namespace paddock::cedar
