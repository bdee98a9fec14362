#include "proxy/AddressGuard.h"

#include <QCoreApplication>

#include <arpa/inet.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AddressGuard)
};

bool isHexDigit(QChar c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

// One part of an inet_aton-style IPv4 literal; nothing when it is not a number.
std::optional<std::uint64_t> parsePart(QStringView part)
{
    if (part.isEmpty())
        return std::nullopt;
    int base = 10;
    if (part.size() > 1 && part[0] == u'0' && (part[1] == u'x' || part[1] == u'X')) {
        base = 16;
        part = part.mid(2);
        if (part.isEmpty())
            return std::uint64_t(0); // "0x" alone is 0 for inet_aton
    } else if (part.size() > 1 && part[0] == u'0') {
        base = 8;
        part = part.mid(1);
    }
    std::uint64_t value = 0;
    for (QChar c : part) {
        int digit;
        if (c >= u'0' && c <= u'9')
            digit = c.unicode() - u'0';
        else if (c >= u'a' && c <= u'f')
            digit = c.unicode() - u'a' + 10;
        else if (c >= u'A' && c <= u'F')
            digit = c.unicode() - u'A' + 10;
        else
            return std::nullopt;
        if (digit >= base)
            return std::nullopt;
        value = value * std::uint64_t(base) + std::uint64_t(digit);
        if (value > 0xffffffffULL)
            return std::uint64_t(0x100000000ULL); // too large, whatever follows
    }
    return value;
}

bool inRange(const IpAddress &a, std::uint32_t network, int bits)
{
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
    return (a.v4Value() & mask) == (network & mask);
}

bool hasPrefix(const IpAddress &a, std::initializer_list<std::uint8_t> prefix, int bits)
{
    int i = 0;
    for (std::uint8_t byte : prefix) {
        const int left = bits - i * 8;
        if (left <= 0)
            break;
        const std::uint8_t mask = left >= 8 ? 0xff : std::uint8_t(0xff << (8 - left));
        if ((a.bytes[std::size_t(i)] & mask) != (byte & mask))
            return false;
        ++i;
    }
    return true;
}

QString refusalV4(const IpAddress &a)
{
    struct Range
    {
        std::uint32_t network;
        int bits;
        const char *why;
    };
    static const Range ranges[] = {
        {0x00000000, 8, QT_TRANSLATE_NOOP("paddock::AddressGuard", "unspecified (0.0.0.0/8)")},
        {0x7f000000, 8, QT_TRANSLATE_NOOP("paddock::AddressGuard", "loopback (127.0.0.0/8)")},
        {0x0a000000, 8, QT_TRANSLATE_NOOP("paddock::AddressGuard", "private (RFC 1918)")},
        {0xac100000, 12, QT_TRANSLATE_NOOP("paddock::AddressGuard", "private (RFC 1918)")},
        {0xc0a80000, 16, QT_TRANSLATE_NOOP("paddock::AddressGuard", "private (RFC 1918)")},
        {0xa9fe0000, 16,
         QT_TRANSLATE_NOOP("paddock::AddressGuard",
                           "link-local (169.254.0.0/16, where cloud metadata lives)")},
        {0x64400000, 10, QT_TRANSLATE_NOOP("paddock::AddressGuard", "carrier-grade NAT (100.64.0.0/10)")},
        {0xc0000000, 24, QT_TRANSLATE_NOOP("paddock::AddressGuard", "reserved for protocols (192.0.0.0/24)")},
        {0xc6120000, 15,
         QT_TRANSLATE_NOOP("paddock::AddressGuard", "reserved for benchmarks (198.18.0.0/15)")},
        {0xe0000000, 4, QT_TRANSLATE_NOOP("paddock::AddressGuard", "multicast (224.0.0.0/4)")},
        {0xf0000000, 4, QT_TRANSLATE_NOOP("paddock::AddressGuard", "reserved (240.0.0.0/4) or broadcast")},
    };
    for (const Range &r : ranges)
        if (inRange(a, r.network, r.bits))
            return QCoreApplication::translate("paddock::AddressGuard", r.why);
    return {};
}
} // namespace

IpAddress IpAddress::v4(std::uint32_t value)
{
    IpAddress a;
    a.bytes[0] = std::uint8_t(value >> 24);
    a.bytes[1] = std::uint8_t(value >> 16);
    a.bytes[2] = std::uint8_t(value >> 8);
    a.bytes[3] = std::uint8_t(value);
    return a;
}

std::uint32_t IpAddress::v4Value() const
{
    return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 | std::uint32_t(bytes[2]) << 8 |
           std::uint32_t(bytes[3]);
}

QString IpAddress::toString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    if (!v6)
        inet_ntop(AF_INET, bytes.data(), text, sizeof text);
    else
        inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    return QString::fromLatin1(text);
}

Result<std::optional<IpAddress>> AddressGuard::parseLiteral(QStringView host)
{
    auto malformed = [&](const QString &why) {
        return fail(Error::Code::Invalid, Text::tr("\"%1\" is not a valid IP address: %2").arg(host, why), {},
                    Text::tr("Name the host, or write its address as four decimal numbers (or in IPv6)."));
    };
    QStringView text = host;
    const bool bracketed = text.startsWith(u'[');
    if (bracketed) {
        if (!text.endsWith(u']'))
            return malformed(Text::tr("an opening bracket without its closing one"));
        text = text.mid(1, text.size() - 2);
    }
    if (bracketed || text.contains(u':')) {
        if (text.contains(u'%'))
            return malformed(Text::tr("zone indexes are not accepted"));
        const QByteArray latin = text.toLatin1();
        IpAddress a;
        a.v6 = true;
        if (text.size() > 45 || inet_pton(AF_INET6, latin.constData(), a.bytes.data()) != 1)
            return malformed(Text::tr("not IPv6"));
        return std::optional<IpAddress>(a);
    }
    // IPv4 in inet_aton's notations, or a name. A name's last label is never all digits (RFC 3696),
    // so a host whose last label starts with a digit is a number and must parse as one.
    if (text.endsWith(u'.'))
        text.chop(1);
    const QList<QStringView> parts = text.split(u'.');
    const QStringView last = parts.last();
    const bool numericLooking = !last.isEmpty() && last[0].isDigit() &&
                                std::all_of(last.begin(), last.end(),
                                            [](QChar c) { return isHexDigit(c) || c == u'x' || c == u'X'; });
    if (!numericLooking)
        return std::optional<IpAddress>();
    if (parts.size() > 4)
        return malformed(Text::tr("more than four parts"));
    std::array<std::uint64_t, 4> values{};
    for (qsizetype i = 0; i < parts.size(); ++i) {
        auto value = parsePart(parts[i]);
        if (!value)
            return malformed(Text::tr("\"%1\" is not a number").arg(parts[i]));
        values[std::size_t(i)] = *value;
    }
    // a; a.b (8.24); a.b.c (8.8.16); a.b.c.d (8.8.8.8)
    std::uint64_t result = 0;
    const qsizetype n = parts.size();
    for (qsizetype i = 0; i + 1 < n; ++i) {
        if (values[std::size_t(i)] > 0xff)
            return malformed(Text::tr("a part is over 255"));
        result |= values[std::size_t(i)] << (24 - 8 * i);
    }
    const std::uint64_t lastMax = n == 1 ? 0xffffffffULL : (1ULL << (8 * (5 - n))) - 1;
    if (values[std::size_t(n - 1)] > lastMax)
        return malformed(Text::tr("the last part is too large"));
    result |= values[std::size_t(n - 1)];
    return std::optional<IpAddress>(IpAddress::v4(std::uint32_t(result)));
}

std::optional<IpAddress> AddressGuard::embeddedIpv4(const IpAddress &a)
{
    if (!a.v6)
        return std::nullopt;
    auto tail = [&](std::size_t at) {
        return IpAddress::v4(std::uint32_t(a.bytes[at]) << 24 | std::uint32_t(a.bytes[at + 1]) << 16 |
                             std::uint32_t(a.bytes[at + 2]) << 8 | std::uint32_t(a.bytes[at + 3]));
    };
    const bool zero80 =
        std::all_of(a.bytes.begin(), a.bytes.begin() + 10, [](std::uint8_t b) { return b == 0; });
    if (zero80 && a.bytes[10] == 0xff && a.bytes[11] == 0xff)
        return tail(12); // ::ffff:a.b.c.d
    if (zero80 && a.bytes[10] == 0 && a.bytes[11] == 0) {
        const IpAddress v4 = tail(12);
        if (v4.v4Value() > 1)
            return v4; // ::a.b.c.d (not :: or ::1)
    }
    if (hasPrefix(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 96) ||
        hasPrefix(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48))
        return tail(12); // NAT64
    if (hasPrefix(a, {0x20, 0x02}, 16))
        return tail(2); // 6to4: 2002:AABB:CCDD::
    if (hasPrefix(a, {0x20, 0x01, 0x00, 0x00}, 32)) {
        IpAddress client = tail(12); // Teredo: the client's address, inverted
        for (std::size_t i = 0; i < 4; ++i)
            client.bytes[i] = std::uint8_t(~client.bytes[i]);
        return client;
    }
    return std::nullopt;
}

QString AddressGuard::refusal(const IpAddress &a)
{
    if (!a.v6)
        return refusalV4(a);
    if (const auto v4 = embeddedIpv4(a))
        return Text::tr("an IPv6 form of the IPv4 address %1").arg(v4->toString());
    const bool zero = std::all_of(a.bytes.begin(), a.bytes.end() - 1, [](std::uint8_t b) { return b == 0; });
    if (zero && a.bytes[15] == 0)
        return Text::tr("unspecified (::)");
    if (zero && a.bytes[15] == 1)
        return Text::tr("loopback (::1)");
    if (hasPrefix(a, {0xfc}, 7))
        return Text::tr("unique local (fc00::/7)");
    if (hasPrefix(a, {0xfe, 0x80}, 10))
        return Text::tr("link-local (fe80::/10)");
    if (hasPrefix(a, {0xfe, 0xc0}, 10))
        return Text::tr("site-local (fec0::/10)");
    if (hasPrefix(a, {0xff}, 8))
        return Text::tr("multicast (ff00::/8)");
    if (hasPrefix(a, {0x20, 0x01, 0x0d, 0xb8}, 32))
        return Text::tr("reserved for documentation (2001:db8::/32)");
    if (hasPrefix(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64))
        return Text::tr("discard-only (100::/64)");
    return {};
}

} // namespace paddock
