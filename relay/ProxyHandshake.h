#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

// The HTTP the `connect` command speaks with the egress proxy: one CONNECT request and the head of
// its answer. Pure functions, apart from the socket that carries them (Tunnel).
namespace paddock::relay {

// The longest response head read from the proxy.
inline constexpr std::size_t kMaxResponseHead = 16 * 1024;

// HOST:PORT, an IPv6 literal in brackets.
std::string authority(std::string_view host, std::uint16_t port);

// "CONNECT HOST:PORT HTTP/1.1\r\nHost: HOST:PORT\r\n\r\n"
std::string connectRequest(std::string_view host, std::uint16_t port);

// Where the head ends (past its blank line) once `received` holds all of it.
std::optional<std::size_t> responseHeadEnd(std::string_view received);

struct ResponseHead
{
    int status = 0;
    std::string statusLine;
    std::string paddockReason; // X-Paddock-Reason, when the proxy gave one
};

// The status line and the headers the relay cares about, or why this is no HTTP response.
std::expected<ResponseHead, std::string> parseResponseHead(std::string_view head);

} // namespace paddock::relay
