#include "SelfTest.h"

#include "DesktopShell.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "engine/Engine.h"

#include <QAction>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QWindow>

#include <cstdio>

namespace paddock {

SelfTest::SelfTest(DesktopShell &shell, Engine &engine, QObject *parent)
    : QObject(parent)
    , m_shell(shell)
    , m_engine(engine)
{
    m_poll.setInterval(20);
    connect(&m_poll, &QTimer::timeout, this, &SelfTest::poll);

    MainWindow *window = m_shell.mainWindow();
    auto exposed = [window] {
        return window->isVisible() && window->windowHandle() && window->windowHandle()->isExposed();
    };

    m_steps << Step{tr("the engine is running"),
                    [this] {
                        return m_engine.state() == Engine::State::Running ||
                               m_engine.state() == Engine::State::Degraded;
                    },
                    [this] { return tr("the engine is %1").arg(Engine::stateName(m_engine.state())); },
                    {}};
    m_steps << Step{tr("the main window is on screen"), exposed,
                    [] { return tr("the main window was not exposed by the window system"); },
                    [this] { m_shell.activate(); }};
    m_steps << Step{tr("the main window has its pages"),
                    [window] { return !window->pageIds().isEmpty(); },
                    [] { return tr("no pages in the main window"); },
                    {}};
    if (!TrayIcon::isAvailable()) {
        m_report << tr(
            "note: no system tray on this display; tray checks skipped (closing the window quits)");
        return;
    }
    TrayIcon *tray = m_shell.tray();
    m_steps << Step{
        tr("the tray icon is shown"),
        [tray] { return tray->isVisible() && !tray->systemTrayIcon()->icon().isNull(); },
        [] { return tr("the tray icon is not visible or has no image (is the SVG icon plugin installed?)"); },
        {}};
    m_steps << Step{tr("the tray menu has status, Show/Hide and Quit"),
                    [tray] {
                        const auto actions = tray->menu()->actions();
                        return actions.contains(tray->statusAction()) &&
                               actions.contains(tray->toggleAction()) &&
                               actions.contains(tray->quitAction()) &&
                               !tray->statusAction()->text().isEmpty();
                    },
                    [] { return tr("the tray menu is incomplete"); },
                    {}};
    m_steps << Step{tr("Hide in the tray menu hides the window"), [window] { return !window->isVisible(); },
                    [] { return tr("the window is still visible"); },
                    [tray] { tray->toggleAction()->trigger(); }};
    m_steps << Step{tr("Show in the tray menu shows the window again"), exposed,
                    [] { return tr("the window did not come back"); },
                    [tray] { tray->toggleAction()->trigger(); }};
    m_steps << Step{tr("Quit in the tray menu is connected"),
                    [tray] { return tray->quitAction()->isEnabled() && tray->isQuitConnected(); },
                    [] { return tr("nothing listens to the tray's Quit"); },
                    {}};
}

void SelfTest::run()
{
    next();
}

void SelfTest::next()
{
    ++m_current;
    if (m_current >= m_steps.size()) {
        m_poll.stop();
        m_report << tr("self-test passed");
        for (const QString &line : std::as_const(m_report))
            std::printf("%s\n", qPrintable(line));
        std::fflush(stdout);
        emit finished(0);
        return;
    }
    const Step &step = m_steps[m_current];
    if (step.before)
        step.before();
    m_stepClock.start();
    m_poll.start();
}

void SelfTest::poll()
{
    const Step &step = m_steps[m_current];
    if (step.done()) {
        pass(step.name);
        next();
    } else if (m_stepClock.elapsed() > StepTimeoutMs) {
        failWith(tr("%1: %2").arg(step.name, step.why()));
    }
}

void SelfTest::pass(const QString &what)
{
    m_report << tr("ok: %1").arg(what);
}

void SelfTest::failWith(const QString &why)
{
    m_poll.stop();
    m_report << tr("FAILED: %1").arg(why);
    m_report << tr("self-test failed");
    for (const QString &line : std::as_const(m_report))
        std::fprintf(stderr, "%s\n", qPrintable(line));
    emit finished(1);
}

} // namespace paddock
