// libFuzzer target: policy files are typed by people and imported from anywhere.
// Properties: parsing never crashes or hangs; every diagnostic's span lies inside the text; a text
// that parses yields policies whose spans lie inside it too, and parses the same way twice; it
// validates against a schema without crashing; formatting it gives text that parses to as many
// policies and formats to itself.
#include "policy/Formatter.h"
#include "policy/Parser.h"
#include "policy/Schema.h"
#include "policy/Validator.h"

#include <cstddef>
#include <cstdint>

using namespace paddock::cedar;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const ParseResult r = parsePolicies(text);
    for (const Diagnostic &d : r.diagnostics) {
        if (d.span.offset + d.span.length > size || d.span.line == 0 || d.span.column == 0 ||
            d.message.empty())
            __builtin_trap();
        (void)formatDiagnostic(d, std::string(text), "fuzz.cedar");
    }
    for (const Policy &p : r.policies)
        if (p.span.offset + p.span.length > size || (p.id.empty() && !p.annotation("id")))
            __builtin_trap();
    const ParseResult again = parsePolicies(text);
    if (again.policies.size() != r.policies.size() || again.diagnostics.size() != r.diagnostics.size())
        __builtin_trap();
    if (!r.ok())
        return 0;
    static const SchemaParseResult schema = parseSchema(R"(
        entity User in [Group] = { name: String, age?: Long, ip: ipaddr, boss?: User, tags: Set<String> } tags String;
        entity Group, Doc = { owner: User, level: Long };
        action view, edit in [view] appliesTo { principal: [User], resource: [Doc, Group], context: { n: Long, when?: datetime } };
    )");
    (void)validatePolicies(r.policies, *schema.schema);
    const auto formatted = formatPolicies(text);
    if (formatted) {
        const ParseResult reparsed = parsePolicies(*formatted);
        if (!reparsed.ok() || reparsed.policies.size() != r.policies.size())
            __builtin_trap();
        const auto twice = formatPolicies(*formatted);
        if (!twice || *twice != *formatted)
            __builtin_trap();
    }
    return 0;
}
