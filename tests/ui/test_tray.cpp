// The tray as a user meets it: a real X server (Xvfb) with a real tray host (stalonetray), both
// started by scripts/test.
#include "DesktopShell.h"
#include "FileSizeLimit.h"
#include "Icons.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "audit/AuditStore.h"
#include "audit/DenyNotifier.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "runtime/PersonaRuntime.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QProcess>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestTray : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<DesktopShell> m_shell;

    MainWindow *window() const { return m_shell->mainWindow(); }
    TrayIcon *tray() const { return m_shell->tray(); }

private slots:
    void initTestCase()
    {
        QVERIFY2(qEnvironmentVariableIsSet("DISPLAY"),
                 "needs an X display with a system tray; run through scripts/test (Xvfb + stalonetray)");
        QTRY_VERIFY2_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(),
                                  "no system tray host on this display", 10000);
    }

    void init()
    {
        m_settings = std::make_unique<Settings>(m_dir.filePath(
            QStringLiteral("settings-%1.json").arg(QString::fromLatin1(QTest::currentTestFunction()))));
        m_engine = std::make_unique<Engine>();
        m_engine->start();
        m_shell = std::make_unique<DesktopShell>(*m_settings, *m_engine, nullptr);
        m_shell->start(false);
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        QTRY_VERIFY(tray()->isVisible());
    }

    void cleanup()
    {
        m_shell.reset();
        m_engine.reset();
        m_settings.reset();
    }

    void iconAndMenuShowTheEngineState()
    {
        QTRY_COMPARE(m_engine->state(), Engine::State::Running);
        QSystemTrayIcon *icon = tray()->systemTrayIcon();
        QVERIFY(!icon->icon().isNull());
        const qint64 normal = icon->icon().cacheKey();
        QVERIFY(icon->toolTip().contains(Engine::stateName(Engine::State::Running)));
        QVERIFY(tray()->statusAction()->text().contains(Engine::stateName(Engine::State::Running)));
        QVERIFY(!tray()->statusAction()->isEnabled()); // a status line, not a command

        m_engine->reportProblem(QStringLiteral("p"),
                                Error{Error::Code::Io, QStringLiteral("disk full"), {}, {}});
        QVERIFY(icon->icon().cacheKey() != normal); // the warning variant
        QVERIFY(tray()->statusAction()->text().contains(QStringLiteral("1 problem")));
        m_engine->clearProblem(QStringLiteral("p"));
        QVERIFY(tray()->statusAction()->text().contains(Engine::stateName(Engine::State::Running)));
    }

    void iconFollowsTheAuditLog()
    {
        QTRY_COMPARE(m_engine->health(), Engine::Health::Ok);
        QSystemTrayIcon *icon = tray()->systemTrayIcon();
        auto looksLike = [icon](Engine::Health health) {
            return icon->icon().pixmap(22, 22).toImage() == Icons::tray(health).pixmap(22, 22).toImage();
        };
        QVERIFY(looksLike(Engine::Health::Ok));
        QVERIFY(!looksLike(Engine::Health::Error));
        QVERIFY(!tray()->statusAction()->text().contains(QStringLiteral("Audit log failing")));

        // Audit events that cannot be written, for real: as root permissions stop nothing, but a
        // file size limit does (writes past it fail with EFBIG).
        FileSizeLimit limit(512);
        QVERIFY(limit.isSet());
        m_engine->auditStore()->append(AuditEvent::user(QStringLiteral("test.event")));
        QTRY_VERIFY(m_engine->isAuditFailing());
        QVERIFY(limit.lift()); // (the store retries with a growing delay)
        QVERIFY(looksLike(Engine::Health::Error));
        QVERIFY(tray()->statusAction()->text().contains(QStringLiteral("Audit log failing")));
        QVERIFY(icon->toolTip().contains(QStringLiteral("Audit log failing")));

        QTRY_VERIFY_WITH_TIMEOUT(!m_engine->isAuditFailing(), 10000);
        QTRY_COMPARE(m_engine->health(), Engine::Health::Ok);
        QVERIFY(looksLike(Engine::Health::Ok));
        QVERIFY(!tray()->statusAction()->text().contains(QStringLiteral("Audit log failing")));
    }

    void aBurstOfDeniesIsToldAndOpensTheAuditLog()
    {
        QTRY_COMPARE(m_engine->state(), Engine::State::Running);
        QSignalSpy notified(m_shell->denyNotifier(), &DenyNotifier::notify);
        QSignalSpy audit(tray(), &TrayIcon::auditRequested);
        AuditStore *store = m_engine->auditStore();
        for (int i = 0; i < 12; ++i) {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = i < 9 ? QStringLiteral("agent") : QStringLiteral("web");
            e.action = QStringLiteral("connect");
            e.resource = QStringLiteral("evil.example:443");
            e.decision = AuditEvent::Decision::Deny;
            store->append(std::move(e));
        }
        QTRY_COMPARE(notified.count(), 1);
        QVERIFY(notified.at(0).at(1).toString().contains(QStringLiteral("agent: ")));

        // The "still running" notice is not about denies: clicking it opens nothing.
        tray()->showHiddenNotice();
        emit tray() -> systemTrayIcon()->messageClicked();
        QCOMPARE(audit.count(), 0);

        tray()->showDenyNotification(notified.at(0).at(0).toString(), notified.at(0).at(1).toString());
        window()->hide();
        QVERIFY(!window()->isVisible());
        emit tray() -> systemTrayIcon()->messageClicked(); // as the tray host does on a click
        QCOMPARE(audit.count(), 1);
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        QCOMPARE(window()->currentPageId(), QStringLiteral("audit"));
    }

    void aFailedPersonaActionIsToldWhileTheWindowIsHidden()
    {
        PersonaRuntime *runtime = m_engine->personaRuntime();
        QVERIFY(runtime);
        QSignalSpy personas(tray(), &TrayIcon::personasRequested);
        const Error error{Error::Code::NotFound, QStringLiteral("the image x is not there"), {}, {}};
        // With the window open the card says it: no notification.
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        emit runtime->actionFailed(QStringLiteral("dev"), QStringLiteral("start"), error);
        QVERIFY(tray()->lastActionFailure().isEmpty());
        window()->hide();
        emit runtime->actionFailed(QStringLiteral("dev"), QStringLiteral("start"), error);
        QCOMPARE(tray()->lastActionFailure(), QStringLiteral("Could not start dev"));
        emit tray() -> systemTrayIcon()->messageClicked();
        QCOMPARE(personas.count(), 1);
    }

    void menuShowsAndHidesTheWindow()
    {
        QAction *toggle = tray()->toggleAction();
        emit tray() -> menu()->aboutToShow();
        QCOMPARE(toggle->text(), QStringLiteral("&Hide Paddock"));
        toggle->trigger();
        QTRY_VERIFY(!window()->isVisible());
        QCOMPARE(toggle->text(), QStringLiteral("&Show Paddock"));
        toggle->trigger();
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        QCOMPARE(toggle->text(), QStringLiteral("&Hide Paddock"));
    }

    void clickingTheIconTogglesTheWindow()
    {
        // A real click on the icon in the tray host, through the X server.
        QRect where;
        QTRY_VERIFY((where = tray()->systemTrayIcon()->geometry()).isValid());
        QSignalSpy activated(tray()->systemTrayIcon(), &QSystemTrayIcon::activated);
        const QPoint c = where.center();
        auto click = [&] {
            QProcess xdotool;
            xdotool.start(QStringLiteral("xdotool"),
                          {QStringLiteral("mousemove"), QString::number(c.x()), QString::number(c.y()),
                           QStringLiteral("click"), QStringLiteral("1")});
            QVERIFY(xdotool.waitForFinished(5000));
            QCOMPARE(xdotool.exitCode(), 0);
        };
        click();
        QTRY_VERIFY(!window()->isVisible());
        QVERIFY(activated.count() >= 1);
        QTest::qWait(QApplication::doubleClickInterval() + 100); // not a double click
        click();
        QVERIFY(QTest::qWaitForWindowExposed(window()));
    }

    void closingHidesToTheTrayWithANoticeOnce()
    {
        QVERIFY(m_settings->closeToTray()); // the default
        QVERIFY(!m_settings->closeToTrayNoticeShown());
        QSignalSpy quit(m_shell.get(), &DesktopShell::quitRequested);
        QVERIFY(window()->close() == false); // the close is turned into a hide
        QVERIFY(!window()->isVisible());
        QCOMPARE(quit.count(), 0);
        QVERIFY(m_settings->closeToTrayNoticeShown());

        tray()->toggleAction()->trigger();
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        QSignalSpy changed(m_settings.get(), &Settings::changed);
        window()->close();
        QVERIFY(!window()->isVisible());
        for (const auto &args : changed) // the notice is not shown (and recorded) again
            QVERIFY(args.at(0).value<Settings::Key>() != Settings::Key::CloseToTrayNoticeShown);
    }

    void closingQuitsWhenTheSettingIsOff()
    {
        m_settings->setCloseToTray(false);
        QSignalSpy quit(m_shell.get(), &DesktopShell::quitRequested);
        window()->close();
        QCOMPARE(quit.count(), 1);
        QVERIFY(!m_settings->closeToTrayNoticeShown());
    }

    void quitFromTheTrayMenu()
    {
        QSignalSpy quit(m_shell.get(), &DesktopShell::quitRequested);
        tray()->quitAction()->trigger();
        QCOMPARE(quit.count(), 1);
        // QApplication closes every window when it quits; the window must not hide and refuse then,
        // or the quit would be cancelled and Paddock would keep running.
        QVERIFY(window()->close());
        QCOMPARE(quit.count(), 1);
    }

    void personaSubmenusFollowTheRuntime()
    {
        // The engine's runtime tells the tray its personas (the defaults: there is no personas.json).
        QTRY_VERIFY(tray()->personaMenu(QStringLiteral("agent")));
        QVERIFY(tray()->personaMenu(QStringLiteral("dev")));
        QVERIFY(tray()->personaMenu(QStringLiteral("web")));
        QStringList order;
        for (QAction *a : tray()->menu()->actions())
            if (a->menu() && a->menu()->objectName().startsWith(QStringLiteral("trayPersonaMenu-")))
                order << a->menu()->objectName();
        QCOMPARE(order,
                 (QStringList{QStringLiteral("trayPersonaMenu-dev"), QStringLiteral("trayPersonaMenu-web"),
                              QStringLiteral("trayPersonaMenu-agent")}));
        QVERIFY(
            tray()->menu()->actions().indexOf(tray()->stopAllAction()) >
            tray()->menu()->actions().indexOf(tray()->personaMenu(QStringLiteral("agent"))->menuAction()));

        window()->hide();
        tray()->personasAction()->trigger();
        QVERIFY(QTest::qWaitForWindowExposed(window()));
        QCOMPARE(window()->currentPageId(), QStringLiteral("personas"));
    }

    void personaSubmenusStartStopAndStopAll()
    {
        // An engine that is not started: only what the test tells the tray.
        Settings settings(m_dir.filePath(QStringLiteral("settings-personas.json")));
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        TrayIcon *t = shell.tray();
        QVERIFY(!t->personaMenu(QStringLiteral("web")));
        const QList<Persona> personas = Persona::defaults(QStringLiteral("localhost/paddock-agent:test"));
        t->applyPersonas(personas);
        QMenu *web = t->personaMenu(QStringLiteral("web"));
        QVERIFY(web);
        auto action = [](QMenu *menu, const char *name) {
            return menu->findChild<QAction *>(QLatin1StringView(name));
        };
        QCOMPARE(web->title(), QStringLiteral("web — unknown"));
        QVERIFY(!action(web, "trayPersonaStart")->isEnabled()); // no engine yet
        QVERIFY(!t->stopAllAction()->isEnabled());

        t->applyEngine(true);
        PersonaStatus status{QStringLiteral("web")};
        status.state = PersonaStatus::State::Stopped;
        t->applyStatus(status);
        QCOMPARE(web->title(), QStringLiteral("web — stopped"));
        QCOMPARE(action(web, "trayPersonaStatus")->text(), QStringLiteral("stopped"));
        QVERIFY(!action(web, "trayPersonaStatus")->isEnabled()); // a status line, not a command
        QVERIFY(action(web, "trayPersonaStart")->isEnabled());
        QVERIFY(!action(web, "trayPersonaStop")->isEnabled());
        QVERIFY(!action(web, "trayPersonaTerminal")->isEnabled());
        QSignalSpy start(t, &TrayIcon::startPersonaRequested);
        action(web, "trayPersonaStart")->trigger();
        QCOMPARE(start.count(), 1);
        QCOMPARE(start.at(0).at(0).toString(), QStringLiteral("web"));

        status.state = PersonaStatus::State::Running;
        t->applyStatus(status);
        QCOMPARE(web->title(), QStringLiteral("web — running"));
        QVERIFY(!action(web, "trayPersonaStart")->isEnabled());
        QSignalSpy stop(t, &TrayIcon::stopPersonaRequested);
        action(web, "trayPersonaStop")->trigger();
        // Open terminal, for a running persona only; it asks the shell to open one.
        QVERIFY(action(web, "trayPersonaTerminal")->isEnabled());
        QSignalSpy terminal(t, &TrayIcon::openTerminalRequested);
        action(web, "trayPersonaTerminal")->trigger();
        QCOMPARE(terminal.count(), 1);
        QCOMPARE(terminal.at(0).at(0).toString(), QStringLiteral("web"));
        QCOMPARE(stop.count(), 1);
        QCOMPARE(stop.at(0).at(0).toString(), QStringLiteral("web"));

        status.state = PersonaStatus::State::Error;
        status.message = QStringLiteral("port 4096 is in use\nFree it.");
        t->applyStatus(status);
        QCOMPARE(action(web, "trayPersonaStatus")->text(), QStringLiteral("error: port 4096 is in use"));

        QSignalSpy stopAll(t, &TrayIcon::stopAllRequested);
        QVERIFY(t->stopAllAction()->isEnabled());
        t->stopAllAction()->trigger();
        QCOMPARE(stopAll.count(), 1);

        // A persona removed from the file leaves the menu; the others keep their state.
        t->applyPersonas({personas.at(1)});
        QVERIFY(!t->personaMenu(QStringLiteral("dev")));
        QCOMPARE(t->personaMenu(QStringLiteral("web")), web);
        QVERIFY(web->title().startsWith(QStringLiteral("web — error")));
    }

    void startMinimizedShowsOnlyTheTray()
    {
        Settings settings(m_dir.filePath(QStringLiteral("minimized.json")));
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(true);
        QTRY_VERIFY(shell.tray()->isVisible());
        QTest::qWait(200);
        QVERIFY(!shell.mainWindow()->isVisible());
        shell.activate();
        QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
    }
};

QTEST_MAIN(TestTray)
#include "test_tray.moc"
