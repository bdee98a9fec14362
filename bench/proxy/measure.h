// One proxy's phases in bench/proxy: its allowlist shown to hold, then memory with tunnels held,
// tunnels/s (with its CPU time), latency against a direct connection, single-tunnel throughput.
#pragma once

#include "echo_server.h"
#include "figures.h"

#include <sys/types.h>

#include <optional>
#include <vector>

namespace paddock::bench {

// Measures the proxy at `proxy` into `f`; `pids` are its processes (for memory and CPU time; none for
// a proxy the bench did not start and has no --pid for). With `alongside` (Paddock's proxy straight,
// when `proxy` is the relay in front of it) the latency phases alternate three ways, so that the
// relay's own cost is the difference of two paths measured on the same machine.
void measure(const Endpoint &proxy, const std::vector<pid_t> &pids, const EchoServer &echo, const Options &o,
             Figures &f, const std::optional<Endpoint> &alongside = std::nullopt);

} // namespace paddock::bench
