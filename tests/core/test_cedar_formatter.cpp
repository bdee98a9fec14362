// The Cedar formatter (`paddockctl policy format`): the expected layout of every expression form
// and comment placement, and, over every policy file at hand, variants of them and generated
// expressions, what a user relies on: the formatted text holds the same policies, formatting it
// again changes nothing, and no comment is lost or reordered.
#include "policy/Formatter.h"
#include "policy/Lexer.h"
#include "policy/Parser.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <random>

using namespace paddock::cedar;

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// The first message of a failed result, for QVERIFY2 (which builds its message up front).
QByteArray firstError(const Diagnostics &diags)
{
    return diags.empty() ? QByteArray() : QByteArray::fromStdString(diags.front().message);
}
template <typename T> QByteArray firstError(const std::expected<T, Diagnostics> &result)
{
    return result ? QByteArray() : firstError(result.error());
}

// The AST in a canonical debug form that ignores spans (and so layout), written independently of
// the formatter's own check.
std::string dump(const Expr &e)
{
    static const char *const ops[] = {
        "lit",         "var",         "slot",    "if",      "and",    "or",  "not",    "neg",
        "eq",          "noteq",       "lt",      "le",      "gt",     "ge",  "in",     "add",
        "sub",         "mul",         "has",     "getattr", "like",   "is",  "isin",   "contains",
        "containsAll", "containsAny", "isEmpty", "getTag",  "hasTag", "set", "record", "call"};
    static_assert(std::size(ops) == static_cast<size_t>(Expr::Op::Call) + 1, "a name for every operator");
    std::string out = "(" + std::string(ops[static_cast<int>(e.op)]);
    switch (e.op) {
    case Expr::Op::Literal:
        out += ' ' + std::string(Value::kindName(e.value.kind())) + ':' + e.value.toString();
        break;
    case Expr::Op::Variable:
        out += ' ' + std::to_string(static_cast<int>(e.var));
        break;
    case Expr::Op::Slot:
        out += ' ' + std::to_string(static_cast<int>(e.slot));
        break;
    case Expr::Op::Like:
        for (const PatternPart &p : e.pattern)
            out += p.wildcard ? std::string(" *") : ' ' + quoteString(p.text);
        break;
    case Expr::Op::Call:
        out += ' ' + std::to_string(static_cast<int>(e.fn)) + ':' + e.name;
        break;
    default:
        if (!e.name.empty())
            out += ' ' + quoteString(e.name);
    }
    for (const std::string &k : e.keys)
        out += " key:" + quoteString(k);
    for (const ExprPtr &a : e.args)
        out += ' ' + dump(*a);
    return out + ')';
}

std::string dump(const ScopeConstraint &c)
{
    std::string out = std::to_string(static_cast<int>(c.kind)) + " [";
    for (const EntityUid &uid : c.entities)
        out += uid.toString() + ' ';
    out += "] " + c.entityType;
    if (c.slot)
        out += " ?" + std::to_string(static_cast<int>(*c.slot));
    return out;
}

std::string dump(const std::vector<Policy> &policies)
{
    std::string out;
    for (const Policy &p : policies) {
        out += p.id + (p.effect == Effect::Permit ? " permit\n" : " forbid\n");
        for (const Annotation &a : p.annotations)
            out += "  @" + a.key + '=' + quoteString(a.value) + '\n';
        out += "  " + dump(p.principal) + "\n  " + dump(p.action) + "\n  " + dump(p.resource) + '\n';
        for (const Condition &c : p.conditions)
            out += std::string(c.when ? "  when " : "  unless ") + dump(*c.expr) + '\n';
    }
    return out;
}

// The comments of a text, in order, without trailing blanks.
QStringList comments(const std::string &source)
{
    QStringList out;
    for (const Comment &c : Lexer(source).comments) {
        std::string_view t = c.text;
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r'))
            t.remove_suffix(1);
        out << qs(std::string(t));
    }
    return out;
}

// Rebuilds a text from its tokens with `separator(i)` after token i (which drops its comments).
template <typename Separator> std::string rejoin(const std::string &source, Separator separator)
{
    std::string out;
    const Lexer lexer(source);
    for (size_t i = 0; i + 1 < lexer.tokens.size(); ++i) {
        const Span &s = lexer.tokens[i].span;
        out += source.substr(s.offset, s.length) + separator(i);
    }
    return out;
}

// Random policy conditions, over every expression form, with parentheses at random: the ones that
// parse exercise precedence, unary chains and negative literals.
class ExpressionGenerator
{
public:
    explicit ExpressionGenerator(unsigned seed)
        : m_random(seed)
    {}

    std::string policy()
    {
        std::string scope =
            pick({"principal", "principal == User::\"a\"", "principal is User in Group::\"g\""});
        return "permit (" + scope + ", action, resource) when { " + expr(4) + " };";
    }

private:
    std::string pick(std::initializer_list<const char *> options)
    {
        std::uniform_int_distribution<size_t> d(0, options.size() - 1);
        return *(options.begin() + d(m_random));
    }
    bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(m_random) < percent; }

    std::string operand(int depth)
    {
        const std::string e = expr(depth - 1);
        return chance(60) ? "(" + e + ")" : e;
    }

    std::string expr(int depth)
    {
        if (depth <= 0 || chance(20))
            return pick({"1", "0", "-7", "-0", "9223372036854775807", "-9223372036854775808", "007", "true",
                         "\"s\\\"t\\u{e9}\"", "principal", "context.n", "resource[\"a b\"]", "User::\"x\"",
                         "A::B::\"y\\n\"", "[]", "{}", "context"});
        switch (std::uniform_int_distribution<int>(0, 17)(m_random)) {
        case 0:
            return "if " + expr(depth - 1) + " then " + expr(depth - 1) + " else " + expr(depth - 1);
        case 1:
            return operand(depth) + pick({" && ", " || "}) + operand(depth);
        case 2:
            return operand(depth) + pick({" == ", " != ", " < ", " <= ", " > ", " >= ", " in "}) +
                   operand(depth);
        case 3:
            return operand(depth) + pick({" + ", " - ", " * "}) + operand(depth);
        case 4:
            return pick({"!", "-", "!!", "--", "-!", "!-"}) + operand(depth);
        case 5:
            return operand(depth) + pick({" has a", " has \"b c\"", " has a.b", " has a.b.c"});
        case 6:
            return operand(depth) + " like \"*x\\*y*\"";
        case 7:
            return operand(depth) + pick({" is User", " is A::B"}) +
                   (chance(50) ? " in " + operand(depth) : "");
        case 8:
            return operand(depth) + pick({".a", "[\"a\"]", ".a.b", "[\"if\"]"});
        case 9:
            return operand(depth) +
                   pick({".contains(", ".containsAll(", ".containsAny(", ".getTag(", ".hasTag("}) +
                   expr(depth - 1) + ")";
        case 10:
            return operand(depth) + ".isEmpty()";
        case 11:
            return "[" + expr(depth - 1) + ", " + expr(depth - 1) + "]";
        case 12:
            return "{a: " + expr(depth - 1) + ", \"b c\": " + expr(depth - 1) + "}";
        case 13:
            return pick({"ip(\"10.0.0.1\")", "decimal(\"1.5\")", "datetime(\"2024-01-01\")",
                         "duration(\"1h\")"}) +
                   pick({"", ".isIpv4()", ".lessThan(decimal(\"2.0\"))", ".offset(duration(\"1h\"))",
                         ".toDays()"});
        case 14:
            return "(" + expr(depth - 1) + ")";
        case 15:
            return "((" + expr(depth - 1) + "))";
        case 16:
            return operand(depth) + " has a && " + operand(depth) + ".a has b";
        default:
            return "principal.attributeWithAVeryLongName" + std::to_string(depth) + " == " + operand(depth);
        }
    }

    std::mt19937 m_random;
};

} // namespace

class TestCedarFormatter : public QObject
{
    Q_OBJECT

private slots:
    void formats_data();
    void formats();

    // Paddock's own policy sets and generated policies, each also with comments everywhere, on one
    // line and a token per line.
    void keepsPoliciesAndComments_data();
    void keepsPoliciesAndComments();
    // The same for Cedar's conformance policies (../shared/cedar-conformance), when they are there.
    void keepsConformancePolicies_data();
    void keepsConformancePolicies();

    void refusesTextThatDoesNotParse();
};

void TestCedarFormatter::formats_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    // ---- policies, scopes and conditions
    QTest::newRow("empty file") << "" << "";
    QTest::newRow("blank file") << "\n\n  \n" << "";
    QTest::newRow("minimal") << "permit(principal,action,resource);"
                             << "permit (principal, action, resource);\n";
    QTest::newRow("spaces and line breaks are normalised")
        << "  forbid\n(\n principal ,\taction,resource\n)\n;\n\n\n"
        << "forbid (principal, action, resource);\n";
    QTest::newRow("scope that fits stays on one line")
        << R"(permit(principal==User::"alice",action==Action::"view",resource);)"
        << "permit (principal == User::\"alice\", action == Action::\"view\", resource);\n";
    QTest::newRow("scope that does not fit: one element per line")
        << R"(forbid(principal==User::"alice",action in [Action::"a",Action::"b"],resource is Photo in Album::"x");)"
        << "forbid (\n"
           "  principal == User::\"alice\",\n"
           "  action in [Action::\"a\", Action::\"b\"],\n"
           "  resource is Photo in Album::\"x\"\n"
           ");\n";
    QTest::newRow("long action list: one action per line")
        << R"(permit(principal,action in [Action::"UpdateList",Action::"CreateTask",Action::"UpdateTask",Action::"DeleteTask"],resource);)"
        << "permit (\n"
           "  principal,\n"
           "  action in [\n"
           "    Action::\"UpdateList\",\n"
           "    Action::\"CreateTask\",\n"
           "    Action::\"UpdateTask\",\n"
           "    Action::\"DeleteTask\"\n"
           "  ],\n"
           "  resource\n"
           ");\n";
    QTest::newRow("action in one entity or in a list of one, as written")
        << R"(permit(principal,action in Action::"a",resource); permit(principal,action in [Action::"a"],resource);)"
        << "permit (principal, action in Action::\"a\", resource);\n\n"
           "permit (principal, action in [Action::\"a\"], resource);\n";
    QTest::newRow("template slots, is, namespaces")
        << R"(permit(principal in ?principal,action==App::Action::"x",resource is App::Doc in ?resource);)"
        << "permit (\n"
           "  principal in ?principal,\n"
           "  action == App::Action::\"x\",\n"
           "  resource is App::Doc in ?resource\n"
           ");\n";
    QTest::newRow("annotations on their own lines")
        << R"(@id("p1") @advice("say \"no\"") @flag permit(principal,action,resource);)"
        << "@id(\"p1\")\n@advice(\"say \\\"no\\\"\")\n@flag\npermit (principal, action, resource);\n";
    QTest::newRow("conditions that fit stay on one line")
        << "permit(principal,action,resource)when{principal.age>=18}unless{context.blocked};"
        << "permit (principal, action, resource)\n"
           "when { principal.age >= 18 }\n"
           "unless { context.blocked };\n";
    QTest::newRow("long condition: indented block broken at &&")
        << R"(permit(principal,action,resource) when { principal.department == "Engineering" && resource.owner == principal && context.time < 1700000000 };)"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal.department == \"Engineering\" &&\n"
           "  resource.owner == principal &&\n"
           "  context.time < 1700000000\n"
           "};\n";
    QTest::newRow("|| of && groups: the && groups stay together when they fit")
        << R"(permit(principal,action,resource) when { principal.role == "admin" && context.mfa || principal.role == "owner" && resource.owner == principal };)"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal.role == \"admin\" && context.mfa ||\n"
           "  principal.role == \"owner\" && resource.owner == principal\n"
           "};\n";
    QTest::newRow("policies separated by one blank line")
        << "permit(principal,action,resource);forbid(principal,action,resource);\n\n\n\npermit(principal,"
           "action,"
           "resource);"
        << "permit (principal, action, resource);\n\n"
           "forbid (principal, action, resource);\n\n"
           "permit (principal, action, resource);\n";
    QTest::newRow("CRLF line ends") << "// a\r\npermit(principal,action,resource) // b\r\nwhen { true };\r\n"
                                    << "// a\npermit (principal, action, resource) // b\nwhen { true };\n";

    // ---- expressions
    auto when = [](const char *e) -> QString {
        return QStringLiteral("permit (principal, action, resource)\nwhen { ") + QString::fromUtf8(e) +
               QStringLiteral(" };\n");
    };
    QTest::newRow("operators get spaces")
        << "permit(principal,action,resource)when{1+2*3==7&&context.a!=context.b||context.n<=-1};"
        << when("1 + 2 * 3 == 7 && context.a != context.b || context.n <= -1");
    QTest::newRow("parentheses written are kept, a doubled pair becomes one")
        << "permit(principal,action,resource)when{((1 + 2)) * 3 == 9 && (context.a || context.b)};"
        << when("(1 + 2) * 3 == 9 && (context.a || context.b)");
    QTest::newRow("if-then-else")
        << "permit(principal,action,resource)when{(if context.a then 1 else 2) > 0 && (if context.b then "
           "true else "
           "false)};permit(principal,action,resource)when{if context.a then if context.b then 1 else 2 else "
           "3};"
        << QStringLiteral("permit (principal, action, resource)\n"
                          "when {\n"
                          "  (if context.a then 1 else 2) > 0 && (if context.b then true else false)\n"
                          "};\n\n") +
               when("if context.a then if context.b then 1 else 2 else 3");
    QTest::newRow("long if-then-else is broken before then and else")
        << "permit(principal,action,resource)when{if principal.department == \"Engineering\" then "
           "resource.classification <= 3 else resource.classification <= 1};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  if principal.department == \"Engineering\"\n"
           "  then resource.classification <= 3\n"
           "  else resource.classification <= 1\n"
           "};\n";
    QTest::newRow("unary operators, negative literals and unary minus")
        << "permit(principal,action,resource)when{!(principal in Group::\"a\") && !!context.b && - context.n "
           "< -5 "
           "&& -(5) == - -5 && -5.a == 1};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  !(principal in Group::\"a\") &&\n"
           "  !!context.b &&\n"
           "  -context.n < -5 &&\n"
           "  -(5) == --5 &&\n"
           "  -5.a == 1\n"
           "};\n";
    QTest::newRow("has, with identifiers, strings and paths")
        << "permit(principal,action,resource)when{principal has email&&principal has \"first "
           "name\"&&principal has "
           "address.city.zip};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal has email &&\n"
           "  principal has \"first name\" &&\n"
           "  principal has address.city.zip\n"
           "};\n";
    QTest::newRow("has path written out stays written out")
        << "permit(principal,action,resource)when{principal has a&&principal.a has b};"
        << when("principal has a && principal.a has b");
    QTest::newRow("has path inside && and ||")
        << "permit(principal,action,resource)when{context.x||principal has a.b&&(principal has a.b)};"
        << when("context.x || principal has a.b && (principal has a.b)");
    QTest::newRow("attribute access as written")
        << "permit(principal,action,resource)when{principal[\"first "
           "name\"]==principal.name&&resource[\"owner\"].id==\"x\"};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal[\"first name\"] == principal.name && resource[\"owner\"].id == \"x\"\n"
           "};\n";
    QTest::newRow("like keeps its pattern")
        << R"(permit(principal,action,resource)when{resource.path like "/home/*/\*.txt"};)"
        << when(R"(resource.path like "/home/*/\*.txt")");
    QTest::newRow("is and is-in") << "permit(principal,action,resource)when{principal is User&&resource is "
                                     "A::B::Photo in Album::\"a\"};"
                                  << when("principal is User && resource is A::B::Photo in Album::\"a\"");
    QTest::newRow("methods")
        << "permit(principal,action,resource)when{[1,2].contains(1)&&context.t.containsAll([\"a\"])&&context."
           "t."
           "containsAny([])};permit(principal,action,resource)when{context.t.isEmpty()&&principal.getTag("
           "\"x\")==\"y\""
           "&&principal.hasTag(\"x\")};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  [1, 2].contains(1) &&\n"
           "  context.t.containsAll([\"a\"]) &&\n"
           "  context.t.containsAny([])\n"
           "};\n\n"
           "permit (principal, action, resource)\n"
           "when {\n"
           "  context.t.isEmpty() && principal.getTag(\"x\") == \"y\" && principal.hasTag(\"x\")\n"
           "};\n";
    QTest::newRow("extension functions and methods")
        << "permit(principal,action,resource)when{ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.0/"
           "8\"))&&decimal(\"1.5\")."
           "lessThan(decimal(\"2.0\"))};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.0/8\")) &&\n"
           "  decimal(\"1.5\").lessThan(decimal(\"2.0\"))\n"
           "};\n";
    QTest::newRow("records keep their key spelling")
        << "permit(principal,action,resource)when{context.r=={a:1,\"b c\":\"x\",\"d\":true,}};"
        << when("context.r == {a: 1, \"b c\": \"x\", \"d\": true}");
    QTest::newRow("long set: one element per line")
        << "permit(principal,action,resource)when{[\"github.com\",\"gitlab.com\",\"bitbucket.org\","
           "\"codeberg.org\","
           "\"example.org\"].contains(resource.name)};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  [\n"
           "    \"github.com\",\n"
           "    \"gitlab.com\",\n"
           "    \"bitbucket.org\",\n"
           "    \"codeberg.org\",\n"
           "    \"example.org\"\n"
           "  ].contains(resource.name)\n"
           "};\n";
    QTest::newRow("long record: one field per line") << "permit(principal,action,resource)when{resource."
                                                        "config=={organization:principal.owner.organization,"
                                                        "serviceline:principal.serviceline}};"
                                                     << "permit (principal, action, resource)\n"
                                                        "when {\n"
                                                        "  resource.config == {\n"
                                                        "    organization: principal.owner.organization,\n"
                                                        "    serviceline: principal.serviceline\n"
                                                        "  }\n"
                                                        "};\n";
    QTest::newRow("literals exactly as written")
        << R"(permit(principal,action,resource)when{007==7&&"a\"b\\c\u{e9}\n\x41"==context.s&&User::"a\"b"==A::B::"x"&&-9223372036854775808<0};)"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  007 == 7 &&\n"
           "  \"a\\\"b\\\\c\\u{e9}\\n\\x41\" == context.s &&\n"
           "  User::\"a\\\"b\" == A::B::\"x\" &&\n"
           "  -9223372036854775808 < 0\n"
           "};\n";
    QTest::newRow("other operators; at most four unary operators in a row")
        << "permit(principal,action,resource)when{context.a>1&&context.b-1>0&&!!!!(!context.c)&&context.d && "
           "(context.e && context.f)};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  context.a > 1 &&\n"
           "  context.b - 1 > 0 &&\n"
           "  !!!!(!context.c) &&\n"
           "  context.d &&\n"
           "  (context.e && context.f)\n"
           "};\n";
    QTest::newRow("a group in parentheses breaks inside, aligned after the parenthesis")
        << "permit(principal,action,resource)when{resource.port==443&&([\"api.anthropic.com\",\"registry."
           "npmjs.org\"]"
           ".contains(resource.name)||resource.name like \"*.githubusercontent.com\")};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  resource.port == 443 &&\n"
           "  ([\"api.anthropic.com\", \"registry.npmjs.org\"].contains(resource.name) ||\n"
           "   resource.name like \"*.githubusercontent.com\")\n"
           "};\n";
    QTest::newRow("long arithmetic breaks after its operators, indented")
        << "permit(principal,action,resource)when{principal.someVeryLongAttributeName + "
           "principal.anotherVeryLongAttributeName * 2 - principal.third > 10};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal.someVeryLongAttributeName +\n"
           "    principal.anotherVeryLongAttributeName * 2 -\n"
           "    principal.third > 10\n"
           "};\n";
    QTest::newRow("long comparison and like break after the operator")
        << "permit(principal,action,resource)when{principal.someVeryLongAttributeNameNumberOne == "
           "principal.someVeryLongAttributeNameNumberTwo};permit(principal,action,resource)when{"
           "resource.someVeryLongAttributeNameNumberOne.path like "
           "\"/a/very/long/pattern/that/does/not/fit/*\"};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  principal.someVeryLongAttributeNameNumberOne ==\n"
           "    principal.someVeryLongAttributeNameNumberTwo\n"
           "};\n\n"
           "permit (principal, action, resource)\n"
           "when {\n"
           "  resource.someVeryLongAttributeNameNumberOne.path like\n"
           "    \"/a/very/long/pattern/that/does/not/fit/*\"\n"
           "};\n";
    QTest::newRow("nested if-then-else")
        << "permit(principal,action,resource)when{if principal.a then if principal.b then \"first branch of "
           "the "
           "inner if\" else \"second\" else \"third branch of the outer if\"};"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  if principal.a\n"
           "  then if principal.b then \"first branch of the inner if\" else \"second\"\n"
           "  else \"third branch of the outer if\"\n"
           "};\n";
    QTest::newRow("empty set and record, reserved words as keys")
        << "permit(principal,action,resource)when{{} == context.r && [] == context.s && {\"if\": 1, \"a b\": "
           "2}[\"if\"] == 1 && principal has \"if\" };"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  {} == context.r &&\n"
           "  [] == context.s &&\n"
           "  {\"if\": 1, \"a b\": 2}[\"if\"] == 1 &&\n"
           "  principal has \"if\"\n"
           "};\n";
    QTest::newRow("-0 is the literal 0")
        << "permit(principal,action,resource)when{-0==0&&-(-0)==0};" << when("0 == 0 && -(0) == 0");
    QTest::newRow("a string with a line break in it is left alone")
        << "permit(principal,action,resource)when{context.s==\"two\n  lines\"};"
        << when("context.s == \"two\n  lines\"");

    // ---- comments
    QTest::newRow("comments before a policy; blank lines between them kept")
        << "// Section\n\n\n// About p1\n// more\npermit(principal,action,resource);\n// About "
           "p2\n\nforbid(principal,"
           "action,resource);"
        << "// Section\n\n// About p1\n// more\npermit (principal, action, resource);\n\n// About p2\n\n"
           "forbid (principal, action, resource);\n";
    QTest::newRow("comment after the policy and at the end of the file")
        << "permit(principal,action,resource);   // why   \n// the end"
        << "permit (principal, action, resource); // why\n// the end\n";
    QTest::newRow("comment-only file") << "// just\n\n\n// notes  \n" << "// just\n\n// notes\n";
    QTest::newRow("trailing comment in the scope breaks it")
        << "permit(principal == User::\"a\", // who\naction, resource);"
        << "permit (\n  principal == User::\"a\", // who\n  action,\n  resource\n);\n";
    QTest::newRow("comment before a comma goes after it")
        << "permit(principal // who\n, action, resource // what\n);"
        << "permit (\n  principal, // who\n  action,\n  resource // what\n);\n";
    QTest::newRow("comments between annotations and effect")
        << "@id(\"x\") // the id\n// note\npermit(principal,action,resource);"
        << "@id(\"x\") // the id\n// note\npermit (principal, action, resource);\n";
    QTest::newRow("comments inside a condition") << "permit(principal,action,resource) when { // why\n  // "
                                                    "first\n  context.a && // a\n  context.b // b\n  // "
                                                    "last\n};"
                                                 << "permit (principal, action, resource)\n"
                                                    "when { // why\n"
                                                    "  // first\n"
                                                    "  context.a && // a\n"
                                                    "  context.b // b\n"
                                                    "  // last\n"
                                                    "};\n";
    QTest::newRow("comment before an operator goes after it")
        << "permit(principal,action,resource) when { context.a // a\n  && context.b };"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  context.a && // a\n"
           "  context.b\n"
           "};\n";
    QTest::newRow("comment before when and before the semicolon")
        << "permit(principal,action,resource)\n// condition\nwhen { true } // end\n;"
        << "permit (principal, action, resource)\n// condition\nwhen { true }; // end\n";
    QTest::newRow("comments in sets, records and parentheses")
        << "permit(principal,action,resource) when { [1, // one\n 2] == context.s && {a: 1 // x\n} == "
           "context.r && "
           "(context.p // p\n) && [ // none\n] == context.e };"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  [\n"
           "    1, // one\n"
           "    2\n"
           "  ] == context.s &&\n"
           "  {\n"
           "    a: 1 // x\n"
           "  } == context.r &&\n"
           "  (context.p // p\n"
           "  ) &&\n"
           "  [ // none\n"
           "  ] == context.e\n"
           "};\n";
    QTest::newRow("comments inside a has path, an entity, a record key and a type")
        << "@id(\"t\") permit // effect\n(principal, action, resource) when { principal has contactInfo // "
           "c1\n"
           ".address && User:: // e\n\"x\" == principal && {a // key\n: 1} == context.r && principal is A:: "
           "// t\nB};"
        << "@id(\"t\")\n"
           "permit // effect\n"
           "(principal, action, resource)\n"
           "when {\n"
           "  principal has\n"
           "    contactInfo // c1\n"
           "    .address &&\n"
           "  User:: // e\n"
           "  \"x\" == principal &&\n"
           "  {\n"
           "    a // key\n"
           "    : 1\n"
           "  } == context.r &&\n"
           "  principal is A:: // t\n"
           "  B\n"
           "};\n";
    QTest::newRow("comments inside if-then-else")
        << "permit(principal,action,resource) when { if context.a // c\n then 1 // t\n else 2 } ;"
        << "permit (principal, action, resource)\n"
           "when {\n"
           "  if context.a // c\n"
           "  then 1 // t\n"
           "  else 2\n"
           "};\n";
}

void TestCedarFormatter::formats()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    const auto formatted = formatPolicies(input.toStdString());
    QVERIFY2(formatted.has_value(), firstError(formatted).constData());
    QCOMPARE(qs(*formatted), expected);
    const auto again = formatPolicies(*formatted);
    QVERIFY(again.has_value());
    QCOMPARE(qs(*again), expected);
}

namespace {

// The .cedar files under `dir`, sorted.
QStringList policyFiles(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, {QStringLiteral("*.cedar")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    files.sort();
    return files;
}

// A row for `text` as it is, and one for each way of laying its tokens out differently.
void addVariants(const QString &name, const std::string &text)
{
    QTest::newRow(qPrintable(name)) << QByteArray::fromStdString(text);
    // A comment after every token, at the end of the line or on a line of its own.
    QTest::newRow(qPrintable(name + QStringLiteral(" +comments")))
        << QByteArray::fromStdString(rejoin(text, [](size_t i) {
               return i % 2 ? " // t" + std::to_string(i) + "\n"
                            : "\n// own line " + std::to_string(i) + "\n";
           }));
    QTest::newRow(qPrintable(name + QStringLiteral(" one line")))
        << QByteArray::fromStdString(rejoin(text, [](size_t) { return std::string(" "); }));
    QTest::newRow(qPrintable(name + QStringLiteral(" token per line")))
        << QByteArray::fromStdString(rejoin(text, [](size_t) { return std::string("\n"); }));
}

void addFileVariants(const QStringList &files)
{
    for (const QString &file : files) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", qPrintable(file));
        addVariants(file, f.readAll().toStdString());
    }
}

} // namespace

void TestCedarFormatter::keepsPoliciesAndComments_data()
{
    QTest::addColumn<QByteArray>("source");

    const QString sources = qEnvironmentVariable("PADDOCK_SOURCE_DIR");
    QVERIFY2(!sources.isEmpty(), "PADDOCK_SOURCE_DIR is not set");
    const QStringList files = policyFiles(sources + QStringLiteral("/resources/policy"));
    QVERIFY2(files.size() >= 3, qPrintable(QStringLiteral("only %1 of Paddock's policy files found in %2")
                                               .arg(files.size())
                                               .arg(sources + QStringLiteral("/resources/policy"))));
    addFileVariants(files);

    ExpressionGenerator generator(20240611);
    int parsed = 0;
    for (int i = 0; parsed < 300 && i < 3000; ++i) {
        const std::string policy = generator.policy();
        if (!parsePolicies(policy).ok())
            continue;
        ++parsed;
        addVariants(QStringLiteral("generated %1").arg(i), policy);
    }
    QCOMPARE(parsed, 300);
}

void TestCedarFormatter::keepsConformancePolicies_data()
{
    QTest::addColumn<QByteArray>("source");

    // Optional data beside the repository: a fresh clone passes without it.
    const QString conformance = qEnvironmentVariable("PADDOCK_CONFORMANCE_DIR");
    if (conformance.isEmpty() || !QFileInfo(conformance).isDir())
        QSKIP(
            qPrintable(QStringLiteral("Cedar's conformance tests are not at \"%1\" (PADDOCK_CONFORMANCE_DIR; "
                                      "../shared/cedar-conformance beside the repository)")
                           .arg(conformance)));
    const QStringList files = policyFiles(conformance + QStringLiteral("/tests"));
    if (files.size() < 17) { // the folder is there but broken: a failure, not a skip
        QTest::newRow(
            qPrintable(QStringLiteral("only %1 policy files in %2/tests").arg(files.size()).arg(conformance)))
            << QByteArray();
        return;
    }
    addFileVariants(files);
}

void TestCedarFormatter::keepsConformancePolicies()
{
    QFETCH(QByteArray, source);
    QVERIFY2(!source.isEmpty(), QTest::currentDataTag());
    keepsPoliciesAndComments();
}

void TestCedarFormatter::keepsPoliciesAndComments()
{
    QFETCH(QByteArray, source);
    const std::string input = source.toStdString();
    const ParseResult original = parsePolicies(input);
    QVERIFY2(original.ok(), firstError(original.diagnostics).constData());

    const auto formatted = formatPolicies(input);
    QVERIFY2(formatted.has_value(), firstError(formatted).constData());
    const ParseResult reparsed = parsePolicies(*formatted);
    QVERIFY2(reparsed.ok(), qPrintable(qs(*formatted)));
    QCOMPARE(qs(dump(reparsed.policies)), qs(dump(original.policies)));
    QCOMPARE(comments(*formatted), comments(input));

    const auto again = formatPolicies(*formatted);
    QVERIFY(again.has_value());
    QCOMPARE(qs(*again), qs(*formatted));

    // No trailing blanks, and the file ends with one line break.
    QVERIFY(formatted->empty() || (formatted->ends_with('\n') && !formatted->ends_with("\n\n")));
    QVERIFY(formatted->find(" \n") == std::string::npos);
}

void TestCedarFormatter::refusesTextThatDoesNotParse()
{
    const std::string text = "permit(principal,action,resource) when { principal.a = 1 };";
    const auto formatted = formatPolicies(text);
    QVERIFY(!formatted.has_value());
    const Diagnostics &diags = formatted.error();
    QVERIFY(!diags.empty());
    QCOMPARE(diags.front().span.line, 1u);
    QCOMPARE(qs(diags.front().help), QStringLiteral("equality is `==`"));
}

QTEST_APPLESS_MAIN(TestCedarFormatter)
#include "test_cedar_formatter.moc"
