#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QString>

namespace paddock {

// A new SSH key pair, made without ssh-keygen: ed25519 through OpenSSL's EVP, written in
// OpenSSH's own private-key format ("openssh-key-v1", unencrypted: the keychain protects it).
struct SshKeyPair
{
    QByteArray privateKey; // "-----BEGIN OPENSSH PRIVATE KEY-----" … , what ssh -i reads
    QString publicKey;     // "ssh-ed25519 AAAA… comment", for authorized_keys or a deploy key
};

namespace SshKey {
Result<SshKeyPair> generateEd25519(const QString &comment);
} // namespace SshKey

} // namespace paddock
