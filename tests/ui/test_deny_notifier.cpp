// Deny-burst notifications against a real audit log: one message per burst, then quiet, what came
// meanwhile told once the quiet time is over, nothing when the setting is off.
#include "audit/AuditStore.h"
#include "audit/DenyNotifier.h"
#include "config/Settings.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;
using namespace std::chrono_literals;

class TestDenyNotifier : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<AuditStore> m_store;
    std::unique_ptr<Settings> m_settings;

    // Appends `n` events and waits until they are durable (and so published to subscribers).
    void append(int n, const QString &persona, const QString &resource,
                AuditEvent::Decision decision = AuditEvent::Decision::Deny)
    {
        const qint64 target = m_store->lastSeq() + n;
        for (int i = 0; i < n; ++i) {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = persona;
            e.action = QStringLiteral("connect");
            e.resource = resource;
            e.decision = decision;
            m_store->append(std::move(e));
        }
        QTRY_COMPARE(m_store->lastSeq(), target);
    }

    // Lets the subscription deliver what was committed (it batches for up to 25 ms).
    static void settle() { QTest::qWait(150); }

private slots:
    void init()
    {
        const QString name = QString::fromLatin1(QTest::currentTestFunction());
        m_store = std::make_unique<AuditStore>(m_dir.filePath(name + QStringLiteral(".db")));
        QVERIFY(m_store->start().has_value());
        m_settings = std::make_unique<Settings>(m_dir.filePath(name + QStringLiteral(".json")));
        QVERIFY(m_settings->denyNotifications()); // on by default
    }

    void cleanup()
    {
        m_store->stop();
        m_store.reset();
        m_settings.reset();
    }

    void aBurstGivesOneNotification()
    {
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 60s});
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        append(3, QStringLiteral("agent"), QStringLiteral("evil.example:443"));
        append(20, QStringLiteral("agent"), QStringLiteral("github.com:443"), AuditEvent::Decision::Allow);
        append(1, QStringLiteral("web"), QStringLiteral("evil.example:443"), AuditEvent::Decision::WouldDeny);
        settle();
        QCOMPARE(notified.count(), 0); // 4 denies: not a burst
        append(1, QStringLiteral("web"), QStringLiteral("tracker.example:443"));
        QTRY_COMPARE(notified.count(), 1);
        const QString text = notified.at(0).at(1).toString();
        QVERIFY2(text.startsWith(QStringLiteral("5 actions denied in the last 10 s — agent: 3, web: 2")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Most denied: evil.example:443 (4)")), qPrintable(text));
        QVERIFY(!notified.at(0).at(0).toString().isEmpty());
        QVERIFY(notifier.isQuiet());

        // Quiet for a minute now, however many more come.
        append(50, QStringLiteral("agent"), QStringLiteral("evil.example:443"));
        settle();
        QCOMPARE(notified.count(), 1);
    }

    void aBurstIsToldWhole()
    {
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 60s});
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        // Queued together, so written and delivered as one batch.
        for (int i = 0; i < 12; ++i) {
            AuditEvent e;
            e.persona = i < 9 ? QStringLiteral("agent") : QStringLiteral("web");
            e.action = QStringLiteral("connect");
            e.resource = i % 2 ? QStringLiteral("a:443") : QStringLiteral("b:443");
            e.decision = AuditEvent::Decision::Deny;
            m_store->append(std::move(e));
        }
        QTRY_COMPARE(notified.count(), 1);
        const QString text = notified.at(0).at(1).toString();
        QVERIFY2(text.startsWith(QStringLiteral("12 actions denied in the last 10 s — agent: 9, web: 3")),
                 qPrintable(text));
        // A tie: the first by name.
        QVERIFY2(text.endsWith(QStringLiteral("Most denied: a:443 (6)")), qPrintable(text));
    }

    void whatCameMeanwhileIsToldAfterTheQuietTime()
    {
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 1500ms});
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        append(5, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_COMPARE(notified.count(), 1);
        append(6, QStringLiteral("agent"), QStringLiteral("b:443"));
        append(2, QStringLiteral("web"), QStringLiteral("b:443"));
        append(1, QStringLiteral(""), QStringLiteral("c"));
        settle();
        QCOMPARE(notified.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 2, 3000);
        const QString text = notified.at(1).at(1).toString();
        QVERIFY2(text.startsWith(
                     QStringLiteral("9 actions denied in the last 1 s — agent: 6, web: 2, Paddock: 1")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Most denied: b:443 (8)")), qPrintable(text));
        QVERIFY(notifier.isQuiet()); // that message starts another quiet time
    }

    void aFewMeanwhileAreNotToldAlone()
    {
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 500ms});
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        append(5, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_COMPARE(notified.count(), 1);
        append(2, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_VERIFY(!notifier.isQuiet());
        settle();
        QCOMPARE(notified.count(), 1);
        // After the quiet time a new burst is told again.
        append(5, QStringLiteral("web"), QStringLiteral("b:443"));
        QTRY_COMPARE(notified.count(), 2);
        QVERIFY(notified.at(1).at(1).toString().startsWith(QStringLiteral("5 actions denied")));
    }

    void theWindowSlides()
    {
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 400ms, 60s});
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        append(3, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTest::qWait(700); // those three are out of the window now
        append(3, QStringLiteral("agent"), QStringLiteral("a:443"));
        settle();
        QCOMPARE(notified.count(), 0);
        append(2, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_COMPARE(notified.count(), 1);
        QVERIFY(notified.at(0).at(1).toString().startsWith(QStringLiteral("5 actions denied")));
    }

    void offWhenTheSettingIsOff()
    {
        m_settings->setValue(Settings::Key::DenyNotifications, false);
        DenyNotifier notifier(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 60s});
        QVERIFY(!notifier.isEnabled());
        QSignalSpy notified(&notifier, &DenyNotifier::notify);
        append(30, QStringLiteral("agent"), QStringLiteral("a:443"));
        settle();
        QCOMPARE(notified.count(), 0);

        // Turned on: what is denied from now on counts, not what was denied while it was off.
        m_settings->setValue(Settings::Key::DenyNotifications, true);
        QVERIFY(notifier.isEnabled());
        append(4, QStringLiteral("agent"), QStringLiteral("a:443"));
        settle();
        QCOMPARE(notified.count(), 0);
        append(1, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_COMPARE(notified.count(), 1);
        QVERIFY(notified.at(0).at(1).toString().startsWith(QStringLiteral("5 actions denied")));

        // Turned off in the middle of a quiet time: nothing is told when it ends.
        DenyNotifier quick(*m_store, *m_settings, DenyNotifier::Timing{5, 10s, 300ms});
        QSignalSpy quickNotified(&quick, &DenyNotifier::notify);
        append(5, QStringLiteral("agent"), QStringLiteral("a:443"));
        QTRY_COMPARE(quickNotified.count(), 1);
        append(10, QStringLiteral("agent"), QStringLiteral("a:443"));
        m_settings->setValue(Settings::Key::DenyNotifications, false);
        QTest::qWait(600);
        QCOMPARE(quickNotified.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDenyNotifier)
#include "test_deny_notifier.moc"
