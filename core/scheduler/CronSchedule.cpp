#include "scheduler/CronSchedule.h"
#include "scheduler/ZoneRules.h"

#include <QCoreApplication>
#include <QRegularExpression>


namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::CronSchedule)
};

using namespace std::chrono;

// A local time as Python's datetime has it: the wall clock and, for a time that happens twice,
// which of the two (fold). The reference's semantics are those of PEP 495, so they are copied:
// fold 0 reads a repeated time as its first occurrence and a time in a gap with the offset from
// before the gap.
struct Wall
{
    local_seconds t;
    bool fold = false;
};

using Kind = ZoneRules::Local::Kind;

sys_seconds toSys(ZoneRules::Lookup &zone, Wall w)
{
    const ZoneRules::Local info = zone.at(w.t);
    const seconds offset = info.kind != Kind::Unique && w.fold ? info.second.offset : info.first.offset;
    return sys_seconds{w.t.time_since_epoch() - offset};
}

Wall fromSys(ZoneRules::Lookup &zone, sys_seconds s)
{
    const local_seconds local = zone.toLocal(s);
    const ZoneRules::Local info = zone.at(local);
    return {local, info.kind == Kind::Repeated && s >= info.second.begin};
}

bool isImaginary(ZoneRules::Lookup &zone, local_seconds t)
{
    return zone.at(t).kind == Kind::Skipped;
}

// A wall-clock job: python3-cronsim's forward iteration (cronsim.py, CronSim.__next__ and advance)
// step for step, on the local clock, with its fix-up of a time in a gap (the first real minute
// after it, from where the iteration goes on). The differential test holds us to every step.
// (cronsim's real-time iteration, for the other jobs, is not copied: where a day starts inside a
// repeated or skipped hour it answers a time that does not match, or the same time forever.)
class Iteration
{
public:
    Iteration(const CronExpression &e, ZoneRules::Lookup &zone, sys_seconds start)
        : m_e(e), m_zone(zone), m_dt(fromSys(zone, floor<minutes>(start)))
    {
    }

    std::optional<sys_seconds> next()
    {
        tick(1);
        if (!advance())
            return std::nullopt;
        // A time in a gap moves to the first real minute after it, and the iteration with it.
        m_dt.fold = false;
        while (isImaginary(m_zone, m_dt.t))
            m_dt.t += minutes(1);
        return toSys(m_zone, m_dt);
    }

private:
    year_month_day date() const { return year_month_day{floor<days>(m_dt.t)}; }
    int hour() const { return static_cast<int>(duration_cast<hours>(m_dt.t - floor<days>(m_dt.t)).count()); }
    int minute() const
    {
        return static_cast<int>(duration_cast<minutes>(m_dt.t - floor<hours>(m_dt.t)).count());
    }

    void tick(int count)
    {
        m_dt.t += minutes(count);
        m_dt.fold = false;
    }

    bool advanceMinute()
    {
        if (m_e.minuteMatches(minute()))
            return false;
        if (const int only = m_e.onlyMinute(); only >= 0)
            tick(((only - minute()) % 60 + 60) % 60);
        while (!m_e.minuteMatches(minute())) {
            tick(1);
            if (minute() == 0) // re-check month, day and hour
                break;
        }
        return true;
    }

    bool advanceHour()
    {
        if (m_e.hourMatches(hour()))
            return false;
        m_dt.t -= minutes(minute());
        while (!m_e.hourMatches(hour())) {
            tick(60);
            if (hour() == 0) // re-check month and day
                break;
        }
        return true;
    }

    bool advanceDay()
    {
        year_month_day needle = date();
        if (m_e.dayMatches(needle))
            return false;
        while (!m_e.dayMatches(needle)) {
            needle = year_month_day{sys_days(needle) + days(1)};
            if (needle.day() == day(1)) // re-check the month
                break;
        }
        m_dt = {local_days(needle), false};
        return true;
    }

    void advanceMonth()
    {
        year_month_day needle = date();
        if (m_e.monthMatches(static_cast<unsigned>(needle.month())))
            return;
        while (!m_e.monthMatches(static_cast<unsigned>(needle.month())))
            needle = year_month_day{needle.year(), needle.month(), day(1)} + months(1);
        m_dt = {local_days(needle), false};
    }

    // False when nothing matches within 50 years (the reference gives up there too).
    bool advance()
    {
        const year startYear = date().year();
        while (true) {
            advanceMonth();
            if (date().year() > startYear + years(50))
                return false;
            if (advanceDay())
                continue;
            if (advanceHour())
                continue;
            if (advanceMinute())
                continue;
            return true;
        }
    }

    const CronExpression &m_e;
    ZoneRules::Lookup &m_zone;
    Wall m_dt;
};

// The first local minute in [from, until) that matches, on a plain calendar (no zone); nothing
// when there is none before `until` or after the year `last`.
std::optional<local_seconds> firstMatch(const CronExpression &e, local_seconds from, local_seconds until, year last)
{
    local_days d = floor<days>(from);
    int startMinute = static_cast<int>(duration_cast<minutes>(from - d).count());
    while (local_seconds(d) < until) {
        const year_month_day ymd{d};
        if (ymd.year() > last)
            return std::nullopt;
        if (!e.monthMatches(static_cast<unsigned>(ymd.month()))) {
            d = local_days(year_month_day{ymd.year(), ymd.month(), day(1)} + months(1));
            startMinute = 0;
            continue;
        }
        if (e.dayMatches(ymd))
            for (int h = startMinute / 60; h < 24; ++h) {
                if (!e.hourMatches(h))
                    continue;
                for (int m = h == startMinute / 60 ? startMinute % 60 : 0; m < 60; ++m)
                    if (e.minuteMatches(m)) {
                        const local_seconds at = local_seconds(d) + hours(h) + minutes(m);
                        if (at >= until)
                            return std::nullopt;
                        return at;
                    }
            }
        d += days(1);
        startMinute = 0;
    }
    return std::nullopt;
}

// Any other job fires at every real minute whose local time matches. Within one of the zone's
// periods (between two transitions) local time is real time plus a fixed offset, so each period is
// searched on a plain calendar; a time that is skipped is in no period, a repeated one in two.
std::optional<sys_seconds> nextRealMinute(const CronExpression &e, ZoneRules::Lookup &zone, sys_seconds after)
{
    constexpr sys_seconds Far = ZoneRules::Far;
    const year last = year_month_day{floor<days>(zone.toLocal(after))}.year() + years(50);
    sys_seconds t = after + seconds(1);
    while (t < Far) {
        const ZoneRules::Period period = zone.at(t);
        const local_seconds from = ceil<minutes>(local_seconds{t.time_since_epoch() + period.offset});
        const local_seconds until =
            period.end >= Far ? local_seconds{Far.time_since_epoch()} : local_seconds{period.end.time_since_epoch() + period.offset};
        if (const auto at = firstMatch(e, from, until, last))
            return sys_seconds{at->time_since_epoch() - period.offset};
        if (period.end >= Far || year_month_day{floor<days>(until)}.year() > last)
            return std::nullopt;
        t = period.end;
    }
    return std::nullopt;
}

QString twoDigits(long v)
{
    return QStringLiteral("%1").arg(v, 2, 10, QLatin1Char('0'));
}

} // namespace

std::expected<CronSchedule, QString> CronSchedule::create(CronExpression expression, const QString &zone)
{
    auto rules = ZoneRules::find(zone);
    if (!rules)
        return std::unexpected(Text::tr("unknown time zone \"%1\": use an IANA name such as Europe/Berlin "
                                        "or America/New_York (timedatectl list-timezones lists them)")
                                   .arg(zone));
    return CronSchedule(std::move(expression), std::move(*rules));
}

bool CronSchedule::zoneExists(const QString &zone)
{
    return ZoneRules::find(zone).has_value();
}

QString CronSchedule::systemZone()
{
    QString tz = qEnvironmentVariable("TZ");
    if (tz.startsWith(QLatin1Char(':')))
        tz.remove(0, 1);
    if (const auto z = ZoneRules::find(tz))
        return z->name();
    const QString system = QString::fromUtf8(QTimeZone::systemTimeZoneId());
    return ZoneRules::find(system) ? system : QStringLiteral("UTC");
}

QString CronSchedule::zone() const
{
    return m_zone.name();
}

std::optional<CronSchedule::Instant> CronSchedule::next(Instant after) const
{
    if (m_expression.isOnStart())
        return std::nullopt;
    ZoneRules::Lookup zone(m_zone);
    if (!m_expression.isWallClock())
        return nextRealMinute(m_expression, zone, after);
    Iteration it(m_expression, zone, after);
    // The reference can answer at or before `after` only from inside a repeated hour, and then
    // within the hour: a few steps on, the answer is later.
    for (int guard = 0; guard < 10000; ++guard) {
        const auto t = it.next();
        if (!t)
            return std::nullopt;
        if (*t > after)
            return t;
    }
    return std::nullopt;
}

QString CronSchedule::format(Instant t) const
{
    return format(t, m_zone);
}

QString CronSchedule::format(Instant t, const ZoneRules &zone)
{
    const ZoneRules::Period info = zone.periodAt(t);
    const local_seconds local{t.time_since_epoch() + info.offset};
    const local_days day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> time{local - day};
    const long offset = info.offset.count();
    const long absOffset = offset < 0 ? -offset : offset;
    QString out = QStringLiteral("%1-%2-%3T%4:%5:%6%7%8:%9")
                      .arg(static_cast<int>(ymd.year()), 4, 10, QLatin1Char('0'))
                      .arg(twoDigits(static_cast<unsigned>(ymd.month())), twoDigits(static_cast<unsigned>(ymd.day())),
                           twoDigits(time.hours().count()), twoDigits(time.minutes().count()),
                           twoDigits(time.seconds().count()), offset < 0 ? QStringLiteral("-") : QStringLiteral("+"),
                           twoDigits(absOffset / 3600), twoDigits(absOffset / 60 % 60));
    if (absOffset % 60) // local mean time of old dates: +00:53:28
        out += QLatin1Char(':') + twoDigits(absOffset % 60);
    return out;
}

std::optional<CronSchedule::Instant> CronSchedule::parseInstant(const QString &text, const ZoneRules *zone)
{
    static const QRegularExpression iso(QStringLiteral(
        R"(^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*\z)"),
                                        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = iso.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const year_month_day ymd{year(m.captured(1).toInt()), month(m.captured(2).toUInt()), day(m.captured(3).toUInt())};
    const int h = m.captured(4).toInt(), mi = m.captured(5).toInt(), s = m.captured(6).toInt();
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59)
        return std::nullopt;
    const seconds clock = hours(h) + minutes(mi) + seconds(s);
    const QString offsetText = m.captured(7);
    if (offsetText.isEmpty()) {
        if (!zone)
            return std::nullopt;
        const local_seconds local = local_days(ymd) + clock;
        const ZoneRules::Local info = ZoneRules::Lookup(*zone).at(local);
        // A time in a gap is read with the offset from before it, which lands after the gap.
        return sys_seconds{local.time_since_epoch() - info.first.offset};
    }
    seconds offset{0};
    if (offsetText.compare(QLatin1StringView("Z"), Qt::CaseInsensitive) != 0) {
        const QString digits = QString(offsetText.mid(1)).remove(QLatin1Char(':'));
        const int oh = digits.left(2).toInt(), om = digits.size() > 2 ? digits.mid(2, 2).toInt() : 0;
        if (oh > 23 || om > 59)
            return std::nullopt;
        offset = hours(oh) + minutes(om);
        if (offsetText.startsWith(QLatin1Char('-')))
            offset = -offset;
    }
    return sys_seconds{(sys_days(ymd) + clock).time_since_epoch() - offset};
}

} // namespace paddock
