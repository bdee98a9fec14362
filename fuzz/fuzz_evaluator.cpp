// libFuzzer target: every policy that parses is evaluated against a small fixed store.
// Properties: evaluation never crashes or hangs (errors are values, not crashes), and deciding the
// same request twice gives the same decision, reasons and errors.
#include "policy/Json.h"
#include "policy/PolicySet.h"

#include <cstddef>
#include <cstdint>

using namespace paddock::cedar;

namespace {
const Entities &store()
{
    static const Entities entities = [] {
        auto list = entitiesFromJson(R"([
          {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 9223372036854775807, "name": "alice",
             "tags": ["a", "b"], "rec": {"x": {"y": -9223372036854775808}}, "ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}},
             "boss": {"__entity": {"type": "User", "id": "bob"}}},
           "parents": [{"type": "Group", "id": "g"}], "tags": {"t": 1}},
          {"uid": {"type": "User", "id": "bob"}, "attrs": {}, "parents": [{"type": "User", "id": "alice"}]},
          {"uid": {"type": "Group", "id": "g"}, "attrs": {}, "parents": [{"type": "Group", "id": "g"}]},
          {"uid": {"type": "Action", "id": "view"}, "attrs": {}, "parents": [{"type": "Action", "id": "all"}]}
        ])");
        return Entities(list ? std::move(*list) : std::vector<Entity>{});
    }();
    return entities;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const auto set = PolicySet::parse(text);
    if (set->policies().empty())
        return 0;
    Request request;
    request.principal = EntityUid{"User", "alice"};
    request.action = EntityUid{"Action", "view"};
    request.resource = EntityUid{"Group", "g"};
    auto ctx =
        contextFromJson(R"({"n": 1, "s": "x", "set": [1, 2], "ip": {"__extn": {"fn": "ip", "arg": "::1"}}})");
    if (ctx)
        request.context = *ctx;
    const Decision a = set->authorize(request, store());
    const Decision b = set->authorize(request, store());
    if (a.allowed != b.allowed || a.reason != b.reason || a.errors.size() != b.errors.size())
        __builtin_trap();
    return 0;
}
