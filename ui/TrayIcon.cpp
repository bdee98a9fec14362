#include "TrayIcon.h"

#include "Icons.h"
#include "engine/Engine.h"

#include <QEvent>
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
    m_menu->addSeparator();
    m_quit = m_menu->addAction(Icons::themed(QStringLiteral("application-exit")), tr("&Quit Paddock"));
    m_quit->setObjectName(QStringLiteral("trayQuitAction"));

    m_tray->setContextMenu(m_menu);
    connect(m_toggle, &QAction::triggered, this, &TrayIcon::toggleWindowRequested);
    connect(m_quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    connect(m_policies, &QAction::triggered, this, &TrayIcon::policiesRequested);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            emit toggleWindowRequested();
    });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        if (m_showingDenies)
            emit auditRequested();
    });
    connect(&m_engine, &Engine::stateChanged, this, &TrayIcon::updateState);
    connect(&m_engine, &Engine::problemsChanged, this, &TrayIcon::updateState);
    connect(&m_engine, &Engine::healthChanged, this, &TrayIcon::updateState);
    connect(m_menu, &QMenu::aboutToShow, this, &TrayIcon::updateToggleText);
    m_window->installEventFilter(this);
    updateState();
    updateToggleText();
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
    m_tray->showMessage(tr("Paddock is still running"),
                        tr("Paddock keeps watching your agents from the system tray. Use Quit in the tray "
                           "menu to stop it, or turn this off in Preferences."),
                        Icons::application(), 8000);
}

void TrayIcon::showDenyNotification(const QString &title, const QString &text)
{
    m_showingDenies = true;
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
    m_tray->setIcon(Icons::tray(m_engine.health()));
    m_tray->setToolTip(tr("Paddock") + QLatin1Char('\n') + status);
    m_status->setText(status);
}

void TrayIcon::updateToggleText()
{
    m_toggle->setText(m_window->isVisible() ? tr("&Hide Paddock") : tr("&Show Paddock"));
}

} // namespace paddock
