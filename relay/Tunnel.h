#pragma once

#include "relay/CommandLine.h"

namespace paddock::relay {

// `paddock-relay connect`: asks the egress proxy for a CONNECT tunnel and, once it answers 2xx,
// relays stdin to the tunnel and the tunnel to stdout until both directions end. Returns the exit
// code: 0 after a tunnel that ended normally, 1 when the proxy cannot be reached or refuses (said on
// stderr, with the proxy's X-Paddock-Reason), or the tunnel fails.
int runConnect(const ConnectOptions &options);

} // namespace paddock::relay
