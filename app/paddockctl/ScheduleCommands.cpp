#include "ScheduleCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "ScheduleError.h"

#include "scheduler/CronSchedule.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <chrono>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

int next(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Prints the next instants of a schedule strictly after a time (default: now), one per line "
                 "in ISO 8601 with the zone's UTC offset, or \"never\" when there is none. EXPR is 5 cron "
                 "fields (minute hour day-of-month month day-of-week; quote it), a macro such as @daily, "
                 "or \"on start\". Daylight saving time as Debian's cron has it; see docs/jobs.md."));
    parser.addPositionalArgument(QStringLiteral("EXPR"), Text::tr("The schedule, e.g. \"30 2 * * 1-5\"."));
    const QCommandLineOption tz(QStringLiteral("tz"),
                                Text::tr("The IANA time zone (default: the system's, %1).")
                                    .arg(CronSchedule::systemZone()),
                                Text::tr("ZONE"));
    const QCommandLineOption from(QStringLiteral("from"),
                                  Text::tr("Start after this time: ISO 8601 with an offset or Z, or a local "
                                           "time in the zone (default: now)."),
                                  Text::tr("TIME"));
    const QCommandLineOption count(QStringLiteral("count"), Text::tr("How many instants (default 1)."),
                                   Text::tr("N"), QStringLiteral("1"));
    parser.addOptions({tz, from, count});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl schedule next"), arguments))
        return *done;
    const QString command = QStringLiteral("paddockctl schedule next");
    // The expression may come as one quoted argument or as several.
    const QString text = parser.positionalArguments().join(QLatin1Char(' '));
    if (text.trimmed().isEmpty()) {
        err() << Text::tr("%1: no schedule given; see --help").arg(command) << Qt::endl;
        return 2;
    }
    bool ok = false;
    const int n = parser.value(count).toInt(&ok);
    if (!ok || n < 1 || n > 100000) {
        err() << Text::tr("%1: --count must be a number from 1 to 100000, not \"%2\"")
                     .arg(command, parser.value(count))
              << Qt::endl;
        return 2;
    }
    auto expression = CronExpression::parse(text);
    if (!expression) {
        err() << QStringLiteral("%1: %2").arg(command, scheduleErrorText(text, expression.error())) << Qt::endl;
        return 2;
    }
    const QString zone = parser.isSet(tz) ? parser.value(tz) : CronSchedule::systemZone();
    auto schedule = CronSchedule::create(*expression, zone);
    if (!schedule) {
        err() << QStringLiteral("%1: %2").arg(command, schedule.error()) << Qt::endl;
        return 2;
    }
    CronSchedule::Instant t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (parser.isSet(from)) {
        const auto start = CronSchedule::parseInstant(parser.value(from), &schedule->rules());
        if (!start) {
            err() << Text::tr("%1: --from \"%2\" is not a time: write ISO 8601, e.g. 2026-03-29T01:30:00+01:00, "
                              "2026-03-29T00:30:00Z or 2026-03-29T01:30 (in the zone)")
                         .arg(command, parser.value(from))
                  << Qt::endl;
            return 2;
        }
        t = *start;
    }
    for (int i = 0; i < n; ++i) {
        const auto at = schedule->next(t);
        if (!at) {
            out() << QStringLiteral("never") << Qt::endl;
            break;
        }
        out() << schedule->format(*at) << Qt::endl;
        t = *at;
    }
    return 0;
}

} // namespace

int runScheduleCommand(const QStringList &arguments)
{
    return runCommandGroup(QStringLiteral("paddockctl schedule"), Text::tr("Jobs' schedules."),
                           {{QStringLiteral("next"),
                             Text::tr("Prints when a schedule fires next, in a time zone."), next}},
                           arguments);
}
