#include "secrets/SecretStoreThread.h"

#include <QCoreApplication>
#include <QFile>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SecretStoreThread)
};
} // namespace

SecretStoreThread::SecretStoreThread(QString indexPath, QObject *parent)
    : QObject(parent)
    , m_indexPath(std::move(indexPath))
    , m_store(new SecretStore(m_indexPath))
{
    m_thread.setObjectName(QStringLiteral("paddock-secrets"));
    m_store->moveToThread(&m_thread);
    connectStore();
    m_thread.start();
}

SecretStoreThread::~SecretStoreThread()
{
    // Deleted where it lives, with its keychain jobs; answers still queued to this object are dropped.
    SecretStore *store = m_store;
    QMetaObject::invokeMethod(store, [store] { delete store; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

template <typename F> void SecretStoreThread::onThread(F &&work)
{
    QMetaObject::invokeMethod(m_store, std::forward<F>(work), Qt::QueuedConnection);
}

void SecretStoreThread::connectStore()
{
    // These run on the store's thread (direct: the context is the store); the signals they emit
    // reach receivers on other threads queued.
    auto ticket = [this](quint64 request) { return m_tickets.take(request); };
    connect(m_store, &SecretStore::entriesChanged, m_store,
            [this] { emit entriesChanged(m_store->entries()); });
    connect(m_store, &SecretStore::stored, m_store,
            [this, ticket](quint64 r, const QString &name) { emit stored(ticket(r), name); });
    connect(m_store, &SecretStore::valueRead, m_store,
            [this, ticket](quint64 r, const QString &name, const QByteArray &value) {
                emit valueRead(ticket(r), name, value);
            });
    connect(m_store, &SecretStore::notFound, m_store,
            [this, ticket](quint64 r, const QString &name) { emit notFound(ticket(r), name); });
    connect(m_store, &SecretStore::removed, m_store,
            [this, ticket](quint64 r, const QString &name) { emit removed(ticket(r), name); });
    connect(m_store, &SecretStore::failed, m_store,
            [this, ticket](quint64 r, const QString &name, const Error &error) {
                emit failed(ticket(r), name, error);
            });
}

void SecretStoreThread::loadIndex()
{
    onThread([this] {
        if (auto loaded = m_store->loadIndex(); loaded)
            emit indexLoaded();
        else
            emit indexFailed(loaded.error());
        emit entriesChanged(m_store->entries());
    });
}

quint64 SecretStoreThread::store(const QString &name, const QByteArray &value, SecretStore::Kind kind,
                                 const QString &persona)
{
    const quint64 ticket = m_nextTicket++;
    onThread([this, ticket, name, value, kind, persona] {
        m_tickets.insert(m_store->store(name, value, kind, persona), ticket);
    });
    return ticket;
}

quint64 SecretStoreThread::read(const QString &name)
{
    const quint64 ticket = m_nextTicket++;
    onThread([this, ticket, name] { m_tickets.insert(m_store->read(name), ticket); });
    return ticket;
}

quint64 SecretStoreThread::remove(const QString &name)
{
    const quint64 ticket = m_nextTicket++;
    onThread([this, ticket, name] { m_tickets.insert(m_store->remove(name), ticket); });
    return ticket;
}

quint64 SecretStoreThread::readFile(const QString &path)
{
    const quint64 ticket = m_nextTicket++;
    onThread([this, ticket, path] {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            emit failed(ticket, path,
                        Error{Error::Code::Io, Text::tr("cannot read the file: %1").arg(file.errorString()),
                              path, Text::tr("Choose a file you can read.")});
            return;
        }
        const QByteArray contents = file.read(MaxFileBytes + 1);
        if (file.error() != QFileDevice::NoError) {
            emit failed(ticket, path,
                        Error{Error::Code::Io, Text::tr("cannot read the file: %1").arg(file.errorString()),
                              path, Text::tr("Choose a file you can read.")});
            return;
        }
        if (contents.size() > MaxFileBytes) { // also a device or pipe that does not say its size
            emit failed(ticket, path,
                        Error{Error::Code::Invalid,
                              Text::tr("the file is larger than %1 bytes, more than a key or token would be")
                                  .arg(MaxFileBytes),
                              path, Text::tr("Choose the key file itself (for example ~/.ssh/id_ed25519).")});
            return;
        }
        emit fileRead(ticket, path, contents);
    });
    return ticket;
}

void SecretStoreThread::setRetryDelay(std::chrono::milliseconds first)
{
    onThread([this, first] { m_store->setRetryDelay(first); });
}

} // namespace paddock
