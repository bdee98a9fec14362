#pragma once

#include <QString>
#include <QTimeZone>

#include <chrono>
#include <optional>

namespace paddock {

// An IANA time zone's offsets, read from the system's compiled zone files through QTimeZone (the
// same files Python's zoneinfo and cron read). The scheduler's one source of zone data: not
// std::chrono's tzdb, whose libstdc++ 14 reader (Debian 13) puts a zone's changes of standard
// offset at the wrong instant (Moscow in 2014, Kathmandu in 1986, Samoa's skipped day in 2011:
// it reads a zone line's UNTIL as UTC), which our differential test against python3-cronsim found.
// Calendar arithmetic stays std::chrono's.
//
// Any thread; a value type. A Lookup caches the period last asked about and belongs to one thread.
class ZoneRules final
{
public:
    using Instant = std::chrono::sys_seconds;
    using LocalTime = std::chrono::local_seconds;

    static std::optional<ZoneRules> find(const QString &ianaName);
    QString name() const;

    // A stretch of time with one offset: [begin, end).
    struct Period
    {
        Instant begin;
        Instant end;
        std::chrono::seconds offset{0};
    };
    static constexpr Instant Far = std::chrono::sys_days(std::chrono::year(9000) / 1 / 1);

    // A local time: once, never (in a gap: `first` is the period before it, `second` after), or
    // twice (repeated: `first` the earlier).
    struct Local
    {
        enum class Kind { Unique, Skipped, Repeated } kind = Kind::Unique;
        Period first;
        Period second;
    };

    class Lookup
    {
    public:
        explicit Lookup(const ZoneRules &rules) : m_rules(rules) {}
        Period at(Instant t);
        Local at(LocalTime t);
        LocalTime toLocal(Instant t) { return LocalTime{t.time_since_epoch() + at(t).offset}; }

    private:
        const ZoneRules &m_rules;
        std::optional<Period> m_last;
    };

    Period periodAt(Instant t) const;

private:
    explicit ZoneRules(QTimeZone zone) : m_zone(std::move(zone)) {}
    QTimeZone m_zone;
};

} // namespace paddock
