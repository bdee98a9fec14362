// libFuzzer target: a job's schedule is typed by a person or read from jobs.json, and may be
// anything. Properties: parsing never crashes; an error points inside the text (a column from 1 to
// one past its end); an accepted expression in a zone with daylight saving time gives instants
// that only ever increase, each strictly after the one before, and its description is not empty.
#include "scheduler/CronSchedule.h"

#include <cstddef>
#include <cstdint>

using namespace paddock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512)
        return 0;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto expression = CronExpression::parse(text);
    if (!expression) {
        const auto &e = expression.error();
        if (e.column < 1 || e.column > text.size() + 1 || e.length < 1 || e.reason.isEmpty())
            __builtin_trap();
        return 0;
    }
    if (expression->describe().isEmpty())
        __builtin_trap();
    static const QString zones[] = {QStringLiteral("Europe/Berlin"), QStringLiteral("Australia/Lord_Howe"),
                                    QStringLiteral("America/Santiago")};
    const auto schedule = CronSchedule::create(*expression, zones[size % 3]);
    if (!schedule)
        __builtin_trap();
    using namespace std::chrono;
    CronSchedule::Instant t = sys_days(year(2025) / 3 / 1) + hours(static_cast<int>(size % 24));
    for (int i = 0; i < 4; ++i) {
        const auto next = schedule->next(t);
        if (!next)
            break;
        if (*next <= t)
            __builtin_trap();
        t = *next;
    }
    return 0;
}
