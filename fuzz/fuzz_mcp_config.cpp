// libFuzzer target: mcp.toml is read from the configuration folder at every persona start and may
// be anything. Properties: parsing never crashes (toml++'s parse errors are caught inside); an
// error always says where (file:line:column); what parses serializes to text that parses again to
// the same servers; and each agent's configuration can be made from them.
#include "agents/AgentConfig.h"
#include "agents/McpConfig.h"

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString path = QStringLiteral("/nonexistent/mcp.toml");
    auto parsed = McpConfig::parse(text, path);
    if (!parsed) {
        if (!parsed.error().where.startsWith(path + QLatin1Char(':')))
            __builtin_trap();
        return 0;
    }
    const QByteArray again = McpConfig::serialize(*parsed);
    auto reparsed = McpConfig::parse(again, path);
    if (!reparsed || *reparsed != *parsed)
        __builtin_trap();
    Persona persona = Persona::defaults(QStringLiteral("image")).at(2);
    (void)AgentConfig::files(persona, {}, *parsed);
    return 0;
}
