// CronExpression and CronSchedule against hand-written cases: the syntax and its errors (with
// columns), Vixie cron's OR/AND rule, leap years, impossible dates, and daylight saving time in
// zones of both hemispheres, with half-hour changes and changes at midnight. The answers were
// worked out from the zones' published rules, not from the code.
#include "scheduler/CronSchedule.h"

#include <QTest>

using namespace paddock;
using namespace std::chrono;

namespace {

QStringList nextTimes(const QString &expr, const QString &zone, const QString &from, int count)
{
    auto e = CronExpression::parse(expr);
    if (!e)
        return {QStringLiteral("error: ") + e.error().text()};
    auto schedule = CronSchedule::create(*e, zone);
    if (!schedule)
        return {QStringLiteral("error: ") + schedule.error()};
    auto t = CronSchedule::parseInstant(from, &schedule->rules());
    if (!t)
        return {QStringLiteral("bad from")};
    QStringList out;
    for (int i = 0; i < count; ++i) {
        const auto at = schedule->next(*t);
        if (!at) {
            out << QStringLiteral("never");
            break;
        }
        out << schedule->format(*at);
        t = *at;
    }
    return out;
}

QStringList times(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *t : list)
        out << QString::fromLatin1(t);
    return out;
}

} // namespace

class TestCron : public QObject
{
    Q_OBJECT

private slots:
    void errorsSayWhereAndWhy_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("says");
        QTest::newRow("minute out of range") << "60 * * * *" << 1 << "out of range for the minute field (0-59)";
        QTest::newRow("hour out of range") << "0 24 * * *" << 3 << "hour field (0-23)";
        QTest::newRow("day 0") << "0 0 0 * *" << 5 << "day of month field (1-31)";
        QTest::newRow("month 13") << "0 0 1 13 *" << 7 << "month field (1-12)";
        QTest::newRow("weekday 8") << "0 0 * * 8" << 9 << "day of week field (0-7)";
        QTest::newRow("backwards range") << "0 0 * * 5-3" << 9 << "ends before it starts";
        QTest::newRow("step 0") << "*/0 * * * *" << 3 << "a step of 0";
        QTest::newRow("bad step") << "*/x * * * *" << 3 << "must be a number";
        QTest::newRow("empty list item") << "1,,2 * * * *" << 3 << "empty value";
        QTest::newRow("unknown name") << "0 0 * * MONDAY" << 9 << "MONDAY";
        QTest::newRow("second term in a list") << "0 5,77 * * *" << 5 << "77 is out of range";
        QTest::newRow("L") << "0 0 L * *" << 5 << "not cron syntax";
        QTest::newRow("W") << "0 0 15W * *" << 7 << "not cron syntax";
        QTest::newRow("#") << "0 0 * * 1#2" << 10 << "not cron syntax";
        QTest::newRow("six fields") << "0 0 0 * * *" << 11 << "seconds or years are not supported";
        QTest::newRow("seven fields") << "0 0 0 * * * 2030" << 11 << "7 fields";
        QTest::newRow("four fields") << "0 0 * *" << 8 << "day of week field is missing";
        QTest::newRow("@reboot") << "@reboot" << 1 << "\"on start\"";
        QTest::newRow("unknown macro") << "@sometimes" << 1 << "unknown macro";
        QTest::newRow("empty") << "   " << 1 << "empty";
        QTest::newRow("column counts tabs and spaces") << "0\t\t99 * * *" << 4 << "99";
    }
    void errorsSayWhereAndWhy()
    {
        QFETCH(QString, expr);
        QFETCH(int, column);
        QFETCH(QString, says);
        const auto e = CronExpression::parse(expr);
        QVERIFY2(!e, qPrintable(expr));
        QCOMPARE(e.error().column, column);
        QVERIFY2(e.error().reason.contains(says), qPrintable(e.error().reason));
    }

    void syntaxThatIsAccepted_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QStringList>("want");
        // Wednesday 2025-01-01, UTC
        QTest::newRow("names any case, ranges") << "0 9 * jan-feb mon-fri" << "2025-01-03T10:00Z"
                                                << times({"2025-01-06T09:00:00+00:00", "2025-01-07T09:00:00+00:00"});
        QTest::newRow("7 is Sunday") << "0 0 * * 7" << "2025-01-01T00:00Z"
                                     << times({"2025-01-05T00:00:00+00:00", "2025-01-12T00:00:00+00:00"});
        QTest::newRow("N/S runs to the field's end") << "50/5 3 * * *" << "2025-01-01T00:00Z"
                                                     << times({"2025-01-01T03:50:00+00:00", "2025-01-01T03:55:00+00:00",
                                                                    "2025-01-02T03:50:00+00:00"});
        QTest::newRow("range with step") << "0 1-10/4 * * *" << "2025-01-01T00:00Z"
                                         << times({"2025-01-01T01:00:00+00:00", "2025-01-01T05:00:00+00:00",
                                                        "2025-01-01T09:00:00+00:00", "2025-01-02T01:00:00+00:00"});
        QTest::newRow("list") << "0,30 12 * * *" << "2025-01-01T12:10Z"
                              << times({"2025-01-01T12:30:00+00:00", "2025-01-02T12:00:00+00:00"});
        QTest::newRow("@hourly") << "@hourly" << "2025-01-01T00:10Z"
                                 << times({"2025-01-01T01:00:00+00:00", "2025-01-01T02:00:00+00:00"});
        QTest::newRow("@weekly") << "@WEEKLY" << "2025-01-01T00:00Z" << times({"2025-01-05T00:00:00+00:00"});
        QTest::newRow("@monthly") << "@monthly" << "2025-01-01T00:00Z" << times({"2025-02-01T00:00:00+00:00"});
        QTest::newRow("@yearly") << "@yearly" << "2025-01-01T00:00Z" << times({"2026-01-01T00:00:00+00:00"});
        QTest::newRow("strictly after") << "0 12 * * *" << "2025-01-01T12:00:00Z"
                                        << times({"2025-01-02T12:00:00+00:00"});
        QTest::newRow("seconds of from") << "0 12 * * *" << "2025-01-01T11:59:59Z"
                                         << times({"2025-01-01T12:00:00+00:00"});
    }
    void syntaxThatIsAccepted()
    {
        QFETCH(QString, expr);
        QFETCH(QString, from);
        QFETCH(QStringList, want);
        QCOMPARE(nextTimes(expr, QStringLiteral("UTC"), from, static_cast<int>(want.size())), want);
    }

    void dayFieldsCombineAsVixieCron_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QStringList>("want");
        // June 2025: the 1st is a Sunday; the 13th a Friday.
        QTest::newRow("OR when neither starts with *")
            << "0 0 13 * 5" << times({"2025-06-06T00:00:00+00:00", "2025-06-13T00:00:00+00:00", "2025-06-20T00:00:00+00:00"});
        QTest::newRow("AND when day of week starts with *")
            << "0 0 13 * */5" << times({"2025-06-13T00:00:00+00:00", "2025-07-13T00:00:00+00:00"}); // */5: Sunday, Friday
        QTest::newRow("AND when day of month starts with *")
            << "0 0 */13 * 5" << times({"2025-06-27T00:00:00+00:00"}); // days 1, 14, 27; Fridays
    }
    void dayFieldsCombineAsVixieCron()
    {
        QFETCH(QString, expr);
        QFETCH(QStringList, want);
        QCOMPARE(nextTimes(expr, QStringLiteral("UTC"), QStringLiteral("2025-06-01T01:00Z"), static_cast<int>(want.size())),
                 want);
    }

    void leapYearsAndImpossibleDates()
    {
        QCOMPARE(nextTimes(QStringLiteral("0 0 29 2 *"), QStringLiteral("UTC"), QStringLiteral("2025-01-01T00:00Z"), 2),
                 (times({"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"})));
        QCOMPARE(nextTimes(QStringLiteral("0 0 29 2 *"), QStringLiteral("UTC"), QStringLiteral("2096-03-01T00:00Z"), 1),
                 (times({"2104-02-29T00:00:00+00:00"}))); // 2100 is not a leap year
        QCOMPARE(nextTimes(QStringLiteral("0 0 30 2 *"), QStringLiteral("UTC"), QStringLiteral("2025-01-01T00:00Z"), 1),
                 (times({"never"})));
        QCOMPARE(nextTimes(QStringLiteral("0 0 31 4,6,9,11 *"), QStringLiteral("Europe/Berlin"),
                           QStringLiteral("2025-01-01T00:00Z"), 1),
                 (times({"never"})));
        // With OR, the weekday still runs.
        QCOMPARE(nextTimes(QStringLiteral("0 0 30 2 1"), QStringLiteral("UTC"), QStringLiteral("2025-01-01T00:00Z"), 1),
                 (times({"2025-02-03T00:00:00+00:00"})));
        QCOMPARE(nextTimes(QStringLiteral("on start"), QStringLiteral("UTC"), QStringLiteral("2025-01-01T00:00Z"), 1),
                 (times({"never"})));
    }

    void daylightSavingTime_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QStringList>("want");
        // Berlin: 2025-03-30 02:00 → 03:00; 2025-10-26 03:00 → 02:00.
        QTest::newRow("skipped time runs after the gap")
            << "30 2 * * *" << "Europe/Berlin" << "2025-03-29T12:00Z"
            << times({"2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"});
        QTest::newRow("several skipped times run once")
            << "0,15,45 2 * * *" << "Europe/Berlin" << "2025-03-29T12:00Z"
            << times({"2025-03-30T03:00:00+02:00", "2025-03-31T02:00:00+02:00"});
        QTest::newRow("repeated time runs once, first")
            << "30 2 * * *" << "Europe/Berlin" << "2025-10-25T12:00Z"
            << times({"2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"});
        QTest::newRow("start in the repeated hour: no second run")
            << "45 2 * * *" << "Europe/Berlin" << "2025-10-26T02:30:00+01:00"
            << times({"2025-10-27T02:45:00+01:00"});
        QTest::newRow("wildcard minute: every real minute of the hour, twice")
            << "*/30 2 * * *" << "Europe/Berlin" << "2025-10-26T00:00Z"
            << times({"2025-10-26T02:30:00+02:00", "2025-10-26T02:00:00+01:00", "2025-10-26T02:30:00+01:00",
                           "2025-10-27T02:00:00+01:00"});
        QTest::newRow("wildcard minute: nothing in a skipped hour")
            << "*/30 2 * * *" << "Europe/Berlin" << "2025-03-29T12:00Z"
            << times({"2025-03-31T02:00:00+02:00"});
        QTest::newRow("hourly keeps real hours through the gap")
            << "0 * * * *" << "Europe/Berlin" << "2025-03-30T00:30Z"
            << times({"2025-03-30T03:00:00+02:00", "2025-03-30T04:00:00+02:00"});
        // New York: 2025-03-09 02:00 → 03:00; 2025-11-02 02:00 → 01:00.
        QTest::newRow("New York repeated 01:30")
            << "30 1 * * *" << "America/New_York" << "2025-11-01T12:00Z"
            << times({"2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"});
        // Sydney (southern): 2025-04-06 03:00 → 02:00; 2025-10-05 02:00 → 03:00.
        QTest::newRow("Sydney skipped 02:30 in October")
            << "30 2 * * *" << "Australia/Sydney" << "2025-10-04T00:00Z"
            << times({"2025-10-05T03:00:00+11:00", "2025-10-06T02:30:00+11:00"});
        QTest::newRow("Sydney repeated 02:30 in April")
            << "30 2 * * *" << "Australia/Sydney" << "2025-04-05T00:00Z"
            << times({"2025-04-06T02:30:00+11:00", "2025-04-07T02:30:00+10:00"});
        // Lord Howe: half-hour change; 2025-10-05 02:00 → 02:30.
        QTest::newRow("Lord Howe half-hour gap")
            << "15 2 * * *" << "Australia/Lord_Howe" << "2025-10-04T00:00Z"
            << times({"2025-10-05T02:30:00+11:00", "2025-10-06T02:15:00+11:00"});
        // Santiago: clocks go from 24:00 to 01:00 on 2025-09-07 (midnight does not exist).
        QTest::newRow("Santiago: midnight job after the gap")
            << "0 0 * * *" << "America/Santiago" << "2025-09-06T12:00Z"
            << times({"2025-09-07T01:00:00-03:00", "2025-09-08T00:00:00-03:00"});
        QTest::newRow("Santiago: hour 0 of a wildcard job does not exist that day")
            << "*/30 0 * * *" << "America/Santiago" << "2025-09-06T12:00Z"
            << times({"2025-09-08T00:00:00-03:00"});
        // A zone without DST.
        QTest::newRow("Kolkata") << "30 2 * * *" << "Asia/Kolkata" << "2025-03-29T12:00Z"
                                 << times({"2025-03-30T02:30:00+05:30"});
    }
    void daylightSavingTime()
    {
        QFETCH(QString, expr);
        QFETCH(QString, zone);
        QFETCH(QString, from);
        QFETCH(QStringList, want);
        QCOMPARE(nextTimes(expr, zone, from, static_cast<int>(want.size())), want);
    }

    void zonesAreChecked()
    {
        const auto e = *CronExpression::parse(QStringLiteral("@daily"));
        const auto bad = CronSchedule::create(e, QStringLiteral("Europe/Atlantis"));
        QVERIFY(!bad);
        QVERIFY(bad.error().contains(QStringLiteral("Europe/Atlantis")));
        QVERIFY(CronSchedule::zoneExists(QStringLiteral("Pacific/Chatham")));
        QVERIFY(CronSchedule::zoneExists(CronSchedule::systemZone()));
        qputenv("TZ", "Asia/Tokyo");
        QCOMPARE(CronSchedule::systemZone(), QStringLiteral("Asia/Tokyo"));
    }

    void describesInWords_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QString>("words");
        QTest::newRow("daily") << "30 2 * * *" << "at 02:30, every day";
        QTest::newRow("weekdays") << "0 9 * * 1-5" << "at 09:00, on Monday–Friday";
        QTest::newRow("weekend") << "0 9 * * 6,0" << "at 09:00, on Saturday and Sunday";
        QTest::newRow("every 15") << "*/15 * * * *" << "every 15 minutes, every day";
        QTest::newRow("OR") << "0 0 1 * 1" << "at 00:00, on day 1 of the month and on every Monday";
        QTest::newRow("months") << "0 3 1 1,7 *" << "at 03:00, on day 1 of the month, in January and July";
        QTest::newRow("on start") << "on start" << "when the scheduler starts";
    }
    void describesInWords()
    {
        QFETCH(QString, expr);
        QFETCH(QString, words);
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        const auto e = CronExpression::parse(expr);
        QVERIFY(e);
        QCOMPARE(e->describe(), words);
    }

    void parseInstantReadsIsoAndLocalTimes()
    {
        const auto zone = ZoneRules::find(QStringLiteral("Europe/Berlin"));
        QVERIFY(zone);
        const auto utc = [](int y, unsigned mo, unsigned d, int h, int mi) {
            return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi);
        };
        QCOMPARE(CronSchedule::parseInstant(QStringLiteral("2025-03-30T01:30:00Z"), &*zone), utc(2025, 3, 30, 1, 30));
        QCOMPARE(CronSchedule::parseInstant(QStringLiteral("2025-03-30T03:30+02:00"), &*zone), utc(2025, 3, 30, 1, 30));
        QCOMPARE(CronSchedule::parseInstant(QStringLiteral("2025-03-30 03:30"), &*zone), utc(2025, 3, 30, 1, 30));
        // A local time in a gap reads with the offset from before it: 02:30 → 01:30Z (03:30 CEST).
        QCOMPARE(CronSchedule::parseInstant(QStringLiteral("2025-03-30T02:30"), &*zone), utc(2025, 3, 30, 1, 30));
        // A repeated one: the first.
        QCOMPARE(CronSchedule::parseInstant(QStringLiteral("2025-10-26T02:30"), &*zone), utc(2025, 10, 26, 0, 30));
        QVERIFY(!CronSchedule::parseInstant(QStringLiteral("2025-02-30T00:00Z"), &*zone));
        QVERIFY(!CronSchedule::parseInstant(QStringLiteral("tomorrow"), &*zone));
    }
};

QTEST_APPLESS_MAIN(TestCron)
#include "test_cron.moc"
