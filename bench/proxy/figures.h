// What bench/proxy is asked to do (its options) and what it measures of each proxy.
#pragma once

#include "load.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace paddock::bench {

struct Options
{
    std::string paddockctl;
    std::string relay; // paddock-relay
    std::string tinyproxy = "tinyproxy";
    std::optional<Endpoint> proxy; // measure this one in Paddock's column instead of starting paddockctl
    pid_t pid = -1;                // its process, for memory
    bool withTinyproxy = true;
    bool withPaddock = true;
    bool withRelay = true;
    int clients = 64;
    int latencyClients = 16;
    double duration = 8;
    double warmup = 0.5;
    double slice = 0.25;
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

// One latency phase: exchanges through the proxy, straight to the echo server, and (for the relay)
// through Paddock's proxy straight, in alternating slices, so that all see the same machine (other
// load on it comes and goes) and the differences are the proxy's (and the relay's).
struct Latency
{
    bool measured = false;
    LoadResult through, direct, alongside;
};

struct Figures
{
    std::string name;
    bool available = false;
    std::string why; // when not available
    std::string allowlist;
    bool allowlistHolds = false;
    LoadResult many; // at --clients
    // At --latency-clients as fast as they go (closed loop), one client alone (closed loop: no
    // queueing, and no idle machine to wake up either), and --latency-clients paced to --paced
    // exchanges/s in all (open loop).
    Latency closed, lone, paced;
    bool hasAlongside = false;   // the relay's: Paddock's proxy straight was measured alongside
    double cpu = -1;             // seconds of CPU of the proxy's processes (and the relay's) over `many`
    std::vector<double> cpuEach; // the same, for each process measure() was given (proxy, relay)
    double benchCpu = -1;        // of the load generator and the echo server over `many`
    double up = -1, down = -1;
    std::string throughputError;
    long before = -1, idle = -1, echoed = -1;
    bool pss = true;
    int tunnels = 0, held = 0, echoes = 0;
    Errors holdErrors;

    // Microseconds of CPU per tunnel in the tunnels/s phase; -1 when unknown.
    double cpuPerTunnelUs() const
    {
        return cpu >= 0 && many.completed ? cpu * 1e6 / double(many.completed) : -1;
    }
    double benchCpuPerTunnelUs() const
    {
        return benchCpu >= 0 && many.completed ? benchCpu * 1e6 / double(many.completed) : -1;
    }
};

// One connection straight to the echo server, for reference.
struct Direct
{
    double up = -1, down = -1;
};

} // namespace paddock::bench
