#include "audit/DashboardPage.h"

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
#include <QLabel>
#include <QLineSeries>
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
    m_topDenied->setRootIsDecorated(false);
    m_topDenied->setUniformRowHeights(true);
    m_topDenied->header()->setStretchLastSection(false);
    m_topDenied->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_topDenied->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    auto *topTitle = new QLabel(tr("Top denied resources, last 24 hours"));
    topTitle->setObjectName(QStringLiteral("topDeniedTitle"));
    topTitle->setBuddy(m_topDenied);
    auto *topBox = new QVBoxLayout;
    topBox->addWidget(topTitle);
    topBox->addWidget(m_topDenied);

    // The health line goes below the counts: when failing it is long, and it must not be cut off.
    m_healthLabel->setWordWrap(true);
    auto *summary = new QGridLayout;
    summary->addWidget(m_eventsLabel, 0, 0);
    summary->addWidget(m_deniesLabel, 0, 1);
    summary->setColumnStretch(2, 1);
    summary->setHorizontalSpacing(24);
    summary->addWidget(m_healthLabel, 1, 0, 1, 3);

    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_deniesView, 3);
    bottom->addLayout(topBox, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(summary);
    layout->addWidget(m_status);
    layout->addWidget(m_decisionsView, 1);
    layout->addLayout(bottom, 1);

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
    return reader->stats(sinceUs, TopShown * 10);
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
    // Until the first read starts, the read itself will count these.
    if (!m_loaded && !m_loading)
        return;
    for (const AuditEvent &event : batch) {
        Counted counted{event.seq, event.timeUs, event.decision, event.persona, event.resource};
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
    if (event.decision == Decision::Deny || event.decision == Decision::WouldDeny) {
        ++m_personaDenies[event.persona];
        ++m_resourceDenies[event.resource];
        if (m_resourceDenies.size() > MaxResourcesKept)
            trimResources();
    }
}

void DashboardPage::trimResources()
{
    // Many distinct resources (a scan, say): keep the most denied; the next read brings back
    // exact figures.
    QList<qint64> counts = m_resourceDenies.values();
    auto nth = counts.begin() + ResourcesKeptAfterTrim;
    std::nth_element(counts.begin(), nth, counts.end(), std::greater<>());
    const qint64 cut = *nth;
    m_resourceDenies.removeIf([cut](const auto &it) { return it.value() <= cut; });
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

QList<std::pair<QString, qint64>> DashboardPage::topDenied() const
{
    QList<std::pair<QString, qint64>> top;
    top.reserve(m_resourceDenies.size());
    for (auto it = m_resourceDenies.cbegin(); it != m_resourceDenies.cend(); ++it)
        top.append({it.key(), it.value()});
    std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (top.size() > TopShown)
        top.resize(TopShown);
    return top;
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
    refreshSummary();
    refreshDecisions(now);
    refreshDenies();
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

    const QIcon denyIcon =
        Icons::themed(QStringLiteral("dialog-cancel"), style()->standardIcon(QStyle::SP_DialogCancelButton));
    m_topDenied->clear();
    for (const auto &[resource, denied] : topDenied()) {
        auto *item = new QTreeWidgetItem(m_topDenied);
        item->setText(0, resource.isEmpty() ? tr("(no resource)") : resource);
        item->setToolTip(0, resource);
        item->setIcon(0, denyIcon);
        item->setText(1, QLocale().toString(denied));
        item->setData(1, Qt::UserRole, denied);
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
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
