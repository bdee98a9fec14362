#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace paddock {

class DesktopShell;
class Engine;

// `paddock --self-test`: starts like a user would, then checks that the engine runs, the main
// window is on screen with its pages, and the tray icon and its menu are wired to the window.
// Every check is reported; finished() carries the exit code.
class SelfTest final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SelfTest)

public:
    static constexpr int StepTimeoutMs = 10000;

    SelfTest(DesktopShell &shell, Engine &engine, QObject *parent = nullptr);
    void run();
    QStringList report() const { return m_report; }

signals:
    void finished(int exitCode);

private:
    struct Step
    {
        QString name;
        std::function<bool()> done;   // polled until true or the step times out
        std::function<QString()> why; // said when it times out
        std::function<void()> before; // run once when the step begins
    };
    void next();
    void poll();
    void pass(const QString &what);
    void failWith(const QString &why);

    DesktopShell &m_shell;
    Engine &m_engine;
    QList<Step> m_steps;
    int m_current = -1;
    QTimer m_poll;
    QElapsedTimer m_stepClock;
    QStringList m_report;
};

} // namespace paddock
