#pragma once

#include "common/Error.h"
#include "secrets/SecretStore.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QThread>

namespace paddock {

// A SecretStore on a thread of its own (paddock-secrets), so that the UI thread never reads or
// writes its index file nor waits on the keychain. Every call returns a ticket at once and is
// queued to that thread; exactly one answer with the ticket follows, delivered on the caller's
// thread. entriesChanged and indexFailed say what the index holds whenever that changes.
// File reads (an SSH key loaded from disk) go through the same thread.
class SecretStoreThread final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStoreThread)

public:
    static constexpr qint64 MaxFileBytes = 64 * 1024; // more than any SSH key or token

    explicit SecretStoreThread(QString indexPath = SecretStore::defaultIndexPath(),
                               QObject *parent = nullptr);
    ~SecretStoreThread() override; // removes the store on its thread, then joins it

    QString indexPath() const { return m_indexPath; }

    // Reads the index again: indexLoaded or indexFailed (file:line:column), then entriesChanged.
    void loadIndex();
    quint64 store(const QString &name, const QByteArray &value, SecretStore::Kind kind,
                  const QString &persona);
    quint64 read(const QString &name);
    quint64 remove(const QString &name);
    // Reads a file of at most MaxFileBytes: fileRead or failed (with the path as the name).
    quint64 readFile(const QString &path);
    // For tests: the first retry's delay (see SecretStore::setRetryDelay).
    void setRetryDelay(std::chrono::milliseconds first);

signals:
    void entriesChanged(const QList<paddock::SecretStore::Entry> &entries);
    void indexLoaded();
    void indexFailed(const paddock::Error &error);
    void stored(quint64 ticket, const QString &name);
    void valueRead(quint64 ticket, const QString &name, const QByteArray &value);
    void notFound(quint64 ticket, const QString &name);
    void removed(quint64 ticket, const QString &name);
    void failed(quint64 ticket, const QString &name, const paddock::Error &error);
    void fileRead(quint64 ticket, const QString &path, const QByteArray &contents);

private:
    // Runs `work` on the store's thread.
    template <typename F> void onThread(F &&work);
    void connectStore();

    QString m_indexPath;
    QThread m_thread;
    SecretStore *m_store; // lives on m_thread
    quint64 m_nextTicket = 1;
    QHash<quint64, quint64> m_tickets; // the store's request id → ticket; used on m_thread only
};

} // namespace paddock
