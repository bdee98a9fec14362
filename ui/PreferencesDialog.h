#pragma once

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QSpinBox;

namespace paddock {

class Settings;

// The application's own preferences. Changes apply when the user presses OK.
class PreferencesDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PreferencesDialog)

public:
    // `auditDatabasePath`: the audit log shown (AuditStore::defaultDatabasePath() when empty).
    PreferencesDialog(Settings &settings, bool trayAvailable, QWidget *parent = nullptr,
                      const QString &auditDatabasePath = {});

    void accept() override;

private:
    Settings &m_settings;
    QCheckBox *m_closeToTray;
    QSpinBox *m_retentionDays;
    QSpinBox *m_maxSizeMb;
    QCheckBox *m_denyNotifications;
    QLineEdit *m_terminal;
};

} // namespace paddock
