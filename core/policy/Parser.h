#pragma once

#include "policy/Ast.h"
#include "policy/Lexer.h"

#include <string_view>
#include <vector>

namespace paddock::cedar {

struct ParseResult
{
    std::vector<Policy> policies; // in source order, ids assigned (@id or policyN)
    Diagnostics diagnostics;      // empty when the text is valid Cedar
    std::vector<Comment> comments;
    bool ok() const { return diagnostics.empty(); }
};

// Parses a Cedar policy file. Errors carry spans; parsing resumes at the next policy so that one
// mistake does not hide the others.
ParseResult parsePolicies(std::string_view source);

// Parses one expression (for tests, the what-if panel and the CLI).
struct ExprParseResult
{
    ExprPtr expr;
    Diagnostics diagnostics;
};
ExprParseResult parseExpression(std::string_view source);

// Parses `Type::"id"` (as the CLI takes principals, actions and resources).
bool parseEntityUid(std::string_view source, EntityUid &out, std::string &error);

bool isReservedWord(std::string_view word);

} // namespace paddock::cedar
