#pragma once

#include "audit/AuditQuery.h"
#include "common/Error.h"

#include <QHash>
#include <QIODevice>
#include <QMap>

#include <functional>
#include <memory>

namespace paddock {

// Reads an audit database: pages of events by filter, single events, counts for the dashboard,
// exports. Opens its own read-only connection, so it may run on any thread (one reader per thread)
// and in another process than the one writing; readers never block the writer (WAL).
class AuditReader final
{
public:
    static Result<AuditReader> open(const QString &databasePath);
    AuditReader(AuditReader &&) noexcept;
    AuditReader &operator=(AuditReader &&) noexcept;
    ~AuditReader();

    // Newest first, at most `limit` events older than `beforeSeq` (0: from the newest). Filters
    // on persona, source, decision and time use indexes; text reads at most TextScanRows rows.
    Result<AuditPage> page(const AuditFilter &filter, qint64 beforeSeq = 0, int limit = 500);
    // Oldest first, events newer than `afterSeq` (for following the log from another process).
    Result<AuditBatch> after(qint64 afterSeq, const AuditFilter &filter = {}, int limit = 1000);
    Result<AuditEvent> event(qint64 seq);
    // The newest seq in the log (0 when empty) and the oldest that is kept (after pruning).
    Result<qint64> lastSeq();
    Result<qint64> firstSeq();
    Result<qint64> count();

    // Figures for the dashboard, for events at or after `sinceUs` (perMinute from
    // `perMinuteSinceUs` when given, e.g. only the last hour; the proxy's decisions per persona in
    // buckets of `proxyBucketUs` from `proxySinceUs` when that is given).
    struct ProxyCounts
    {
        qint64 requests = 0; // connect and http decisions
        qint64 denies = 0;   // of which deny or would-deny
    };
    struct Stats
    {
        // The proxy's decisions (bucket start, UTC µs → persona → counts).
        QMap<qint64, QHash<QString, ProxyCounts>> proxyPerBucket;
        // Destinations the proxy let through (allow, would-deny), most first.
        QList<std::pair<QString, qint64>> topConnected;
        // Per minute (start of the minute, UTC µs): how many of each decision.
        QMap<qint64, QHash<AuditEvent::Decision, qint64>> perMinute;
        QHash<QString, qint64> deniesPerPersona;     // deny and would-deny
        QList<std::pair<QString, qint64>> topDenied; // resources, most denied first
        qint64 events = 0;
        // Every figure is of one snapshot of the log, which ends at this seq (0 when empty), so
        // that live events after it can be added without counting any twice.
        qint64 throughSeq = 0;
    };
    Result<Stats> stats(qint64 sinceUs, int topN = 10, qint64 perMinuteSinceUs = 0, qint64 proxySinceUs = 0,
                        qint64 proxyBucketUs = 10'000'000);

    // Writes every event that matches (oldest first) as JSON Lines or CSV; returns how many.
    // `progress` gets the count so far and may return false to cancel.
    enum class Format { JsonLines, Csv };
    Result<qint64> exportTo(QIODevice &out, const AuditFilter &filter, Format format,
                            const std::function<bool(qint64)> &progress = {});

    static QByteArray csvHeader();
    static QByteArray csvRow(const AuditEvent &event);

    static constexpr qint64 TextScanRows = 200000;

private:
    struct Impl;
    explicit AuditReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace paddock
