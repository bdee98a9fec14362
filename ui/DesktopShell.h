#pragma once

#include <QObject>
#include <QPointer>

namespace paddock {

class AppLog;
class AuditLogPage;
class DenyNotifier;
class Engine;
class JobNotifier;
class JobsPage;
class MainWindow;
class PersonasPage;
class PolicyEditorPage;
class SecretsPage;
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
    // Asks about unsaved policy edits, then quits (quitRequested), saving the window's state.
    void quit();
    // Quits without asking (session end, SIGTERM): unsaved edits are dropped.
    void quitNow();
    void showPolicies();
    void showAudit();
    void showPersonas();
    void showJobs();
    void openPreferences();
    void openAbout();

    // Whether closing the window hides it to the tray rather than quitting.
    bool hidesOnClose() const;

    MainWindow *mainWindow() const { return m_window; }
    PolicyEditorPage *policyPage() const { return m_policyPage; }
    AuditLogPage *auditPage() const { return m_auditPage; }
    PersonasPage *personasPage() const { return m_personasPage; }
    SecretsPage *secretsPage() const { return m_secretsPage; }
    JobsPage *jobsPage() const { return m_jobsPage; }
    JobNotifier *jobNotifier() const { return m_jobNotifier; }
    TrayIcon *tray() const { return m_tray; }
    DenyNotifier *denyNotifier() const { return m_denyNotifier; }

signals:
    void quitRequested();

private:
    Settings &m_settings;
    Engine &m_engine;
    MainWindow *m_window;
    PolicyEditorPage *m_policyPage;
    AuditLogPage *m_auditPage;
    PersonasPage *m_personasPage;
    SecretsPage *m_secretsPage;
    JobsPage *m_jobsPage;
    JobNotifier *m_jobNotifier;
    TrayIcon *m_tray;
    DenyNotifier *m_denyNotifier;
};

} // namespace paddock
