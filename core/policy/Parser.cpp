#include "policy/Parser.h"

#include <charconv>
#include <set>

namespace paddock::cedar {

namespace {

using K = Token::Kind;

constexpr int MaxDepth = 200; // nesting deeper than this is refused, not a stack overflow

struct Abort
{};

const std::set<std::string_view, std::less<>> &reservedWords()
{
    static const std::set<std::string_view, std::less<>> words{"true", "false", "if",   "then", "else",
                                                               "in",   "is",    "like", "has"};
    return words;
}

struct MethodInfo
{
    std::string_view name;
    Expr::Op op;
    ExtFn fn;
    int args; // besides the receiver
};

constexpr MethodInfo methods[] = {
    {"contains", Expr::Op::Contains, ExtFn::Ip, 1},
    {"containsAll", Expr::Op::ContainsAll, ExtFn::Ip, 1},
    {"containsAny", Expr::Op::ContainsAny, ExtFn::Ip, 1},
    {"isEmpty", Expr::Op::IsEmpty, ExtFn::Ip, 0},
    {"getTag", Expr::Op::GetTag, ExtFn::Ip, 1},
    {"hasTag", Expr::Op::HasTag, ExtFn::Ip, 1},
    {"isIpv4", Expr::Op::Call, ExtFn::IsIpv4, 0},
    {"isIpv6", Expr::Op::Call, ExtFn::IsIpv6, 0},
    {"isLoopback", Expr::Op::Call, ExtFn::IsLoopback, 0},
    {"isMulticast", Expr::Op::Call, ExtFn::IsMulticast, 0},
    {"isInRange", Expr::Op::Call, ExtFn::IsInRange, 1},
    {"lessThan", Expr::Op::Call, ExtFn::LessThan, 1},
    {"lessThanOrEqual", Expr::Op::Call, ExtFn::LessThanOrEqual, 1},
    {"greaterThan", Expr::Op::Call, ExtFn::GreaterThan, 1},
    {"greaterThanOrEqual", Expr::Op::Call, ExtFn::GreaterThanOrEqual, 1},
    {"offset", Expr::Op::Call, ExtFn::Offset, 1},
    {"durationSince", Expr::Op::Call, ExtFn::DurationSince, 1},
    {"toDate", Expr::Op::Call, ExtFn::ToDate, 0},
    {"toTime", Expr::Op::Call, ExtFn::ToTime, 0},
    {"toMilliseconds", Expr::Op::Call, ExtFn::ToMilliseconds, 0},
    {"toSeconds", Expr::Op::Call, ExtFn::ToSeconds, 0},
    {"toMinutes", Expr::Op::Call, ExtFn::ToMinutes, 0},
    {"toHours", Expr::Op::Call, ExtFn::ToHours, 0},
    {"toDays", Expr::Op::Call, ExtFn::ToDays, 0},
};

struct FunctionInfo
{
    std::string_view name;
    ExtFn fn;
};

constexpr FunctionInfo functions[] = {
    {"ip", ExtFn::Ip},
    {"decimal", ExtFn::Decimal},
    {"datetime", ExtFn::Datetime},
    {"duration", ExtFn::Duration},
};

ExprPtr clone(const Expr &e)
{
    return cloneExpr(e);
}
} // namespace

ExprPtr cloneExpr(const Expr &e)
{
    auto c = std::make_unique<Expr>();
    c->op = e.op;
    c->var = e.var;
    c->slot = e.slot;
    c->fn = e.fn;
    c->span = e.span;
    c->value = e.value;
    c->name = e.name;
    c->keys = e.keys;
    c->pattern = e.pattern;
    for (const ExprPtr &a : e.args)
        c->args.push_back(cloneExpr(*a));
    return c;
}

namespace {

Span join(const Span &a, const Span &b)
{
    Span s = a;
    const uint32_t end = std::max(a.offset + a.length, b.offset + b.length);
    s.length = end - a.offset;
    return s;
}

class Parser
{
public:
    Parser(const std::vector<Token> &tokens, Diagnostics &diagnostics)
        : m_t(tokens)
        , m_diags(diagnostics)
    {}

    std::vector<Policy> policies()
    {
        std::vector<Policy> out;
        std::set<std::string> ids;
        size_t index = 0;
        while (peek().kind != K::End) {
            const size_t before = m_diags.size();
            try {
                Policy p = policy();
                const Annotation *named = p.annotation("id");
                p.id = named ? named->value : "policy" + std::to_string(index);
                if (!ids.insert(p.id).second)
                    error(named ? named->span : p.effectSpan, "duplicate policy id `" + p.id + "`",
                          "give each policy its own @id");
                out.push_back(std::move(p));
            } catch (const Abort &) {
                recover();
            }
            (void)before;
            ++index;
        }
        return out;
    }

    ExprPtr expressionOnly()
    {
        try {
            ExprPtr e = expr();
            if (peek().kind != K::End)
                unexpected("end of the expression");
            return e;
        } catch (const Abort &) {
            return nullptr;
        }
    }

private:
    const Token &peek(size_t ahead = 0) const
    {
        const size_t i = std::min(m_pos + ahead, m_t.size() - 1);
        return m_t[i];
    }
    const Token &next()
    {
        const Token &t = m_t[m_pos];
        if (m_pos + 1 < m_t.size())
            ++m_pos;
        return t;
    }
    bool at(K kind) const { return peek().kind == kind; }
    bool atIdent(std::string_view word) const { return peek().kind == K::Ident && peek().text == word; }
    bool accept(K kind)
    {
        if (!at(kind))
            return false;
        next();
        return true;
    }
    const Token &expect(K kind, const char *what = nullptr)
    {
        if (!at(kind))
            unexpected(what ? what : Lexer::describe(kind));
        return next();
    }
    void expectIdent(std::string_view word)
    {
        if (!atIdent(word))
            unexpected(("`" + std::string(word) + "`").c_str());
        next();
    }

    void error(const Span &span, std::string message, std::string help = {})
    {
        m_diags.push_back(Diagnostic{Diagnostic::Severity::Error, span, std::move(message), std::move(help)});
    }
    [[noreturn]] void fail(const Span &span, std::string message, std::string help = {})
    {
        error(span, std::move(message), std::move(help));
        throw Abort{};
    }
    [[noreturn]] void unexpected(const std::string &expected)
    {
        const Token &t = peek();
        std::string found = t.kind == K::End      ? "end of input"
                            : t.kind == K::String ? "string \"" + std::string(t.text) + "\""
                                                  : "`" + std::string(t.text) + "`";
        std::string help;
        if (t.kind == K::Assign)
            help = "equality is `==`";
        else if (t.kind == K::End && expected == "`;`")
            help = "every policy ends with `;`";
        fail(t.span, "expected " + expected + ", found " + found, help);
    }

    // Skips to just after the next `;` at the top level (or to the end).
    void recover()
    {
        int depth = 0;
        while (!at(K::End)) {
            const K k = next().kind;
            if (k == K::LParen || k == K::LBrace || k == K::LBracket)
                ++depth;
            else if ((k == K::RParen || k == K::RBrace || k == K::RBracket) && depth > 0)
                --depth;
            else if (k == K::Semicolon && depth == 0)
                return;
            // A new policy starting at the top level also ends the broken one.
            if (depth == 0 && (atIdent("permit") || atIdent("forbid") || at(K::At)))
                return;
        }
    }

    std::string stringValue(const Token &t, bool pattern = false)
    {
        std::string out, err;
        if (!unescape(t.text, out, err, pattern))
            fail(t.span, err);
        return out;
    }

    Policy policy()
    {
        Policy p;
        const Span start = peek().span;
        std::set<std::string> keys;
        while (at(K::At)) {
            const Token &at = next();
            const Token &key = expect(K::Ident, "an annotation name");
            Annotation a;
            a.key = std::string(key.text);
            a.span = join(at.span, key.span);
            if (accept(K::LParen)) {
                const Token &value = expect(K::String, "an annotation value (a string)");
                a.value = stringValue(value);
                a.span = join(a.span, expect(K::RParen).span);
            }
            if (!keys.insert(a.key).second)
                error(a.span, "duplicate annotation `@" + a.key + "`");
            p.annotations.push_back(std::move(a));
        }
        if (atIdent("permit"))
            p.effect = Effect::Permit;
        else if (atIdent("forbid"))
            p.effect = Effect::Forbid;
        else
            unexpected("`permit` or `forbid`");
        p.effectSpan = next().span;
        expect(K::LParen);
        p.principal = scope("principal", SlotId::Principal);
        expect(K::Comma);
        p.action = actionScope();
        expect(K::Comma);
        p.resource = scope("resource", SlotId::Resource);
        if (at(K::Comma))
            fail(peek().span, "the scope has three parts: principal, action, resource");
        expect(K::RParen);
        while (atIdent("when") || atIdent("unless")) {
            Condition c;
            c.when = peek().text == "when";
            const Span cs = next().span;
            expect(K::LBrace);
            if (at(K::RBrace))
                fail(peek().span, "a condition cannot be empty", "write an expression between `{` and `}`");
            c.expr = expr();
            c.span = join(cs, expect(K::RBrace).span);
            p.conditions.push_back(std::move(c));
        }
        const Token &end = expect(K::Semicolon, "`when`, `unless` or `;`");
        p.span = join(start, end.span);
        return p;
    }

    EntityUid entityUid()
    {
        const Span start = peek().span;
        std::string type = path();
        if (!at(K::PathSep))
            fail(join(start, peek().span), "expected an entity such as `" + type + "::\"id\"`");
        next();
        const Token &id = expect(K::String, "an entity id (a string)");
        return EntityUid{std::move(type), stringValue(id)};
    }

    // IDENT {'::' IDENT}, stopping before `::"`.
    std::string path()
    {
        const Token &first = expect(K::Ident, "a name");
        checkName(first);
        std::string p(first.text);
        while (at(K::PathSep) && peek(1).kind == K::Ident) {
            next();
            const Token &part = next();
            checkName(part);
            p += "::" + std::string(part.text);
        }
        return p;
    }

    void checkName(const Token &t)
    {
        if (reservedWords().contains(t.text))
            fail(t.span, "`" + std::string(t.text) + "` is a reserved word and cannot be a name");
        if (t.text.starts_with("__cedar"))
            fail(t.span, "names starting with `__cedar` are reserved");
    }

    void entityOrSlot(ScopeConstraint &c, SlotId slot)
    {
        if (at(K::Question)) {
            const Span s = next().span;
            const Token &name = expect(K::Ident, "`principal` or `resource`");
            const SlotId given = name.text == "principal" ? SlotId::Principal : SlotId::Resource;
            if (name.text != "principal" && name.text != "resource")
                fail(join(s, name.span), "unknown slot `?" + std::string(name.text) + "`",
                     "the slots are `?principal` and `?resource`");
            if (given != slot)
                fail(join(s, name.span), "`?" + std::string(name.text) + "` cannot appear here",
                     slot == SlotId::Principal ? "use `?principal`" : "use `?resource`");
            c.slot = slot;
            return;
        }
        c.entities.push_back(entityUid());
    }

    ScopeConstraint scope(const char *var, SlotId slot)
    {
        ScopeConstraint c;
        c.span = peek().span;
        if (!atIdent(var))
            unexpected("`" + std::string(var) + "`");
        next();
        if (accept(K::Eq)) {
            c.kind = ScopeConstraint::Kind::Eq;
            entityOrSlot(c, slot);
        } else if (atIdent("in")) {
            next();
            c.kind = ScopeConstraint::Kind::In;
            entityOrSlot(c, slot);
        } else if (atIdent("is")) {
            next();
            c.kind = ScopeConstraint::Kind::Is;
            c.entityType = path();
            if (atIdent("in")) {
                next();
                c.kind = ScopeConstraint::Kind::IsIn;
                entityOrSlot(c, slot);
            }
        }
        c.span = join(c.span, m_t[m_pos > 0 ? m_pos - 1 : 0].span);
        return c;
    }

    EntityUid actionEntity()
    {
        const Span s = peek().span;
        EntityUid uid = entityUid();
        const size_t sep = uid.type.rfind("::");
        const std::string last = sep == std::string::npos ? uid.type : uid.type.substr(sep + 2);
        if (last != "Action")
            fail(join(s, m_t[m_pos - 1].span), "`" + uid.toString() + "` is not an action",
                 "actions have the type `Action` (or `Namespace::Action`)");
        return uid;
    }

    ScopeConstraint actionScope()
    {
        ScopeConstraint c;
        c.span = peek().span;
        if (!atIdent("action"))
            unexpected("`action`");
        next();
        if (accept(K::Eq)) {
            c.kind = ScopeConstraint::Kind::Eq;
            if (at(K::Question))
                fail(peek().span, "the action cannot be a slot");
            c.entities.push_back(actionEntity());
        } else if (atIdent("in")) {
            next();
            c.kind = ScopeConstraint::Kind::In;
            if (accept(K::LBracket)) {
                while (!at(K::RBracket)) {
                    c.entities.push_back(actionEntity());
                    if (!accept(K::Comma))
                        break;
                }
                expect(K::RBracket);
            } else {
                if (at(K::Question))
                    fail(peek().span, "the action cannot be a slot");
                c.entities.push_back(actionEntity());
            }
        } else if (atIdent("is")) {
            fail(peek().span, "`is` cannot constrain the action",
                 "use `action == Action::\"…\"` or `action in [...]`");
        }
        c.span = join(c.span, m_t[m_pos > 0 ? m_pos - 1 : 0].span);
        return c;
    }

    struct DepthGuard
    {
        Parser &p;
        explicit DepthGuard(Parser &parser)
            : p(parser)
        {
            if (++p.m_depth > MaxDepth)
                p.fail(p.peek().span, "the expression is nested too deeply (more than " +
                                          std::to_string(MaxDepth) + " levels)");
        }
        ~DepthGuard() { --p.m_depth; }
    };

    static ExprPtr node(Expr::Op op, Span span)
    {
        auto e = std::make_unique<Expr>();
        e->op = op;
        e->span = span;
        return e;
    }
    static ExprPtr binary(Expr::Op op, ExprPtr l, ExprPtr r)
    {
        auto e = node(op, join(l->span, r->span));
        e->args.push_back(std::move(l));
        e->args.push_back(std::move(r));
        return e;
    }

    ExprPtr expr()
    {
        DepthGuard guard(*this);
        if (atIdent("if")) {
            const Span s = next().span;
            ExprPtr c = expr();
            expectIdent("then");
            ExprPtr a = expr();
            expectIdent("else");
            ExprPtr b = expr();
            auto e = node(Expr::Op::If, join(s, b->span));
            e->args.push_back(std::move(c));
            e->args.push_back(std::move(a));
            e->args.push_back(std::move(b));
            return e;
        }
        ExprPtr left = andExpr();
        while (accept(K::Or))
            left = binary(Expr::Op::Or, std::move(left), andExpr());
        return left;
    }

    ExprPtr andExpr()
    {
        ExprPtr left = relation();
        while (accept(K::And))
            left = binary(Expr::Op::And, std::move(left), relation());
        return left;
    }

    ExprPtr relation()
    {
        ExprPtr left = add();
        Expr::Op op;
        switch (peek().kind) {
        case K::Eq:
            op = Expr::Op::Eq;
            break;
        case K::NotEq:
            op = Expr::Op::NotEq;
            break;
        case K::Less:
            op = Expr::Op::Less;
            break;
        case K::LessEq:
            op = Expr::Op::LessEq;
            break;
        case K::Greater:
            op = Expr::Op::Greater;
            break;
        case K::GreaterEq:
            op = Expr::Op::GreaterEq;
            break;
        case K::Assign:
            fail(peek().span, "`=` is not an operator", "equality is `==`");
        case K::Ident:
            if (peek().text == "in") {
                op = Expr::Op::In;
                break;
            }
            if (peek().text == "has")
                return hasExpr(std::move(left));
            if (peek().text == "like")
                return likeExpr(std::move(left));
            if (peek().text == "is")
                return isExpr(std::move(left));
            return left;
        default:
            return left;
        }
        next();
        return binary(op, std::move(left), add());
    }

    ExprPtr hasExpr(ExprPtr left)
    {
        next();
        std::vector<std::pair<std::string, Span>> attrs;
        const Token &t = peek();
        if (t.kind == K::String) {
            attrs.emplace_back(stringValue(next()), t.span);
        } else if (t.kind == K::Ident) {
            checkAttrName(t);
            attrs.emplace_back(std::string(next().text), t.span);
            while (at(K::Dot) && peek(1).kind == K::Ident) {
                next();
                const Token &part = next();
                checkAttrName(part);
                attrs.emplace_back(std::string(part.text), part.span);
            }
        } else {
            unexpected("an attribute name");
        }
        // `e has a.b` is `e has a && e.a has b`.
        ExprPtr result;
        ExprPtr base = std::move(left);
        for (size_t i = 0; i < attrs.size(); ++i) {
            auto has = node(Expr::Op::Has, join(base->span, attrs[i].second));
            has->name = attrs[i].first;
            ExprPtr next = i + 1 < attrs.size() ? clone(*base) : nullptr;
            has->args.push_back(std::move(base));
            result = result ? binary(Expr::Op::And, std::move(result), std::move(has)) : std::move(has);
            if (next) {
                auto get = node(Expr::Op::GetAttr, join(next->span, attrs[i].second));
                get->name = attrs[i].first;
                get->args.push_back(std::move(next));
                base = std::move(get);
            }
        }
        return result;
    }

    void checkAttrName(const Token &t)
    {
        if (reservedWords().contains(t.text))
            fail(t.span, "`" + std::string(t.text) + "` is a reserved word",
                 "write the attribute as a string, e.g. `[\"" + std::string(t.text) + "\"]` or `has \"" +
                     std::string(t.text) + "\"`");
    }

    ExprPtr likeExpr(ExprPtr left)
    {
        next();
        const Token &t = expect(K::String, "a pattern (a string)");
        auto e = node(Expr::Op::Like, join(left->span, t.span));
        // Split at unescaped `*`; `\*` is a literal star.
        std::string_view raw = t.text;
        std::string piece;
        auto flush = [&](bool wildcard) {
            if (!piece.empty()) {
                std::string text, err;
                if (!unescape(piece, text, err))
                    fail(t.span, err);
                e->pattern.push_back(PatternPart{false, std::move(text)});
                piece.clear();
            }
            if (wildcard)
                e->pattern.push_back(PatternPart{true, {}});
        };
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\\' && i + 1 < raw.size()) {
                if (raw[i + 1] == '*') {
                    flush(false);
                    e->pattern.push_back(PatternPart{false, "*"});
                } else {
                    piece += raw[i];
                    piece += raw[i + 1];
                }
                ++i;
            } else if (raw[i] == '*') {
                flush(true);
            } else {
                piece += raw[i];
            }
        }
        flush(false);
        e->args.push_back(std::move(left));
        return e;
    }

    ExprPtr isExpr(ExprPtr left)
    {
        next();
        const Span s = peek().span;
        std::string type = path();
        if (at(K::PathSep))
            fail(join(s, peek().span), "`is` takes an entity type, not an entity",
                 "write `is " + type + "`, or compare with `== " + type + "::\"…\"`");
        if (atIdent("in")) {
            next();
            ExprPtr container = add();
            auto e = node(Expr::Op::IsIn, join(left->span, container->span));
            e->name = std::move(type);
            e->args.push_back(std::move(left));
            e->args.push_back(std::move(container));
            return e;
        }
        auto e = node(Expr::Op::Is, join(left->span, m_t[m_pos - 1].span));
        e->name = std::move(type);
        e->args.push_back(std::move(left));
        return e;
    }

    ExprPtr add()
    {
        ExprPtr left = mult();
        for (;;) {
            if (accept(K::Plus))
                left = binary(Expr::Op::Add, std::move(left), mult());
            else if (accept(K::Minus))
                left = binary(Expr::Op::Sub, std::move(left), mult());
            else
                return left;
        }
    }

    ExprPtr mult()
    {
        ExprPtr left = unary();
        while (accept(K::Star))
            left = binary(Expr::Op::Mul, std::move(left), unary());
        return left;
    }

    ExprPtr unary()
    {
        std::vector<Token> ops;
        while (at(K::Not) || at(K::Minus))
            ops.push_back(next());
        if (ops.size() > 4)
            fail(join(ops.front().span, ops.back().span), "too many unary operators in a row (at most 4)");
        ExprPtr operand;
        // `-` right before an integer literal is a negative literal (so that the smallest long parses).
        if (!ops.empty() && ops.back().kind == K::Minus && at(K::Integer)) {
            const Token &lit = next();
            operand = integer(lit, true);
            operand->span = join(ops.back().span, lit.span);
            ops.pop_back();
            operand = member(std::move(operand));
        } else {
            operand = member(primary());
        }
        while (!ops.empty()) {
            const Token op = ops.back();
            ops.pop_back();
            auto e = node(op.kind == K::Not ? Expr::Op::Not : Expr::Op::Neg, join(op.span, operand->span));
            e->args.push_back(std::move(operand));
            operand = std::move(e);
        }
        return operand;
    }

    ExprPtr integer(const Token &t, bool negative)
    {
        uint64_t v = 0;
        const auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        const uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
        if (ec != std::errc() || ptr != t.text.data() + t.text.size() || v > limit)
            fail(t.span, "integer literal `" + std::string(negative ? "-" : "") + std::string(t.text) +
                             "` does not fit in a 64-bit signed integer");
        auto e = node(Expr::Op::Literal, t.span);
        e->value = Value(negative ? int64_t(0 - v) : int64_t(v));
        return e;
    }

    ExprPtr member(ExprPtr e)
    {
        for (;;) {
            if (at(K::Dot)) {
                next();
                const Token &name = expect(K::Ident, "an attribute or method name");
                if (at(K::LParen)) {
                    e = methodCall(std::move(e), name);
                    continue;
                }
                checkAttrName(name);
                auto g = node(Expr::Op::GetAttr, join(e->span, name.span));
                g->name = std::string(name.text);
                g->args.push_back(std::move(e));
                e = std::move(g);
            } else if (at(K::LBracket)) {
                next();
                const Token &key = expect(K::String, "an attribute name (a string)");
                const Token &close = expect(K::RBracket);
                auto g = node(Expr::Op::GetAttr, join(e->span, close.span));
                g->name = stringValue(key);
                g->args.push_back(std::move(e));
                e = std::move(g);
            } else {
                return e;
            }
        }
    }

    std::vector<ExprPtr> arguments(Span &end)
    {
        expect(K::LParen);
        std::vector<ExprPtr> args;
        while (!at(K::RParen)) {
            args.push_back(expr());
            if (!accept(K::Comma))
                break;
        }
        end = expect(K::RParen).span;
        return args;
    }

    ExprPtr methodCall(ExprPtr receiver, const Token &name)
    {
        const MethodInfo *info = nullptr;
        for (const auto &m : methods)
            if (m.name == name.text)
                info = &m;
        if (!info)
            fail(name.span, "`" + std::string(name.text) + "` is not a method",
                 "the methods are contains, containsAll, containsAny, isEmpty, getTag, hasTag and those of "
                 "the extension types (e.g. isInRange, lessThan, offset)");
        Span end;
        std::vector<ExprPtr> args = arguments(end);
        if (int(args.size()) != info->args)
            fail(join(name.span, end),
                 "`" + std::string(name.text) + "` takes " + std::to_string(info->args) + " argument" +
                     (info->args == 1 ? "" : "s") + ", not " + std::to_string(args.size()));
        auto e = node(info->op, join(receiver->span, end));
        e->fn = info->fn;
        e->name = std::string(name.text);
        e->args.push_back(std::move(receiver));
        for (ExprPtr &a : args)
            e->args.push_back(std::move(a));
        return e;
    }

    ExprPtr primary()
    {
        DepthGuard guard(*this);
        const Token &t = peek();
        switch (t.kind) {
        case K::Integer:
            return integer(next(), false);
        case K::String: {
            auto e = node(Expr::Op::Literal, t.span);
            e->value = Value(stringValue(next()));
            return e;
        }
        case K::LParen: {
            next();
            ExprPtr e = expr();
            expect(K::RParen);
            return e;
        }
        case K::LBracket: {
            const Span s = next().span;
            auto e = node(Expr::Op::SetLiteral, s);
            while (!at(K::RBracket)) {
                e->args.push_back(expr());
                if (!accept(K::Comma))
                    break;
            }
            e->span = join(s, expect(K::RBracket).span);
            return e;
        }
        case K::LBrace: {
            const Span s = next().span;
            auto e = node(Expr::Op::RecordLiteral, s);
            std::set<std::string> seen;
            while (!at(K::RBrace)) {
                const Token &k = peek();
                std::string key;
                if (k.kind == K::String) {
                    key = stringValue(next());
                } else if (k.kind == K::Ident) {
                    checkAttrName(k);
                    key = std::string(next().text);
                } else {
                    unexpected("a record key");
                }
                if (!seen.insert(key).second)
                    fail(k.span, "duplicate key `" + key + "` in a record");
                expect(K::Colon);
                e->keys.push_back(std::move(key));
                e->args.push_back(expr());
                if (!accept(K::Comma))
                    break;
            }
            e->span = join(s, expect(K::RBrace).span);
            return e;
        }
        case K::Question: {
            const Span s = next().span;
            const Token &name = expect(K::Ident, "`principal` or `resource`");
            fail(join(s, name.span),
                 "slots such as `?" + std::string(name.text) + "` may only appear in the scope");
        }
        case K::Ident:
            return identifierExpr();
        default:
            unexpected("an expression");
        }
    }

    ExprPtr identifierExpr()
    {
        const Token &t = peek();
        if (t.text == "true" || t.text == "false") {
            auto e = node(Expr::Op::Literal, next().span);
            e->value = Value(t.text == "true");
            return e;
        }
        // Entity literal or extension function call: a path followed by `::"` or `(`.
        size_t ahead = 1;
        while (peek(ahead).kind == K::PathSep && peek(ahead + 1).kind == K::Ident)
            ahead += 2;
        if (peek(ahead).kind == K::PathSep && peek(ahead + 1).kind == K::String) {
            const Span s = t.span;
            EntityUid uid = entityUid();
            auto e = node(Expr::Op::Literal, join(s, m_t[m_pos - 1].span));
            e->value = Value(std::move(uid));
            return e;
        }
        if (peek(ahead).kind == K::LParen) {
            const Span s = t.span;
            std::string name;
            for (size_t i = 0; i < ahead; ++i)
                name += std::string(next().text);
            const FunctionInfo *info = nullptr;
            for (const auto &f : functions)
                if (f.name == name)
                    info = &f;
            if (!info)
                fail(s, "`" + name + "` is not a function",
                     "the functions are ip, decimal, datetime and duration");
            Span end;
            std::vector<ExprPtr> args = arguments(end);
            if (args.size() != 1)
                fail(join(s, end), "`" + name + "` takes 1 argument, not " + std::to_string(args.size()));
            auto e = node(Expr::Op::Call, join(s, end));
            e->fn = info->fn;
            e->name = name;
            e->args = std::move(args);
            return e;
        }
        static constexpr std::pair<std::string_view, Var> vars[] = {{"principal", Var::Principal},
                                                                    {"action", Var::Action},
                                                                    {"resource", Var::Resource},
                                                                    {"context", Var::Context}};
        for (const auto &[word, var] : vars) {
            if (t.text == word) {
                auto e = node(Expr::Op::Variable, next().span);
                e->var = var;
                e->name = std::string(word);
                return e;
            }
        }
        if (ahead > 1 || peek(1).kind == K::PathSep)
            fail(t.span, "expected an entity such as `" + std::string(t.text) + "::\"id\"`");
        if (reservedWords().contains(t.text))
            fail(t.span, "unexpected `" + std::string(t.text) + "`");
        fail(t.span, "unknown variable `" + std::string(t.text) + "`",
             "the variables are principal, action, resource and context; strings need double quotes");
    }

    const std::vector<Token> &m_t;
    Diagnostics &m_diags;
    size_t m_pos = 0;
    int m_depth = 0;
};

} // namespace

const Annotation *Policy::annotation(const std::string &key) const
{
    for (const Annotation &a : annotations)
        if (a.key == key)
            return &a;
    return nullptr;
}

bool isReservedWord(std::string_view word)
{
    return reservedWords().contains(word);
}

ParseResult parsePolicies(std::string_view source)
{
    ParseResult result;
    Lexer lexer(source);
    result.diagnostics = std::move(lexer.diagnostics);
    result.comments = std::move(lexer.comments);
    if (!result.diagnostics.empty())
        return result; // token errors make the parse errors that follow them noise
    Parser parser(lexer.tokens, result.diagnostics);
    result.policies = parser.policies();
    return result;
}

ExprParseResult parseExpression(std::string_view source)
{
    ExprParseResult result;
    Lexer lexer(source);
    result.diagnostics = std::move(lexer.diagnostics);
    if (!result.diagnostics.empty())
        return result;
    Parser parser(lexer.tokens, result.diagnostics);
    result.expr = parser.expressionOnly();
    return result;
}

bool parseEntityUid(std::string_view source, EntityUid &out, std::string &error)
{
    const ExprParseResult r = parseExpression(source);
    if (!r.diagnostics.empty() || !r.expr || r.expr->op != Expr::Op::Literal ||
        r.expr->value.kind() != Value::Kind::Entity) {
        error = r.diagnostics.empty() ? "expected an entity such as User::\"alice\""
                                      : r.diagnostics.front().message;
        return false;
    }
    out = r.expr->value.asEntity();
    return true;
}

} // namespace paddock::cedar
