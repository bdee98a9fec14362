// bench/audit: the Audit page under a steady stream (scripts/bench audit-window).
//   bench_audit_window [--rate EVENTS_PER_S] [--seconds S] [--dir DIR]
// A real engine and audit log in a temporary folder; the page shown (offscreen unless
// QT_QPA_PLATFORM says otherwise) and following the newest event while another thread appends
// `rate` events per second (default 20,000) for `seconds` (default 30). A 5 ms timer on the UI
// thread measures how late it runs: the longest stall and the 99th percentile, less the interval.
// Resident memory before and after, and what the view shows at the end. Target: longest stall
// <= 50 ms, memory bounded by the view's cap.
#include "audit/AuditLogPage.h"
#include "audit/AuditModel.h"
#include "audit/AuditStore.h"
#include "engine/Engine.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <time.h>
#include <vector>

using namespace paddock;

namespace {

constexpr int ProbeMs = 5;

// "VmRSS" or "VmHWM" from /proc/self/status, in MiB.
double memoryMiB(const char *key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(qsizetype(qstrlen(key)) + 1).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

AuditEvent makeEvent(qint64 n)
{
    static const QStringList personas{QStringLiteral("agent"), QStringLiteral("web"), QStringLiteral("dev"),
                                      QStringLiteral("nightly-review"), QStringLiteral("docs-bot")};
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = personas[n % personas.size()];
    e.action = QStringLiteral("connect");
    e.resource = QStringLiteral("api%1.example.com:443").arg(n % 997);
    e.decision = n % 100 == 0 ? AuditEvent::Decision::Deny : AuditEvent::Decision::Allow;
    e.policies = {e.decision == AuditEvent::Decision::Deny ? QStringLiteral("no-unlisted-hosts")
                                                           : QStringLiteral("model-apis")};
    e.details = QByteArrayLiteral("{\"bytesIn\":") + QByteArray::number(n * 7 % 100000) +
                QByteArrayLiteral(",\"bytesOut\":") + QByteArray::number(n * 13 % 50000) +
                QByteArrayLiteral(",\"durationMs\":") + QByteArray::number(n % 5000) + '}';
    return e;
}

// CPU time of the calling thread: a stall the UI thread spent running is its own work, one it
// spent not running is the machine's (other processes, the writer on a 2-core box).
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct Tick
{
    double lateMs;
    double cpuMs; // of the UI thread during the gap
    qint64 atMs;
};

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);

    int rate = 20000;
    int seconds = 30;
    QString base = QDir::tempPath();
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QStringLiteral("--rate"))
            rate = args[i + 1].toInt();
        else if (args[i] == QStringLiteral("--seconds"))
            seconds = args[i + 1].toInt();
        else if (args[i] == QStringLiteral("--dir"))
            base = args[i + 1];
    }
    QTemporaryDir dir(base + QStringLiteral("/paddock-bench-XXXXXX"));
    // The engine writes its log and configuration here, not in the user's folders (Paths reads
    // these when asked, so setting them before the engine exists is enough).
    qputenv("PADDOCK_DATA_DIR", dir.filePath(QStringLiteral("data")).toUtf8());
    qputenv("PADDOCK_CONFIG_DIR", dir.filePath(QStringLiteral("config")).toUtf8());

    Engine engine;
    engine.start();
    AuditStore *store = engine.auditStore();
    AuditLogPage *page = nullptr;

    std::vector<double> lateMs;
    lateMs.reserve(size_t(seconds) * 1000 / ProbeMs + 1000);
    std::vector<Tick> ticks;
    ticks.reserve(lateMs.capacity());
    double cpuAtTick = 0;
    QElapsedTimer clock;
    QElapsedTimer sinceTick;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(ProbeMs);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const double late = std::max(0.0, double(sinceTick.nsecsElapsed()) / 1e6 - ProbeMs);
        const double cpu = threadCpuMs();
        lateMs.push_back(late);
        ticks.push_back({late, cpu - cpuAtTick, clock.elapsed()});
        cpuAtTick = cpu;
        sinceTick.start();
    });

    std::atomic<bool> producing{false};
    std::atomic<bool> produced{false};
    std::atomic<qint64> appended{0};
    std::thread producer;
    double rssBefore = 0;
    qint64 producedAtMs = 0;

    const auto finish = [&] {
        probe.stop();
        const double rssAfter = memoryMiB("VmRSS");
        const double rssPeak = memoryMiB("VmHWM");
        const double seconds = double(clock.elapsed()) / 1000.0;
        const bool atBottom = [&] {
            const QScrollBar *bar =
                page->findChild<QTableView *>(QStringLiteral("auditView"))->verticalScrollBar();
            return bar->value() == bar->maximum();
        }();
        std::printf("audit window: %lld events appended in %.1f s (%.0f/s offered), view caught up %lld ms "
                    "after the last\n",
                    static_cast<long long>(appended.load()), double(producedAtMs) / 1000.0,
                    double(appended.load()) * 1000.0 / double(std::max<qint64>(1, producedAtMs)),
                    static_cast<long long>(clock.elapsed() - producedAtMs));
        std::printf("  UI thread stall (5 ms probe, lateness): max %.1f ms, p99 %.1f ms, p50 %.2f ms over "
                    "%zu ticks\n",
                    lateMs.empty() ? 0.0 : *std::max_element(lateMs.begin(), lateMs.end()),
                    percentile(lateMs, 0.99), percentile(lateMs, 0.5), lateMs.size());
        std::sort(ticks.begin(), ticks.end(),
                  [](const Tick &a, const Tick &b) { return a.lateMs > b.lateMs; });
        std::printf("  longest stalls (late ms / UI thread CPU ms in the gap / at s):");
        for (size_t i = 0; i < std::min<size_t>(5, ticks.size()); ++i)
            std::printf(" %.1f/%.1f/%.1f", ticks[i].lateMs, ticks[i].cpuMs, double(ticks[i].atMs) / 1000.0);
        std::printf("\n");
        const double uiCpu = threadCpuMs();
        std::printf("  UI thread CPU: %.1f s of %.1f s (%.0f%%)\n", uiCpu / 1000.0, seconds,
                    uiCpu / 10.0 / std::max(0.001, seconds));
        std::printf("  resident memory: %.1f MiB before, %.1f MiB after, peak %.1f MiB\n", rssBefore,
                    rssAfter, rssPeak);
        std::printf("  events shown: %d (cap %lld), newest shown %lld of %lld, view at the newest: %s, %.1f "
                    "s total\n",
                    page->model()->rowCount(), static_cast<long long>(page->model()->capacity()),
                    static_cast<long long>(page->model()->lastSeq()),
                    static_cast<long long>(store->lastSeq()), atBottom ? "yes" : "no", seconds);
        app.quit();
    };

    const auto start = [&] {
        page = new AuditLogPage(engine);
        page->resize(1280, 900);
        page->show();
        QObject::connect(page, &AuditLogPage::historyLoaded, &app, [&] {
            if (producing.exchange(true))
                return;
            rssBefore = memoryMiB("VmRSS");
            clock.start();
            sinceTick.start();
            cpuAtTick = threadCpuMs();
            probe.start();
            producer = std::thread([&, rate, seconds] {
                const auto begin = std::chrono::steady_clock::now();
                const auto end = begin + std::chrono::seconds(seconds);
                qint64 n = 0;
                for (auto now = begin; now < end; now = std::chrono::steady_clock::now()) {
                    const qint64 due =
                        std::chrono::duration_cast<std::chrono::microseconds>(now - begin).count() * rate /
                        1'000'000;
                    for (; n < due; ++n)
                        store->append(makeEvent(n));
                    appended.store(n);
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                produced.store(true);
            });
            // Done when the producer has stopped and the view shows its last event.
            auto *watch = new QTimer(&app);
            watch->start(50);
            QObject::connect(watch, &QTimer::timeout, &app, [&, watch] {
                if (producedAtMs == 0 && produced.load()) {
                    producer.join();
                    producedAtMs = clock.elapsed();
                }
                if (producedAtMs > 0 && store->pendingCount() == 0 &&
                    page->model()->lastSeq() == store->lastSeq()) {
                    watch->stop();
                    finish();
                } else if (producedAtMs > 0 && clock.elapsed() - producedAtMs > 30000) {
                    watch->stop();
                    std::printf("audit window: the view did not catch up within 30 s\n");
                    finish();
                }
            });
        });
    };

    QObject::connect(&engine, &Engine::stateChanged, &app, [&](Engine::State state) {
        if (!page && (state == Engine::State::Running || state == Engine::State::Degraded))
            start();
        else if (state == Engine::State::Failed) {
            std::printf("audit window: the engine did not start\n");
            app.exit(1);
        }
    });
    const int rc = app.exec();
    delete page;
    engine.stop();
    return rc;
}
