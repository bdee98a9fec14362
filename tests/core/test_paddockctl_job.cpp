// `paddockctl job …` as a user and a script run it, against a temporary configuration folder:
// add, list, show, edit, disable, enable and remove a job; the JSON read back; the next run in the
// job's zone; and the errors: a bad schedule (with its caret), an unknown persona or job, a prompt
// and a command together, values out of range, and a broken jobs.json (exit 1, left as it was).
#include "GitRepos.h"
#include "personas/PersonaStore.h"
#include "scheduler/JobStore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;
using namespace Qt::StringLiterals;

class TestPaddockctlJob : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_config;
    QTemporaryDir m_work; // holds the repository "repo"
    QString jobsPath() const { return m_config->filePath(u"jobs.json"_s); }
    QString repository() const { return m_work.filePath(u"repo"_s); }

    struct Run
    {
        int code;
        QString out, err;
    };
    // paddockctl --config-dir <the temporary configuration> ARGS, in the folder that holds the repository.
    Run ctl(const QStringList &args)
    {
        QProcess p;
        p.setWorkingDirectory(m_work.path());
        p.start(qEnvironmentVariable("PADDOCKCTL"), QStringList{u"--config-dir"_s, m_config->path()} + args);
        if (!p.waitForFinished(30000))
            return {-1, {}, u"timed out"_s};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }
    Run job(const QStringList &args) { return ctl(QStringList{u"job"_s} + args); }

    // What a new job needs, with the schedule and zone given.
    static QStringList needs(const QString &schedule, const QString &zone)
    {
        return {u"--persona"_s,  u"builder"_s, u"--repository"_s, u"repo"_s,
                u"--schedule"_s, schedule,     u"--tz"_s,         zone};
    }

    std::optional<Job> stored(const QString &name)
    {
        JobStore store(jobsPath());
        if (!store.load())
            return std::nullopt;
        return store.find(name);
    }

    QByteArray fileBytes(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QDateTime instant(const QString &iso) { return QDateTime::fromString(iso, Qt::ISODate); }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(qEnvironmentVariable("PADDOCKCTL")),
                 "PADDOCKCTL must name the built paddockctl");
        QVERIFY(QDir().mkpath(repository()));
        QVERIFY(!git(repository(), {u"init"_s, u"-q"_s}).isNull());
    }

    // Each test starts with the persona "builder" and no jobs.
    void init()
    {
        m_config = std::make_unique<QTemporaryDir>();
        QList<Persona> personas = Persona::defaults(u"localhost/paddock-agent:1"_s).mid(0, 1);
        personas.first().name = u"builder"_s;
        QVERIFY(writeFile(m_config->filePath(u"personas.json"_s), PersonaStore::serialize(personas)));
    }

    void addListShowEditDisableEnableRemove()
    {
        // add: a relative repository is made absolute; the options given are stored.
        Run r =
            job(QStringList{u"add"_s, u"nightly"_s} + needs(u"30 2 * * *"_s, u"Europe/Berlin"_s) +
                QStringList{u"--prompt"_s, u"Fix the flaky tests"_s, u"--timeout"_s, u"90"_s,
                            u"--hard-cost"_s, u"5"_s, u"--overlap"_s, u"allow"_s, u"--model"_s, u"opus"_s});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.startsWith(u"nightly: added; runs next at "_s), qPrintable(r.out));
        auto j = stored(u"nightly"_s);
        QVERIFY(j);
        QCOMPARE(j->repository, QFileInfo(repository()).canonicalFilePath());
        QCOMPARE(j->persona, u"builder"_s);
        QCOMPARE(j->schedule, u"30 2 * * *"_s);
        QCOMPARE(j->timeZone, u"Europe/Berlin"_s);
        QCOMPARE(j->prompt, u"Fix the flaky tests"_s);
        QCOMPARE(j->timeoutMinutes, 90);
        QCOMPARE(j->hardCostUsd, 5.0);
        QCOMPARE(j->overlap, Job::Overlap::Allow);
        QCOMPARE(j->model, u"opus"_s);
        QCOMPARE(j->catchUp, Job().catchUp); // what was not given keeps the default
        QVERIFY(j->enabled);

        // list: a table with the schedule, its zone and the next run in it.
        r = job({u"list"_s});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.startsWith(u"NAME"_s) && r.out.contains(u"NEXT RUN"_s), qPrintable(r.out));
        static const QRegularExpression row(
            uR"(\nnightly +builder +30 2 \* \* \* \(Europe/Berlin\) +\d{4}-\d\d-\d\dT0[23]:[03]0:00\+0[12]:00 +yes\n)"_s);
        QVERIFY2(row.match(r.out).hasMatch(), qPrintable(r.out));

        // list --json: every field as jobs.json has it, and "next".
        r = job({u"list"_s, u"--json"_s});
        QCOMPARE(r.code, 0);
        QJsonParseError error;
        const QJsonArray all = QJsonDocument::fromJson(r.out.toUtf8(), &error).array();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(r.out));
        QCOMPARE(all.size(), 1);
        QJsonObject o = all.first().toObject();
        const QDateTime next = instant(o.value(u"next"_s).toString());
        QVERIFY2(next > QDateTime::currentDateTimeUtc() &&
                     next <= QDateTime::currentDateTimeUtc().addSecs(25 * 3600),
                 qPrintable(o.value(u"next"_s).toString()));
        o.remove(u"next"_s);
        const QJsonObject file = QJsonDocument::fromJson(fileBytes(jobsPath()))
                                     .object()
                                     .value(u"jobs"_s)
                                     .toArray()
                                     .first()
                                     .toObject();
        QCOMPARE(o, file);
        QCOMPARE(o.value(u"budget"_s).toObject().value(u"hardCostUsd"_s).toDouble(), 5.0);

        // show: every setting, the schedule in words, the next 5 runs.
        r = job({u"show"_s, u"nightly"_s});
        QCOMPARE(r.code, 0);
        for (const QString &line : {u"persona:"_s, u"repository:"_s, u"prompt:"_s, u"timeout:"_s,
                                    u"failure threshold:"_s, u"catch-up limit:"_s})
            QVERIFY2(r.out.contains(line), qPrintable(line + u" missing in\n"_s + r.out));
        QVERIFY2(r.out.contains(u"at 02:30, every day"_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(u"90 min"_s) && r.out.contains(u"5 USD"_s) && r.out.contains(u"opus"_s),
                 qPrintable(r.out));
        QCOMPARE(r.out.section(u"next runs:\n"_s, 1).split(u'\n', Qt::SkipEmptyParts).size(), 5);
        r = job({u"show"_s, u"nightly"_s, u"--json"_s});
        QCOMPARE(r.code, 0);
        o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(u"description"_s).toString(), u"at 02:30, every day"_s);
        const QJsonArray runs = o.value(u"nextRuns"_s).toArray();
        QCOMPARE(runs.size(), 5);
        QCOMPARE(runs.first().toString(), o.value(u"next"_s).toString());
        for (qsizetype i = 1; i < runs.size(); ++i)
            QVERIFY(instant(runs[i].toString()) > instant(runs[i - 1].toString()));

        // edit: only what is given changes; a command replaces the prompt (and the agent's settings).
        r = job({u"edit"_s, u"nightly"_s, u"--retries"_s, u"0"_s, u"--command"_s, u"--"_s, u"make"_s, u"-k"_s,
                 u"test"_s});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        j = stored(u"nightly"_s);
        QCOMPARE(j->command, (QStringList{u"make"_s, u"-k"_s, u"test"_s}));
        QVERIFY(j->prompt.isEmpty() && j->model.isEmpty());
        QCOMPARE(j->retries, 0);
        QCOMPARE(j->timeoutMinutes, 90);
        QCOMPARE(j->schedule, u"30 2 * * *"_s);
        r = job({u"edit"_s, u"nightly"_s, u"--prompt"_s, u"Again"_s, u"--schedule"_s, u"@daily"_s,
                 u"--rename"_s, u"nightly2"_s});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.startsWith(u"nightly: changed, now named nightly2; runs next at "_s),
                 qPrintable(r.out));
        QVERIFY(!stored(u"nightly"_s));
        j = stored(u"nightly2"_s);
        QVERIFY(j);
        QVERIFY(j->command.isEmpty());
        QCOMPARE(j->prompt, u"Again"_s);
        QCOMPARE(j->schedule, u"@daily"_s);
        QCOMPARE(j->retries, 0);
        r = job({u"edit"_s, u"nightly2"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"nothing to change"_s), qPrintable(r.err));

        // disable, with and without a reason; enable clears it.
        r = job({u"disable"_s, u"nightly2"_s});
        QCOMPARE(r.code, 0);
        QCOMPARE(stored(u"nightly2"_s)->disabledReason, u"disabled by you"_s);
        r = job({u"list"_s});
        QVERIFY2(r.out.contains(QRegularExpression(u"nightly2 .* disabled +no: disabled by you\n"_s)),
                 qPrintable(r.out));
        r = job({u"disable"_s, u"nightly2"_s, u"--reason"_s, u"waiting for CI"_s});
        QCOMPARE(r.code, 0);
        o = QJsonDocument::fromJson(job({u"list"_s, u"--json"_s}).out.toUtf8()).array().first().toObject();
        QCOMPARE(o.value(u"enabled"_s), QJsonValue(false));
        QCOMPARE(o.value(u"disabledReason"_s).toString(), u"waiting for CI"_s);
        QVERIFY(o.value(u"next"_s).isNull());
        r = job({u"show"_s, u"nightly2"_s});
        QVERIFY2(r.out.contains(u"next runs, once enabled:\n"_s), qPrintable(r.out));
        r = job({u"enable"_s, u"nightly2"_s});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.startsWith(u"nightly2: runs next at "_s), qPrintable(r.out));
        j = stored(u"nightly2"_s);
        QVERIFY(j->enabled && j->disabledReason.isEmpty());

        // add --disabled
        r = job(QStringList{u"add"_s, u"later"_s, u"--disabled"_s} + needs(u"on start"_s, u"UTC"_s) +
                QStringList{u"--prompt"_s, u"x"_s});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(!stored(u"later"_s)->enabled);

        // remove
        QCOMPARE(job({u"remove"_s, u"nightly2"_s}).code, 0);
        QCOMPARE(job({u"remove"_s, u"later"_s}).code, 0);
        r = job({u"list"_s, u"--json"_s});
        QCOMPARE(r.code, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).array().size(), 0);
        QCOMPARE(job({u"remove"_s, u"later"_s}).code, 2);
    }

    // The next run is in the job's own zone, whatever the system's; "on start" and a schedule that
    // never fires say so.
    void nextRunInTheJobsZone()
    {
        const QStringList prompt{u"--prompt"_s, u"x"_s};
        QCOMPARE(
            job(QStringList{u"add"_s, u"kolkata"_s} + needs(u"0 3 * * *"_s, u"Asia/Kolkata"_s) + prompt).code,
            0);
        QCOMPARE(job(QStringList{u"add"_s, u"boot"_s} + needs(u"on start"_s, u"UTC"_s) + prompt).code, 0);
        QCOMPARE(job(QStringList{u"add"_s, u"feb30"_s} + needs(u"0 0 30 2 *"_s, u"UTC"_s) + prompt).code, 0);
        const Run r = job({u"list"_s});
        QCOMPARE(r.code, 0);
        const QRegularExpressionMatch m =
            QRegularExpression(
                uR"(\nkolkata +builder +0 3 \* \* \* \(Asia/Kolkata\) +(\d{4}-\d\d-\d\dT03:00:00\+05:30) +yes\n)"_s)
                .match(r.out);
        QVERIFY2(m.hasMatch(), qPrintable(r.out));
        const QDateTime next = instant(m.captured(1));
        QVERIFY(next > QDateTime::currentDateTimeUtc());
        QVERIFY(next <= QDateTime::currentDateTimeUtc().addDays(1));
        QVERIFY2(r.out.contains(QRegularExpression(u"\nboot .* on start +yes\n"_s)), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(u"\nfeb30 .* never +yes\n"_s)), qPrintable(r.out));
        const QJsonArray all = QJsonDocument::fromJson(job({u"list"_s, u"--json"_s}).out.toUtf8()).array();
        QCOMPARE(all.size(), 3);
        QCOMPARE(all[0].toObject().value(u"next"_s).toString(), m.captured(1));
        QVERIFY(all[1].toObject().value(u"next"_s).isNull());
        QVERIFY(all[2].toObject().value(u"next"_s).isNull());
    }

    void badScheduleShowsTheColumn()
    {
        Run r = job(QStringList{u"add"_s, u"nightly"_s} + needs(u"0 61 * * *"_s, u"UTC"_s) +
                    QStringList{u"--prompt"_s, u"x"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains(
                u"paddockctl job add: --schedule: column 3: 61 is out of range for the hour field (0-23)\n"
                "  0 61 * * *\n    ^^\n"_s),
            qPrintable(r.err));
        QVERIFY(!QFile::exists(jobsPath()));

        QCOMPARE(job(QStringList{u"add"_s, u"nightly"_s} + needs(u"@daily"_s, u"UTC"_s) +
                     QStringList{u"--prompt"_s, u"x"_s})
                     .code,
                 0);
        const QByteArray before = fileBytes(jobsPath());
        r = job({u"edit"_s, u"nightly"_s, u"--schedule"_s, u"0 0 * * MON#2"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"column 12: \"#\""_s) &&
                     r.err.contains(u"\n  0 0 * * MON#2\n             ^\n"_s),
                 qPrintable(r.err));
        r = job({u"edit"_s, u"nightly"_s, u"--tz"_s, u"Mars/Olympus"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"unknown time zone \"Mars/Olympus\""_s) && r.err.contains(u"(--tz)"_s),
                 qPrintable(r.err));
        QCOMPARE(fileBytes(jobsPath()), before);
    }

    void unknownPersona()
    {
        const Run r = job({u"add"_s, u"nightly"_s, u"--persona"_s, u"ghost"_s, u"--repository"_s, u"repo"_s,
                           u"--schedule"_s, u"@daily"_s, u"--prompt"_s, u"x"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains(u"paddockctl job add: there is no persona \"ghost\"; the personas are builder"_s),
            qPrintable(r.err));
        QVERIFY(!QFile::exists(jobsPath()));
    }

    void unknownJob_data()
    {
        QTest::addColumn<QStringList>("args");
        for (const QString &command : {u"show"_s, u"edit"_s, u"remove"_s, u"enable"_s, u"disable"_s})
            QTest::newRow(qPrintable(command))
                << (command == u"edit"_s ? QStringList{command, u"ghost"_s, u"--retries"_s, u"1"_s}
                                         : QStringList{command, u"ghost"_s});
    }

    void unknownJob()
    {
        QFETCH(QStringList, args);
        const Run r = job(args);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err, u"paddockctl job %1: there is no job \"ghost\" (see paddockctl job list)\n"_s.arg(
                            args.first()));
    }

    // A jobs.json that cannot be used is reported with file:line:column, exit 1, and stays as it was.
    void brokenJobsFileIsLeftAlone_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("where");
        QTest::newRow("not JSON") << QByteArray("{\"version\": 1,\n \"jobs\": [\n  {\"name\": \"a\",,}\n]}\n")
                                  << u"jobs.json:3:"_s;
        QTest::newRow("bad schedule")
            << QByteArray(
                   "{\"version\": 1, \"jobs\": [\n {\"name\": \"a\", \"persona\": \"builder\", "
                   "\"repository\": "
                   "\"/r\", \"prompt\": \"x\", \"timeZone\": \"UTC\",\n  \"schedule\": \"0 25 * * *\"}]}\n")
            << u"jobs.json:3:18: job \"a\": schedule \"0 25 * * *\": column 3"_s;
    }

    void brokenJobsFileIsLeftAlone()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, where);
        QVERIFY(writeFile(jobsPath(), text));
        const QList<QStringList> commands{
            {u"list"_s},
            {u"list"_s, u"--json"_s},
            {u"show"_s, u"a"_s},
            QStringList{u"add"_s, u"b"_s} + needs(u"@daily"_s, u"UTC"_s) + QStringList{u"--prompt"_s, u"x"_s},
            {u"edit"_s, u"a"_s, u"--retries"_s, u"1"_s},
            {u"remove"_s, u"a"_s},
            {u"enable"_s, u"a"_s},
            {u"disable"_s, u"a"_s},
        };
        for (const QStringList &args : commands) {
            const Run r = job(args);
            QVERIFY2(r.code == 1, qPrintable(args.join(u' ') + u": "_s + r.err));
            QVERIFY2(r.err.contains(where), qPrintable(r.err));
            QVERIFY(r.out.isEmpty());
            QCOMPARE(fileBytes(jobsPath()), text);
        }
        QVERIFY(!QFile::exists(jobsPath() + u".bak"_s));
    }

    void promptOrCommand()
    {
        const QStringList base = QStringList{u"add"_s, u"nightly"_s} + needs(u"@daily"_s, u"UTC"_s);
        Run r = job(base + QStringList{u"--prompt"_s, u"x"_s, u"--command"_s, u"--"_s, u"make"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"give --prompt or --command, not both"_s), qPrintable(r.err));
        r = job(base);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"--prompt TEXT"_s) && r.err.contains(u"--command -- CMD ARGS"_s),
                 qPrintable(r.err));
        r = job(base + QStringList{u"--"_s, u"make"_s, u"test"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"--command -- make test"_s), qPrintable(r.err));
        r = job(base + QStringList{u"--command"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"--command wants the command after --"_s), qPrintable(r.err));
        r = job(base + QStringList{u"--agent"_s, u"codex"_s, u"--command"_s, u"--"_s, u"make"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"a command runs without an agent"_s), qPrintable(r.err));
        QVERIFY(!QFile::exists(jobsPath()));
        // A command alone is a job.
        r = job(base + QStringList{u"--command"_s, u"--"_s, u"make"_s, u"test"_s});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(stored(u"nightly"_s)->command, (QStringList{u"make"_s, u"test"_s}));
        QVERIFY2(job({u"show"_s, u"nightly"_s}).out.contains(u"command:"_s), "show names the command");
    }

    // Values that are not acceptable say which option, exit 2, and change nothing.
    void badValues_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("message");
        QTest::newRow("timeout not a number")
            << QStringList{u"--timeout"_s, u"soon"_s} << u"--timeout wants a whole number, not \"soon\""_s;
        QTest::newRow("timeout 0") << QStringList{u"--timeout"_s, u"0"_s} << u"(--timeout)"_s;
        QTest::newRow("retries") << QStringList{u"--retries"_s, u"11"_s} << u"(--retries)"_s;
        QTest::newRow("cost too high")
            << QStringList{u"--hard-cost"_s, u"2000000"_s} << u"--hard-cost wants"_s;
        QTest::newRow("cost nan") << QStringList{u"--soft-cost"_s, u"nan"_s} << u"--soft-cost wants"_s;
        QTest::newRow("soft above hard")
            << QStringList{u"--soft-tokens"_s, u"10"_s, u"--hard-tokens"_s, u"5"_s} << u"would never warn"_s;
        QTest::newRow("overlap") << QStringList{u"--overlap"_s, u"sometimes"_s}
                                 << u"--overlap \"sometimes\": use forbid, allow or replace"_s;
        QTest::newRow("catch-up") << QStringList{u"--catch-up"_s, u"none"_s} << u"use skip, latest or all"_s;
        QTest::newRow("effort") << QStringList{u"--effort"_s, u"extreme"_s} << u"(--effort)"_s;
        QTest::newRow("unquoted schedule")
            << QStringList{u"--schedule"_s, u"0"_s, u"2"_s, u"*"_s} << u"quote a schedule"_s;
        QTest::newRow("no repository")
            << QStringList{u"--repository"_s, u"nowhere"_s} << u"is not a folder"_s;
        QTest::newRow("not a repository")
            << QStringList{u"--repository"_s, u"/"_s} << u"is not a git repository"_s;
        QTest::newRow("bad name") << QStringList{u"--rename"_s, u"Nightly Job"_s} << u"is not a job name"_s;
        QTest::newRow("name taken") << QStringList{u"--rename"_s, u"other"_s} << u"exists already"_s;
    }

    void badValues()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, message);
        for (const QString &name : {u"nightly"_s, u"other"_s})
            QCOMPARE(job(QStringList{u"add"_s, name} + needs(u"@daily"_s, u"UTC"_s) +
                         QStringList{u"--prompt"_s, u"x"_s})
                         .code,
                     0);
        const QByteArray before = fileBytes(jobsPath());
        Run r = job(QStringList{u"edit"_s, u"nightly"_s} + options);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(fileBytes(jobsPath()), before);
        if (options.first() == u"--rename"_s)
            return;
        r = job(QStringList{u"add"_s, u"third"_s} + needs(u"@daily"_s, u"UTC"_s) +
                QStringList{u"--prompt"_s, u"x"_s} + options);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(fileBytes(jobsPath()), before);
        r = job(QStringList{u"add"_s, u"nightly"_s} + needs(u"@daily"_s, u"UTC"_s) +
                QStringList{u"--prompt"_s, u"x"_s});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(u"a job named \"nightly\" exists already"_s), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestPaddockctlJob)
#include "test_paddockctl_job.moc"
