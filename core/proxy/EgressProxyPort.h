#pragma once

namespace paddock {

// The port of each isolated persona's egress proxy listener, on its network's gateway address.
// (To be folded into core/proxy/EgressProxy.h.)
inline constexpr int EgressProxyPort = 3128;

} // namespace paddock
