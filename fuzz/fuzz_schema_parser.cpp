// libFuzzer target: the schema is a file people edit. Properties: no crash or hang; diagnostics
// point inside the text; a schema either parses (and then has no diagnostics) or reports why.
#include "policy/Schema.h"

#include <cstddef>
#include <cstdint>

using namespace paddock::cedar;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const SchemaParseResult r = parseSchema(text);
    if (r.schema ? !r.diagnostics.empty() : r.diagnostics.empty())
        __builtin_trap();
    for (const Diagnostic &d : r.diagnostics)
        if (d.span.offset + d.span.length > size || d.message.empty())
            __builtin_trap();
    if (r.schema)
        for (const auto &[name, type] : r.schema->entityTypes)
            (void)r.schema->mayBeIn(name, name);
    return 0;
}
