#include "policy/Formatter.h"

#include "policy/Lexer.h"
#include "policy/Parser.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace paddock::cedar {

namespace {

using K = Token::Kind;

constexpr int LineWidth = 80;
constexpr int IndentWidth = 2;

// ---------------------------------------------------------------------------------------------
// Layout documents (Wadler's "prettier printer"): a group is printed on one line when it fits,
// otherwise its line breaks are taken. Comments force the groups around them to break.

struct Doc
{
    enum class Kind : uint8_t {
        Text,
        Line,      // a space, or a line break
        SoftLine,  // nothing, or a line break
        HardLine,  // always a line break
        BlankLine, // an empty line (between policies)
        LeadingComment,
        TrailingComment,
        Concat,
        Nest,
        Group,
    };
    Kind kind = Kind::Concat;
    std::string text;
    int indent = 0;
    std::vector<Doc> parts;

    static Doc make(Kind kind, std::string text = {})
    {
        Doc d;
        d.kind = kind;
        d.text = std::move(text);
        return d;
    }

    bool isComment() const { return kind == Kind::LeadingComment || kind == Kind::TrailingComment; }

    // Appends, making this a concatenation first.
    Doc &operator+=(Doc other)
    {
        if (kind != Kind::Concat) {
            Doc self = std::move(*this);
            *this = Doc();
            parts.push_back(std::move(self));
        }
        if (other.kind == Kind::Concat) {
            for (Doc &p : other.parts)
                parts.push_back(std::move(p));
        } else {
            parts.push_back(std::move(other));
        }
        return *this;
    }
};

Doc text(std::string s)
{
    return Doc::make(Doc::Kind::Text, std::move(s));
}
Doc line()
{
    return Doc::make(Doc::Kind::Line);
}
Doc softLine()
{
    return Doc::make(Doc::Kind::SoftLine);
}
Doc hardLine()
{
    return Doc::make(Doc::Kind::HardLine);
}
Doc blankLine()
{
    return Doc::make(Doc::Kind::BlankLine);
}
Doc nest(int indent, Doc d)
{
    Doc n = Doc::make(Doc::Kind::Nest);
    n.indent = indent;
    n.parts.push_back(std::move(d));
    return n;
}

// Moves the comments at the very start of `d` (looking into concatenations and groups, not into
// nests, whose indentation they keep) to `out`.
void takeLeadingComments(Doc &d, std::vector<Doc> &out)
{
    if (d.kind != Doc::Kind::Concat && d.kind != Doc::Kind::Group)
        return;
    while (!d.parts.empty()) {
        Doc &first = d.parts.front();
        if (first.isComment()) {
            out.push_back(std::move(first));
            d.parts.erase(d.parts.begin());
            continue;
        }
        if (first.kind == Doc::Kind::Concat || first.kind == Doc::Kind::Group) {
            takeLeadingComments(first, out);
            if (first.parts.empty()) {
                d.parts.erase(d.parts.begin());
                continue;
            }
        }
        break;
    }
}

// A comment before the first token of a group belongs before the group: it should not force the
// group onto several lines.
Doc group(Doc d)
{
    std::vector<Doc> comments;
    takeLeadingComments(d, comments);
    Doc g = Doc::make(Doc::Kind::Group);
    g.parts.push_back(std::move(d));
    if (comments.empty())
        return g;
    Doc out;
    for (Doc &c : comments)
        out.parts.push_back(std::move(c));
    out.parts.push_back(std::move(g));
    return out;
}

int displayWidth(std::string_view s)
{
    int n = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    return n;
}

class Renderer
{
public:
    std::string run(const Doc &root)
    {
        m_stack.push_back(Cmd{0, false, &root});
        while (!m_stack.empty()) {
            const Cmd c = m_stack.back();
            m_stack.pop_back();
            const Doc &d = *c.doc;
            switch (d.kind) {
            case Doc::Kind::Text:
                write(d.text, c.indent);
                break;
            case Doc::Kind::Line:
            case Doc::Kind::SoftLine:
                if (c.flat && !m_pendingBreak) {
                    if (d.kind == Doc::Kind::Line && !m_atLineStart) {
                        m_out += ' ';
                        ++m_col;
                    }
                } else {
                    breakLine();
                }
                break;
            case Doc::Kind::HardLine:
                breakLine();
                break;
            case Doc::Kind::BlankLine:
                breakLine();
                if (!m_out.empty() && !m_out.ends_with("\n\n")) {
                    m_out += '\n';
                    m_prevLineHasComment = false;
                }
                break;
            case Doc::Kind::LeadingComment:
                leadingComment(d.text, c.indent);
                break;
            case Doc::Kind::TrailingComment:
                trailingComment(d.text, c.indent);
                break;
            case Doc::Kind::Concat:
                for (auto it = d.parts.rbegin(); it != d.parts.rend(); ++it)
                    m_stack.push_back(Cmd{c.indent, c.flat, &*it});
                break;
            case Doc::Kind::Nest:
                if (!d.parts.empty())
                    m_stack.push_back(Cmd{c.indent + d.indent, c.flat, &d.parts.front()});
                break;
            case Doc::Kind::Group: {
                if (d.parts.empty())
                    break;
                bool flat = c.flat;
                if (!flat) {
                    const int start = (m_atLineStart || m_pendingBreak) ? c.indent : m_col;
                    flat = fits(LineWidth - start, Cmd{c.indent, true, &d.parts.front()});
                }
                m_stack.push_back(Cmd{c.indent, flat, &d.parts.front()});
                break;
            }
            }
        }
        if (!m_out.empty() && !m_atLineStart)
            breakLine();
        return std::move(m_out);
    }

private:
    struct Cmd
    {
        int indent;
        bool flat;
        const Doc *doc;
    };

    // Whether `first` in flat mode, then what follows it up to the next line break, fits in
    // `width` columns.
    bool fits(int width, Cmd first) const
    {
        std::vector<Cmd> local{first};
        size_t rest = m_stack.size();
        while (width >= 0) {
            if (local.empty()) {
                if (rest == 0)
                    return true;
                local.push_back(m_stack[--rest]);
            }
            const Cmd c = local.back();
            local.pop_back();
            const Doc &d = *c.doc;
            switch (d.kind) {
            case Doc::Kind::Text: {
                const size_t nl = d.text.find('\n');
                width -= displayWidth(std::string_view(d.text).substr(0, nl));
                if (nl != std::string::npos)
                    return width >= 0;
                break;
            }
            case Doc::Kind::Line:
                if (!c.flat)
                    return true;
                width -= 1;
                break;
            case Doc::Kind::SoftLine:
                if (!c.flat)
                    return true;
                break;
            case Doc::Kind::HardLine:
            case Doc::Kind::BlankLine:
            case Doc::Kind::LeadingComment:
            case Doc::Kind::TrailingComment:
                // A line comment ends its line: a group holding one cannot be flat.
                return !c.flat;
            case Doc::Kind::Concat:
                for (auto it = d.parts.rbegin(); it != d.parts.rend(); ++it)
                    local.push_back(Cmd{c.indent, c.flat, &*it});
                break;
            case Doc::Kind::Nest:
            case Doc::Kind::Group:
                if (!d.parts.empty())
                    local.push_back(Cmd{c.indent, c.flat, &d.parts.front()});
                break;
            }
        }
        return false;
    }

    void breakLine()
    {
        if (m_atLineStart) {
            m_pendingBreak = false;
            return;
        }
        while (!m_out.empty() && m_out.back() == ' ')
            m_out.pop_back();
        m_out += '\n';
        m_atLineStart = true;
        m_pendingBreak = false;
        m_col = 0;
        m_prevLineHasComment = m_lineHasComment;
        m_lineHasComment = false;
    }

    void write(std::string_view s, int indent)
    {
        if (m_pendingBreak)
            breakLine();
        if (m_atLineStart) {
            while (!s.empty() && s.front() == ' ')
                s.remove_prefix(1);
            if (s.empty())
                return;
            m_out.append(size_t(indent), ' ');
            m_col = indent;
            m_atLineStart = false;
        }
        m_out += s;
        const size_t nl = s.rfind('\n'); // a string literal may hold line breaks
        m_col = nl == std::string_view::npos ? m_col + displayWidth(s) : displayWidth(s.substr(nl + 1));
    }

    void leadingComment(const std::string &comment, int indent)
    {
        breakLine();
        write(comment, indent);
        m_lineHasComment = true;
        m_pendingBreak = true;
    }

    // At the end of the current line, or of the previous one when a line break was just taken.
    void trailingComment(const std::string &comment, int indent)
    {
        if (m_lineHasComment) { // after another comment it would become part of that one
            leadingComment(comment, indent);
            return;
        }
        if (!m_atLineStart) {
            while (!m_out.empty() && m_out.back() == ' ')
                m_out.pop_back();
            m_out += ' ' + comment;
            m_lineHasComment = true;
            m_pendingBreak = true;
            return;
        }
        if (!m_out.empty() && !m_out.ends_with("\n\n") && !m_prevLineHasComment) {
            m_out.insert(m_out.size() - 1, ' ' + comment);
            m_prevLineHasComment = true;
            return;
        }
        leadingComment(comment, indent);
    }

    std::vector<Cmd> m_stack;
    std::string m_out;
    int m_col = 0;
    bool m_atLineStart = true;
    bool m_pendingBreak = false; // a line comment was written: the next text starts a new line
    bool m_lineHasComment = false;
    bool m_prevLineHasComment = false;
};

// ---------------------------------------------------------------------------------------------
// Structural equality, for `has` chains and for the final check that formatting kept the meaning.

bool sameExpr(const Expr &a, const Expr &b)
{
    std::vector<std::pair<const Expr *, const Expr *>> work{{&a, &b}};
    while (!work.empty()) {
        const auto [x, y] = work.back();
        work.pop_back();
        if (x->op != y->op || x->var != y->var || x->slot != y->slot || x->fn != y->fn ||
            x->name != y->name || x->keys != y->keys || x->args.size() != y->args.size() ||
            x->pattern.size() != y->pattern.size() || x->value.kind() != y->value.kind() ||
            !(x->value == y->value))
            return false;
        for (size_t i = 0; i < x->pattern.size(); ++i)
            if (x->pattern[i].wildcard != y->pattern[i].wildcard || x->pattern[i].text != y->pattern[i].text)
                return false;
        for (size_t i = 0; i < x->args.size(); ++i)
            work.emplace_back(x->args[i].get(), y->args[i].get());
    }
    return true;
}

bool sameScope(const ScopeConstraint &a, const ScopeConstraint &b)
{
    return a.kind == b.kind && a.entities == b.entities && a.entityType == b.entityType && a.slot == b.slot;
}

bool samePolicies(const std::vector<Policy> &a, const std::vector<Policy> &b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const Policy &p = a[i], &q = b[i];
        if (p.id != q.id || p.effect != q.effect || !sameScope(p.principal, q.principal) ||
            !sameScope(p.action, q.action) || !sameScope(p.resource, q.resource) ||
            p.annotations.size() != q.annotations.size() || p.conditions.size() != q.conditions.size())
            return false;
        for (size_t k = 0; k < p.annotations.size(); ++k)
            if (p.annotations[k].key != q.annotations[k].key ||
                p.annotations[k].value != q.annotations[k].value)
                return false;
        for (size_t k = 0; k < p.conditions.size(); ++k)
            if (p.conditions[k].when != q.conditions[k].when ||
                !sameExpr(*p.conditions[k].expr, *q.conditions[k].expr))
                return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// From the AST (and the tokens and comments of its source) to a layout document.

// Binding strength, loosest first, after the grammar: Expr, Or, And, Relation, Add, Mult, Unary,
// Member, Primary.
enum Prec : uint8_t { PIf, POr, PAnd, PRel, PAdd, PMul, PUnary, PMember, PPrimary };

bool isFunctionCall(const Expr &e)
{
    return e.op == Expr::Op::Call && (e.fn == ExtFn::Ip || e.fn == ExtFn::Decimal ||
                                      e.fn == ExtFn::Datetime || e.fn == ExtFn::Duration);
}

bool isMember(const Expr &e)
{
    switch (e.op) {
    case Expr::Op::GetAttr:
    case Expr::Op::Contains:
    case Expr::Op::ContainsAll:
    case Expr::Op::ContainsAny:
    case Expr::Op::IsEmpty:
    case Expr::Op::GetTag:
    case Expr::Op::HasTag:
        return true;
    case Expr::Op::Call:
        return !isFunctionCall(e);
    default:
        return false;
    }
}

bool isIdentifier(std::string_view s)
{
    if (s.empty() || isReservedWord(s))
        return false;
    auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (!start(s.front()))
        return false;
    return std::all_of(s.begin() + 1, s.end(), [&](char c) { return start(c) || (c >= '0' && c <= '9'); });
}

std::vector<std::string> splitPath(const std::string &path)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        const size_t sep = path.find("::", start);
        parts.push_back(path.substr(start, sep - start));
        if (sep == std::string::npos)
            return parts;
        start = sep + 2;
    }
}

// The parts of a `like` pattern as the parser splits them (see Parser.cpp, likeExpr).
bool patternOf(std::string_view raw, std::vector<PatternPart> &parts)
{
    std::string piece, text, error;
    auto flush = [&](bool wildcard) {
        if (!piece.empty()) {
            if (!unescape(piece, text, error))
                return false;
            parts.push_back(PatternPart{false, text});
            piece.clear();
        }
        if (wildcard)
            parts.push_back(PatternPart{true, {}});
        return true;
    };
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            if (raw[i + 1] == '*') {
                if (!flush(false))
                    return false;
                parts.push_back(PatternPart{false, "*"});
            } else {
                piece += raw[i];
                piece += raw[i + 1];
            }
            ++i;
        } else if (raw[i] == '*') {
            if (!flush(true))
                return false;
        } else {
            piece += raw[i];
        }
    }
    return flush(false);
}

std::string patternText(const std::vector<PatternPart> &parts)
{
    std::string out = "\"";
    for (const PatternPart &p : parts) {
        if (p.wildcard) {
            out += '*';
            continue;
        }
        const std::string quoted = quoteString(p.text);
        for (const char c : std::string_view(quoted).substr(1, quoted.size() - 2)) {
            if (c == '*')
                out += '\\';
            out += c;
        }
    }
    return out + '"';
}

struct CommentInfo
{
    uint32_t offset = 0;
    uint32_t end = 0;
    std::string text;
    bool trailing = false;    // on the line of the code before it
    bool blankBefore = false; // an empty line separates it from what precedes it
    bool blankAfter = false;  // ... from what follows it
};

class Builder
{
public:
    Builder(std::string_view source, const std::vector<Token> &tokens, const std::vector<Comment> &comments)
        : m_src(source)
        , m_t(tokens)
    {
        // Matching parentheses, to recognise the grouping ones around an expression.
        m_match.assign(m_t.size(), 0);
        std::vector<size_t> open;
        for (size_t i = 0; i < m_t.size(); ++i) {
            if (m_t[i].kind == K::LParen) {
                open.push_back(i);
            } else if (m_t[i].kind == K::RParen && !open.empty()) {
                m_match[open.back()] = i;
                m_match[i] = open.back();
                open.pop_back();
            }
        }
        auto newlines = [&](uint32_t from, uint32_t to) {
            return from >= to ? 0 : std::count(m_src.begin() + from, m_src.begin() + to, '\n');
        };
        uint32_t prevEnd = 0;
        for (size_t i = 0; i < comments.size(); ++i) {
            const Comment &c = comments[i];
            CommentInfo info;
            info.offset = c.span.offset;
            info.end = c.span.offset + c.span.length;
            std::string_view t = c.text;
            while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r'))
                t.remove_suffix(1);
            info.text = std::string(t);
            const size_t next = tokenAt(info.offset);
            if (next > 0) {
                const Token &before = m_t[next - 1];
                info.trailing = newlines(before.span.offset + before.span.length, info.offset) == 0;
                prevEnd = std::max(prevEnd, before.span.offset + before.span.length);
            }
            info.blankBefore = newlines(prevEnd, info.offset) >= 2;
            uint32_t following = m_t[next].span.offset;
            if (i + 1 < comments.size())
                following = std::min(following, comments[i + 1].span.offset);
            info.blankAfter = newlines(info.end, following) >= 2;
            prevEnd = info.end;
            m_comments.push_back(std::move(info));
        }
    }

    Doc file(const std::vector<Policy> &policies)
    {
        Doc d;
        for (size_t i = 0; i < policies.size(); ++i) {
            const Policy &p = policies[i];
            if (i > 0)
                d += blankLine();
            bool first = true;
            while (m_next < m_comments.size() && m_comments[m_next].offset < p.span.offset) {
                const CommentInfo &c = m_comments[m_next++];
                if (!first && c.blankBefore)
                    d += blankLine();
                d += Doc::make(Doc::Kind::LeadingComment, c.text);
                first = false;
                const bool last = m_next == m_comments.size() || m_comments[m_next].offset >= p.span.offset;
                if (last && c.blankAfter)
                    d += blankLine();
            }
            d += policy(p);
            const bool lastPolicy = i + 1 == policies.size();
            if (m_next < m_comments.size() && m_comments[m_next].trailing &&
                (lastPolicy || m_comments[m_next].offset < policies[i + 1].span.offset))
                d += Doc::make(Doc::Kind::TrailingComment, m_comments[m_next++].text);
        }
        // Comments after the last policy (or in a file without policies).
        while (m_next < m_comments.size()) {
            const CommentInfo &c = m_comments[m_next++];
            if (c.blankBefore)
                d += blankLine();
            d += Doc::make(Doc::Kind::LeadingComment, c.text);
        }
        return d;
    }

private:
    // Where the comments before a token go: before it, or (for operators, `,` and `;`) after it,
    // with the next token, so that `a // why\n&& b` becomes `a && // why\nb`.
    enum class Place : uint8_t { Before, After };

    // ---- tokens and comments

    // The index of the first token at or after `offset`.
    size_t tokenAt(uint32_t offset) const
    {
        const auto it = std::lower_bound(m_t.begin(), m_t.end(), offset,
                                         [](const Token &t, uint32_t o) { return t.span.offset < o; });
        return std::min(size_t(it - m_t.begin()), m_t.size() - 1);
    }

    // Moves the cursor to the first token of a node (never backwards: the parser's expansion of
    // `has a.b` repeats nodes with their original spans).
    void sync(uint32_t offset) { m_cursor = std::max(m_cursor, tokenAt(offset)); }

    static bool skippable(K kind) { return kind == K::LParen || kind == K::RParen || kind == K::Comma; }

    // The next token of the source, past parentheses that are printed or dropped separately and
    // trailing commas.
    size_t peek() const
    {
        size_t i = m_cursor;
        while (i + 1 < m_t.size() && skippable(m_t[i].kind))
            ++i;
        return i;
    }

    std::optional<size_t> find(K kind, std::string_view word) const
    {
        for (size_t i = m_cursor; i < m_t.size(); ++i) {
            const Token &t = m_t[i];
            if (t.kind == kind && (kind != K::Ident || t.text == word))
                return i;
            if (!skippable(t.kind))
                return std::nullopt;
        }
        return std::nullopt;
    }

    void commentsBefore(uint32_t offset, Doc &into)
    {
        while (m_next < m_comments.size() && m_comments[m_next].offset < offset) {
            const CommentInfo &c = m_comments[m_next++];
            into += Doc::make(c.trailing ? Doc::Kind::TrailingComment : Doc::Kind::LeadingComment, c.text);
        }
    }

    // The source token at `index`, exactly as written, with the comments before it.
    Doc source(size_t index, Place place = Place::Before)
    {
        const Token &t = m_t[index];
        Doc d;
        if (place == Place::Before) // After: they stay queued for the next token
            commentsBefore(t.span.offset, d);
        d += text(std::string(m_src.substr(t.span.offset, t.span.length)));
        m_cursor = std::max(m_cursor, index + 1);
        return d;
    }

    // A token the printer needs: the source's, or a new one if the source has none there.
    Doc tok(K kind, std::string_view word, Place place = Place::Before)
    {
        if (const auto i = find(kind, word))
            return source(*i, place);
        return text(std::string(word));
    }

    // Puts the comments before the next `kind` token inside a bracket's indented part.
    void commentsBeforeClose(K kind, Doc &inner)
    {
        if (const auto i = find(kind, {}))
            commentsBefore(m_t[*i].span.offset, inner);
    }

    // ---- policies

    Doc policy(const Policy &p)
    {
        Doc d;
        sync(p.span.offset);
        for (const Annotation &a : p.annotations) {
            d += tok(K::At, "@");
            d += tok(K::Ident, a.key);
            d += annotationValue(a);
            d += hardLine();
        }
        d += tok(K::Ident, p.effect == Effect::Permit ? "permit" : "forbid");
        d += text(" ");
        Doc scope;
        scope += tok(K::LParen, "(");
        Doc inner;
        inner += softLine();
        inner += scopeElement(p.principal, "principal");
        inner += tok(K::Comma, ",", Place::After);
        inner += line();
        inner += scopeElement(p.action, "action");
        inner += tok(K::Comma, ",", Place::After);
        inner += line();
        inner += scopeElement(p.resource, "resource");
        commentsBeforeClose(K::RParen, inner);
        scope += nest(IndentWidth, std::move(inner));
        scope += softLine();
        scope += tok(K::RParen, ")");
        d += group(std::move(scope));
        for (const Condition &c : p.conditions) {
            d += hardLine();
            d += condition(c);
        }
        // The comments before the `;` are placed with those after it, between the policies.
        d += tok(K::Semicolon, ";", Place::After);
        return d;
    }

    Doc annotationValue(const Annotation &a)
    {
        const size_t i = m_cursor;
        std::string value, error;
        if (i + 2 < m_t.size() && m_t[i].kind == K::LParen && m_t[i + 1].kind == K::String &&
            m_t[i + 2].kind == K::RParen && unescape(m_t[i + 1].text, value, error) && value == a.value) {
            Doc d;
            d += source(i);
            d += source(i + 1);
            d += source(i + 2);
            return d;
        }
        if (a.value.empty())
            return {};
        return text("(" + quoteString(a.value) + ")");
    }

    Doc scopeElement(const ScopeConstraint &c, const char *var)
    {
        sync(c.span.offset);
        Doc d;
        d += tok(K::Ident, var);
        using SK = ScopeConstraint::Kind;
        switch (c.kind) {
        case SK::Any:
            break;
        case SK::Eq:
            d += text(" ");
            d += tok(K::Eq, "==");
            d += text(" ");
            d += entityOrSlot(c);
            break;
        case SK::In:
            d += text(" ");
            d += tok(K::Ident, "in");
            d += text(" ");
            if (c.slot || (m_t[peek()].kind != K::LBracket && c.entities.size() == 1)) {
                d += entityOrSlot(c);
            } else {
                d += list(K::LBracket, "[", K::RBracket, "]", c.entities.size(),
                          [&](size_t k) { return entity(c.entities[k]); });
            }
            break;
        case SK::Is:
        case SK::IsIn:
            d += text(" ");
            d += tok(K::Ident, "is");
            d += text(" ");
            d += path(c.entityType);
            if (c.kind == SK::IsIn) {
                d += text(" ");
                d += tok(K::Ident, "in");
                d += text(" ");
                d += entityOrSlot(c);
            }
            break;
        }
        return d;
    }

    Doc entityOrSlot(const ScopeConstraint &c)
    {
        if (c.slot) {
            Doc d = tok(K::Question, "?");
            d += tok(K::Ident, *c.slot == SlotId::Principal ? "principal" : "resource");
            return d;
        }
        return c.entities.empty() ? Doc{} : entity(c.entities.front());
    }

    Doc condition(const Condition &c)
    {
        sync(c.span.offset);
        Doc d;
        d += tok(K::Ident, c.when ? "when" : "unless");
        d += text(" ");
        d += tok(K::LBrace, "{");
        Doc body;
        body += line();
        body += expr(*c.expr, PIf);
        commentsBeforeClose(K::RBrace, body);
        d += nest(IndentWidth, std::move(body));
        d += line();
        d += tok(K::RBrace, "}");
        return group(std::move(d));
    }

    // `open` elements separated by `,` `close`: on one line, or one element per line.
    template <typename Element>
    Doc list(K open, std::string_view openText, K close, std::string_view closeText, size_t count,
             Element element)
    {
        Doc d;
        d += tok(open, openText);
        Doc inner;
        if (count > 0)
            inner += softLine();
        for (size_t i = 0; i < count; ++i) {
            if (i > 0) {
                inner += tok(K::Comma, ",", Place::After);
                inner += line();
            }
            inner += group(element(i));
        }
        commentsBeforeClose(close, inner);
        d += nest(IndentWidth, std::move(inner));
        d += softLine();
        d += tok(close, closeText);
        return group(std::move(d));
    }

    // `A::B::"id"`, token by token when the source has it.
    Doc entity(const EntityUid &uid)
    {
        const std::vector<std::string> parts = splitPath(uid.type);
        size_t i = peek();
        std::vector<size_t> indexes;
        bool ok = true;
        for (const std::string &part : parts) {
            if (i + 1 >= m_t.size() || m_t[i].kind != K::Ident || m_t[i].text != part ||
                m_t[i + 1].kind != K::PathSep) {
                ok = false;
                break;
            }
            indexes.push_back(i++);
            indexes.push_back(i++);
        }
        std::string id, error;
        if (ok && m_t[i].kind == K::String && unescape(m_t[i].text, id, error) && id == uid.id) {
            indexes.push_back(i);
            Doc d;
            for (const size_t k : indexes)
                d += source(k);
            return d;
        }
        return text(uid.toString());
    }

    Doc path(const std::string &type)
    {
        Doc d;
        const std::vector<std::string> parts = splitPath(type);
        for (size_t i = 0; i < parts.size(); ++i) {
            if (i > 0)
                d += tok(K::PathSep, "::");
            d += tok(K::Ident, parts[i]);
        }
        return d;
    }

    // An attribute name after `.`, `has` or as a record key: as written (identifier or string),
    // else an identifier when it is one.
    Doc attributeName(const std::string &name)
    {
        const size_t i = peek();
        const Token &t = m_t[i];
        std::string value, error;
        if ((t.kind == K::Ident && t.text == name && isIdentifier(name)) ||
            (t.kind == K::String && unescape(t.text, value, error) && value == name))
            return source(i);
        return text(isIdentifier(name) ? name : quoteString(name));
    }

    // ---- expressions

    // `e has a.b.c` as the parser expands it: `e has a && e.a has b && e.a.b has c`.
    struct HasChain
    {
        const Expr *base = nullptr;
        std::vector<const std::string *> names;
        const Expr *last = nullptr; // the last `has`
    };

    // Whether `e` is that expansion of one `has` written with a path. The parser's copies keep
    // the spans of what they copy, so a chain written out by hand (whose parts have spans of
    // their own) is not mistaken for one.
    static bool hasChain(const Expr &e, HasChain &out)
    {
        if (e.op == Expr::Op::Has) {
            if (!isIdentifier(e.name))
                return false;
            out.base = e.args[0].get();
            out.names = {&e.name};
            out.last = &e;
            return true;
        }
        if (e.op != Expr::Op::And)
            return false;
        const Expr &right = *e.args[1];
        if (right.op != Expr::Op::Has || right.args[0]->op != Expr::Op::GetAttr || !isIdentifier(right.name))
            return false;
        HasChain left;
        if (!hasChain(*e.args[0], left))
            return false;
        const Expr &get = *right.args[0];
        const Expr &previous = *left.last;
        if (get.span.offset != previous.span.offset || get.span.length != previous.span.length ||
            get.name != previous.name || !sameExpr(*get.args[0], *previous.args[0]))
            return false;
        out = std::move(left);
        out.names.push_back(&right.name);
        out.last = &right;
        return true;
    }

    static bool isHasPath(const Expr &e)
    {
        HasChain chain;
        return e.op == Expr::Op::And && hasChain(e, chain);
    }

    static Prec precedence(const Expr &e)
    {
        using Op = Expr::Op;
        switch (e.op) {
        case Op::If:
            return PIf;
        case Op::Or:
            return POr;
        case Op::And:
            return isHasPath(e) ? PRel : PAnd;
        case Op::Eq:
        case Op::NotEq:
        case Op::Less:
        case Op::LessEq:
        case Op::Greater:
        case Op::GreaterEq:
        case Op::In:
        case Op::Has:
        case Op::Like:
        case Op::Is:
        case Op::IsIn:
            return PRel;
        case Op::Add:
        case Op::Sub:
            return PAdd;
        case Op::Mul:
            return PMul;
        case Op::Not:
        case Op::Neg:
            return PUnary;
        default:
            return isMember(e) ? PMember : PPrimary;
        }
    }

    // The grouping parentheses around `e` in the source: the `(` of the outermost pair, or none.
    std::optional<size_t> sourceParens(const Expr &e) const
    {
        const size_t first = tokenAt(e.span.offset);
        const size_t after = tokenAt(e.span.offset + e.span.length);
        std::optional<size_t> found;
        for (size_t o = first; o > 0 && m_t[o - 1].kind == K::LParen; --o) {
            const size_t open = o - 1;
            // `f(` and `.m(` open arguments, not a group; `if (`, `in (` and the like do.
            if (open > 0 && m_t[open - 1].kind == K::Ident && !isReservedWord(m_t[open - 1].text))
                break;
            const size_t close = m_match[open];
            if (close < after) // it groups the first operand of `e`; an outer one may group `e`
                continue;
            bool onlyClosing = true;
            for (size_t k = after; k < close && onlyClosing; ++k)
                onlyClosing = m_t[k].kind == K::RParen;
            if (!onlyClosing)
                break;
            found = open;
        }
        return found;
    }

    // Which operand an expression is: that of `!` or `-` has more to watch.
    enum class Operand : uint8_t { Plain, OfNot, OfNeg };

    bool parenthesized(const Expr &e, int minPrec, Operand of = Operand::Plain) const
    {
        if (precedence(e) < minPrec || sourceParens(e))
            return true;
        if (of == Operand::Plain)
            return false;
        return 1 + unaryRun(e) > 4 || (of == Operand::OfNeg && startsWithDigit(e));
    }

    // How many `!` and `-` start `e` as printed; the parser takes at most 4 in a row.
    int unaryRun(const Expr &e) const
    {
        if (e.op == Expr::Op::Not || e.op == Expr::Op::Neg) {
            const Expr &a = *e.args[0];
            return 1 + (parenthesized(a, PUnary, e.op == Expr::Op::Not ? Operand::OfNot : Operand::OfNeg)
                            ? 0
                            : unaryRun(a));
        }
        if (e.op == Expr::Op::Literal && e.value.kind() == Value::Kind::Long)
            return e.value.asLong() < 0 ? 1 : 0;
        if (isMember(e) && !parenthesized(*e.args[0], PMember))
            return unaryRun(*e.args[0]);
        return 0;
    }

    // Whether `e` as printed starts with a digit: `-` before it would make a negative literal.
    bool startsWithDigit(const Expr &e) const
    {
        if (e.op == Expr::Op::Literal && e.value.kind() == Value::Kind::Long)
            return e.value.asLong() >= 0;
        if (isMember(e) && !parenthesized(*e.args[0], PMember))
            return startsWithDigit(*e.args[0]);
        return false;
    }

    Doc expr(const Expr &e, int minPrec, Operand of = Operand::Plain)
    {
        if (!parenthesized(e, minPrec, of))
            return bare(e);
        Doc d;
        const std::optional<size_t> open = sourceParens(e);
        commentsBefore(open ? m_t[*open].span.offset : e.span.offset, d);
        d += text("(");
        Doc inner = bare(e);
        if (open) {
            commentsBefore(m_t[m_match[*open]].span.offset, inner);
            m_cursor = std::max(m_cursor, m_match[*open] + 1);
        }
        d += nest(1, std::move(inner));
        d += text(")");
        return group(std::move(d));
    }

    Doc bare(const Expr &e)
    {
        using Op = Expr::Op;
        sync(e.span.offset);
        switch (e.op) {
        case Op::Literal:
            return literal(e);
        case Op::Variable:
            return tok(K::Ident, e.var == Var::Principal  ? "principal"
                                 : e.var == Var::Action   ? "action"
                                 : e.var == Var::Resource ? "resource"
                                                          : "context");
        case Op::Slot: {
            Doc d = tok(K::Question, "?");
            d += tok(K::Ident, e.slot == SlotId::Principal ? "principal" : "resource");
            return d;
        }
        case Op::If: {
            Doc d;
            d += tok(K::Ident, "if");
            d += text(" ");
            d += nest(IndentWidth, expr(*e.args[0], PIf));
            d += line();
            d += tok(K::Ident, "then");
            d += text(" ");
            d += nest(IndentWidth, expr(*e.args[1], PIf));
            d += line();
            d += tok(K::Ident, "else");
            d += text(" ");
            d += nest(IndentWidth, expr(*e.args[2], PIf));
            return group(std::move(d));
        }
        case Op::Or:
            return chain(e, K::Or, "||", POr);
        case Op::And: {
            HasChain has;
            if (hasChain(e, has))
                return hasPath(has);
            return chain(e, K::And, "&&", PAnd);
        }
        case Op::Not:
        case Op::Neg: {
            Doc d = e.op == Op::Not ? tok(K::Not, "!") : tok(K::Minus, "-");
            d += expr(*e.args[0], PUnary, e.op == Op::Not ? Operand::OfNot : Operand::OfNeg);
            return d;
        }
        case Op::Eq:
            return relation(e, K::Eq, "==");
        case Op::NotEq:
            return relation(e, K::NotEq, "!=");
        case Op::Less:
            return relation(e, K::Less, "<");
        case Op::LessEq:
            return relation(e, K::LessEq, "<=");
        case Op::Greater:
            return relation(e, K::Greater, ">");
        case Op::GreaterEq:
            return relation(e, K::GreaterEq, ">=");
        case Op::In:
            return relation(e, K::Ident, "in");
        case Op::Add:
        case Op::Sub:
        case Op::Mul:
            return arithmetic(e);
        case Op::Has: {
            Doc d = expr(*e.args[0], PAdd);
            d += text(" ");
            d += tok(K::Ident, "has", Place::After);
            d += breakable(attributeName(e.name));
            return group(std::move(d));
        }
        case Op::GetAttr:
            return getAttr(e);
        case Op::Like:
            return like(e);
        case Op::Is:
        case Op::IsIn: {
            Doc d = expr(*e.args[0], PAdd);
            d += text(" ");
            d += tok(K::Ident, "is", Place::After);
            d += text(" ");
            d += path(e.name);
            if (e.op == Op::IsIn) {
                d += text(" ");
                d += tok(K::Ident, "in", Place::After);
                d += breakable(expr(*e.args[1], PAdd));
            }
            return group(std::move(d));
        }
        case Op::Contains:
            return method(e, "contains");
        case Op::ContainsAll:
            return method(e, "containsAll");
        case Op::ContainsAny:
            return method(e, "containsAny");
        case Op::IsEmpty:
            return method(e, "isEmpty");
        case Op::GetTag:
            return method(e, "getTag");
        case Op::HasTag:
            return method(e, "hasTag");
        case Op::Call: {
            if (!isFunctionCall(e))
                return method(e, e.name);
            Doc d = tok(K::Ident, e.name);
            d += arguments(e, 0);
            return d;
        }
        case Op::SetLiteral:
            return list(K::LBracket, "[", K::RBracket, "]", e.args.size(),
                        [&](size_t i) { return expr(*e.args[i], PIf); });
        case Op::RecordLiteral:
            return list(K::LBrace, "{", K::RBrace, "}", e.args.size(), [&](size_t i) {
                Doc d = attributeName(i < e.keys.size() ? e.keys[i] : std::string());
                d += tok(K::Colon, ":");
                d += text(" ");
                d += expr(*e.args[i], PIf);
                return d;
            });
        }
        return text("?");
    }

    Doc literal(const Expr &e)
    {
        const Value &v = e.value;
        switch (v.kind()) {
        case Value::Kind::Bool:
            return tok(K::Ident, v.asBool() ? "true" : "false");
        case Value::Kind::Long: {
            // The digits as written (`007` stays); `-0` is printed `0`, the same literal.
            const int64_t n = v.asLong();
            const uint64_t magnitude = n < 0 ? uint64_t(0) - uint64_t(n) : uint64_t(n);
            const size_t i = peek();
            const bool minus = m_t[i].kind == K::Minus && n <= 0;
            const size_t at = minus ? i + 1 : i;
            uint64_t written = 0;
            const std::string_view digits = at < m_t.size() ? m_t[at].text : std::string_view();
            if (at >= m_t.size() || m_t[at].kind != K::Integer || (n < 0 && !minus) ||
                std::from_chars(digits.data(), digits.data() + digits.size(), written).ec != std::errc() ||
                written != magnitude)
                return text((n < 0 ? "-" : "") + std::to_string(magnitude));
            Doc d;
            if (minus && n < 0) {
                d += source(i);
            } else if (minus) {
                commentsBefore(m_t[i].span.offset, d);
                m_cursor = i + 1;
            }
            d += source(at);
            return d;
        }
        case Value::Kind::String: {
            const size_t i = peek();
            std::string value, error;
            if (m_t[i].kind == K::String && unescape(m_t[i].text, value, error) && value == v.asString())
                return source(i);
            return text(quoteString(v.asString()));
        }
        case Value::Kind::Entity:
            return entity(v.asEntity());
        default:
            return text(v.toString());
        }
    }

    // `a op b op c` for a left-nested chain of `&&` or `||`: one operand per line when it does
    // not fit, the operator at the end of the line.
    Doc chain(const Expr &e, K kind, std::string_view op, Prec prec)
    {
        std::vector<const Expr *> operands;
        const Expr *left = &e;
        while (left->op == e.op && (left->op != Expr::Op::And || !isHasPath(*left))) {
            operands.push_back(left->args[1].get());
            left = left->args[0].get();
        }
        operands.push_back(left);
        std::reverse(operands.begin(), operands.end());
        Doc d;
        for (size_t i = 0; i < operands.size(); ++i) {
            if (i > 0) {
                d += text(" ");
                d += tok(kind, op, Place::After);
                d += line();
            }
            d += expr(*operands[i], static_cast<int>(prec) + 1);
        }
        return group(std::move(d));
    }

    // `a + b - c * d`: left-nested, broken (indented) after an operator when it does not fit.
    Doc arithmetic(const Expr &e)
    {
        using Op = Expr::Op;
        const bool additive = e.op == Op::Add || e.op == Op::Sub;
        auto same = [&](const Expr &x) {
            return additive ? (x.op == Op::Add || x.op == Op::Sub) : x.op == Op::Mul;
        };
        std::vector<const Expr *> operations; // innermost last
        const Expr *left = &e;
        while (same(*left)) {
            operations.push_back(left);
            left = left->args[0].get();
        }
        Doc d = expr(*left, additive ? PAdd : PMul);
        Doc rest;
        for (auto it = operations.rbegin(); it != operations.rend(); ++it) {
            const Expr &o = **it;
            rest += text(" ");
            rest += o.op == Op::Add   ? tok(K::Plus, "+", Place::After)
                    : o.op == Op::Sub ? tok(K::Minus, "-", Place::After)
                                      : tok(K::Star, "*", Place::After);
            rest += line();
            rest += expr(*o.args[1], additive ? PMul : PUnary);
        }
        d += nest(IndentWidth, std::move(rest));
        return group(std::move(d));
    }

    // ` right`, or `right` on the next line (indented) when it does not fit on this one, whatever
    // the left side did.
    static Doc breakable(Doc right)
    {
        Doc d = line();
        d += std::move(right);
        return group(nest(IndentWidth, std::move(d)));
    }

    Doc relation(const Expr &e, K kind, std::string_view op)
    {
        // A set or record on the right opens on the operator's line and breaks inside.
        const Expr &r = *e.args[1];
        const bool hug =
            (r.op == Expr::Op::SetLiteral || r.op == Expr::Op::RecordLiteral) && !parenthesized(r, PAdd);
        Doc left = expr(*e.args[0], PAdd);
        left += text(" ");
        left += tok(kind, op, Place::After);
        if (hug) {
            left += text(" ");
            left += expr(r, PAdd);
        } else {
            left += breakable(expr(r, PAdd));
        }
        return group(std::move(left));
    }

    Doc hasPath(const HasChain &has)
    {
        Doc d = expr(*has.base, PAdd);
        d += text(" ");
        d += tok(K::Ident, "has", Place::After);
        Doc names;
        for (size_t i = 0; i < has.names.size(); ++i) {
            if (i > 0)
                names += tok(K::Dot, ".");
            names += tok(K::Ident, *has.names[i]);
        }
        d += breakable(std::move(names));
        return group(std::move(d));
    }

    Doc like(const Expr &e)
    {
        Doc d = expr(*e.args[0], PAdd);
        d += text(" ");
        d += tok(K::Ident, "like", Place::After);
        const size_t i = peek();
        std::vector<PatternPart> parts;
        const bool same = m_t[i].kind == K::String && patternOf(m_t[i].text, parts) &&
                          parts.size() == e.pattern.size() &&
                          std::equal(parts.begin(), parts.end(), e.pattern.begin(),
                                     [](const PatternPart &a, const PatternPart &b) {
                                         return a.wildcard == b.wildcard && a.text == b.text;
                                     });
        d += breakable(same ? source(i) : text(patternText(e.pattern)));
        return group(std::move(d));
    }

    Doc getAttr(const Expr &e)
    {
        Doc d = expr(*e.args[0], PMember);
        const size_t i = peek();
        std::string value, error;
        if (i + 1 < m_t.size() && m_t[i].kind == K::Dot && m_t[i + 1].kind == K::Ident &&
            m_t[i + 1].text == e.name) {
            d += source(i);
            d += source(i + 1);
        } else if (i + 2 < m_t.size() && m_t[i].kind == K::LBracket && m_t[i + 1].kind == K::String &&
                   m_t[i + 2].kind == K::RBracket && unescape(m_t[i + 1].text, value, error) &&
                   value == e.name) {
            d += source(i);
            d += source(i + 1);
            d += source(i + 2);
        } else {
            d += text(isIdentifier(e.name) ? "." + e.name : "[" + quoteString(e.name) + "]");
        }
        return d;
    }

    Doc method(const Expr &e, const std::string &name)
    {
        Doc d = expr(*e.args[0], PMember);
        d += tok(K::Dot, ".");
        d += tok(K::Ident, name);
        d += arguments(e, 1);
        return d;
    }

    // `(a, b)` from args[first]; the calls of Cedar take one argument at most.
    Doc arguments(const Expr &e, size_t first)
    {
        Doc d = tok(K::LParen, "(");
        Doc inner;
        for (size_t i = first; i < e.args.size(); ++i) {
            if (i > first) {
                inner += tok(K::Comma, ",", Place::After);
                inner += text(" ");
            }
            inner += expr(*e.args[i], PIf);
        }
        commentsBeforeClose(K::RParen, inner);
        d += std::move(inner);
        d += tok(K::RParen, ")");
        return d;
    }

    std::string_view m_src;
    const std::vector<Token> &m_t;
    std::vector<size_t> m_match; // for each parenthesis, the index of its partner
    std::vector<CommentInfo> m_comments;
    size_t m_next = 0;   // the first comment not yet placed
    size_t m_cursor = 0; // the first token not yet printed
};

} // namespace

std::expected<std::string, Diagnostics> formatPolicies(std::string_view source)
{
    ParseResult parsed = parsePolicies(source);
    if (!parsed.ok())
        return std::unexpected(std::move(parsed.diagnostics));
    const Lexer lexer(source);
    std::string out = Renderer().run(Builder(source, lexer.tokens, parsed.comments).file(parsed.policies));

    // Formatting must not change what the policies mean nor lose a comment; a bug here must not
    // cost anyone their policies.
    const ParseResult again = parsePolicies(out);
    if (!again.ok() || !samePolicies(parsed.policies, again.policies) ||
        again.comments.size() != parsed.comments.size())
        return std::unexpected(
            Diagnostics{Diagnostic{Diagnostic::Severity::Error, Span{},
                                   "the formatter would change these policies (a bug in Paddock's formatter)",
                                   "the file is left as it is; please report it with the file attached"}});
    return out;
}

} // namespace paddock::cedar
