#include "scheduler/CronExpression.h"

#include <QCoreApplication>
#include <QLocale>
#include <QStringList>

#include <array>
#include <cstdint>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::CronExpression)
};

enum Field { Minute, Hour, DayOfMonth, Month, DayOfWeek };

struct FieldDef
{
    int min;
    int max;
};
constexpr std::array<FieldDef, 5> Fields{{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}};
constexpr std::array<const char *, 12> MonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char *, 7> DayNames{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

QString fieldName(Field f)
{
    switch (f) {
    case Minute: return Text::tr("minute");
    case Hour: return Text::tr("hour");
    case DayOfMonth: return Text::tr("day of month");
    case Month: return Text::tr("month");
    case DayOfWeek: return Text::tr("day of week");
    }
    return {};
}

using Mask = std::uint64_t;
using Parsed = std::expected<Mask, CronExpression::ParseError>;

std::unexpected<CronExpression::ParseError> error(int column, qsizetype length, QString reason)
{
    return std::unexpected(CronExpression::ParseError{column, static_cast<int>(qMax<qsizetype>(1, length)),
                                                      std::move(reason)});
}

bool allDigits(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (QChar c : s)
        if (c < u'0' || c > u'9')
            return false;
    return true;
}

// Digits only, as cron reads them; values beyond any field's range stay beyond it.
int number(QStringView s)
{
    int v = 0;
    for (QChar c : s) {
        v = v * 10 + (c.unicode() - u'0');
        if (v > 100000)
            return 100000;
    }
    return v;
}

// One value: a number in the field's range, or a month or day name.
std::expected<int, CronExpression::ParseError> value(Field f, QStringView s, int column)
{
    if (f == Month)
        for (size_t i = 0; i < MonthNames.size(); ++i)
            if (s == QLatin1StringView(MonthNames[i]))
                return static_cast<int>(i) + 1;
    if (f == DayOfWeek)
        for (size_t i = 0; i < DayNames.size(); ++i)
            if (s == QLatin1StringView(DayNames[i]))
                return static_cast<int>(i);
    if (s.isEmpty())
        return error(column, 1, Text::tr("the %1 field has an empty value").arg(fieldName(f)));
    if (!allDigits(s)) {
        const QString expected = f == Month       ? Text::tr("a number 1-12 or a name (JAN-DEC)")
                                 : f == DayOfWeek ? Text::tr("a number 0-7 or a name (SUN-SAT)")
                                                  : Text::tr("a number %1-%2")
                                                        .arg(Fields[f].min)
                                                        .arg(Fields[f].max);
        return error(column, s.size(),
                     Text::tr("\"%1\" in the %2 field is not %3").arg(s.toString(), fieldName(f), expected));
    }
    const int v = number(s);
    if (v < Fields[f].min || v > Fields[f].max)
        return error(column, s.size(),
                     Text::tr("%1 is out of range for the %2 field (%3-%4)")
                         .arg(s.toString(), fieldName(f))
                         .arg(Fields[f].min)
                         .arg(Fields[f].max));
    return v;
}

Mask full(Field f)
{
    Mask m = 0;
    for (int v = Fields[f].min; v <= Fields[f].max; ++v)
        m |= Mask{1} << v;
    return m;
}

// One field, or one term of it, as python3-cronsim reads it (the order of the checks matters).
Parsed parseField(Field f, QStringView s, int column)
{
    if (s == u"*")
        return full(f);
    if (s.contains(u',')) {
        Mask m = 0;
        qsizetype at = 0;
        for (QStringView term : s.tokenize(u',')) {
            auto part = parseField(f, term, column + static_cast<int>(at));
            if (!part)
                return part;
            m |= *part;
            at += term.size() + 1;
        }
        return m;
    }
    for (QChar special : {u'L', u'W', u'#', u'?'}) {
        const qsizetype i = s.indexOf(special);
        if (i >= 0 && (special != u'L' || f == DayOfWeek || f == DayOfMonth) &&
            (special != u'W' || f == DayOfMonth))
            return error(column + static_cast<int>(i), 1,
                         Text::tr("\"%1\" is not cron syntax that Debian's cron or Paddock accepts")
                             .arg(special));
    }
    if (const qsizetype slash = s.indexOf(u'/'); slash >= 0) {
        const QStringView stepText = s.mid(slash + 1);
        const int stepColumn = column + static_cast<int>(slash) + 1;
        if (!allDigits(stepText))
            return error(stepColumn, stepText.size(),
                         Text::tr("the step after \"/\" in the %1 field must be a number").arg(fieldName(f)));
        const int step = number(stepText);
        if (step == 0)
            return error(stepColumn, stepText.size(), Text::tr("a step of 0 never advances"));
        auto items = parseField(f, s.left(slash), column);
        if (!items)
            return items;
        Mask out = 0;
        if (std::popcount(*items) == 1) { // "N/S": from N to the field's maximum
            for (int v = std::countr_zero(*items); v <= Fields[f].max; v += step)
                out |= Mask{1} << v;
            return out;
        }
        int index = 0; // every step-th of the values, in order
        for (int v = 0; v <= Fields[f].max; ++v)
            if (*items & (Mask{1} << v)) {
                if (index % step == 0)
                    out |= Mask{1} << v;
                ++index;
            }
        return out;
    }
    if (const qsizetype dash = s.indexOf(u'-'); dash >= 0) {
        auto first = value(f, s.left(dash), column);
        if (!first)
            return std::unexpected(first.error());
        auto last = value(f, s.mid(dash + 1), column + static_cast<int>(dash) + 1);
        if (!last)
            return std::unexpected(last.error());
        if (*last < *first)
            return error(column, s.size(),
                         Text::tr("the range %1 in the %2 field ends before it starts")
                             .arg(s.toString(), fieldName(f)));
        Mask m = 0;
        for (int v = *first; v <= *last; ++v)
            m |= Mask{1} << v;
        return m;
    }
    auto single = value(f, s, column);
    if (!single)
        return std::unexpected(single.error());
    return Mask{1} << *single;
}

struct Macro
{
    const char *name;
    const char *expression;
};
constexpr std::array<Macro, 7> Macros{{{"@yearly", "0 0 1 1 *"},
                                       {"@annually", "0 0 1 1 *"},
                                       {"@monthly", "0 0 1 * *"},
                                       {"@weekly", "0 0 * * 0"},
                                       {"@daily", "0 0 * * *"},
                                       {"@midnight", "0 0 * * *"},
                                       {"@hourly", "0 * * * *"}}};

template <size_t N> std::bitset<N> bits(Mask m)
{
    return std::bitset<N>(m);
}

} // namespace

QString CronExpression::ParseError::text() const
{
    return Text::tr("column %1: %2").arg(column).arg(reason);
}

std::expected<CronExpression, CronExpression::ParseError> CronExpression::parse(const QString &text)
{
    CronExpression e;
    e.m_text = text.simplified();
    // Names in any case; only ASCII letters change, so columns stay where they were.
    QString upper = text;
    for (QChar &c : upper)
        if (c >= u'a' && c <= u'z')
            c = QChar(c.unicode() - 32);

    struct Token
    {
        QStringView text;
        int column;
    };
    QList<Token> tokens;
    for (qsizetype i = 0; i < upper.size();) {
        if (upper[i].isSpace()) {
            ++i;
            continue;
        }
        const qsizetype start = i;
        while (i < upper.size() && !upper[i].isSpace())
            ++i;
        tokens.append({QStringView(upper).mid(start, i - start), static_cast<int>(start) + 1});
    }
    if (tokens.isEmpty())
        return error(1, 1, Text::tr("the schedule is empty: write 5 fields (minute hour day-of-month "
                                    "month day-of-week), a macro such as @daily, or \"on start\""));

    if (tokens.size() == 2 && tokens[0].text == u"ON" && tokens[1].text == u"START") {
        e.m_onStart = true;
        e.m_text = QStringLiteral("on start");
        return e;
    }
    if (tokens[0].text.startsWith(u'@')) {
        if (tokens.size() > 1)
            return error(tokens[1].column, tokens[1].text.size(),
                         Text::tr("a macro such as %1 stands alone").arg(tokens[0].text.toString().toLower()));
        const QString name = tokens[0].text.toString().toLower();
        if (name == u"@reboot")
            return error(1, name.size(),
                         Text::tr("@reboot is not supported: write \"on start\" for a job that runs "
                                  "when Paddock's scheduler starts"));
        for (const Macro &m : Macros)
            if (name == QLatin1StringView(m.name)) {
                auto expanded = parse(QString::fromLatin1(m.expression));
                if (expanded)
                    expanded->m_text = name;
                return expanded;
            }
        return error(1, name.size(),
                     Text::tr("unknown macro %1: use @yearly, @annually, @monthly, @weekly, @daily, "
                              "@midnight or @hourly")
                         .arg(name));
    }
    if (tokens.size() == 6 || tokens.size() == 7)
        return error(tokens[5].column, tokens[5].text.size(),
                     Text::tr("%1 fields: expressions with seconds or years are not supported; write "
                              "5 fields: minute hour day-of-month month day-of-week")
                         .arg(tokens.size()));
    if (tokens.size() > 7)
        return error(tokens[5].column, tokens.last().column + tokens.last().text.size() - tokens[5].column,
                     Text::tr("too many fields (%1): write 5: minute hour day-of-month month day-of-week")
                         .arg(tokens.size()));
    if (tokens.size() < 5) {
        const Token &last = tokens.last();
        return error(last.column + static_cast<int>(last.text.size()), 1,
                     Text::tr("the %1 field is missing: write 5 fields: minute hour day-of-month month "
                              "day-of-week")
                         .arg(fieldName(static_cast<Field>(tokens.size()))));
    }

    std::array<Mask, 5> masks{};
    for (int f = 0; f < 5; ++f) {
        auto m = parseField(static_cast<Field>(f), tokens[f].text, tokens[f].column);
        if (!m)
            return std::unexpected(m.error());
        masks[static_cast<size_t>(f)] = *m;
        e.m_star.set(static_cast<size_t>(f), tokens[f].text.startsWith(u'*'));
    }
    e.m_minutes = bits<60>(masks[Minute]);
    e.m_hours = bits<24>(masks[Hour]);
    e.m_days = bits<32>(masks[DayOfMonth]);
    e.m_months = bits<13>(masks[Month]);
    e.m_weekdays = bits<8>(masks[DayOfWeek]);
    // Vixie cron: OR only when neither day field starts with '*'.
    e.m_dayAnd = e.m_star.test(DayOfMonth) || e.m_star.test(DayOfWeek);
    e.m_wallClock = !e.m_star.test(Minute) && !e.m_star.test(Hour);
    return e;
}

bool CronExpression::dayMatches(std::chrono::year_month_day day) const
{
    const bool dom = m_days.test(static_cast<unsigned>(day.day()));
    const unsigned w = std::chrono::weekday(std::chrono::sys_days(day)).c_encoding(); // 0 = Sunday
    const bool dow = m_weekdays.test(w) || (w == 0 && m_weekdays.test(7));
    return m_dayAnd ? dom && dow : dom || dow;
}

namespace {

// "1-5, 7, 9": a set of values as runs.
template <size_t N> QString listOf(const std::bitset<N> &set, int min, int max, auto name)
{
    QStringList parts;
    for (int v = min; v <= max;) {
        if (!set.test(static_cast<size_t>(v))) {
            ++v;
            continue;
        }
        int end = v;
        while (end + 1 <= max && set.test(static_cast<size_t>(end + 1)))
            ++end;
        if (end - v >= 2)
            parts << name(v) + QStringLiteral("–") + name(end);
        else
            for (int x = v; x <= end; ++x)
                parts << name(x);
        v = end + 1;
    }
    return QLocale().createSeparatedList(parts);
}

// The step of an evenly spaced set that starts at `min` and covers the field (0, 15, 30, 45 → 15).
template <size_t N> int evenStep(const std::bitset<N> &set, int max)
{
    if (!set.test(0) || set.count() < 2)
        return 0;
    int step = 1;
    while (!set.test(static_cast<size_t>(step)))
        ++step;
    for (int v = 0; v <= max; ++v)
        if (set.test(static_cast<size_t>(v)) != (v % step == 0))
            return 0;
    return step;
}

} // namespace

QString CronExpression::describe() const
{
    if (m_onStart)
        return Text::tr("when the scheduler starts");
    const QLocale locale;
    const auto twoDigits = [](int v) { return QStringLiteral("%1").arg(v, 2, 10, QLatin1Char('0')); };
    const int minutes = static_cast<int>(m_minutes.count());
    const int hours = static_cast<int>(m_hours.count());
    QString when;
    if (minutes == 60 && hours == 24) {
        when = Text::tr("every minute");
    } else if (minutes * hours <= 4) {
        QStringList times;
        for (int h = 0; h < 24; ++h)
            for (int m = 0; m < 60; ++m)
                if (m_hours.test(static_cast<size_t>(h)) && m_minutes.test(static_cast<size_t>(m)))
                    times << twoDigits(h) + QLatin1Char(':') + twoDigits(m);
        when = Text::tr("at %1").arg(locale.createSeparatedList(times));
    } else {
        const int step = evenStep(m_minutes, 59);
        const QString minuteList = listOf(m_minutes, 0, 59, [](int v) { return QString::number(v); });
        if (minutes == 60)
            when = Text::tr("every minute");
        else if (step > 0)
            when = Text::tr("every %1 minutes").arg(step);
        else
            when = Text::tr("at minute %1 of the hour").arg(minuteList);
        if (hours < 24)
            when = Text::tr("%1 during hour %2")
                       .arg(when, listOf(m_hours, 0, 23, [&](int v) { return twoDigits(v); }));
    }

    std::bitset<7> weekdays; // 0 = Sunday; 7 is Sunday too
    for (size_t w = 0; w < 7; ++w)
        weekdays.set(w, m_weekdays.test(w) || (w == 0 && m_weekdays.test(7)));
    std::bitset<8> mondayFirst; // 1 = Monday … 7 = Sunday, as QLocale counts
    for (size_t w = 1; w <= 7; ++w)
        mondayFirst.set(w, weekdays.test(w % 7));
    const QString weekdayList = listOf(mondayFirst, 1, 7, [&](int w) { return locale.dayName(w); });
    const QString dayList = listOf(m_days, 1, 31, [](int v) { return QString::number(v); });
    const bool allDays = m_days.count() == 31;
    QString days;
    if (!m_dayAnd)
        days = Text::tr("on day %1 of the month and on every %2").arg(dayList, weekdayList);
    else if (allDays && weekdays.all())
        days = Text::tr("every day");
    else if (allDays)
        days = Text::tr("on %1").arg(weekdayList);
    else if (weekdays.all())
        days = Text::tr("on day %1 of the month").arg(dayList);
    else
        days = Text::tr("on day %1 of the month when it is a %2").arg(dayList, weekdayList);

    QString months;
    if (m_months.count() < 12) {
        QStringList names;
        for (int m = 1; m <= 12; ++m)
            if (m_months.test(static_cast<size_t>(m)))
                names << locale.monthName(m);
        months = Text::tr(", in %1").arg(locale.createSeparatedList(names));
    }
    return Text::tr("%1, %2%3").arg(when, days, months);
}

} // namespace paddock
