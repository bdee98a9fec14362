// libFuzzer target: entity stores and request contexts arrive as JSON from tools and other hosts.
// Properties: no crash or hang, with and without a schema guiding the types; what loads can be
// put in a store whose ancestor relation terminates (cycles included).
#include "policy/Entities.h"
#include "policy/Json.h"

#include <cstddef>
#include <cstdint>

using namespace paddock::cedar;

namespace {
const Schema &schema()
{
    static const SchemaParseResult parsed = parseSchema(R"(
        entity User in [Group] = { name: String, age?: Long, ip: ipaddr, score: decimal, boss?: User, tags: Set<String> };
        entity Group;
        action view appliesTo { principal: [User], resource: [Group], context: { when: datetime, ttl: duration, from: ipaddr } };
    )");
    return *parsed.schema;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    for (const Schema *s : {static_cast<const Schema *>(nullptr), &schema()}) {
        auto list = entitiesFromJson(text, s);
        if (list) {
            Entities store(std::move(*list));
            for (const auto &[uid, entity] : store.all())
                for (const EntityUid &p : entity.parents)
                    (void)store.isIn(uid, p);
        } else if (list.error().empty()) {
            __builtin_trap(); // an error always says what
        }
        const EntityUid action{"Action", "view"};
        (void)contextFromJson(text, s, &action);
    }
    (void)valueFromJson(text);
    (void)entityUidFromJson(text);
    return 0;
}
