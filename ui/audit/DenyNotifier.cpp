#include "audit/DenyNotifier.h"

#include "audit/AuditStore.h"
#include "audit/AuditSubscription.h"
#include "config/Settings.h"

#include <algorithm>
#include <utility>

namespace paddock {

namespace {
// Personas named in a message; the rest are summed up as "…".
constexpr int PersonasNamed = 3;
} // namespace

void DenyNotifier::Tally::add(const QString &persona, const QString &resource)
{
    ++total;
    ++personas[persona];
    ++resources[resource];
}

DenyNotifier::DenyNotifier(AuditStore &store, Settings &settings, QObject *parent)
    : DenyNotifier(store, settings, Timing{}, parent)
{}

DenyNotifier::DenyNotifier(AuditStore &store, Settings &settings, Timing timing, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_settings(settings)
    , m_timing(timing)
    , m_subscription(new AuditSubscription(store, this))
{
    m_quietTimer.setSingleShot(true);
    connect(&m_quietTimer, &QTimer::timeout, this, &DenyNotifier::quietEnded);
    connect(m_subscription, &AuditSubscription::events, this, &DenyNotifier::addEvents);
    connect(&m_settings, &Settings::changed, this, [this](Settings::Key key) {
        if (key == Settings::Key::DenyNotifications)
            setEnabled(m_settings.denyNotifications());
    });
    setEnabled(m_settings.denyNotifications());
}

DenyNotifier::~DenyNotifier() = default;

void DenyNotifier::setEnabled(bool enabled)
{
    m_enabled = enabled;
    // While off nothing is delivered to this subscriber at all; once on again, what the store
    // still holds from the time it was off is not counted.
    m_enabledAfterSeq = m_store.lastSeq();
    m_subscription->setPaused(!enabled);
    m_recent.clear();
    m_held = {};
    m_quietTimer.stop();
}

void DenyNotifier::addEvents(const AuditBatch &batch)
{
    if (!m_enabled)
        return;
    bool added = false;
    for (const AuditEvent &event : batch) {
        if (!event.isDenial() || event.seq <= m_enabledAfterSeq)
            continue;
        if (m_quietTimer.isActive()) {
            m_held.add(event.persona, event.resource);
        } else {
            m_recent.push_back({event.timeUs, event.persona, event.resource});
            added = true;
        }
    }
    if (!added)
        return;
    // The window is measured in the events' own times (when they happened, not when they arrived),
    // and a burst is told with all of its batch, so that the message says how big it is.
    const qint64 windowUs = qint64(m_timing.window.count()) * 1000;
    const qint64 newest = m_recent.back().timeUs;
    while (m_recent.front().timeUs < newest - windowUs)
        m_recent.pop_front();
    if (qsizetype(m_recent.size()) < m_timing.threshold)
        return;
    Tally burst;
    for (const Denied &denied : m_recent)
        burst.add(denied.persona, denied.resource);
    m_recent.clear();
    fire(burst, m_timing.window);
}

void DenyNotifier::quietEnded()
{
    const Tally held = std::exchange(m_held, {});
    if (held.total >= m_timing.threshold)
        fire(held, m_timing.quiet); // quiet again for as long
}

void DenyNotifier::fire(const Tally &tally, std::chrono::milliseconds period)
{
    auto sorted = [](const QHash<QString, qint64> &counts) {
        QList<std::pair<QString, qint64>> list;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            list.append({it.key(), it.value()});
        std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        return list;
    };
    const auto personas = sorted(tally.personas);
    QStringList named;
    for (qsizetype i = 0; i < personas.size() && i < PersonasNamed; ++i) {
        const QString persona = personas[i].first.isEmpty() ? tr("Paddock") : personas[i].first;
        named << tr("%1: %L2").arg(persona).arg(personas[i].second);
    }
    if (personas.size() > PersonasNamed)
        named << QStringLiteral("…");
    const auto resources = sorted(tally.resources);
    const qint64 seconds = std::max<qint64>(1, period.count() / 1000);

    QString text = tr("%n actions denied in the last %1 s — %2", "always at least the burst threshold, 5",
                      int(tally.total))
                       .arg(seconds)
                       .arg(named.join(QStringLiteral(", ")));
    if (!resources.isEmpty()) {
        const auto &[resource, denied] = resources.first();
        text +=
            QLatin1Char('\n') +
            tr("Most denied: %1 (%L2)").arg(resource.isEmpty() ? tr("(no resource)") : resource).arg(denied);
    }
    m_quietTimer.start(m_timing.quiet);
    emit notify(tr("Actions denied"), text);
}

} // namespace paddock
