#include "DesktopShell.h"

#include "AboutDialog.h"
#include "Icons.h"
#include "LogPage.h"
#include "MainWindow.h"
#include "PreferencesDialog.h"
#include "TrayIcon.h"
#include "audit/AuditLogPage.h"
#include "audit/AuditStore.h"
#include "audit/DashboardPage.h"
#include "audit/DenyNotifier.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "jobs/JobNotifier.h"
#include "jobs/JobsPage.h"
#include "mcp/McpPage.h"
#include "personas/PersonasPage.h"
#include "policy/PolicyEditorPage.h"
#include "proxy/EgressProxy.h"
#include "secrets/SecretsPage.h"

#include <QJsonValue>
#include <QStyle>
#include <QWindow>

namespace paddock {

namespace {
QStringList personaNames(const QList<Persona> &personas)
{
    QStringList names;
    for (const Persona &p : personas)
        names << p.name;
    return names;
}
} // namespace

DesktopShell::DesktopShell(Settings &settings, Engine &engine, AppLog *log, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_engine(engine)
    , m_window(new MainWindow(settings, engine))
    , m_policyPage(new PolicyEditorPage(*engine.policyStore()))
    , m_auditPage(new AuditLogPage(engine))
    , m_personasPage(new PersonasPage(engine.personaRuntime()))
    , m_secretsPage(new SecretsPage(engine.personaRuntime()))
    , m_jobsPage(new JobsPage(engine.scheduler()))
    , m_jobNotifier(new JobNotifier(engine.scheduler(), this))
    , m_tray(nullptr)
    , m_denyNotifier(new DenyNotifier(*engine.auditStore(), settings, this))
{
    m_window->addPage(QStringLiteral("dashboard"),
                      Icons::themed(QStringLiteral("view-statistics"),
                                    m_window->style()->standardIcon(QStyle::SP_ComputerIcon)),
                      tr("Dashboard"), new DashboardPage(engine));
    m_window->addPage(QStringLiteral("personas"),
                      Icons::themed(QStringLiteral("system-users"),
                                    m_window->style()->standardIcon(QStyle::SP_DirHomeIcon)),
                      tr("Personas"), m_personasPage);
    m_window->addPage(QStringLiteral("secrets"),
                      Icons::themed(QStringLiteral("dialog-password"),
                                    m_window->style()->standardIcon(QStyle::SP_DriveNetIcon)),
                      tr("Secrets"), m_secretsPage);
    m_window->addPage(QStringLiteral("mcp"),
                      Icons::themed(QStringLiteral("network-server"),
                                    m_window->style()->standardIcon(QStyle::SP_DriveNetIcon)),
                      tr("MCP servers"), new McpPage(engine.personaRuntime()));
    m_window->addPage(QStringLiteral("jobs"),
                      Icons::themed(QStringLiteral("view-calendar-timeline"),
                                    m_window->style()->standardIcon(QStyle::SP_FileDialogInfoView)),
                      tr("Jobs"), m_jobsPage);
    m_window->addPage(QStringLiteral("policies"),
                      Icons::themed(QStringLiteral("security-high"),
                                    m_window->style()->standardIcon(QStyle::SP_FileDialogContentsView)),
                      tr("Policies"), m_policyPage);
    m_window->addPage(QStringLiteral("audit"),
                      Icons::themed(QStringLiteral("view-list-details"),
                                    m_window->style()->standardIcon(QStyle::SP_FileDialogListView)),
                      tr("Audit"), m_auditPage);
    m_window->addPage(QStringLiteral("log"),
                      Icons::themed(QStringLiteral("text-x-log"),
                                    m_window->style()->standardIcon(QStyle::SP_FileDialogDetailedView)),
                      tr("Log"), new LogPage(log));
    m_window->restoreState();
    m_window->setHideOnClose([this] { return hidesOnClose(); });
    m_tray = new TrayIcon(engine, m_window, this);

    connect(m_window, &MainWindow::quitRequested, this, &DesktopShell::quit);
    connect(m_window, &MainWindow::preferencesRequested, this, &DesktopShell::openPreferences);
    connect(m_window, &MainWindow::aboutRequested, this, &DesktopShell::openAbout);
    connect(m_window, &MainWindow::hiddenOnClose, this, [this] {
        if (!m_settings.closeToTrayNoticeShown()) {
            m_tray->showHiddenNotice();
            m_settings.setCloseToTrayNoticeShown(true);
        }
    });
    // What a person changes in Preferences is a user action in the audit log.
    connect(&m_settings, &Settings::changed, this, [this](Settings::Key key) {
        switch (key) {
        case Settings::Key::CloseToTray:
        case Settings::Key::AuditRetentionDays:
        case Settings::Key::AuditMaxSizeMb:
        case Settings::Key::DenyNotifications:
        case Settings::Key::Terminal:
            m_engine.auditStore()->append(
                AuditEvent::user(QStringLiteral("settings.change"), Settings::keyName(key),
                                 {{QStringLiteral("key"), Settings::keyName(key)},
                                  {QStringLiteral("value"), QJsonValue::fromVariant(m_settings.value(key))},
                                  {QStringLiteral("file"), m_settings.filePath()}}));
            break;
        default:
            break; // window geometry and the like: not decisions
        }
    });
    connect(m_tray, &TrayIcon::toggleWindowRequested, this, &DesktopShell::toggleWindow);
    connect(m_tray, &TrayIcon::quitRequested, this, &DesktopShell::quit);
    connect(m_tray, &TrayIcon::policiesRequested, this, &DesktopShell::showPolicies);
    connect(m_auditPage, &AuditLogPage::openPolicyRequested, this,
            [this](const QString &set, const QString &policyId) {
                showPolicies();
                m_policyPage->showPolicy(set, policyId);
            });
    // "Allow this host…" and "Suggest policy": the draft goes into the editor, unsaved, for review.
    connect(m_auditPage, &AuditLogPage::policySuggested, this,
            [this](const QString &set, const QString &text) {
                showPolicies();
                m_policyPage->appendSuggestion(set, text);
            });
    connect(m_personasPage, &PersonasPage::suggestPolicyRequested, m_auditPage, &AuditLogPage::suggestPolicy);
    connect(m_tray, &TrayIcon::auditRequested, this, &DesktopShell::showAudit);
    connect(m_tray, &TrayIcon::personasRequested, this, &DesktopShell::showPersonas);
    // Open terminal (card, tray): the terminal emulator chosen in Preferences.
    m_personasPage->setTerminal(m_settings.terminal());
    connect(&m_settings, &Settings::changed, this, [this](Settings::Key key) {
        if (key == Settings::Key::Terminal)
            m_personasPage->setTerminal(m_settings.terminal());
    });
    // Sign in…: whether the persona's policies let the login's hosts through, as the proxy decides.
    if (EgressProxy *proxy = m_engine.egressProxy())
        m_personasPage->setPolicyCheck(
            [proxy](const Persona &persona, const QString &host, int port) -> std::optional<bool> {
                if (!persona.isolated())
                    return true; // full trust: its own network, no proxy
                return proxy->decideByName(persona, host, port).allow;
            });
    connect(m_tray, &TrayIcon::openTerminalRequested, this, [this](const QString &persona) {
        if (auto opened = m_personasPage->openTerminal(persona); !opened)
            m_tray->showActionFailure(persona, QStringLiteral("terminal"), opened.error());
    });
    connect(m_denyNotifier, &DenyNotifier::notify, m_tray, &TrayIcon::showDenyNotification);
    // Jobs: the running ones in the tray's menu, one message per incident, the page on a click.
    connect(m_jobNotifier, &JobNotifier::notify, m_tray, &TrayIcon::showJobNotification);
    connect(m_jobNotifier, &JobNotifier::changed, m_tray,
            [this] { m_tray->applyJobs(m_jobNotifier->active(), m_jobNotifier->failing()); });
    m_tray->applyJobs(m_jobNotifier->active(), m_jobNotifier->failing());
    connect(m_tray, &TrayIcon::jobsRequested, this, &DesktopShell::showJobs);
    // The personas a job may run as.
    if (PersonaRuntime *runtime = m_engine.personaRuntime()) {
        connect(runtime, &PersonaRuntime::personasChanged, m_jobsPage,
                [this](const QList<Persona> &personas) { m_jobsPage->setPersonas(personaNames(personas)); });
        m_jobsPage->setPersonas(personaNames(runtime->personas()));
    }
}

DesktopShell::~DesktopShell()
{
    delete m_tray;
    delete m_window;
}

void DesktopShell::start(bool minimized)
{
    m_tray->show();
    if (minimized && TrayIcon::isAvailable())
        return;
    m_window->show();
}

bool DesktopShell::hidesOnClose() const
{
    return TrayIcon::isAvailable() && m_tray->isVisible() && m_settings.closeToTray();
}

void DesktopShell::activate()
{
    if (m_window->isMinimized())
        m_window->setWindowState(m_window->windowState() & ~Qt::WindowMinimized);
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
    if (QWindow *w = m_window->windowHandle())
        w->requestActivate();
}

void DesktopShell::toggleWindow()
{
    if (m_window->isVisible() && !m_window->isMinimized()) {
        m_window->saveState();
        m_window->hide();
    } else {
        activate();
    }
}

void DesktopShell::quit()
{
    if (m_policyPage->isModified()) {
        activate();
        m_window->showPage(QStringLiteral("policies"));
    }
    m_policyPage->confirmDiscard([this] { quitNow(); });
}

void DesktopShell::quitNow()
{
    if (m_window->isVisible())
        m_window->saveState();
    m_window->setQuitting();
    emit quitRequested();
}

void DesktopShell::showPolicies()
{
    activate();
    m_window->showPage(QStringLiteral("policies"));
}

void DesktopShell::showPersonas()
{
    activate();
    m_window->showPage(QStringLiteral("personas"));
}

void DesktopShell::showJobs()
{
    activate();
    m_window->showPage(QStringLiteral("jobs"));
}

void DesktopShell::showAudit()
{
    activate();
    m_window->showPage(QStringLiteral("audit"));
}

void DesktopShell::openPreferences()
{
    auto *dialog = new PreferencesDialog(m_settings, TrayIcon::isAvailable(), m_window,
                                         m_engine.auditStore()->databasePath());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void DesktopShell::openAbout()
{
    auto *dialog = new AboutDialog(m_window, m_engine.personaRuntime());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace paddock
