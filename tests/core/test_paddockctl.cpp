// paddockctl as a user runs it: --version, serve until SIGTERM/SIGINT, errors for bad commands.
#include <QElapsedTimer>
#include <QFile>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

class TestPaddockctl : public QObject
{
    Q_OBJECT

    QString ctl() const { return qEnvironmentVariable("PADDOCKCTL"); }

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(ctl()), "PADDOCKCTL must name the built paddockctl"); }

    void version()
    {
        QProcess p;
        p.start(ctl(), {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
                 QStringLiteral("paddock " PADDOCK_VERSION));
    }

    void unknownCommandIsAnError()
    {
        QProcess p;
        p.start(ctl(), {QStringLiteral("frobnicate")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("frobnicate")) && err.contains(QStringLiteral("--help")),
                 qPrintable(err));
    }

    void imageStatusOfAMissingImage()
    {
        const QString tag =
            QStringLiteral("localhost/paddock-image-missing-%1:1").arg(QCoreApplication::applicationPid());
        QProcess p;
        p.start(ctl(), {QStringLiteral("image"), QStringLiteral("status"), QStringLiteral("--tag"), tag});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(tag + QStringLiteral(" does not exist in the container engine")),
                 qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("paddockctl image build --tag ") + tag), qPrintable(err));
        QVERIFY(p.readAllStandardOutput().isEmpty());

        QProcess unknown;
        unknown.start(ctl(), {QStringLiteral("image"), QStringLiteral("pull")});
        QVERIFY(unknown.waitForFinished(10000));
        QCOMPARE(unknown.exitCode(), 2);
        QVERIFY(
            QString::fromUtf8(unknown.readAllStandardError()).contains(QStringLiteral("build and status")));

        QProcess help;
        help.start(ctl(), {QStringLiteral("--help")});
        QVERIFY(help.waitForFinished(10000));
        QVERIFY(
            QString::fromUtf8(help.readAllStandardOutput()).contains(QStringLiteral("image build|status")));
    }

    // Every command group and every command in it answers --help and -h with its usage, naming
    // it, on stdout with exit 0; a group's usage lists exactly the commands below (a command added
    // without help, or without a row here, fails).
    void helpForEveryCommand_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QStringList>("subcommands"); // what a group's usage lists
        const QList<QStringList> groups{
            {u"audit"_s, u"verify"_s, u"tail"_s, u"export"_s},
            {u"policy"_s, u"validate"_s, u"authorize"_s, u"test"_s, u"format"_s, u"check"_s},
            {u"policy check"_s, u"git-push"_s},
            {u"persona"_s, u"list"_s, u"start"_s, u"stop"_s, u"restart"_s, u"logs"_s, u"attach"_s},
            {u"workspace"_s, u"create"_s, u"list"_s},
            {u"image"_s, u"build"_s, u"status"_s},
            {u"proxy"_s, u"listen"_s, u"status"_s},
            {u"schedule"_s, u"next"_s},
            {u"job"_s, u"list"_s, u"show"_s, u"add"_s, u"edit"_s, u"remove"_s, u"enable"_s, u"disable"_s,
             u"run"_s, u"history"_s},
        };
        QStringList groupNames;
        for (const QStringList &group : groups)
            groupNames << group.first();
        QTest::newRow("serve") << QStringList{u"serve"_s} << QStringList();
        for (const QStringList &group : groups) {
            const QStringList words = group.first().split(u' ');
            QTest::newRow(qPrintable(group.first())) << words << group.mid(1);
            for (const QString &command : group.mid(1))
                if (!groupNames.contains(group.first() + u' ' + command)) // a group of its own
                    QTest::newRow(qPrintable(group.first() + u' ' + command))
                        << words + QStringList{command} << QStringList();
        }
    }

    void helpForEveryCommand()
    {
        QFETCH(QStringList, command);
        QFETCH(QStringList, subcommands);
        const QString name = u"paddockctl "_s + command.join(u' ');
        for (const QString &flag : {u"--help"_s, u"-h"_s}) {
            QProcess p;
            p.start(ctl(), command + QStringList{flag});
            QVERIFY(p.waitForFinished(10000));
            const QString out = QString::fromUtf8(p.readAllStandardOutput());
            QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
            QVERIFY2(out.contains(u"Usage: "_s + name + u' '), qPrintable(out));
            if (subcommands.isEmpty())
                continue;
            // The commands listed under "Commands:", up to the blank line.
            QStringList listed;
            const QStringList lines = out.section(u"Commands:\n"_s, 1).section(u"\n\n"_s, 0, 0).split(u'\n');
            for (const QString &line : lines)
                listed << line.simplified().section(u' ', 0, 0);
            QCOMPARE(listed, subcommands);
        }
        if (subcommands.isEmpty())
            return;
        if (command.size() == 1) { // paddockctl --help names every group with its commands
            QProcess top;
            top.start(ctl(), {u"--help"_s});
            QVERIFY(top.waitForFinished(10000));
            const QString text = QString::fromUtf8(top.readAllStandardOutput());
            QVERIFY2(text.contains(command.first() + u' ' + subcommands.join(u'|')), qPrintable(text));
        }
        // A group without a command shows the same usage, as a usage error.
        QProcess bare;
        bare.start(ctl(), command);
        QVERIFY(bare.waitForFinished(10000));
        QCOMPARE(bare.exitCode(), 2);
        QVERIFY(QString::fromUtf8(bare.readAllStandardError()).contains(u"Usage: "_s + name));
        QProcess unknown;
        unknown.start(ctl(), command + QStringList{u"frobnicate"_s});
        QVERIFY(unknown.waitForFinished(10000));
        QCOMPARE(unknown.exitCode(), 2);
        const QString err = QString::fromUtf8(unknown.readAllStandardError());
        QVERIFY2(err.contains(u"unknown command \"frobnicate\""_s) && err.contains(subcommands.last()) &&
                     err.contains(name + u" --help"_s),
                 qPrintable(err));
    }

    // A command's own usage errors are exit 2 with a pointer to its help (not Qt's exit 1).
    void unknownOptionIsAUsageError()
    {
        QProcess p;
        p.start(ctl(), {u"workspace"_s, u"list"_s, u"--frobnicate"_s});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(u"frobnicate"_s) && err.contains(u"paddockctl workspace list --help"_s),
                 qPrintable(err));
    }

    void speaksGermanInAGermanLocale()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
        env.insert(QStringLiteral("LANG"), QStringLiteral("de_DE.UTF-8"));
        p.setProcessEnvironment(env);
        p.start(ctl(), {QStringLiteral("frobnicate")});
        QVERIFY(p.waitForFinished(10000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("unbekannter Befehl „frobnicate“")), qPrintable(err));
    }

    void scheduleNext()
    {
        auto run = [&](const QStringList &args, QString *out, QString *errOut = nullptr) {
            QProcess p;
            p.start(ctl(), QStringList{u"schedule"_s, u"next"_s} + args);
            p.waitForFinished(20000);
            *out = QString::fromUtf8(p.readAllStandardOutput());
            if (errOut)
                *errOut = QString::fromUtf8(p.readAllStandardError());
            return p.exitCode();
        };
        QString out, err;
        // 02:30 does not exist in Berlin on 2021-03-28: the job runs at 03:00.
        QCOMPARE(run({u"30 2 * * *"_s, u"--tz"_s, u"Europe/Berlin"_s, u"--from"_s, u"2021-03-27T12:00:00Z"_s,
                      u"--count"_s, u"2"_s},
                     &out),
                 0);
        QCOMPARE(out, u"2021-03-28T03:00:00+02:00\n2021-03-29T02:30:00+02:00\n"_s);
        // Fields as separate arguments; a local --from in the zone.
        QCOMPARE(run({u"0"_s, u"4"_s, u"*"_s, u"*"_s, u"*"_s, u"--tz"_s, u"Europe/Moscow"_s, u"--from"_s,
                      u"2021-03-28T01:00"_s},
                     &out),
                 0);
        QCOMPARE(out, u"2021-03-28T04:00:00+03:00\n"_s);
        QCOMPARE(run({u"0 0 30 2 *"_s, u"--tz"_s, u"UTC"_s}, &out), 0);
        QCOMPARE(out, u"never\n"_s);
        QCOMPARE(run({u"0 0 29 2 *"_s, u"--tz"_s, u"UTC"_s, u"--from"_s, u"2025-01-01T00:00Z"_s, u"--count"_s,
                      u"1"_s},
                     &out),
                 0);
        QCOMPARE(out, u"2028-02-29T00:00:00+00:00\n"_s);
        // A bad expression: exit 2, the column and the reason, and where it is.
        QCOMPARE(run({u"0 61 * * *"_s, u"--tz"_s, u"UTC"_s}, &out, &err), 2);
        QVERIFY2(err.contains(u"column 3: 61 is out of range for the hour field (0-23)"_s), qPrintable(err));
        QVERIFY2(err.contains(u"  0 61 * * *\n    ^^\n"_s), qPrintable(err));
        QCOMPARE(run({u"0 0 * * * *"_s, u"--tz"_s, u"UTC"_s}, &out, &err), 2);
        QVERIFY2(err.contains(u"6 fields"_s), qPrintable(err));
        QCOMPARE(run({u"@daily"_s, u"--tz"_s, u"Mars/Olympus"_s}, &out, &err), 2);
        QVERIFY2(err.contains(u"Mars/Olympus"_s), qPrintable(err));
        QCOMPARE(run({u"@daily"_s, u"--from"_s, u"yesterday"_s}, &out, &err), 2);
        QVERIFY2(err.contains(u"--from"_s), qPrintable(err));
    }

    void policyCommands()
    {
        QTemporaryDir dir;
        auto write = [&](const QString &name, const QByteArray &text) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        auto run = [&](const QStringList &args, QByteArray *out = nullptr, QByteArray *errOut = nullptr) {
            QProcess p;
            p.start(ctl(), QStringList{QStringLiteral("policy")} + args);
            p.waitForFinished(20000);
            if (out)
                *out = p.readAllStandardOutput();
            if (errOut)
                *errOut = p.readAllStandardError();
            return p.exitCode();
        };
        write(QStringLiteral("schema.cedarschema"),
              "entity User = { age: Long }; action view appliesTo { principal: [User], resource: [User] };");
        write(QStringLiteral("good.cedar"),
              "permit(principal, action == Action::\"view\", resource)   when {principal.age>=18};");
        write(QStringLiteral("bad.cedar"),
              "permit(principal, action, resource)\nwhen { principal.agee > 1 };");
        const QString schema = dir.filePath(QStringLiteral("schema.cedarschema"));
        QByteArray out, err;
        QCOMPARE(run({QStringLiteral("validate"), QStringLiteral("--schema"), schema,
                      dir.filePath(QStringLiteral("good.cedar"))},
                     &out),
                 0);
        QCOMPARE(run({QStringLiteral("validate"), QStringLiteral("--schema"), schema,
                      dir.filePath(QStringLiteral("bad.cedar"))},
                     &out, &err),
                 1);
        QVERIFY2(err.contains("bad.cedar:2:8:") && err.contains("did you mean `age`"), err.constData());
        QVERIFY(err.contains("^")); // the line, with a caret

        // authorize: the decision and its reason, as text and JSON; exit 0 allow, 1 deny.
        write(QStringLiteral("entities.json"),
              R"([{"uid": {"type": "User", "id": "a"}, "attrs": {"age": 30}, "parents": []}])");
        const QStringList request{QStringLiteral("authorize"),
                                  QStringLiteral("--policies"),
                                  dir.filePath(QStringLiteral("good.cedar")),
                                  QStringLiteral("--entities"),
                                  dir.filePath(QStringLiteral("entities.json")),
                                  QStringLiteral("--principal"),
                                  QStringLiteral("User::\"a\""),
                                  QStringLiteral("--action"),
                                  QStringLiteral("Action::\"view\""),
                                  QStringLiteral("--resource"),
                                  QStringLiteral("User::\"a\""),
                                  QStringLiteral("--json")};
        QCOMPARE(run(request, &out), 0);
        QCOMPARE(out.trimmed(), QByteArray(R"({"decision":"allow","errors":[],"reason":["policy0"]})"));

        // format: canonical text; --check names what is not formatted; --write fixes it.
        QCOMPARE(run({QStringLiteral("format"), QStringLiteral("--check"),
                      dir.filePath(QStringLiteral("good.cedar"))},
                     &out, &err),
                 1);
        QCOMPARE(run({QStringLiteral("format"), QStringLiteral("--write"),
                      dir.filePath(QStringLiteral("good.cedar"))}),
                 0);
        QCOMPARE(run({QStringLiteral("format"), QStringLiteral("--check"),
                      dir.filePath(QStringLiteral("good.cedar"))}),
                 0);
        QFile formatted(dir.filePath(QStringLiteral("good.cedar")));
        QVERIFY(formatted.open(QIODevice::ReadOnly));
        QCOMPARE(
            formatted.readAll(),
            QByteArray(
                "permit (principal, action == Action::\"view\", resource)\nwhen { principal.age >= 18 };\n"));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("good.cedar.bak"))));
    }

    // The pre-receive hook's question, for a persona and for a job of it: the job may push only
    // its run's own branch (the shipped jobs-* policies), whatever its persona may; both audited.
    void gitPushAsAJob()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(u"config"_s), data = dir.filePath(u"data"_s);
        QDir().mkpath(data);
        auto push = [&](const QString &ref, const QStringList &job, QByteArray *errOut = nullptr) {
            QProcess p;
            p.start(ctl(), QStringList{u"policy"_s, u"check"_s, u"git-push"_s, u"--config"_s, config,
                                       u"--data-dir"_s, data, u"--persona"_s, u"agent"_s, u"--repo"_s, u"app"_s,
                                       u"--ref"_s, ref} +
                               job);
            p.waitForFinished(30000);
            if (errOut)
                *errOut = p.readAllStandardError();
            return p.exitCode();
        };
        const QStringList nightly{u"--job"_s, u"nightly"_s, u"--job-branch"_s, u"agent/job-nightly-3"_s};
        QByteArray err;
        QCOMPARE(push(u"refs/heads/ai/x"_s, {}, &err), 0);
        QCOMPARE(push(u"refs/heads/agent/job-nightly-3"_s, nightly, &err), 0);
        QCOMPARE(push(u"refs/heads/ai/x"_s, nightly, &err), 1);
        QVERIFY2(err.contains("job nightly of persona agent") && err.contains("jobs-push-only-their-branch"),
                 err.constData());
        QCOMPARE(push(u"refs/heads/main"_s, nightly, &err), 1);
        // Another job's branch, or its own with --delete, is not its to push.
        QCOMPARE(push(u"refs/heads/agent/job-nightly-3"_s,
                      {u"--job"_s, u"weekly"_s, u"--job-branch"_s, u"agent/job-weekly-4"_s}),
                 1);
        QCOMPARE(push(u"refs/heads/agent/job-nightly-3"_s, nightly + QStringList{u"--delete"_s}), 1);
    }

    void serveRunsUntilSignalled_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("SIGTERM") << SIGTERM;
        QTest::newRow("SIGINT") << SIGINT;
    }

    void serveRunsUntilSignalled()
    {
        QFETCH(int, signalNumber);
        QTemporaryDir config;
        QProcess p;
        p.start(ctl(), {QStringLiteral("--config-dir"), config.path(), QStringLiteral("serve")});
        QVERIFY(p.waitForStarted());
        QElapsedTimer clock;
        clock.start();
        QByteArray out;
        while (!out.contains("engine ready") && clock.elapsed() < 10000) {
            p.waitForReadyRead(200);
            out += p.readAllStandardOutput();
        }
        QVERIFY2(out.contains("engine ready"), out.constData());
        QVERIFY(out.contains(config.path().toUtf8())); // says where its configuration is
        QTest::qWait(200);
        QCOMPARE(p.state(), QProcess::Running); // it keeps running
        ::kill(pid_t(p.processId()), signalNumber);
        QVERIFY(p.waitForFinished(10000));
        out += p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(out.contains("stopped"), out.constData());
    }

    // Two engines on one configuration (the systemd service and a second serve, or the app): one
    // runs the jobs, the other follows it, and takes over the moment it ends.
    void twoServesRunTheJobsOnce()
    {
        QTemporaryDir config;
        const auto serve = [&](QProcess &p) {
            p.start(ctl(), {QStringLiteral("--config-dir"), config.path(), QStringLiteral("serve")});
            return p.waitForStarted();
        };
        const auto waitFor = [](QProcess &p, QByteArray &out, const QByteArray &text) {
            QElapsedTimer clock;
            clock.start();
            while (!out.contains(text) && clock.elapsed() < 15000) {
                p.waitForReadyRead(200);
                out += p.readAllStandardOutput();
            }
            return out.contains(text);
        };
        QProcess first, second;
        QByteArray out1, out2;
        QVERIFY(serve(first));
        QVERIFY2(waitFor(first, out1, "running the jobs of this configuration"), out1.constData());
        QVERIFY(serve(second));
        QVERIFY2(waitFor(second, out2, "another Paddock runs the jobs; following it"), out2.constData());
        QVERIFY(!out2.contains("running the jobs of this configuration"));
        ::kill(pid_t(first.processId()), SIGTERM);
        QVERIFY(first.waitForFinished(10000));
        QVERIFY2(waitFor(second, out2, "running the jobs of this configuration"), out2.constData());
        ::kill(pid_t(second.processId()), SIGTERM);
        QVERIFY(second.waitForFinished(10000));
        QCOMPARE(second.exitCode(), 0);
    }

    void serveReportsABrokenSettingsFileButRuns()
    {
        QTemporaryDir config;
        QFile f(config.filePath(QStringLiteral("settings.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"version\": 1,\n \"closeToTray\": maybe}");
        f.close();
        QProcess p;
        p.start(ctl(), {QStringLiteral("--config-dir"), config.path(), QStringLiteral("serve")});
        QVERIFY(p.waitForStarted());
        QElapsedTimer clock;
        clock.start();
        QByteArray err;
        while (!err.contains("settings.json:2:") && clock.elapsed() < 10000) {
            p.waitForReadyRead(200);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("settings.json:2:"), err.constData());
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPaddockctl)
#include "test_paddockctl.moc"
