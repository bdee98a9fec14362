#include "PreferencesDialog.h"

#include "config/Settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

namespace paddock {

PreferencesDialog::PreferencesDialog(Settings &settings, bool trayAvailable, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_closeToTray(new QCheckBox(tr("&Keep Paddock running in the system tray when its window is closed")))
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
    layout->addWidget(location);
    layout->addStretch();
    layout->addWidget(buttons);
}

void PreferencesDialog::accept()
{
    m_settings.setCloseToTray(m_closeToTray->isChecked());
    QDialog::accept();
}

} // namespace paddock
