#include "LogModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace paddock;

namespace {
QList<LogEntry> entries(int from, int count, QtMsgType type = QtInfoMsg)
{
    QList<LogEntry> list;
    for (int i = from; i < from + count; ++i)
        list << LogEntry{QDateTime::currentDateTimeUtc(), type, QStringLiteral("paddock.test"),
                         QString::number(i)};
    return list;
}
} // namespace

class TestLogModel : public QObject
{
    Q_OBJECT

private slots:
    void oneInsertPerBatch()
    {
        LogModel model(1000);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.append(entries(0, 300));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 300);
        QCOMPARE(model.index(299, LogModel::MessageColumn).data().toString(), QStringLiteral("299"));
    }

    void capDropsTheOldestRows()
    {
        LogModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(entries(0, 80));
        model.append(entries(80, 50));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), QStringLiteral("30"));
        QCOMPARE(model.index(99, LogModel::MessageColumn).data().toString(), QStringLiteral("129"));
        // A batch larger than the cap keeps its newest rows.
        model.append(entries(1000, 250));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), QStringLiteral("1150"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void warningsStandOutNotByColourAlone()
    {
        LogModel model(10);
        model.append(entries(0, 1, QtInfoMsg) + entries(1, 1, QtWarningMsg));
        QCOMPARE(model.index(1, LogModel::LevelColumn).data().toString(), LogModel::levelName(QtWarningMsg));
        QVERIFY(!model.index(0, LogModel::LevelColumn).data(Qt::ForegroundRole).isValid());
        QVERIFY(model.index(1, LogModel::LevelColumn).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.headerData(LogModel::MessageColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Message"));
    }
};

QTEST_MAIN(TestLogModel)
#include "test_log_model.moc"
