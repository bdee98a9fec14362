#pragma once

#include "common/Error.h"
#include "personas/Persona.h"
#include "secrets/SecretStore.h"

#include <QByteArray>
#include <QDialog>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace paddock {

// Adding a secret: its name (checked as typed, the error shown beside it), kind, persona, and the
// value in a masked field, loaded from a file, or (for an SSH key) generated. It does no I/O
// itself: saveRequested and loadFileRequested go to the page, which answers with saved(),
// showError() or setLoadedValue(). Whatever held the value is cleared when the dialog closes.
class SecretEditDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretEditDialog)

public:
    SecretEditDialog(const QStringList &existingNames, const QList<Persona> &personas,
                     QWidget *parent = nullptr);
    ~SecretEditDialog() override;

    QString name() const;
    SecretStore::Kind kind() const;
    QString persona() const; // empty: shared
    QByteArray value() const;
    // Whether the persona should use this SSH key, and as which kind of key.
    bool useAsPersonaKey() const;
    bool deployKey() const;
    // The public half of a generated key (empty unless one was generated).
    QString publicKey() const;

    // Whether the form can be saved as it is; what is wrong otherwise (shown inline).
    bool isAcceptable() const;

public slots:
    // A file chosen for the value (asks the page through loadFileRequested).
    void loadFile(const QString &path);
    void setLoadedValue(const QString &path, const QByteArray &contents);
    void generateSshKey();
    // Storing is under way (the form is locked), failed (the error is shown, the form unlocked).
    void setBusy(bool busy);
    void showError(const paddock::Error &error);

signals:
    void saveRequested();
    void loadFileRequested(const QString &path);

protected:
    void done(int result) override;

private:
    void validate();
    void chooseFile();
    void clearValue();
    const Persona *selectedPersona() const;

    QStringList m_existing;
    QList<Persona> m_personas;
    QByteArray m_loaded; // from a file or generated; replaces the typed value when set
    QString m_publicKey;
    bool m_nameTouched = false;
    bool m_busy = false;

    QLineEdit *m_name;
    QLabel *m_nameError;
    QComboBox *m_kind;
    QComboBox *m_persona;
    QLineEdit *m_value;
    QLabel *m_valueInfo;
    QLabel *m_valueError;
    QPushButton *m_loadFile;
    QPushButton *m_generate;
    QLineEdit *m_public;
    QPushButton *m_copyPublic;
    QCheckBox *m_useAsKey;
    QComboBox *m_keyRole;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace paddock
