#pragma once

// Cedar's extension types: ipaddr, decimal, datetime and duration, as cedar-policy-core 4.x defines
// them (src/extensions/{ipaddr,decimal,datetime}.rs). Pure standard C++: these sit inside the
// evaluator's hot path, so they are small, trivially copyable and parse without allocating unless
// they fail. Every parse and every operation that can overflow returns std::expected with the reason.

#include <compare>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <type_traits>

namespace paddock::cedar {

// `ipaddr`, made by ip("..."): an IPv4 or IPv6 address with a CIDR prefix length (32 or 128 when
// none is written). The address keeps its host bits, so ip("10.0.0.1/24") != ip("10.0.0.0/24")
// (equality is on address and prefix since Cedar 3.0), while both are in range of each other.
class IpAddr final
{
public:
    constexpr IpAddr() noexcept = default; // 0.0.0.0/32
    static std::expected<IpAddr, std::string> parse(std::string_view text);

    bool isIpv4() const noexcept { return !m_v6; }
    bool isIpv6() const noexcept { return m_v6; }
    bool isLoopback() const noexcept;
    bool isMulticast() const noexcept;
    // Whether every address of this range lies in `range`; false between IPv4 and IPv6.
    bool isInRange(const IpAddr &range) const noexcept;

    int prefixLength() const noexcept { return m_prefix; }
    // "addr/prefix", the prefix always written, IPv6 compressed as RFC 5952 (e.g. "10.0.0.1/24",
    // "ffee::11/128"); parse() reads it back to an equal value.
    std::string toString() const;

    bool operator==(const IpAddr &) const = default;

private:
    constexpr IpAddr(bool v6, uint64_t high, uint64_t low, uint8_t prefix) noexcept
        : m_high(high)
        , m_low(low)
        , m_prefix(prefix)
        , m_v6(v6)
    {}

    // The address as a 128-bit number (an IPv4 address in the low 32 bits of m_low).
    uint64_t m_high = 0;
    uint64_t m_low = 0;
    uint8_t m_prefix = 32;
    bool m_v6 = false;
};

// `decimal`, made by decimal("..."): a fixed-point number with four digits after the point,
// stored as value * 10^4 in an int64.
class Decimal final
{
public:
    static constexpr int64_t Scale = 10000;

    constexpr Decimal() noexcept = default;
    static std::expected<Decimal, std::string> parse(std::string_view text);
    static constexpr Decimal fromScaled(int64_t scaled) noexcept { return Decimal(scaled); }

    constexpr int64_t scaled() const noexcept { return m_scaled; }

    constexpr bool lessThan(const Decimal &other) const noexcept { return m_scaled < other.m_scaled; }
    constexpr bool lessThanOrEqual(const Decimal &other) const noexcept { return m_scaled <= other.m_scaled; }
    constexpr bool greaterThan(const Decimal &other) const noexcept { return m_scaled > other.m_scaled; }
    constexpr bool greaterThanOrEqual(const Decimal &other) const noexcept
    {
        return m_scaled >= other.m_scaled;
    }

    // "-12.3400", or "12.0" when there is no fraction; parse() reads it back to an equal value.
    std::string toString() const;

    constexpr bool operator==(const Decimal &) const = default;
    constexpr auto operator<=>(const Decimal &) const = default;

private:
    constexpr explicit Decimal(int64_t scaled) noexcept
        : m_scaled(scaled)
    {}
    int64_t m_scaled = 0;
};

// `duration`, made by duration("..."): a signed number of milliseconds.
class Duration final
{
public:
    constexpr Duration() noexcept = default;
    static std::expected<Duration, std::string> parse(std::string_view text);
    static constexpr Duration fromMilliseconds(int64_t ms) noexcept { return Duration(ms); }

    // Each truncates toward zero from the unit below it, as Cedar does.
    constexpr int64_t toMilliseconds() const noexcept { return m_ms; }
    constexpr int64_t toSeconds() const noexcept { return toMilliseconds() / 1000; }
    constexpr int64_t toMinutes() const noexcept { return toSeconds() / 60; }
    constexpr int64_t toHours() const noexcept { return toMinutes() / 60; }
    constexpr int64_t toDays() const noexcept { return toHours() / 24; }

    // "<n>ms", as Cedar displays a duration (e.g. "-25200000ms").
    std::string toString() const;

    constexpr bool operator==(const Duration &) const = default;
    constexpr auto operator<=>(const Duration &) const = default;

private:
    constexpr explicit Duration(int64_t ms) noexcept
        : m_ms(ms)
    {}
    int64_t m_ms = 0;
};

// `datetime`, made by datetime("..."): milliseconds since 1970-01-01T00:00:00Z, leap seconds not
// counted. Offsets in the text are folded into UTC, so only the instant is kept.
class Datetime final
{
public:
    constexpr Datetime() noexcept = default;
    static std::expected<Datetime, std::string> parse(std::string_view text);
    static constexpr Datetime fromEpochMilliseconds(int64_t ms) noexcept { return Datetime(ms); }

    constexpr int64_t epochMilliseconds() const noexcept { return m_ms; }

    std::expected<Datetime, std::string> offset(const Duration &duration) const;
    // this - other; negative when this is earlier.
    std::expected<Duration, std::string> durationSince(const Datetime &other) const;
    // Midnight (UTC) of this day.
    std::expected<Datetime, std::string> toDate() const;
    // The time since toDate(), always in [0, 1 day).
    Duration toTime() const noexcept;

    // ISO 8601 in UTC, as short as is exact: "2024-10-28", "2024-10-28T17:12:13Z",
    // "2024-10-28T17:12:13.456Z". parse() reads it back for years 0000 to 9999; outside those (only
    // reachable through offset()) the year is written with a sign, e.g. "+10000-01-01".
    std::string toString() const;

    constexpr bool operator==(const Datetime &) const = default;
    constexpr auto operator<=>(const Datetime &) const = default;

private:
    constexpr explicit Datetime(int64_t ms) noexcept
        : m_ms(ms)
    {}
    int64_t m_ms = 0;
};

static_assert(std::is_trivially_copyable_v<IpAddr> && sizeof(IpAddr) <= 24);
static_assert(std::is_trivially_copyable_v<Decimal> && sizeof(Decimal) == 8);
static_assert(std::is_trivially_copyable_v<Duration> && sizeof(Duration) == 8);
static_assert(std::is_trivially_copyable_v<Datetime> && sizeof(Datetime) == 8);

} // namespace paddock::cedar
