#pragma once

#include "policy/Ast.h"
#include "policy/Schema.h"
#include "policy/Source.h"

#include <memory>
#include <vector>

namespace paddock::cedar {

// Cedar's strict policy validator, the check `cedar validate` runs by default
// (`ValidationMode::Strict` in the reference implementation):
//  - every entity type, action and enumerated entity a policy names must be declared in the schema;
//  - the policy must typecheck in every request environment (action × principal type × resource type)
//    the schema declares, under strict typing: no implicit widening of entity or record types,
//    optional attributes and tags only under a `has`/`hasTag` guard, literal extension constructors.
// Errors make a policy invalid. Warnings do not: a scope that admits no (principal, action,
// resource) combination of the schema, or a policy that is false for every request.
//
// The validator keeps a reference to the schema: the schema must outlive it. `validate` is const and
// keeps its state on the stack, so one validator may serve several threads at once.
class Validator final
{
public:
    explicit Validator(const Schema &schema);
    ~Validator();
    Validator(Validator &&) noexcept;
    Validator &operator=(Validator &&) noexcept;
    Validator(const Validator &) = delete;
    Validator &operator=(const Validator &) = delete;

    // The findings for one policy or template, ordered by position.
    Diagnostics validate(const Policy &policy) const;
    Diagnostics validate(const std::vector<Policy> &policies) const;

    struct Index;

private:
    std::unique_ptr<const Index> m_index;
};

// Validates every policy against the schema (a shorthand for `Validator(schema).validate(policies)`).
Diagnostics validatePolicies(const std::vector<Policy> &policies, const Schema &schema);

// True when the diagnostics hold at least one error (warnings do not make a policy invalid).
bool hasErrors(const Diagnostics &diagnostics);

} // namespace paddock::cedar
