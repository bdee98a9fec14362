#include "audit/DashboardPage.h"

#include "proxy/EgressProxy.h"

#include "Icons.h"
#include "audit/AuditStore.h"
#include "audit/AuditSubscription.h"
#include "engine/Engine.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonValue>
#include <QLabel>
#include <QLineSeries>
#include <QScrollArea>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <functional>

namespace paddock {

namespace {

using Decision = AuditEvent::Decision;

// The order of the lines and of the legend.
constexpr std::array<Decision, 4> chartDecisions{Decision::Allow, Decision::Deny, Decision::WouldDeny,
                                                 Decision::Info};

// Events arriving while the figures are being read are kept to be counted afterwards; past this
// many the read is simply done again.
constexpr std::size_t MaxHeldWhileLoading = 200'000;

// Resources counted between two reads of the log.
constexpr qsizetype MaxResourcesKept = 20'000;
constexpr qsizetype ResourcesKeptAfterTrim = 1'000;

const QString ConnectAction = QStringLiteral("connect");
const QString HttpAction = QStringLiteral("http");

bool isProxyDecision(const AuditEvent &event)
{
    return event.source == AuditEvent::Source::Proxy && event.decision != Decision::Info &&
           (event.action == ConnectAction || event.action == HttpAction);
}

// A colour per persona line (requests solid, denies dashed in the same colour).
QColor personaColor(int index)
{
    static const std::array<QColor, 8> colors{QColor(0x15, 0x65, 0xc0), QColor(0x6a, 0x1b, 0x9a),
                                              QColor(0x00, 0x83, 0x8f), QColor(0xad, 0x14, 0x57),
                                              QColor(0x55, 0x8b, 0x2f), QColor(0xef, 0x6c, 0x00),
                                              QColor(0x4e, 0x34, 0x2e), QColor(0x37, 0x47, 0x4f)};
    return colors[std::size_t(index) % colors.size()];
}

qint64 nowUs()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

QString personaTitle(const QString &persona)
{
    return persona.isEmpty() ? DashboardPage::tr("Paddock itself") : persona;
}

QString decisionTitle(Decision decision)
{
    switch (decision) {
    case Decision::Allow:
        return DashboardPage::tr("Allowed");
    case Decision::Deny:
        return DashboardPage::tr("Denied");
    case Decision::WouldDeny:
        return DashboardPage::tr("Would be denied");
    case Decision::Info:
        return DashboardPage::tr("Information");
    }
    return {};
}

// Colour and line style, so that the lines differ in more than colour.
QPen decisionPen(Decision decision)
{
    switch (decision) {
    case Decision::Allow:
        return QPen(QColor(0x2e, 0x7d, 0x32), 2, Qt::SolidLine);
    case Decision::Deny:
        return QPen(QColor(0xc6, 0x28, 0x28), 3, Qt::SolidLine);
    case Decision::WouldDeny:
        return QPen(QColor(0xef, 0x6c, 0x00), 2, Qt::DashLine);
    case Decision::Info:
        return QPen(QColor(0x60, 0x7d, 0x8b), 1.5, Qt::DotLine);
    }
    return {};
}

QChartView *makeChartView(QChart *chart, const char *name)
{
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto *view = new QChartView(chart);
    view->setObjectName(QLatin1StringView(name));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(150);
    return view;
}

QLabel *summaryLabel(const char *name)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1StringView(name));
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    label->setFont(font);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

DashboardPage::DashboardPage(Engine &engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_status(new QLabel)
    , m_eventsLabel(summaryLabel("eventsTodayLabel"))
    , m_deniesLabel(summaryLabel("deniesTodayLabel"))
    , m_healthLabel(summaryLabel("auditHealthLabel"))
    , m_timeAxis(new QDateTimeAxis)
    , m_decisionsCountAxis(new QValueAxis)
    , m_deniesSet(new QBarSet(tr("Denied or would be denied")))
    , m_personaAxis(new QBarCategoryAxis)
    , m_deniesCountAxis(new QValueAxis)
    , m_topDenied(new QTreeWidget)
    , m_tunnelsLabel(summaryLabel("activeTunnelsLabel"))
    , m_proxyTimeAxis(new QDateTimeAxis)
    , m_proxyRateAxis(new QValueAxis)
    , m_topDestinations(new QTreeWidget)
{
    setObjectName(QStringLiteral("dashboardPage"));

    m_status->setObjectName(QStringLiteral("dashboardStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Decisions per minute over the last hour: one line per kind of decision.
    auto *decisions = new QChart;
    decisions->setTitle(tr("Decisions per minute, last hour"));
    m_timeAxis->setFormat(QStringLiteral("HH:mm"));
    m_timeAxis->setTickCount(7);
    m_timeAxis->setTitleText(tr("Time"));
    m_decisionsCountAxis->setLabelFormat(QStringLiteral("%d"));
    m_decisionsCountAxis->setTitleText(tr("Events"));
    decisions->addAxis(m_timeAxis, Qt::AlignBottom);
    decisions->addAxis(m_decisionsCountAxis, Qt::AlignLeft);
    for (std::size_t i = 0; i < chartDecisions.size(); ++i) {
        auto *series = new QLineSeries;
        series->setName(decisionTitle(chartDecisions[i]));
        series->setPen(decisionPen(chartDecisions[i]));
        decisions->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_decisionsCountAxis);
        m_decisionSeries[std::size_t(chartDecisions[i])] = series;
    }
    m_decisionsView = makeChartView(decisions, "decisionsChart");

    // Denies per persona over the last day.
    auto *denies = new QChart;
    denies->setTitle(tr("Denies per persona, last 24 hours"));
    auto *deniesSeries = new QBarSeries;
    m_deniesSet->setColor(decisionPen(Decision::Deny).color());
    deniesSeries->append(m_deniesSet);
    deniesSeries->setLabelsVisible(true);
    deniesSeries->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    denies->addSeries(deniesSeries);
    m_deniesCountAxis->setLabelFormat(QStringLiteral("%d"));
    denies->addAxis(m_personaAxis, Qt::AlignBottom);
    denies->addAxis(m_deniesCountAxis, Qt::AlignLeft);
    deniesSeries->attachAxis(m_personaAxis);
    deniesSeries->attachAxis(m_deniesCountAxis);
    m_deniesView = makeChartView(denies, "deniesChart");

    // The most denied resources, as text.
    m_topDenied->setObjectName(QStringLiteral("topDeniedList"));
    m_topDenied->setHeaderLabels({tr("Resource"), tr("Denied")});
    auto *topTitle = new QLabel(tr("Top denied resources, last 24 hours"));
    topTitle->setObjectName(QStringLiteral("topDeniedTitle"));
    topTitle->setBuddy(m_topDenied);
    auto *topBox = new QVBoxLayout;
    topBox->addWidget(topTitle);
    topBox->addWidget(m_topDenied);

    // The proxy: requests/s and denies/s per persona over the last minutes.
    auto *proxy = new QChart;
    proxy->setTitle(
        tr("Proxy requests and denies per second, last %n minute(s)", nullptr, ProxyChartMinutes));
    m_proxyTimeAxis->setFormat(QStringLiteral("HH:mm"));
    m_proxyTimeAxis->setTickCount(6);
    m_proxyTimeAxis->setTitleText(tr("Time"));
    m_proxyRateAxis->setLabelFormat(QStringLiteral("%.1f"));
    m_proxyRateAxis->setTitleText(tr("Per second"));
    proxy->addAxis(m_proxyTimeAxis, Qt::AlignBottom);
    proxy->addAxis(m_proxyRateAxis, Qt::AlignLeft);
    m_proxyView = makeChartView(proxy, "proxyRatesChart");

    // The most connected destinations, as text, beside the most denied.
    for (QTreeWidget *list : {m_topDenied, m_topDestinations}) {
        list->setRootIsDecorated(false);
        list->setUniformRowHeights(true);
        list->header()->setStretchLastSection(false);
        list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
        list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    }
    m_topDestinations->setObjectName(QStringLiteral("topDestinationsList"));
    m_topDestinations->setHeaderLabels({tr("Destination"), tr("Connections")});
    auto *destinationsTitle = new QLabel(tr("Top destinations through the proxy, last 24 hours"));
    destinationsTitle->setObjectName(QStringLiteral("topDestinationsTitle"));
    destinationsTitle->setBuddy(m_topDestinations);
    auto *destinationsBox = new QVBoxLayout;
    destinationsBox->addWidget(destinationsTitle);
    destinationsBox->addWidget(m_topDestinations);
    m_tunnelsLabel->setWordWrap(true);
    m_tunnelsLabel->setToolTip(tr("Tunnels the proxy has open now, per persona"));

    // The health line goes below the counts: when failing it is long, and it must not be cut off.
    m_healthLabel->setWordWrap(true);
    auto *summary = new QGridLayout;
    summary->addWidget(m_eventsLabel, 0, 0);
    summary->addWidget(m_deniesLabel, 0, 1);
    summary->addWidget(m_tunnelsLabel, 0, 2);
    summary->setColumnStretch(3, 1);
    summary->setHorizontalSpacing(24);
    summary->addWidget(m_healthLabel, 1, 0, 1, 4);

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_deniesView, 3);
    bottom->addLayout(topBox, 2);
    bottom->addLayout(destinationsBox, 2);

    auto *charts = new QHBoxLayout;
    charts->addWidget(m_decisionsView, 1);
    charts->addWidget(m_proxyView, 1);

    // In a scroll area: the charts and lists side by side need more width than a small window
    // has, and the page must not force the window wider than the user made it.
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->addLayout(summary);
    layout->addWidget(m_status);
    layout->addLayout(charts, 1);
    layout->addLayout(bottom, 1);
    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("dashboardScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &DashboardPage::refresh);
    m_minuteTimer.setSingleShot(true);
    connect(&m_minuteTimer, &QTimer::timeout, this, &DashboardPage::rollMinute);
    armMinuteTimer();

    connect(&m_watcher, &QFutureWatcher<Result<AuditReader::Stats>>::finished, this,
            [this] { applyLoaded(m_watcher.result()); });
    connect(&m_engine, &Engine::healthChanged, this, [this] { setAuditFailing(m_engine.isAuditFailing()); });
    connect(&m_engine, &Engine::stateChanged, this, [this] {
        if (isVisible() && !m_loaded && !m_loading)
            startQuery();
    });
    setAuditFailing(m_engine.isAuditFailing());
    setStatus(tr("Loading…"), false);
}

DashboardPage::~DashboardPage() = default;

bool DashboardPage::canRead() const
{
    switch (m_engine.state()) {
    case Engine::State::Running:
    case Engine::State::Degraded:
    case Engine::State::Failed: // the log may still be readable; if not, the error says why
        return true;
    case Engine::State::Stopped:
    case Engine::State::Starting:
    case Engine::State::Stopping:
        break;
    }
    return false;
}

Result<AuditReader::Stats> DashboardPage::load(const QString &databasePath, qint64 sinceUs)
{
    auto reader = AuditReader::open(databasePath);
    if (!reader)
        return std::unexpected(reader.error());
    // More resources than are shown: those just below the top may rise with the live events.
    const qint64 proxySinceUs = sinceUs + DayUs - ProxyChartMinutes * MinuteUs - ProxyBucketUs;
    return reader->stats(sinceUs, TopShown * 10, 0, proxySinceUs, ProxyBucketUs);
}

void DashboardPage::reload()
{
    if (m_loading) {
        m_requery = true;
        return;
    }
    startQuery();
}

void DashboardPage::startQuery()
{
    if (!canRead()) {
        setStatus(tr("The figures appear once the engine has started."), false);
        return;
    }
    if (!m_loaded)
        setStatus(tr("Loading…"), false);
    if (!m_subscription) {
        // Subscribed once the store runs, so that it starts after the store's newest event; live
        // events before the first read are in that read anyway.
        m_subscription = new AuditSubscription(*m_engine.auditStore(), this);
        connect(m_subscription, &AuditSubscription::events, this, &DashboardPage::addEvents);
        connect(m_subscription, &AuditSubscription::missed, this, &DashboardPage::reload);
    }
    m_loading = true;
    m_requery = false;
    m_arrivedWhileLoading.clear();
    m_sinceQuery.start();
    const QString path = m_engine.auditStore()->databasePath();
    const qint64 since = nowUs() - DayUs;
    m_watcher.setFuture(QtConcurrent::run([path, since] { return load(path, since); }));
}

void DashboardPage::applyLoaded(const Result<AuditReader::Stats> &result)
{
    m_loading = false;
    if (!result) {
        m_arrivedWhileLoading.clear();
        setStatus(tr("Could not read the audit log: %1").arg(result.error().text()), true);
        emit loaded();
        return;
    }
    m_minutes.clear();
    for (auto it = result->perMinute.cbegin(); it != result->perMinute.cend(); ++it) {
        std::array<qint64, 4> counts{};
        for (auto c = it.value().cbegin(); c != it.value().cend(); ++c)
            counts[std::size_t(c.key())] = c.value();
        m_minutes.insert(it.key(), counts);
    }
    m_personaDenies = result->deniesPerPersona;
    m_resourceDenies.clear();
    for (const auto &[resource, denied] : result->topDenied)
        m_resourceDenies.insert(resource, denied);
    m_proxyBuckets = result->proxyPerBucket;
    m_resourceConnects.clear();
    for (const auto &[resource, connected] : result->topConnected)
        m_resourceConnects.insert(resource, connected);
    m_throughSeq = result->throughSeq;
    m_loaded = true;
    for (const Counted &event : m_arrivedWhileLoading)
        count(event);
    m_arrivedWhileLoading.clear();
    setStatus({}, false);
    scheduleRefresh();
    emit loaded();
    if (m_requery)
        startQuery();
}

void DashboardPage::addEvents(const AuditBatch &batch)
{
    // Tunnels are followed from the live events only (the log does not say which are open).
    for (const AuditEvent &event : batch)
        if (event.source == AuditEvent::Source::Proxy)
            followTunnel(event);
    // Until the first read starts, the read itself will count these.
    if (!m_loaded && !m_loading) {
        scheduleRefresh();
        return;
    }
    for (const AuditEvent &event : batch) {
        Counted counted{event.seq,     event.timeUs,   event.decision,
                        event.persona, event.resource, isProxyDecision(event)};
        if (m_loading) {
            if (m_arrivedWhileLoading.size() < MaxHeldWhileLoading)
                m_arrivedWhileLoading.push_back(counted);
            else
                m_requery = true;
        }
        if (m_loaded)
            count(counted);
    }
    scheduleRefresh();
}

void DashboardPage::count(const Counted &event)
{
    if (event.seq <= m_throughSeq)
        return; // already in the figures read from the log
    m_throughSeq = event.seq;
    if (event.timeUs < nowUs() - DayUs)
        return;
    auto it = m_minutes.find(minuteStart(event.timeUs));
    if (it == m_minutes.end())
        it = m_minutes.insert(minuteStart(event.timeUs), {});
    ++(*it)[std::size_t(event.decision)];
    const bool denied = event.decision == Decision::Deny || event.decision == Decision::WouldDeny;
    if (denied) {
        ++m_personaDenies[event.persona];
        ++m_resourceDenies[event.resource];
        if (m_resourceDenies.size() > MaxResourcesKept)
            trimCounts(m_resourceDenies);
    }
    if (event.proxyDecision) {
        if (event.timeUs >= nowUs() - ProxyChartMinutes * MinuteUs - ProxyBucketUs) {
            ProxyCounts &counts = m_proxyBuckets[proxyBucketStart(event.timeUs)][event.persona];
            ++counts.requests;
            if (denied)
                ++counts.denies;
        }
        if (event.decision == Decision::Allow || event.decision == Decision::WouldDeny) {
            ++m_resourceConnects[event.resource];
            if (m_resourceConnects.size() > MaxResourcesKept)
                trimCounts(m_resourceConnects);
        }
    }
}

void DashboardPage::trimCounts(QHash<QString, qint64> &counts)
{
    // Many distinct resources (a scan, say): keep the most counted; the next read brings back
    // exact figures.
    QList<qint64> values = counts.values();
    auto nth = values.begin() + ResourcesKeptAfterTrim;
    std::nth_element(values.begin(), nth, values.end(), std::greater<>());
    const qint64 cut = *nth;
    counts.removeIf([cut](const auto &it) { return it.value() <= cut; });
}

void DashboardPage::followTunnel(const AuditEvent &event)
{
    const bool opened = (event.decision == Decision::Allow || event.decision == Decision::WouldDeny) &&
                        (event.action == ConnectAction || event.action == HttpAction);
    const bool closed =
        event.action == QLatin1StringView("connect.close") || event.action == QLatin1StringView("http.close");
    if (!opened && !closed)
        return;
    const QJsonValue id = event.detailsObject().value(QStringLiteral("id"));
    if (!id.isDouble())
        return;
    const qint64 tunnel = id.toInteger();
    if (opened) {
        if (m_openTunnelCount >= MaxTrackedTunnels)
            return;
        QSet<qint64> &open = m_openTunnels[event.persona];
        if (!open.contains(tunnel)) {
            open.insert(tunnel);
            ++m_openTunnelCount;
        }
        return;
    }
    // A close of a tunnel opened before the page followed the log is not in the set: ignored.
    const auto it = m_openTunnels.find(event.persona);
    if (it != m_openTunnels.end() && it->remove(tunnel)) {
        --m_openTunnelCount;
        if (it->isEmpty())
            m_openTunnels.erase(it);
    }
}

void DashboardPage::setActiveTunnels(const QHash<QString, int> &tunnels)
{
    m_reportedTunnels = tunnels;
    m_openTunnels.clear();
    m_openTunnelCount = 0;
    scheduleRefresh();
}

QHash<QString, int> DashboardPage::activeTunnels() const
{
    if (m_reportedTunnels)
        return *m_reportedTunnels;
    QHash<QString, int> out;
    for (auto it = m_openTunnels.cbegin(); it != m_openTunnels.cend(); ++it)
        out.insert(it.key(), int(it->size()));
    return out;
}

void DashboardPage::trimProxyBuckets()
{
    const qint64 oldest = proxyBucketStart(nowUs() - ProxyChartMinutes * MinuteUs);
    while (!m_proxyBuckets.isEmpty() && m_proxyBuckets.firstKey() < oldest)
        m_proxyBuckets.erase(m_proxyBuckets.begin());
}

DashboardPage::ProxyCounts DashboardPage::proxyCounts(const QString &persona) const
{
    const qint64 from = proxyBucketStart(nowUs() - ProxyChartMinutes * MinuteUs);
    ProxyCounts total;
    for (auto it = m_proxyBuckets.lowerBound(from); it != m_proxyBuckets.cend(); ++it) {
        const ProxyCounts counts = it->value(persona);
        total.requests += counts.requests;
        total.denies += counts.denies;
    }
    return total;
}

QList<std::pair<QString, qint64>> DashboardPage::topDestinations() const
{
    return topOf(m_resourceConnects);
}

qint64 DashboardPage::countInMinute(qint64 minuteStartUs, AuditEvent::Decision decision) const
{
    const auto it = m_minutes.constFind(minuteStartUs);
    return it == m_minutes.cend() ? 0 : (*it)[std::size_t(decision)];
}

qint64 DashboardPage::eventsLastDay() const
{
    const qint64 from = minuteStart(nowUs() - DayUs);
    qint64 total = 0;
    for (auto it = m_minutes.lowerBound(from); it != m_minutes.cend(); ++it)
        for (qint64 n : *it)
            total += n;
    return total;
}

qint64 DashboardPage::deniesLastDay() const
{
    const qint64 from = minuteStart(nowUs() - DayUs);
    qint64 total = 0;
    for (auto it = m_minutes.lowerBound(from); it != m_minutes.cend(); ++it)
        total += (*it)[std::size_t(Decision::Deny)] + (*it)[std::size_t(Decision::WouldDeny)];
    return total;
}

// The most counted resources first (ties by name), at most TopShown.
QList<std::pair<QString, qint64>> DashboardPage::topOf(const QHash<QString, qint64> &counts)
{
    QList<std::pair<QString, qint64>> top;
    top.reserve(counts.size());
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        top.append({it.key(), it.value()});
    std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (top.size() > TopShown)
        top.resize(TopShown);
    return top;
}

QList<std::pair<QString, qint64>> DashboardPage::topDenied() const
{
    return topOf(m_resourceDenies);
}

void DashboardPage::setAuditFailing(bool failing)
{
    m_auditFailing = failing;
    QPalette palette = m_healthLabel->palette();
    if (failing) {
        m_healthLabel->setText(
            tr("Audit log: FAILING — enforcement points that fail closed deny new actions"));
        palette.setColor(QPalette::WindowText, QColor(0xb7, 0x1c, 0x1c));
    } else {
        m_healthLabel->setText(tr("Audit log: writing"));
        palette.setColor(QPalette::WindowText, this->palette().color(QPalette::WindowText));
    }
    m_healthLabel->setPalette(palette);
    QFont font = m_healthLabel->font();
    font.setBold(failing);
    m_healthLabel->setFont(font);
}

void DashboardPage::armMinuteTimer()
{
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 nextMinuteMs = (nowMs / 60'000 + 1) * 60'000;
    m_minuteTimer.start(int(nextMinuteMs - nowMs) + 20);
}

void DashboardPage::rollMinute()
{
    const qint64 oldest = minuteStart(nowUs() - DayUs);
    while (!m_minutes.isEmpty() && m_minutes.firstKey() < oldest)
        m_minutes.erase(m_minutes.begin());
    trimProxyBuckets();
    if (isVisible() && m_loaded && !m_loading && m_sinceQuery.elapsed() >= RequeryIntervalMs)
        startQuery();
    scheduleRefresh();
    armMinuteTimer();
}

void DashboardPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_loading && (!m_loaded || m_sinceQuery.elapsed() >= RequeryIntervalMs))
        startQuery();
    if (m_dirty)
        scheduleRefresh();
}

void DashboardPage::scheduleRefresh()
{
    m_dirty = true;
    if (!isVisible() || m_refreshTimer.isActive())
        return;
    const qint64 since = m_sinceRefresh.isValid() ? m_sinceRefresh.elapsed() : RefreshIntervalMs;
    m_refreshTimer.start(int(std::max<qint64>(0, RefreshIntervalMs - since)));
}

void DashboardPage::refresh()
{
    if (!isVisible())
        return; // stays dirty: redrawn when shown
    m_dirty = false;
    const qint64 now = nowUs();
    // While the proxy serves listeners, its own count of open tunnels is the truth (it knows
    // those opened before this page); its snapshot is a copy under a mutex, no waiting.
    if (const EgressProxy *proxy = m_engine.egressProxy()) {
        const ProxyStatus status = proxy->status();
        if (!status.listeners.isEmpty()) {
            QHash<QString, int> open;
            for (auto it = status.personas.cbegin(); it != status.personas.cend(); ++it)
                open.insert(it.key(), it->active);
            m_reportedTunnels = open;
        }
    }
    refreshSummary();
    refreshDecisions(now);
    refreshDenies();
    refreshProxy(now);
    m_sinceRefresh.start();
    ++m_refreshCount;
    emit refreshed();
}

void DashboardPage::refreshSummary()
{
    if (!m_loaded) {
        m_eventsLabel->setText(tr("Events in the last 24 hours: —"));
        m_deniesLabel->setText(tr("Denied in the last 24 hours: —"));
        return;
    }
    m_eventsLabel->setText(tr("Events in the last 24 hours: %L1").arg(eventsLastDay()));
    m_deniesLabel->setText(tr("Denied in the last 24 hours: %L1").arg(deniesLastDay()));
}

void DashboardPage::refreshDecisions(qint64 nowUs)
{
    const qint64 last = minuteStart(nowUs);
    const qint64 first = last - (ChartMinutes - 1) * MinuteUs;
    qint64 highest = 0;
    for (Decision decision : chartDecisions) {
        QList<QPointF> points;
        points.reserve(ChartMinutes);
        for (qint64 minute = first; minute <= last; minute += MinuteUs) {
            const qint64 n = countInMinute(minute, decision);
            highest = std::max(highest, n);
            points.append(QPointF(qreal(minute / 1000), qreal(n)));
        }
        m_decisionSeries[std::size_t(decision)]->replace(points);
    }
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(first / 1000),
                         QDateTime::fromMSecsSinceEpoch(last / 1000));
    m_decisionsCountAxis->setRange(0, qreal(std::max<qint64>(highest, 4)));
    m_decisionsCountAxis->applyNiceNumbers();
}

void DashboardPage::refreshDenies()
{
    QList<std::pair<QString, qint64>> personas;
    for (auto it = m_personaDenies.cbegin(); it != m_personaDenies.cend(); ++it)
        if (it.value() > 0)
            personas.append({it.key(), it.value()});
    std::sort(personas.begin(), personas.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (personas.size() > TopShown)
        personas.resize(TopShown);
    QStringList categories;
    QList<qreal> values;
    qint64 highest = 0;
    for (const auto &[persona, denied] : personas) {
        categories << personaTitle(persona);
        values << qreal(denied);
        highest = std::max(highest, denied);
    }
    m_deniesSet->remove(0, m_deniesSet->count());
    m_personaAxis->clear();
    m_personaAxis->append(categories);
    m_deniesSet->append(values);
    m_deniesCountAxis->setRange(0, qreal(std::max<qint64>(highest, 4)));
    m_deniesCountAxis->applyNiceNumbers();

    fillTop(
        m_topDenied, topDenied(),
        Icons::themed(QStringLiteral("dialog-cancel"), style()->standardIcon(QStyle::SP_DialogCancelButton)));
}

void DashboardPage::fillTop(QTreeWidget *list, const QList<std::pair<QString, qint64>> &top,
                            const QIcon &icon)
{
    list->clear();
    for (const auto &[resource, n] : top) {
        auto *item = new QTreeWidgetItem(list);
        item->setText(0, resource.isEmpty() ? tr("(no resource)") : resource);
        item->setToolTip(0, resource);
        item->setIcon(0, icon);
        item->setText(1, QLocale().toString(n));
        item->setData(1, Qt::UserRole, n);
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
}

void DashboardPage::refreshProxy(qint64 nowUs)
{
    const qint64 last = proxyBucketStart(nowUs);
    const qint64 first = proxyBucketStart(nowUs - ProxyChartMinutes * MinuteUs);

    // The busiest personas of the window, by requests.
    QHash<QString, qint64> requests;
    for (auto it = m_proxyBuckets.lowerBound(first); it != m_proxyBuckets.cend(); ++it)
        for (auto p = it->cbegin(); p != it->cend(); ++p)
            requests[p.key()] += p->requests;
    QList<std::pair<QString, qint64>> busiest;
    for (auto it = requests.cbegin(); it != requests.cend(); ++it)
        if (it.value() > 0)
            busiest.append({it.key(), it.value()});
    std::sort(busiest.begin(), busiest.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (busiest.size() > ProxyPersonasShown)
        busiest.resize(ProxyPersonasShown);
    QStringList shown;
    for (const auto &entry : std::as_const(busiest))
        shown << entry.first;
    std::sort(shown.begin(), shown.end()); // a persona keeps its colour while the order changes

    QChart *chart = m_proxyView->chart();
    for (auto it = m_proxySeries.begin(); it != m_proxySeries.end();) {
        if (shown.contains(it.key())) {
            ++it;
            continue;
        }
        chart->removeSeries(it->first);
        chart->removeSeries(it->second);
        delete it->first;
        delete it->second;
        it = m_proxySeries.erase(it);
    }
    const qreal seconds = qreal(ProxyBucketUs) / 1e6;
    qreal highest = 0;
    for (qsizetype i = 0; i < shown.size(); ++i) {
        const QString &persona = shown[i];
        auto it = m_proxySeries.find(persona);
        if (it == m_proxySeries.end()) {
            auto *requestSeries = new QLineSeries;
            auto *denySeries = new QLineSeries;
            for (QLineSeries *series : {requestSeries, denySeries}) {
                chart->addSeries(series);
                series->attachAxis(m_proxyTimeAxis);
                series->attachAxis(m_proxyRateAxis);
            }
            it = m_proxySeries.insert(persona, {requestSeries, denySeries});
        }
        it->first->setName(tr("%1 requests/s").arg(personaTitle(persona)));
        it->second->setName(tr("%1 denies/s").arg(personaTitle(persona)));
        it->first->setPen(QPen(personaColor(int(i)), 2, Qt::SolidLine));
        it->second->setPen(QPen(personaColor(int(i)), 2, Qt::DashLine));
        QList<QPointF> requestPoints;
        QList<QPointF> denyPoints;
        for (qint64 bucket = first; bucket <= last; bucket += ProxyBucketUs) {
            const ProxyCounts counts = m_proxyBuckets.value(bucket).value(persona);
            const qreal x = qreal(bucket / 1000);
            requestPoints.append(QPointF(x, qreal(counts.requests) / seconds));
            denyPoints.append(QPointF(x, qreal(counts.denies) / seconds));
            highest = std::max(highest, qreal(counts.requests) / seconds);
        }
        it->first->replace(requestPoints);
        it->second->replace(denyPoints);
    }
    m_proxyShown = shown;
    m_proxyTimeAxis->setRange(QDateTime::fromMSecsSinceEpoch(first / 1000),
                              QDateTime::fromMSecsSinceEpoch(last / 1000));
    m_proxyRateAxis->setRange(0, std::max<qreal>(highest, 1));
    m_proxyRateAxis->applyNiceNumbers();

    const QHash<QString, int> tunnels = activeTunnels();
    int total = 0;
    QStringList parts;
    QStringList personas = tunnels.keys();
    std::sort(personas.begin(), personas.end());
    for (const QString &persona : std::as_const(personas)) {
        const int n = tunnels.value(persona);
        if (n <= 0)
            continue;
        total += n;
        parts << tr("%1 %L2").arg(personaTitle(persona)).arg(n);
    }
    m_tunnelsLabel->setText(
        parts.isEmpty() ? tr("Active tunnels: %L1").arg(total)
                        : tr("Active tunnels: %L1 (%2)").arg(total).arg(parts.join(QStringLiteral(", "))));
    fillTop(m_topDestinations, topDestinations(),
            Icons::themed(QStringLiteral("network-server"), style()->standardIcon(QStyle::SP_DriveNetIcon)));
}

void DashboardPage::setStatus(const QString &text, bool problem)
{
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
    QPalette palette = m_status->palette();
    palette.setColor(QPalette::WindowText,
                     problem ? QColor(0xb7, 0x1c, 0x1c) : this->palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
}

} // namespace paddock
