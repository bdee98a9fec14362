// libFuzzer target: policy files are typed by people and imported from anywhere.
// Properties: parsing never crashes or hangs; every diagnostic's span lies inside the text; a text
// that parses yields policies whose spans lie inside it too, and parses the same way twice.
#include "policy/Parser.h"

#include <cstddef>
#include <cstdint>

using namespace paddock::cedar;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const ParseResult r = parsePolicies(text);
    for (const Diagnostic &d : r.diagnostics) {
        if (d.span.offset + d.span.length > size || d.span.line == 0 || d.span.column == 0 || d.message.empty())
            __builtin_trap();
        (void)formatDiagnostic(d, std::string(text), "fuzz.cedar");
    }
    for (const Policy &p : r.policies)
        if (p.span.offset + p.span.length > size || (p.id.empty() && !p.annotation("id")))
            __builtin_trap();
    const ParseResult again = parsePolicies(text);
    if (again.policies.size() != r.policies.size() || again.diagnostics.size() != r.diagnostics.size())
        __builtin_trap();
    return 0;
}
