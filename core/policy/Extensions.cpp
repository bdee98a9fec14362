#include "policy/Extensions.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace paddock::cedar {

namespace {

constexpr int64_t MsPerSecond = 1000;
constexpr int64_t MsPerMinute = 60 * MsPerSecond;
constexpr int64_t MsPerHour = 60 * MsPerMinute;
constexpr int64_t MsPerDay = 24 * MsPerHour;
constexpr uint64_t Int64MinMagnitude = uint64_t{1} << 63;

std::unexpected<std::string> failure(std::string message)
{
    return std::unexpected(std::move(message));
}

std::string quoted(std::string_view s)
{
    return "`" + std::string(s) + "`";
}

constexpr bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
{
    if (isDigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool allDigits(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), isDigit);
}

// A run of ASCII digits as a number; nullopt when it does not fit in 64 bits.
std::optional<uint64_t> decimalNumber(std::string_view digits)
{
    uint64_t value = 0;
    for (char c : digits) {
        if (__builtin_mul_overflow(value, uint64_t{10}, &value) ||
            __builtin_add_overflow(value, uint64_t(c - '0'), &value))
            return std::nullopt;
    }
    return value;
}

// Two digits at `pos` (the caller has checked they are digits).
int twoDigits(std::string_view s, size_t pos)
{
    return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

void appendPadded(std::string &out, uint64_t value, size_t width)
{
    const std::string digits = std::to_string(value);
    if (digits.size() < width)
        out.append(width - digits.size(), '0');
    out += digits;
}

// ---- ipaddr -------------------------------------------------------------------------------------

// ipaddr.rs: the longest accepted text, "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789/128".
constexpr size_t IpMaxLength = 43;

struct RawAddress
{
    bool v6 = false;
    uint64_t high = 0;
    uint64_t low = 0;
};

// Rust's Ipv4Addr parser (core::net::parser), which ipaddr.rs delegates to: four decimal octets of
// at most three digits each, no leading zeros (RFC 6943 rules out octal), nothing around them.
std::optional<uint32_t> parseIpv4(std::string_view s)
{
    size_t pos = 0;
    uint32_t address = 0;
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= s.size() || s[pos] != '.')
                return std::nullopt;
            ++pos;
        }
        const size_t start = pos;
        uint32_t octet = 0;
        while (pos < s.size() && isDigit(s[pos])) {
            octet = octet * 10 + uint32_t(s[pos] - '0');
            if (++pos - start > 3)
                return std::nullopt;
        }
        const size_t digits = pos - start;
        if (digits == 0 || (digits > 1 && s[start] == '0') || octet > 255)
            return std::nullopt;
        address = (address << 8) | octet;
    }
    if (pos != s.size())
        return std::nullopt;
    return address;
}

// Colon-separated groups of one to four hex digits, as Rust's read_groups: stops (without
// consuming the separator) at the first group it cannot read, and returns how many it read.
size_t readIpv6Groups(std::string_view s, size_t &pos, uint16_t *groups, size_t limit)
{
    for (size_t i = 0; i < limit; ++i) {
        size_t p = pos;
        if (i > 0) {
            if (p >= s.size() || s[p] != ':')
                return i;
            ++p;
        }
        const size_t start = p;
        uint32_t group = 0;
        int digit = 0;
        while (p < s.size() && (digit = hexValue(s[p])) >= 0) {
            group = group * 16 + uint32_t(digit);
            if (++p - start > 4)
                return i;
        }
        if (p == start)
            return i;
        groups[i] = uint16_t(group);
        pos = p;
    }
    return limit;
}

// Rust's Ipv6Addr parser: up to eight groups, or fewer with one "::" standing for at least one
// zero group. Its trailing dotted-IPv4 form is left out: ipaddr.rs rejects every text that could
// use it (two colons and two dots) before parsing.
std::optional<std::array<uint16_t, 8>> parseIpv6(std::string_view s)
{
    std::array<uint16_t, 8> head{};
    size_t pos = 0;
    const size_t headSize = readIpv6Groups(s, pos, head.data(), head.size());
    if (headSize < head.size()) {
        if (s.substr(pos, 2) != "::")
            return std::nullopt;
        pos += 2;
        std::array<uint16_t, 7> tail{};
        const size_t tailSize = readIpv6Groups(s, pos, tail.data(), head.size() - (headSize + 1));
        std::copy_n(tail.begin(), tailSize, head.end() - ptrdiff_t(tailSize));
    }
    if (pos != s.size())
        return std::nullopt;
    return head;
}

std::optional<RawAddress> parseAddress(std::string_view s)
{
    if (const auto v4 = parseIpv4(s))
        return RawAddress{false, 0, *v4};
    if (const auto v6 = parseIpv6(s)) {
        RawAddress address{true, 0, 0};
        for (size_t i = 0; i < 4; ++i) {
            address.high = (address.high << 16) | (*v6)[i];
            address.low = (address.low << 16) | (*v6)[i + 4];
        }
        return address;
    }
    return std::nullopt;
}

// ipaddr.rs parse_prefix: digits only, at most `maxLength` of them, no leading zero, at most `max`.
std::expected<uint8_t, std::string> parsePrefix(std::string_view s, unsigned max, size_t maxLength)
{
    if (s.size() > maxLength)
        return failure("error parsing prefix: string length " + std::to_string(s.size()) + " is too large");
    if (!allDigits(s))
        return failure("error parsing prefix " + quoted(s) + ": encountered non-digit");
    if (s.size() > 1 && s.front() == '0')
        return failure("error parsing prefix " + quoted(s) + ": leading zero(s)");
    if (s.empty())
        return failure("error parsing prefix from the string ``: cannot parse integer from empty string");
    const unsigned value = unsigned(*decimalNumber(s));
    if (value > 255)
        return failure("error parsing prefix from the string " + quoted(s) +
                       ": number too large to fit in target type");
    if (value > max)
        return failure("error parsing prefix: " + std::to_string(value) + " is larger than the limit " +
                       std::to_string(max));
    return uint8_t(value);
}

struct U128
{
    uint64_t high;
    uint64_t low;

    auto operator<=>(const U128 &) const = default;
};

// The first `prefix` bits set.
U128 netmask(unsigned prefix)
{
    const uint64_t ones = ~uint64_t{0};
    const uint64_t high = prefix >= 64 ? ones : prefix == 0 ? 0 : ones << (64 - prefix);
    const uint64_t low = prefix <= 64 ? 0 : ones << (128 - prefix);
    return {high, low};
}

std::string hex(uint16_t group)
{
    static constexpr char Digits[] = "0123456789abcdef";
    std::string out;
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        const unsigned nibble = (group >> shift) & 0xf;
        if (nibble != 0 || started || shift == 0) {
            out += Digits[nibble];
            started = true;
        }
    }
    return out;
}

// ---- datetime -----------------------------------------------------------------------------------

bool isLeapYear(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int daysInMonth(int64_t year, int month)
{
    static constexpr std::array<int, 12> Days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : Days[size_t(month - 1)];
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t year, int month, int day)
{
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t yearOfEra = year - era * 400;
    const int64_t dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

struct CivilDate
{
    int64_t year;
    int month;
    int day;
};

CivilDate civilFromDays(int64_t days)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t dayOfEra = days - era * 146097;
    const int64_t yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const int64_t shiftedMonth = (5 * dayOfYear + 2) / 153;
    const int day = int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
    const int month = int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
    return {yearOfEra + era * 400 + (month <= 2), month, day};
}

} // namespace

// ---- IpAddr -------------------------------------------------------------------------------------

std::expected<IpAddr, std::string> IpAddr::parse(std::string_view text)
{
    if (text.size() > IpMaxLength)
        return failure("error parsing IP address from string " + quoted(text) +
                       ": string length is too large");
    // ipaddr.rs refuses IPv4 embedded in IPv6 ("::ffff:127.0.0.1", "::127.0.0.1") to avoid confusion,
    // by rejecting any text with at least two colons and at least two dots; the same addresses
    // written in hex ("::ffff:7f00:1") are accepted, as IPv6.
    if (std::ranges::count(text, ':') >= 2 && std::ranges::count(text, '.') >= 2)
        return failure("error parsing IP address from string: IPv4 embedded in IPv6 (e.g., ::ffff:127.0.0.1) "
                       "is not accepted. Found: " +
                       quoted(text));
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        const auto address = parseAddress(text);
        if (!address)
            return failure("invalid IP address: " + std::string(text));
        return IpAddr(address->v6, address->high, address->low, address->v6 ? 128 : 32);
    }
    const std::string_view addressText = text.substr(0, slash);
    const auto address = parseAddress(addressText);
    if (!address)
        return failure("error parsing IP address from the string " + quoted(addressText) +
                       ": invalid IP address syntax");
    // Everything after the first slash is the prefix, so "10.0.0.0/8/24" fails as a prefix.
    const auto prefix = address->v6 ? parsePrefix(text.substr(slash + 1), 128, 3)
                                    : parsePrefix(text.substr(slash + 1), 32, 2);
    if (!prefix)
        return std::unexpected(prefix.error());
    return IpAddr(address->v6, address->high, address->low, *prefix);
}

bool IpAddr::isLoopback() const noexcept
{
    // ipaddr.rs: the address is loopback (127.0.0.0/8, ::1) and the range does not reach beyond it.
    if (m_v6)
        return m_high == 0 && m_low == 1 && m_prefix >= 128;
    return ((m_low >> 24) & 0xff) == 127 && m_prefix >= 8;
}

bool IpAddr::isMulticast() const noexcept
{
    // ipaddr.rs: within 224.0.0.0/4 or ff00::/8, and no wider than those.
    if (m_v6)
        return (m_high >> 56) == 0xff && m_prefix >= 8;
    const uint64_t first = (m_low >> 24) & 0xff;
    return first >= 224 && first <= 239 && m_prefix >= 4;
}

bool IpAddr::isInRange(const IpAddr &range) const noexcept
{
    if (m_v6 != range.m_v6)
        return false;
    // IPv4 addresses sit in the low 32 bits: widen their prefixes to the same 128-bit masks.
    const unsigned shift = m_v6 ? 0 : 96;
    const U128 selfMask = netmask(m_prefix + shift);
    const U128 rangeMask = netmask(range.m_prefix + shift);
    const U128 selfNetwork{m_high & selfMask.high, m_low & selfMask.low};
    const U128 rangeNetwork{range.m_high & rangeMask.high, range.m_low & rangeMask.low};
    const U128 selfBroadcast{m_high | ~selfMask.high, m_low | ~selfMask.low};
    const U128 rangeBroadcast{range.m_high | ~rangeMask.high, range.m_low | ~rangeMask.low};
    return rangeNetwork <= selfNetwork && selfBroadcast <= rangeBroadcast;
}

std::string IpAddr::toString() const
{
    std::string out;
    if (!m_v6) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out += std::to_string((m_low >> shift) & 0xff);
            if (shift > 0)
                out += '.';
        }
    } else {
        std::array<uint16_t, 8> groups{};
        for (size_t i = 0; i < 4; ++i) {
            groups[i] = uint16_t(m_high >> (48 - 16 * i));
            groups[i + 4] = uint16_t(m_low >> (48 - 16 * i));
        }
        // As Rust's Display: the first longest run of two or more zero groups becomes "::". Unlike
        // Rust, ::ffff:a.b.c.d is not written in dotted form, which ip() would refuse to read back.
        size_t bestStart = 0, bestLength = 0, runStart = 0, runLength = 0;
        for (size_t i = 0; i < groups.size(); ++i) {
            if (groups[i] != 0) {
                runLength = 0;
                continue;
            }
            if (runLength++ == 0)
                runStart = i;
            if (runLength > bestLength) {
                bestStart = runStart;
                bestLength = runLength;
            }
        }
        auto join = [&](size_t from, size_t to) {
            for (size_t i = from; i < to; ++i) {
                if (i > from)
                    out += ':';
                out += hex(groups[i]);
            }
        };
        if (bestLength > 1) {
            join(0, bestStart);
            out += "::";
            join(bestStart + bestLength, groups.size());
        } else {
            join(0, groups.size());
        }
    }
    return out + "/" + std::to_string(m_prefix);
}

// ---- Decimal ------------------------------------------------------------------------------------

std::expected<Decimal, std::string> Decimal::parse(std::string_view text)
{
    // decimal.rs matches ^(-?\d+)\.(\d+)$. Its \d is Unicode-aware, so digits of other scripts pass
    // the pattern and then fail as "overflow"; here they are simply not well-formed.
    const bool negative = !text.empty() && text.front() == '-';
    const std::string_view body = text.substr(negative ? 1 : 0);
    const size_t point = body.find('.');
    const std::string_view integral = body.substr(0, point);
    const std::string_view fraction =
        point == std::string_view::npos ? std::string_view() : body.substr(point + 1);
    if (point == std::string_view::npos || integral.empty() || fraction.empty() || !allDigits(integral) ||
        !allDigits(fraction))
        return failure(quoted(text) + " is not a well-formed decimal value");

    const auto overflow = [] { return failure("overflow when converting to decimal"); };
    const auto magnitude = decimalNumber(integral);
    if (!magnitude || *magnitude > (negative ? Int64MinMagnitude : uint64_t(INT64_MAX)))
        return overflow();
    const int64_t whole = negative ? int64_t(0 - *magnitude) : int64_t(*magnitude);
    int64_t value = 0;
    if (__builtin_mul_overflow(whole, Scale, &value))
        return overflow();
    if (fraction.size() > 4)
        return failure("too many digits after the decimal in " + quoted(text) + " (at most 4 are supported)");
    int64_t parts = int64_t(*decimalNumber(fraction));
    for (size_t i = fraction.size(); i < 4; ++i)
        parts *= 10;
    // The sign is the text's, not the integral part's: "-0.5" is -0.5 (cedar-policy/cedar#1964).
    if (negative ? __builtin_sub_overflow(value, parts, &value)
                 : __builtin_add_overflow(value, parts, &value))
        return overflow();
    return Decimal(value);
}

std::string Decimal::toString() const
{
    // decimal.rs prints integer part, point, fraction; it drops the fraction's leading zeros and the
    // sign of values between -1 and 0, so this pads to four digits and keeps the sign (as the Lean
    // model does), writing a zero fraction as ".0".
    const bool negative = m_scaled < 0;
    const uint64_t magnitude = negative ? 0 - uint64_t(m_scaled) : uint64_t(m_scaled);
    std::string out = negative ? "-" : "";
    out += std::to_string(magnitude / Scale);
    out += '.';
    const uint64_t fraction = magnitude % Scale;
    if (fraction == 0)
        out += '0';
    else
        appendPadded(out, fraction, 4);
    return out;
}

// ---- Duration -----------------------------------------------------------------------------------

std::expected<Duration, std::string> Duration::parse(std::string_view text)
{
    // datetime.rs matches ^-?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$ and
    // refuses "" and "-": each unit at most once, largest first, a natural number before each.
    const auto invalid = [] {
        return failure("invalid duration pattern (a valid duration string is a concatenated sequence of "
                       "quantity-unit pairs, units d, h, m, s, ms from largest to smallest, with an "
                       "optional `-` at the beginning)");
    };
    if (text.empty() || text == "-")
        return invalid();
    const bool negative = text.front() == '-';
    enum Unit { Days, Hours, Minutes, Seconds, Milliseconds, UnitCount };
    std::array<std::string_view, UnitCount> quantities{};
    int last = -1;
    size_t pos = negative ? 1 : 0;
    while (pos < text.size()) {
        const size_t start = pos;
        while (pos < text.size() && isDigit(text[pos]))
            ++pos;
        if (pos == start || pos == text.size())
            return invalid();
        const std::string_view quantity = text.substr(start, pos - start);
        int unit = UnitCount;
        switch (text[pos++]) {
        case 'd':
            unit = Days;
            break;
        case 'h':
            unit = Hours;
            break;
        case 'm':
            // "ms" rather than minutes: an "s" can never start the next pair.
            unit = Minutes;
            if (pos < text.size() && text[pos] == 's') {
                unit = Milliseconds;
                ++pos;
            }
            break;
        case 's':
            unit = Seconds;
            break;
        default:
            return invalid();
        }
        if (unit <= last)
            return invalid();
        last = unit;
        quantities[size_t(unit)] = quantity;
    }

    // Summed as datetime.rs does, milliseconds first, each step checked.
    const auto overflow = [] {
        return failure("Duration overflows internal representation (a duration in milliseconds must be "
                       "representable by a signed 64 bit integer)");
    };
    std::array<uint64_t, UnitCount> counts{};
    for (size_t i = 0; i < counts.size(); ++i) {
        const auto count = decimalNumber(quantities[i]);
        if (!count)
            return overflow();
        counts[i] = *count;
    }
    if (counts[Milliseconds] > (negative ? Int64MinMagnitude : uint64_t(INT64_MAX)))
        return overflow();
    int64_t ms = negative ? int64_t(0 - counts[Milliseconds]) : int64_t(counts[Milliseconds]);
    static constexpr std::array<std::pair<Unit, int64_t>, 4> Steps = {
        {{Seconds, MsPerSecond}, {Minutes, MsPerMinute}, {Hours, MsPerHour}, {Days, MsPerDay}}};
    for (const auto &[unit, factor] : Steps) {
        int64_t term = 0;
        if (counts[unit] > uint64_t(INT64_MAX) ||
            __builtin_mul_overflow(int64_t(counts[unit]), factor, &term))
            return overflow();
        if (negative ? __builtin_sub_overflow(ms, term, &ms) : __builtin_add_overflow(ms, term, &ms))
            return overflow();
    }
    return Duration(ms);
}

std::string Duration::toString() const
{
    return std::to_string(m_ms) + "ms";
}

// ---- Datetime -----------------------------------------------------------------------------------

std::expected<Datetime, std::string> Datetime::parse(std::string_view text)
{
    // datetime.rs: YYYY-MM-DD, then optionally Thh:mm:ss, optional .SSS and Z or (+|-)hhmm. The
    // patterns are checked left to right first, then the date, the time and the offset.
    const auto digitsAt = [&](size_t pos, size_t count) {
        return pos + count <= text.size() && allDigits(text.substr(pos, count));
    };
    if (!(digitsAt(0, 4) && text.size() > 4 && text[4] == '-' && digitsAt(5, 2) && text.size() > 7 &&
          text[7] == '-' && digitsAt(8, 2)))
        return failure("invalid date pattern (a valid datetime string should start with YYYY-MM-DD)");
    const int64_t year = int64_t(*decimalNumber(text.substr(0, 4)));
    const int month = twoDigits(text, 5);
    const int day = twoDigits(text, 8);
    const auto checkDate = [&]() -> std::expected<int64_t, std::string> {
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
            return failure("invalid date: " + std::string(text.substr(0, 10)));
        return daysFromCivil(year, month, day) * MsPerDay;
    };
    if (text.size() == 10)
        return checkDate().transform([](int64_t ms) { return Datetime(ms); });

    if (!(text.size() >= 19 && text[10] == 'T' && digitsAt(11, 2) && text[13] == ':' && digitsAt(14, 2) &&
          text[16] == ':' && digitsAt(17, 2)))
        return failure("invalid hour/minute/second pattern (a valid datetime string should have "
                       "HH:MM:SS after the date)");
    const int hour = twoDigits(text, 11);
    const int minute = twoDigits(text, 14);
    const int second = twoDigits(text, 17);

    size_t pos = 19;
    int millisecond = 0;
    bool msOffsetOk = true;
    if (pos < text.size() && text[pos] == '.') {
        msOffsetOk = digitsAt(pos + 1, 3);
        if (msOffsetOk)
            millisecond = int(*decimalNumber(text.substr(pos + 1, 3)));
        pos += 4;
    }
    int offsetSign = 0;
    if (msOffsetOk && pos + 1 == text.size() && text[pos] == 'Z')
        offsetSign = 0;
    else if (msOffsetOk && pos + 5 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             digitsAt(pos + 1, 4))
        offsetSign = text[pos] == '+' ? 1 : -1;
    else
        return failure("invalid millisecond and/or offset pattern (a valid datetime should end with "
                       "Z|.SSSZ|(+|-)hhmm|.SSS(+|-)hhmm)");

    const auto date = checkDate();
    if (!date)
        return std::unexpected(date.error());
    // Second 60 is refused: a leap second cannot be told from a typo (datetime.rs tests).
    if (hour >= 24 || minute >= 60 || second >= 60)
        return failure("invalid hour/minute/second: " + std::string(text.substr(11, 8)));
    int64_t offsetMs = 0;
    if (offsetSign != 0) {
        const int offsetHours = twoDigits(text, pos + 1);
        const int offsetMinutes = twoDigits(text, pos + 3);
        if (offsetHours >= 24 || offsetMinutes >= 60)
            return failure("invalid offset range: " + std::string(text.substr(pos)) +
                           " (a valid offset hour range is [0, 24) and minute range is [0, 60))");
        offsetMs = offsetSign * (offsetHours * MsPerHour + offsetMinutes * MsPerMinute);
    }
    // A positive offset means local time is ahead of UTC, so it is subtracted.
    return Datetime(*date + hour * MsPerHour + minute * MsPerMinute + second * MsPerSecond + millisecond -
                    offsetMs);
}

std::expected<Datetime, std::string> Datetime::offset(const Duration &duration) const
{
    int64_t ms = 0;
    if (__builtin_add_overflow(m_ms, duration.toMilliseconds(), &ms))
        return failure("overflows when adding an offset: " + toString() + "+(" + duration.toString() + ")");
    return Datetime(ms);
}

std::expected<Duration, std::string> Datetime::durationSince(const Datetime &other) const
{
    int64_t ms = 0;
    if (__builtin_sub_overflow(m_ms, other.m_ms, &ms))
        return failure("overflows when computing the duration between " + toString() + " and " +
                       other.toString());
    return Duration::fromMilliseconds(ms);
}

std::expected<Datetime, std::string> Datetime::toDate() const
{
    // Floor to the day; only the days just after the earliest representable instant overflow.
    if (m_ms >= 0 || m_ms % MsPerDay == 0)
        return Datetime(m_ms / MsPerDay * MsPerDay);
    int64_t ms = 0;
    if (__builtin_mul_overflow(m_ms / MsPerDay - 1, MsPerDay, &ms))
        return failure("overflows when computing the date of " + toString());
    return Datetime(ms);
}

Duration Datetime::toTime() const noexcept
{
    const int64_t rest = m_ms % MsPerDay;
    return Duration::fromMilliseconds(rest < 0 ? rest + MsPerDay : rest);
}

std::string Datetime::toString() const
{
    int64_t days = m_ms / MsPerDay;
    int64_t rest = m_ms % MsPerDay;
    if (rest < 0) {
        rest += MsPerDay;
        --days;
    }
    const CivilDate date = civilFromDays(days);
    std::string out;
    if (date.year < 0 || date.year > 9999)
        out += date.year < 0 ? '-' : '+';
    appendPadded(out, uint64_t(date.year < 0 ? -date.year : date.year), 4);
    out += '-';
    appendPadded(out, uint64_t(date.month), 2);
    out += '-';
    appendPadded(out, uint64_t(date.day), 2);
    if (rest == 0)
        return out;
    out += 'T';
    appendPadded(out, uint64_t(rest / MsPerHour), 2);
    out += ':';
    appendPadded(out, uint64_t(rest / MsPerMinute % 60), 2);
    out += ':';
    appendPadded(out, uint64_t(rest / MsPerSecond % 60), 2);
    if (rest % MsPerSecond != 0) {
        out += '.';
        appendPadded(out, uint64_t(rest % MsPerSecond), 3);
    }
    return out + "Z";
}

} // namespace paddock::cedar
