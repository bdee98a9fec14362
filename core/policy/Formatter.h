#pragma once

#include "policy/Source.h"

#include <expected>
#include <string>
#include <string_view>

namespace paddock::cedar {

// Pretty-prints a Cedar policy file in Paddock's canonical layout, close to `cedar format`:
//
// - policies separated by one blank line; the comments before a policy stay above it, blank lines
//   between them are kept (at most one);
// - each annotation on its own line; the scope `permit (principal, action, resource)` on one line
//   when the policy's first line fits in 80 columns, otherwise one element per line, indented by 2;
// - each condition on its own line: `when { … }` when it fits, otherwise the expression on the
//   lines between `when {` and `}`, indented by 2;
// - binary operators with a space on each side; an expression that does not fit is broken after
//   `&&` / `||` (one operand per line), then after the other operators; sets and records that do
//   not fit put one element per line;
// - every comment survives: a comment at the end of a line stays at the end of the line of the
//   code before it, a comment on its own line stays on its own line before the code after it.
//
// What the source says is kept where the syntax offers a choice with the same meaning: `.attr` or
// `["attr"]`, identifier or string record keys and `has` names, `e has a.b` (not its expansion
// `e has a && e.a has b`), integer literals and string escapes as written, `action in [A]` or
// `action in A`, and grouping parentheses (a doubled pair becomes one). Parentheses the grammar
// needs are added. Text that does not parse is refused with its diagnostics.
std::expected<std::string, Diagnostics> formatPolicies(std::string_view source);

} // namespace paddock::cedar
