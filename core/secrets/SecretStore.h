#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include <chrono>
#include <memory>
#include <optional>

namespace QKeychain {
class Job;
}

namespace paddock {

// Secrets (API keys, SSH keys) in the desktop's Secret Service through QtKeychain (service
// "io.paddock.Paddock"), and an index of their NAMES in $CONFIG/secrets.json so that the UI can
// list them without touching a value. Values are never logged, never written to a file and never
// part of an Error.
//
// Asynchronous: store(), read() and remove() return a request id at once; exactly one signal with
// that id follows later (never from inside the call). NoBackendAvailable and OtherError are retried
// a few times with growing delays (a keyring that is still starting or locked); EntryNotFound means
// "nothing stored". No nested event loop anywhere. Lives in the thread that owns it (any thread:
// the QtKeychain jobs themselves always run on the application's main thread, see start()).
class SecretStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    static constexpr const char *Service = "io.paddock.Paddock";
    static constexpr int FormatVersion = 1;
    static constexpr int MaxAttempts = 4; // the first try and three retries

    enum class Kind { ApiKey, SshPrivateKey, SshAuthorizedKeys, Other };
    struct Entry
    {
        QString name;
        Kind kind = Kind::Other;
        QString persona; // the persona it is for; empty when shared
        QDateTime created;
    };

    explicit SecretStore(QString indexPath = defaultIndexPath(), QObject *parent = nullptr);
    ~SecretStore() override;
    static QString defaultIndexPath(); // $CONFIG/secrets.json
    QString indexPath() const { return m_path; }

    // Reads the index; a missing file is an empty list. A file that cannot be used is reported
    // (file:line:column), left untouched and never overwritten: store() and remove() then fail.
    Result<void> loadIndex();
    const QList<Entry> &entries() const { return m_entries; }
    std::optional<Entry> find(const QString &name) const;

    // [a-z0-9][a-z0-9._-]{0,63}: also a file name in the container's secrets folder.
    static Result<void> validateName(const QString &name);
    static QString kindName(Kind kind); // "api-key", "ssh-private-key", "ssh-authorized-keys", "other"
    static std::optional<Kind> kindFromName(QStringView name);

    quint64 store(const QString &name, const QByteArray &value, Kind kind, const QString &persona = {});
    quint64 read(const QString &name);
    quint64 remove(const QString &name);

    // The delay before the first retry; each further one doubles it.
    void setRetryDelay(std::chrono::milliseconds first) { m_retryDelay = first; }

signals:
    void stored(quint64 request, const QString &name);
    void valueRead(quint64 request, const QString &name, const QByteArray &value);
    void notFound(quint64 request, const QString &name); // read: nothing stored under that name
    void removed(quint64 request, const QString &name);  // also when nothing was stored
    void failed(quint64 request, const QString &name, const paddock::Error &error);
    void entriesChanged();

private:
    struct Request;
    quint64 submit(std::shared_ptr<Request> request);
    void start(const std::shared_ptr<Request> &request);
    void finish(const std::shared_ptr<Request> &request, QKeychain::Job *job);
    void failLater(quint64 id, const QString &name, const Error &error);
    Result<void> saveIndex(const QList<Entry> &entries);

    QString m_path;
    QList<Entry> m_entries;
    std::optional<Error> m_loadError;
    quint64 m_nextId = 1;
    std::chrono::milliseconds m_retryDelay{250};
    QSet<QKeychain::Job *> m_jobs; // under way (they live on the main thread)
};

} // namespace paddock
