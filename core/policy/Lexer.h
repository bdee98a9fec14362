#pragma once

#include "policy/Source.h"

#include <string>
#include <string_view>
#include <vector>

namespace paddock::cedar {

struct Token
{
    enum class Kind : uint8_t {
        End,
        Ident,
        String,  // text holds the raw source between the quotes (escapes not yet applied)
        Integer, // text holds the digits
        LParen,
        RParen,
        LBrace,
        RBrace,
        LBracket,
        RBracket,
        Comma,
        Semicolon,
        Dot,
        PathSep, // ::
        At,
        Question,
        Colon,
        Eq,    // ==
        NotEq, // !=
        Less,
        LessEq,
        Greater,
        GreaterEq,
        And, // &&
        Or,  // ||
        Not, // !
        Plus,
        Minus,
        Star,
        Assign, // = (only to say that == was meant)
        Invalid,
    };
    Kind kind = Kind::End;
    std::string_view text;
    Span span;
};

struct Comment
{
    Span span;
    std::string_view text; // including the leading //
};

// Splits Cedar source (policies or schemas) into tokens, keeping comments aside for the formatter.
class Lexer
{
public:
    explicit Lexer(std::string_view source);

    std::vector<Token> tokens;
    std::vector<Comment> comments;
    Diagnostics diagnostics;

    static const char *describe(Token::Kind kind);

private:
    void run();
    Span spanAt(size_t offset, size_t length) const;

    std::string_view m_src;
    std::vector<uint32_t> m_lineStarts;
};

// Applies Cedar's string escapes (\n \r \t \\ \0 \' \" \u{...}); with `pattern`, `\*` is kept as
// an escaped star for `like`. Returns false and an explanation when an escape is invalid.
bool unescape(std::string_view raw, std::string &out, std::string &error, bool pattern = false);

} // namespace paddock::cedar
