#include "policy/Lexer.h"

#include <algorithm>

namespace paddock::cedar {

namespace {
bool isIdentStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c)
{
    return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
void appendUtf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}
// Length of a valid UTF-8 sequence starting at s[i], or 0.
size_t utf8Length(std::string_view s, size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}
} // namespace

Lexer::Lexer(std::string_view source)
    : m_src(source)
{
    m_lineStarts.push_back(0);
    for (size_t i = 0; i < source.size(); ++i)
        if (source[i] == '\n')
            m_lineStarts.push_back(uint32_t(i + 1));
    run();
}

Span Lexer::spanAt(size_t offset, size_t length) const
{
    Span s;
    s.offset = uint32_t(offset);
    s.length = uint32_t(length);
    const auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), uint32_t(offset)) - 1;
    s.line = uint32_t(it - m_lineStarts.begin() + 1);
    uint32_t column = 1;
    for (size_t i = *it; i < offset; ++i)
        if ((static_cast<unsigned char>(m_src[i]) & 0xC0) != 0x80)
            ++column;
    s.column = column;
    return s;
}

void Lexer::run()
{
    using K = Token::Kind;
    const std::string_view s = m_src;
    size_t i = 0;
    auto push = [&](K kind, size_t start, size_t len) {
        tokens.push_back(Token{kind, s.substr(start, len), spanAt(start, len)});
    };
    auto error = [&](size_t start, size_t len, std::string message, std::string help = {}) {
        diagnostics.push_back(
            Diagnostic{Diagnostic::Severity::Error, spanAt(start, len), std::move(message), std::move(help)});
    };
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
            size_t end = s.find('\n', i);
            if (end == std::string_view::npos)
                end = s.size();
            comments.push_back(Comment{spanAt(i, end - i), s.substr(i, end - i)});
            i = end;
            continue;
        }
        const size_t start = i;
        if (isIdentStart(c)) {
            while (i < s.size() && isIdentChar(s[i]))
                ++i;
            push(K::Ident, start, i - start);
            continue;
        }
        if (isDigit(c)) {
            while (i < s.size() && isDigit(s[i]))
                ++i;
            if (i < s.size() && isIdentStart(s[i])) {
                while (i < s.size() && isIdentChar(s[i]))
                    ++i;
                error(start, i - start, "invalid number `" + std::string(s.substr(start, i - start)) + "`");
                push(K::Invalid, start, i - start);
                continue;
            }
            push(K::Integer, start, i - start);
            continue;
        }
        if (c == '"') {
            ++i;
            bool closed = false;
            while (i < s.size()) {
                if (s[i] == '\\' && i + 1 < s.size()) {
                    i += 2;
                    continue;
                }
                if (s[i] == '"') {
                    closed = true;
                    break;
                }
                const size_t n = utf8Length(s, i);
                if (n == 0) {
                    error(i, 1, "invalid UTF-8 in a string");
                    ++i;
                    continue;
                }
                i += n;
            }
            if (!closed) {
                error(start, s.size() - start, "unterminated string", "add the closing `\"`");
                push(K::Invalid, start, s.size() - start);
                break;
            }
            ++i;
            push(K::String, start + 1, i - start - 2);
            tokens.back().span = spanAt(start, i - start);
            continue;
        }
        auto two = [&](char next) { return i + 1 < s.size() && s[i + 1] == next; };
        K kind = K::Invalid;
        size_t len = 1;
        switch (c) {
        case '(':
            kind = K::LParen;
            break;
        case ')':
            kind = K::RParen;
            break;
        case '{':
            kind = K::LBrace;
            break;
        case '}':
            kind = K::RBrace;
            break;
        case '[':
            kind = K::LBracket;
            break;
        case ']':
            kind = K::RBracket;
            break;
        case ',':
            kind = K::Comma;
            break;
        case ';':
            kind = K::Semicolon;
            break;
        case '.':
            kind = K::Dot;
            break;
        case '@':
            kind = K::At;
            break;
        case '?':
            kind = K::Question;
            break;
        case '+':
            kind = K::Plus;
            break;
        case '-':
            kind = K::Minus;
            break;
        case '*':
            kind = K::Star;
            break;
        case ':':
            if (two(':')) {
                kind = K::PathSep;
                len = 2;
            } else {
                kind = K::Colon;
            }
            break;
        case '=':
            if (two('=')) {
                kind = K::Eq;
                len = 2;
            } else {
                kind = K::Assign;
            }
            break;
        case '!':
            if (two('=')) {
                kind = K::NotEq;
                len = 2;
            } else {
                kind = K::Not;
            }
            break;
        case '<':
            if (two('=')) {
                kind = K::LessEq;
                len = 2;
            } else {
                kind = K::Less;
            }
            break;
        case '>':
            if (two('=')) {
                kind = K::GreaterEq;
                len = 2;
            } else {
                kind = K::Greater;
            }
            break;
        case '&':
            if (two('&')) {
                kind = K::And;
                len = 2;
            }
            break;
        case '|':
            if (two('|')) {
                kind = K::Or;
                len = 2;
            }
            break;
        default:
            break;
        }
        if (kind == K::Invalid) {
            const size_t n = std::max<size_t>(1, utf8Length(s, i));
            std::string help;
            if (c == '&')
                help = "Cedar's and is `&&`";
            else if (c == '|')
                help = "Cedar's or is `||`";
            else if (c == '\'')
                help = "Cedar strings use double quotes";
            error(i, n, "unexpected character `" + std::string(s.substr(i, n)) + "`", help);
            len = n;
        }
        push(kind, i, len);
        i += len;
    }
    tokens.push_back(Token{K::End, s.substr(s.size()), spanAt(s.size(), 0)});
}

const char *Lexer::describe(Token::Kind kind)
{
    using K = Token::Kind;
    switch (kind) {
    case K::End:
        return "end of input";
    case K::Ident:
        return "identifier";
    case K::String:
        return "string";
    case K::Integer:
        return "integer";
    case K::LParen:
        return "`(`";
    case K::RParen:
        return "`)`";
    case K::LBrace:
        return "`{`";
    case K::RBrace:
        return "`}`";
    case K::LBracket:
        return "`[`";
    case K::RBracket:
        return "`]`";
    case K::Comma:
        return "`,`";
    case K::Semicolon:
        return "`;`";
    case K::Dot:
        return "`.`";
    case K::PathSep:
        return "`::`";
    case K::At:
        return "`@`";
    case K::Question:
        return "`?`";
    case K::Colon:
        return "`:`";
    case K::Eq:
        return "`==`";
    case K::NotEq:
        return "`!=`";
    case K::Less:
        return "`<`";
    case K::LessEq:
        return "`<=`";
    case K::Greater:
        return "`>`";
    case K::GreaterEq:
        return "`>=`";
    case K::And:
        return "`&&`";
    case K::Or:
        return "`||`";
    case K::Not:
        return "`!`";
    case K::Plus:
        return "`+`";
    case K::Minus:
        return "`-`";
    case K::Star:
        return "`*`";
    case K::Assign:
        return "`=`";
    case K::Invalid:
        return "invalid token";
    }
    return "?";
}

bool unescape(std::string_view raw, std::string &out, std::string &error, bool pattern)
{
    out.clear();
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= raw.size()) {
            error = "a string cannot end with a lone `\\`";
            return false;
        }
        switch (raw[i]) {
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case '\\':
            out += '\\';
            break;
        case '0':
            out += '\0';
            break;
        case '\'':
            out += '\'';
            break;
        case '"':
            out += '"';
            break;
        case '*':
            if (!pattern) {
                error = "invalid escape `\\*` (only allowed in `like` patterns)";
                return false;
            }
            out += "\\*";
            break;
        case 'x': {
            // Rust's ASCII escape: exactly two hex digits, at most 0x7F.
            auto hex = [](char h) {
                return (h >= '0' && h <= '9')   ? h - '0'
                       : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                       : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                : -1;
            };
            if (i + 2 >= raw.size() || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) {
                error = "invalid escape `\\x`: expected two hex digits";
                return false;
            }
            const int v = hex(raw[i + 1]) * 16 + hex(raw[i + 2]);
            if (v > 0x7F) {
                error = "invalid escape `\\x`: at most \\x7F";
                return false;
            }
            out += static_cast<char>(v);
            i += 2;
            break;
        }
        case 'u': {
            if (i + 1 >= raw.size() || raw[i + 1] != '{') {
                error = "invalid unicode escape: expected `\\u{...}`";
                return false;
            }
            const size_t close = raw.find('}', i + 2);
            if (close == std::string_view::npos || close == i + 2 || close - (i + 2) > 6) {
                error = "invalid unicode escape: expected 1 to 6 hex digits in `\\u{...}`";
                return false;
            }
            uint32_t cp = 0;
            for (size_t k = i + 2; k < close; ++k) {
                const char h = raw[k];
                const int d = (h >= '0' && h <= '9')   ? h - '0'
                              : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                              : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                       : -1;
                if (d < 0) {
                    error = "invalid unicode escape: `" + std::string(1, h) + "` is not a hex digit";
                    return false;
                }
                cp = cp * 16 + uint32_t(d);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                error = "invalid unicode escape: not a Unicode scalar value";
                return false;
            }
            appendUtf8(out, cp);
            i = close;
            break;
        }
        default:
            error = "invalid escape `\\" + std::string(1, raw[i]) + "`";
            return false;
        }
    }
    return true;
}

} // namespace paddock::cedar
