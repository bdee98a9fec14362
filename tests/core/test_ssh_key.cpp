// SshKey: the ed25519 keys Paddock generates itself are in OpenSSH's private-key format, and the
// agent image's own OpenSSH accepts them: ssh-keygen derives the same public key from the file,
// and a signature made with the private key verifies against the public key Paddock printed.
#include "AgentImage.h"
#include "secrets/SshKey.h"

#include <QProcess>
#include <QTest>
#include <QtEndian>

using namespace paddock;

class TestSshKey : public QObject
{
    Q_OBJECT

    // The blob between the armour lines.
    static QByteArray body(const QByteArray &pem)
    {
        QList<QByteArray> lines = pem.trimmed().split('\n');
        if (lines.size() < 3)
            return {};
        lines.removeFirst();
        lines.removeLast();
        return QByteArray::fromBase64(lines.join());
    }

    struct Reader
    {
        QByteArray data;
        qsizetype at = 0;
        bool ok = true;
        quint32 uint32()
        {
            if (at + 4 > data.size()) {
                ok = false;
                return 0;
            }
            const quint32 v = qFromBigEndian<quint32>(data.constData() + at);
            at += 4;
            return v;
        }
        QByteArray string()
        {
            const quint32 n = uint32();
            if (!ok || at + qsizetype(n) > data.size()) {
                ok = false;
                return {};
            }
            QByteArray s = data.mid(at, n);
            at += n;
            return s;
        }
    };

private slots:
    void writesOpenSshsFormat()
    {
        auto pair = SshKey::generateEd25519(QStringLiteral("paddock-agent"));
        QVERIFY(pair);
        QVERIFY(pair->privateKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
        QVERIFY(pair->privateKey.endsWith("\n-----END OPENSSH PRIVATE KEY-----\n"));
        for (const QByteArray &line : pair->privateKey.split('\n'))
            QVERIFY(line.size() <= 70);
        const QByteArray blob = body(pair->privateKey);
        QVERIFY(blob.startsWith(QByteArray("openssh-key-v1", 15)));
        Reader r{blob, 15};
        QCOMPARE(r.string(), QByteArray("none"));
        QCOMPARE(r.string(), QByteArray("none"));
        QCOMPARE(r.string(), QByteArray());
        QCOMPARE(r.uint32(), 1u);
        const QByteArray publicBlob = r.string();
        const QByteArray section = r.string();
        QVERIFY(r.ok);
        QCOMPARE(r.at, blob.size());
        QCOMPARE(section.size() % 8, 0);

        // The public key line is the same blob.
        const QStringList fields = pair->publicKey.split(QLatin1Char(' '));
        QCOMPARE(fields.size(), 3);
        QCOMPARE(fields.at(0), QStringLiteral("ssh-ed25519"));
        QCOMPARE(QByteArray::fromBase64(fields.at(1).toLatin1()), publicBlob);
        QCOMPARE(fields.at(2), QStringLiteral("paddock-agent"));
        Reader p{publicBlob};
        QCOMPARE(p.string(), QByteArray("ssh-ed25519"));
        const QByteArray pub = p.string();
        QCOMPARE(pub.size(), 32);

        Reader s{section};
        const quint32 check = s.uint32();
        QCOMPARE(s.uint32(), check);
        QCOMPARE(s.string(), QByteArray("ssh-ed25519"));
        QCOMPARE(s.string(), pub);
        const QByteArray secret = s.string();
        QCOMPARE(secret.size(), 64);
        QCOMPARE(secret.mid(32), pub);
        QCOMPARE(s.string(), QByteArray("paddock-agent"));
        QVERIFY(s.ok);
        for (char pad = 1; s.at < section.size(); ++pad)
            QCOMPARE(section.at(s.at++), pad);

        // Two keys are two keys.
        auto other = SshKey::generateEd25519({});
        QVERIFY(other);
        QVERIFY(other->publicKey != pair->publicKey);
        QCOMPARE(other->publicKey.count(QLatin1Char(' ')), 1); // no comment, no trailing field
    }

    void theAgentImagesOpenSshAcceptsIt()
    {
        if (const QString problem = ensureAgentImage(); !problem.isEmpty())
            QFAIL(qPrintable(problem));
        auto pair = SshKey::generateEd25519(QStringLiteral("paddock-test"));
        QVERIFY(pair);
        // The key goes in on stdin, never on a command line; the public key is not secret.
        const QString script = QStringLiteral(
            "set -e; umask 077; cat > /tmp/k; echo paddock > /tmp/m;"
            "ssh-keygen -y -f /tmp/k;"
            "ssh-keygen -q -Y sign -f /tmp/k -n paddock /tmp/m;"
            "printf 'test@paddock %s\\n' \"$PUB\" > /tmp/signers;"
            "ssh-keygen -Y verify -f /tmp/signers -I test@paddock -n paddock -s /tmp/m.sig < /tmp/m");
        QProcess podman;
        podman.start(
            QStringLiteral("podman"),
            {QStringLiteral("run"), QStringLiteral("-i"), QStringLiteral("--rm"), QStringLiteral("--name"),
             QStringLiteral("test-sshkey-%1").arg(QCoreApplication::applicationPid()),
             QStringLiteral("--network=none"), QStringLiteral("-e"), QStringLiteral("PADDOCK_SECRETS_WAIT=0"),
             QStringLiteral("-e"), QStringLiteral("PUB=") + pair->publicKey, agentImageName(),
             QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"), script});
        QVERIFY(podman.waitForStarted());
        podman.write(pair->privateKey);
        podman.closeWriteChannel();
        QVERIFY(podman.waitForFinished(120000));
        const QString out = QString::fromUtf8(podman.readAllStandardOutput());
        const QString err = QString::fromUtf8(podman.readAllStandardError());
        QVERIFY2(podman.exitCode() == 0, qPrintable(out + err));
        // ssh-keygen -y: the same key (and comment) from the file alone.
        QVERIFY2(out.startsWith(pair->publicKey), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Good \"paddock\" signature for test@paddock")) ||
                     err.contains(QStringLiteral("Good \"paddock\" signature for test@paddock")),
                 qPrintable(out + err));
    }
};

QTEST_GUILESS_MAIN(TestSshKey)
#include "test_ssh_key.moc"
