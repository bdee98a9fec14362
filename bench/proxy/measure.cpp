#include "measure.h"

#include "process.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

namespace paddock::bench {

namespace {

void sleepFor(double seconds)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// CPU time of this process (the load generator's threads and the echo server's), in seconds.
double ownCpuSeconds()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Shows that the proxy lets the echo server through and refuses another port and another host.
bool checkAllowlist(const Endpoint &proxy, const EchoServer &echo, Figures &f)
{
    int status = 0;
    std::string error;
    const Endpoint allowed{"127.0.0.1", echo.port()};
    const int fd = openOne(proxy, allowed, status, error);
    char c = 0;
    if (fd < 0 || ::send(fd, "e", 1, MSG_NOSIGNAL) != 1 || ::read(fd, &c, 1) != 1 || c != 'e') {
        f.why = "CONNECT " + allowed.text() +
                " did not make a working tunnel: " + (error.empty() ? std::string("no echo") : error);
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    ::close(fd);
    const std::uint64_t decoysBefore = echo.decoyConnections();
    auto refused = [&](const Endpoint &to) {
        const int other = openOne(proxy, to, status, error);
        if (other >= 0)
            ::close(other);
        f.allowlist +=
            ", " + to.text() + " -> " + (status ? std::to_string(status) : std::string("no answer"));
        return status != 200 && other < 0;
    };
    f.allowlistHolds = refused({"127.0.0.1", echo.decoyPort()});
    if (echo.hasDecoyHost())
        f.allowlistHolds = refused({"127.0.0.2", echo.port()}) && f.allowlistHolds;
    else
        f.allowlist += ", 127.0.0.2 not checked (cannot listen on it)";
    sleepFor(0.1);
    const std::uint64_t reached = echo.decoyConnections() - decoysBefore;
    f.allowlistHolds = f.allowlistHolds && reached == 0;
    f.allowlist = allowed.text() + " -> 200" + f.allowlist + "; decoys reached " + std::to_string(reached) +
                  " times: " + (f.allowlistHolds ? "the allowlist holds" : "THE ALLOWLIST DOES NOT HOLD");
    return true;
}

void measureMemory(const Exchange &x, const std::vector<pid_t> &pids, const Options &o, Figures &f)
{
    f.tunnels = o.tunnels;
    if (!pids.empty())
        f.before = memoryKb(pids, f.pss);
    std::vector<int> held = openTunnels(x, o.tunnels, o.clients, f.holdErrors);
    f.held = int(held.size());
    sleepFor(o.hold);
    if (!pids.empty())
        f.idle = memoryKb(pids, f.pss);
    f.echoes = echoOnEach(held, x.timeout, f.holdErrors);
    if (!pids.empty())
        f.echoed = memoryKb(pids, f.pss);
    std::printf("%s: %d tunnels held %.0f s, %d echoed; errors %s\n", f.name.c_str(), f.held, o.hold,
                f.echoes, f.holdErrors.summary().c_str());
    std::fflush(stdout);
}

void measureTunnelsPerSecond(const Exchange &x, const std::vector<pid_t> &pids, const Options &o, Figures &f)
{
    std::vector<double> before;
    for (const pid_t p : pids)
        before.push_back(cpuSeconds({p}));
    const double benchBefore = ownCpuSeconds();
    f.many = runLoad(x, o.clients, o.duration, o.threads);
    f.benchCpu = ownCpuSeconds() - benchBefore;
    f.cpu = pids.empty() ? -1 : 0;
    for (std::size_t i = 0; i < pids.size(); ++i) {
        const double after = cpuSeconds({pids[i]});
        f.cpuEach.push_back(before[i] >= 0 && after >= 0 ? after - before[i] : -1);
        f.cpu = f.cpu >= 0 && f.cpuEach.back() >= 0 ? f.cpu + f.cpuEach.back() : -1;
    }
    std::string split; // " (proxy + relay)", in us per tunnel
    if (f.cpuEach.size() > 1 && f.many.completed > 0) {
        for (std::size_t i = 0; i < f.cpuEach.size(); ++i)
            split += (i ? " + " : " (") +
                     std::to_string(std::lround(f.cpuEach[i] * 1e6 / double(f.many.completed)));
        split += ")";
    }
    std::printf("%s: %d clients: %.0f tunnels/s; CPU %.2f cores, %.0f us/tunnel%s (load generator and echo "
                "server %.2f cores, %.0f us/tunnel); errors %s\n",
                f.name.c_str(), o.clients, f.many.perSecond(), f.cpu / o.duration, f.cpuPerTunnelUs(),
                split.c_str(), f.benchCpu / o.duration, f.benchCpuPerTunnelUs(),
                f.many.errors.summary().c_str());
    std::fflush(stdout);
}

std::string percentiles(const LoadResult &r)
{
    char text[96];
    std::snprintf(text, sizeof text, "p50 %.3f ms, p99 %.3f ms", r.percentileMs(0.5), r.percentileMs(0.99));
    return text;
}

// See Latency. Exchanges by `clients` clients, each starting one every `every` (0: when the last ended).
void measureLatency(const std::string &what, Exchange x, const std::optional<Endpoint> &alongside,
                    int clients, std::chrono::nanoseconds every, const Options &o, Figures &f, Latency &into)
{
    x.every = every;
    Exchange straight = x;
    straight.target = *x.tunnelTo;
    straight.tunnelTo.reset();
    Exchange viaPaddock = x;
    if (alongside)
        viaPaddock.target = *alongside;
    const int rounds = std::max(1, int(std::lround(o.duration / 2 / o.slice)));
    for (int r = 0; r < rounds; ++r) {
        into.direct.add(runLoad(straight, clients, o.slice, o.threads));
        if (alongside)
            into.alongside.add(runLoad(viaPaddock, clients, o.slice, o.threads));
        into.through.add(runLoad(x, clients, o.slice, o.threads));
    }
    into.measured = true;
    f.hasAlongside = alongside.has_value();
    std::printf("%s: %s: %.0f tunnels/s, %s; direct alongside %.0f/s, %s%s; errors %s, direct %s%s\n",
                f.name.c_str(), what.c_str(), into.through.perSecond(), percentiles(into.through).c_str(),
                into.direct.perSecond(), percentiles(into.direct).c_str(),
                alongside ? ("; Paddock straight alongside " + percentiles(into.alongside)).c_str() : "",
                into.through.errors.summary().c_str(), into.direct.errors.summary().c_str(),
                alongside ? (", Paddock straight " + into.alongside.errors.summary()).c_str() : "");
    std::fflush(stdout);
}

void measureThroughput(const Exchange &x, const Options &o, Figures &f)
{
    const std::uint64_t bytes = std::uint64_t(o.megabytes) * 1000000;
    int status = 0;
    std::string error;
    if (int fd = openOne(x.target, x.tunnelTo, status, error); fd >= 0) {
        f.up = sinkThroughput(fd, bytes, error);
        ::close(fd);
    }
    if (int fd = openOne(x.target, x.tunnelTo, status, error); fd >= 0 && f.up > 0) {
        f.down = sourceThroughput(fd, bytes, error);
        ::close(fd);
    }
    if (f.up < 0 || f.down < 0)
        f.throughputError = error;
    std::printf("%s: one tunnel, %d MB each way: client->sink %.0f MB/s, sink->client %.0f MB/s%s\n",
                f.name.c_str(), o.megabytes, f.up, f.down,
                f.throughputError.empty() ? "" : ("; " + f.throughputError).c_str());
    std::fflush(stdout);
}

} // namespace

void measure(const Endpoint &proxy, const std::vector<pid_t> &pids, const EchoServer &echo, const Options &o,
             Figures &f, const std::optional<Endpoint> &alongside)
{
    if (!checkAllowlist(proxy, echo, f))
        return;
    f.available = true;
    std::printf("%s: %s\n", f.name.c_str(), f.allowlist.c_str());
    std::fflush(stdout);
    Exchange x;
    x.target = proxy;
    x.tunnelTo = Endpoint{"127.0.0.1", echo.port()};
    x.payload = linePayload(o.payload);
    x.timeout = std::chrono::milliseconds(long(o.timeout * 1000));

    runLoad(x, o.latencyClients, o.warmup, o.threads); // first allocations, caches, the audit log made
    if (alongside) {
        Exchange viaPaddock = x;
        viaPaddock.target = *alongside;
        runLoad(viaPaddock, o.latencyClients, o.warmup, o.threads);
    }
    sleepFor(0.3);

    // Memory first, before load phases leave their buffers in the proxy's heap.
    measureMemory(x, pids, o, f);
    sleepFor(0.5);
    measureTunnelsPerSecond(x, pids, o, f);
    sleepFor(0.5);
    const std::string few = std::to_string(o.latencyClients) + " clients";
    measureLatency(few, x, alongside, o.latencyClients, {}, o, f, f.closed);
    if (o.latencyClients > 1)
        measureLatency("1 client", x, alongside, 1, {}, o, f, f.lone);
    // At a rate the machine keeps up with: what a connection waits for the proxy when it is not
    // queueing behind a saturated machine.
    if (o.paced > 0)
        measureLatency(
            few + " paced to " + std::to_string(std::lround(o.paced)) + "/s", x, alongside, o.latencyClients,
            std::chrono::nanoseconds(std::int64_t(1e9 * o.latencyClients / o.paced)), o, f, f.paced);
    measureThroughput(x, o, f);
}

} // namespace paddock::bench
