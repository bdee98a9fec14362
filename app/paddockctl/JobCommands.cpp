#include "JobCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "JobOptions.h"
#include "JobRunCommands.h"

#include "common/ShellQuote.h"
#include "personas/PersonaStore.h"
#include "scheduler/CronSchedule.h"
#include "scheduler/JobStore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <expected>
#include <optional>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

// Exit codes a script can rely on.
enum Exit { Ok = 0, Failed = 1, Usage = 2 };

int failWith(const QString &command, const QString &text, int code)
{
    err() << QStringLiteral("paddockctl job %1: %2").arg(command, text) << Qt::endl;
    return code;
}

// Reads jobs.json; one that cannot be used is reported (file:line:column, what to do) and left as
// it is. The exit code when it failed.
std::optional<int> load(JobStore &store, const QString &command)
{
    if (auto loaded = store.load(); !loaded)
        return failWith(command, loaded.error().text(), Failed);
    return std::nullopt;
}

std::expected<Job, int> find(const JobStore &store, const QString &command, const QString &name)
{
    if (auto job = store.find(name))
        return *job;
    return std::unexpected(
        failWith(command, Text::tr("there is no job \"%1\" (see paddockctl job list)").arg(name), Usage));
}

// A change JobStore refused: the job as asked is not acceptable (2), or the file could not be written (1).
int failedChange(const QString &command, const Error &error)
{
    const bool asked = error.code == Error::Code::Invalid || error.code == Error::Code::NotFound;
    return failWith(command, error.text(), asked ? Usage : Failed);
}

// The one NAME a command takes.
std::expected<QString, int> oneName(const QCommandLineParser &parser, const QString &command)
{
    const QStringList names = parser.positionalArguments();
    if (names.size() == 1)
        return names.first();
    if (names.isEmpty())
        return std::unexpected(failWith(command, Text::tr("name one job (see paddockctl job list)"), Usage));
    // Most often an unquoted schedule: --schedule 30 2 * * * leaves "2 * * *" behind.
    return std::unexpected(failWith(command,
                                    Text::tr("unexpected \"%1\" after the job's name: quote a schedule "
                                             "(--schedule '30 2 * * *'); a command goes after --command --")
                                        .arg(names.mid(1).join(u' ')),
                                    Usage));
}

CronSchedule::Instant now()
{
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A stored job's schedule (JobStore validated it, so it exists).
std::optional<CronSchedule> scheduleOf(const Job &job)
{
    auto expression = CronExpression::parse(job.schedule);
    if (!expression)
        return std::nullopt;
    auto schedule = CronSchedule::create(*expression, job.timeZone);
    if (!schedule)
        return std::nullopt;
    return *schedule;
}

bool runsOnStart(const Job &job)
{
    const auto schedule = scheduleOf(job);
    return schedule && schedule->expression().isOnStart();
}

// Up to `count` instants the schedule fires at from now, in ISO 8601 with the zone's offset
// (whether or not the job is enabled); none for "on start" or a schedule that never fires.
QStringList nextRuns(const Job &job, int count)
{
    QStringList runs;
    const auto schedule = scheduleOf(job);
    if (!schedule)
        return runs;
    for (CronSchedule::Instant t = now(); runs.size() < count;) {
        const auto at = schedule->next(t);
        if (!at)
            break;
        runs << schedule->format(*at);
        t = *at;
    }
    return runs;
}

// The table's "next run": when, or why not at a time.
QString nextRunText(const Job &job)
{
    if (!job.enabled)
        return Text::tr("disabled");
    if (runsOnStart(job))
        return Text::tr("on start");
    const QStringList runs = nextRuns(job, 1);
    return runs.isEmpty() ? Text::tr("never") : runs.first();
}

QString enabledText(const Job &job)
{
    if (job.enabled)
        return Text::tr("yes");
    return job.disabledReason.isEmpty() ? Text::tr("no") : Text::tr("no: %1").arg(job.disabledReason);
}

// What a change left: "runs next at …", or why it does not.
QString outlook(const Job &job)
{
    if (!job.enabled)
        return job.disabledReason.isEmpty() ? Text::tr("disabled")
                                            : Text::tr("disabled (%1)").arg(job.disabledReason);
    if (runsOnStart(job))
        return Text::tr("runs when the scheduler starts");
    const QStringList runs = nextRuns(job, 1);
    return runs.isEmpty() ? Text::tr("never runs: no time matches its schedule")
                          : Text::tr("runs next at %1").arg(runs.first());
}

// A job as jobs.json has it (JobStore's own serialization, so that the two cannot differ), with
// "next": when it runs next, in its zone; null when it runs at no time (disabled, "on start", never).
QJsonObject jobJson(const Job &job)
{
    QJsonObject o = QJsonDocument::fromJson(JobStore::serialize({job}))
                        .object()
                        .value(QStringLiteral("jobs"))
                        .toArray()
                        .first()
                        .toObject();
    const QStringList runs = job.enabled ? nextRuns(job, 1) : QStringList();
    o.insert(QStringLiteral("next"),
             runs.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(runs.first()));
    return o;
}

// Rows in columns as wide as their widest cell.
void printTable(const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths << 0;
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row[i].leftJustified(widths[i] + 2) : row[i];
        out() << line << Qt::endl;
    }
}

int list(const QStringList &arguments)
{
    const QString command = QStringLiteral("list");
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "The jobs: their persona, schedule and time zone, when each runs next (in its zone, ISO 8601 "
        "with the UTC offset) and whether it is enabled."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  Text::tr("A JSON array: each job as jobs.json has it, with \"next\" (null "
                                           "when it runs at no time: disabled, on start, never)."));
    parser.addOption(json);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl job list"), arguments))
        return *done;
    if (!parser.positionalArguments().isEmpty())
        return failWith(command,
                        Text::tr("unexpected argument \"%1\"; see paddockctl job list --help")
                            .arg(parser.positionalArguments().first()),
                        Usage);
    JobStore store(JobStore::defaultPath());
    if (const auto failed = load(store, command))
        return *failed;
    if (parser.isSet(json)) {
        QJsonArray all;
        for (const Job &job : store.jobs())
            all.append(jobJson(job));
        out() << QString::fromUtf8(QJsonDocument(all).toJson(QJsonDocument::Indented)) << Qt::flush;
        return Ok;
    }
    QList<QStringList> rows{{Text::tr("NAME"), Text::tr("PERSONA"), Text::tr("SCHEDULE"),
                             Text::tr("NEXT RUN"), Text::tr("ENABLED")}};
    for (const Job &job : store.jobs())
        rows << QStringList{job.name, job.persona, Text::tr("%1 (%2)").arg(job.schedule, job.timeZone),
                            nextRunText(job), enabledText(job)};
    printTable(rows);
    if (store.jobs().isEmpty())
        err() << Text::tr("No jobs yet; paddockctl job add makes one (see paddockctl job add --help).")
              << Qt::endl;
    return Ok;
}

int show(const QStringList &arguments)
{
    const QString command = QStringLiteral("show");
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Every setting of a job, its schedule in words, and the next 5 times the schedule fires."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  Text::tr("A JSON object: the job as jobs.json has it, with \"next\" (as in "
                                           "job list --json), \"description\" and \"nextRuns\" (the next 5 "
                                           "times, enabled or not)."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The job."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl job show"), arguments))
        return *done;
    const auto name = oneName(parser, command);
    if (!name)
        return name.error();
    JobStore store(JobStore::defaultPath());
    if (const auto failed = load(store, command))
        return *failed;
    const auto job = find(store, command, *name);
    if (!job)
        return job.error();
    const auto schedule = scheduleOf(*job);
    const QString description = schedule ? schedule->expression().describe() : QString();
    const QStringList runs = nextRuns(*job, 5);
    if (parser.isSet(json)) {
        QJsonObject o = jobJson(*job);
        o.insert(QStringLiteral("description"), description);
        o.insert(QStringLiteral("nextRuns"), QJsonArray::fromStringList(runs));
        out() << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)) << Qt::flush;
        return Ok;
    }
    const auto orPersonas = [](const QString &value) {
        return value.isEmpty() ? Text::tr("the persona's") : value;
    };
    const auto limit = [](auto value, const QString &text) {
        return value > 0 ? text : Text::tr("no limit");
    };
    const QList<std::pair<QString, QString>> fields{
        {Text::tr("name"), job->name},
        {Text::tr("persona"), job->persona},
        {Text::tr("repository"), job->repository},
        {Text::tr("base branch"), job->baseBranch},
        job->command.isEmpty() ? std::pair{Text::tr("prompt"), job->prompt}
                               : std::pair{Text::tr("command"), shellQuoted(job->command)},
        {Text::tr("agent"), job->command.isEmpty() ? orPersonas(job->agent) : Text::tr("none (a command)")},
        {Text::tr("model"), job->command.isEmpty() ? orPersonas(job->model) : QStringLiteral("-")},
        {Text::tr("effort"), job->command.isEmpty() ? orPersonas(job->effort) : QStringLiteral("-")},
        {Text::tr("schedule"), Text::tr("%1 in %2").arg(job->schedule, job->timeZone)},
        {Text::tr("in words"), description},
        {Text::tr("timeout"), Text::tr("%1 min").arg(job->timeoutMinutes)},
        {Text::tr("soft tokens"), limit(job->softTokens, QString::number(job->softTokens))},
        {Text::tr("hard tokens"), limit(job->hardTokens, QString::number(job->hardTokens))},
        {Text::tr("soft cost"), limit(job->softCostUsd, Text::tr("%1 USD").arg(job->softCostUsd))},
        {Text::tr("hard cost"), limit(job->hardCostUsd, Text::tr("%1 USD").arg(job->hardCostUsd))},
        {Text::tr("overlap"), Job::overlapName(job->overlap)},
        {Text::tr("catch-up"), Job::catchUpName(job->catchUp)},
        {Text::tr("catch-up limit"), QString::number(job->catchUpLimit)},
        {Text::tr("max lateness"), Text::tr("%1 min").arg(job->maxLatenessMinutes)},
        {Text::tr("retries"), QString::number(job->retries)},
        {Text::tr("failure threshold"), QString::number(job->failureThreshold)},
        {Text::tr("enabled"), enabledText(*job)},
    };
    qsizetype width = 0;
    for (const auto &[label, value] : fields)
        width = std::max(width, label.size());
    for (const auto &[label, value] : fields)
        out() << QString(label + u':').leftJustified(width + 2) << value << Qt::endl;
    out() << (job->enabled ? Text::tr("next runs:") : Text::tr("next runs, once enabled:")) << Qt::endl;
    if (runsOnStart(*job))
        out() << QStringLiteral("  ") << Text::tr("when the scheduler starts") << Qt::endl;
    else if (runs.isEmpty())
        out() << QStringLiteral("  ") << Text::tr("never") << Qt::endl;
    for (const QString &run : runs)
        out() << QStringLiteral("  ") << run << Qt::endl;
    return Ok;
}

// The job as a whole is acceptable (JobStore's rules), naming the option to change when not.
std::optional<int> checkJob(const QString &command, const Job &job)
{
    const auto problem = JobStore::validate(job);
    if (!problem)
        return std::nullopt;
    const QString option = JobOptions::optionFor(problem->field);
    return failWith(command,
                    option.isEmpty() ? problem->message : Text::tr("%1 (%2)").arg(problem->message, option),
                    Usage);
}

// The persona exists in personas.json (its defaults when there is none yet).
std::optional<int> checkPersona(const QString &command, const QString &name)
{
    PersonaStore personas(PersonaStore::defaultPath());
    if (auto loaded = personas.load(QString()); !loaded)
        return failWith(command, loaded.error().text(), Failed);
    if (personas.find(name))
        return std::nullopt;
    QStringList names;
    for (const Persona &p : personas.personas())
        names << p.name;
    return failWith(command,
                    Text::tr("there is no persona \"%1\"; the personas are %2 (see paddockctl persona list)")
                        .arg(name, names.join(QStringLiteral(", "))),
                    Usage);
}

int add(const QStringList &arguments)
{
    const QString command = QStringLiteral("add");
    const JobOptions::Arguments words = JobOptions::split(arguments);
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Adds a job: an agent run unattended on a schedule, in a fresh container of its persona on a "
        "fresh copy of the repository's base branch; or a command run there instead of an agent. Give "
        "--persona, --repository, --schedule, and --prompt or --command -- CMD ARGS…"));
    parser.addPositionalArgument(
        QStringLiteral("name"),
        Text::tr("The job's name: a lowercase letter, then up to 30 lowercase letters, "
                 "digits and hyphens."));
    const JobOptions options(true);
    options.addTo(parser);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl job add"), words.options))
        return *done;
    const auto name = oneName(parser, command);
    if (!name)
        return name.error();
    if (const QStringList missing = options.missing(parser); !missing.isEmpty())
        return failWith(command,
                        Text::tr("a job needs %1 (see paddockctl job add --help)")
                            .arg(missing.join(QStringLiteral(", "))),
                        Usage);
    Job job;
    job.name = *name;
    job.timeZone = CronSchedule::systemZone();
    if (const auto problem = options.apply(parser, words, job))
        return failWith(command, *problem, Usage);
    if (job.prompt.isEmpty() && job.command.isEmpty())
        return failWith(
            command,
            Text::tr("a job needs --prompt TEXT for its agent, or --command -- CMD ARGS… to run instead"),
            Usage);
    if (const auto failed = checkJob(command, job))
        return *failed;
    JobStore store(JobStore::defaultPath());
    if (const auto failed = load(store, command))
        return *failed;
    if (const auto failed = checkPersona(command, job.persona))
        return *failed;
    if (auto added = store.add(job); !added)
        return failedChange(command, added.error());
    out() << Text::tr("%1: added; %2").arg(job.name, outlook(job)) << Qt::endl;
    return Ok;
}

int edit(const QStringList &arguments)
{
    const QString command = QStringLiteral("edit");
    const JobOptions::Arguments words = JobOptions::split(arguments);
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Changes a job: only the settings whose options are given. --prompt replaces a command and "
        "--command -- CMD ARGS… a prompt; an empty --agent, --model or --effort means the persona's."));
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The job."));
    const JobOptions options(false);
    options.addTo(parser);
    const QCommandLineOption rename(QStringLiteral("rename"), Text::tr("Give the job a new name."),
                                    Text::tr("NEW"));
    parser.addOption(rename);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl job edit"), words.options))
        return *done;
    const auto name = oneName(parser, command);
    if (!name)
        return name.error();
    if (parser.optionNames().isEmpty() && !words.dashes)
        return failWith(
            command,
            Text::tr("nothing to change: give the options to change (see paddockctl job edit --help)"),
            Usage);
    JobStore store(JobStore::defaultPath());
    if (const auto failed = load(store, command))
        return *failed;
    auto job = find(store, command, *name);
    if (!job)
        return job.error();
    if (const auto problem = options.apply(parser, words, *job))
        return failWith(command, *problem, Usage);
    if (parser.isSet(rename)) {
        job->name = parser.value(rename);
        if (job->name != *name && store.find(job->name))
            return failWith(
                command,
                Text::tr("--rename: a job named \"%1\" exists already; choose another name").arg(job->name),
                Usage);
    }
    if (const auto failed = checkJob(command, *job))
        return *failed;
    if (options.setsPersona(parser))
        if (const auto failed = checkPersona(command, job->persona))
            return *failed;
    if (auto updated = store.update(*name, *job); !updated)
        return failedChange(command, updated.error());
    out() << (job->name == *name
                  ? Text::tr("%1: changed; %2").arg(job->name, outlook(*job))
                  : Text::tr("%1: changed, now named %2; %3").arg(*name, job->name, outlook(*job)))
          << Qt::endl;
    return Ok;
}

// remove, enable, disable: one change to one job.
int change(const QString &command, const QStringList &arguments)
{
    QCommandLineParser parser;
    const bool disable = command == QLatin1StringView("disable");
    parser.setApplicationDescription(
        command == QLatin1StringView("remove") ? Text::tr("Removes a job from jobs.json.")
        : disable
            ? Text::tr("Disables a job: it does not run until enabled again; the reason is shown with it.")
            : Text::tr("Enables a job (clearing the reason it was disabled for)."));
    const QCommandLineOption reason(QStringLiteral("reason"),
                                    Text::tr("Why, as job list shows it (default: \"disabled by you\")."),
                                    Text::tr("TEXT"));
    if (disable)
        parser.addOption(reason);
    parser.addPositionalArgument(QStringLiteral("name"), Text::tr("The job."));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl job ") + command, arguments))
        return *done;
    const auto name = oneName(parser, command);
    if (!name)
        return name.error();
    JobStore store(JobStore::defaultPath());
    if (const auto failed = load(store, command))
        return *failed;
    if (const auto job = find(store, command, *name); !job)
        return job.error();
    if (command == QLatin1StringView("remove")) {
        if (auto removed = store.remove(*name); !removed)
            return failedChange(command, removed.error());
        out() << Text::tr("%1: removed").arg(*name) << Qt::endl;
        return Ok;
    }
    const QString why = parser.isSet(reason) && !parser.value(reason).trimmed().isEmpty()
                            ? parser.value(reason).trimmed()
                            : JobOptions::disabledByYou();
    if (auto changed = store.setEnabled(*name, !disable, disable ? why : QString()); !changed)
        return failedChange(command, changed.error());
    out() << Text::tr("%1: %2").arg(*name, outlook(*store.find(*name))) << Qt::endl;
    return Ok;
}

} // namespace

int runJobCommand(const QStringList &arguments)
{
    const auto changing = [](const QString &command) {
        return [command](const QStringList &rest) { return change(command, rest); };
    };
    return runCommandGroup(
        QStringLiteral("paddockctl job"),
        Text::tr("Jobs: agent runs on a schedule, kept in %1.").arg(JobStore::defaultPath()),
        {{QStringLiteral("list"), Text::tr("The jobs, their schedules and when each runs next."), list},
         {QStringLiteral("show"), Text::tr("Every setting of a job and its next runs."), show},
         {QStringLiteral("add"), Text::tr("Adds a job."), add},
         {QStringLiteral("edit"), Text::tr("Changes settings of a job."), edit},
         {QStringLiteral("remove"), Text::tr("Removes a job."), changing(QStringLiteral("remove"))},
         {QStringLiteral("enable"), Text::tr("Enables a job."), changing(QStringLiteral("enable"))},
         {QStringLiteral("disable"), Text::tr("Disables a job, with a reason."),
          changing(QStringLiteral("disable"))},
         {QStringLiteral("run"), Text::tr("Runs a job now, in the Paddock that runs the jobs."), runJobNow},
         {QStringLiteral("history"), Text::tr("The runs of a job, or of every job."), jobHistory}},
        arguments,
        Text::tr(
            "Exit codes: 0 done, 1 jobs.json or personas.json could not be read or written (the file is left "
            "as it is), 2 bad usage, a setting that is not acceptable, or an unknown job or persona."));
}
