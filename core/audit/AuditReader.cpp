#include "audit/AuditReader.h"

#include "audit/AuditSchema.h"
#include "audit/Sqlite.h"

#include <QCoreApplication>
#include <QScopeGuard>

#include <algorithm>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AuditReader)
};

QByteArray likePattern(const QString &text)
{
    QByteArray escaped;
    for (char c : text.toUtf8()) {
        if (c == '%' || c == '_' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    return '%' + escaped + '%';
}

QByteArray csvField(const QByteArray &value)
{
    if (!value.contains(',') && !value.contains('"') && !value.contains('\n') && !value.contains('\r'))
        return value;
    QByteArray quoted = value;
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}
} // namespace

struct AuditReader::Impl
{
    sqlite::Database db;

    // The seq range [lo, hi) that a time range covers (times never go backwards in the log).
    Result<std::pair<qint64, qint64>> seqRange(const AuditFilter &filter)
    {
        qint64 lo = 1, hi = std::numeric_limits<qint64>::max();
        auto firstAtOrAfter = [&](qint64 timeUs) -> Result<qint64> {
            auto s = db.prepare("SELECT seq FROM events WHERE time_us >= ? ORDER BY time_us, seq LIMIT 1");
            if (!s)
                return std::unexpected(s.error());
            s->bind(1, timeUs);
            const int rc = s->step();
            if (rc == SQLITE_ROW)
                return s->int64(0);
            if (rc == SQLITE_DONE)
                return std::numeric_limits<qint64>::max();
            return std::unexpected(db.error(Text::tr("cannot read the audit log"), rc));
        };
        if (filter.sinceUs) {
            auto s = firstAtOrAfter(*filter.sinceUs);
            if (!s)
                return std::unexpected(s.error());
            lo = *s;
        }
        if (filter.untilUs) {
            auto s = firstAtOrAfter(*filter.untilUs);
            if (!s)
                return std::unexpected(s.error());
            hi = *s;
        }
        return std::pair{lo, hi};
    }

    // SELECT over the filter's fields but time and the decisions' list (one decision at most).
    struct Query
    {
        QByteArray sql;
        std::vector<std::pair<int, QByteArray>> texts;
        std::vector<std::pair<int, qint64>> numbers;
    };
    static Query build(const AuditFilter &filter, std::optional<AuditEvent::Decision> decision,
                       bool newestFirst)
    {
        Query q;
        q.sql = QByteArrayLiteral("SELECT ") + auditschema::EventColumns +
                QByteArrayLiteral(" FROM events WHERE seq >= ?1 AND seq < ?2");
        int n = 3;
        if (!filter.persona.isEmpty()) {
            q.sql += " AND persona = ?" + QByteArray::number(n);
            q.texts.emplace_back(n++, filter.persona.toUtf8());
        }
        if (filter.source) {
            q.sql += " AND source = ?" + QByteArray::number(n);
            q.texts.emplace_back(n++, AuditEvent::sourceName(*filter.source).toLatin1());
        }
        if (decision) {
            q.sql += " AND decision = ?" + QByteArray::number(n);
            q.texts.emplace_back(n++, AuditEvent::decisionName(*decision).toLatin1());
        }
        if (!filter.text.isEmpty()) {
            const QByteArray p = QByteArray::number(n);
            q.sql += " AND (resource LIKE ?" + p + " ESCAPE '\\' OR action LIKE ?" + p +
                     " ESCAPE '\\' OR details LIKE ?" + p + " ESCAPE '\\')";
            q.texts.emplace_back(n++, likePattern(filter.text));
        }
        if (filter.sinceUs) {
            q.sql += " AND time_us >= ?" + QByteArray::number(n);
            q.numbers.emplace_back(n++, *filter.sinceUs);
        }
        if (filter.untilUs) {
            q.sql += " AND time_us < ?" + QByteArray::number(n);
            q.numbers.emplace_back(n++, *filter.untilUs);
        }
        q.sql += newestFirst ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq LIMIT ?";
        q.sql += QByteArray::number(n);
        return q;
    }

    // Events in [lo, hi) that match, newest or oldest first, at most `limit`.
    Result<AuditBatch> select(const AuditFilter &filter, qint64 lo, qint64 hi, int limit, bool newestFirst)
    {
        // Several decisions: one index walk each, merged, rather than one walk SQLite must sort.
        QList<std::optional<AuditEvent::Decision>> decisions;
        for (AuditEvent::Decision d : filter.decisions)
            if (!decisions.contains(d))
                decisions << d;
        if (decisions.isEmpty())
            decisions << std::nullopt;
        AuditBatch out;
        for (const auto &decision : decisions) {
            const Query q = build(filter, decision, newestFirst);
            auto s = db.prepare(q.sql.constData());
            if (!s)
                return std::unexpected(s.error());
            s->bind(1, lo);
            s->bind(2, hi);
            for (const auto &[i, v] : q.texts)
                s->bindText(i, v);
            for (const auto &[i, v] : q.numbers)
                s->bind(i, v);
            s->bind(int(q.texts.size() + q.numbers.size()) + 3, limit);
            int rc;
            while ((rc = s->step()) == SQLITE_ROW)
                out.push_back(auditschema::eventFromRow(*s));
            if (rc != SQLITE_DONE)
                return std::unexpected(db.error(Text::tr("cannot read the audit log"), rc));
        }
        if (decisions.size() > 1) {
            std::sort(out.begin(), out.end(), [newestFirst](const AuditEvent &a, const AuditEvent &b) {
                return newestFirst ? a.seq > b.seq : a.seq < b.seq;
            });
            if (out.size() > limit)
                out.resize(limit);
        }
        return out;
    }
};

AuditReader::AuditReader(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{}
AuditReader::AuditReader(AuditReader &&) noexcept = default;
AuditReader &AuditReader::operator=(AuditReader &&) noexcept = default;
AuditReader::~AuditReader() = default;

Result<AuditReader> AuditReader::open(const QString &databasePath)
{
    auto db = auditschema::openForReading(databasePath);
    if (!db)
        return std::unexpected(db.error());
    auto impl = std::make_unique<Impl>();
    impl->db = std::move(*db);
    return AuditReader(std::move(impl));
}

Result<AuditPage> AuditReader::page(const AuditFilter &filter, qint64 beforeSeq, int limit)
{
    limit = std::max(1, limit);
    auto range = d->seqRange(filter);
    if (!range)
        return std::unexpected(range.error());
    auto [lo, hi] = *range;
    if (beforeSeq > 0)
        hi = std::min(hi, beforeSeq);
    AuditPage page;
    if (lo >= hi)
        return page;
    if (filter.text.isEmpty()) {
        auto events = d->select(filter, lo, hi, limit + 1, true);
        if (!events)
            return std::unexpected(events.error());
        page.events = std::move(*events);
        page.more = page.events.size() > limit;
        if (page.more)
            page.events.resize(limit);
        page.resumeBefore = page.events.isEmpty() ? 0 : page.events.back().seq;
        return page;
    }
    // Text: read back through at most TextScanRows rows, in stretches, newest first.
    if (hi == std::numeric_limits<qint64>::max()) {
        auto last = lastSeq();
        if (!last)
            return std::unexpected(last.error());
        hi = *last + 1;
    }
    qint64 upper = hi;
    const qint64 stop = std::max(lo, hi - TextScanRows);
    while (upper > stop && page.events.size() < limit) {
        const qint64 lower = std::max(stop, upper - 20000);
        auto events = d->select(filter, lower, upper, int(limit - page.events.size()), true);
        if (!events)
            return std::unexpected(events.error());
        page.events += *events;
        upper = page.events.size() >= limit ? page.events.back().seq : lower;
    }
    page.resumeBefore = upper;
    page.more = upper > lo; // a full page cannot tell whether anything older matches: there may be
    return page;
}

Result<AuditBatch> AuditReader::after(qint64 afterSeq, const AuditFilter &filter, int limit)
{
    auto range = d->seqRange(filter);
    if (!range)
        return std::unexpected(range.error());
    const qint64 lo = std::max(range->first, afterSeq + 1);
    if (lo >= range->second)
        return AuditBatch{};
    return d->select(filter, lo, range->second, std::max(1, limit), false);
}

Result<AuditEvent> AuditReader::event(qint64 seq)
{
    const QByteArray sql =
        QByteArrayLiteral("SELECT ") + auditschema::EventColumns + " FROM events WHERE seq = ?";
    auto s = d->db.prepare(sql.constData());
    if (!s)
        return std::unexpected(s.error());
    s->bind(1, seq);
    const int rc = s->step();
    if (rc == SQLITE_ROW)
        return auditschema::eventFromRow(*s);
    if (rc == SQLITE_DONE)
        return fail(Error::Code::NotFound, Text::tr("no event %1 in the audit log").arg(seq), d->db.path());
    return std::unexpected(d->db.error(Text::tr("cannot read the audit log"), rc));
}

Result<qint64> AuditReader::lastSeq()
{
    return d->db.scalar("SELECT seq FROM events ORDER BY seq DESC LIMIT 1");
}

Result<qint64> AuditReader::firstSeq()
{
    return d->db.scalar("SELECT seq FROM events ORDER BY seq LIMIT 1");
}

Result<qint64> AuditReader::count()
{
    // Sequence numbers are gap-free, so this is exact for an intact log and needs no scan.
    auto first = firstSeq();
    auto last = lastSeq();
    if (!first)
        return first;
    if (!last)
        return last;
    return *last == 0 ? 0 : *last - *first + 1;
}

Result<AuditReader::Stats> AuditReader::stats(qint64 sinceUs, int topN, qint64 perMinuteSinceUs,
                                              qint64 proxySinceUs, qint64 proxyBucketUs)
{
    Stats stats;
    // One read transaction, so that every query sees the same snapshot.
    if (auto r = d->db.exec("BEGIN"); !r)
        return std::unexpected(r.error());
    const auto endRead = qScopeGuard([this] { (void)d->db.exec("COMMIT"); });
    AuditFilter since;
    since.sinceUs = sinceUs;
    auto range = d->seqRange(since);
    if (!range)
        return std::unexpected(range.error());
    const qint64 lo = range->first;
    auto last = lastSeq();
    if (!last)
        return std::unexpected(last.error());
    stats.throughSeq = *last;
    if (lo > *last)
        return stats;
    stats.events = *last - lo + 1;
    qint64 minuteLo = lo;
    if (perMinuteSinceUs > sinceUs) {
        since.sinceUs = perMinuteSinceUs;
        auto r = d->seqRange(since);
        if (!r)
            return std::unexpected(r.error());
        minuteLo = r->first;
    }
    auto run = [&](const char *sql, qint64 from, auto &&row) -> Result<void> {
        auto s = d->db.prepare(sql);
        if (!s)
            return std::unexpected(s.error());
        s->bind(1, from);
        int rc;
        while ((rc = s->step()) == SQLITE_ROW)
            row(*s);
        if (rc != SQLITE_DONE)
            return std::unexpected(d->db.error(Text::tr("cannot read the audit log"), rc));
        return {};
    };
    if (auto r =
            run("SELECT time_us / 60000000, decision, count(*) FROM events WHERE seq >= ?1 GROUP BY 1, 2",
                minuteLo,
                [&](const sqlite::Statement &s) {
                    const auto decision = AuditEvent::decisionFromName(s.text(1));
                    if (decision)
                        stats.perMinute[s.int64(0) * 60000000][*decision] += s.int64(2);
                });
        !r)
        return std::unexpected(r.error());
    if (auto r =
            run("SELECT persona, count(*) FROM events WHERE decision IN ('deny', 'would-deny') AND seq >= ?1 "
                "GROUP BY persona",
                lo, [&](const sqlite::Statement &s) { stats.deniesPerPersona[s.text(0)] += s.int64(1); });
        !r)
        return std::unexpected(r.error());
    const QByteArray top =
        "SELECT resource, count(*) FROM events WHERE decision IN ('deny', 'would-deny') AND seq >= ?1 "
        "GROUP BY resource ORDER BY 2 DESC, 1 LIMIT " +
        QByteArray::number(std::max(1, topN));
    if (auto r = run(top.constData(), lo,
                     [&](const sqlite::Statement &s) { stats.topDenied.push_back({s.text(0), s.int64(1)}); });
        !r)
        return std::unexpected(r.error());
    const QByteArray connected =
        "SELECT resource, count(*) FROM events WHERE source = 'proxy' AND seq >= ?1 AND action IN "
        "('connect', "
        "'http') AND decision IN ('allow', 'would-deny') GROUP BY resource ORDER BY 2 DESC, 1 LIMIT " +
        QByteArray::number(std::max(1, topN));
    if (auto r =
            run(connected.constData(), lo,
                [&](const sqlite::Statement &s) { stats.topConnected.push_back({s.text(0), s.int64(1)}); });
        !r)
        return std::unexpected(r.error());
    if (proxySinceUs > 0 && proxyBucketUs > 0) {
        since.sinceUs = std::max(proxySinceUs, sinceUs);
        auto r = d->seqRange(since);
        if (!r)
            return std::unexpected(r.error());
        const QByteArray bucket = QByteArray::number(proxyBucketUs);
        const QByteArray sql =
            "SELECT time_us / " + bucket +
            ", persona, decision IN ('deny', 'would-deny'), count(*) FROM events WHERE "
            "source = 'proxy' AND seq >= ?1 AND action IN ('connect', 'http') AND decision "
            "!= 'info' GROUP BY 1, 2, 3";
        if (auto q = run(sql.constData(), r->first,
                         [&](const sqlite::Statement &s) {
                             ProxyCounts &counts =
                                 stats.proxyPerBucket[s.int64(0) * proxyBucketUs][s.text(1)];
                             counts.requests += s.int64(3);
                             if (s.int64(2) != 0)
                                 counts.denies += s.int64(3);
                         });
            !q)
            return std::unexpected(q.error());
    }
    return stats;
}

QByteArray AuditReader::csvHeader()
{
    return QByteArrayLiteral("seq,time,source,persona,action,resource,decision,policies,details,hash\r\n");
}

QByteArray AuditReader::csvRow(const AuditEvent &e)
{
    QByteArray row;
    row += QByteArray::number(e.seq) + ',';
    row += e.time().toString(Qt::ISODateWithMs).toUtf8() + ',';
    row += AuditEvent::sourceName(e.source).toUtf8() + ',';
    row += csvField(e.persona.toUtf8()) + ',';
    row += csvField(e.action.toUtf8()) + ',';
    row += csvField(e.resource.toUtf8()) + ',';
    row += AuditEvent::decisionName(e.decision).toUtf8() + ',';
    row += csvField(e.policies.join(QLatin1Char(' ')).toUtf8()) + ',';
    row += csvField(e.details) + ',';
    row += e.hash.toHex() + "\r\n";
    return row;
}

Result<qint64> AuditReader::exportTo(QIODevice &out, const AuditFilter &filter, Format format,
                                     const std::function<bool(qint64)> &progress)
{
    if (format == Format::Csv && out.write(csvHeader()) < 0)
        return fail(Error::Code::Io, Text::tr("cannot write the export: %1").arg(out.errorString()));
    auto range = d->seqRange(filter);
    if (!range)
        return std::unexpected(range.error());
    auto last = lastSeq();
    if (!last)
        return std::unexpected(last.error());
    const qint64 end = std::min(range->second, *last + 1);
    qint64 written = 0;
    for (qint64 lo = range->first; lo < end;) {
        const qint64 hi = std::min(end, lo + 20000);
        auto events = d->select(filter, lo, hi, 20000, false);
        if (!events)
            return std::unexpected(events.error());
        QByteArray chunk;
        for (const AuditEvent &e : *events) {
            if (format == Format::Csv) {
                chunk += csvRow(e);
            } else {
                chunk += e.toJsonLine();
                chunk += '\n';
            }
        }
        if (out.write(chunk) != chunk.size())
            return fail(Error::Code::Io, Text::tr("cannot write the export: %1").arg(out.errorString()));
        written += events->size();
        lo = hi;
        if (progress && !progress(written))
            return fail(Error::Code::Invalid, Text::tr("export cancelled"));
    }
    return written;
}

} // namespace paddock
