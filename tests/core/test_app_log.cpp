#include "log/AppLog.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

using namespace paddock;

Q_LOGGING_CATEGORY(lcTest, "paddock.test")

class TestAppLog : public QObject
{
    Q_OBJECT

private slots:
    void deliversInBatchesFromAnyThread()
    {
        AppLog log;
        QSignalSpy batches(&log, &AppLog::entriesAdded);
        QElapsedTimer clock;
        clock.start();
        std::unique_ptr<QThread> worker(QThread::create([] {
            for (int i = 0; i < 500; ++i)
                qCWarning(lcTest) << "message" << i;
        }));
        worker->start();
        QVERIFY(worker->wait(5000));
        QVERIFY(batches.wait(2000));
        QTRY_COMPARE(log.history().size(), 500);
        // Far fewer batches than messages: the UI is touched once per batch, not per line.
        QVERIFY2(batches.count() < 20, qPrintable(QString::number(batches.count())));
        qsizetype total = 0;
        for (const auto &args : batches)
            total += args.at(0).value<QList<LogEntry>>().size();
        QCOMPARE(total, 500);
        const LogEntry first = log.history().first();
        QCOMPARE(first.type, QtWarningMsg);
        QCOMPARE(first.category, QStringLiteral("paddock.test"));
        QCOMPARE(first.message, QStringLiteral("message 0"));
    }

    void historyIsCapped()
    {
        AppLog log(100);
        for (int i = 0; i < 250; ++i)
            qCInfo(lcTest) << i;
        QTRY_COMPARE(log.history().size(), 100);
        QCOMPARE(log.history().first().message, QStringLiteral("150"));
        QCOMPARE(log.history().last().message, QStringLiteral("249"));
    }

    void noTimerRunsWhileNothingIsLogged()
    {
        AppLog log;
        QSignalSpy batches(&log, &AppLog::entriesAdded);
        QTest::qWait(3 * AppLog::BatchIntervalMs);
        QCOMPARE(batches.count(), 0);
        auto *timer = log.findChild<QTimer *>();
        QVERIFY(timer);
        QVERIFY(!timer->isActive());
        qCInfo(lcTest) << "one";
        QTRY_VERIFY(timer->isActive() || batches.count() == 1);
        QVERIFY(batches.wait(1000) || batches.count() == 1);
        QTest::qWait(3 * AppLog::BatchIntervalMs);
        QVERIFY(!timer->isActive()); // and it stops again once delivered
    }
};

QTEST_GUILESS_MAIN(TestAppLog)
#include "test_app_log.moc"
