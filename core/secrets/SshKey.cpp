#include "secrets/SshKey.h"

#include <QCoreApplication>
#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SshKey)
};

// The SSH wire format (RFC 4251): big-endian uint32, and strings prefixed by their length.
void putUint32(QByteArray &out, quint32 v)
{
    char b[4];
    qToBigEndian(v, b);
    out.append(b, 4);
}

void putString(QByteArray &out, const QByteArray &s)
{
    putUint32(out, quint32(s.size()));
    out.append(s);
}

// Wipes what held key material before it is freed.
void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(bytes.data(), size_t(bytes.size()));
    bytes.clear();
}

struct PkeyFree
{
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
} // namespace

Result<SshKeyPair> SshKey::generateEd25519(const QString &comment)
{
    const auto openssl = [](const QString &what) {
        return fail(Error::Code::Internal,
                    Text::tr("cannot generate an SSH key: %1 failed in OpenSSL").arg(what), {},
                    Text::tr("Generate the key with ssh-keygen -t ed25519 and load it from the file."));
    };
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key)
        return openssl(QStringLiteral("EVP_PKEY_Q_keygen"));
    QByteArray pub(32, '\0');
    QByteArray seed(32, '\0');
    size_t pubLen = 32;
    size_t seedLen = 32;
    if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char *>(pub.data()), &pubLen) != 1 ||
        pubLen != 32)
        return openssl(QStringLiteral("EVP_PKEY_get_raw_public_key"));
    if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char *>(seed.data()), &seedLen) !=
            1 ||
        seedLen != 32) {
        wipe(seed);
        return openssl(QStringLiteral("EVP_PKEY_get_raw_private_key"));
    }
    quint32 check = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&check), sizeof check) != 1) {
        wipe(seed);
        return openssl(QStringLiteral("RAND_bytes"));
    }

    const QByteArray type = QByteArrayLiteral("ssh-ed25519");
    QByteArray publicBlob;
    putString(publicBlob, type);
    putString(publicBlob, pub);

    // The private section (PROTOCOL.key in OpenSSH): two equal check words, then the key as
    // ssh-ed25519 keeps it (the 32-byte seed followed by the public key), the comment, and padding
    // 1, 2, 3… to the cipher's block size (8 for "none").
    QByteArray secret = seed + pub;
    QByteArray section;
    putUint32(section, check);
    putUint32(section, check);
    putString(section, type);
    putString(section, pub);
    putString(section, secret);
    putString(section, comment.toUtf8());
    for (char pad = 1; section.size() % 8 != 0; ++pad)
        section.append(pad);

    QByteArray blob("openssh-key-v1", 15); // with its terminating NUL
    putString(blob, QByteArrayLiteral("none"));
    putString(blob, QByteArrayLiteral("none"));
    putString(blob, QByteArray());
    putUint32(blob, 1);
    putString(blob, publicBlob);
    putString(blob, section);

    QByteArray base64 = blob.toBase64();
    SshKeyPair pair;
    // Reserved up front so that no reallocation leaves a copy of the key behind.
    pair.privateKey.reserve(base64.size() + base64.size() / 70 + 80);
    pair.privateKey += QByteArrayLiteral("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (qsizetype i = 0; i < base64.size(); i += 70) {
        pair.privateKey += QByteArrayView(base64).mid(i, 70);
        pair.privateKey += '\n';
    }
    pair.privateKey += QByteArrayLiteral("-----END OPENSSH PRIVATE KEY-----\n");
    pair.publicKey = QStringLiteral("ssh-ed25519 ") + QString::fromLatin1(publicBlob.toBase64());
    if (!comment.isEmpty())
        pair.publicKey += QLatin1Char(' ') + comment;
    wipe(seed);
    wipe(secret);
    wipe(section);
    wipe(blob);
    wipe(base64);
    return pair;
}

} // namespace paddock
