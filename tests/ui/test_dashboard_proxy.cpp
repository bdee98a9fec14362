// The dashboard's proxy figures against a real engine and audit log, with proxy events appended in
// the proxy's format: requests/s and denies/s per persona (read at first, then live), active
// tunnels from decisions and closes (and replaced by the proxy's own count), top destinations.
#include "audit/AuditStore.h"
#include "audit/DashboardPage.h"
#include "engine/Engine.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDir>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace paddock;
using Decision = AuditEvent::Decision;

namespace {

qint64 nowUs()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

AuditEvent decision(const QString &persona, const QString &resource, Decision d, qint64 id, qint64 timeUs = 0,
                    const QString &action = QStringLiteral("connect"))
{
    AuditEvent e;
    e.timeUs = timeUs;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = action;
    e.resource = resource;
    e.decision = d;
    QJsonObject details{{QStringLiteral("id"), id},
                        {QStringLiteral("mode"), QStringLiteral("enforce")},
                        {QStringLiteral("client"), QStringLiteral("10.89.0.5:41234")}};
    if (d == Decision::Deny) {
        details.insert(QStringLiteral("reason"), QStringLiteral("no policy permits it"));
        details.insert(QStringLiteral("status"), 403);
    }
    e.setDetails(details);
    return e;
}

AuditEvent close(const QString &persona, const QString &resource, qint64 id,
                 const QString &action = QStringLiteral("connect.close"))
{
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = action;
    e.resource = resource;
    e.decision = Decision::Info;
    e.setDetails({{QStringLiteral("id"), id},
                  {QStringLiteral("bytesUp"), 100},
                  {QStringLiteral("bytesDown"), 2000},
                  {QStringLiteral("durationMs"), 40}});
    return e;
}

} // namespace

class TestDashboardProxy : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<DashboardPage> m_page;

    QChart *proxyChart() const
    {
        auto *view = m_page->findChild<QChartView *>(QStringLiteral("proxyRatesChart"));
        return view ? view->chart() : nullptr;
    }
    // The events a line stands for: its per-second points times the bucket's seconds.
    qreal eventsOf(const QString &name) const
    {
        for (QAbstractSeries *s : proxyChart()->series())
            if (s->name() == name) {
                qreal total = 0;
                for (const QPointF &p : qobject_cast<QLineSeries *>(s)->points())
                    total += p.y() * qreal(DashboardPage::ProxyBucketUs) / 1e6;
                return std::round(total);
            }
        return -1;
    }
    QLabel *label(const char *name) const { return m_page->findChild<QLabel *>(QLatin1StringView(name)); }

    void appendAndWait(AuditStore &store, QList<AuditEvent> events)
    {
        const qint64 target = store.lastSeq() + events.size();
        for (AuditEvent &e : events)
            store.append(std::move(e));
        // At least: the engine records events of its own meanwhile (its policies loading) on a busy machine.
        QTRY_VERIFY(store.lastSeq() >= target);
    }

private slots:
    void init()
    {
        const QString data = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()));
        QVERIFY(QDir().mkpath(data));
        qputenv("PADDOCK_DATA_DIR", data.toLocal8Bit());

        // Before the page: web connected a few minutes ago, and an hour ago (outside the chart).
        const qint64 now = nowUs();
        AuditStore store(AuditStore::defaultDatabasePath());
        QVERIFY(store.start().has_value());
        const qint64 recent = now - 3 * DashboardPage::MinuteUs;
        const qint64 hourAgo = now - 60 * DashboardPage::MinuteUs;
        appendAndWait(
            store,
            {
                // Oldest first: the store keeps times non-decreasing.
                decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 5,
                         hourAgo),
                decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 1, recent),
                decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 2, recent),
                decision(QStringLiteral("web"), QStringLiteral("pypi.org:443"), Decision::Allow, 3, recent),
                decision(QStringLiteral("web"), QStringLiteral("evil.example:443"), Decision::Deny, 4,
                         recent),
                close(QStringLiteral("web"), QStringLiteral("github.com:443"), 1),
            });
        store.stop();
        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_COMPARE(m_engine->state(), Engine::State::Running);
    }

    void cleanup()
    {
        m_page.reset();
        if (m_engine)
            m_engine->stop();
        m_engine.reset();
    }

    void ratesPerPersonaFromTheLogThenLive()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QTRY_VERIFY(m_page->isLoaded());

        // The last minutes only: the hour-old connection is not in the rates, the close is no request.
        QCOMPARE(m_page->proxyCounts(QStringLiteral("web")).requests, 4);
        QCOMPARE(m_page->proxyCounts(QStringLiteral("web")).denies, 1);
        QTRY_COMPARE(m_page->proxyPersonasShown(), QStringList{QStringLiteral("web")});
        QCOMPARE(eventsOf(QStringLiteral("web requests/s")), 4.0);
        QCOMPARE(eventsOf(QStringLiteral("web denies/s")), 1.0);
        // One point per bucket of the window.
        for (QAbstractSeries *s : proxyChart()->series())
            QVERIFY(qobject_cast<QLineSeries *>(s)->count() >=
                    DashboardPage::ProxyChartMinutes * 60'000'000 / DashboardPage::ProxyBucketUs);

        // Live: agent appears with a line of its own; plain HTTP counts too.
        AuditStore &store = *m_engine->auditStore();
        appendAndWait(
            store,
            {decision(QStringLiteral("agent"), QStringLiteral("api.example.com:443"), Decision::Deny, 1),
             decision(QStringLiteral("agent"), QStringLiteral("api.example.com:443"), Decision::Deny, 2),
             decision(QStringLiteral("agent"), QStringLiteral("api.example.com:443"), Decision::WouldDeny, 3),
             decision(QStringLiteral("web"), QStringLiteral("deb.debian.org:80"), Decision::Allow, 6, 0,
                      QStringLiteral("http")),
             // Not requests: other sources and actions.
             AuditEvent::system(QStringLiteral("engine.start"))});
        QTRY_COMPARE(m_page->proxyCounts(QStringLiteral("agent")).requests, 3);
        QCOMPARE(m_page->proxyCounts(QStringLiteral("agent")).denies, 3);
        QCOMPARE(m_page->proxyCounts(QStringLiteral("web")).requests, 5);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->proxyPersonasShown(),
                                  (QStringList{QStringLiteral("agent"), QStringLiteral("web")}), 3000);
        QTRY_COMPARE(eventsOf(QStringLiteral("agent denies/s")), 3.0);
        QCOMPARE(eventsOf(QStringLiteral("agent requests/s")), 3.0);
        QCOMPARE(eventsOf(QStringLiteral("web requests/s")), 5.0);
    }

    void activeTunnelsFollowDecisionsAndCloses()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        // Tunnels opened before the page was there are not known to be open.
        QVERIFY(m_page->activeTunnels().isEmpty());
        QTRY_COMPARE(label("activeTunnelsLabel")->text(), QStringLiteral("Active tunnels: 0"));

        AuditStore &store = *m_engine->auditStore();
        appendAndWait(
            store,
            {decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 10),
             decision(QStringLiteral("web"), QStringLiteral("github.com:22"), Decision::Allow, 11),
             decision(QStringLiteral("agent"), QStringLiteral("x.example:443"), Decision::WouldDeny, 10),
             // A deny opens nothing; a close of an unknown tunnel changes nothing.
             decision(QStringLiteral("agent"), QStringLiteral("y.example:443"), Decision::Deny, 12),
             close(QStringLiteral("agent"), QStringLiteral("y.example:443"), 99),
             decision(QStringLiteral("web"), QStringLiteral("deb.debian.org:80"), Decision::Allow, 13, 0,
                      QStringLiteral("http"))});
        using Tunnels = QHash<QString, int>;
        QTRY_COMPARE(m_page->activeTunnels(),
                     (Tunnels{{QStringLiteral("web"), 3}, {QStringLiteral("agent"), 1}}));
        QTRY_COMPARE_WITH_TIMEOUT(label("activeTunnelsLabel")->text(),
                                  QStringLiteral("Active tunnels: 4 (agent 1, web 3)"), 3000);

        // Closes end them (the same id of another persona is another tunnel).
        appendAndWait(store, {close(QStringLiteral("web"), QStringLiteral("github.com:443"), 10),
                              close(QStringLiteral("web"), QStringLiteral("deb.debian.org:80"), 13,
                                    QStringLiteral("http.close")),
                              close(QStringLiteral("agent"), QStringLiteral("x.example:443"), 10)});
        QTRY_COMPARE(m_page->activeTunnels(), (Tunnels{{QStringLiteral("web"), 1}}));
        QTRY_COMPARE_WITH_TIMEOUT(label("activeTunnelsLabel")->text(),
                                  QStringLiteral("Active tunnels: 1 (web 1)"), 3000);

        // The proxy's own counter takes over.
        m_page->setActiveTunnels({{QStringLiteral("web"), 7}, {QStringLiteral("agent"), 2}});
        QCOMPARE(m_page->activeTunnels(),
                 (Tunnels{{QStringLiteral("web"), 7}, {QStringLiteral("agent"), 2}}));
        QTRY_COMPARE_WITH_TIMEOUT(label("activeTunnelsLabel")->text(),
                                  QStringLiteral("Active tunnels: 9 (agent 2, web 7)"), 3000);
        appendAndWait(
            store, {decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 20)});
        QTest::qWait(DashboardPage::RefreshIntervalMs + 200);
        QCOMPARE(m_page->activeTunnels().value(QStringLiteral("web")), 7);
    }

    void topDestinationsBesideTopDenied()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        using Top = QList<std::pair<QString, qint64>>;
        // The last day (the hour-old one included); denies are no destinations.
        QCOMPARE(m_page->topDestinations(),
                 (Top{{QStringLiteral("github.com:443"), 3}, {QStringLiteral("pypi.org:443"), 1}}));

        AuditStore &store = *m_engine->auditStore();
        QList<AuditEvent> live;
        for (int i = 0; i < 3; ++i)
            live << decision(QStringLiteral("agent"), QStringLiteral("pypi.org:443"), Decision::WouldDeny,
                             30 + i);
        live << decision(QStringLiteral("agent"), QStringLiteral("evil.example:443"), Decision::Deny, 40);
        appendAndWait(store, live);
        QTRY_COMPARE(m_page->topDestinations(),
                     (Top{{QStringLiteral("pypi.org:443"), 4}, {QStringLiteral("github.com:443"), 3}}));
        auto *list = m_page->findChild<QTreeWidget *>(QStringLiteral("topDestinationsList"));
        QVERIFY(list);
        QTRY_COMPARE_WITH_TIMEOUT(list->topLevelItemCount(), 2, 3000);
        QTRY_COMPARE(list->topLevelItem(0)->text(0), QStringLiteral("pypi.org:443"));
        QCOMPARE(list->topLevelItem(0)->text(1), QStringLiteral("4"));
        // The top denied list is still there beside it, with the deny.
        auto *denied = m_page->findChild<QTreeWidget *>(QStringLiteral("topDeniedList"));
        // (would-deny counts there as well as here)
        QTRY_COMPARE(denied->topLevelItemCount(), 2);
        QCOMPARE(denied->topLevelItem(0)->text(0), QStringLiteral("pypi.org:443"));
        QCOMPARE(denied->topLevelItem(1)->text(0), QStringLiteral("evil.example:443"));
        QCOMPARE(denied->topLevelItem(1)->text(1), QStringLiteral("2"));
    }

    void hiddenPageDoesNotRedraw()
    {
        m_page = std::make_unique<DashboardPage>(*m_engine);
        m_page->show();
        QTRY_VERIFY(m_page->isLoaded());
        QTRY_VERIFY(m_page->refreshCount() >= 1);
        m_page->hide();
        const int before = m_page->refreshCount();
        appendAndWait(
            *m_engine->auditStore(),
            {decision(QStringLiteral("web"), QStringLiteral("github.com:443"), Decision::Allow, 50)});
        QTRY_COMPARE(m_page->proxyCounts(QStringLiteral("web")).requests, 5);
        QTest::qWait(DashboardPage::RefreshIntervalMs + 200);
        QCOMPARE(m_page->refreshCount(), before);
        m_page->show();
        QTRY_VERIFY(m_page->refreshCount() > before);
        QTRY_COMPARE(eventsOf(QStringLiteral("web requests/s")), 5.0);
    }
};

QTEST_MAIN(TestDashboardProxy)
#include "test_dashboard_proxy.moc"
