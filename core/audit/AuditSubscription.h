#pragma once

#include "audit/AuditEvent.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <atomic>

namespace paddock {

class AuditStore;

// Live events for one subscriber, on the thread the subscription lives on (the UI thread, say).
// Committed events arrive in batches, in sequence order, at most every `interval` (25 ms by
// default, so within 50 ms of being durable). The writer never waits for a subscriber: one that
// falls more than AuditStore::FeedCapacity events behind gets missed() with the range it lost,
// which it can read from the store (AuditReader), and then goes on with the newest.
class AuditSubscription final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditSubscription)

public:
    // Starts after the store's newest event: only new events are delivered.
    explicit AuditSubscription(AuditStore &store, QObject *parent = nullptr);
    ~AuditSubscription() override;

    void setInterval(int ms) { m_intervalMs = ms; }
    // Whether deliveries stop; while paused nothing is delivered and nothing is held for this
    // subscriber beyond the store's ring (missed() tells what fell out).
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // The newest seq delivered (or skipped over with missed()).
    qint64 position() const { return m_position; }

signals:
    void events(const paddock::AuditBatch &batch);
    // Events fromSeq..toSeq (inclusive) were committed but are no longer held for delivery.
    void missed(qint64 fromSeq, qint64 toSeq);

private:
    friend class AuditStore;
    // From the writer (any thread): something new was published.
    void notify();
    void deliver();

    AuditStore *m_store; // null once the store is gone
    qint64 m_position = 0;
    int m_intervalMs = 25;
    bool m_paused = false;
    std::atomic<bool> m_notified{false};
    QTimer m_timer;
    QElapsedTimer m_sinceDelivery;
};

} // namespace paddock
