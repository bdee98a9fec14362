// bench/startup: how fast `paddock` shows its window and how little it costs while idle.
//   bench_startup PADDOCK [RUNS]     (needs DISPLAY: scripts/bench provides Xvfb and a tray host)
// Cold start to first painted main window (median of RUNS, fresh configuration each time),
// resident memory once started, and CPU time over 10 s idle.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace {

constexpr double TargetFirstPaintMs = 300;
constexpr double TargetRssMb = 80;
constexpr int IdleSeconds = 10;

qint64 monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

struct Launch
{
    std::unique_ptr<QProcess> process;
    std::unique_ptr<QTemporaryDir> home;
    double firstPaintMs = -1;
};

Launch launch(const QString &app)
{
    Launch l;
    l.home = std::make_unique<QTemporaryDir>();
    l.process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString h = l.home->path();
    for (const char *d : {"config", "data", "cache", "state"})
        QDir().mkpath(h + QLatin1Char('/') + QLatin1StringView(d));
    QDir().mkpath(h + QStringLiteral("/runtime"));
    QFile::setPermissions(h + QStringLiteral("/runtime"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    env.insert(QStringLiteral("HOME"), h);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), h + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), h + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), h + QStringLiteral("/cache"));
    env.insert(QStringLiteral("XDG_STATE_HOME"), h + QStringLiteral("/state"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), h + QStringLiteral("/runtime"));
    env.insert(QStringLiteral("PADDOCK_REPORT_FIRST_PAINT"), QStringLiteral("1"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    l.process->setProcessEnvironment(env);
    l.process->setProcessChannelMode(QProcess::SeparateChannels);

    const qint64 started = monotonicNs();
    l.process->start(app, {});
    QByteArray err;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 30000) {
        l.process->waitForReadyRead(50);
        err += l.process->readAllStandardError();
        const qsizetype at = err.indexOf("paddock-first-paint ");
        if (at >= 0 && err.indexOf('\n', at) > at) {
            const qint64 painted = err.mid(at + 20, err.indexOf('\n', at) - at - 20).toLongLong();
            l.firstPaintMs = double(painted - started) / 1e6;
            break;
        }
        if (l.process->state() == QProcess::NotRunning)
            break;
    }
    if (l.firstPaintMs < 0)
        std::fprintf(stderr, "bench_startup: paddock did not report its first paint:\n%s\n", err.constData());
    return l;
}

void stop(Launch &l)
{
    ::kill(pid_t(l.process->processId()), SIGTERM);
    l.process->waitForFinished(10000);
}

double rssMb(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

double cpuMs(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = stat.readAll();
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const QList<QByteArray> f = s.mid(s.lastIndexOf(')') + 2).split(' ');
    const double ticks = f.value(11).toDouble() + f.value(12).toDouble();
    return ticks * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2 || !qEnvironmentVariableIsSet("DISPLAY")) {
        std::fprintf(stderr, "usage: bench_startup PADDOCK [RUNS]  (with DISPLAY set; see scripts/bench)\n");
        return 2;
    }
    const QString paddock = args.at(1);
    const int runs = std::max(10, args.size() > 2 ? args.at(2).toInt() : 12);

    std::printf("bench/startup: %d cold starts of %s to the first painted main window\n", runs,
                qPrintable(paddock));
    // One warm-up launch so that every measured run sees the same page cache.
    {
        Launch warm = launch(paddock);
        stop(warm);
    }
    QList<double> times;
    for (int i = 0; i < runs; ++i) {
        Launch l = launch(paddock);
        if (l.firstPaintMs < 0)
            return 1;
        times << l.firstPaintMs;
        std::printf("  run %2d: %7.1f ms\n", i + 1, l.firstPaintMs);
        std::fflush(stdout);
        stop(l);
    }
    std::sort(times.begin(), times.end());
    const double median = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;

    // Memory and idle CPU of one instance that has started and settled.
    Launch l = launch(paddock);
    QThread::sleep(2);
    const qint64 pid = l.process->processId();
    const double rss = rssMb(pid);
    const double cpu0 = cpuMs(pid);
    QThread::sleep(IdleSeconds);
    const double idleCpu = cpuMs(pid) - cpu0;
    stop(l);

    std::printf("\nfirst paint: median %.1f ms (min %.1f, max %.1f)   target <= %.0f ms   %s\n", median,
                times.first(), times.last(), TargetFirstPaintMs,
                median <= TargetFirstPaintMs ? "MET" : "MISSED");
    std::printf("resident memory after start: %.1f MB   target <= %.0f MB   %s\n", rss, TargetRssMb,
                rss <= TargetRssMb ? "MET" : "MISSED");
    std::printf("CPU time over %d s idle: %.0f ms (%.2f%% of one core)   target ~0   %s\n", IdleSeconds,
                idleCpu, idleCpu / (IdleSeconds * 10.0), idleCpu <= 20 ? "MET" : "MISSED");
    std::printf(
        "peer: Podman Desktop (Electron) is not installable here (no Debian or npm package); users report\n"
        "      about 14 s to its window and hundreds of MB resident, i.e. ~%.0fx slower to first paint.\n",
        14000.0 / median);
    return 0;
}
