// The main window as a user meets it (offscreen platform, so no tray: closing quits).
#include "AboutDialog.h"
#include "DesktopShell.h"
#include "LogModel.h"
#include "LogPage.h"
#include "MainWindow.h"
#include "PreferencesDialog.h"
#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "log/AppLog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString settingsPath() const { return m_dir.filePath(QStringLiteral("settings.json")); }

    template <typename Dialog> static Dialog *waitForDialog(const char *name)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 5000) {
            auto *dialog = qobject_cast<Dialog *>(QApplication::activeModalWidget());
            if (dialog && dialog->objectName() == QLatin1StringView(name) && dialog->isVisible())
                return dialog;
            QTest::qWait(10);
        }
        return nullptr;
    }

private slots:
    void opensWithItsPagesAndEngineState()
    {
        AppLog log;
        Settings settings(settingsPath());
        Engine engine;
        engine.start();
        DesktopShell shell(settings, engine, &log);
        shell.start(false);
        MainWindow *w = shell.mainWindow();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        QCOMPARE(w->windowTitle(), QStringLiteral("Paddock"));
        QCOMPARE(w->pageIds(),
                 (QStringList{QStringLiteral("dashboard"), QStringLiteral("personas"),
                              QStringLiteral("secrets"), QStringLiteral("mcp"), QStringLiteral("jobs"), QStringLiteral("policies"),
                              QStringLiteral("audit"), QStringLiteral("log")}));
        QCOMPARE(w->currentPageId(), QStringLiteral("dashboard")); // the first page
        QVERIFY(w->showPage(QStringLiteral("log")));
        QCOMPARE(w->currentPageId(), QStringLiteral("log"));
        auto *status = w->findChild<QLabel *>(QStringLiteral("engineStatus"));
        QVERIFY(status);
        QTRY_VERIFY(status->text().contains(Engine::stateName(Engine::State::Running)));

        // What Paddock logs shows up on the log page.
        auto *view = w->findChild<QTableView *>(QStringLiteral("logView"));
        QVERIFY(view && view->isVisible());
        qWarning("paddock test message 4711");
        QTRY_VERIFY(view->model()
                        ->match(view->model()->index(0, LogModel::MessageColumn), Qt::DisplayRole,
                                QStringLiteral("paddock test message 4711"))
                        .size() == 1);

        // Clear empties the page; following can be turned off and the view then stays put.
        auto *follow = w->findChild<QCheckBox *>(QStringLiteral("followCheck"));
        QVERIFY(follow && follow->isChecked());
        QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("clearLogButton")), Qt::LeftButton);
        QCOMPARE(view->model()->rowCount(), 0);
        QTest::mouseClick(follow, Qt::LeftButton);
        QVERIFY(!follow->isChecked());
        for (int i = 0; i < 200; ++i)
            qInfo("line %d", i);
        QTRY_COMPARE(view->model()->rowCount(), 200);
        QCOMPARE(view->rowAt(0), 0); // still at the top
        QTest::mouseClick(follow, Qt::LeftButton);
        QVERIFY(view->verticalScrollBar()->maximum() > 0);
        QTRY_COMPARE(view->verticalScrollBar()->value(),
                     view->verticalScrollBar()->maximum()); // back at the end
        engine.stop();
    }

    void problemsShowInABannerAndTheStatusBar()
    {
        Settings settings(settingsPath());
        Engine engine;
        engine.start();
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        MainWindow *w = shell.mainWindow();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        auto *banner = w->findChild<QWidget *>(QStringLiteral("problemBanner"));
        auto *text = w->findChild<QLabel *>(QStringLiteral("problemText"));
        QVERIFY(banner && text);
        QVERIFY(!banner->isVisible());
        engine.reportProblem(QStringLiteral("x"), Error{Error::Code::Parse, QStringLiteral("not valid JSON"),
                                                        QStringLiteral("/cfg/settings.json:3:7"),
                                                        QStringLiteral("Fix or remove the file.")});
        QVERIFY(banner->isVisible());
        QVERIFY(text->text().contains(QStringLiteral("/cfg/settings.json:3:7: not valid JSON")));
        QVERIFY(text->text().contains(QStringLiteral("Fix or remove the file.")));
        QVERIFY(w->findChild<QLabel *>(QStringLiteral("engineStatus"))
                    ->text()
                    .contains(QStringLiteral("1 problem")));
        engine.clearProblem(QStringLiteral("x"));
        QVERIFY(!banner->isVisible());
        engine.stop();
    }

    void aboutDialogFromTheHelpMenu()
    {
        Settings settings(settingsPath());
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        MainWindow *w = shell.mainWindow();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        w->findChild<QAction *>(QStringLiteral("aboutAction"))->trigger();
        auto *about = waitForDialog<AboutDialog>("aboutDialog");
        QVERIFY(about);
        QVERIFY(about->findChild<QLabel *>(QStringLiteral("aboutTitle"))
                    ->text()
                    .contains(QStringLiteral(PADDOCK_VERSION)));
        // The agents' line is read off the UI thread and then says something definite.
        QVERIFY(about->findChild<QLabel *>(QStringLiteral("aboutAgents")));
        QTRY_VERIFY_WITH_TIMEOUT(!about->agentsText().startsWith(QStringLiteral("reading")), 15000);
        auto *buttons = about->findChild<QDialogButtonBox *>(QStringLiteral("aboutButtons"));
        QTest::mouseClick(buttons->button(QDialogButtonBox::Close), Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
    }

    void aboutSaysWhatItKnowsOfTheAgents()
    {
        {
            AboutDialog about(nullptr, nullptr);
            QCOMPARE(about.agentsText(), QStringLiteral("no container engine to ask"));
        }
        // Asked of the engine's persona runtime, as the Help menu's About does.
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        AboutDialog about(nullptr, engine.personaRuntime(),
                          QStringLiteral("localhost/paddock-agent:not-built-here"));
        QSignalSpy read(&about, &AboutDialog::agentsRead);
        QVERIFY(read.wait(15000));
        QVERIFY2(about.agentsText().contains(QStringLiteral("is not built yet")) ||
                     about.agentsText().contains(QStringLiteral("does not answer")),
                 qPrintable(about.agentsText()));
    }

    void preferencesWithoutATray()
    {
        Settings settings(settingsPath());
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        MainWindow *w = shell.mainWindow();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        w->findChild<QAction *>(QStringLiteral("preferencesAction"))->trigger();
        auto *prefs = waitForDialog<PreferencesDialog>("preferencesDialog");
        QVERIFY(prefs);
        // The offscreen platform has no tray: the option is off limits and the dialog says why.
        QVERIFY(!prefs->findChild<QCheckBox *>(QStringLiteral("closeToTrayCheck"))->isEnabled());
        QVERIFY(prefs->findChild<QLabel *>(QStringLiteral("noTrayLabel")));
        QVERIFY(
            prefs->findChild<QLabel *>(QStringLiteral("settingsLocation"))->text().contains(settingsPath()));
        QCOMPARE(prefs->findChild<QLabel *>(QStringLiteral("auditDatabasePath"))->text(),
                 engine.auditStore()->databasePath());
        QTest::mouseClick(prefs->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel),
                          Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
    }

    void preferencesApplyOnOkOnly()
    {
        Settings settings(settingsPath());
        {
            PreferencesDialog prefs(settings, true);
            prefs.show();
            auto *check = prefs.findChild<QCheckBox *>(QStringLiteral("closeToTrayCheck"));
            QVERIFY(check->isEnabled() && check->isChecked());
            QTest::mouseClick(check, Qt::LeftButton);
            QVERIFY(!check->isChecked());
            QTest::mouseClick(prefs.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel),
                              Qt::LeftButton);
            QCOMPARE(settings.closeToTray(), true);
        }
        {
            PreferencesDialog prefs(settings, true);
            prefs.show();
            QTest::mouseClick(prefs.findChild<QCheckBox *>(QStringLiteral("closeToTrayCheck")),
                              Qt::LeftButton);
            QTest::mouseClick(prefs.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                              Qt::LeftButton);
            QCOMPARE(settings.closeToTray(), false);
        }
    }

    void preferenceChangesAreAuditEvents()
    {
        Settings settings(settingsPath());
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
        shell.mainWindow()->findChild<QAction *>(QStringLiteral("preferencesAction"))->trigger();
        auto *prefs = waitForDialog<PreferencesDialog>("preferencesDialog");
        QVERIFY(prefs);
        auto *days = prefs->findChild<QSpinBox *>(QStringLiteral("auditRetentionDays"));
        days->setFocus();
        days->selectAll();
        QTest::keyClicks(days, QStringLiteral("45"));
        QTest::mouseClick(prefs->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
        QCOMPARE(settings.auditRetentionDays(), 45);
        // Geometry and the like are not recorded; the retention change is, with its new value.
        AuditFilter filter;
        filter.source = AuditEvent::Source::User;
        QList<AuditEvent> changes;
        QTRY_VERIFY([&] {
            auto reader = AuditReader::open(engine.auditStore()->databasePath());
            auto page = reader ? reader->page(filter) : Result<AuditPage>(std::unexpected(reader.error()));
            changes = page ? page->events : AuditBatch{};
            return !changes.isEmpty();
        }());
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes.first().action, QStringLiteral("settings.change"));
        QCOMPARE(changes.first().resource, QStringLiteral("auditRetentionDays"));
        QCOMPARE(changes.first().detailsObject().value(QStringLiteral("value")).toInt(), 45);
    }

    void preferencesForTheAuditLog()
    {
        Settings settings(settingsPath());
        QCOMPARE(settings.auditRetentionDays(), 0);
        QCOMPARE(settings.auditMaxSizeMb(), 0);
        QVERIFY(settings.denyNotifications());
        auto edit = [](QSpinBox *box, const QString &text) {
            box->setFocus();
            box->selectAll();
            QTest::keyClicks(box, text);
        };
        {
            PreferencesDialog prefs(settings, true, nullptr, QStringLiteral("/data/paddock/audit.db"));
            prefs.show();
            auto *days = prefs.findChild<QSpinBox *>(QStringLiteral("auditRetentionDays"));
            auto *size = prefs.findChild<QSpinBox *>(QStringLiteral("auditMaxSizeMb"));
            auto *notify = prefs.findChild<QCheckBox *>(QStringLiteral("denyNotifications"));
            QVERIFY(days && size && notify);
            QCOMPARE(days->text(), QStringLiteral("Forever")); // 0 keeps everything
            QCOMPARE(size->text(), QStringLiteral("No limit"));
            QVERIFY(notify->isChecked());
            QCOMPARE(prefs.findChild<QLabel *>(QStringLiteral("auditDatabasePath"))->text(),
                     QStringLiteral("/data/paddock/audit.db"));
            edit(days, QStringLiteral("30"));
            QTest::mouseClick(prefs.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel),
                              Qt::LeftButton);
            QCOMPARE(settings.auditRetentionDays(), 0);
        }
        {
            PreferencesDialog prefs(settings, true);
            prefs.show();
            edit(prefs.findChild<QSpinBox *>(QStringLiteral("auditRetentionDays")), QStringLiteral("30"));
            edit(prefs.findChild<QSpinBox *>(QStringLiteral("auditMaxSizeMb")), QStringLiteral("250"));
            QTest::mouseClick(prefs.findChild<QCheckBox *>(QStringLiteral("denyNotifications")),
                              Qt::LeftButton);
            // The terminal Open terminal runs: empty shows the desktop's default.
            auto *terminal = prefs.findChild<QLineEdit *>(QStringLiteral("terminalCommand"));
            QVERIFY(terminal && terminal->text().isEmpty());
            QCOMPARE(terminal->placeholderText(), QStringLiteral("x-terminal-emulator -e"));
            QTest::keyClicks(terminal, QStringLiteral("konsole -e"));
            QTest::mouseClick(prefs.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                              Qt::LeftButton);
            QCOMPARE(settings.terminal(), QStringLiteral("konsole -e"));
            QCOMPARE(settings.auditRetentionDays(), 30);
            QCOMPARE(settings.auditMaxSizeMb(), 250);
            QVERIFY(!settings.denyNotifications());
        }
        {
            PreferencesDialog prefs(settings, true);
            QCOMPARE(prefs.findChild<QSpinBox *>(QStringLiteral("auditRetentionDays"))->value(), 30);
            QCOMPARE(prefs.findChild<QSpinBox *>(QStringLiteral("auditMaxSizeMb"))->value(), 250);
            QVERIFY(!prefs.findChild<QCheckBox *>(QStringLiteral("denyNotifications"))->isChecked());
        }
    }

    void closingWithoutATrayQuits()
    {
        Settings settings(settingsPath());
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
        QVERIFY(!shell.hidesOnClose());
        QSignalSpy quit(&shell, &DesktopShell::quitRequested);
        shell.mainWindow()->close();
        QCOMPARE(quit.count(), 1);
    }

    void quitFromTheMenuAndTheKeyboard()
    {
        Settings settings(settingsPath());
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        MainWindow *w = shell.mainWindow();
        QVERIFY(QTest::qWaitForWindowActive(w));
        QSignalSpy quit(&shell, &DesktopShell::quitRequested);
        w->findChild<QAction *>(QStringLiteral("quitAction"))->trigger();
        QCOMPARE(quit.count(), 1);
        QTest::keyClick(w, Qt::Key_Q, Qt::ControlModifier);
        QCOMPARE(quit.count(), 2);
    }

    void geometryAndPageSurviveARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.json"));
        {
            Settings settings(path);
            QVERIFY(settings.load().has_value());
            Engine engine;
            DesktopShell shell(settings, engine, nullptr);
            shell.start(false);
            QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
            shell.mainWindow()->resize(777, 555);
            QVERIFY(shell.mainWindow()->showPage(QStringLiteral("log")));
            QTRY_COMPARE(shell.mainWindow()->size(), QSize(777, 555));
            shell.quit(); // saves the window's state; the settings are written when they go
        }
        Settings settings(path);
        QVERIFY(settings.load().has_value());
        QVERIFY(!settings.mainWindowGeometry().isEmpty());
        QCOMPARE(settings.currentPage(), QStringLiteral("log"));
        Engine engine;
        DesktopShell shell(settings, engine, nullptr);
        shell.start(false);
        QVERIFY(QTest::qWaitForWindowExposed(shell.mainWindow()));
        QCOMPARE(shell.mainWindow()->size(), QSize(777, 555));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
