// The paddock executable as a user starts it, on a real X server with a tray host (scripts/test).
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

class TestApp : public QObject
{
    Q_OBJECT

    QString app() const { return qEnvironmentVariable("PADDOCK_APP"); }

    static QString xdotool(const QStringList &args)
    {
        QProcess p;
        p.start(QStringLiteral("xdotool"), args);
        p.waitForFinished(5000);
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    }

    // Visible top-level windows titled "Paddock".
    static QStringList visibleWindows()
    {
        return xdotool({QStringLiteral("search"), QStringLiteral("--onlyvisible"), QStringLiteral("--name"),
                        QStringLiteral("^Paddock$")})
            .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

    static bool waitForListening()
    {
        const QDir runtime(qEnvironmentVariable("XDG_RUNTIME_DIR"));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 10000) {
            if (!runtime.entryList({QStringLiteral("paddock-*.sock")}, QDir::AllEntries | QDir::System)
                     .isEmpty())
                return true;
            QTest::qWait(50);
        }
        return false;
    }

    static void terminate(QProcess &p)
    {
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(app()), "PADDOCK_APP must name the built paddock");
        QVERIFY2(qEnvironmentVariableIsSet("DISPLAY"), "needs an X display; run through scripts/test");
    }

    void cleanup()
    {
        // Each test starts without a window left over.
        QTRY_VERIFY_WITH_TIMEOUT(visibleWindows().isEmpty(), 5000);
    }

    void version()
    {
        QProcess p;
        p.start(app(), {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
                 QStringLiteral("paddock " PADDOCK_VERSION));
    }

    void selfTestPasses()
    {
        QProcess p;
        p.start(app(), {QStringLiteral("--self-test")});
        QVERIFY(p.waitForFinished(60000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(p.exitCode() == 0, qPrintable(out + QString::fromUtf8(p.readAllStandardError())));
        QVERIFY(out.contains(QStringLiteral("ok: the main window is on screen")));
        QVERIFY(out.contains(QStringLiteral("ok: the tray icon is shown")));
        QVERIFY(out.contains(QStringLiteral("ok: Hide in the tray menu hides the window")));
        QVERIFY(out.trimmed().endsWith(QStringLiteral("self-test passed")));
    }

    void selfTestInGerman()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
        env.insert(QStringLiteral("LANG"), QStringLiteral("de_DE.UTF-8"));
        p.setProcessEnvironment(env);
        p.start(app(), {QStringLiteral("--self-test")});
        QVERIFY(p.waitForFinished(60000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(out.contains(QStringLiteral("ok: das Symbol in der Kontrollleiste wird angezeigt")),
                 qPrintable(out));
        QVERIFY(out.trimmed().endsWith(QStringLiteral("Selbsttest bestanden")));
    }

    void secondLaunchRaisesTheFirst()
    {
        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(app(), {QStringLiteral("--minimized")});
        QVERIFY(first.waitForStarted());
        QVERIFY(waitForListening());
        QTest::qWait(300);
        QVERIFY(visibleWindows().isEmpty()); // in the tray only

        QProcess second;
        second.start(app(), {});
        QVERIFY(second.waitForFinished(10000));
        QCOMPARE(second.exitCode(), 0);
        QVERIFY(
            QString::fromUtf8(second.readAllStandardOutput()).contains(QStringLiteral("already running")));
        QTRY_COMPARE_WITH_TIMEOUT(visibleWindows().size(), 1, 10000); // the first one's window
        QCOMPARE(first.state(), QProcess::Running);
        terminate(first);
    }

    void selfTestRefusesToRunBesideAnotherInstance()
    {
        QProcess first;
        first.start(app(), {QStringLiteral("--minimized")});
        QVERIFY(first.waitForStarted());
        QVERIFY(waitForListening());

        QProcess second;
        second.start(app(), {QStringLiteral("--self-test")});
        QVERIFY(second.waitForStarted());
        // Launched from a desktop there is no terminal: the reason comes in a window. Close it.
        QString box;
        QTRY_VERIFY_WITH_TIMEOUT(!(box = xdotool({QStringLiteral("search"), QStringLiteral("--onlyvisible"),
                                                  QStringLiteral("--name"), QStringLiteral("cannot start")}))
                                      .isEmpty(),
                                 10000);
        xdotool({QStringLiteral("key"), QStringLiteral("--window"), box.split(QLatin1Char('\n')).first(),
                 QStringLiteral("Return")});
        QVERIFY(second.waitForFinished(10000));
        QCOMPARE(second.exitCode(), 1);
        const QString err = QString::fromUtf8(second.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("another Paddock is running")) &&
                     err.contains(QStringLiteral("--config-dir")),
                 qPrintable(err));
        terminate(first);
    }

    void windowSizeSurvivesARestart()
    {
        QProcess p;
        p.start(app(), {});
        QVERIFY(p.waitForStarted());
        QStringList windows;
        QTRY_VERIFY_WITH_TIMEOUT(!(windows = visibleWindows()).isEmpty(), 10000);
        xdotool(
            {QStringLiteral("windowsize"), windows.first(), QStringLiteral("733"), QStringLiteral("511")});
        QTRY_VERIFY_WITH_TIMEOUT(xdotool({QStringLiteral("getwindowgeometry"), windows.first()})
                                     .contains(QStringLiteral("733x511")),
                                 5000);
        QTest::qWait(300); // let the resize reach the application
        terminate(p);      // SIGTERM quits in order, saving the window's state

        const QString settingsPath =
            qEnvironmentVariable("XDG_CONFIG_HOME") + QStringLiteral("/paddock/settings.json");
        QFile f(settingsPath);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(settingsPath));
        const QJsonObject stored = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!stored.value(QStringLiteral("mainWindowGeometry")).toString().isEmpty());

        QProcess again;
        again.start(app(), {});
        QVERIFY(again.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!(windows = visibleWindows()).isEmpty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(xdotool({QStringLiteral("getwindowgeometry"), windows.first()})
                                     .contains(QStringLiteral("733x511")),
                                 5000);
        terminate(again);
    }

    void brokenSettingsAreShownNotLost()
    {
        const QString dir = qEnvironmentVariable("XDG_CONFIG_HOME") + QStringLiteral("/paddock");
        QDir().mkpath(dir);
        QFile f(dir + QStringLiteral("/settings.json"));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        const QByteArray broken("{\"version\": 1,\n  \"closeToTray\": nope }\n");
        f.write(broken);
        f.close();
        QProcess p;
        p.start(app(), {QStringLiteral("--self-test")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0); // it still runs, with the problem on show
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("settings.json:2:")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), broken);
    }
};

QTEST_GUILESS_MAIN(TestApp)
#include "test_app.moc"
