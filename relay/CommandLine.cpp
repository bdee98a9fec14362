#include "relay/CommandLine.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace paddock::relay {

namespace {

constexpr std::string_view kUsage =
    R"(Usage:
  paddock-relay serve [--dir DIR] [--proxy-port N] [--git-port N] [--inbound PORT]...
                      [--ready-fd N] [-- COMMAND [ARGS...]]
  paddock-relay connect HOST PORT [--socket PATH]
  paddock-relay --version | --help

Joins the loopback network of an isolated Paddock container to the Unix sockets Paddock owns.

serve     Listens on 127.0.0.1:N for the proxy and git ports, relaying each connection to DIR/egress
          and DIR/git, and on DIR/port-PORT for each --inbound PORT, relaying to 127.0.0.1:PORT.
          With -- COMMAND: binds everything, starts the relay as a separate process and runs
          COMMAND in its place (COMMAND keeps the process id). Otherwise relays in the foreground
          until SIGTERM or SIGINT.
  --dir DIR         the socket folder (default /run/paddock/sockets)
  --proxy-port N    the HTTP proxy port (default 3128; 0 turns it off)
  --git-port N      the git:// port (default 9418; 0 turns it off)
  --inbound PORT    publishes 127.0.0.1:PORT as DIR/port-PORT (repeatable)
  --ready-fd N      writes "ready\n" to file descriptor N once every socket listens, then closes it

connect   Asks the egress proxy (a CONNECT request on PATH, default /run/paddock/sockets/egress)
          for a tunnel to HOST:PORT and relays stdin and stdout through it, for example
          ssh -o ProxyCommand='paddock-relay connect %h %p' git@example.org
)";

// A decimal number of at most `max`; nothing else (no sign, no spaces, no hex).
std::optional<unsigned> parseNumber(std::string_view text, unsigned max)
{
    if (text.empty() || text.size() > 10 ||
        !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return static_cast<unsigned>(value);
}

std::expected<std::uint16_t, std::string> parsePort(std::string_view what, std::string_view text,
                                                    bool zeroAllowed)
{
    const auto value = parseNumber(text, 65535);
    if (!value || (*value == 0 && !zeroAllowed))
        return std::unexpected(std::string{what} + " must be a port number from " +
                               (zeroAllowed ? "0" : "1") + " to 65535, not '" + std::string{text} + "'");
    return static_cast<std::uint16_t>(*value);
}

// A host name or an IP literal (an IPv6 one with or without brackets), returned without brackets.
// Only the characters a name or an address uses: anything else could end the request line early.
std::expected<std::string, std::string> parseHost(std::string_view text)
{
    std::string_view host = text;
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_' || c == ':';
    };
    if (host.empty() || host.size() > 255 || !std::ranges::all_of(host, allowed) ||
        (bracketed && host.find(':') == std::string_view::npos))
        return std::unexpected("'" + std::string{text} + "' is not a host name or an IP address");
    return std::string{host};
}

// Walks the arguments; an option's value is the next argument or follows '=' in the same one.
class ArgumentReader final
{
public:
    explicit ArgumentReader(std::span<const std::string_view> args)
        : m_args(args)
    {}
    bool atEnd() const { return m_index >= m_args.size(); }
    std::string_view next() { return m_args[m_index++]; }
    std::span<const std::string_view> rest() const { return m_args.subspan(m_index); }

    // For an option `name` (already read as `arg`): its value, or an error naming the option.
    std::expected<std::string_view, std::string> value(std::string_view arg, std::string_view name)
    {
        if (arg.size() > name.size())
            return arg.substr(name.size() + 1);
        if (atEnd())
            return std::unexpected(std::string{name} + " needs a value");
        return next();
    }

private:
    std::span<const std::string_view> m_args;
    std::size_t m_index = 0;
};

// `arg` is `name` or `name=...`.
bool isOption(std::string_view arg, std::string_view name)
{
    return arg == name || (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=');
}

std::expected<Command, std::string> parseServe(ArgumentReader &reader)
{
    ServeOptions options;
    std::set<std::uint16_t> inbound;
    while (!reader.atEnd()) {
        const std::string_view arg = reader.next();
        if (arg == "--") {
            for (const std::string_view word : reader.rest())
                options.command.emplace_back(word);
            if (options.command.empty())
                return std::unexpected(std::string{"'--' must be followed by the command to run"});
            break;
        }
        if (arg == "--help" || arg == "-h")
            return ShowHelp{};
        if (isOption(arg, "--dir")) {
            const auto value = reader.value(arg, "--dir");
            if (!value)
                return std::unexpected(value.error());
            if (value->empty())
                return std::unexpected(std::string{"--dir needs a folder"});
            options.dir = std::string{*value};
        } else if (isOption(arg, "--proxy-port") || isOption(arg, "--git-port")) {
            const std::string_view name = arg.starts_with("--proxy-port") ? "--proxy-port" : "--git-port";
            const auto value = reader.value(arg, name);
            if (!value)
                return std::unexpected(value.error());
            const auto port = parsePort(name, *value, true);
            if (!port)
                return std::unexpected(port.error());
            (name == "--proxy-port" ? options.proxyPort : options.gitPort) = *port;
        } else if (isOption(arg, "--inbound")) {
            const auto value = reader.value(arg, "--inbound");
            if (!value)
                return std::unexpected(value.error());
            const auto port = parsePort("--inbound", *value, false);
            if (!port)
                return std::unexpected(port.error());
            if (!inbound.insert(*port).second)
                return std::unexpected("--inbound " + std::to_string(*port) + " is given twice");
            options.inbound.push_back(*port);
        } else if (isOption(arg, "--ready-fd")) {
            const auto value = reader.value(arg, "--ready-fd");
            if (!value)
                return std::unexpected(value.error());
            const auto fd = parseNumber(*value, 1 << 20);
            if (!fd)
                return std::unexpected("--ready-fd must be a file descriptor number, not '" +
                                       std::string{*value} + "'");
            options.readyFd = static_cast<int>(*fd);
        } else {
            return std::unexpected("serve does not know '" + std::string{arg} + "'");
        }
    }
    if (options.proxyPort != 0 && options.proxyPort == options.gitPort)
        return std::unexpected("--proxy-port and --git-port are both " + std::to_string(options.proxyPort));
    if (options.proxyPort == 0 && options.gitPort == 0 && options.inbound.empty() && options.command.empty())
        return std::unexpected(std::string{"nothing to relay: every port is off and there is no --inbound"});
    return options;
}

std::expected<Command, std::string> parseConnect(ArgumentReader &reader)
{
    ConnectOptions options;
    std::vector<std::string_view> positional;
    while (!reader.atEnd()) {
        const std::string_view arg = reader.next();
        if (arg == "--help" || arg == "-h")
            return ShowHelp{};
        if (isOption(arg, "--socket")) {
            const auto value = reader.value(arg, "--socket");
            if (!value)
                return std::unexpected(value.error());
            if (value->empty())
                return std::unexpected(std::string{"--socket needs a path"});
            options.socket = std::string{*value};
        } else if (arg.starts_with("-") && arg.size() > 1) {
            return std::unexpected("connect does not know '" + std::string{arg} + "'");
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() != 2)
        return std::unexpected(std::string{"connect needs a HOST and a PORT"});
    const auto host = parseHost(positional[0]);
    if (!host)
        return std::unexpected(host.error());
    const auto port = parsePort("PORT", positional[1], false);
    if (!port)
        return std::unexpected(port.error());
    options.host = *host;
    options.port = *port;
    return options;
}

} // namespace

std::expected<Command, std::string> parseCommandLine(std::span<const std::string_view> args)
{
    ArgumentReader reader(args);
    if (reader.atEnd())
        return std::unexpected(std::string{"a command is missing: serve or connect"});
    const std::string_view command = reader.next();
    if (command == "--help" || command == "-h" || command == "help")
        return ShowHelp{};
    if (command == "--version")
        return ShowVersion{};
    if (command == "serve")
        return parseServe(reader);
    if (command == "connect")
        return parseConnect(reader);
    return std::unexpected("unknown command '" + std::string{command} + "': serve or connect");
}

std::string_view usageText()
{
    return kUsage;
}

} // namespace paddock::relay
