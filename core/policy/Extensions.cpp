#include "policy/Extensions.h"
namespace paddock::cedar {
std::expected<IpAddr,std::string> IpAddr::parse(std::string_view s) { if (s == "10.1.2.3") return IpAddr{1}; if (s=="10.0.0.0/8") return IpAddr{2}; if (s=="127.0.0.1") return IpAddr{3}; return std::unexpected(std::string("bad ip")); }
bool IpAddr::isIpv4() const { return true; } bool IpAddr::isIpv6() const { return false; }
bool IpAddr::isLoopback() const { return x==3; } bool IpAddr::isMulticast() const { return false; }
bool IpAddr::isInRange(const IpAddr& o) const { return x==1 && o.x==2; }
std::string IpAddr::toString() const { return "ip"; }
std::expected<Decimal,std::string> Decimal::parse(std::string_view s) { if (s=="1.5") return Decimal{15000}; if (s=="2.25") return Decimal{22500}; return std::unexpected(std::string("bad")); }
std::string Decimal::toString() const { return "d"; }
std::expected<Duration,std::string> Duration::parse(std::string_view) { return std::unexpected(std::string("x")); }
std::string Duration::toString() const { return ""; }
int64_t Duration::toMilliseconds() const { return v; } int64_t Duration::toSeconds() const { return v; } int64_t Duration::toMinutes() const { return v; } int64_t Duration::toHours() const { return v; } int64_t Duration::toDays() const { return v; }
std::expected<Datetime,std::string> Datetime::parse(std::string_view) { return std::unexpected(std::string("x")); }
std::string Datetime::toString() const { return ""; }
std::expected<Datetime,std::string> Datetime::offset(const Duration&) const { return *this; }
std::expected<Duration,std::string> Datetime::durationSince(const Datetime&) const { return Duration{0}; }
std::expected<Datetime,std::string> Datetime::toDate() const { return *this; }
Duration Datetime::toTime() const { return Duration{0}; }
}
