#pragma once

namespace paddock {

// The port of each isolated persona's egress proxy listener, on its network's gateway address
// (a header of its own: the persona runtime needs it for the containers' HTTP(S)_PROXY).
inline constexpr int EgressProxyPort = 3128;

} // namespace paddock
