// The egress proxy under load (issue 6), against tinyproxy in the same run. A load generator of our
// own (wrk cannot speak CONNECT) with an echo/sink server on 127.0.0.1 (echo_server.h) measures:
//   1. tunnels/s at 64 and 16 concurrent clients (connect, CONNECT, its 200, a small echo, close);
//   2. the latency added over a direct connection to the echo server, at 16 clients (p50, p99),
//      with the clients as fast as they go (closed loop) and paced to 2,000 exchanges/s (open loop);
//   3. single-tunnel throughput, client to sink and sink to client;
//   4. memory per idle tunnel (Pss of the proxy's processes) with 1,000 tunnels held at once, all
//      of them still echoing a byte after being held.
// Paddock's proxy runs as `paddockctl proxy listen` with a restricted persona whose policy permits
// only the echo server; tinyproxy as an allowlist (ConnectPort, FilterDefaultDeny). Before
// measuring, each proxy is shown to let the echo server through and to refuse another port and
// another host (decoy listeners count whatever reaches them).
//   bench_proxy [--paddockctl PATH] [--proxy HOST:PORT [--pid PID]] [--help for the rest]
#include "echo_server.h"
#include "load.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

extern char **environ;

using namespace paddock::bench;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct Options
{
    std::string paddockctl;
    std::string tinyproxy = "tinyproxy";
    std::optional<Endpoint> proxy; // measure this one in Paddock's column instead of starting paddockctl
    pid_t pid = -1;                // its process, for memory
    bool withTinyproxy = true;
    bool withPaddock = true;
    int clients = 64;
    int latencyClients = 16;
    double duration = 8;
    double warmup = 0.5;
    double slice = 0.5;
    double paced = 2000; // exchanges/s of all latency clients together, paced; 0: not measured
    int megabytes = 256;
    int tunnels = 1000;
    double hold = 3;
    int payload = 64;
    int threads = 1;
    double timeout = 5;
    double startTimeout = 15;
    std::string dir = "/var/tmp";
};

const char *const Usage = R"(bench_proxy: the egress proxy under load, against tinyproxy in the same run.
  --paddockctl PATH     paddockctl to run `proxy listen` with (default: next to this build's bench/)
  --proxy HOST:PORT     measure an already running proxy in Paddock's column instead (it must allow
                        CONNECT to 127.0.0.1:<echo port>; the port is printed first, or fix it
                        with --echo-port); --pid PID gives its process for the memory figure
  --no-paddock, --no-tinyproxy   leave one out
  --tinyproxy PATH      (default: tinyproxy on PATH)
  --clients N           concurrent clients for tunnels/s (64); --latency-clients N (16)
  --duration S          seconds of each load phase (8); --warmup S (0.5); the latency phase
                        alternates direct and proxied slices of --slice S (0.5), half of each
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
        } else if (a == "--paddockctl" || a == "--tinyproxy" || a == "--dir") {
            ok = v != nullptr;
            if (ok)
                (a == "--paddockctl" ? o.paddockctl : a == "--tinyproxy" ? o.tinyproxy : o.dir) = argv[++i];
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
    if (o.paddockctl.empty()) // bench/bench_proxy → app/paddockctl/paddockctl in the same build
        o.paddockctl =
            (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "app/paddockctl/paddockctl")
                .string();
    return o;
}

void sleepFor(double seconds)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// ---- processes ----

class Process final
{
public:
    Process() = default;
    ~Process() { stop(); }
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    bool start(const std::vector<std::string> &argv, const fs::path &dir, std::string &error)
    {
        m_out = dir / "stdout";
        m_err = dir / "stderr";
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&files, 1, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&files, 2, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        // The bench ignores SIGPIPE; the proxy gets the default it would have anywhere else.
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t set;
        sigemptyset(&set);
        posix_spawnattr_setsigmask(&attributes, &set);
        sigaddset(&set, SIGPIPE);
        posix_spawnattr_setsigdefault(&attributes, &set);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        std::vector<char *> args;
        for (const std::string &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        const int rc = posix_spawnp(&m_pid, argv[0].c_str(), &files, &attributes, args.data(), environ);
        posix_spawn_file_actions_destroy(&files);
        posix_spawnattr_destroy(&attributes);
        if (rc != 0) {
            m_pid = -1;
            error = std::string("could not be started: ") + std::strerror(rc);
            return false;
        }
        return true;
    }

    // Ready when (if `line` is set) stdout has that text and something accepts on `at`.
    bool waitReady(const Endpoint &at, const std::string &line, double seconds, std::string &why)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        bool said = line.empty();
        while (std::chrono::steady_clock::now() < end) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                why = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
                if (const std::string err = firstLines(m_err); !err.empty())
                    why += ": " + err;
                return false;
            }
            if (!said)
                said = read(m_out).find(line) != std::string::npos;
            if (said && accepts(at))
                return true;
            sleepFor(0.02);
        }
        why = said ? "accepted nothing on " + at.text() + " within " + std::to_string(int(seconds)) + " s"
                   : "did not print \"" + line + "\" within " + std::to_string(int(seconds)) +
                         " s (its stdout is a file here: is the line flushed?)";
        if (const std::string err = firstLines(m_err); !err.empty())
            why += "; it said: " + err;
        return false;
    }

    void stop()
    {
        if (m_pid <= 0)
            return;
        ::kill(m_pid, SIGTERM);
        int status = 0;
        for (int i = 0; i < 250; ++i) {
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return;
            }
            sleepFor(0.02);
        }
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
    }

    pid_t pid() const { return m_pid; }

    static std::string read(const fs::path &file)
    {
        std::ifstream in(file);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

private:
    static std::string firstLines(const fs::path &file)
    {
        std::string text = read(file);
        if (text.size() > 300)
            text = text.substr(0, 300) + "…";
        while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
            text.pop_back();
        for (char &c : text)
            if (c == '\n')
                c = ' ';
        return text;
    }

    static bool accepts(const Endpoint &at)
    {
        int status = 0;
        std::string ignored;
        const int fd = openOne(at, std::nullopt, status, ignored);
        if (fd >= 0)
            ::close(fd);
        return fd >= 0;
    }

    pid_t m_pid = -1;
    fs::path m_out, m_err;
};

std::uint16_t freePort()
{
    std::string error;
    const int fd = listenOn("127.0.0.1", 0, error);
    const std::uint16_t port = fd >= 0 ? localPort(fd) : 0;
    ::close(fd);
    return port;
}

// Pss of a process and all its descendants (a proxy that forks is counted whole), in KB; VmRSS where
// smaps_rollup cannot be read. -1 when the process is gone.
long memoryKb(pid_t root, bool &pss)
{
    std::map<pid_t, std::vector<pid_t>> children;
    for (const auto &entry : fs::directory_iterator("/proc")) {
        pid_t p = 0;
        if (!number(entry.path().filename().c_str(), p))
            continue;
        const std::string stat = Process::read(entry.path() / "stat");
        const std::size_t close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        std::istringstream rest(stat.substr(close + 2));
        std::string state;
        pid_t parent = 0;
        rest >> state >> parent;
        children[parent].push_back(p);
    }
    auto field = [](const std::string &text, const std::string &name) -> long {
        const std::size_t at = text.find("\n" + name);
        return at == std::string::npos ? -1 : std::atol(text.c_str() + at + name.size() + 1);
    };
    long total = 0;
    pss = true;
    std::vector<pid_t> todo{root};
    bool found = false;
    while (!todo.empty()) {
        const pid_t p = todo.back();
        todo.pop_back();
        const std::string base = "/proc/" + std::to_string(p);
        long kb = field("\n" + Process::read(base + "/smaps_rollup"), "Pss:");
        if (kb < 0) {
            pss = false;
            kb = field("\n" + Process::read(base + "/status"), "VmRSS:");
        }
        if (kb >= 0) {
            found = true;
            total += kb;
        }
        for (pid_t c : children[p])
            todo.push_back(c);
    }
    return found ? total : -1;
}

// ---- the proxies ----

struct Figures
{
    std::string name;
    bool available = false;
    std::string why; // when not available
    std::string allowlist;
    bool allowlistHolds = false;
    LoadResult many, few; // at --clients and at --latency-clients
    LoadResult direct;    // at --latency-clients, straight to the echo server, alternating with `few`
    LoadResult paced, pacedDirect; // the same, paced to --paced exchanges/s
    double up = -1, down = -1;
    std::string throughputError;
    long before = -1, idle = -1, echoed = -1;
    bool pss = true;
    int tunnels = 0, held = 0, echoes = 0;
    Errors holdErrors;
};

struct Direct
{
    double up = -1, down = -1;
};

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

void measure(const Endpoint &proxy, pid_t pid, const EchoServer &echo, const Options &o, Figures &f)
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
    sleepFor(0.3);

    // Memory first, before load phases leave their buffers in the proxy's heap.
    f.tunnels = o.tunnels;
    if (pid > 0)
        f.before = memoryKb(pid, f.pss);
    std::vector<int> held = openTunnels(x, o.tunnels, o.clients, f.holdErrors);
    f.held = int(held.size());
    sleepFor(o.hold);
    if (pid > 0)
        f.idle = memoryKb(pid, f.pss);
    f.echoes = echoOnEach(held, x.timeout, f.holdErrors);
    if (pid > 0)
        f.echoed = memoryKb(pid, f.pss);
    for (int fd : held)
        ::close(fd);
    std::printf("%s: %d tunnels held %.0f s, %d echoed; errors %s\n", f.name.c_str(), f.held, o.hold,
                f.echoes, f.holdErrors.summary().c_str());
    std::fflush(stdout);
    sleepFor(0.5);

    f.many = runLoad(x, o.clients, o.duration, o.threads);
    std::printf("%s: %d clients: %.0f tunnels/s; errors %s\n", f.name.c_str(), o.clients, f.many.perSecond(),
                f.many.errors.summary().c_str());
    std::fflush(stdout);
    sleepFor(0.5);
    // Through the proxy and straight to the echo server in alternating slices, so that both see the
    // same machine (other load on it comes and goes) and the difference is the proxy's.
    Exchange straight = x;
    straight.target = *x.tunnelTo;
    straight.tunnelTo.reset();
    const int rounds = std::max(1, int(std::lround(o.duration / 2 / o.slice)));
    for (int r = 0; r < rounds; ++r) {
        f.direct.add(runLoad(straight, o.latencyClients, o.slice, o.threads));
        f.few.add(runLoad(x, o.latencyClients, o.slice, o.threads));
    }
    std::printf(
        "%s: %d clients: %.0f tunnels/s, p50 %.3f ms, p99 %.3f ms; direct alongside %.0f/s, p50 %.3f ms, "
        "p99 %.3f ms; errors %s, direct %s\n",
        f.name.c_str(), o.latencyClients, f.few.perSecond(), f.few.percentileMs(0.5),
        f.few.percentileMs(0.99), f.direct.perSecond(), f.direct.percentileMs(0.5),
        f.direct.percentileMs(0.99), f.few.errors.summary().c_str(), f.direct.errors.summary().c_str());
    std::fflush(stdout);
    if (o.paced > 0) {
        // The same, at a rate the machine keeps up with: what a connection waits for the proxy when
        // it is not queueing behind a saturated machine.
        Exchange pacedX = x, pacedStraight = straight;
        pacedX.every = pacedStraight.every =
            std::chrono::nanoseconds(std::int64_t(1e9 * o.latencyClients / o.paced));
        for (int r = 0; r < rounds; ++r) {
            f.pacedDirect.add(runLoad(pacedStraight, o.latencyClients, o.slice, o.threads));
            f.paced.add(runLoad(pacedX, o.latencyClients, o.slice, o.threads));
        }
        std::printf("%s: %d clients paced to %.0f/s: %.0f tunnels/s, p50 %.3f ms, p99 %.3f ms; direct "
                    "alongside p50 %.3f ms, p99 %.3f ms; errors %s, direct %s\n",
                    f.name.c_str(), o.latencyClients, o.paced, f.paced.perSecond(), f.paced.percentileMs(0.5),
                    f.paced.percentileMs(0.99), f.pacedDirect.percentileMs(0.5),
                    f.pacedDirect.percentileMs(0.99), f.paced.errors.summary().c_str(),
                    f.pacedDirect.errors.summary().c_str());
        std::fflush(stdout);
    }

    const std::uint64_t bytes = std::uint64_t(o.megabytes) * 1000000;
    int status = 0;
    std::string error;
    if (int fd = openOne(proxy, x.tunnelTo, status, error); fd >= 0) {
        f.up = sinkThroughput(fd, bytes, error);
        ::close(fd);
    }
    if (int fd = openOne(proxy, x.tunnelTo, status, error); fd >= 0 && f.up > 0) {
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
    else if (!p.start({o.tinyproxy, "-d", "-c", (dir / "tinyproxy.conf").string()}, dir, why) ||
             !p.waitReady(at, {}, o.startTimeout, why))
        f.why = o.tinyproxy + " " + why;
    else
        measure(at, p.pid(), echo, o, f);
    p.stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

void runPaddock(const EchoServer &echo, const Options &o, Figures &f)
{
    if (o.proxy) {
        f.name = "proxy at " + o.proxy->text();
        measure(*o.proxy, o.pid, echo, o, f);
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
                      dir, why) ||
             !p.waitReady(at, "listening on", o.startTimeout, why))
        f.why = "paddockctl proxy listen " + why;
    else
        measure(at, p.pid(), echo, o, f);
    p.stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

// ---- the table ----

std::string loadAverage()
{
    std::istringstream in(Process::read("/proc/loadavg"));
    std::string one, five;
    in >> one >> five;
    return one + " (1 min), " + five + " (5 min)";
}

std::string fixed(double v, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return text;
}

std::string grouped(double v)
{
    std::string digits = fixed(v, 0), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

void row(const std::string &figure, const std::string &paddock, const std::string &tiny,
         const std::string &ratio, const std::string &target, const std::string &met)
{
    std::printf("%-44s %-14s %-14s %-7s %-30s %s\n", figure.c_str(), paddock.c_str(), tiny.c_str(),
                ratio.c_str(), target.c_str(), met.c_str());
}

void table(Figures &p, Figures &t, const Direct &d, const Options &o)
{
    const bool both = p.available && t.available;
    auto cell = [](const Figures &f, const std::function<std::string()> &text) {
        return f.available ? text() : std::string("-");
    };
    auto ratio = [&](double a, double b) {
        return both && b > 0 && a >= 0 ? fixed(a / b, 2) : std::string("-");
    };
    auto met = [&](bool known, bool yes) {
        return !p.available || !known ? std::string() : yes ? "met" : "NOT MET";
    };
    auto added = [&](const Figures &f, double q) { return f.few.percentileMs(q) - f.direct.percentileMs(q); };
    auto addedPaced = [&](const Figures &f, double q) {
        return f.paced.percentileMs(q) - f.pacedDirect.percentileMs(q);
    };
    auto percentiles = [](const LoadResult &r) {
        return fixed(r.percentileMs(0.5), 3) + " / " + fixed(r.percentileMs(0.99), 3);
    };
    auto memory = [&](const Figures &f) {
        return f.idle >= 0 && f.before >= 0 && f.held > 0 ? double(f.idle - f.before) / f.held : -1.0;
    };

    std::printf("\n");
    row("figure", p.available ? (o.proxy ? "--proxy" : "Paddock") : "Paddock", "tinyproxy", "ratio", "target",
        "");
    row("tunnels/s, " + std::to_string(o.clients) + " clients",
        cell(p, [&] { return grouped(p.many.perSecond()); }),
        cell(t, [&] { return grouped(t.many.perSecond()); }), ratio(p.many.perSecond(), t.many.perSecond()),
        ">= 2x tinyproxy", met(both, p.many.perSecond() >= 2 * t.many.perSecond()));
    row("tunnels/s, " + std::to_string(o.latencyClients) + " clients",
        cell(p, [&] { return grouped(p.few.perSecond()); }),
        cell(t, [&] { return grouped(t.few.perSecond()); }), ratio(p.few.perSecond(), t.few.perSecond()), "",
        "");
    row("errors, " + std::to_string(o.clients) + " / " + std::to_string(o.latencyClients) + " clients",
        cell(p,
             [&] {
                 return std::to_string(p.many.errors.total()) + " / " + std::to_string(p.few.errors.total());
             }),
        cell(t,
             [&] {
                 return std::to_string(t.many.errors.total()) + " / " + std::to_string(t.few.errors.total());
             }),
        "", "0", met(true, p.many.errors.total() + p.few.errors.total() == 0));
    row("exchange p50 / p99, " + std::to_string(o.latencyClients) + " clients (ms)",
        cell(p, [&] { return percentiles(p.few); }), cell(t, [&] { return percentiles(t.few); }), "", "", "");
    row("  direct, alongside (ms)", cell(p, [&] { return percentiles(p.direct); }),
        cell(t, [&] { return percentiles(t.direct); }), "", "", "");
    row("added p50 over direct (ms)", cell(p, [&] { return fixed(added(p, 0.5), 3); }),
        cell(t, [&] { return fixed(added(t, 0.5), 3); }), ratio(added(p, 0.5), added(t, 0.5)), "", "");
    row("added p99 over direct (ms)", cell(p, [&] { return fixed(added(p, 0.99), 3); }),
        cell(t, [&] { return fixed(added(t, 0.99), 3); }), ratio(added(p, 0.99), added(t, 0.99)), "<= 1 ms",
        met(true, added(p, 0.99) <= 1.0));
    if (o.paced > 0) {
        const std::string at = "paced to " + grouped(o.paced) + "/s";
        row("exchange p50 / p99, " + at + " (ms)", cell(p, [&] { return percentiles(p.paced); }),
            cell(t, [&] { return percentiles(t.paced); }), "", "", "");
        row("  direct, alongside (ms)", cell(p, [&] { return percentiles(p.pacedDirect); }),
            cell(t, [&] { return percentiles(t.pacedDirect); }), "", "", "");
        row("added p50 over direct, " + at + " (ms)", cell(p, [&] { return fixed(addedPaced(p, 0.5), 3); }),
            cell(t, [&] { return fixed(addedPaced(t, 0.5), 3); }), ratio(addedPaced(p, 0.5), addedPaced(t, 0.5)),
            "", "");
        row("added p99 over direct, " + at + " (ms)", cell(p, [&] { return fixed(addedPaced(p, 0.99), 3); }),
            cell(t, [&] { return fixed(addedPaced(t, 0.99), 3); }),
            ratio(addedPaced(p, 0.99), addedPaced(t, 0.99)), "<= 1 ms", met(true, addedPaced(p, 0.99) <= 1.0));
    }
    auto throughput = [](double v) { return v > 0 ? grouped(v) : std::string("failed"); };
    row("one tunnel, client->sink (MB/s)", cell(p, [&] { return throughput(p.up); }),
        cell(t, [&] { return throughput(t.up); }), ratio(p.up, t.up),
        ">= 2x tinyproxy (direct " + grouped(d.up) + ")", met(both && p.up > 0, p.up >= 2 * t.up));
    row("one tunnel, sink->client (MB/s)", cell(p, [&] { return throughput(p.down); }),
        cell(t, [&] { return throughput(t.down); }), ratio(p.down, t.down),
        ">= 2x tinyproxy (direct " + grouped(d.down) + ")", met(both && p.down > 0, p.down >= 2 * t.down));
    auto kb = [&](const Figures &f) {
        const double v = memory(f);
        return v >= 0 ? fixed(v, 1) : std::string("n/a (no --pid)");
    };
    row(std::string("memory per idle tunnel (KB, ") + (p.pss && t.pss ? "Pss" : "RSS") + ")",
        cell(p, [&] { return kb(p); }), cell(t, [&] { return kb(t); }), ratio(memory(p), memory(t)),
        "<= 64 KB", met(memory(p) >= 0, memory(p) <= 64));
    auto heldText = [&](const Figures &f) {
        return std::to_string(f.echoes) + "/" + std::to_string(f.tunnels) +
               (f.holdErrors.total() ? ", " + std::to_string(f.holdErrors.total()) + " errors"
                                     : std::string());
    };
    row(grouped(o.tunnels) + " tunnels held " + fixed(o.hold, 0) + " s, then echo",
        cell(p, [&] { return heldText(p); }), cell(t, [&] { return heldText(t); }), "", "all, no errors",
        met(true, p.echoes == p.tunnels && p.holdErrors.total() == 0));

    for (Figures *f : {&p, &t}) {
        if (!f->available)
            continue; // said when it was tried
        if (!f->allowlistHolds)
            std::printf("%s: %s\n", f->name.c_str(), f->allowlist.c_str());
        if (f->echoed >= 0 && f->held > 0)
            std::printf(
                "%s: memory %ld KB before, %ld KB with %d idle tunnels, %ld KB after one byte each way\n",
                f->name.c_str(), f->before, f->idle, f->held, f->echoed);
        for (const auto &[what, errors] :
             {std::pair{"tunnels/s", &f->many.errors}, std::pair{"latency", &f->few.errors},
              std::pair{"direct alongside", &f->direct.errors}, std::pair{"paced", &f->paced.errors},
              std::pair{"paced direct", &f->pacedDirect.errors}, std::pair{"held tunnels", &f->holdErrors}})
            if (errors->total())
                std::printf("%s: %s errors: %s\n", f->name.c_str(), what, errors->summary().c_str());
    }
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

    Figures paddock, tiny;
    paddock.name = "paddock";
    tiny.name = "tinyproxy";
    if (o.withPaddock) {
        runPaddock(echo, o, paddock);
        if (!paddock.available)
            std::printf("paddock: not available (%s)\n", paddock.why.c_str());
        std::fflush(stdout);
        sleepFor(1);
    } else {
        paddock.why = "left out with --no-paddock";
    }
    if (o.withTinyproxy) {
        runTinyproxy(echo, o, tiny);
        if (!tiny.available)
            std::printf("tinyproxy: not available (%s)\n", tiny.why.c_str());
    } else {
        tiny.why = "left out with --no-tinyproxy";
    }
    table(paddock, tiny, direct, o);
    // Other work on the machine shows in the latency tails most: say how busy it was.
    std::printf("load average at the end: %s\n", loadAverage().c_str());
    echo.stop();
    return 0;
}
