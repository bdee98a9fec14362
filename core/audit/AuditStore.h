#pragma once

#include "audit/AuditEvent.h"
#include "engine/EngineService.h"

#include <QMutex>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace paddock {

class AuditSubscription;

// The append-only, hash-chained audit log: SQLite in WAL mode at $DATA/audit.db, with the newest
// (seq, hash) also kept in a small file beside it (audit.head) so that cutting off the newest
// events is detected. Runs on the engine's paddock-audit thread.
//
// append() may be called from any thread. Events are written in batches (group commit): whatever
// was appended while the previous batch was being committed goes into the next transaction. An
// event is acknowledged, with its sequence number, only once the transaction holding it is
// durable (synchronous=FULL). Several processes may write the same log (the app and paddockctl):
// each batch chains onto the newest row inside its own write transaction.
//
// When events cannot be written (disk full, I/O error) the store keeps them queued (up to a cap),
// reports the problem, retries with backoff, and admits(AuditFailMode::Closed) turns false so
// that enforcement points refuse new actions until it recovers.
class AuditStore final : public EngineService
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditStore)

public:
    using Ack = std::function<void(const Result<qint64> &seq)>;

    struct Retention
    {
        int maxAgeDays = 0;  // 0: keep forever
        qint64 maxBytes = 0; // 0: no size limit
    };

    // `headPath` defaults to databasePath with ".head" in place of its suffix.
    explicit AuditStore(QString databasePath, QString headPath = {});
    ~AuditStore() override;

    static QString defaultDatabasePath(); // $DATA/audit.db
    static QString headPathFor(const QString &databasePath);
    QString databasePath() const { return m_dbPath; }
    QString headPath() const { return m_headPath; }

    // Opens (creating when missing) the database; refuses one of a newer format or that is not an
    // audit log. Also usable without an Engine: call start() and stop() on the owning thread.
    Result<void> start() override;
    // Writes what is still queued (or gives up on it after a last try), then closes.
    void stop() override;

    // Any thread. Queues the event (stamping its time when 0) and returns at once. `onDurable`,
    // if given, runs on the audit thread once the event is durable (with its seq) or dropped
    // (with the error); keep it short.
    void append(AuditEvent event, Ack onDurable = {});
    // Any thread but the audit thread (and never the UI thread): appends and waits until the
    // event is durable or `timeout` passes. For enforcement points configured to fail closed.
    Result<qint64> appendAndWait(AuditEvent event, std::chrono::milliseconds timeout);

    // Whether a new action may go ahead under `mode`: always with Open; with Closed only while
    // events are being written.
    bool admits(AuditFailMode mode) const
    {
        return mode == AuditFailMode::Open || m_writable.load(std::memory_order_acquire);
    }
    bool isWritable() const { return m_writable.load(std::memory_order_acquire); }
    // The newest durable sequence number (0 before the first).
    qint64 lastSeq() const { return m_lastSeq.load(std::memory_order_acquire); }
    // Events queued and not yet durable.
    qint64 pendingCount() const;
    // Transactions committed since start (each holds one batch).
    qint64 batchesWritten() const { return m_batches.load(); }
    // Events dropped since start because the queue was full while the store was failing.
    qint64 droppedCount() const { return m_dropped.load(); }

    // Applied at start and every hour; also at once when changed. Thread-safe.
    void setRetention(Retention retention);
    // Runs retention now (on the calling thread when it is the audit thread, else queued).
    void pruneNow();

    // Most events a subscriber can fall behind by before it is told it missed some.
    static constexpr int FeedCapacity = 65536;
    // Most events kept queued while the store cannot write; beyond that they are dropped (and the
    // drop is recorded once writing works again).
    static constexpr int MaxPending = 1'000'000;

signals:
    // Events cannot be written (false) or can again (true). Emitted from the audit thread.
    void writableChanged(bool writable);
    // Old events were pruned: everything up to `throughSeq` is gone.
    void pruned(qint64 throughSeq);

private:
    friend class AuditSubscription;
    struct Pending
    {
        AuditEvent event;
        Ack ack;
    };
    struct Db;
    class HeadWriter;

    Result<void> open();
    void drain();
    Result<void> writeBatch(std::vector<Pending> &batch);
    // Hashes `e` (its seq and prevHash set) and inserts it; SQLITE_DONE on success.
    int insertChained(AuditEvent &e);
    void postHead(qint64 seq, const QByteArray &hash);
    void setWritable(bool writable, const Error &error = {});
    Error describeFailure(const Error &error) const;
    void retryLater();
    void applyRetention();
    Result<qint64> pruneThrough(qint64 seq, const QString &reason);

    // Subscriptions (any thread): committed batches are kept in a capped ring.
    void publish(std::shared_ptr<const AuditBatch> batch);
    void subscribe(AuditSubscription *subscription);
    void unsubscribe(AuditSubscription *subscription);
    // Batches holding events after `afterSeq`, and the oldest seq still held (0 when none).
    std::vector<std::shared_ptr<const AuditBatch>> feedSince(qint64 afterSeq, qint64 *oldestHeld) const;

    const QString m_dbPath;
    const QString m_headPath;
    std::unique_ptr<Db> m_db;
    std::unique_ptr<HeadWriter> m_headWriter;

    mutable QMutex m_queueMutex;
    std::vector<Pending> m_queue; // guarded by m_queueMutex
    qint64 m_lastTime = 0;        // guarded: times are stamped non-decreasing
    bool m_drainScheduled = false;
    bool m_running = false;
    bool m_failing = false; // drains only from the retry timer meanwhile
    bool m_stopped = false; // after stop(): appends are refused at once
    std::atomic<bool> m_writable{true};
    std::atomic<qint64> m_lastSeq{0};
    std::atomic<qint64> m_dropped{0};
    std::atomic<qint64> m_batches{0};
    qint64 m_droppedUnrecorded = 0;
    Error m_lastError;
    int m_retryMs = 0;
    QTimer *m_retryTimer = nullptr;
    QTimer *m_retentionTimer = nullptr;

    mutable QMutex m_feedMutex;
    std::deque<std::shared_ptr<const AuditBatch>> m_feed;
    qint64 m_feedEvents = 0;
    std::vector<AuditSubscription *> m_subscribers;

    mutable QMutex m_retentionMutex;
    Retention m_retention;
};

} // namespace paddock
