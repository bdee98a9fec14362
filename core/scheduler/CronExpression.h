#pragma once

#include <QString>

#include <bitset>
#include <chrono>
#include <expected>

namespace paddock {

// A job's schedule as written: a 5-field cron expression (minute hour day-of-month month
// day-of-week) as Debian's cron reads it, one of its macros (@daily, …), or "on start" (when the
// scheduler starts; Paddock's stand-in for @reboot). Parsing only: when it fires is CronSchedule's.
//
// Semantics follow Debian cron as python3-cronsim implements them (the reference our differential
// test compares with): names (JAN, MON) in any case, ranges, lists, steps ("N/S" is N to the
// field's maximum), day-of-week 0-7 with 0 and 7 both Sunday. Day-of-month and day-of-week
// combine with OR only when neither field starts with '*'. Not Debian syntax, and refused: L, W,
// #, ?, seconds and years (6 and 7 fields), @reboot.
//
// Any thread; a value type.
class CronExpression final
{
public:
    struct ParseError
    {
        int column = 1; // 1-based, in characters of the text given
        int length = 1; // of the offending part, for an underline
        QString reason;
        // "column 7: …", as paddockctl prints it.
        QString text() const;
    };

    static std::expected<CronExpression, ParseError> parse(const QString &text);

    QString text() const { return m_text; }
    bool isOnStart() const { return m_onStart; }

    bool minuteMatches(int minute) const { return m_minutes.test(static_cast<size_t>(minute)); }
    bool hourMatches(int hour) const { return m_hours.test(static_cast<size_t>(hour)); }
    bool monthMatches(unsigned month) const { return m_months.test(month); }
    bool dayMatches(std::chrono::year_month_day day) const;
    // The one minute or hour when a field names exactly one (the scheduler jumps to it).
    int onlyMinute() const { return m_minutes.count() == 1 ? firstOf(m_minutes) : -1; }
    // Neither the minute nor the hour field starts with '*': the job runs at wall-clock times, so a
    // time skipped by daylight saving runs just after the gap and a repeated one runs once. A job
    // with '*' there runs at every real minute that matches.
    bool isWallClock() const { return m_wallClock; }

    // What it means, in words ("at 02:30 every day", "every 15 minutes"); for the edit dialog.
    QString describe() const;

private:
    template <size_t N> static int firstOf(const std::bitset<N> &bits)
    {
        for (size_t i = 0; i < N; ++i)
            if (bits.test(i))
                return static_cast<int>(i);
        return -1;
    }

    QString m_text;
    bool m_onStart = false;
    bool m_wallClock = false;
    bool m_dayAnd = true;
    std::bitset<60> m_minutes;
    std::bitset<24> m_hours;
    std::bitset<32> m_days; // 1-31
    std::bitset<13> m_months; // 1-12
    std::bitset<8> m_weekdays; // 0-7, 0 and 7 Sunday
    std::bitset<5> m_star; // which fields start with '*' (for describe())
};

} // namespace paddock
