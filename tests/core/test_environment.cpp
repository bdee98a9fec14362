// The real services Paddock's later components stand on, as scripts/test provides them: a Secret
// Service on the session bus (through QtKeychain, as core/secrets will use it) and a container
// engine answering the Docker Engine API on its local socket.
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include <qt6keychain/keychain.h>

class TestEnvironment : public QObject
{
    Q_OBJECT

    static constexpr auto Service = "io.paddock.Paddock.test-environment";

    QByteArray http(const QString &socketPath, const QByteArray &path)
    {
        QLocalSocket socket;
        socket.connectToServer(socketPath);
        if (!socket.waitForConnected(5000))
            return "connect failed: " + socket.errorString().toUtf8();
        socket.write("GET " + path + " HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n");
        QByteArray response;
        while (socket.waitForReadyRead(10000))
            response += socket.readAll();
        return response + socket.readAll();
    }

    // Runs one QtKeychain job to its end, as core/secrets will (asynchronously, no nested loop).
    template <typename Job> static bool finish(Job &job, const QString &key)
    {
        job.setAutoDelete(false);
        job.setKey(key);
        QSignalSpy done(&job, &QKeychain::Job::finished);
        job.start();
        return done.wait(15000);
    }

private slots:
    void secretServiceStoresAndReturnsASecret()
    {
        const QString service = QString::fromLatin1(Service);
        const QString key = QStringLiteral("probe-%1").arg(QCoreApplication::applicationPid());
        const QString value = QStringLiteral("s3cret ✓ value");

        QKeychain::WritePasswordJob write(service);
        write.setTextData(value);
        QVERIFY(finish(write, key));
        QVERIFY2(
            write.error() == QKeychain::NoError,
            qPrintable(QStringLiteral("write: %1 (is gnome-keyring running and unlocked on the session bus? "
                                      "scripts/test starts it)")
                           .arg(write.errorString())));

        QKeychain::ReadPasswordJob read(service);
        QVERIFY(finish(read, key));
        QCOMPARE(read.error(), QKeychain::NoError);
        QCOMPARE(read.textData(), value);

        QKeychain::DeletePasswordJob remove(service);
        QVERIFY(finish(remove, key));
        QCOMPARE(remove.error(), QKeychain::NoError);

        QKeychain::ReadPasswordJob gone(service);
        QVERIFY(finish(gone, key));
        QCOMPARE(gone.error(), QKeychain::EntryNotFound); // "nothing stored"
    }

    void containerEngineAnswersTheDockerApi()
    {
        const QString host = qEnvironmentVariable("CONTAINER_HOST");
        QVERIFY2(host.startsWith(QStringLiteral("unix://")),
                 "CONTAINER_HOST must name the engine's socket (unix://...); scripts/test starts podman");
        const QString path = QUrl(host).path();
        const QByteArray ping = http(path, "/_ping");
        QVERIFY2(ping.startsWith("HTTP/1.1 200"), ping.constData());
        QVERIFY2(ping.endsWith("OK"), ping.constData());
        const QByteArray version = http(path, "/version");
        QVERIFY2(version.contains("\"ApiVersion\""), version.constData());
    }
};

QTEST_GUILESS_MAIN(TestEnvironment)
#include "test_environment.moc"
