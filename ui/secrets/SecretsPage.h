#pragma once

#include "common/Error.h"
#include "personas/Persona.h"
#include "secrets/SecretStore.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <optional>

class QFrame;
class QLabel;
class QPushButton;
class QTableWidget;

namespace paddock {

class PersonaRuntime;
class SecretEditDialog;
class SecretRevealDialog;
class SecretStoreThread;

// The Secrets window: the secrets in the keychain by name, kind, persona and date (never a
// value), adding one (typed, loaded from a file or a generated SSH key, optionally made a
// persona's SSH key), revealing one after a confirmation, and removing one. Problems (no keyring,
// a locked one, an index file that cannot be read, with file:line:column) are shown in a banner.
//
// The SecretStore runs on a thread the page owns (SecretStoreThread): the UI thread reads no file
// and waits on nothing. Persona edits go to the runtime queued; without a runtime (nullptr, in
// tests) the page lists no personas unless applyPersonas is called and only emits
// updatePersonaRequested.
class SecretsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretsPage)

public:
    enum Column { NameColumn, KindColumn, PersonaColumn, CreatedColumn, ColumnCount };

    explicit SecretsPage(PersonaRuntime *runtime, const QString &indexPath = SecretStore::defaultIndexPath(),
                         QWidget *parent = nullptr);
    ~SecretsPage() override;

    SecretStoreThread *store() const { return m_store; }
    QList<SecretStore::Entry> entries() const { return m_entries; }
    // What the banner says (empty when there is no problem), and the last message of the page.
    QString problem() const;
    QString message() const;
    // Translated kind names, as the table shows them.
    static QString kindTitle(SecretStore::Kind kind);

public slots:
    void applyPersonas(const QList<paddock::Persona> &personas);
    void reload();
    void addSecret();
    void revealSecret(const QString &name);
    void removeSecret(const QString &name);

signals:
    // Make `persona` use the SSH key just stored (queued to PersonaRuntime::updatePersona).
    void updatePersonaRequested(const QString &persona, const paddock::Persona &edited);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct PendingSave
    {
        quint64 ticket = 0;
        QString name;
        QString persona;
        bool useAsPersonaKey = false;
        bool deployKey = true;
    };

    void applyEntries(const QList<paddock::SecretStore::Entry> &entries);
    void onStored(quint64 ticket, const QString &name);
    void onValueRead(quint64 ticket, const QString &name, const QByteArray &value);
    void onNotFound(quint64 ticket, const QString &name);
    void onRemoved(quint64 ticket, const QString &name);
    void onFailed(quint64 ticket, const QString &name, const paddock::Error &error);
    void onFileRead(quint64 ticket, const QString &path, const QByteArray &contents);
    void saveFromDialog();
    void showProblem(const QString &text, bool indexProblem);
    void clearProblem();
    void showMessage(const QString &text);
    QString selectedName() const;
    void updateButtons();
    QStringList personasUsingKey(const QString &name) const;

    SecretStoreThread *m_store;
    QList<SecretStore::Entry> m_entries;
    QList<Persona> m_personas;
    QPointer<SecretEditDialog> m_editDialog;
    QPointer<SecretRevealDialog> m_revealDialog;
    std::optional<PendingSave> m_save;
    quint64 m_fileTicket = 0;
    QHash<quint64, QString> m_reads;
    QHash<quint64, QString> m_removes;
    bool m_bannerIsIndex = false;

    QFrame *m_banner;
    QLabel *m_bannerText;
    QPushButton *m_reload;
    QPushButton *m_dismiss;
    QLabel *m_message;
    QTableWidget *m_table;
    QLabel *m_empty;
    QPushButton *m_add;
    QPushButton *m_reveal;
    QPushButton *m_remove;
};

} // namespace paddock
