// Persona runtime against real podman, with its peer in the same run:
//  - persona start, from the request to "running" (containers made anew each time, secrets
//    delivered), against `podman run -d` of the same hardened configuration; medians of N runs;
//  - engine event to UI: a container killed from outside, from the engine's own event timestamp
//    (and from the kill request) to the status arriving on the UI thread.
// Usage: bench_runtime [--runs N] [--image NAME]   (default image: localhost/paddock-agent:test
// when it exists, else a busybox one made here)
#include "../../tests/core/BusyboxImage.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"
#include "runtime/EngineEvents.h"
#include "runtime/PersonaRuntime.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <cstdio>

using namespace paddock;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    if (v.empty())
        return 0;
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Spins the event loop until `done` or `ms` pass.
bool waitUntil(const std::function<bool()> &done, int ms = 60000)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return done();
}

// `podman run -d` with what containerSpec() asks the API for.
QStringList podmanRunArgs(const Persona &p, const QString &name)
{
    QStringList a{QStringLiteral("run"),
                  QStringLiteral("-d"),
                  QStringLiteral("--name"),
                  name,
                  QStringLiteral("--read-only"),
                  QStringLiteral("--cap-drop"),
                  QStringLiteral("ALL"),
                  QStringLiteral("--security-opt"),
                  QStringLiteral("no-new-privileges"),
                  QStringLiteral("--user"),
                  QStringLiteral("1000:1000"),
                  QStringLiteral("--tmpfs"),
                  QStringLiteral("/tmp:rw,nosuid,nodev,size=%1m").arg(p.limits.tmpMb),
                  QStringLiteral("--tmpfs"),
                  QStringLiteral("/run/paddock/secrets:rw,nosuid,nodev,noexec,size=1m,mode=0700,U"),
                  QStringLiteral("--memory"),
                  QStringLiteral("%1m").arg(p.limits.memoryMb),
                  QStringLiteral("--memory-swap"),
                  QStringLiteral("%1m").arg(p.limits.memoryMb),
                  QStringLiteral("--cpus"),
                  QString::number(p.limits.cpus),
                  QStringLiteral("--pids-limit"),
                  QString::number(p.limits.pids),
                  QStringLiteral("--ulimit"),
                  QStringLiteral("nofile=%1:%1").arg(p.limits.nofile),
                  QStringLiteral("--ulimit"),
                  QStringLiteral("nproc=%1:%1").arg(p.limits.nproc),
                  QStringLiteral("--label"),
                  QStringLiteral("io.paddock.bench=1"),
                  QStringLiteral("--env"),
                  QStringLiteral("PADDOCK_SECRETS_WAIT=0")};
    for (const Persona::Port &port : p.ports)
        a << QStringLiteral("-p") << QStringLiteral("127.0.0.1:%1:%2").arg(port.host + 1).arg(port.container);
    for (const Persona::Volume &v : p.volumes)
        a << QStringLiteral("-v") << v.name + QLatin1Char(':') + v.target;
    if (p.isolated())
        a << QStringLiteral("--network") << p.networkName();
    a << QStringLiteral("--entrypoint") << p.entrypoint.first() << p.image << p.entrypoint.mid(1);
    return a;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int runs = 10;
    QString image;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QLatin1StringView("--runs"))
            runs = std::max(3, args[i + 1].toInt());
        else if (args[i] == QLatin1StringView("--image"))
            image = args[i + 1];
    }
    auto endpoint = EngineClient::discover();
    if (!endpoint) {
        std::fprintf(stderr, "bench_runtime: %s\n", qPrintable(endpoint.error().text()));
        return 1;
    }
    EngineClient client(*endpoint);
    auto version = client.connect();
    if (!version) {
        std::fprintf(stderr, "bench_runtime: %s\n", qPrintable(version.error().text()));
        return 1;
    }
    const QString suffix = QUuid::createUuid().toString(QUuid::Id128).left(6);
    bool ownImage = false;
    if (image.isEmpty()) {
        image = QStringLiteral("localhost/paddock-agent:test");
        if (!client.inspectImage(image)) {
            image = QStringLiteral("localhost/paddock-bench-") + suffix + QStringLiteral(":1");
            if (!client.importImage(busyboxRootTar(), image.section(u':', 0, 0), QStringLiteral("1"))) {
                std::fprintf(stderr, "bench_runtime: could not make a busybox image\n");
                return 1;
            }
            ownImage = true;
        }
    }
    const bool agentImage = image.contains(QStringLiteral("paddock-agent"));

    Persona p;
    p.name = QStringLiteral("bench") + suffix;
    p.trust = Persona::Trust::Restricted;
    p.image = image;
    p.entrypoint = agentImage
                       ? QStringList{QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("shell")}
                       : QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                                     QStringLiteral("trap 'exit 0' TERM; while true; do sleep 1; done")};
    p.ports = {{42000 + int(QCoreApplication::applicationPid() % 1000) * 2, 8080}};
    p.volumes = {{QStringLiteral("paddock-bench-home-") + suffix, QStringLiteral("/home/dev")}};
    QTemporaryDir dir;
    {
        QFile f(dir.filePath(QStringLiteral("personas.json")));
        if (!f.open(QIODevice::WriteOnly))
            return 1;
        f.write(PersonaStore::serialize({p}));
    }

    std::printf("bench_runtime: %s %s, image %s, %d runs\n", qPrintable(version->engine),
                qPrintable(version->version), qPrintable(image), runs);

    // The runtime on a thread of its own, as in the app; this thread plays the UI.
    PersonaRuntime::Options options;
    options.personasPath = dir.filePath(QStringLiteral("personas.json"));
    options.image = image;
    options.stopTimeout = std::chrono::seconds(2);
    auto *runtime = new PersonaRuntime(std::move(options));
    QThread thread;
    thread.setObjectName(QStringLiteral("paddock-runtime"));
    runtime->moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(runtime, [runtime] { (void)runtime->start(); }, Qt::BlockingQueuedConnection);

    PersonaStatus last(p.name);
    qint64 lastReceivedNs = 0;
    QElapsedTimer clock;
    clock.start();
    QObject ui;
    QObject::connect(runtime, &PersonaRuntime::statusChanged, &ui, [&](const PersonaStatus &s) {
        if (s.persona == p.name) {
            last = s;
            lastReceivedNs = QDateTime::currentMSecsSinceEpoch() * 1000000;
        }
    });
    if (!waitUntil([&] { return runtime->isEngineConnected() && runtime->status(p.name); }, 15000)) {
        std::fprintf(stderr, "bench_runtime: the runtime did not reach the engine\n");
        return 1;
    }

    auto removeContainer = [&](const QString &name) {
        (void)client.killContainer(name);
        (void)client.removeContainer(name, true);
    };

    // Persona start, request to running.
    std::vector<double> paddockMs, podmanMs;
    const QString peerName = QStringLiteral("paddock-benchpeer-") + suffix;
    for (int i = 0; i < runs + 1; ++i) {
        removeContainer(p.containerName());
        waitUntil([&] { return last.state == PersonaStatus::State::Stopped; }, 5000);
        QElapsedTimer t;
        t.start();
        QMetaObject::invokeMethod(runtime, &PersonaRuntime::startPersona, Qt::QueuedConnection, p.name);
        if (!waitUntil([&] { return last.state == PersonaStatus::State::Running && !last.message.size(); })) {
            std::fprintf(stderr, "bench_runtime: the persona did not start: %s\n", qPrintable(last.message));
            return 1;
        }
        const double paddock = t.nsecsElapsed() / 1e6;

        removeContainer(peerName);
        QProcess podman;
        t.restart();
        podman.start(QStringLiteral("podman"), podmanRunArgs(p, peerName));
        podman.waitForFinished(60000);
        const double peer = t.nsecsElapsed() / 1e6;
        if (podman.exitCode() != 0) {
            std::fprintf(stderr, "bench_runtime: podman run failed: %s\n",
                         podman.readAllStandardError().constData());
            return 1;
        }
        if (i > 0) { // the first of each warms caches
            paddockMs.push_back(paddock);
            podmanMs.push_back(peer);
        }
    }
    removeContainer(peerName);
    const double ours = median(paddockMs), theirs = median(podmanMs);
    std::printf("persona start (request to running, median of %d): Paddock %.1f ms, podman run -d %.1f ms, "
                "ratio %.2f (target <= 1.2)\n",
                runs, ours, theirs, ours / theirs);

    // Engine event to UI. The engine's own die events, with its timestamps, followed here too.
    // Stamped where the event arrives (the events thread), as the runtime's own stream gets it.
    std::atomic<qint64> dieEventNs = 0, dieArrivedNs = 0;
    EngineEvents events(*endpoint, QLatin1StringView(PersonaLabel), client.apiVersion());
    QObject::connect(
        &events, &EngineEvents::containerEvent, &ui,
        [&](const ContainerEvent &e) {
            if (e.kind == ContainerEvent::Kind::Died && e.name == p.containerName()) {
                dieArrivedNs = QDateTime::currentMSecsSinceEpoch() * 1000000;
                dieEventNs = e.timeNs;
            }
        },
        Qt::DirectConnection);
    events.start();
    waitUntil([&] { return events.isConnected(); }, 5000);
    std::vector<double> fromEvent, fromArrival, fromEnd, fromKill;
    for (int i = 0; i < runs; ++i) {
        if (last.state != PersonaStatus::State::Running) {
            QMetaObject::invokeMethod(runtime, &PersonaRuntime::startPersona, Qt::QueuedConnection, p.name);
            waitUntil([&] { return last.state == PersonaStatus::State::Running; });
        }
        QElapsedTimer t;
        t.start();
        dieEventNs = 0;
        dieArrivedNs = 0;
        (void)client.killContainer(p.containerName());
        waitUntil([&] { return last.state == PersonaStatus::State::Exited; }, 10000);
        fromKill.push_back(t.nsecsElapsed() / 1e6);
        waitUntil([&] { return dieEventNs != 0; }, 5000);
        if (dieEventNs) {
            fromEvent.push_back(double(lastReceivedNs - dieEventNs) / 1e6);
            fromArrival.push_back(double(lastReceivedNs - dieArrivedNs) / 1e6);
        }
        // When the container ended, as the engine recorded it, to when the UI thread had it.
        qint64 eventNs = 0;
        auto inspect = client.inspectContainer(p.containerName());
        if (inspect) {
            const QDateTime finished = QDateTime::fromString(inspect->value(QStringLiteral("State"))
                                                                 .toObject()
                                                                 .value(QStringLiteral("FinishedAt"))
                                                                 .toString(),
                                                             Qt::ISODateWithMs);
            eventNs = finished.toMSecsSinceEpoch() * 1000000;
        }
        if (eventNs > 0)
            fromEnd.push_back(double(lastReceivedNs - eventNs) / 1e6);
    }
    events.stop();
    const auto maxOf = [](const std::vector<double> &v) {
        return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    };
    std::printf("engine event to UI thread (container death, median of %d runs; target <= 100 ms):\n"
                "  from the die event reaching Paddock's socket: %.1f ms (max %.1f; below 0: Paddock's /wait "
                "knew first)\n"
                "  from the engine's timestamp on that event:    %.1f ms (max %.1f)\n"
                "  from the container's end (FinishedAt):       %.1f ms (max %.1f)\n"
                "  from the kill request:                       %.1f ms\n",
                runs, median(fromArrival), maxOf(fromArrival), median(fromEvent), maxOf(fromEvent),
                median(fromEnd), maxOf(fromEnd), median(fromKill));

    QMetaObject::invokeMethod(
        runtime,
        [runtime] {
            runtime->stop();
            delete runtime;
        },
        Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    removeContainer(p.containerName());
    (void)client.removeVolume(p.volumes.first().name);
    (void)client.removeNetwork(p.networkName());
    if (ownImage)
        (void)client.removeImage(image);
    return 0;
}
