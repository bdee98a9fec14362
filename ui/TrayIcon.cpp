#include "TrayIcon.h"

#include "Icons.h"
#include "engine/Engine.h"

#include <QEvent>
#include <QLocale>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QWidget>

namespace paddock {

TrayIcon::TrayIcon(Engine &engine, QWidget *window, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_window(window)
    , m_menu(new QMenu)
    , m_tray(new QSystemTrayIcon(this))
{
    m_menu->setObjectName(QStringLiteral("trayMenu"));
    m_status = m_menu->addAction(QString());
    m_status->setObjectName(QStringLiteral("trayStatusAction"));
    m_status->setEnabled(false);
    m_menu->addSeparator();
    m_toggle = m_menu->addAction(QString());
    m_toggle->setObjectName(QStringLiteral("trayToggleAction"));
    m_policies = m_menu->addAction(tr("&Policies…"));
    m_policies->setObjectName(QStringLiteral("trayPoliciesAction"));
    m_jobsMenu = m_menu->addMenu(QString());
    m_jobsMenu->setObjectName(QStringLiteral("trayJobsMenu"));
    applyJobs({}, {});
    m_menu->addSeparator();
    // The personas: a submenu each (inserted before m_stopAll), then Stop all agents.
    m_personasAction = m_menu->addAction(tr("P&ersonas…"));
    m_personasAction->setObjectName(QStringLiteral("trayPersonasAction"));
    m_stopAll =
        m_menu->addAction(Icons::themed(QStringLiteral("media-playback-stop")), tr("S&top all agents"));
    m_stopAll->setObjectName(QStringLiteral("trayStopAllAction"));
    m_stopAll->setEnabled(false);
    m_menu->addSeparator();
    m_quit = m_menu->addAction(Icons::themed(QStringLiteral("application-exit")), tr("&Quit Paddock"));
    m_quit->setObjectName(QStringLiteral("trayQuitAction"));

    m_tray->setContextMenu(m_menu);
    connect(m_toggle, &QAction::triggered, this, &TrayIcon::toggleWindowRequested);
    connect(m_quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    connect(m_policies, &QAction::triggered, this, &TrayIcon::policiesRequested);
    connect(m_stopAll, &QAction::triggered, this, &TrayIcon::stopAllRequested);
    connect(m_personasAction, &QAction::triggered, this, &TrayIcon::personasRequested);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            emit toggleWindowRequested();
    });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        if (m_showingDenies)
            emit auditRequested();
        else if (m_showingActionFailure)
            emit personasRequested();
        else if (m_showingJobs)
            emit jobsRequested();
    });
    connect(&m_engine, &Engine::stateChanged, this, &TrayIcon::updateState);
    connect(&m_engine, &Engine::problemsChanged, this, &TrayIcon::updateState);
    connect(&m_engine, &Engine::healthChanged, this, &TrayIcon::updateState);
    connect(m_menu, &QMenu::aboutToShow, this, &TrayIcon::updateToggleText);
    m_window->installEventFilter(this);
    updateState();
    updateToggleText();
    if (PersonaRuntime *runtime = m_engine.personaRuntime())
        connectRuntime(runtime);
}

void TrayIcon::connectRuntime(PersonaRuntime *runtime)
{
    connect(runtime, &PersonaRuntime::personasChanged, this, &TrayIcon::applyPersonas);
    connect(runtime, &PersonaRuntime::statusChanged, this, &TrayIcon::applyStatus);
    connect(runtime, &PersonaRuntime::engineConnectionChanged, this,
            [this](bool connected) { applyEngine(connected); });
    connect(runtime, &PersonaRuntime::actionFailed, this, &TrayIcon::showActionFailure);
    constexpr auto queued = Qt::QueuedConnection;
    connect(this, &TrayIcon::startPersonaRequested, runtime, &PersonaRuntime::startPersona, queued);
    connect(this, &TrayIcon::stopPersonaRequested, runtime, &PersonaRuntime::stopPersona, queued);
    connect(this, &TrayIcon::stopAllRequested, runtime, &PersonaRuntime::stopAll, queued);
    applyEngine(runtime->isEngineConnected());
    applyPersonas(runtime->personas());
    for (const PersonaStatus &status : runtime->statuses())
        applyStatus(status);
}

void TrayIcon::applyPersonas(const QList<Persona> &personas)
{
    QHash<QString, QMenu *> kept;
    m_personaOrder.clear();
    for (const Persona &p : personas) {
        m_personaOrder << p.name;
        QMenu *menu = m_personaMenus.take(p.name);
        if (!menu) {
            menu = new QMenu(m_menu);
            menu->setObjectName(QStringLiteral("trayPersonaMenu-") + p.name);
            QAction *status = menu->addAction(QString());
            status->setObjectName(QStringLiteral("trayPersonaStatus"));
            status->setEnabled(false);
            menu->addSeparator();
            QAction *start =
                menu->addAction(Icons::themed(QStringLiteral("media-playback-start")), tr("&Start"));
            start->setObjectName(QStringLiteral("trayPersonaStart"));
            QAction *stop =
                menu->addAction(Icons::themed(QStringLiteral("media-playback-stop")), tr("S&top"));
            stop->setObjectName(QStringLiteral("trayPersonaStop"));
            QAction *terminal =
                menu->addAction(Icons::themed(QStringLiteral("utilities-terminal")), tr("Open &terminal"));
            terminal->setObjectName(QStringLiteral("trayPersonaTerminal"));
            const QString name = p.name;
            connect(terminal, &QAction::triggered, this, [this, name] { emit openTerminalRequested(name); });
            connect(start, &QAction::triggered, this, [this, name] { emit startPersonaRequested(name); });
            connect(stop, &QAction::triggered, this, [this, name] { emit stopPersonaRequested(name); });
        }
        m_menu->removeAction(menu->menuAction());
        m_menu->insertAction(m_stopAll, menu->menuAction()); // in the order of the file
        kept.insert(p.name, menu);
    }
    qDeleteAll(m_personaMenus);
    m_personaMenus = kept;
    for (const QString &name : std::as_const(m_personaOrder))
        updatePersonaMenu(name);
}

void TrayIcon::applyStatus(const PersonaStatus &status)
{
    m_personaStatus.insert(status.persona, status);
    updatePersonaMenu(status.persona);
}

void TrayIcon::applyJobs(const QList<Run> &active, const QHash<QString, int> &failing)
{
    m_jobsMenu->clear();
    m_jobsRunning = 0;
    for (const Run &run : active) {
        const bool running = run.status == Run::Status::Running;
        m_jobsRunning += running ? 1 : 0;
        const QString since = QLocale().toString(
            (running && run.started.isValid() ? run.started : run.scheduled).toLocalTime().time(),
            QLocale::ShortFormat);
        QAction *item = m_jobsMenu->addAction(running ? tr("%1 — running since %2").arg(run.job, since)
                                                      : tr("%1 — waiting since %2").arg(run.job, since));
        connect(item, &QAction::triggered, this, &TrayIcon::jobsRequested);
    }
    if (active.isEmpty())
        m_jobsMenu->addAction(tr("No job is running"))->setEnabled(false);
    QStringList names = failing.keys();
    names.sort();
    if (!names.isEmpty())
        m_jobsMenu->addSeparator();
    for (const QString &job : std::as_const(names)) {
        QAction *item =
            m_jobsMenu->addAction(Icons::themed(QStringLiteral("dialog-warning")),
                                  tr("%1 — %n failure(s) in a row", nullptr, failing.value(job)).arg(job));
        connect(item, &QAction::triggered, this, &TrayIcon::jobsRequested);
    }
    m_jobsMenu->addSeparator();
    QAction *open = m_jobsMenu->addAction(tr("&Jobs…"));
    open->setObjectName(QStringLiteral("trayOpenJobsAction"));
    connect(open, &QAction::triggered, this, &TrayIcon::jobsRequested);
    m_jobsMenu->setTitle(m_jobsRunning ? tr("&Jobs — %n running", nullptr, m_jobsRunning) : tr("&Jobs"));
    updateState();
}

void TrayIcon::applyEngine(bool connected)
{
    m_engineConnected = connected;
    m_stopAll->setEnabled(connected);
    for (const QString &name : std::as_const(m_personaOrder))
        updatePersonaMenu(name);
}

void TrayIcon::updatePersonaMenu(const QString &persona)
{
    QMenu *menu = m_personaMenus.value(persona);
    if (!menu)
        return;
    using State = PersonaStatus::State;
    const PersonaStatus status = m_personaStatus.value(persona, PersonaStatus{persona});
    const bool up = status.state == State::Running || status.state == State::Starting;
    menu->setTitle(tr("%1 — %2").arg(persona, status.text()));
    menu->findChild<QAction *>(QStringLiteral("trayPersonaStatus"))
        ->setText(status.state == State::Error && !status.message.isEmpty()
                      ? tr("%1: %2").arg(status.text(), status.message.section(u'\n', 0, 0))
                      : status.text());
    menu->findChild<QAction *>(QStringLiteral("trayPersonaStart"))
        ->setEnabled(m_engineConnected && !up && status.state != State::Stopping);
    menu->findChild<QAction *>(QStringLiteral("trayPersonaStop"))->setEnabled(m_engineConnected && up);
    menu->findChild<QAction *>(QStringLiteral("trayPersonaTerminal"))
        ->setEnabled(m_engineConnected && status.state == State::Running);
}

TrayIcon::~TrayIcon()
{
    m_window->removeEventFilter(this);
    delete m_menu;
}

bool TrayIcon::isAvailable()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayIcon::show()
{
    m_tray->show();
}

bool TrayIcon::isVisible() const
{
    return m_tray->isVisible();
}

void TrayIcon::showHiddenNotice()
{
    m_showingDenies = false;
    m_showingActionFailure = false;
    m_showingJobs = false;
    m_tray->showMessage(tr("Paddock is still running"),
                        tr("Paddock keeps watching your agents from the system tray. Use Quit in the tray "
                           "menu to stop it, or turn this off in Preferences."),
                        Icons::application(), 8000);
}

void TrayIcon::showActionFailure(const QString &persona, const QString &action, const Error &error)
{
    // With the window open, the persona's card already says it.
    if (m_window->isVisible())
        return;
    QString title;
    if (action == QLatin1StringView("start"))
        title = tr("Could not start %1").arg(persona);
    else if (action == QLatin1StringView("stop"))
        title = tr("Could not stop %1").arg(persona);
    else if (action == QLatin1StringView("restart"))
        title = tr("Could not restart %1").arg(persona);
    else if (action == QLatin1StringView("terminal"))
        title = tr("Could not open a terminal on %1").arg(persona);
    else
        title = tr("Could not remove %1").arg(persona);
    m_showingDenies = false;
    m_showingJobs = false;
    m_showingActionFailure = true;
    m_lastActionFailure = title;
    m_tray->showMessage(title, error.text(), QSystemTrayIcon::Critical, 10000);
}

void TrayIcon::showDenyNotification(const QString &title, const QString &text)
{
    m_showingActionFailure = false;
    m_showingJobs = false;
    m_showingDenies = true;
    m_tray->showMessage(title, text, QSystemTrayIcon::Warning, 10000);
}

void TrayIcon::showJobNotification(const QString &title, const QString &text)
{
    m_showingActionFailure = false;
    m_showingDenies = false;
    m_showingJobs = true;
    m_tray->showMessage(title, text, QSystemTrayIcon::Warning, 10000);
}

bool TrayIcon::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window && (event->type() == QEvent::Show || event->type() == QEvent::Hide))
        updateToggleText();
    return QObject::eventFilter(watched, event);
}

void TrayIcon::updateState()
{
    QString status = m_engine.statusText();
    if (m_engine.isAuditFailing())
        status += QStringLiteral(" — ") + tr("Audit log failing");
    if (m_jobsRunning > 0)
        status += QStringLiteral(" — ") + tr("%n job(s) running", nullptr, m_jobsRunning);
    m_tray->setIcon(Icons::tray(m_engine.health()));
    m_tray->setToolTip(tr("Paddock") + QLatin1Char('\n') + status);
    m_status->setText(status);
}

void TrayIcon::updateToggleText()
{
    m_toggle->setText(m_window->isVisible() ? tr("&Hide Paddock") : tr("&Show Paddock"));
}

} // namespace paddock
