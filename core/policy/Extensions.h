#pragma once
#include <expected>
#include <string>
#include <string_view>
#include <cstdint>
namespace paddock::cedar {
struct IpAddr { static std::expected<IpAddr,std::string> parse(std::string_view); bool isIpv4() const; bool isIpv6() const; bool isLoopback() const; bool isMulticast() const; bool isInRange(const IpAddr&) const; std::string toString() const; bool operator==(const IpAddr&) const = default; int x; };
struct Decimal { static std::expected<Decimal,std::string> parse(std::string_view); std::string toString() const; auto operator<=>(const Decimal&) const = default; int64_t v; };
struct Duration { static std::expected<Duration,std::string> parse(std::string_view); std::string toString() const; auto operator<=>(const Duration&) const = default; int64_t toMilliseconds() const; int64_t toSeconds() const; int64_t toMinutes() const; int64_t toHours() const; int64_t toDays() const; int64_t v;};
struct Datetime { static std::expected<Datetime,std::string> parse(std::string_view); std::string toString() const; auto operator<=>(const Datetime&) const = default; std::expected<Datetime,std::string> offset(const Duration&) const; std::expected<Duration,std::string> durationSince(const Datetime&) const; std::expected<Datetime,std::string> toDate() const; Duration toTime() const; int64_t v;};
}
