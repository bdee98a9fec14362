#include "policy/Value.h"

#include <algorithm>
#include <cstdio>

namespace paddock::cedar {

std::string quoteString(const std::string &s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\0':
            out += "\\0";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[12];
                std::snprintf(buf, sizeof buf, "\\u{%x}", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + '"';
}

std::string EntityUid::toString() const
{
    return type + "::" + quoteString(id);
}

Value Value::set(ValueSet elements)
{
    ValueSet unique;
    unique.reserve(elements.size());
    for (Value &v : elements)
        if (std::find(unique.begin(), unique.end(), v) == unique.end())
            unique.push_back(std::move(v));
    return Value(std::make_shared<const ValueSet>(std::move(unique)));
}

bool Value::operator==(const Value &other) const
{
    if (data.index() != other.data.index())
        return false;
    switch (kind()) {
    case Kind::Set: {
        const ValueSet &a = asSet(), &b = other.asSet();
        if (a.size() != b.size())
            return false; // both hold no duplicates
        for (const Value &v : a)
            if (std::find(b.begin(), b.end(), v) == b.end())
                return false;
        return true;
    }
    case Kind::Record: {
        const ValueRecord &a = asRecord(), &b = other.asRecord();
        return a == b;
    }
    default:
        return data == other.data;
    }
}

const char *Value::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Bool:
        return "bool";
    case Kind::Long:
        return "long";
    case Kind::String:
        return "string";
    case Kind::Entity:
        return "entity";
    case Kind::Set:
        return "set";
    case Kind::Record:
        return "record";
    case Kind::Ip:
        return "ipaddr";
    case Kind::Decimal:
        return "decimal";
    case Kind::Datetime:
        return "datetime";
    case Kind::Duration:
        return "duration";
    }
    return "?";
}

std::string Value::toString() const
{
    switch (kind()) {
    case Kind::Bool:
        return asBool() ? "true" : "false";
    case Kind::Long:
        return std::to_string(asLong());
    case Kind::String:
        return quoteString(asString());
    case Kind::Entity:
        return asEntity().toString();
    case Kind::Set: {
        std::string out = "[";
        for (const Value &v : asSet())
            out += (out.size() > 1 ? ", " : "") + v.toString();
        return out + "]";
    }
    case Kind::Record: {
        std::string out = "{";
        for (const auto &[k, v] : asRecord())
            out += (out.size() > 1 ? ", " : "") + quoteString(k) + ": " + v.toString();
        return out + "}";
    }
    case Kind::Ip:
        return "ip(" + quoteString(std::get<IpAddr>(data).toString()) + ")";
    case Kind::Decimal:
        return "decimal(" + quoteString(std::get<Decimal>(data).toString()) + ")";
    case Kind::Datetime:
        return "datetime(" + quoteString(std::get<Datetime>(data).toString()) + ")";
    case Kind::Duration:
        return "duration(" + quoteString(std::get<Duration>(data).toString()) + ")";
    }
    return {};
}

} // namespace paddock::cedar
