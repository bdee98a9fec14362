// The audit view's model: a capped ring in sequence order, one insert per live batch, one remove at
// the cap, older pages in front, and denials that stand out by more than colour.
#include "audit/AuditModel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using namespace paddock;

namespace {
AuditBatch events(qint64 fromSeq, int count, AuditEvent::Decision decision = AuditEvent::Decision::Allow)
{
    AuditBatch batch;
    for (qint64 seq = fromSeq; seq < fromSeq + count; ++seq) {
        AuditEvent e;
        e.seq = seq;
        e.timeUs = 1'700'000'000'000'000 + seq * 1000;
        e.source = AuditEvent::Source::Proxy;
        e.persona = QStringLiteral("agent");
        e.action = QStringLiteral("connect");
        e.resource = QStringLiteral("host%1.example:443").arg(seq);
        e.decision = decision;
        if (decision != AuditEvent::Decision::Info)
            e.policies = {QStringLiteral("p%1").arg(seq), QStringLiteral("second")};
        e.details = "{}";
        batch << e;
    }
    return batch;
}

qint64 seqAt(const AuditModel &model, int row)
{
    return model.index(row, 0).data(AuditModel::SeqRole).toLongLong();
}
} // namespace

class TestAuditModel : public QObject
{
    Q_OBJECT

private slots:
    void appendsABatchWithOneInsert()
    {
        AuditModel model(1000);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.append(events(1, 300));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(inserted.first().at(2).toInt(), 299);
        QCOMPARE(model.rowCount(), 300);
        QCOMPARE(model.columnCount(), int(AuditModel::ColumnCount));
        // Oldest at the top, newest at the bottom.
        QCOMPARE(seqAt(model, 0), 1);
        QCOMPARE(seqAt(model, 299), 300);
        QCOMPARE(model.index(299, AuditModel::ResourceColumn).data().toString(),
                 QStringLiteral("host300.example:443"));
        QCOMPARE(model.index(0, AuditModel::PolicyColumn).data().toString(), QStringLiteral("p1, second"));
        QCOMPARE(model.index(0, AuditModel::SourceColumn).data().toString(), QStringLiteral("Proxy"));

        model.append(events(301, 10));
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.rowCount(), 310);
        QCOMPARE(model.firstSeq(), 1);
        QCOMPARE(model.lastSeq(), 310);
        QCOMPARE(model.rowOfSeq(150), 149);
        QCOMPARE(model.rowOfSeq(311), -1);
    }

    void skipsEventsAlreadyShown()
    {
        AuditModel model(1000);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(events(1, 100));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        // A live batch overlapping what a page already brought.
        model.append(events(90, 20));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 109);
        QCOMPARE(seqAt(model, 108), 109);
        model.append(events(50, 10));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 109);
    }

    void theCapDropsTheOldestWithOneRemove()
    {
        AuditModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(events(1, 80));
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.append(events(81, 50));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(1).toInt(), 0);
        QCOMPARE(removed.first().at(2).toInt(), 29);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 100);
        QVERIFY(model.isFull());
        QCOMPARE(seqAt(model, 0), 31);
        QCOMPARE(seqAt(model, 99), 130);
        // A batch larger than the cap keeps its newest events.
        model.append(events(1000, 250));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(seqAt(model, 0), 1150);
        QCOMPARE(seqAt(model, 99), 1249);
    }

    void prependsAnOlderPageUpToTheCap()
    {
        AuditModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(events(501, 40));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QCOMPARE(model.prepend(events(451, 50)), 50);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(inserted.first().at(2).toInt(), 49);
        QCOMPARE(model.rowCount(), 90);
        QCOMPARE(seqAt(model, 0), 451);
        QCOMPARE(seqAt(model, 49), 500);
        QCOMPARE(seqAt(model, 50), 501);
        // Only ten more fit: the ten next to the first row.
        QCOMPARE(model.prepend(events(401, 50)), 10);
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(seqAt(model, 0), 441);
        QCOMPARE(model.prepend(events(301, 50)), 0);
        QCOMPARE(inserted.count(), 2);
        // Events that overlap the first row are not shown twice.
        AuditModel overlap(100);
        overlap.append(events(10, 5));
        QCOMPARE(overlap.prepend(events(5, 8)), 5);
        QCOMPARE(overlap.rowCount(), 10);
        QCOMPARE(seqAt(overlap, 0), 5);
        QCOMPARE(seqAt(overlap, 9), 14);
    }

    void resetsToAPage()
    {
        AuditModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.append(events(1, 30));
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.reset(events(500, 120));
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(seqAt(model, 0), 520);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.firstSeq(), 0);
        QCOMPARE(model.lastSeq(), 0);
    }

    void denialsStandOutByMoreThanColour()
    {
        AuditModel model(10);
        model.append(events(1, 1, AuditEvent::Decision::Allow) + events(2, 1, AuditEvent::Decision::Deny) +
                     events(3, 1, AuditEvent::Decision::WouldDeny) +
                     events(4, 1, AuditEvent::Decision::Info));
        const auto at = [&model](int row, int role, int column = AuditModel::DecisionColumn) {
            return model.index(row, column).data(role);
        };
        QCOMPARE(at(1, Qt::DisplayRole).toString(), QStringLiteral("Deny"));
        QCOMPARE(at(2, Qt::DisplayRole).toString(), QStringLiteral("Would deny"));
        QCOMPARE(at(0, Qt::DisplayRole).toString(), QStringLiteral("Allow"));
        for (int row : {1, 2}) {
            QVERIFY(at(row, Qt::BackgroundRole).isValid());
            QVERIFY(at(row, Qt::ForegroundRole).isValid());
            QVERIFY(at(row, Qt::FontRole).value<QFont>().bold());
            QVERIFY(at(row, Qt::FontRole, AuditModel::ResourceColumn).value<QFont>().bold());
            QVERIFY(at(row, Qt::DecorationRole).canConvert<QIcon>());
        }
        QVERIFY(at(1, Qt::BackgroundRole) != at(2, Qt::BackgroundRole));
        for (int row : {0, 3}) {
            QVERIFY(!at(row, Qt::BackgroundRole).isValid());
            QVERIFY(!at(row, Qt::FontRole).isValid());
            QVERIFY(!at(row, Qt::DecorationRole).isValid());
        }
    }

    void rolesCarryTheWholeEvent()
    {
        AuditModel model(10);
        model.append(events(7, 1, AuditEvent::Decision::Deny));
        const QModelIndex index = model.index(0, AuditModel::ActionColumn);
        const auto event = index.data(AuditModel::EventRole).value<AuditEvent>();
        QCOMPARE(event.seq, 7);
        QCOMPARE(event.resource, QStringLiteral("host7.example:443"));
        QCOMPARE(index.data(AuditModel::SeqRole).toLongLong(), 7);
        // Local time with milliseconds in the cell, UTC in the tooltip.
        const QModelIndex time = model.index(0, AuditModel::TimeColumn);
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(1'700'000'000'007, QTimeZone::UTC);
        QCOMPARE(time.data().toString(),
                 when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        QVERIFY(time.data(Qt::ToolTipRole).toString().contains(QStringLiteral("2023-11-14T22:13:20.007Z")));
        // Today's events by their time of day alone.
        const QDateTime now = QDateTime::currentDateTime();
        QCOMPARE(AuditModel::timeLabel(now), now.toString(QStringLiteral("HH:mm:ss.zzz")));
        QCOMPARE(model.headerData(AuditModel::PolicyColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Policy"));
    }
};

QTEST_MAIN(TestAuditModel)
#include "test_audit_model.moc"
