// libFuzzer target: jobs.json is read from disk at start-up (and edited by hand) and may be anything.
// Properties: parsing never crashes (nlohmann/json's exceptions are caught inside); an error
// always says where; what parses serializes to text that parses again to the same jobs.
#include "scheduler/JobStore.h"

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString path = QStringLiteral("/nonexistent/jobs.json");
    auto parsed = JobStore::parse(text, path);
    if (!parsed) {
        if (!parsed.error().where.startsWith(path + QLatin1Char(':')))
            __builtin_trap();
        return 0;
    }
    const QByteArray again = JobStore::serialize(*parsed);
    auto reparsed = JobStore::parse(again, path);
    if (!reparsed || JobStore::serialize(*reparsed) != again)
        __builtin_trap();
    return 0;
}
