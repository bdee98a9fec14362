#pragma once

#include "runtime/PersonaRuntime.h"
#include "scheduler/Run.h"

#include <QHash>
#include <QMetaMethod>
#include <QObject>

class QAction;
class QMenu;
class QSystemTrayIcon;
class QWidget;

namespace paddock {

class Engine;

// Paddock in the system tray: an icon that shows the engine's health, a menu with a status line,
// Show/Hide, the jobs (running, failing; applyJobs), a submenu per persona (its state, Start, Stop and Open
// terminal), Stop all agents, and Quit; a click toggles the main window. Also shows deny-burst notifications;
// a click on one asks for the audit log (auditRequested); a job's notification asks for the Jobs page
// (jobsRequested). The persona section follows the engine's PersonaRuntime through the apply… slots and asks
// it through the …Requested signals (queued).
class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    TrayIcon(Engine &engine, QWidget *window, QObject *parent = nullptr);
    ~TrayIcon() override;

    static bool isAvailable();
    void show();
    bool isVisible() const;

    // Tells the user once that Paddock is still running after its window was closed.
    void showHiddenNotice();
    // A notification about denied actions (see DenyNotifier); clicking it emits auditRequested.
    void showDenyNotification(const QString &title, const QString &text);
    // A persona's start, stop, restart or removal failed while the window is hidden: a
    // notification (clicking it opens the Personas page).
    void showActionFailure(const QString &persona, const QString &action, const paddock::Error &error);
    QString lastActionFailure() const { return m_lastActionFailure; } // the newest one's title
    // A job keeps failing or was disabled (see JobNotifier); clicking it emits jobsRequested.
    void showJobNotification(const QString &title, const QString &text);

    QSystemTrayIcon *systemTrayIcon() const { return m_tray; }
    QMenu *menu() const { return m_menu; }
    QAction *statusAction() const { return m_status; }
    QAction *toggleAction() const { return m_toggle; }
    QAction *personasAction() const { return m_personasAction; }
    QAction *policiesAction() const { return m_policies; }
    QAction *quitAction() const { return m_quit; }
    QAction *stopAllAction() const { return m_stopAll; }
    // The running jobs and those that keep failing, and "Jobs…".
    QMenu *jobsMenu() const { return m_jobsMenu; }
    // The submenu of a persona (null when there is none).
    QMenu *personaMenu(const QString &persona) const { return m_personaMenus.value(persona); }
    // Whether something acts on the menu's Quit (for --self-test).
    bool isQuitConnected() const
    {
        return isSignalConnected(QMetaMethod::fromSignal(&TrayIcon::quitRequested));
    }

public slots:
    void applyPersonas(const QList<paddock::Persona> &personas);
    void applyStatus(const paddock::PersonaStatus &status);
    void applyEngine(bool connected);
    // Queued and running runs, and the jobs in an incident with their failures in a row.
    void applyJobs(const QList<paddock::Run> &active, const QHash<QString, int> &failing);

signals:
    void startPersonaRequested(const QString &persona);
    void stopPersonaRequested(const QString &persona);
    void openTerminalRequested(const QString &persona);
    void stopAllRequested();
    void toggleWindowRequested();
    void personasRequested();
    void policiesRequested();
    void auditRequested();
    void jobsRequested();
    void quitRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateState();
    void updateToggleText();
    void connectRuntime(PersonaRuntime *runtime);
    void updatePersonaMenu(const QString &persona);

    Engine &m_engine;
    QWidget *m_window;
    QMenu *m_menu;
    QSystemTrayIcon *m_tray;
    QAction *m_status;
    QAction *m_toggle;
    QAction *m_policies;
    QAction *m_quit;
    QAction *m_personasAction; // "Personas…": opens the Personas page
    QAction *m_stopAll;
    QMenu *m_jobsMenu;
    int m_jobsRunning = 0;
    QStringList m_personaOrder;
    QHash<QString, QMenu *> m_personaMenus;
    QHash<QString, PersonaStatus> m_personaStatus;
    bool m_engineConnected = false;
    bool m_showingDenies = false;        // the newest message is a deny notification
    bool m_showingActionFailure = false; // … or a persona action that failed
    bool m_showingJobs = false;          // … or a job that needs the user
    QString m_lastActionFailure;
};

} // namespace paddock
