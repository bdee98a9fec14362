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

private slots:
    void secretServiceStoresAndReturnsASecret()
    {
        const QString key = QStringLiteral("probe-%1").arg(QCoreApplication::applicationPid());
        const QString value = QStringLiteral("s3cret ✓ value");
        {
            QKeychain::WritePasswordJob job(QString::fromLatin1(Service));
            job.setAutoDelete(false);
            job.setKey(key);
            job.setTextData(value);
            QSignalSpy done(&job, &QKeychain::Job::finished);
            job.start();
            QVERIFY(done.wait(15000));
            QVERIFY2(
                job.error() == QKeychain::NoError,
                qPrintable(QStringLiteral("write: %1 (is gnome-keyring running and unlocked on the session "
                                          "bus? scripts/test starts it)")
                               .arg(job.errorString())));
        }
        {
            QKeychain::ReadPasswordJob job(QString::fromLatin1(Service));
            job.setAutoDelete(false);
            job.setKey(key);
            QSignalSpy done(&job, &QKeychain::Job::finished);
            job.start();
            QVERIFY(done.wait(15000));
            QCOMPARE(job.error(), QKeychain::NoError);
            QCOMPARE(job.textData(), value);
        }
        {
            QKeychain::DeletePasswordJob job(QString::fromLatin1(Service));
            job.setAutoDelete(false);
            job.setKey(key);
            QSignalSpy done(&job, &QKeychain::Job::finished);
            job.start();
            QVERIFY(done.wait(15000));
            QCOMPARE(job.error(), QKeychain::NoError);
        }
        {
            QKeychain::ReadPasswordJob job(QString::fromLatin1(Service));
            job.setAutoDelete(false);
            job.setKey(key);
            QSignalSpy done(&job, &QKeychain::Job::finished);
            job.start();
            QVERIFY(done.wait(15000));
            QCOMPARE(job.error(), QKeychain::EntryNotFound); // "nothing stored"
        }
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
