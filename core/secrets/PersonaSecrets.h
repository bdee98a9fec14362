#pragma once

#include "common/Error.h"
#include "personas/Persona.h"

#include <QByteArray>
#include <QMap>
#include <QObject>

#include <functional>

namespace paddock {

class SecretStore;

// Reads, from the keychain, the secrets a persona's container gets when it starts: its SSH key
// (Persona::sshKey) and every secret the index assigns to the persona — only names in the index, so
// nothing is asked of the keychain for a persona without stored secrets. A name with nothing
// stored is left out (the container starts without it); a keychain that fails, or an index that
// cannot be read, is an error. Asynchronous:
// `done` is called once, on this object's thread.
class PersonaSecrets final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PersonaSecrets)

public:
    using Secrets = QMap<QString, QByteArray>;
    explicit PersonaSecrets(QString indexPath, QObject *parent = nullptr);
    ~PersonaSecrets() override;

    void read(const Persona &persona, std::function<void(Result<Secrets>)> done);
    // The same, and the secrets named `also` whoever they are assigned to (those the persona's MCP
    // servers name in mcp.toml).
    void read(const Persona &persona, const QStringList &also, std::function<void(Result<Secrets>)> done);

private:
    QString m_indexPath;
    SecretStore *m_store = nullptr;
};

} // namespace paddock
