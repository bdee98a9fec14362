#include "PolicyCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "engine/ServiceThread.h"

#include "audit/AuditStore.h"
#include "config/AtomicFile.h"
#include "config/Paths.h"
#include "personas/PersonaStore.h"
#include "policy/Formatter.h"
#include "policy/Json.h"
#include "policy/Parser.h"
#include "policy/PolicySet.h"
#include "policy/PolicyStore.h"
#include "policy/Schema.h"
#include "policy/Validator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cstdio>
#include <set>

using namespace paddock::cedar;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

bool readFile(const QString &path, std::string &text)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        err() << Text::tr("paddockctl: %1: cannot read: %2").arg(path, f.errorString()) << Qt::endl;
        return false;
    }
    text = f.readAll().toStdString();
    return true;
}

// Parses a policy file (and with a schema, validates it) and prints its diagnostics (with the
// offending line and a caret). Warnings are printed but do not fail.
std::shared_ptr<const PolicySet> loadPolicies(const QString &path, bool &ok, const Schema *schema = nullptr)
{
    std::string text;
    ok = readFile(path, text);
    if (!ok)
        return nullptr;
    ParseResult parsed = parsePolicies(text);
    Diagnostics diags = std::move(parsed.diagnostics);
    if (diags.empty() && schema)
        diags = validatePolicies(parsed.policies, *schema);
    for (const Diagnostic &d : diags)
        err() << QString::fromStdString(formatDiagnostic(d, text, path.toStdString()));
    ok = !hasErrors(diags);
    return std::make_shared<const PolicySet>(std::move(parsed.policies));
}

std::shared_ptr<const Schema> loadSchema(const QString &path, bool &ok)
{
    std::string text;
    ok = readFile(path, text);
    if (!ok)
        return nullptr;
    SchemaParseResult parsed = parseSchemaAnyFormat(text);
    for (const Diagnostic &d : parsed.diagnostics)
        err() << QString::fromStdString(formatDiagnostic(d, text, path.toStdString()));
    ok = parsed.schema != nullptr;
    return parsed.schema;
}

int validate(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("Checks that Cedar policy files parse; prints every error with "
                                              "its line and column."));
    const QCommandLineOption schemaOption(
        QStringLiteral("schema"),
        Text::tr("Also check the policies against this schema (.cedarschema, or Cedar's JSON format)."),
        Text::tr("FILE"));
    parser.addOption(schemaOption);
    parser.addPositionalArgument(QStringLiteral("files"), Text::tr("Policy files (.cedar)."),
                                 Text::tr("FILE…"));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl policy validate"), args))
        return *done;
    std::shared_ptr<const Schema> schema;
    if (parser.isSet(schemaOption)) {
        bool ok = false;
        schema = loadSchema(parser.value(schemaOption), ok);
        if (!ok)
            return 2;
    }
    if (parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl policy validate: name at least one policy file") << Qt::endl;
        return 2;
    }
    int failures = 0;
    for (const QString &file : parser.positionalArguments()) {
        bool ok = false;
        const auto set = loadPolicies(file, ok, schema.get());
        if (ok)
            out() << Text::tr("%1: valid (%n policies)", nullptr, int(set->policies().size())).arg(file)
                  << Qt::endl;
        else
            ++failures;
    }
    return failures == 0 ? 0 : 1;
}

int authorize(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Decides one request against a policy set and an entity store."));
    const QCommandLineOption policies(QStringLiteral("policies"), Text::tr("Policy file."), Text::tr("FILE"));
    const QCommandLineOption entities(QStringLiteral("entities"), Text::tr("Entities (Cedar JSON)."),
                                      Text::tr("FILE"));
    const QCommandLineOption principal(
        QStringLiteral("principal"), Text::tr("The principal, e.g. 'User::\"alice\"'."), Text::tr("ENTITY"));
    const QCommandLineOption action(QStringLiteral("action"),
                                    Text::tr("The action, e.g. 'Action::\"view\"'."), Text::tr("ENTITY"));
    const QCommandLineOption resource(QStringLiteral("resource"), Text::tr("The resource."),
                                      Text::tr("ENTITY"));
    const QCommandLineOption context(QStringLiteral("context"), Text::tr("The context, a JSON object."),
                                     Text::tr("JSON"));
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("Print the decision as JSON."));
    parser.addOptions({policies, entities, principal, action, resource, context, json});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl policy authorize"), args))
        return *done;
    for (const auto *required : {&policies, &principal, &action, &resource}) {
        if (!parser.isSet(*required)) {
            err() << Text::tr("paddockctl policy authorize: --%1 is required").arg(required->names().first())
                  << Qt::endl;
            return 2;
        }
    }
    bool ok = false;
    const auto set = loadPolicies(parser.value(policies), ok);
    if (!ok)
        return 2;
    Entities store;
    if (parser.isSet(entities)) {
        std::string text;
        if (!readFile(parser.value(entities), text))
            return 2;
        auto list = entitiesFromJson(text);
        if (!list) {
            err() << parser.value(entities) << ": " << QString::fromStdString(list.error()) << Qt::endl;
            return 2;
        }
        store = Entities(std::move(*list));
    }
    Request request;
    const std::pair<const QCommandLineOption *, EntityUid *> uids[] = {
        {&principal, &request.principal}, {&action, &request.action}, {&resource, &request.resource}};
    for (const auto &[option, target] : uids) {
        std::string error;
        if (!parseEntityUid(parser.value(*option).toStdString(), *target, error)) {
            err() << Text::tr("paddockctl policy authorize: --%1: %2")
                         .arg(option->names().first(), QString::fromStdString(error))
                  << Qt::endl;
            return 2;
        }
    }
    if (parser.isSet(context)) {
        auto ctx = contextFromJson(parser.value(context).toStdString());
        if (!ctx) {
            err() << Text::tr("paddockctl policy authorize: --context: %1")
                         .arg(QString::fromStdString(ctx.error()))
                  << Qt::endl;
            return 2;
        }
        request.context = *ctx;
    }
    const Decision d = set->authorize(request, store);
    if (parser.isSet(json)) {
        QJsonArray reason, errors;
        for (const std::string &id : d.reason)
            reason.append(QString::fromStdString(id));
        for (const PolicyError &e : d.errors)
            errors.append(QJsonObject{{QStringLiteral("policy"), QString::fromStdString(e.policyId)},
                                      {QStringLiteral("message"), QString::fromStdString(e.message)}});
        out() << QJsonDocument(QJsonObject{{QStringLiteral("decision"),
                                            d.allowed ? QStringLiteral("allow") : QStringLiteral("deny")},
                                           {QStringLiteral("reason"), reason},
                                           {QStringLiteral("errors"), errors}})
                     .toJson(QJsonDocument::Compact)
              << Qt::endl;
    } else {
        out() << (d.allowed ? Text::tr("ALLOW") : Text::tr("DENY")) << Qt::endl;
        QStringList reasons;
        for (const std::string &id : d.reason)
            reasons << QString::fromStdString(id);
        out() << Text::tr("reason: %1")
                     .arg(reasons.isEmpty() ? Text::tr("no policy permits")
                                            : reasons.join(QStringLiteral(", ")))
              << Qt::endl;
        for (const PolicyError &e : d.errors)
            out() << Text::tr("error in %1: %2")
                         .arg(QString::fromStdString(e.policyId), QString::fromStdString(e.message))
                  << Qt::endl;
    }
    return d.allowed ? 0 : 1;
}

QString readText(const QString &path, QString &error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        error = Text::tr("%1: cannot read: %2").arg(path, f.errorString());
        return {};
    }
    return QString::fromUtf8(f.readAll());
}

EntityUid uidFrom(const QJsonValue &v)
{
    const QJsonObject o = v.toObject();
    return EntityUid{o.value(QStringLiteral("type")).toString().toStdString(),
                     o.value(QStringLiteral("id")).toString().toStdString()};
}

// One test file in Cedar's integration-test format. Returns the number of failed requests
// (a file that cannot be loaded counts as one failure per request, or one).
int runTestFile(const QString &file, const QString &root, int &passed)
{
    QString error;
    const QByteArray bytes = readText(file, error).toUtf8();
    if (!error.isEmpty()) {
        err() << error << Qt::endl;
        return 1;
    }
    QJsonParseError parseError;
    const QJsonObject test = QJsonDocument::fromJson(bytes, &parseError).object();
    if (parseError.error != QJsonParseError::NoError) {
        err() << file << ": " << parseError.errorString() << Qt::endl;
        return 1;
    }
    auto resolve = [&](const QString &key) -> QString {
        return root + QLatin1Char('/') + test.value(key).toString();
    };
    const QJsonArray requests = test.value(QStringLiteral("requests")).toArray();
    const int count = std::max<int>(1, int(requests.size()));

    const std::string policyText = readText(resolve(QStringLiteral("policies")), error).toStdString();
    const std::string entityText = readText(resolve(QStringLiteral("entities")), error).toStdString();
    std::string schemaText;
    if (test.contains(QStringLiteral("schema")))
        schemaText = readText(resolve(QStringLiteral("schema")), error).toStdString();
    if (!error.isEmpty()) {
        err() << file << ": " << error << Qt::endl;
        return count;
    }
    Diagnostics diags;
    const auto policies = PolicySet::parse(policyText, &diags);
    for (const Diagnostic &d : diags)
        err() << QString::fromStdString(
            formatDiagnostic(d, policyText, resolve(QStringLiteral("policies")).toStdString()));
    if (!diags.empty())
        return count;
    std::shared_ptr<const Schema> schema;
    if (!schemaText.empty()) {
        SchemaParseResult parsed = parseSchemaAnyFormat(schemaText);
        for (const Diagnostic &d : parsed.diagnostics)
            err() << QString::fromStdString(
                formatDiagnostic(d, schemaText, resolve(QStringLiteral("schema")).toStdString()));
        if (!parsed.schema)
            return count;
        schema = parsed.schema;
    }
    auto list = entitiesFromJson(entityText, schema.get());
    if (!list) {
        err() << resolve(QStringLiteral("entities")) << ": " << QString::fromStdString(list.error())
              << Qt::endl;
        return count;
    }
    const Entities entities(std::move(*list));

    int failed = 0;
    // shouldValidate: the validator's verdict on the policies against the schema.
    if (schema && test.contains(QStringLiteral("shouldValidate"))) {
        const bool want = test.value(QStringLiteral("shouldValidate")).toBool();
        const Diagnostics found = validatePolicies(policies->policies(), *schema);
        if (hasErrors(found) == want) {
            ++failed;
            out() << Text::tr("FAIL %1: validation: expected %2, got %3")
                         .arg(file, want ? QStringLiteral("valid") : QStringLiteral("invalid"),
                              want ? QStringLiteral("invalid") : QStringLiteral("valid"))
                  << Qt::endl;
            for (const Diagnostic &d : found)
                out() << QStringLiteral("    ")
                      << QString::fromStdString(formatDiagnostic(
                             d, policyText, resolve(QStringLiteral("policies")).toStdString()));
        } else {
            ++passed;
        }
    }
    for (const QJsonValue &value : requests) {
        const QJsonObject r = value.toObject();
        const QString description = r.value(QStringLiteral("description")).toString();
        Request request;
        request.principal = uidFrom(r.value(QStringLiteral("principal")));
        request.action = uidFrom(r.value(QStringLiteral("action")));
        request.resource = uidFrom(r.value(QStringLiteral("resource")));
        const QByteArray contextJson = QJsonDocument(r.value(QStringLiteral("context")).toObject()).toJson();
        auto context = contextFromJson(contextJson.toStdString(), schema.get(), &request.action);
        if (!context) {
            err() << file << ": \"" << description
                  << "\": context: " << QString::fromStdString(context.error()) << Qt::endl;
            ++failed;
            continue;
        }
        request.context = *context;
        const Decision d = policies->authorize(request, entities);

        auto idSet = [](const QJsonValue &v) {
            std::set<std::string> ids;
            for (const QJsonValue &id : v.toArray())
                ids.insert(id.toString().toStdString());
            return ids;
        };
        const bool wantAllow = r.value(QStringLiteral("decision")).toString() == QLatin1StringView("allow");
        const std::set<std::string> wantReason = idSet(r.value(QStringLiteral("reason")));
        const std::set<std::string> wantErrors = idSet(r.value(QStringLiteral("errors")));
        const std::set<std::string> gotReason(d.reason.begin(), d.reason.end());
        std::set<std::string> gotErrors;
        for (const PolicyError &e : d.errors)
            gotErrors.insert(e.policyId);
        auto join = [](const std::set<std::string> &ids) {
            QStringList l;
            for (const std::string &id : ids)
                l << QString::fromStdString(id);
            return QStringLiteral("[") + l.join(QStringLiteral(", ")) + QStringLiteral("]");
        };
        QStringList problems;
        if (d.policyAllowed != wantAllow)
            problems << Text::tr("decision %1, expected %2")
                            .arg(d.policyAllowed ? QStringLiteral("allow") : QStringLiteral("deny"),
                                 wantAllow ? QStringLiteral("allow") : QStringLiteral("deny"));
        if (gotReason != wantReason)
            problems << Text::tr("reason %1, expected %2").arg(join(gotReason), join(wantReason));
        if (gotErrors != wantErrors) {
            QString messages;
            for (const PolicyError &e : d.errors)
                messages += QStringLiteral("\n      %1: %2")
                                .arg(QString::fromStdString(e.policyId), QString::fromStdString(e.message));
            problems << Text::tr("errors %1, expected %2").arg(join(gotErrors), join(wantErrors)) + messages;
        }
        if (problems.isEmpty()) {
            ++passed;
        } else {
            ++failed;
            out() << Text::tr("FAIL %1: \"%2\"").arg(file, description) << Qt::endl;
            for (const QString &p : problems)
                out() << QStringLiteral("    ") << p << Qt::endl;
        }
    }
    return failed;
}

int test(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr("Runs tests in Cedar's integration-test format and ends with "
                                              "\"N passed, N failed\"."));
    const QCommandLineOption root(
        QStringLiteral("root"),
        Text::tr("Resolve the paths inside the tests against DIR (default: the current "
                 "folder)."),
        Text::tr("DIR"), QStringLiteral("."));
    parser.addOption(root);
    parser.addPositionalArgument(QStringLiteral("tests"), Text::tr("Test files (.json)."),
                                 Text::tr("TEST.json…"));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl policy test"), args))
        return *done;
    if (parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl policy test: name at least one test file") << Qt::endl;
        return 2;
    }
    int passed = 0, failed = 0;
    for (const QString &file : parser.positionalArguments())
        failed += runTestFile(file, parser.value(root), passed);
    out() << Text::tr("%1 passed, %2 failed").arg(passed).arg(failed) << Qt::endl;
    return failed == 0 ? 0 : 1;
}

int format(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Formats Cedar policy files in Paddock's canonical layout (close to `cedar format`), keeping "
        "every comment. Prints the formatted text unless --check or --write is given. Exit status: 0 "
        "done, 1 a file is not formatted (--check), 2 a file cannot be read, parsed or written."));
    const QCommandLineOption check(
        QStringLiteral("check"),
        Text::tr("Print only the names of the files that are not formatted, and exit with "
                 "1 if there are any."));
    const QCommandLineOption write(
        QStringLiteral("write"),
        Text::tr("Replace the files that are not formatted with their formatted text, "
                 "keeping the previous version as FILE.bak."));
    parser.addOptions({check, write});
    parser.addPositionalArgument(QStringLiteral("files"), Text::tr("Policy files (.cedar)."),
                                 Text::tr("FILE…"));
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl policy format"), args))
        return *done;
    if (parser.positionalArguments().isEmpty()) {
        err() << Text::tr("paddockctl policy format: name at least one policy file") << Qt::endl;
        return 2;
    }
    bool failed = false, unformatted = false;
    for (const QString &file : parser.positionalArguments()) {
        std::string text;
        if (!readFile(file, text)) {
            failed = true;
            continue;
        }
        const auto formatted = formatPolicies(text);
        if (!formatted) {
            for (const Diagnostic &d : formatted.error())
                err() << QString::fromStdString(formatDiagnostic(d, text, file.toStdString()));
            failed = true;
            continue;
        }
        const bool changed = *formatted != text;
        if (parser.isSet(check) && changed) {
            unformatted = true;
            out() << Text::tr("%1: not formatted").arg(file) << Qt::endl;
        }
        if (parser.isSet(write)) {
            if (!changed)
                continue;
            const auto written = paddock::AtomicFile::write(file, QByteArray::fromStdString(*formatted));
            if (!written) {
                err() << Text::tr("paddockctl policy format: %1").arg(written.error().text()) << Qt::endl;
                failed = true;
            } else if (!parser.isSet(check)) {
                out() << Text::tr("%1: formatted (the previous version is %2)")
                             .arg(file, paddock::AtomicFile::backupPath(file))
                      << Qt::endl;
            }
        } else if (!parser.isSet(check)) {
            // The bytes as they are: a comment need not be valid UTF-8.
            out().flush();
            std::fwrite(formatted->data(), 1, formatted->size(), stdout);
            std::fflush(stdout);
        }
    }
    if (failed)
        return 2;
    return unformatted ? 1 : 0;
}

// `policy check git-push`: the decision the mirrors' pre-receive hook asks for, one ref at a time.
// The persona's trust level picks the policy set; the decision is recorded in the audit log before
// the answer is given, and a decision that cannot be recorded is a refusal (fail closed).
int checkGitPush(const QStringList &args)
{
    using paddock::AuditEvent;
    using paddock::AuditStore;
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Decides whether PERSONA may update REF of the workspace repository REPO, records the decision in "
        "the audit log, and exits with 0 (allowed), 1 (denied, the reason on standard error) or 2 (an "
        "error, which refuses the push too)."));
    const QCommandLineOption persona(QStringLiteral("persona"), Text::tr("The persona pushing."),
                                     Text::tr("P"));
    const QCommandLineOption repo(QStringLiteral("repo"), Text::tr("The repository (the mirror's name)."),
                                  Text::tr("R"));
    const QCommandLineOption ref(QStringLiteral("ref"), Text::tr("The ref updated, e.g. refs/heads/ai/x."),
                                 Text::tr("REF"));
    const QCommandLineOption job(QStringLiteral("job"),
                                 Text::tr("A job of the persona pushes (the principal is the job)."),
                                 Text::tr("JOB"));
    const QCommandLineOption jobBranch(QStringLiteral("job-branch"),
                                       Text::tr("The branch of the job's run (Paddock::Job's branch)."),
                                       Text::tr("BRANCH"));
    const QCommandLineOption force(QStringLiteral("force"), Text::tr("The update is not a fast-forward."));
    const QCommandLineOption remove(QStringLiteral("delete"), Text::tr("The update deletes the ref."));
    const QCommandLineOption config(
        QStringLiteral("config"),
        Text::tr("Paddock's configuration folder (default: %1).").arg(paddock::Paths::configDir()),
        Text::tr("DIR"));
    const QCommandLineOption data(QStringLiteral("data-dir"),
                                  Text::tr("Paddock's data folder, where the audit log is (default: %1).")
                                      .arg(paddock::Paths::dataDir()),
                                  Text::tr("DIR"));
    parser.addOptions({persona, job, jobBranch, repo, ref, force, remove, config, data});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl policy check git-push"), args))
        return *done;
    for (const auto *required : {&persona, &repo, &ref}) {
        if (parser.value(*required).isEmpty()) {
            err() << Text::tr("paddockctl policy check git-push: --%1 is required")
                         .arg(required->names().first())
                  << Qt::endl;
            return 2;
        }
    }
    const QString configDir = parser.isSet(config) ? parser.value(config) : paddock::Paths::configDir();
    const QString dbPath = parser.isSet(data) ? parser.value(data) + QStringLiteral("/audit.db")
                                              : AuditStore::defaultDatabasePath();
    const QString name = parser.value(persona);
    const QString fullRef = parser.value(ref);
    const QString branch = fullRef.startsWith(QStringLiteral("refs/heads/")) ? fullRef.mid(11) : fullRef;
    const QString repository = parser.value(repo);
    const QString resourceId = repository + u':' + branch;
    auto refuse = [&](const QString &message) {
        err() << Text::tr("paddock: the push of %1 to %2 is refused: %3").arg(branch, repository, message)
              << Qt::endl;
        return 2;
    };

    paddock::PersonaStore personas(configDir + QStringLiteral("/personas.json"));
    if (auto loaded = personas.load(QString()); !loaded)
        return refuse(loaded.error().text());
    const auto who = personas.find(name);
    if (!who)
        return refuse(Text::tr("there is no persona \"%1\" in %2").arg(name, personas.path()));
    const QString setName = paddock::Persona::trustName(who->trust);
    paddock::PolicyStore store(configDir);
    (void)store.load(); // a set that does not load enforces default deny, which is what we want
    const auto set = store.policies(setName);
    const auto schema = store.schema();

    const QString jobName = parser.value(job);
    const QJsonObject personaUid{{QStringLiteral("type"), QStringLiteral("Paddock::Persona")},
                                 {QStringLiteral("id"), name}};
    QJsonArray entityJson{
        QJsonObject{
            {QStringLiteral("uid"), personaUid},
            {QStringLiteral("attrs"), QJsonObject{{QStringLiteral("trust"), setName}}},
            {QStringLiteral("parents"), QJsonArray{}}},
        QJsonObject{
            {QStringLiteral("uid"), QJsonObject{{QStringLiteral("type"), QStringLiteral("Paddock::Branch")},
                                                {QStringLiteral("id"), resourceId}}},
            {QStringLiteral("attrs"),
             QJsonObject{{QStringLiteral("name"), branch}, {QStringLiteral("repository"), repository}}},
            {QStringLiteral("parents"), QJsonArray{}}}};
    // A job's run pushes as the job, in its persona.
    if (!jobName.isEmpty())
        entityJson.append(QJsonObject{
            {QStringLiteral("uid"), QJsonObject{{QStringLiteral("type"), QStringLiteral("Paddock::Job")},
                                                {QStringLiteral("id"), jobName}}},
            {QStringLiteral("attrs"), parser.value(jobBranch).isEmpty()
                                          ? QJsonObject{}
                                          : QJsonObject{{QStringLiteral("branch"), parser.value(jobBranch)}}},
            {QStringLiteral("parents"), QJsonArray{personaUid}}});
    auto list = entitiesFromJson(QJsonDocument(entityJson).toJson().toStdString(), schema.get());
    if (!list)
        return refuse(QString::fromStdString(list.error()));
    const Entities entities(std::move(*list));
    Request request;
    request.principal = jobName.isEmpty() ? EntityUid{"Paddock::Persona", name.toStdString()}
                                          : EntityUid{"Paddock::Job", jobName.toStdString()};
    request.action = EntityUid{"Paddock::Action", "git-push"};
    request.resource = EntityUid{"Paddock::Branch", resourceId.toStdString()};
    const QJsonObject contextJson{{QStringLiteral("force"), parser.isSet(force)},
                                  {QStringLiteral("delete"), parser.isSet(remove)}};
    auto context =
        contextFromJson(QJsonDocument(contextJson).toJson().toStdString(), schema.get(), &request.action);
    if (!context)
        return refuse(QString::fromStdString(context.error()));
    request.context = *context;
    const Decision d = set->authorize(request, entities);

    QStringList ids;
    for (const std::string &id : d.reason)
        ids << QString::fromStdString(id);
    QJsonArray errors;
    for (const PolicyError &e : d.errors)
        errors.append(QString::fromStdString(e.policyId + ": " + e.message));
    AuditEvent event;
    event.source = AuditEvent::Source::Git;
    event.persona = jobName.isEmpty() ? name : QStringLiteral("job:") + jobName;
    event.action = QStringLiteral("git.push");
    event.resource = resourceId;
    event.decision = d.allowed ? AuditEvent::Decision::Allow : AuditEvent::Decision::Deny;
    event.policies = ids;
    event.setDetails({{QStringLiteral("ref"), fullRef},
                      {QStringLiteral("persona"), name},
                      {QStringLiteral("set"), setName},
                      {QStringLiteral("force"), parser.isSet(force)},
                      {QStringLiteral("delete"), parser.isSet(remove)},
                      {QStringLiteral("errors"), errors}});

    // The audit store on a thread of its own; this thread waits for the event to be durable.
    paddock::Result<qint64> recorded;
    {
        paddock::ServiceThread<AuditStore> audit(std::make_unique<AuditStore>(dbPath),
                                                 QStringLiteral("paddock-audit"));
        const paddock::Result<void> started = audit.start();
        recorded = started ? audit->appendAndWait(event, std::chrono::seconds(15))
                           : std::unexpected(started.error());
    }
    if (!recorded)
        return refuse(
            Text::tr("the decision cannot be recorded in the audit log (%1)").arg(recorded.error().text()));
    if (d.allowed)
        return 0;
    const QString pusher = jobName.isEmpty() ? Text::tr("persona %1").arg(name)
                                          : Text::tr("job %1 of persona %2").arg(jobName, name);
    err() << Text::tr("paddock: the %1 policy of %2 does not allow pushing %3 to %4: %5")
                 .arg(setName, pusher, branch, repository,
                      ids.isEmpty() ? Text::tr("no policy permits it")
                                    : Text::tr("forbidden by %1").arg(ids.join(QStringLiteral(", "))))
          << Qt::endl;
    return 1;
}

int check(const QStringList &args)
{
    return runCommandGroup(
        QStringLiteral("paddockctl policy check"), Text::tr("Decisions the enforcement points ask for."),
        {{QStringLiteral("git-push"),
          Text::tr("Decides whether a persona may update a ref (the mirrors' hooks ask)."), checkGitPush}},
        args);
}

} // namespace

int runPolicyCommand(const QStringList &arguments)
{
    return runCommandGroup(
        QStringLiteral("paddockctl policy"), Text::tr("Cedar policies."),
        {{QStringLiteral("validate"),
          Text::tr("Checks that policy files parse (and validate against a schema)."), validate},
         {QStringLiteral("authorize"), Text::tr("Decides one request against a policy set."), authorize},
         {QStringLiteral("test"), Text::tr("Runs tests in Cedar's integration-test format."), test},
         {QStringLiteral("format"), Text::tr("Formats policy files in the canonical layout."), format},
         {QStringLiteral("check"), Text::tr("Decisions the enforcement points ask for (git-push)."), check}},
        arguments);
}
