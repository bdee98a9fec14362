#pragma once

#include <QDialog>

class QCheckBox;

namespace paddock {

class Settings;

// The application's own preferences. Changes apply when the user presses OK.
class PreferencesDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PreferencesDialog)

public:
    PreferencesDialog(Settings &settings, bool trayAvailable, QWidget *parent = nullptr);

    void accept() override;

private:
    Settings &m_settings;
    QCheckBox *m_closeToTray;
};

} // namespace paddock
