#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace paddock::cedar {

// A range of a source text: byte offset and length, with the 1-based line and column of its start.
struct Span
{
    uint32_t offset = 0;
    uint32_t length = 0;
    uint32_t line = 1;
    uint32_t column = 1;
};

// A parse or validation finding, at a span of the source it came from.
struct Diagnostic
{
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    Span span;
    std::string message;
    std::string help; // what to do, when there is something useful to say
};

using Diagnostics = std::vector<Diagnostic>;

// Levenshtein distance, for "did you mean" suggestions.
size_t editDistance(const std::string &a, const std::string &b);

// Renders a diagnostic as `file:line:column: error: message`, then the source line with a caret
// under the span and the help line.
std::string formatDiagnostic(const Diagnostic &d, const std::string &source, const std::string &fileName);

} // namespace paddock::cedar
