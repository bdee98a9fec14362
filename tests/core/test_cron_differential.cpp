// CronSchedule against python3-cronsim, Debian 13's implementation of Debian cron's rules: random
// expressions in zones chosen for their daylight saving time (both hemispheres, half-hour and
// 45-minute offsets, changes at midnight, a two-hour change, a skipped day), from random times and
// from times just before a zone's transitions. Every answer must agree: the same instants, the same
// "never", the same refusals. The one expected difference (documented in docs/jobs.md): cronsim
// refuses a day of month that none of the chosen months has (30 February); Paddock accepts it and
// answers "never" (or the weekdays, when the day fields combine with OR).
#include "scheduler/CronSchedule.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;
using namespace std::chrono;

namespace {

const QStringList Zones{
    QStringLiteral("Europe/Berlin"),      QStringLiteral("Europe/London"),    QStringLiteral("Europe/Dublin"),
    QStringLiteral("America/New_York"),   QStringLiteral("America/Chicago"),  QStringLiteral("America/Havana"),
    QStringLiteral("America/Santiago"),   QStringLiteral("America/Sao_Paulo"), QStringLiteral("America/Asuncion"),
    QStringLiteral("America/St_Johns"),   QStringLiteral("Australia/Sydney"), QStringLiteral("Australia/Lord_Howe"),
    QStringLiteral("Pacific/Auckland"),   QStringLiteral("Pacific/Chatham"),  QStringLiteral("Pacific/Apia"),
    QStringLiteral("Asia/Tehran"),        QStringLiteral("Asia/Beirut"),      QStringLiteral("Asia/Gaza"),
    QStringLiteral("Asia/Kolkata"),       QStringLiteral("Asia/Kathmandu"),   QStringLiteral("Africa/Casablanca"),
    QStringLiteral("Antarctica/Troll"),   QStringLiteral("Europe/Moscow"),    QStringLiteral("UTC"),
    QStringLiteral("America/Los_Angeles")};

const char *const MonthNames[] = {"jan", "FEB", "Mar", "APR", "may", "JUN", "JUL", "aug", "SEP", "oct", "NOV", "DEC"};
const char *const DayNames[] = {"SUN", "mon", "TUE", "wed", "THU", "Fri", "SAT"};

class Generator
{
public:
    explicit Generator(quint32 seed) : m_random(seed) {}

    int between(int lo, int hi) { return static_cast<int>(m_random.bounded(lo, hi + 1)); }
    bool chance(int percent) { return between(1, 100) <= percent; }

    QString value(int field, int lo, int hi)
    {
        const int v = between(lo, hi);
        if (field == 3 && chance(25))
            return QString::fromLatin1(MonthNames[v - 1]);
        if (field == 4 && v < 7 && chance(25))
            return QString::fromLatin1(DayNames[v]);
        return QString::number(v);
    }

    QString term(int field, int lo, int hi)
    {
        const int kind = between(0, 5);
        if (kind <= 1)
            return value(field, lo, hi);
        if (kind == 2) {
            const int a = between(lo, hi), b = between(a, hi);
            return QStringLiteral("%1-%2").arg(a).arg(b);
        }
        if (kind == 3) {
            const int a = between(lo, hi), b = between(a, hi);
            return QStringLiteral("%1-%2/%3").arg(a).arg(b).arg(between(1, 12));
        }
        if (kind == 4)
            return QStringLiteral("%1/%2").arg(value(field, lo, hi)).arg(between(1, 20));
        return QStringLiteral("*/%1").arg(between(1, hi));
    }

    // Hours near the changes (0-4 at night) and minutes on the half and quarter hours are
    // favoured: that is where the zones differ.
    QString field(int field)
    {
        static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
        if (chance(field == 0 || field == 1 ? 15 : 45))
            return QStringLiteral("*");
        if (field == 0 && chance(40))
            return QString::number(between(0, 3) * 15);
        if (field == 1 && chance(40))
            return QString::number(between(0, 4));
        if (field == 2 && chance(20))
            return QString::number(between(28, 31));
        if (chance(25)) {
            QStringList list;
            for (int i = between(2, 3); i > 0; --i)
                list << term(field, lo[field], hi[field]);
            return list.join(QLatin1Char(','));
        }
        return term(field, lo[field], hi[field]);
    }

    QString broken()
    {
        static const char *const bad[] = {"60", "24", "0", "13", "8", "5-3", "*/0", "1,", ",2", "x", "1-", "-1",
                                          "1/", "/2", "1//2", "1-2-3", "**", "MONDAY", "*/x", "2/0"};
        return QString::fromLatin1(bad[between(0, 19)]);
    }

    QString expression()
    {
        QStringList fields;
        for (int f = 0; f < 5; ++f)
            fields << field(f);
        if (chance(4))
            fields[between(0, 4)] = broken();
        return fields.join(chance(5) ? QStringLiteral("\t ") : QStringLiteral(" "));
    }

    // Half the starts are within two days before (or just after) one of the zone's transitions.
    qint64 start(const ZoneRules &zone)
    {
        const int y = between(1995, 2040);
        const sys_seconds mid = sys_days(year_month_day{year(y), month(static_cast<unsigned>(between(1, 12))), day(15)});
        if (chance(50))
            return mid.time_since_epoch().count() + between(-20, 20) * 86400LL + between(0, 86399);
        const ZoneRules::Period info = zone.periodAt(mid);
        const sys_seconds edge = chance(50) ? info.begin : info.end;
        if (edge.time_since_epoch().count() < 0 || edge > mid + years(2))
            return mid.time_since_epoch().count();
        return edge.time_since_epoch().count() - between(-120, 2 * 24 * 60) * 60LL - between(0, 59);
    }

private:
    QRandomGenerator m_random;
};

// The rule itself, minute by minute: the real minutes after `from` whose local time matches
// (for the jobs that are not wall-clock ones). Slow; asked only where cronsim and Paddock differ.
QString everyRealMinute(const CronSchedule &schedule, qint64 from, int count)
{
    const CronExpression &e = schedule.expression();
    QStringList times;
    sys_seconds t = ceil<minutes>(sys_seconds{seconds(from + 1)});
    for (const sys_seconds end = t + days(800); t < end && times.size() < count; t += minutes(1)) {
        const local_seconds local = ZoneRules::Lookup(schedule.rules()).toLocal(t);
        const local_days d = floor<days>(local);
        const hh_mm_ss<seconds> clock{local - d};
        if (e.monthMatches(static_cast<unsigned>(year_month_day{d}.month())) && e.dayMatches(year_month_day{d}) &&
            e.hourMatches(static_cast<int>(clock.hours().count())) &&
            e.minuteMatches(static_cast<int>(clock.minutes().count())))
            times << schedule.format(t);
    }
    return times.size() == count ? times.join(u' ') : QStringLiteral("(not within 800 days)");
}

} // namespace

class TestCronDifferential : public QObject
{
    Q_OBJECT

private slots:
    void agreesWithCronsim()
    {
        const QString script = qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                               QStringLiteral("/tests/scheduler/cronsim-reference");
        QProcess probe;
        probe.start(QStringLiteral("python3"), {QStringLiteral("-c"), QStringLiteral("import cronsim")});
        if (!probe.waitForFinished(30000) || probe.exitCode() != 0)
            QFAIL("python3-cronsim, the reference, is not installed: run scripts/setup");

        const int cases = qEnvironmentVariableIntValue("PADDOCK_CRON_CASES") > 0
                              ? qEnvironmentVariableIntValue("PADDOCK_CRON_CASES")
                              : 20000;
        const quint32 seed = qEnvironmentVariableIsSet("PADDOCK_CRON_SEED")
                                 ? static_cast<quint32>(qEnvironmentVariableIntValue("PADDOCK_CRON_SEED"))
                                 : 20261207u;
        constexpr int Count = 6;
        Generator gen(seed);
        struct Case
        {
            QString expr;
            QString zone;
            qint64 from;
        };
        QList<Case> all;
        QByteArray input;
        for (int i = 0; i < cases; ++i) {
            Case c;
            c.zone = Zones[gen.between(0, static_cast<int>(Zones.size()) - 1)];
            auto schedule = CronSchedule::create(*CronExpression::parse(QStringLiteral("0 0 * * *")), c.zone);
            QVERIFY2(schedule, qPrintable(c.zone));
            c.expr = gen.expression();
            c.from = gen.start(schedule->rules());
            all << c;
            input += QJsonDocument(QJsonObject{{QStringLiteral("expr"), c.expr},
                                               {QStringLiteral("tz"), c.zone},
                                               {QStringLiteral("from"), c.from},
                                               {QStringLiteral("count"), Count}})
                         .toJson(QJsonDocument::Compact) +
                     '\n';
        }

        // Through files: 20,000 answers are more than a pipe holds.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile caseFile(dir.filePath(QStringLiteral("cases.jsonl")));
        QVERIFY(caseFile.open(QIODevice::WriteOnly));
        QCOMPARE(caseFile.write(input), input.size());
        caseFile.close();
        if (qEnvironmentVariableIsSet("PADDOCK_CRON_KEEP"))
            QFile::copy(caseFile.fileName(), qEnvironmentVariable("PADDOCK_CRON_KEEP"));
        QProcess reference;
        reference.setStandardInputFile(caseFile.fileName());
        reference.setStandardOutputFile(dir.filePath(QStringLiteral("answers.jsonl")));
        reference.start(QStringLiteral("python3"), {script});
        QVERIFY(reference.waitForFinished(600000));
        QVERIFY2(reference.exitCode() == 0, reference.readAllStandardError().constData());
        QFile answerFile(dir.filePath(QStringLiteral("answers.jsonl")));
        QVERIFY(answerFile.open(QIODevice::ReadOnly));
        const QList<QByteArray> answers = answerFile.readAll().split('\n');
        QVERIFY(answers.size() >= all.size());

        int refused = 0, never = 0, impossible = 0, wallClock = 0, instants = 0, mismatches = 0, hangs = 0, strays = 0;
        QString firstMismatches, strayExamples;
        for (qsizetype i = 0; i < all.size(); ++i) {
            const Case &c = all[i];
            const QJsonObject want = QJsonDocument::fromJson(answers[i]).object();
            const auto expression = CronExpression::parse(c.expr);
            QString got, expected;
            if (want.contains(QStringLiteral("error"))) {
                ++refused;
                expected = QStringLiteral("refused (%1)").arg(want.value(QStringLiteral("error")).toString());
                got = expression ? QStringLiteral("accepted") : expected;
            } else if (!expression) {
                expected = QStringLiteral("accepted");
                got = QStringLiteral("refused (%1)").arg(expression.error().text());
            } else {
                const CronSchedule schedule = *CronSchedule::create(*expression, c.zone);
                QStringList times;
                sys_seconds t{seconds(c.from)};
                bool none = false;
                for (int n = 0; n < Count; ++n) {
                    const auto at = schedule.next(t);
                    if (!at) {
                        none = true;
                        break;
                    }
                    times << schedule.format(*at);
                    t = *at;
                }
                got = times.join(u' ') + (none ? QStringLiteral(" never") : QString());
                if (want.contains(QStringLiteral("impossible"))) {
                    ++impossible; // cronsim refuses; Paddock runs never (AND) or on the weekdays (OR)
                    const QStringList fields = c.expr.simplified().split(QLatin1Char(' '));
                    const bool dayAnd = fields.value(2).startsWith(u'*') || fields.value(4).startsWith(u'*');
                    expected = dayAnd ? QStringLiteral(" never") : got;
                } else if (want.contains(QStringLiteral("hang"))) {
                    ++hangs; // cronsim loops; the rule decides
                    expected = expression->isWallClock() ? QStringLiteral("(cronsim hangs)")
                                                         : everyRealMinute(schedule, c.from, Count);
                } else {
                    QStringList wantTimes;
                    for (const QJsonValue &v : want.value(QStringLiteral("times")).toArray())
                        wantTimes << schedule.format(sys_seconds{seconds(v.toInteger())});
                    expected = wantTimes.join(u' ') +
                               (want.value(QStringLiteral("never")).toBool() ? QStringLiteral(" never") : QString());
                    never += want.value(QStringLiteral("never")).toBool() ? 1 : 0;
                    instants += static_cast<int>(wantTimes.size());
                    wallClock += expression->isWallClock() ? 1 : 0;
                    if (got != expected && !expression->isWallClock()) {
                        // cronsim's real-time iteration strays where a day starts in a skipped or
                        // repeated hour; the rule decides, and the case is counted.
                        const QString rule = everyRealMinute(schedule, c.from, Count);
                        if (rule == got) {
                            if (++strays <= 3)
                                strayExamples += QStringLiteral("\n  \"%1\" in %2: cronsim %3, Paddock and the rule %4")
                                                     .arg(c.expr, c.zone, expected, got);
                            expected = got;
                        }
                    }
                }
            }
            if (got != expected) {
                if (++mismatches <= 10)
                    firstMismatches += QStringLiteral("\n  \"%1\" in %2 after %3:\n    cronsim:  %4\n    paddock:  %5")
                                           .arg(c.expr, c.zone,
                                                CronSchedule::format(sys_seconds{seconds(c.from)},
                                                                     CronSchedule::create(*CronExpression::parse(
                                                                                              QStringLiteral("* * * * *")),
                                                                                          c.zone)
                                                                         ->rules()),
                                                expected, got);
            }
        }
        qInfo("%d cases (seed %u): %d instants compared, %d wall-clock expressions, %d never, %d refused by "
              "both, %d impossible days, %d where cronsim hangs and %d where it strays from the rule (the "
              "rule checked minute by minute)%s; %d mismatches",
              cases, seed, instants, wallClock, never, refused, impossible, hangs, strays,
              qPrintable(strayExamples), mismatches);
        QVERIFY2(mismatches == 0, qPrintable(QStringLiteral("%1 of %2 cases differ:%3")
                                                 .arg(mismatches)
                                                 .arg(cases)
                                                 .arg(firstMismatches)));
    }
};

QTEST_GUILESS_MAIN(TestCronDifferential)
#include "test_cron_differential.moc"
