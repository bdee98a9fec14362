#include "secrets/PersonaSecrets.h"

#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QHash>

#include <memory>

namespace paddock {

PersonaSecrets::PersonaSecrets(QString indexPath, QObject *parent)
    : QObject(parent)
    , m_indexPath(std::move(indexPath))
{}

PersonaSecrets::~PersonaSecrets() = default;

void PersonaSecrets::read(const Persona &persona, std::function<void(Result<Secrets>)> done)
{
    read(persona, {}, std::move(done));
}

void PersonaSecrets::read(const Persona &persona, const QStringList &also,
                          std::function<void(Result<Secrets>)> done)
{
    if (!m_store)
        m_store = new SecretStore(m_indexPath, this);
    // The index may have changed since (the Secrets page writes it): read it afresh. A broken
    // one is an error: which secrets to deliver is not known.
    if (auto loaded = m_store->loadIndex(); !loaded)
        return done(std::unexpected(loaded.error()));
    // Only names the index knows: a key that was never stored is not asked for (so a machine
    // without a keychain still starts personas that have no secrets).
    QStringList names;
    if (!persona.sshKey.isEmpty() && m_store->find(persona.sshKey))
        names << persona.sshKey;
    for (const SecretStore::Entry &entry : m_store->entries())
        if ((entry.persona == persona.name || also.contains(entry.name)) && !names.contains(entry.name))
            names << entry.name;
    if (names.isEmpty())
        return done(Secrets{});

    // One request per name; the answers come back by request id.
    struct Pending
    {
        QHash<quint64, QString> waiting;
        Secrets values;
        std::optional<Error> error;
        std::function<void(Result<Secrets>)> done;
        QList<QMetaObject::Connection> connections;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    auto settle = [pending](quint64 id) {
        if (!pending->waiting.remove(id) || !pending->waiting.isEmpty())
            return;
        for (const auto &c : std::as_const(pending->connections))
            QObject::disconnect(c);
        if (pending->error)
            pending->done(std::unexpected(*pending->error));
        else
            pending->done(pending->values);
    };
    pending->connections << connect(
        m_store, &SecretStore::valueRead, this,
        [pending, settle](quint64 id, const QString &name, const QByteArray &value) {
            if (pending->waiting.contains(id))
                pending->values.insert(name, value);
            settle(id);
        });
    pending->connections << connect(m_store, &SecretStore::notFound, this,
                                    [settle](quint64 id, const QString &) { settle(id); });
    pending->connections << connect(m_store, &SecretStore::failed, this,
                                    [pending, settle](quint64 id, const QString &, const Error &error) {
                                        if (pending->waiting.contains(id) && !pending->error)
                                            pending->error = error;
                                        settle(id);
                                    });
    // Every request answers later, never from inside read(): the ids are known before any answer.
    for (const QString &name : names)
        pending->waiting.insert(m_store->read(name), name);
}

} // namespace paddock
