#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace paddock::relay {

inline constexpr std::string_view kDefaultSocketDir = "/run/paddock/sockets";

// `paddock-relay serve`: loopback ports inside the container joined to the sockets in `dir`.
struct ServeOptions
{
    std::string dir{kDefaultSocketDir};
    std::uint16_t proxyPort = 3128; // 0: off
    std::uint16_t gitPort = 9418;   // 0: off
    std::vector<std::uint16_t> inbound;
    std::optional<int> readyFd;
    std::vector<std::string> command; // empty: relay in the foreground
};

// `paddock-relay connect HOST PORT`: one CONNECT tunnel on stdin/stdout (SSH's ProxyCommand).
struct ConnectOptions
{
    std::string host;
    std::uint16_t port = 0;
    std::string socket = std::string{kDefaultSocketDir} + "/egress";
};

struct ShowHelp
{};
struct ShowVersion
{};

using Command = std::variant<ShowHelp, ShowVersion, ServeOptions, ConnectOptions>;

// Reads the arguments after the program name. The error says what is wrong, for a person.
std::expected<Command, std::string> parseCommandLine(std::span<const std::string_view> args);

std::string_view usageText();

} // namespace paddock::relay
