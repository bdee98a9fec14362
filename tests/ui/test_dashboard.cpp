// The dashboard against a real engine and audit log: the figures read at first (including events
// from before the page existed), live updates, coalesced redraws, no redraws while hidden, and the
// audit log's health.
#include "FileSizeLimit.h"
#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "audit/DashboardPage.h"
#include "engine/Engine.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <atomic>
#include <thread>

using namespace paddock;
using Decision = AuditEvent::Decision;

namespace {

constexpr qint64 MinuteUs = DashboardPage::MinuteUs;

qint64 nowUs()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

AuditEvent makeEvent(const QString &persona, const QString &resource, Decision decision, qint64 timeUs = 0)
{
    AuditEvent e;
    e.timeUs = timeUs;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = QStringLiteral("connect");
    e.resource = resource;
    e.decision = decision;
    return e;
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<DashboardPage> m_page;
    qint64 m_thirtyMinutesAgo = 0;
    qint64 m_twoMinutesAgo = 0;

    QChart *chart(const char *name) const
    {
        auto *view = m_page->findChild<QChartView *>(QLatin1StringView(name));
        return view ? view->chart() : nullptr;
    }
    QLabel *label(const char *name) const { return m_page->findChild<QLabel *>(QLatin1StringView(name)); }

    // The bars of the denies chart as persona → value.
    QList<std::pair<QString, qreal>> bars() const
    {
        QChart *c = chart("deniesChart");
        auto *series = qobject_cast<QBarSeries *>(c->series().value(0));
        auto *axis = qobject_cast<QBarCategoryAxis *>(c->axes(Qt::Horizontal).value(0));
        QList<std::pair<QString, qreal>> out;
        if (!series || !axis || series->barSets().isEmpty())
            return out;
        QBarSet *set = series->barSets().first();
        for (int i = 0; i < set->count(); ++i)
            out.append({axis->at(i), set->at(i)});
        return out;
    }

    // The point of the decisions chart's line for `decision` in the minute starting at `minuteUs`.
    qreal line(const QString &title, qint64 minuteUs) const
    {
        for (QAbstractSeries *s : chart("decisionsChart")->series())
            if (s->name() == title)
                for (const QPointF &p : qobject_cast<QLineSeries *>(s)->points())
                    if (qint64(p.x()) == minuteUs / 1000)
                        return p.y();
        return -1;
    }

    void appendAndWait(AuditStore &store, QList<AuditEvent> events)
    {
        const qint64 target = store.lastSeq() + events.size();
        for (AuditEvent &e : events)
            store.append(std::move(e));
        QTRY_COMPARE(store.lastSeq(), target);
    }

private slots:
    void init()
    {
        // Each test has a log of its own.
        const QString data = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()));
        QVERIFY(QDir().mkpath(data));
        qputenv("PADDOCK_DATA_DIR", data.toLocal8Bit());

        // Events from before Paddock (and the page) started: one of them older than a day.
        const qint64 now = nowUs();
        m_thirtyMinutesAgo = now - 30 * MinuteUs;
        m_twoMinutesAgo = now - 2 * MinuteUs;
        AuditStore store(AuditStore::defaultDatabasePath());
        QVERIFY(store.start().has_value());
        const qint64 t1 = m_thirtyMinutesAgo, t2 = m_twoMinutesAgo;
        appendAndWait(
            store,
            {
                makeEvent(QStringLiteral("old"), QStringLiteral("old.example:443"), Decision::Deny,
                          now - 25 * 60 * MinuteUs),
                makeEvent(QStringLiteral("agent"), QStringLiteral("github.com:443"), Decision::Deny, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("github.com:443"), Decision::Deny, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("evil.example:443"), Decision::Deny, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("pypi.org:443"), Decision::WouldDeny, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("a"), Decision::Allow, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("b"), Decision::Allow, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("c"), Decision::Allow, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("d"), Decision::Allow, t1),
                makeEvent(QStringLiteral("agent"), QStringLiteral("e"), Decision::Allow, t1),
                makeEvent(QStringLiteral("web"), QStringLiteral("evil.example:443"), Decision::Deny, t2),
                makeEvent(QStringLiteral("web"), QStringLiteral("evil.example:443"), Decision::Deny, t2),
                makeEvent(QString(), QStringLiteral("settings"), Decision::Info, t2),
            });
        store.stop();

        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_COMPARE(m_engine->state(), Engine::State::Running);
        QCOMPARE(m_engine->auditStore()->databasePath(), AuditStore::defaultDatabasePath());
    }

    void cleanup()
    {
        m_page.reset();
        if (m_engine)
            m_engine->stop();
        m_engine.reset();
    }

    void initialFiguresIncludeEarlierEvents()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        QSignalSpy loaded(m_page.get(), &DashboardPage::loaded);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QTRY_VERIFY(m_page->isLoaded());
        QCOMPARE(loaded.count(), 1);

        QCOMPARE(m_page->deniesFor(QStringLiteral("agent")), 4);
        QCOMPARE(m_page->deniesFor(QStringLiteral("web")), 2);
        QCOMPARE(m_page->deniesFor(QStringLiteral("old")), 0); // older than a day
        using Top = QList<std::pair<QString, qint64>>;
        QCOMPARE(m_page->topDenied(), (Top{{QStringLiteral("evil.example:443"), 3},
                                           {QStringLiteral("github.com:443"), 2},
                                           {QStringLiteral("pypi.org:443"), 1}}));
        const qint64 m1 = DashboardPage::minuteStart(m_thirtyMinutesAgo);
        const qint64 m2 = DashboardPage::minuteStart(m_twoMinutesAgo);
        QCOMPARE(m_page->countInMinute(m1, Decision::Deny), 3);
        QCOMPARE(m_page->countInMinute(m1, Decision::WouldDeny), 1);
        QCOMPARE(m_page->countInMinute(m1, Decision::Allow), 5);
        QCOMPARE(m_page->countInMinute(m2, Decision::Deny), 2);
        QCOMPARE(m_page->countInMinute(m2, Decision::Info), 1);
        // 12 events of the last day, and the engine's own start.
        QTRY_COMPARE(m_page->eventsLastDay(), 13);
        QCOMPARE(m_page->deniesLastDay(), 6);

        // What the user sees.
        QTRY_VERIFY(label("eventsTodayLabel")->text().contains(QStringLiteral("13")));
        QVERIFY(label("deniesTodayLabel")->text().contains(QStringLiteral("6")));
        QCOMPARE(label("auditHealthLabel")->text(), QStringLiteral("Audit log: writing"));
        QVERIFY(!label("dashboardStatus")->isVisible());
        QCOMPARE(bars(), (QList<std::pair<QString, qreal>>{{QStringLiteral("agent"), 4},
                                                           {QStringLiteral("web"), 2}}));
        QCOMPARE(line(QStringLiteral("Denied"), m1), 3.0);
        QCOMPARE(line(QStringLiteral("Would be denied"), m1), 1.0);
        QCOMPARE(line(QStringLiteral("Allowed"), m1), 5.0);
        QCOMPARE(line(QStringLiteral("Denied"), m2), 2.0);
        QCOMPARE(line(QStringLiteral("Denied"), m1 - MinuteUs), 0.0); // every minute has a point
        QCOMPARE(qobject_cast<QLineSeries *>(chart("decisionsChart")->series().first())->count(),
                 DashboardPage::ChartMinutes);
        auto *top = m_page->findChild<QTreeWidget *>(QStringLiteral("topDeniedList"));
        QCOMPARE(top->topLevelItemCount(), 3);
        QCOMPARE(top->topLevelItem(0)->text(0), QStringLiteral("evil.example:443"));
        QCOMPARE(top->topLevelItem(0)->text(1), QStringLiteral("3"));
    }

    void liveEventsUpdateFiguresAndCharts()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        QTRY_COMPARE(bars().size(), 2);

        AuditStore &store = *m_engine->auditStore();
        appendAndWait(
            store,
            {makeEvent(QStringLiteral("agent"), QStringLiteral("evil.example:443"), Decision::Deny),
             makeEvent(QStringLiteral("agent"), QStringLiteral("evil.example:443"), Decision::Deny),
             makeEvent(QStringLiteral("agent"), QStringLiteral("evil.example:443"), Decision::WouldDeny),
             makeEvent(QStringLiteral("ci"), QStringLiteral("x.example:443"), Decision::Deny),
             makeEvent(QStringLiteral("ci"), QStringLiteral("x.example:443"), Decision::Deny),
             makeEvent(QStringLiteral("ci"), QStringLiteral("y"), Decision::Allow)});
        QTRY_COMPARE(m_page->deniesFor(QStringLiteral("agent")), 7);
        QCOMPARE(m_page->deniesFor(QStringLiteral("ci")), 2);
        QCOMPARE(m_page->topDenied().first(),
                 (std::pair<QString, qint64>{QStringLiteral("evil.example:443"), 6}));
        QCOMPARE(m_page->deniesLastDay(), 11);
        // The charts follow within about a second.
        using Bars = QList<std::pair<QString, qreal>>;
        QTRY_COMPARE_WITH_TIMEOUT(
            bars(),
            (Bars{{QStringLiteral("agent"), 7}, {QStringLiteral("ci"), 2}, {QStringLiteral("web"), 2}}),
            3000);
        const qint64 minute = DashboardPage::minuteStart(nowUs());
        // (Unless the minute just turned: then the events may be in the one before.)
        const qreal denied =
            line(QStringLiteral("Denied"), minute) + line(QStringLiteral("Denied"), minute - MinuteUs);
        QVERIFY(denied >= 4);
        QVERIFY(label("deniesTodayLabel")->text().contains(QStringLiteral("11")));
        auto *top = m_page->findChild<QTreeWidget *>(QStringLiteral("topDeniedList"));
        QCOMPARE(top->topLevelItem(0)->text(1), QStringLiteral("6"));
    }

    void redrawsAreCoalesced()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        QTest::qWait(DashboardPage::RefreshIntervalMs + 100);
        const int before = m_page->refreshCount();
        QElapsedTimer clock;
        clock.start();
        AuditStore &store = *m_engine->auditStore();
        for (int i = 0; i < 25; ++i) { // 100 events over 2.5 s, in 25 separate commits
            appendAndWait(store, {makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Deny),
                                  makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Deny),
                                  makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Allow),
                                  makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Allow)});
            QTest::qWait(100);
        }
        QTRY_COMPARE(m_page->deniesFor(QStringLiteral("agent")), 4 + 50);
        QTRY_VERIFY(bars().value(0).second == 54);
        const int redraws = m_page->refreshCount() - before;
        const qint64 seconds = clock.elapsed() / 1000;
        QVERIFY2(redraws >= 2 && redraws <= seconds + 2,
                 qPrintable(QStringLiteral("%1 redraws in %2 s").arg(redraws).arg(seconds)));
    }

    void noRedrawWhileHidden()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        QTRY_COMPARE(bars().value(0).second, 4.0);
        m_page->hide();
        const int redraws = m_page->refreshCount();
        appendAndWait(*m_engine->auditStore(),
                      {makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Deny),
                       makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Deny)});
        QTRY_COMPARE(m_page->deniesFor(QStringLiteral("agent")), 6); // counted all the same
        QTest::qWait(DashboardPage::RefreshIntervalMs + 300);
        QCOMPARE(m_page->refreshCount(), redraws);
        QCOMPARE(bars().value(0).second, 4.0);
        m_page->show();
        QTRY_COMPARE(bars().value(0).second, 6.0);
        QVERIFY(m_page->refreshCount() > redraws);
    }

    void readingAgainUnderLoadCountsEachEventOnce()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        AuditStore &store = *m_engine->auditStore();
        const qint64 first = store.lastSeq();
        // Events keep coming while the figures are read again, and again.
        std::atomic<bool> stop{false};
        std::atomic<int> written{0};
        std::thread writer([&] {
            for (int i = 0; !stop.load(); ++i) {
                store.append(makeEvent(QStringLiteral("load-%1").arg(i % 3), QStringLiteral("r%1").arg(i % 7),
                                       i % 2 ? Decision::Deny : Decision::Allow));
                written.fetch_add(1);
                if (i % 20 == 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
        QSignalSpy loaded(m_page.get(), &DashboardPage::loaded);
        for (int i = 0; i < 8; ++i) {
            QTRY_VERIFY(store.lastSeq() > first + 200 * (i + 1));
            m_page->reload();
            QVERIFY(loaded.wait(5000));
        }
        stop.store(true);
        writer.join();
        QTRY_COMPARE(store.lastSeq(), first + written.load());
        QTest::qWait(300); // the live events since the last read
        QVERIFY(store.lastSeq() > first + 1600);

        auto reader = AuditReader::open(store.databasePath());
        QVERIFY(reader.has_value());
        auto truth = reader->stats(nowUs() - DashboardPage::DayUs, 100);
        QVERIFY(truth.has_value());
        for (int p = 0; p < 3; ++p) {
            const QString persona = QStringLiteral("load-%1").arg(p);
            QCOMPARE(m_page->deniesFor(persona), truth->deniesPerPersona.value(persona));
        }
        QCOMPARE(m_page->eventsLastDay(), truth->events);
        QCOMPARE(m_page->deniesLastDay(), 6 + written.load() / 2);
    }

    void waitsForTheEngine()
    {
        m_engine->stop();
        m_engine = std::make_unique<Engine>(); // not started
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(label("dashboardStatus")->text().contains(QStringLiteral("engine")));
        QVERIFY(label("dashboardStatus")->isVisible());
        QVERIFY(!m_page->isLoaded());
        m_engine->start();
        QTRY_VERIFY(m_page->isLoaded());
        QCOMPARE(m_page->deniesFor(QStringLiteral("agent")), 4);
        QTRY_VERIFY(!label("dashboardStatus")->isVisible());
    }

    void healthLabelFollowsTheAuditLog()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QLabel *health = label("auditHealthLabel");
        QCOMPARE(health->text(), QStringLiteral("Audit log: writing"));

        // A log that cannot be written, for real: as root file permissions stop nothing, but a file
        // size limit does (writes past it fail with EFBIG).
        FileSizeLimit limit(512);
        QVERIFY(limit.isSet());
        m_engine->auditStore()->append(
            makeEvent(QStringLiteral("agent"), QStringLiteral("r"), Decision::Deny));
        QTRY_VERIFY(m_engine->isAuditFailing());
        QCOMPARE(m_engine->health(), Engine::Health::Error);
        QCOMPARE(health->text(),
                 QStringLiteral("Audit log: FAILING — enforcement points that fail closed deny new actions"));
        QVERIFY(health->font().bold());

        QVERIFY(limit.lift());
        QTRY_VERIFY_WITH_TIMEOUT(!m_engine->isAuditFailing(), 10000); // the store retries
        QCOMPARE(health->text(), QStringLiteral("Audit log: writing"));
        // The event that waited is written and counted.
        QTRY_COMPARE(m_page->deniesFor(QStringLiteral("agent")), 5);
    }
};

QTEST_MAIN(TestDashboard)
#include "test_dashboard.moc"
