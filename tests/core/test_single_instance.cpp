#include "instance/SingleInstance.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace paddock;

class TestSingleInstance : public QObject
{
    Q_OBJECT

private slots:
    void firstIsPrimarySecondIsSecondary()
    {
        QTemporaryDir dir;
        SingleInstance first(QStringLiteral("/cfg/a"), dir.path());
        QCOMPARE(first.claim().value(), SingleInstance::Role::Primary);
        SingleInstance second(QStringLiteral("/cfg/a"), dir.path());
        QCOMPARE(second.claim().value(), SingleInstance::Role::Secondary);
        // Another configuration folder is another instance.
        SingleInstance other(QStringLiteral("/cfg/b"), dir.path());
        QCOMPARE(other.claim().value(), SingleInstance::Role::Primary);
    }

    void secondLaunchActivatesTheFirst()
    {
        QTemporaryDir dir;
        SingleInstance first(QStringLiteral("/cfg"), dir.path());
        QCOMPARE(first.claim().value(), SingleInstance::Role::Primary);
        QSignalSpy activated(&first, &SingleInstance::activationRequested);

        // The second launch is another process in real life; run its client side in a thread so
        // that this thread's event loop can serve the first instance meanwhile.
        Result<void> sent = fail(Error::Code::Internal, QStringLiteral("not run"));
        std::unique_ptr<QThread> client(QThread::create([&] {
            SingleInstance second(QStringLiteral("/cfg"), dir.path());
            if (second.claim().value() == SingleInstance::Role::Secondary)
                sent =
                    second.activatePrimary({QStringLiteral("paddock"), QStringLiteral("--minimized")}, 5000);
        }));
        client->start();
        QVERIFY(activated.wait(5000));
        QTRY_VERIFY_WITH_TIMEOUT(client->isFinished(),
                                 5000); // the first instance answers from its event loop
        QVERIFY2(sent.has_value(), qPrintable(sent ? QString() : sent.error().text()));
        QCOMPARE(activated.at(0).at(0).toStringList(),
                 (QStringList{QStringLiteral("paddock"), QStringLiteral("--minimized")}));
    }

    void staleLockOfADeadProcessIsTakenOver()
    {
        QTemporaryDir dir;
        SingleInstance probe(QStringLiteral("/cfg"), dir.path());
        // A lock file as a crashed Paddock leaves it: a PID that no longer runs, this host.
        QProcess dead;
        dead.start(QStringLiteral("true"));
        QVERIFY(dead.waitForFinished());
        const qint64 deadPid = dead.processId() ? dead.processId() : 999999;
        QFile lock(probe.lockFilePath());
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.write(QByteArray::number(deadPid) + "\npaddock\n" + QSysInfo::machineHostName().toUtf8() + "\n");
        lock.close();
        // And its socket file.
        QFile sock(probe.serverName());
        QVERIFY(sock.open(QIODevice::WriteOnly));
        sock.close();

        SingleInstance next(QStringLiteral("/cfg"), dir.path());
        QCOMPARE(next.claim().value(), SingleInstance::Role::Primary);
        QSignalSpy activated(&next, &SingleInstance::activationRequested);
        std::unique_ptr<QThread> client(QThread::create([&] {
            SingleInstance second(QStringLiteral("/cfg"), dir.path());
            if (second.claim().value() == SingleInstance::Role::Secondary)
                (void)second.activatePrimary({}, 5000);
        }));
        client->start();
        QVERIFY(activated.wait(5000)); // the new primary really listens
        QTRY_VERIFY_WITH_TIMEOUT(client->isFinished(),
                                 5000); // the first instance answers from its event loop
    }

    void liveButSilentPrimaryIsReportedNotHungOn()
    {
        QTemporaryDir dir;
        SingleInstance first(QStringLiteral("/cfg"), dir.path());
        QCOMPARE(first.claim().value(), SingleInstance::Role::Primary);
        // The first instance stops answering (its socket vanished): the second says so and why.
        QLocalServer::removeServer(first.serverName());
        SingleInstance second(QStringLiteral("/cfg"), dir.path());
        QCOMPARE(second.claim().value(), SingleInstance::Role::Secondary);
        const auto sent = second.activatePrimary({}, 500);
        QVERIFY(!sent.has_value());
        QCOMPARE(sent.error().code, Error::Code::Unavailable);
        QVERIFY(sent.error().text().contains(QString::number(QCoreApplication::applicationPid())));
        QVERIFY(!sent.error().hint.isEmpty());
    }

    void garbageOnTheSocketIsRefused()
    {
        QTemporaryDir dir;
        SingleInstance first(QStringLiteral("/cfg"), dir.path());
        QCOMPARE(first.claim().value(), SingleInstance::Role::Primary);
        QSignalSpy activated(&first, &SingleInstance::activationRequested);
        QLocalSocket socket;
        socket.connectToServer(first.serverName());
        QVERIFY(socket.waitForConnected(2000));
        socket.write("{\"version\":1,\"command\":\"rm -rf\"}\n");
        QTRY_VERIFY(socket.canReadLine() || socket.state() == QLocalSocket::UnconnectedState);
        QCOMPARE(socket.readLine().trimmed(), QByteArray("error"));
        QCOMPARE(activated.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "test_single_instance.moc"
