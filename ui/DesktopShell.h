#pragma once

#include <QObject>
#include <QPointer>

namespace paddock {

class AppLog;
class Engine;
class MainWindow;
class Settings;
class TrayIcon;

// The desktop application around the engine: the main window with its pages, the tray icon,
// close-to-tray, raising on a second launch, and quitting in order.
class DesktopShell final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DesktopShell)

public:
    DesktopShell(Settings &settings, Engine &engine, AppLog *log, QObject *parent = nullptr);
    ~DesktopShell() override;

    // Shows the window, or with `minimized` only the tray icon (the window if there is no tray).
    void start(bool minimized);

    void activate();
    void toggleWindow();
    // Saves the window's state and asks the application to quit (quitRequested).
    void quit();
    void openPreferences();
    void openAbout();

    // Whether closing the window hides it to the tray rather than quitting.
    bool hidesOnClose() const;

    MainWindow *mainWindow() const { return m_window; }
    TrayIcon *tray() const { return m_tray; }

signals:
    void quitRequested();

private:
    Settings &m_settings;
    Engine &m_engine;
    MainWindow *m_window;
    TrayIcon *m_tray;
};

} // namespace paddock
