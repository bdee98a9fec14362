#pragma once

#include "scheduler/CronExpression.h"
#include "scheduler/ZoneRules.h"

#include <QString>

#include <chrono>
#include <expected>
#include <optional>

namespace paddock {

// When a cron expression fires in an IANA time zone: the instants, strictly after a given one.
// Zones are ZoneRules' (the system's zone files, through QTimeZone); nothing else in the scheduler
// converts times.
//
// Daylight saving time as Debian's cron (and python3-cronsim, our reference) has it:
// - a wall-clock job (CronExpression::isWallClock: neither minute nor hour starts with '*') counts
//   on the local clock. A time that does not exist that day (spring forward) fires at the first
//   real minute after the gap, once, however many of its times fell in the gap; a time that
//   happens twice (fall back) fires once, at its first occurrence.
// - any other job fires at every real minute whose local time matches, so "*/15 * * * *" keeps
//   its pace through both changes and "0 * * * *" fires in each real hour.
// Where the reference could answer a time at or before `after` (a start inside a repeated hour),
// the next later one is given: an instant is never given twice. For jobs of the second kind
// cronsim's iteration is not followed where a day starts inside a skipped or repeated hour
// (midnight changes, as in Havana or, in 2003, St. John's): it answers the end of a skipped
// midnight hour for "* 0 * * *", or the same time forever; Paddock keeps to the rule above.
//
// "Never" is an expression with no time in the 50 years after the start (30 February), as the
// reference gives up.
//
// Any thread; a value type.
class CronSchedule final
{
public:
    using Instant = std::chrono::sys_seconds;

    // `zone` is an IANA name ("Europe/Berlin"); an unknown one is an error saying so.
    static std::expected<CronSchedule, QString> create(CronExpression expression, const QString &zone);
    static bool zoneExists(const QString &zone);
    // The system's zone, as an IANA name (UTC when it cannot be told).
    static QString systemZone();

    const CronExpression &expression() const { return m_expression; }
    QString zone() const;
    const ZoneRules &rules() const { return m_zone; }

    // The first instant strictly after `after`; nothing when there is none ("on start" has none).
    std::optional<Instant> next(Instant after) const;

    // "2021-03-28T04:00:00+03:00": an instant in this schedule's zone.
    QString format(Instant t) const;
    static QString format(Instant t, const ZoneRules &zone);
    // ISO 8601 with an offset or Z, or a local time without one (read in `zone`; the earlier of a
    // repeated time, the time after a gap).
    static std::optional<Instant> parseInstant(const QString &text, const ZoneRules *zone);

private:
    CronSchedule(CronExpression expression, ZoneRules zone) : m_expression(std::move(expression)), m_zone(std::move(zone)) {}

    CronExpression m_expression;
    ZoneRules m_zone;
};

} // namespace paddock
