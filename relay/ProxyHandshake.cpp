#include "relay/ProxyHandshake.h"

#include <algorithm>
#include <cctype>

namespace paddock::relay {

namespace {

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

// Control characters (a reason is printed on a terminal) become '?'.
std::string printable(std::string_view text)
{
    std::string out(text);
    std::ranges::replace_if(
        out, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, '?');
    return out;
}

} // namespace

std::string authority(std::string_view host, std::uint16_t port)
{
    const bool ipv6 = host.find(':') != std::string_view::npos;
    return (ipv6 ? "[" + std::string{host} + "]" : std::string{host}) + ":" + std::to_string(port);
}

std::string connectRequest(std::string_view host, std::uint16_t port)
{
    const std::string target = authority(host, port);
    return "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n";
}

std::optional<std::size_t> responseHeadEnd(std::string_view received)
{
    // A bare LF ends a line too (RFC 9112, 2.2).
    for (std::size_t lf = received.find('\n'); lf != std::string_view::npos;
         lf = received.find('\n', lf + 1)) {
        const std::size_t next = lf + 1;
        if (next < received.size() && received[next] == '\n')
            return next + 1;
        if (next + 1 < received.size() && received[next] == '\r' && received[next + 1] == '\n')
            return next + 2;
    }
    return std::nullopt;
}

std::expected<ResponseHead, std::string> parseResponseHead(std::string_view head)
{
    ResponseHead result;
    std::size_t lineEnd = head.find('\n');
    const std::string_view statusLine = trim(head.substr(0, lineEnd));
    result.statusLine = printable(statusLine);
    // HTTP/1.x SP 3DIGIT [SP reason]
    const bool wellFormed = statusLine.size() >= 12 && statusLine.starts_with("HTTP/1.") &&
                            std::isdigit(static_cast<unsigned char>(statusLine[7])) && statusLine[8] == ' ' &&
                            std::all_of(statusLine.begin() + 9, statusLine.begin() + 12,
                                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
                            (statusLine.size() == 12 || statusLine[12] == ' ');
    if (!wellFormed)
        return std::unexpected("the egress proxy did not answer in HTTP: '" + result.statusLine + "'");
    result.status = (statusLine[9] - '0') * 100 + (statusLine[10] - '0') * 10 + (statusLine[11] - '0');
    while (lineEnd != std::string_view::npos) {
        const std::size_t start = lineEnd + 1;
        lineEnd = head.find('\n', start);
        const std::string_view line =
            head.substr(start, lineEnd == std::string_view::npos ? lineEnd : lineEnd - start);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos &&
            equalsIgnoringCase(trim(line.substr(0, colon)), "X-Paddock-Reason"))
            result.paddockReason = printable(trim(line.substr(colon + 1)));
    }
    return result;
}

} // namespace paddock::relay
