#pragma once

#include "common/Error.h"

#include <QString>
#include <QStringView>

#include <array>
#include <cstdint>
#include <optional>

namespace paddock {

// An IPv4 or IPv6 address as bytes (IPv4 in the first four).
struct IpAddress
{
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};

    static IpAddress v4(std::uint32_t value);
    std::uint32_t v4Value() const; // IPv4 only
    // The canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as ::).
    QString toString() const;
    friend bool operator==(const IpAddress &, const IpAddress &) = default;
};

// The egress proxy's SSRF guard (issue 6): which destination addresses an agent may never reach
// unless a policy names the address itself, and the parsing of IP literals in every notation a
// resolver or a client library accepts, so that "2130706433", "0x7f.1", "0177.0.0.1" and
// "[::ffff:127.0.0.1]" are all seen as the loopback address they are.
class AddressGuard final
{
public:
    // `host` as an IP literal: IPv4 in one to four parts, each decimal, octal (leading 0) or hex
    // (0x), with one trailing dot allowed; IPv6 (RFC 4291 text, embedded dotted IPv4), with or
    // without brackets. Nothing when it is a name. An error when it looks numeric but is no valid
    // address ("1.2.3.4.5", "0x1g.1", "256.1.1.1", a zone index): such a host is refused, never
    // handed to a resolver that might read it differently.
    static Result<std::optional<IpAddress>> parseLiteral(QStringView host);

    // The IPv4 address an IPv6 form carries: IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96,
    // NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32 (its client).
    static std::optional<IpAddress> embeddedIpv4(const IpAddress &address);

    // Why an agent may not connect there ("loopback", "private (RFC 1918)", "link-local
    // (169.254.0.0/16, cloud metadata)", "carrier-grade NAT (100.64.0.0/10)", …), or empty when the
    // address is public. IPv6 forms that embed IPv4 are refused whatever they carry (saying what).
    static QString refusal(const IpAddress &address);
};

} // namespace paddock
