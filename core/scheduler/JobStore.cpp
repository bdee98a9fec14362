#include "scheduler/JobStore.h"

#include "common/TextPosition.h"
#include "config/AtomicFile.h"
#include "config/JsonLocator.h"
#include "config/Paths.h"
#include "personas/Persona.h"
#include "scheduler/CronSchedule.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QSet>

#include <nlohmann/json.hpp>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::JobStore)
};

using json = nlohmann::json;

const QRegularExpression &namePattern()
{
    static const QRegularExpression re(QStringLiteral("^[a-z][a-z0-9-]{0,30}\\z"));
    return re;
}

// A branch name git takes and no option: no spaces, control characters, "..", "~^:?*[\\", and
// not starting with "-" or "/".
bool isBranchName(const QString &b)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,199}\\z"));
    return re.match(b).hasMatch() && !b.contains(QStringLiteral("..")) && !b.endsWith(u'/') &&
           !b.endsWith(QStringLiteral(".lock")) && !b.contains(QStringLiteral("//"));
}

json toJson(const Job &j)
{
    json o = {{"name", j.name.toStdString()},
              {"persona", j.persona.toStdString()},
              {"repository", j.repository.toStdString()},
              {"baseBranch", j.baseBranch.toStdString()},
              {"schedule", j.schedule.toStdString()},
              {"timeZone", j.timeZone.toStdString()},
              {"timeoutMinutes", j.timeoutMinutes},
              {"overlap", Job::overlapName(j.overlap).toStdString()},
              {"catchUp", Job::catchUpName(j.catchUp).toStdString()},
              {"catchUpLimit", j.catchUpLimit},
              {"maxLatenessMinutes", j.maxLatenessMinutes},
              {"retries", j.retries},
              {"failureThreshold", j.failureThreshold},
              {"enabled", j.enabled}};
    if (!j.agent.isEmpty())
        o["agent"] = j.agent.toStdString();
    if (!j.model.isEmpty())
        o["model"] = j.model.toStdString();
    if (!j.effort.isEmpty())
        o["effort"] = j.effort.toStdString();
    if (!j.command.isEmpty()) {
        json command = json::array();
        for (const QString &part : j.command)
            command.push_back(part.toStdString());
        o["command"] = command;
    } else {
        o["prompt"] = j.prompt.toStdString();
    }
    if (j.softTokens || j.hardTokens || j.softCostUsd > 0 || j.hardCostUsd > 0)
        o["budget"] = {{"softTokens", j.softTokens},
                       {"hardTokens", j.hardTokens},
                       {"softCostUsd", j.softCostUsd},
                       {"hardCostUsd", j.hardCostUsd}};
    if (!j.disabledReason.isEmpty())
        o["disabledReason"] = j.disabledReason.toStdString();
    return o;
}

} // namespace

QString Job::overlapName(Overlap o)
{
    switch (o) {
    case Overlap::Forbid: return QStringLiteral("forbid");
    case Overlap::Allow: return QStringLiteral("allow");
    case Overlap::Replace: return QStringLiteral("replace");
    }
    return {};
}

std::optional<Job::Overlap> Job::overlapFromName(const QString &name)
{
    for (Overlap o : {Overlap::Forbid, Overlap::Allow, Overlap::Replace})
        if (overlapName(o) == name)
            return o;
    return std::nullopt;
}

QString Job::catchUpName(CatchUp c)
{
    switch (c) {
    case CatchUp::Skip: return QStringLiteral("skip");
    case CatchUp::Latest: return QStringLiteral("latest");
    case CatchUp::All: return QStringLiteral("all");
    }
    return {};
}

std::optional<Job::CatchUp> Job::catchUpFromName(const QString &name)
{
    for (CatchUp c : {CatchUp::Skip, CatchUp::Latest, CatchUp::All})
        if (catchUpName(c) == name)
            return c;
    return std::nullopt;
}

QStringList Job::agentNames()
{
    using Kind = Persona::Agent::Kind;
    QStringList names;
    for (Kind k : {Kind::Claude, Kind::Codex, Kind::Opencode, Kind::Copilot})
        names << Persona::Agent::kindName(k);
    return names;
}

JobStore::JobStore(QString path)
    : m_path(std::move(path))
{}

QString JobStore::defaultPath()
{
    return Paths::configDir() + QStringLiteral("/jobs.json");
}

std::optional<Job> JobStore::find(const QString &name) const
{
    for (const Job &j : m_jobs)
        if (j.name == name)
            return j;
    return std::nullopt;
}

Result<void> JobStore::load()
{
    m_loadError.reset();
    m_jobs.clear();
    auto bytes = AtomicFile::read(m_path);
    if (!bytes) {
        if (bytes.error().code == Error::Code::NotFound)
            return {};
        m_loadError = bytes.error();
        return std::unexpected(*m_loadError);
    }
    auto parsed = parse(*bytes, m_path);
    if (!parsed) {
        m_loadError = parsed.error();
        return std::unexpected(*m_loadError);
    }
    m_jobs = *parsed;
    return {};
}

std::optional<JobStore::Problem> JobStore::validate(const Job &j)
{
    auto problem = [&](const char *field, const QString &message, int column = 0) {
        return Problem{-1, QLatin1StringView(field), Text::tr("job \"%1\": %2").arg(j.name, message), column};
    };
    if (!namePattern().match(j.name).hasMatch())
        return Problem{-1, QStringLiteral("name"),
                       Text::tr("\"%1\" is not a job name: a lowercase letter, then up to 30 lowercase "
                                "letters, digits and hyphens")
                           .arg(j.name.left(60)),
                       0};
    if (!namePattern().match(j.persona).hasMatch())
        return problem("persona", Text::tr("\"%1\" is not a persona's name").arg(j.persona.left(60)));
    if (j.repository.isEmpty() || !j.repository.startsWith(u'/'))
        return problem("repository", Text::tr("the repository must be an absolute path to a git repository"));
    if (!isBranchName(j.baseBranch))
        return problem("baseBranch", Text::tr("\"%1\" is not a branch name").arg(j.baseBranch.left(60)));
    if (!j.agent.isEmpty() && !Job::agentNames().contains(j.agent))
        return problem("agent", Text::tr("unknown agent \"%1\"; use %2, or leave it out for the persona's")
                                    .arg(j.agent.left(40), Job::agentNames().join(QStringLiteral(", "))));
    static const QRegularExpression model(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}\\z"));
    if (!j.model.isEmpty() && !model.match(j.model).hasMatch())
        return problem("model", Text::tr("\"%1\" is not a model name").arg(j.model.left(80)));
    if (!j.effort.isEmpty()) {
        const auto kind = Persona::Agent::kindFromName(j.agent);
        if (kind && !Persona::Agent::hasEffort(*kind))
            return problem("effort", Text::tr("the %1 agent has no reasoning effort to set").arg(j.agent));
        if (!Persona::Agent::effortLevels().contains(j.effort))
            return problem("effort", Text::tr("the effort \"%1\" is not one of %2")
                                         .arg(j.effort.left(40), Persona::Agent::effortLevels().join(QStringLiteral(", "))));
    }
    if (!j.command.isEmpty() && !j.prompt.isEmpty())
        return problem("command", Text::tr("give a prompt or a command, not both"));
    if (j.command.isEmpty() && j.prompt.trimmed().isEmpty())
        return problem("prompt", Text::tr("a job needs a prompt for its agent, or a command"));
    if (!j.command.isEmpty() && (!j.agent.isEmpty() || !j.model.isEmpty() || !j.effort.isEmpty()))
        return problem("command", Text::tr("a command runs without an agent: leave agent, model and effort out"));
    if (j.prompt.size() > 100000)
        return problem("prompt", Text::tr("the prompt is longer than 100,000 characters"));
    const auto expression = CronExpression::parse(j.schedule);
    if (!expression)
        return problem("schedule", Text::tr("schedule \"%1\": %2").arg(j.schedule.left(80), expression.error().text()),
                       expression.error().column);
    if (!CronSchedule::zoneExists(j.timeZone))
        return problem("timeZone", Text::tr("unknown time zone \"%1\": use an IANA name such as Europe/Berlin")
                                       .arg(j.timeZone.left(60)));
    if (j.timeoutMinutes < 1 || j.timeoutMinutes > 7 * 24 * 60)
        return problem("timeoutMinutes", Text::tr("the timeout must be from 1 minute to 7 days (10080)"));
    // As parse() reads them: a value it would refuse must not be written.
    if (!(j.softCostUsd >= 0 && j.softCostUsd <= 1e6) || !(j.hardCostUsd >= 0 && j.hardCostUsd <= 1e6) ||
        j.softTokens < 0 || j.hardTokens < 0 || j.softTokens > 1000000000000LL || j.hardTokens > 1000000000000LL)
        return problem("budget", Text::tr("budgets are from 0 (no limit) to 10^12 tokens and 10^6 USD"));
    if ((j.hardTokens && j.softTokens > j.hardTokens) || (j.hardCostUsd > 0 && j.softCostUsd > j.hardCostUsd))
        return problem("budget", Text::tr("a soft limit above its hard limit would never warn"));
    if (j.catchUpLimit < 1 || j.catchUpLimit > 100)
        return problem("catchUpLimit", Text::tr("catchUpLimit must be from 1 to 100"));
    if (j.maxLatenessMinutes < 0 || j.maxLatenessMinutes > 31 * 24 * 60)
        return problem("maxLatenessMinutes", Text::tr("maxLatenessMinutes must be from 0 to 44640 (31 days)"));
    if (j.retries < 0 || j.retries > 10)
        return problem("retries", Text::tr("retries must be from 0 to 10"));
    if (j.failureThreshold < 1 || j.failureThreshold > 100)
        return problem("failureThreshold", Text::tr("failureThreshold must be from 1 to 100"));
    return std::nullopt;
}

std::optional<JobStore::Problem> JobStore::validate(const QList<Job> &jobs)
{
    QSet<QString> names;
    for (qsizetype i = 0; i < jobs.size(); ++i) {
        if (auto p = validate(jobs[i])) {
            p->index = i;
            return p;
        }
        if (names.contains(jobs[i].name))
            return Problem{i, QStringLiteral("name"), Text::tr("two jobs are named \"%1\"").arg(jobs[i].name), 0};
        names.insert(jobs[i].name);
    }
    return std::nullopt;
}

Result<QList<Job>> JobStore::parse(const QByteArray &text, const QString &path)
{
    const QString keep = Text::tr("Paddock runs no jobs and will not save changes to them until the file is fixed "
                                  "or removed (the previous version, if any, is %1).")
                             .arg(AtomicFile::backupPath(path));
    const JsonLocator where(text, QLatin1StringView("jobs"));
    auto reject = [&](const QString &message, qsizetype offset) -> Result<QList<Job>> {
        return std::unexpected(Error{Error::Code::Parse, message, TextPosition::at(text, offset).format(path), keep});
    };
    json root;
    try {
        root = json::parse(text.constData(), text.constData() + text.size());
    } catch (const json::parse_error &e) {
        return reject(Text::tr("not valid JSON: %1").arg(QString::fromStdString(e.what()).section(u':', -1).trimmed()),
                      qsizetype(e.byte > 0 ? e.byte - 1 : 0));
    } catch (const json::exception &e) {
        return reject(Text::tr("not valid JSON: %1").arg(QString::fromStdString(e.what())), 0);
    }
    if (!root.is_object())
        return reject(Text::tr("expected a JSON object"), 0);
    const qsizetype versionAt = qMax<qsizetype>(0, text.indexOf("\"version\""));
    if (!root.contains("version") || !root["version"].is_number_integer() || root["version"].get<qint64>() < 1 ||
        root["version"].get<qint64>() > 1000000)
        return reject(Text::tr("\"version\" must be a positive whole number"), versionAt);
    if (root["version"].get<int>() > FormatVersion)
        return reject(Text::tr("written by a newer Paddock (jobs version %1; this Paddock reads up to %2)")
                          .arg(root["version"].get<int>())
                          .arg(FormatVersion),
                      versionAt);
    if (!root.contains("jobs") || !root["jobs"].is_array())
        return reject(Text::tr("\"jobs\" must be a list"), qMax<qsizetype>(0, text.indexOf("\"jobs\"")));

    QList<Job> out;
    qsizetype index = 0;
    for (const json &o : root["jobs"]) {
        auto bad = [&](const QString &key, const QString &message) { return reject(message, where.at(index, key)); };
        if (!o.is_object())
            return bad({}, Text::tr("each job must be an object"));
        Job j;
        // Strings, numbers and booleans by key; a missing optional key keeps Job's default.
        QString error;
        auto string = [&](const char *key, QString &into, bool required) {
            if (!error.isEmpty())
                return;
            if (!o.contains(key)) {
                if (required)
                    error = QLatin1StringView(key);
                return;
            }
            if (!o[key].is_string())
                error = QLatin1StringView(key);
            else
                into = QString::fromStdString(o[key].get<std::string>());
        };
        auto integer = [&](const json &from, const char *key, auto &into) {
            if (!error.isEmpty() || !from.contains(key))
                return;
            if (!from[key].is_number_integer() || from[key].get<qint64>() < -1000000000000LL ||
                from[key].get<qint64>() > 1000000000000LL)
                error = QLatin1StringView(key);
            else
                into = static_cast<std::decay_t<decltype(into)>>(from[key].get<qint64>());
        };
        string("name", j.name, true);
        string("persona", j.persona, true);
        string("repository", j.repository, true);
        string("baseBranch", j.baseBranch, false);
        string("agent", j.agent, false);
        string("model", j.model, false);
        string("effort", j.effort, false);
        string("prompt", j.prompt, false);
        string("schedule", j.schedule, true);
        string("timeZone", j.timeZone, true);
        string("disabledReason", j.disabledReason, false);
        QString overlap = Job::overlapName(j.overlap), catchUp = Job::catchUpName(j.catchUp);
        string("overlap", overlap, false);
        string("catchUp", catchUp, false);
        integer(o, "timeoutMinutes", j.timeoutMinutes);
        integer(o, "catchUpLimit", j.catchUpLimit);
        integer(o, "maxLatenessMinutes", j.maxLatenessMinutes);
        integer(o, "retries", j.retries);
        integer(o, "failureThreshold", j.failureThreshold);
        if (!error.isEmpty()) {
            const bool missing = !o.contains(error.toStdString());
            return bad(missing ? QString() : error,
                       missing ? Text::tr("job %1 has no \"%2\"").arg(index + 1).arg(error)
                               : Text::tr("\"%1\" has the wrong type or is out of range").arg(error));
        }
        if (o.contains("enabled")) {
            if (!o["enabled"].is_boolean())
                return bad(QStringLiteral("enabled"), Text::tr("\"enabled\" must be true or false"));
            j.enabled = o["enabled"].get<bool>();
        }
        if (o.contains("command")) {
            if (!o["command"].is_array() || o["command"].empty())
                return bad(QStringLiteral("command"), Text::tr("\"command\" must be a list of strings"));
            for (const json &part : o["command"]) {
                if (!part.is_string())
                    return bad(QStringLiteral("command"), Text::tr("\"command\" must be a list of strings"));
                j.command << QString::fromStdString(part.get<std::string>());
            }
        }
        if (o.contains("budget")) {
            const json &b = o["budget"];
            if (!b.is_object())
                return bad(QStringLiteral("budget"), Text::tr("\"budget\" must be an object"));
            integer(b, "softTokens", j.softTokens);
            integer(b, "hardTokens", j.hardTokens);
            auto cost = [&](const char *key, double &into) {
                if (!b.contains(key))
                    return true;
                if (!b[key].is_number() || !(b[key].get<double>() >= 0 && b[key].get<double>() <= 1e6))
                    return false;
                into = b[key].get<double>();
                return true;
            };
            if (!error.isEmpty() || !cost("softCostUsd", j.softCostUsd) || !cost("hardCostUsd", j.hardCostUsd))
                return bad(QStringLiteral("budget"),
                           Text::tr("the budget's limits must be numbers from 0 (no limit) upwards"));
        }
        const auto o1 = Job::overlapFromName(overlap);
        if (!o1)
            return bad(QStringLiteral("overlap"),
                       Text::tr("unknown overlap \"%1\"; use forbid, allow or replace").arg(overlap.left(40)));
        j.overlap = *o1;
        const auto c1 = Job::catchUpFromName(catchUp);
        if (!c1)
            return bad(QStringLiteral("catchUp"),
                       Text::tr("unknown catchUp \"%1\"; use skip, latest or all").arg(catchUp.left(40)));
        j.catchUp = *c1;
        out << j;
        ++index;
    }
    if (const auto problem = validate(out)) {
        // A schedule's error points at its column inside the string.
        const qsizetype offset = problem->column > 0 ? where.valueAt(problem->index, problem->field) + problem->column - 1
                                                     : where.at(problem->index, problem->field);
        return reject(problem->message, offset);
    }
    return out;
}

QByteArray JobStore::serialize(const QList<Job> &jobs)
{
    json list = json::array();
    for (const Job &j : jobs)
        list.push_back(toJson(j));
    const json root = {{"version", FormatVersion}, {"jobs", list}};
    return QByteArray::fromStdString(root.dump(2)) + '\n';
}

Result<void> JobStore::save(const QList<Job> &jobs)
{
    if (m_loadError)
        return fail(Error::Code::Invalid, Text::tr("jobs.json could not be read, so changes are not saved"), m_path,
                    Text::tr("Fix or remove the file first: %1").arg(m_loadError->text()));
    if (const auto problem = validate(jobs))
        return fail(Error::Code::Invalid, problem->message, m_path);
    if (auto written = AtomicFile::write(m_path, serialize(jobs)); !written)
        return written;
    m_jobs = jobs;
    return {};
}

Result<void> JobStore::add(const Job &job)
{
    if (find(job.name))
        return fail(Error::Code::Invalid, Text::tr("a job named \"%1\" exists already").arg(job.name), m_path,
                    Text::tr("Choose another name."));
    QList<Job> jobs = m_jobs;
    jobs << job;
    return save(jobs);
}

Result<void> JobStore::update(const QString &name, const Job &job)
{
    QList<Job> jobs = m_jobs;
    for (Job &j : jobs)
        if (j.name == name) {
            j = job;
            return save(jobs);
        }
    return fail(Error::Code::NotFound, Text::tr("there is no job named \"%1\"").arg(name), m_path,
                Text::tr("paddockctl job list lists them."));
}

Result<void> JobStore::remove(const QString &name)
{
    QList<Job> jobs = m_jobs;
    const qsizetype before = jobs.size();
    jobs.removeIf([&](const Job &j) { return j.name == name; });
    if (jobs.size() == before)
        return fail(Error::Code::NotFound, Text::tr("there is no job named \"%1\"").arg(name), m_path,
                    Text::tr("paddockctl job list lists them."));
    return save(jobs);
}

Result<void> JobStore::setEnabled(const QString &name, bool enabled, const QString &reason)
{
    auto job = find(name);
    if (!job)
        return fail(Error::Code::NotFound, Text::tr("there is no job named \"%1\"").arg(name), m_path,
                    Text::tr("paddockctl job list lists them."));
    job->enabled = enabled;
    job->disabledReason = enabled ? QString() : reason;
    return update(name, *job);
}

} // namespace paddock
