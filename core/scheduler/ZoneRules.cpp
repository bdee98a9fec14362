#include "scheduler/ZoneRules.h"

#include <QDateTime>

namespace paddock {

using namespace std::chrono;

std::optional<ZoneRules> ZoneRules::find(const QString &ianaName)
{
    if (ianaName.isEmpty())
        return std::nullopt;
    QTimeZone zone(ianaName.toUtf8());
    if (!zone.isValid())
        return std::nullopt;
    return ZoneRules(std::move(zone));
}

QString ZoneRules::name() const
{
    return QString::fromUtf8(m_zone.id());
}

ZoneRules::Period ZoneRules::periodAt(Instant t) const
{
    const qint64 secs = t.time_since_epoch().count();
    const QDateTime at = QDateTime::fromSecsSinceEpoch(secs, QTimeZone::UTC);
    Period p;
    p.offset = seconds(m_zone.offsetFromUtc(at));
    // Transitions strictly before and after; one exactly at `t` begins this period.
    const QTimeZone::OffsetData before = m_zone.previousTransition(at.addSecs(1));
    p.begin = before.atUtc.isValid() ? Instant{seconds(before.atUtc.toSecsSinceEpoch())}
                                     : Instant{sys_days(year(1) / 1 / 1)};
    QTimeZone::OffsetData after = m_zone.nextTransition(at);
    // Qt 6.8 answers nothing when asked exactly at the zone file's last listed transition (before
    // its rule for later years takes over): Troll, 2037-10-25T01:00Z.
    if (!after.atUtc.isValid())
        after = m_zone.nextTransition(at.addSecs(1));
    p.end = after.atUtc.isValid() ? Instant{seconds(after.atUtc.toSecsSinceEpoch())} : Far;
    if (p.end > Far)
        p.end = Far;
    return p;
}

ZoneRules::Period ZoneRules::Lookup::at(Instant t)
{
    if (!m_last || t < m_last->begin || t >= m_last->end)
        m_last = m_rules.periodAt(t);
    return *m_last;
}

ZoneRules::Local ZoneRules::Lookup::at(LocalTime t)
{
    // The periods that could hold it: the one at the local time's digits read as UTC, with its
    // neighbours (no offset is a day or more, and no period is shorter than a day).
    const Instant guess{t.time_since_epoch()};
    const Period middle = at(guess - at(guess).offset);
    Period periods[3] = {middle, middle, middle};
    if (middle.begin > Instant{sys_days(year(1) / 1 / 1)})
        periods[0] = at(middle.begin - seconds(1));
    if (middle.end < Far)
        periods[2] = at(middle.end);
    Local out;
    int found = 0;
    for (const Period &p : periods) {
        if (found && p.begin == out.first.begin)
            continue; // a neighbour that is the middle itself
        const Instant utc{t.time_since_epoch() - p.offset};
        if (utc >= p.begin && utc < p.end) {
            (found == 0 ? out.first : out.second) = p;
            if (++found == 2)
                break;
        }
    }
    if (found == 2) {
        out.kind = Local::Kind::Repeated;
        return out;
    }
    if (found == 1) {
        out.second = out.first;
        return out;
    }
    // In a gap: between the two periods whose boundary it falls after.
    out.kind = Local::Kind::Skipped;
    for (int i = 0; i < 2; ++i) {
        const Period &a = periods[i], &b = periods[i + 1];
        if (a.end == b.begin && LocalTime{a.end.time_since_epoch() + a.offset} <= t &&
            t < LocalTime{b.begin.time_since_epoch() + b.offset}) {
            out.first = a;
            out.second = b;
            return out;
        }
    }
    out.first = out.second = middle; // not reached with real zone data
    return out;
}

} // namespace paddock
