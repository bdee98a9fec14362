#pragma once

#include "audit/AuditEvent.h"
#include "audit/AuditReader.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QHash>
#include <QMap>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <array>
#include <optional>
#include <vector>

class QBarCategoryAxis;
class QBarSet;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QTreeWidget;
class QValueAxis;

namespace paddock {

class AuditSubscription;
class Engine;

// What the audit log says at a glance: decisions per minute over the last hour, denies per
// persona and the most denied resources over the last day, and whether the log is being written;
// for the egress proxy, requests/s and denies/s per persona over the last minutes, the tunnels open
// now and the most connected destinations over the last day.
// The figures come from the database once (off the UI thread), then follow the live events; the
// charts are redrawn at most once a second, and only while the page is on screen.
class DashboardPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DashboardPage)

public:
    static constexpr int RefreshIntervalMs = 1000;
    static constexpr int ChartMinutes = 60;
    static constexpr int TopShown = 10;
    static constexpr qint64 MinuteUs = 60'000'000;
    static constexpr qint64 DayUs = 24 * 60 * MinuteUs;
    // Per-persona and per-resource figures are not kept per minute; they are read again from the
    // log this often so that what is older than a day drops out.
    static constexpr int RequeryIntervalMs = 15 * 60 * 1000;
    // The proxy's rates: buckets of ProxyBucketUs over the last ProxyChartMinutes, one line each
    // for requests/s and denies/s of at most ProxyPersonasShown personas (the busiest).
    static constexpr qint64 ProxyBucketUs = 10'000'000;
    static constexpr int ProxyChartMinutes = 15;
    static constexpr int ProxyPersonasShown = 8;
    // Tunnels followed from the live events; past this many open ones new ones are not counted.
    static constexpr int MaxTrackedTunnels = 100'000;
    using ProxyCounts = AuditReader::ProxyCounts;

    explicit DashboardPage(Engine &engine, QWidget *parent = nullptr);
    ~DashboardPage() override;

    // The figures shown (for tests and for the summary labels).
    bool isLoaded() const { return m_loaded; }
    qint64 eventsLastDay() const;
    qint64 deniesLastDay() const;
    qint64 deniesFor(const QString &persona) const { return m_personaDenies.value(persona); }
    QList<std::pair<QString, qint64>> topDenied() const;
    qint64 countInMinute(qint64 minuteStartUs, AuditEvent::Decision decision) const;
    // The proxy's decisions of `persona` in the chart's window (the last ProxyChartMinutes).
    ProxyCounts proxyCounts(const QString &persona) const;
    QStringList proxyPersonasShown() const { return m_proxyShown; }
    QList<std::pair<QString, qint64>> topDestinations() const;
    // Open tunnels per persona: counted from the live events (an allow or would-deny with a tunnel
    // id, until its connect.close / http.close), or as last set by setActiveTunnels().
    QHash<QString, int> activeTunnels() const;
    static qint64 proxyBucketStart(qint64 timeUs) { return timeUs - timeUs % ProxyBucketUs; }
    // How often the charts were redrawn.
    int refreshCount() const { return m_refreshCount; }
    static qint64 minuteStart(qint64 timeUs) { return timeUs - timeUs % MinuteUs; }

    // Reads the figures from the log again (in the background).
    void reload();
    // Whether audit events cannot be written (follows Engine::healthChanged).
    void setAuditFailing(bool failing);
    // The proxy's own count of open tunnels per persona; from then on it replaces the count made
    // from the live events.
    void setActiveTunnels(const QHash<QString, int> &tunnels);

signals:
    void loaded();    // figures read from the log (or the read failed: see the status label)
    void refreshed(); // the charts and labels were redrawn

protected:
    void showEvent(QShowEvent *event) override;

private:
    // What the counters need of a live event.
    struct Counted
    {
        qint64 seq;
        qint64 timeUs;
        AuditEvent::Decision decision;
        QString persona;
        QString resource;
        bool proxyDecision = false; // a connect or http decision of the proxy
    };
    static Result<AuditReader::Stats> load(const QString &databasePath, qint64 sinceUs);

    void startQuery();
    void applyLoaded(const Result<AuditReader::Stats> &result);
    void addEvents(const AuditBatch &batch);
    void count(const Counted &event);
    static void trimCounts(QHash<QString, qint64> &counts);
    void followTunnel(const AuditEvent &event);
    void trimProxyBuckets();
    void rollMinute();
    void armMinuteTimer();
    void scheduleRefresh();
    void refresh();
    void refreshDecisions(qint64 nowUs);
    void refreshDenies();
    void refreshSummary();
    void refreshProxy(qint64 nowUs);
    static void fillTop(QTreeWidget *list, const QList<std::pair<QString, qint64>> &top, const QIcon &icon);
    void setStatus(const QString &text, bool problem);
    bool canRead() const;

    Engine &m_engine;
    AuditSubscription *m_subscription = nullptr;
    QFutureWatcher<Result<AuditReader::Stats>> m_watcher;
    bool m_loading = false;
    bool m_loaded = false;
    bool m_requery = false; // read again once the current read is done
    QElapsedTimer m_sinceQuery;
    std::vector<Counted> m_arrivedWhileLoading;
    qint64 m_throughSeq = 0;

    QMap<qint64, std::array<qint64, 4>> m_minutes; // minute start (UTC µs) → count per Decision
    QHash<QString, qint64> m_personaDenies;
    static QList<std::pair<QString, qint64>> topOf(const QHash<QString, qint64> &counts);
    QHash<QString, qint64> m_resourceDenies;
    QMap<qint64, QHash<QString, ProxyCounts>> m_proxyBuckets; // bucket start → persona → counts
    QHash<QString, qint64> m_resourceConnects;
    QHash<QString, QSet<qint64>> m_openTunnels; // persona → open tunnel ids
    qsizetype m_openTunnelCount = 0;
    std::optional<QHash<QString, int>> m_reportedTunnels;
    QStringList m_proxyShown;
    bool m_auditFailing = false;

    bool m_dirty = true;
    int m_refreshCount = 0;
    QTimer m_refreshTimer;
    QElapsedTimer m_sinceRefresh;
    QTimer m_minuteTimer;

    QLabel *m_status;
    QLabel *m_eventsLabel;
    QLabel *m_deniesLabel;
    QLabel *m_healthLabel;
    QChartView *m_decisionsView;
    std::array<QLineSeries *, 4> m_decisionSeries{};
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_decisionsCountAxis;
    QChartView *m_deniesView;
    QBarSet *m_deniesSet;
    QBarCategoryAxis *m_personaAxis;
    QValueAxis *m_deniesCountAxis;
    QTreeWidget *m_topDenied;
    QLabel *m_tunnelsLabel;
    QChartView *m_proxyView;
    QDateTimeAxis *m_proxyTimeAxis;
    QValueAxis *m_proxyRateAxis;
    QHash<QString, std::pair<QLineSeries *, QLineSeries *>> m_proxySeries; // requests, denies
    QTreeWidget *m_topDestinations;
};

} // namespace paddock
