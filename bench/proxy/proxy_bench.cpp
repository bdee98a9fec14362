// The egress proxy under load (issue 6), against tinyproxy in the same run. A load generator of our
// own (wrk cannot speak CONNECT) with an echo/sink server on 127.0.0.1 (echo_server.h) measures
// (measure.h):
//   1. tunnels/s at 64 and 16 concurrent clients (connect, CONNECT, its 200, a small echo, close),
//      and the CPU time the proxy's processes spend per tunnel;
//   2. the latency added over a direct connection to the echo server (p50, p99), at 16 clients as
//      fast as they go (closed loop), one client alone, and 16 paced to 2,000 exchanges/s (open loop);
//   3. single-tunnel throughput, client to sink and sink to client;
//   4. memory per idle tunnel (Pss of the proxy's processes) with 1,000 tunnels held at once, all
//      of them still echoing a byte after being held.
// Paddock's proxy runs as `paddockctl proxy listen` with a restricted persona whose policy permits
// only the echo server; then a second one on a Unix socket behind `paddock-relay serve`, as an
// isolated persona reaches it from its container (the latency phases alternating with Paddock's
// proxy straight, to tell the relay's own cost); tinyproxy as an allowlist (ConnectPort,
// FilterDefaultDeny). Before measuring, each proxy is shown to let the echo server through and to
// refuse another port and another host (decoy listeners count whatever reaches them).
//   bench_proxy [--paddockctl PATH] [--relay PATH] [--proxy HOST:PORT [--pid PID]] [--help for the rest]
#include "echo_server.h"
#include "figures.h"
#include "load.h"
#include "measure.h"
#include "process.h"
#include "table.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace paddock::bench;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const char *const Usage = R"(bench_proxy: the egress proxy under load, against tinyproxy in the same run.
  --paddockctl PATH     paddockctl to run `proxy listen` with (default: next to this build's bench/)
  --proxy HOST:PORT     measure an already running proxy in Paddock's column instead (it must allow
                        CONNECT to 127.0.0.1:<echo port>; the port is printed first, or fix it
                        with --echo-port); --pid PID gives its process for memory and CPU time
  --relay PATH          paddock-relay to put in front of a second `proxy listen --socket` (default:
                        next to this build's bench/, relay/paddock-relay)
  --no-paddock, --no-relay, --no-tinyproxy   leave one out (--no-paddock leaves the relay out too)
  --tinyproxy PATH      (default: tinyproxy on PATH)
  --clients N           concurrent clients for tunnels/s (64); --latency-clients N (16)
  --duration S          seconds of each load phase (8); --warmup S (0.5); the latency phases
                        (N clients, then 1 client) alternate direct and proxied slices (and, for
                        the relay, Paddock's proxy straight) of --slice S (0.25), half of each
  --paced R             the latency phase again with the clients paced to R exchanges/s in all
                        (open loop, latency from each scheduled start; 2000; 0: leave it out)
  --megabytes N         bytes each way for single-tunnel throughput, in 10^6 (256)
  --tunnels N           tunnels held at once for memory (1000); --hold S (3)
  --payload BYTES       echoed per exchange (64); --timeout S per exchange (5)
  --threads N           client threads (1); --dir DIR for temporary files (/var/tmp)
  --start-timeout S     for a proxy to be ready (15)
)";

template <typename T> bool number(const char *text, T &into)
{
    const char *end = text + std::strlen(text);
    const auto [at, ec] = std::from_chars(text, end, into);
    return ec == std::errc{} && at == end;
}

std::optional<Options> parse(int argc, char **argv, std::uint16_t &echoPort)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        auto take = [&](auto &into) {
            if (!v || !number(v, into))
                return false;
            ++i;
            return true;
        };
        bool ok = true;
        if (a == "--help" || a == "-h") {
            std::fputs(Usage, stdout);
            std::exit(0);
        } else if (a == "--no-tinyproxy") {
            o.withTinyproxy = false;
        } else if (a == "--no-paddock") {
            o.withPaddock = false;
        } else if (a == "--no-relay") {
            o.withRelay = false;
        } else if (a == "--paddockctl" || a == "--relay" || a == "--tinyproxy" || a == "--dir") {
            ok = v != nullptr;
            if (ok)
                (a == "--paddockctl"  ? o.paddockctl
                 : a == "--relay"     ? o.relay
                 : a == "--tinyproxy" ? o.tinyproxy
                                      : o.dir) = argv[++i];
        } else if (a == "--proxy") {
            ok = v && (o.proxy = parseEndpoint(v));
            ++i;
        } else if (a == "--pid") {
            ok = take(o.pid);
        } else if (a == "--echo-port") {
            ok = take(echoPort);
        } else if (a == "--clients") {
            ok = take(o.clients) && o.clients > 0;
        } else if (a == "--latency-clients") {
            ok = take(o.latencyClients) && o.latencyClients > 0;
        } else if (a == "--duration") {
            ok = take(o.duration) && o.duration > 0;
        } else if (a == "--paced") {
            ok = take(o.paced) && o.paced >= 0;
        } else if (a == "--slice") {
            ok = take(o.slice) && o.slice > 0;
        } else if (a == "--warmup") {
            ok = take(o.warmup) && o.warmup >= 0;
        } else if (a == "--megabytes") {
            ok = take(o.megabytes) && o.megabytes > 0;
        } else if (a == "--tunnels") {
            ok = take(o.tunnels) && o.tunnels > 0;
        } else if (a == "--hold") {
            ok = take(o.hold) && o.hold >= 0;
        } else if (a == "--payload") {
            ok = take(o.payload) && o.payload >= 2 && o.payload <= 65536;
        } else if (a == "--threads") {
            ok = take(o.threads) && o.threads > 0;
        } else if (a == "--start-timeout") {
            ok = take(o.startTimeout) && o.startTimeout > 0;
        } else if (a == "--timeout") {
            ok = take(o.timeout) && o.timeout > 0;
        } else {
            std::fprintf(stderr, "bench_proxy: unknown option %s; see --help\n", a.c_str());
            return std::nullopt;
        }
        if (!ok) {
            std::fprintf(stderr, "bench_proxy: %s needs a valid value; see --help\n", a.c_str());
            return std::nullopt;
        }
    }
    if (o.proxy)
        o.withPaddock = true;
    // bench/bench_proxy → app/paddockctl/paddockctl and relay/paddock-relay in the same build
    const fs::path build = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
    if (o.paddockctl.empty())
        o.paddockctl = (build / "app/paddockctl/paddockctl").string();
    if (o.relay.empty())
        o.relay = (build / "relay/paddock-relay").string();
    return o;
}

void sleepFor(double seconds)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

std::uint16_t freePort()
{
    std::string error;
    const int fd = listenOn("127.0.0.1", 0, error);
    const std::uint16_t port = fd >= 0 ? localPort(fd) : 0;
    ::close(fd);
    return port;
}

bool writeFile(const fs::path &path, const std::string &text)
{
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path);
    out << text;
    return bool(out.flush());
}

fs::path temporaryDir(const Options &o, const char *what)
{
    std::string pattern =
        (fs::path(o.dir) / (std::string("paddock-bench-proxy-") + what + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        return {};
    return pattern;
}

void runTinyproxy(const EchoServer &echo, const Options &o, Figures &f)
{
    const fs::path dir = temporaryDir(o, "tinyproxy");
    const Endpoint at{"127.0.0.1", freePort()};
    // Domain filtering (not FilterURLs) matches the CONNECT target's host name: the filter admits only
    // 127.0.0.1, ConnectPort only the echo server's port. checkAllowlist shows both refuse the rest.
    const bool written =
        !dir.empty() && writeFile(dir / "filter", "^127\\.0\\.0\\.1$\n") &&
        writeFile(dir / "tinyproxy.conf",
                  "Port " + std::to_string(at.port) + "\nListen 127.0.0.1\nTimeout 600\nMaxClients " +
                      std::to_string(o.tunnels + 2 * o.clients + 256) + "\nAllow 127.0.0.1\nConnectPort " +
                      std::to_string(echo.port()) + "\nFilterType ere\nFilter \"" +
                      (dir / "filter").string() + "\"\nFilterDefaultDeny Yes\nLogLevel Critical\nLogFile \"" +
                      (dir / "tinyproxy.log").string() + "\"\nDisableViaHeader Yes\n");
    Process p;
    std::string why;
    if (!written)
        f.why = "cannot write its configuration under " + o.dir;
    else if (!p.start({o.tinyproxy, "-d", "-c", (dir / "tinyproxy.conf").string()}, dir / "tinyproxy", why) ||
             !p.waitReady(at, {}, o.startTimeout, why))
        f.why = o.tinyproxy + " " + why;
    else
        measure(at, {p.pid()}, echo, o, f);
    p.stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

// A second `paddockctl proxy listen` for the same persona, on DIR/sockets/egress (as an isolated
// persona's), and `paddock-relay serve` in front of it on a TCP port, as in the persona's container.
// `paddock` (Paddock's proxy straight) still runs: the relay's latency phases alternate with it.
void runRelay(const fs::path &dir, const Endpoint &paddock, const EchoServer &echo, const Options &o,
              Figures &r)
{
    const fs::path sockets = dir / "sockets";
    const fs::path egress = sockets / "egress";
    const Endpoint at{"127.0.0.1", freePort()};
    std::error_code ec;
    Process proxy, relay;
    std::string why;
    if (!fs::create_directory(dir / "data-relay", ec) || !fs::create_directory(sockets, ec) ||
        ::chmod(sockets.c_str(), 0700) != 0)
        r.why = "cannot make its folders under " + dir.string();
    else if (!fs::exists(o.relay))
        r.why = "no paddock-relay at " + o.relay + " (--relay PATH)";
    else if (!proxy.start({o.paddockctl, "proxy", "listen", "--persona", "bench", "--socket", egress.string(),
                           "--config", (dir / "config").string(), "--data-dir",
                           (dir / "data-relay").string()},
                          dir / "proxy-socket", why) ||
             !proxy.waitUntil([&] { return proxy.said("listening on unix:") && acceptsUnix(egress); },
                              "did not print \"listening on unix:\" and accept on " + egress.string(),
                              o.startTimeout, why))
        r.why = "paddockctl proxy listen --socket " + why;
    else if (!relay.start({o.relay, "serve", "--dir", sockets.string(), "--proxy-port",
                           std::to_string(at.port), "--git-port", "0", "--ready-fd", "3"},
                          dir / "relay", why, 3) ||
             !relay.waitUntil([&] { return relay.readySignalled(); }, "did not write ready to --ready-fd",
                              o.startTimeout, why))
        r.why = "paddock-relay serve " + why;
    else
        measure(at, {proxy.pid(), relay.pid()}, echo, o, r, paddock);
    // Silent on success: anything here (a target unreachable, the connection cap) is news.
    if (const std::string said = relay.complaints(); r.available && !said.empty())
        std::printf("relay: paddock-relay said: %s\n", said.c_str());
    relay.stop();
    proxy.stop();
}

// Paddock's proxy as `paddockctl proxy listen` on a TCP port, then (into `r`) through the relay.
void runPaddock(const EchoServer &echo, const Options &o, Figures &f, Figures &r)
{
    if (o.proxy) {
        f.name = "proxy at " + o.proxy->text();
        measure(*o.proxy, o.pid > 0 ? std::vector<pid_t>{o.pid} : std::vector<pid_t>{}, echo, o, f);
        r.why = "left out with --proxy (the relay needs Paddock's proxy on a Unix socket)";
        return;
    }
    const fs::path dir = temporaryDir(o, "paddock");
    const Endpoint at{"127.0.0.1", freePort()};
    const std::string persona = R"({
    "version": 1,
    "personas": [
        {"name": "bench", "trust": "restricted", "image": "localhost/paddock-agent:test", "policyMode": "enforce",
         "proxy": {"connectionsPerSecond": 1000000, "connectionBurst": 1000000, "maxTunnels": 100000}}
    ]
}
)";
    const std::string policy = "// bench/proxy: the echo server and nothing else.\n@id(\"bench-echo\")\n"
                               "permit (principal, action == Paddock::Action::\"connect\", resource)\n"
                               "when { resource.name == \"127.0.0.1\" && resource.port == " +
                               std::to_string(echo.port()) + " };\n";
    Process p;
    std::string why;
    if (dir.empty() || !writeFile(dir / "config/personas.json", persona) ||
        !writeFile(dir / "config/policies/restricted.cedar", policy) || !fs::create_directory(dir / "data"))
        f.why = "cannot write its configuration under " + o.dir;
    else if (!fs::exists(o.paddockctl))
        f.why = "no paddockctl at " + o.paddockctl;
    else if (!p.start({o.paddockctl, "proxy", "listen", "--persona", "bench", "--address", at.text(),
                       "--config", (dir / "config").string(), "--data-dir", (dir / "data").string()},
                      dir / "proxy", why) ||
             !p.waitReady(at, "listening on", o.startTimeout, why))
        f.why = "paddockctl proxy listen " + why;
    else
        measure(at, {p.pid()}, echo, o, f);
    if (!o.withRelay) {
        r.why = "left out with --no-relay";
    } else if (!f.available) {
        r.why = "Paddock's proxy is not available";
    } else {
        sleepFor(1);
        runRelay(dir, at, echo, o, r);
    }
    p.stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

std::string loadAverage()
{
    std::istringstream in(readFile("/proc/loadavg"));
    std::string one, five;
    in >> one >> five;
    return one + " (1 min), " + five + " (5 min)";
}

} // namespace

int main(int argc, char *argv[])
{
    std::uint16_t echoPort = 0;
    const std::optional<Options> parsed = parse(argc, argv, echoPort);
    if (!parsed)
        return 2;
    const Options &o = *parsed;
    ::signal(SIGPIPE, SIG_IGN);
    // As many descriptors as allowed: 1,000 tunnels are 2,000 here (both ends) and 2,000 in the proxy,
    // which inherits the limit.
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);

    EchoServer echo;
    std::string error;
    if (!echo.start(error, echoPort)) {
        std::fprintf(stderr, "bench_proxy: the echo server did not start: %s\n", error.c_str());
        return 1;
    }
    std::printf(
        "bench/proxy: echo server on 127.0.0.1:%u (decoys 127.0.0.1:%u%s); %d and %d clients, %.0f s each; "
        "%d MB each way; %d tunnels held %.0f s; %u cores, load average %s; %llu descriptors\n",
        echo.port(), echo.decoyPort(), echo.hasDecoyHost() ? ", 127.0.0.2 on the same port" : "", o.clients,
        o.latencyClients, o.duration, o.megabytes, o.tunnels, o.hold, std::thread::hardware_concurrency(),
        loadAverage().c_str(), static_cast<unsigned long long>(files.rlim_cur));
    std::fflush(stdout);

    Direct direct; // one connection each way, for reference
    {
        const Endpoint target{"127.0.0.1", echo.port()};
        const std::uint64_t bytes = std::uint64_t(o.megabytes) * 1000000;
        int status = 0;
        if (int fd = openOne(target, std::nullopt, status, error); fd >= 0) {
            direct.up = sinkThroughput(fd, bytes, error);
            ::close(fd);
        }
        if (int fd = openOne(target, std::nullopt, status, error); fd >= 0) {
            direct.down = sourceThroughput(fd, bytes, error);
            ::close(fd);
        }
        std::printf(
            "direct: one connection, %d MB each way: client->sink %.0f MB/s, sink->client %.0f MB/s\n",
            o.megabytes, direct.up, direct.down);
        std::fflush(stdout);
    }

    Figures paddock, relay, tiny;
    paddock.name = "paddock";
    relay.name = "relay";
    tiny.name = "tinyproxy";
    if (o.withPaddock) {
        runPaddock(echo, o, paddock, relay);
        if (!paddock.available)
            std::printf("paddock: not available (%s)\n", paddock.why.c_str());
        if (!relay.available)
            std::printf("relay: not available (%s)\n", relay.why.c_str());
        std::fflush(stdout);
        sleepFor(1);
    } else {
        paddock.why = relay.why = "left out with --no-paddock";
    }
    if (o.withTinyproxy) {
        runTinyproxy(echo, o, tiny);
        if (!tiny.available)
            std::printf("tinyproxy: not available (%s)\n", tiny.why.c_str());
    } else {
        tiny.why = "left out with --no-tinyproxy";
    }
    printTable(paddock, relay, tiny, direct, o);
    // Other work on the machine shows in the latency tails most: say how busy it was.
    std::printf("load average at the end: %s\n", loadAverage().c_str());
    echo.stop();
    return 0;
}
