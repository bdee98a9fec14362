// paddockctl as a user runs it: --version, serve until SIGTERM/SIGINT, errors for bad commands.
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

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
