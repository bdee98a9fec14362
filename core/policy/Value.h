#pragma once

#include "policy/Extensions.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace paddock::cedar {

// An entity's unique id: its type (with namespace, e.g. `Paddock::Host`) and its id string.
struct EntityUid
{
    std::string type;
    std::string id;

    bool operator==(const EntityUid &) const = default;
    auto operator<=>(const EntityUid &) const = default;
    // Cedar syntax: Type::"id", with the id escaped.
    std::string toString() const;
};

struct EntityUidHash
{
    size_t operator()(const EntityUid &uid) const noexcept
    {
        return std::hash<std::string>{}(uid.type) * 31 + std::hash<std::string>{}(uid.id);
    }
};

struct Value;
using ValueSet = std::vector<Value>;              // no duplicates
using ValueRecord = std::map<std::string, Value>; // ordered by key

// A Cedar value. Sets and records are immutable and shared.
struct Value
{
    enum class Kind : uint8_t { Bool, Long, String, Entity, Set, Record, Ip, Decimal, Datetime, Duration };

    std::variant<bool, int64_t, std::string, EntityUid, std::shared_ptr<const ValueSet>,
                 std::shared_ptr<const ValueRecord>, IpAddr, Decimal, Datetime, Duration>
        data;

    Value()
        : data(false)
    {}
    Value(bool b)
        : data(b)
    {}
    Value(int64_t n)
        : data(n)
    {}
    Value(std::string s)
        : data(std::move(s))
    {}
    Value(EntityUid e)
        : data(std::move(e))
    {}
    Value(IpAddr ip)
        : data(ip)
    {}
    Value(Decimal d)
        : data(d)
    {}
    Value(Datetime d)
        : data(d)
    {}
    Value(Duration d)
        : data(d)
    {}
    static Value set(ValueSet elements); // removes duplicates
    static Value record(ValueRecord fields)
    {
        return Value(std::make_shared<const ValueRecord>(std::move(fields)));
    }

    Kind kind() const { return static_cast<Kind>(data.index()); }
    bool isBool() const { return kind() == Kind::Bool; }
    bool asBool() const { return std::get<bool>(data); }
    int64_t asLong() const { return std::get<int64_t>(data); }
    const std::string &asString() const { return std::get<std::string>(data); }
    const EntityUid &asEntity() const { return std::get<EntityUid>(data); }
    const ValueSet &asSet() const { return *std::get<std::shared_ptr<const ValueSet>>(data); }
    const ValueRecord &asRecord() const { return *std::get<std::shared_ptr<const ValueRecord>>(data); }

    // Cedar equality: deep, sets compare as sets, values of different kinds are unequal.
    bool operator==(const Value &other) const;

    // Cedar syntax for the value (entities as Type::"id", sets as [..], records as {..}).
    std::string toString() const;
    static const char *kindName(Kind kind);

private:
    explicit Value(std::shared_ptr<const ValueSet> s)
        : data(std::move(s))
    {}
    explicit Value(std::shared_ptr<const ValueRecord> r)
        : data(std::move(r))
    {}
};

// Quotes and escapes a string as Cedar writes it.
std::string quoteString(const std::string &s);

} // namespace paddock::cedar
