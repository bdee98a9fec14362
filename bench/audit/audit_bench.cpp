// bench/audit: the audit log's speed on this machine (scripts/bench audit).
//   bench_audit [--events N] [--dir DIR]
// 1. Acknowledgment latency at an offered 100,000 events/s for 5 s (p50, p99, max), durable
//    (WAL, synchronous=FULL) with group commit.
// 2. Durable append throughput at saturation, up to N events (default 10,000,000), one producer.
// 3. Reference: raw SQLite inserts (same schema, indexes and durability, no hashing, no queue)
//    with the batch size the store used, in the same run.
// 4. First page of queries over the N-event log (newest first, 200 rows).
// 5. Verification speed over the whole log.
#include "audit/AuditReader.h"
#include "audit/AuditSchema.h"
#include "audit/AuditStore.h"
#include "audit/AuditVerifier.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace paddock;
using Clock = std::chrono::steady_clock;

namespace {
const QStringList personas{QStringLiteral("agent"), QStringLiteral("web"), QStringLiteral("dev"),
                           QStringLiteral("nightly-review"), QStringLiteral("docs-bot")};

AuditEvent event(qint64 n)
{
    AuditEvent e;
    e.source = n % 50 == 0 ? AuditEvent::Source::Git : AuditEvent::Source::Proxy;
    e.persona = personas[n % personas.size()];
    e.action = e.source == AuditEvent::Source::Git ? QStringLiteral("git-push") : QStringLiteral("connect");
    e.resource = QStringLiteral("api%1.example.com:443").arg(n % 997);
    e.decision = n % 100 == 0   ? AuditEvent::Decision::Deny
                 : n % 101 == 0 ? AuditEvent::Decision::WouldDeny
                                : AuditEvent::Decision::Allow;
    e.policies = {QStringLiteral("allow-hosts")};
    e.details = QByteArrayLiteral("{\"bytesIn\":") + QByteArray::number(n * 7 % 100000) +
                QByteArrayLiteral(",\"bytesOut\":") + QByteArray::number(n * 13 % 50000) +
                QByteArrayLiteral(",\"listener\":\"10.89.0.1:3128\",\"durationMs\":") +
                QByteArray::number(n % 5000) + '}';
    return e;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

struct Running
{
    QThread thread;
    AuditStore *store = nullptr;
    explicit Running(const QString &db)
    {
        store = new AuditStore(db);
        store->moveToThread(&thread);
        thread.start();
        bool ok = false;
        QMetaObject::invokeMethod(
            store, [&] { ok = store->start().has_value(); }, Qt::BlockingQueuedConnection);
        if (!ok)
            std::fprintf(stderr, "bench_audit: cannot open %s\n", qPrintable(db));
    }
    ~Running()
    {
        QMetaObject::invokeMethod(store, [this] { store->stop(); }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
        delete store;
    }
};

double rawSqliteInserts(const QString &path, qint64 count, int batch)
{
    auto db = sqlite::Database::open(path, sqlite::Database::Mode::ReadWriteCreate);
    if (!db || !auditschema::prepare(*db))
        return 0;
    auto insert = db->prepare(
        "INSERT INTO events (seq, time_us, source, persona, action, resource, decision, policies, "
        "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const QByteArray hash(32, '\x5a');
    QElapsedTimer t;
    t.start();
    for (qint64 n = 1; n <= count;) {
        (void)db->exec("BEGIN IMMEDIATE");
        for (int i = 0; i < batch && n <= count; ++i, ++n) {
            const AuditEvent e = event(n);
            insert->bind(1, n);
            insert->bind(2, n);
            insert->bindText(3, AuditEvent::sourceName(e.source).toLatin1());
            insert->bind(4, e.persona);
            insert->bind(5, e.action);
            insert->bind(6, e.resource);
            insert->bindText(7, AuditEvent::decisionName(e.decision).toLatin1());
            insert->bindText(8, AuditEvent::policiesText(e.policies));
            insert->bindText(9, e.details);
            insert->bindBlob(10, hash);
            insert->bindBlob(11, hash);
            insert->step();
            insert->reset();
        }
        (void)db->exec("COMMIT");
    }
    return double(count) / (double(t.nsecsElapsed()) / 1e9);
}

long rssKb()
{
    FILE *f = std::fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        std::fclose(f);
    return kb;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    qint64 total = 10'000'000;
    QString dirArg;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QLatin1StringView("--events"))
            total = args[i + 1].toLongLong();
        if (args[i] == QLatin1StringView("--dir"))
            dirArg = args[i + 1];
    }
    const QString base = dirArg.isEmpty() ? QDir::tempPath() : dirArg;
    QTemporaryDir tmp(base + QStringLiteral("/bench_audit-XXXXXX"));
    const QString db = tmp.filePath(QStringLiteral("audit.db"));
    std::printf("bench/audit: %lld events into %s (%d cores)\n", static_cast<long long>(total),
                qPrintable(db), QThread::idealThreadCount());

    qint64 written = 0;
    double perBatch = 0;
    {
        Running run(db);
        AuditStore &store = *run.store;

        // 1. Latency at an offered 100,000 events/s.
        const int rate = 100000, seconds = 5;
        const qint64 paced = qint64(rate) * seconds;
        std::vector<double> latencyUs(size_t(paced), 0);
        std::atomic<qint64> acked{0};
        const auto start = Clock::now();
        for (qint64 n = 0; n < paced; ++n) {
            // 100 events every millisecond.
            if (n % 100 == 0)
                std::this_thread::sleep_until(start + std::chrono::microseconds(n * 1000000 / rate));
            const auto t0 = Clock::now();
            store.append(event(n + 1), [&, n, t0](const Result<qint64> &) {
                latencyUs[size_t(n)] =
                    double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()) /
                    1000;
                acked.fetch_add(1);
            });
        }
        while (acked.load() < paced)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double pacedSeconds =
            double(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()) / 1e6;
        std::printf(
            "\n1. acknowledgment latency at an offered %d events/s for %d s (durable, group commit)\n", rate,
            seconds);
        std::printf("   achieved %.0f events/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= "
                    "10 ms)\n",
                    double(paced) / pacedSeconds, percentile(latencyUs, 0.5) / 1000,
                    percentile(latencyUs, 0.99) / 1000,
                    *std::max_element(latencyUs.begin(), latencyUs.end()) / 1000);
        std::printf("   %lld transactions, %.0f events each\n",
                    static_cast<long long>(store.batchesWritten()),
                    double(paced) / double(std::max<qint64>(1, store.batchesWritten())));

        // 2. Saturation.
        const qint64 batchesBefore = store.batchesWritten();
        const qint64 first = store.lastSeq();
        std::atomic<qint64> lastAck{0};
        QElapsedTimer t;
        t.start();
        const qint64 rest = total - paced;
        for (qint64 n = 0; n < rest; ++n) {
            store.append(event(paced + n + 1),
                         n + 1 == rest ? AuditStore::Ack([&](const Result<qint64> &s) { lastAck = *s; })
                                       : AuditStore::Ack());
            if ((n & 1023) == 0)
                while (store.pendingCount() > 200000)
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        while (lastAck.load() == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double satSeconds = double(t.nsecsElapsed()) / 1e9;
        written = store.lastSeq();
        const qint64 batches = store.batchesWritten() - batchesBefore;
        perBatch = double(written - first) / double(std::max<qint64>(1, batches));
        std::printf(
            "\n2. durable append throughput at saturation (one producer, SHA-256 chain, 4 indexes)\n");
        std::printf("   %.0f events/s (%lld events in %.1f s, %lld transactions of %.0f events) (target >= "
                    "100,000)\n",
                    double(written - first) / satSeconds, static_cast<long long>(written - first), satSeconds,
                    static_cast<long long>(batches), perBatch);
        std::printf("   resident memory %ld MB\n", rssKb() / 1024);
    }

    // 3. Reference.
    const qint64 refCount = std::min<qint64>(total, 2'000'000);
    const double raw =
        rawSqliteInserts(tmp.filePath(QStringLiteral("raw.db")), refCount, int(std::max(1.0, perBatch)));
    std::printf(
        "\n3. reference: raw SQLite inserts, same schema and durability, batches of %.0f, no hashing\n",
        perBatch);
    std::printf("   %.0f events/s (%lld events)\n", raw, static_cast<long long>(refCount));
    QFile::remove(tmp.filePath(QStringLiteral("raw.db")));

    // 4. First pages over the whole log.
    std::printf("\n4. first page (200 events, newest first) over %lld events (target < 100 ms)\n",
                static_cast<long long>(written));
    struct Q
    {
        const char *name;
        AuditFilter filter;
    };
    std::vector<Q> queries;
    queries.push_back({"no filter", {}});
    AuditFilter f;
    f.persona = QStringLiteral("web");
    queries.push_back({"persona", f});
    f = {};
    f.decisions = {AuditEvent::Decision::Deny, AuditEvent::Decision::WouldDeny};
    queries.push_back({"deny + would-deny", f});
    f.persona = QStringLiteral("agent");
    queries.push_back({"persona + denies", f});
    f = {};
    f.source = AuditEvent::Source::Git;
    queries.push_back({"source git", f});
    f = {};
    f.sinceUs = QDateTime::currentMSecsSinceEpoch() * 1000 - qint64(3600) * 1000000;
    f.decisions = {AuditEvent::Decision::Deny};
    queries.push_back({"last hour, deny", f});
    f = {};
    f.text = QStringLiteral("api996.example");
    queries.push_back({"text (common)", f});
    f.text = QStringLiteral("no-such-host.invalid");
    queries.push_back({"text (no match: one bounded stretch)", f});
    for (const Q &q : queries) {
        std::vector<double> ms;
        int rows = 0;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer t;
            t.start();
            auto reader = AuditReader::open(db);
            auto page = reader->page(q.filter, 0, 200);
            ms.push_back(double(t.nsecsElapsed()) / 1e6);
            rows = page ? int(page->events.size()) : -1;
        }
        std::printf("   %-38s %3d rows  first %.2f ms, median %.2f ms\n", q.name, rows, ms.front(),
                    percentile(ms, 0.5));
    }

    // 5. Verification.
    QElapsedTimer t;
    t.start();
    auto v = AuditVerifier::verify(db, AuditStore::headPathFor(db));
    const double vs = double(t.nsecsElapsed()) / 1e9;
    std::printf("\n5. verification: %s; %lld events in %.2f s = %.0f events/s\n",
                v ? (v->ok() ? "intact" : "FAILED") : "error", static_cast<long long>(v ? v->checked : 0), vs,
                v ? double(v->checked) / vs : 0.0);
    std::printf("   database %lld MB\n", static_cast<long long>(QFileInfo(db).size() / (1024 * 1024)));
    return 0;
}
