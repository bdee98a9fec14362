#include "PreferencesDialog.h"

#include "audit/AuditStore.h"
#include "config/Settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace paddock {

PreferencesDialog::PreferencesDialog(Settings &settings, bool trayAvailable, QWidget *parent,
                                     const QString &auditDatabasePath)
    : QDialog(parent)
    , m_settings(settings)
    , m_closeToTray(new QCheckBox(tr("&Keep Paddock running in the system tray when its window is closed")))
    , m_retentionDays(new QSpinBox)
    , m_maxSizeMb(new QSpinBox)
    , m_denyNotifications(new QCheckBox(tr("&Notify me about bursts of denied actions")))
    , m_terminal(new QLineEdit)
{
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Paddock Preferences"));

    m_closeToTray->setObjectName(QStringLiteral("closeToTrayCheck"));
    m_closeToTray->setChecked(settings.closeToTray());
    auto *group = new QGroupBox(tr("System tray"));
    auto *groupLayout = new QVBoxLayout(group);
    groupLayout->addWidget(m_closeToTray);
    if (!trayAvailable) {
        m_closeToTray->setEnabled(false);
        auto *why = new QLabel(tr("No system tray is available on this desktop, so closing the window quits "
                                  "Paddock."));
        why->setObjectName(QStringLiteral("noTrayLabel"));
        why->setWordWrap(true);
        groupLayout->addWidget(why);
    }

    // The audit log: how much of it is kept, and whether bursts of denies are told.
    m_retentionDays->setObjectName(QStringLiteral("auditRetentionDays"));
    m_retentionDays->setRange(0, 36500);
    m_retentionDays->setSpecialValueText(tr("Forever"));
    m_retentionDays->setSuffix(tr(" days"));
    m_retentionDays->setValue(settings.auditRetentionDays());
    m_maxSizeMb->setObjectName(QStringLiteral("auditMaxSizeMb"));
    m_maxSizeMb->setRange(0, 1'000'000);
    m_maxSizeMb->setSpecialValueText(tr("No limit"));
    m_maxSizeMb->setSuffix(tr(" MB"));
    m_maxSizeMb->setValue(settings.auditMaxSizeMb());
    m_denyNotifications->setObjectName(QStringLiteral("denyNotifications"));
    m_denyNotifications->setChecked(settings.denyNotifications());
    auto *auditPath =
        new QLabel(auditDatabasePath.isEmpty() ? AuditStore::defaultDatabasePath() : auditDatabasePath);
    auditPath->setObjectName(QStringLiteral("auditDatabasePath"));
    auditPath->setWordWrap(true);
    auditPath->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *audit = new QGroupBox(tr("Audit log"));
    audit->setObjectName(QStringLiteral("auditGroup"));
    auto *auditLayout = new QFormLayout(audit);
    auditLayout->addRow(tr("Keep events &for:"), m_retentionDays);
    auditLayout->addRow(tr("&Largest size:"), m_maxSizeMb);
    auditLayout->addRow(m_denyNotifications);
    auditLayout->addRow(tr("Stored in:"), auditPath);
    auto *pruneNote = new QLabel(tr("The oldest events beyond these limits are removed when you press OK, "
                                    "and then every hour."));
    pruneNote->setWordWrap(true);
    auditLayout->addRow(pruneNote);

    // Open terminal: which terminal emulator runs the engine's exec into a persona's session.
    m_terminal->setObjectName(QStringLiteral("terminalCommand"));
    m_terminal->setPlaceholderText(QStringLiteral("x-terminal-emulator -e"));
    m_terminal->setText(settings.terminal());
    m_terminal->setClearButtonEnabled(true);
    auto *terminals = new QGroupBox(tr("Terminal"));
    auto *terminalLayout = new QFormLayout(terminals);
    terminalLayout->addRow(tr("&Terminal emulator:"), m_terminal);
    auto *terminalNote = new QLabel(tr("The program and the options that come before the command it runs, "
                                       "e.g. \"konsole -e\", \"gnome-terminal --\" or \"kitty\". Empty: "
                                       "the desktop's x-terminal-emulator."));
    terminalNote->setWordWrap(true);
    terminalLayout->addRow(terminalNote);

    QString where = tr("Settings are stored in %1.").arg(settings.filePath());
    if (!settings.isWritable())
        where += QLatin1Char(' ') + tr("That file could not be read, so changes are not saved this session.");
    auto *location = new QLabel(where);
    location->setObjectName(QStringLiteral("settingsLocation"));
    location->setWordWrap(true);
    location->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->setObjectName(QStringLiteral("preferencesButtons"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(group);
    layout->addWidget(audit);
    layout->addWidget(terminals);
    layout->addWidget(location);
    layout->addStretch();
    layout->addWidget(buttons);
}

void PreferencesDialog::accept()
{
    m_settings.setCloseToTray(m_closeToTray->isChecked());
    m_settings.setValue(Settings::Key::AuditRetentionDays, m_retentionDays->value());
    m_settings.setValue(Settings::Key::AuditMaxSizeMb, m_maxSizeMb->value());
    m_settings.setValue(Settings::Key::DenyNotifications, m_denyNotifications->isChecked());
    m_settings.setValue(Settings::Key::Terminal, m_terminal->text().trimmed());
    QDialog::accept();
}

} // namespace paddock
