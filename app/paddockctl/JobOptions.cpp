#include "JobOptions.h"
#include "ScheduleError.h"

#include "common/ShellQuote.h"
#include "personas/Persona.h"
#include "scheduler/CronSchedule.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHash>

#include <cmath>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

// What jobs.json can hold (JobStore::parse refuses more; a larger value would make the file unreadable).
constexpr qint64 MaxTokens = 1000000000000LL;
constexpr double MaxCostUsd = 1e6;

// A folder git works in: a work tree's top (with .git) or a bare repository.
bool isGitRepository(const QString &path)
{
    const QDir dir(path);
    return QFileInfo::exists(dir.filePath(QStringLiteral(".git"))) ||
           (QFileInfo(dir.filePath(QStringLiteral("HEAD"))).isFile() &&
            QFileInfo(dir.filePath(QStringLiteral("objects"))).isDir());
}

QString withDefault(bool adding, const QString &text, const QString &value)
{
    return adding ? Text::tr("%1 Default: %2.").arg(text, value) : text;
}

} // namespace

QString JobOptions::disabledByYou()
{
    return Text::tr("disabled by you");
}

JobOptions::Arguments JobOptions::split(const QStringList &arguments)
{
    const qsizetype at = arguments.indexOf(QStringLiteral("--"));
    if (at < 0)
        return {arguments, {}, false};
    return {arguments.first(at), arguments.mid(at + 1), true};
}

QString JobOptions::optionFor(const QString &field)
{
    static const QHash<QString, QString> options{
        {QStringLiteral("persona"), QStringLiteral("--persona")},
        {QStringLiteral("repository"), QStringLiteral("--repository")},
        {QStringLiteral("baseBranch"), QStringLiteral("--base")},
        {QStringLiteral("agent"), QStringLiteral("--agent")},
        {QStringLiteral("model"), QStringLiteral("--model")},
        {QStringLiteral("effort"), QStringLiteral("--effort")},
        {QStringLiteral("prompt"), QStringLiteral("--prompt")},
        {QStringLiteral("command"), QStringLiteral("--command")},
        {QStringLiteral("schedule"), QStringLiteral("--schedule")},
        {QStringLiteral("timeZone"), QStringLiteral("--tz")},
        {QStringLiteral("timeoutMinutes"), QStringLiteral("--timeout")},
        {QStringLiteral("budget"), QStringLiteral("--soft-tokens, --hard-tokens, --soft-cost, --hard-cost")},
        {QStringLiteral("catchUpLimit"), QStringLiteral("--catch-up-limit")},
        {QStringLiteral("maxLatenessMinutes"), QStringLiteral("--max-lateness")},
        {QStringLiteral("retries"), QStringLiteral("--retries")},
        {QStringLiteral("failureThreshold"), QStringLiteral("--failure-threshold")},
    };
    return options.value(field);
}

JobOptions::JobOptions(bool adding)
    : m_persona(QStringLiteral("persona"), Text::tr("The persona whose container runs the job."),
                Text::tr("P"))
    , m_repository(QStringLiteral("repository"),
                   Text::tr("The git repository the job works on, a fresh copy of its base branch each run "
                            "(a relative path is made absolute)."),
                   Text::tr("PATH"))
    , m_schedule(
          QStringLiteral("schedule"),
          Text::tr("When it runs: 5 cron fields (quote them), a macro such as @daily, or \"on start\"; "
                   "see paddockctl schedule next --help."),
          Text::tr("EXPR"))
    , m_prompt(QStringLiteral("prompt"),
               Text::tr("What the agent is asked (instead of a command; replaces one)."), Text::tr("TEXT"))
    , m_command(QStringLiteral("command"),
                Text::tr("Run the command after -- instead of an agent, e.g. --command -- make test "
                         "(replaces the prompt, and the agent, model and effort a command does not use)."))
    , m_tz(QStringLiteral("tz"),
           withDefault(adding, Text::tr("The IANA time zone the schedule counts in."),
                       CronSchedule::systemZone()),
           Text::tr("ZONE"))
    , m_base(QStringLiteral("base"),
             withDefault(adding, Text::tr("The branch each run starts from."), Job().baseBranch),
             Text::tr("BRANCH"))
    , m_agent(QStringLiteral("agent"),
              Text::tr("The agent: %1; empty for the persona's.")
                  .arg(Job::agentNames().join(QStringLiteral(", "))),
              Text::tr("A"))
    , m_model(QStringLiteral("model"), Text::tr("The agent's model; empty for the persona's."), Text::tr("M"))
    , m_effort(QStringLiteral("effort"),
               Text::tr("The agent's reasoning effort: %1; empty for the persona's.")
                   .arg(Persona::Agent::effortLevels().join(QStringLiteral(", "))),
               Text::tr("E"))
    , m_timeout(QStringLiteral("timeout"),
                withDefault(adding, Text::tr("Minutes a run may take, its container's setup included."),
                            QString::number(Job().timeoutMinutes)),
                Text::tr("MIN"))
    , m_softTokens(QStringLiteral("soft-tokens"), Text::tr("Tokens after which a run warns (0: no limit)."),
                   Text::tr("N"))
    , m_hardTokens(QStringLiteral("hard-tokens"), Text::tr("Tokens at which a run is stopped (0: no limit)."),
                   Text::tr("N"))
    , m_softCost(QStringLiteral("soft-cost"), Text::tr("US dollars after which a run warns (0: no limit)."),
                 Text::tr("USD"))
    , m_hardCost(QStringLiteral("hard-cost"), Text::tr("US dollars at which a run is stopped (0: no limit)."),
                 Text::tr("USD"))
    , m_overlap(QStringLiteral("overlap"),
                withDefault(adding,
                            Text::tr("When a run is due while the last one still runs: forbid (skip the new "
                                     "one), allow (both run) or replace (cancel the old one)."),
                            Job::overlapName(Job().overlap)),
                Text::tr("MODE"))
    , m_catchUp(QStringLiteral("catch-up"),
                withDefault(adding,
                            Text::tr("Runs missed while Paddock was not running: skip them, run the latest "
                                     "once, or all (up to --catch-up-limit)."),
                            Job::catchUpName(Job().catchUp)),
                Text::tr("MODE"))
    , m_catchUpLimit(QStringLiteral("catch-up-limit"),
                     withDefault(adding, Text::tr("With --catch-up all: at most this many missed runs."),
                                 QString::number(Job().catchUpLimit)),
                     Text::tr("N"))
    , m_maxLateness(QStringLiteral("max-lateness"),
                    withDefault(adding, Text::tr("Minutes after which a missed run is not caught up."),
                                QString::number(Job().maxLatenessMinutes)),
                    Text::tr("MIN"))
    , m_retries(QStringLiteral("retries"),
                withDefault(adding,
                            Text::tr("Retries of a run that failed for a passing reason (the engine away)."),
                            QString::number(Job().retries)),
                Text::tr("N"))
    , m_failureThreshold(QStringLiteral("failure-threshold"),
                         withDefault(adding, Text::tr("Failures in a row that disable the job."),
                                     QString::number(Job().failureThreshold)),
                         Text::tr("N"))
    , m_disabled(QStringLiteral("disabled"),
                 Text::tr("Disable the job (\"disabled by you\"); paddockctl job enable enables it."))
{}

void JobOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({m_persona,     m_repository, m_schedule,
                       m_prompt,      m_command,    m_tz,
                       m_base,        m_agent,      m_model,
                       m_effort,      m_timeout,    m_softTokens,
                       m_hardTokens,  m_softCost,   m_hardCost,
                       m_overlap,     m_catchUp,    m_catchUpLimit,
                       m_maxLateness, m_retries,    m_failureThreshold,
                       m_disabled});
}

QStringList JobOptions::missing(const QCommandLineParser &parser) const
{
    QStringList names;
    for (const QCommandLineOption *o : {&m_persona, &m_repository, &m_schedule})
        if (!parser.isSet(*o))
            names << QStringLiteral("--%1 %2").arg(o->names().first(), o->valueName());
    return names;
}

std::optional<QString> JobOptions::apply(const QCommandLineParser &parser, const Arguments &words,
                                         Job &job) const
{
    const bool commandGiven = parser.isSet(m_command);
    if (words.dashes && !commandGiven)
        return Text::tr("\"%1\" after --: to run a command instead of an agent, say --command -- %1")
            .arg(shellQuoted(words.command));
    if (commandGiven && words.command.isEmpty())
        return Text::tr("--command wants the command after --, e.g. --command -- make test");
    if (commandGiven && parser.isSet(m_prompt))
        return Text::tr("give --prompt or --command, not both: a job runs an agent on a prompt, or a "
                        "command");
    if (parser.isSet(m_schedule)) {
        const QString text = parser.value(m_schedule);
        const auto expression = CronExpression::parse(text);
        if (!expression)
            return QStringLiteral("--schedule: ") + scheduleErrorText(text, expression.error());
        job.schedule = expression->text();
    }
    if (parser.isSet(m_repository)) {
        const QString given = parser.value(m_repository);
        const QString path = QDir::cleanPath(QFileInfo(given).absoluteFilePath());
        if (given.isEmpty() || !QFileInfo(path).isDir())
            return Text::tr("--repository: \"%1\" is not a folder; give the folder of a git "
                            "repository")
                .arg(given);
        if (!isGitRepository(path))
            return Text::tr("--repository: %1 is not a git repository; give the top folder of a work "
                            "tree (the one with .git) or a bare repository")
                .arg(path);
        job.repository = path;
    }
    if (parser.isSet(m_prompt)) {
        job.prompt = parser.value(m_prompt);
        job.command.clear();
    }
    if (commandGiven) {
        job.command = words.command;
        job.prompt.clear();
        job.agent.clear();
        job.model.clear();
        job.effort.clear();
    }
    const auto text = [&](const QCommandLineOption &option, QString &into) {
        if (parser.isSet(option))
            into = parser.value(option);
    };
    text(m_persona, job.persona);
    text(m_tz, job.timeZone);
    text(m_base, job.baseBranch);
    text(m_agent, job.agent);
    text(m_model, job.model);
    text(m_effort, job.effort);

    QString problem;
    const auto number = [&](const QCommandLineOption &option, int &into) {
        if (!problem.isEmpty() || !parser.isSet(option))
            return;
        bool ok = false;
        const int value = parser.value(option).toInt(&ok);
        if (ok)
            into = value;
        else
            problem = Text::tr("--%1 wants a whole number, not \"%2\"")
                          .arg(option.names().first(), parser.value(option));
    };
    number(m_timeout, job.timeoutMinutes);
    number(m_catchUpLimit, job.catchUpLimit);
    number(m_maxLateness, job.maxLatenessMinutes);
    number(m_retries, job.retries);
    number(m_failureThreshold, job.failureThreshold);
    const auto tokens = [&](const QCommandLineOption &option, qint64 &into) {
        if (!problem.isEmpty() || !parser.isSet(option))
            return;
        bool ok = false;
        const qint64 value = parser.value(option).toLongLong(&ok);
        if (ok && value >= 0 && value <= MaxTokens)
            into = value;
        else
            problem = Text::tr("--%1 wants a number of tokens from 0 (no limit) to %2, not \"%3\"")
                          .arg(option.names().first())
                          .arg(MaxTokens)
                          .arg(parser.value(option));
    };
    tokens(m_softTokens, job.softTokens);
    tokens(m_hardTokens, job.hardTokens);
    const auto dollars = [&](const QCommandLineOption &option, double &into) {
        if (!problem.isEmpty() || !parser.isSet(option))
            return;
        bool ok = false;
        const double value = parser.value(option).toDouble(&ok);
        if (ok && std::isfinite(value) && value >= 0 && value <= MaxCostUsd)
            into = value;
        else
            problem = Text::tr("--%1 wants US dollars from 0 (no limit) to %2, such as 2.50, not \"%3\"")
                          .arg(option.names().first())
                          .arg(MaxCostUsd, 0, 'f', 0)
                          .arg(parser.value(option));
    };
    dollars(m_softCost, job.softCostUsd);
    dollars(m_hardCost, job.hardCostUsd);
    if (!problem.isEmpty())
        return problem;

    if (parser.isSet(m_overlap)) {
        const auto overlap = Job::overlapFromName(parser.value(m_overlap));
        if (!overlap)
            return Text::tr("--overlap \"%1\": use forbid, allow or replace").arg(parser.value(m_overlap));
        job.overlap = *overlap;
    }
    if (parser.isSet(m_catchUp)) {
        const auto catchUp = Job::catchUpFromName(parser.value(m_catchUp));
        if (!catchUp)
            return Text::tr("--catch-up \"%1\": use skip, latest or all").arg(parser.value(m_catchUp));
        job.catchUp = *catchUp;
    }
    if (parser.isSet(m_disabled)) {
        job.enabled = false;
        job.disabledReason = disabledByYou();
    }
    return std::nullopt;
}
