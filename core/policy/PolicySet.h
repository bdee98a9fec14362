#pragma once

#include "policy/Ast.h"
#include "policy/Evaluator.h"
#include "policy/Parser.h"

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace paddock::cedar {

// How a decision is enforced: enforce (as the policies say), shadow (allow, report the would-be
// deny), record (allow, report everything).
enum class Mode : uint8_t { Enforce, Shadow, Record };

struct PolicyError
{
    std::string policyId;
    std::string message;
};

struct Decision
{
    bool allowed = false;            // the effective decision, after the mode
    bool policyAllowed = false;      // what the policies decided
    std::vector<std::string> reason; // the determining policies
    std::vector<PolicyError> errors; // policies skipped because their condition raised an error
};

// A compiled, immutable set of policies, shared across threads (std::shared_ptr<const PolicySet>)
// and evaluated without locks. A scope index keeps each request away from policies whose scope
// pins another action, principal or resource.
class PolicySet
{
public:
    // Parses and compiles. With diagnostics, the set holds the policies that did parse.
    static std::shared_ptr<const PolicySet> parse(std::string_view source,
                                                  Diagnostics *diagnostics = nullptr);
    explicit PolicySet(std::vector<Policy> policies);

    // A policy made from a template by filling its slots (`?principal`, `?resource`), as Cedar's
    // template linking does. Fails when a slot the template has is not given, or one it lacks is.
    static std::expected<Policy, std::string> link(const Policy &templ, std::string newId,
                                                   const std::optional<EntityUid> &principal,
                                                   const std::optional<EntityUid> &resource);

    const std::vector<Policy> &policies() const { return m_policies; }
    const Policy *find(const std::string &id) const;

    Decision authorize(const Request &request, const Entities &entities, Mode mode = Mode::Enforce) const;

private:
    void buildIndex();
    // Calls `visit` once for each policy whose action scope can admit the request.
    template <typename F>
    void forEachCandidate(const Request &request, const Entities &entities, F &&visit) const;

    // Policies that may apply to one action, split further by a pinned resource or principal
    // (`resource == E`, else `principal == E`), so that a request only visits those for its own.
    struct Bucket
    {
        std::vector<uint32_t> rest;
        std::unordered_map<EntityUid, std::vector<uint32_t>, EntityUidHash> byResource;
        std::unordered_map<EntityUid, std::vector<uint32_t>, EntityUidHash> byPrincipal;
        void add(const Policy &p, uint32_t index);
        template <typename F> void visit(const Request &request, F &&f) const;
    };

    std::vector<Policy> m_policies; // templates excluded from authorization
    // Policies whose action scope is `==` one action or `in` some actions, by those actions.
    std::unordered_map<EntityUid, Bucket, EntityUidHash> m_byAction;
    Bucket m_anyAction; // the others (non-templates)
};

} // namespace paddock::cedar
