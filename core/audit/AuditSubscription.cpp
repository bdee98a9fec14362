#include "audit/AuditSubscription.h"

#include "audit/AuditStore.h"

namespace paddock {

AuditSubscription::AuditSubscription(AuditStore &store, QObject *parent)
    : QObject(parent)
    , m_store(&store)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &AuditSubscription::deliver);
    m_position = store.lastSeq();
    store.subscribe(this);
    m_sinceDelivery.start();
    // Whatever was committed between reading lastSeq and subscribing is in the feed already.
    notify();
}

AuditSubscription::~AuditSubscription()
{
    if (m_store)
        m_store->unsubscribe(this);
}

void AuditSubscription::setPaused(bool paused)
{
    m_paused = paused;
    if (!paused)
        deliver();
}

void AuditSubscription::notify()
{
    if (m_notified.exchange(true))
        return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_notified.store(false);
            if (m_timer.isActive())
                return;
            const qint64 since = m_sinceDelivery.elapsed();
            if (since >= m_intervalMs)
                deliver();
            else
                m_timer.start(int(m_intervalMs - since));
        },
        Qt::QueuedConnection);
}

void AuditSubscription::deliver()
{
    if (m_paused || !m_store)
        return;
    qint64 oldest = 0;
    const auto batches = m_store->feedSince(m_position, &oldest);
    if (oldest > m_position + 1) {
        const qint64 from = m_position + 1;
        m_position = oldest - 1;
        emit missed(from, oldest - 1);
    }
    AuditBatch out;
    // Batches come in order; only the first can hold events already delivered.
    for (const auto &batch : batches) {
        if (batch->front().seq > m_position) {
            out += *batch;
            continue;
        }
        for (const AuditEvent &e : *batch)
            if (e.seq > m_position)
                out.push_back(e);
    }
    m_sinceDelivery.restart();
    if (out.isEmpty())
        return;
    m_position = out.back().seq;
    emit events(out);
}

} // namespace paddock
