#pragma once

#include "relay/CommandLine.h"

namespace paddock::relay {

// `paddock-relay serve`: binds every port and socket first, signals --ready-fd, then either relays in
// the foreground or forks: the child relays (a session of its own, named paddock-relay, ending with
// its parent) and the parent execs the command, which so keeps the process id (PID 1 in a
// container) and its signal semantics. Returns the exit code when it does not exec.
int runServe(const ServeOptions &options);

} // namespace paddock::relay
