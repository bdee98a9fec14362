// Cedar's strict validator (`cedar validate`), on cases ported from the reference implementation's
// typechecker and validator tests (cedar-policy-core/src/validator/typecheck/test/{strict,expr,
// optional_attributes,tags,policy,extensions}.rs and validator.rs/rbac.rs). Each case is a schema,
// a policy and the expected verdict: valid, or the line:column of one of the errors and a fragment
// of its message or help (the verdicts agree with cedar 4.13.0 through tools/cedar-reference; the
// positions and wording are Paddock's). Then Cedar's hand-written conformance tests: every policy
// file there is valid for its schema.
#include "policy/Parser.h"
#include "policy/Schema.h"
#include "policy/Validator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <map>

using namespace paddock::cedar;
using namespace Qt::StringLiterals;

namespace {

const std::map<std::string, const char *> &schemas()
{
    static const std::map<std::string, const char *> texts{
        // strict.rs
        {"Strict", R"(
            entity User, Photo;
            action view_photo, delete_photo appliesTo { principal: [User], resource: [Photo] };
        )"},
        {"Ctx", R"(
            entity Foo;
            action A appliesTo { context: { num_of_things?: Long }, principal: [Foo], resource: [Foo] };
        )"},
        // expr.rs: an entity hierarchy and an action hierarchy
        {"Hier", R"(
            entity Principal, Resource;
            entity f in Principal;
            entity g;
            action "action" in ["parent"] appliesTo { principal: Principal, resource: Resource };
            action "parent", "other";
        )"},
        {"Ext", R"(
            entity User { ip: ipaddr, score: decimal, born: datetime, ttl: duration };
            action view appliesTo {
                principal: [User], resource: [User],
                context: { ip: ipaddr, when: datetime, d: duration, n: Long }
            };
        )"},
        // optional_attributes.rs
        {"Opt", R"(
            entity User { name?: String, age?: Long, record: { name?: String, other: String } };
            action view_photo appliesTo { principal: [User], resource: [User], context: { x: { y?: Long } } };
        )"},
        // policy.rs (extended has)
        {"Path", R"(
            entity A { x?: { y?: { z?: Long } } };
            action "action" appliesTo { principal: A, resource: A };
        )"},
        // tags.rs
        {"Tags", R"(
            entity E tags String;
            entity F { foo: String, opt?: String } tags Set<String>;
            entity Blank;
            action A1 appliesTo { principal: [E], resource: [F], context: { bool: Bool } };
            action A2 appliesTo { principal: [F], resource: [E], context: { bool: Bool } };
            action A3 appliesTo { principal: [E, F], resource: [E, F], context: { bool: Bool } };
            action A4 appliesTo { principal: [E], resource: [Blank], context: { bool: Bool } };
        )"},
        // policy.rs
        {"Simple", R"(
            entity User in [Group] { name: String, age: Long, favorite: Photo };
            entity Group { name: String };
            entity Photo in [Album] { file_type: String, owner: User };
            entity Album;
            action view_photo appliesTo { principal: [User, Group], resource: [Photo] };
            action delete_group appliesTo { principal: [User], resource: [Group] };
        )"},
        {"Cycle", R"(
            entity E;
            entity U { foo: { foo: U }, bar: Bool };
            action view appliesTo { principal: [U], resource: [E] };
        )"},
        {"Enum", R"(
            entity User { favorite: Color };
            entity Color enum ["red", "blue"];
            action paint appliesTo { principal: [User], resource: [Color] };
        )"},
        {"Ns", R"(
            namespace App {
                entity User in [Team] { name: String };
                entity Team;
                entity Doc { owner: User };
                action access;
                action read, write in [access] appliesTo { principal: [User], resource: [Doc] };
            }
        )"},
    };
    return texts;
}

std::shared_ptr<const Schema> schema(const std::string &key)
{
    const SchemaParseResult r = parseSchema(schemas().at(key));
    if (!r.schema)
        qFatal("schema %s does not parse: %s", key.c_str(), r.diagnostics.front().message.c_str());
    return r.schema;
}

// The extension types' parsers are written elsewhere; cases whose verdict depends on literals
// such as `datetime("2024-10-28")` parsing wait for them.
bool extensionsReady()
{
    return IpAddr::parse("222.222.222.0/24").has_value() && IpAddr::parse("192.168.0.1").has_value() &&
           Decimal::parse("0.75").has_value() && Datetime::parse("2024-10-28").has_value() &&
           Duration::parse("1h").has_value();
}

std::string listed(const Diagnostics &diags)
{
    std::string out;
    for (const Diagnostic &d : diags)
        out += "\n  " + std::to_string(d.span.line) + ":" + std::to_string(d.span.column) +
               (d.severity == Diagnostic::Severity::Error ? " error: " : " warning: ") + d.message +
               (d.help.empty() ? std::string() : " (help: " + d.help + ")");
    return out.empty() ? std::string("\n  (none)") : out;
}

Policy parseOne(const std::string &text)
{
    ParseResult r = parsePolicies(text);
    if (!r.ok() || r.policies.size() != 1)
        qFatal("policy does not parse: %s",
               r.diagnostics.empty() ? "?" : r.diagnostics.front().message.c_str());
    return std::move(r.policies.front());
}

// Validates the one policy of the text (policies are move-only, so no initializer list).
Diagnostics validateText(const std::string &text, const Schema &schema)
{
    std::vector<Policy> policies;
    policies.push_back(parseOne(text));
    return validatePolicies(policies, schema);
}

int errorCount(const Diagnostics &diags)
{
    return int(std::count_if(diags.begin(), diags.end(),
                             [](const Diagnostic &d) { return d.severity == Diagnostic::Severity::Error; }));
}

} // namespace

class TestCedarValidator : public QObject
{
    Q_OBJECT

private slots:
    void validates_data()
    {
        QTest::addColumn<QByteArray>("schema");
        QTest::addColumn<QByteArray>("policy");
        // Empty: valid. "line:column fragment": an error there whose message or help holds the
        // fragment. "warning line:column fragment": valid, with such a warning.
        QTest::addColumn<QByteArray>("expected");
        QTest::addColumn<bool>("needsExtensions");

        QTest::newRow("strict: regular type error")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 + false > 0 };)cedar")
            << QByteArray("1:72 expected Long") << false;
        QTest::newRow("strict: entity == other entity type is false")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal == Photo::"image.jpg" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: action == its literal is true")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { action == Action::"view_photo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: literal equality")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 == 1 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: == needs compatible types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal == "foo" };)cedar")
            << QByteArray("1:68 not compatible") << false;
        QTest::newRow("strict: contains needs compatible types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [1].contains("test") };)cedar")
            << QByteArray("1:68 not compatible") << false;
        QTest::newRow("strict: containsAny needs compatible types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [principal].containsAny([1]) };)cedar")
            << QByteArray("1:68 not compatible") << false;
        QTest::newRow("strict: containsAll needs compatible types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [principal].containsAll([1]) };)cedar")
            << QByteArray("1:68 not compatible") << false;
        QTest::newRow("strict: false guard checks only else")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if resource == User::"alice" then 1 else "foo") == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: true guard checks only then")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if action == Action::"view_photo" then 1 else "foo") == 1 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: unknown guard keeps both branches")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if principal == User::"alice" then 1 else 2) == 1 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: branches of different entity types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if principal == User::"alice" then User::"alice" else Photo::"pie.jpg") == principal };)cedar")
            << QByteArray("1:69 not compatible") << false;
        QTest::newRow("strict: set of different entity types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [User::"alice", Photo::"foo.jpg"].contains(principal) };)cedar")
            << QByteArray("1:68 Photo and User") << false;
        QTest::newRow("strict: empty set literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [].contains(1) };)cedar")
            << QByteArray("1:68 empty set") << false;
        QTest::newRow("strict: ip constructor on a non-literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { ip(if 1 > 0 then "a" else "b").isIpv4() };)cedar")
            << QByteArray("1:68 non-literal") << false;
        QTest::newRow("strict: decimal constructor on a non-literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { decimal(if 1 > 0 then "0.1" else "1.0").lessThan(decimal("1.5")) };)cedar")
            << QByteArray("1:68 non-literal") << false;
        QTest::newRow("strict: in on branches of different types")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { User::"alice" in (if 1 > 0 then User::"alice" else Photo::"pie.jpg") };)cedar")
            << QByteArray("1:86 not compatible") << false;
        QTest::newRow("strict: nested in && left")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (1 == (2 > 0)) && true };)cedar")
            << QByteArray("1:69 Bool and Long") << false;
        QTest::newRow("strict: nested in || right")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { false || (1 == (2 > 0)) };)cedar")
            << QByteArray("1:78 not compatible") << false;
        QTest::newRow("strict: nested in !")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { !(principal == "foo") };)cedar")
            << QByteArray("1:70 not compatible") << false;
        QTest::newRow("strict: nested in arithmetic")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 2*(if principal == false then 3 else 4) == 8 };)cedar")
            << QByteArray("1:74 not compatible") << false;
        QTest::newRow("strict: nested in like")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if principal == false then "foo" else "bar") like "bar" };)cedar")
            << QByteArray("1:72 not compatible") << false;
        QTest::newRow("strict: record literal attribute")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { {name: "foo"}.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: nested in record literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { {name: principal == "foo"}.name };)cedar")
            << QByteArray("1:75 not compatible") << false;
        QTest::newRow("strict: has on a record literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { {name: "foo"} has bar };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: records of different shapes")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if principal == principal then {name: 1} else {bar: 2}) has bar };)cedar")
            << QByteArray("1:69 same attributes") << false;
        QTest::newRow("strict: nested in extension argument")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { ip("127.0.0.1").isInRange(if principal == false then ip("127.0.0.1") else ip("10.1.2.3")) };)cedar")
            << QByteArray("1:97 not compatible") << false;
        QTest::newRow("strict: sets of booleans")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [false] == [true, true] };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: set of true contains false")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [true].contains(false) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: nested sets of booleans")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [[true], [false]] == [[true, false]] };)cedar")
            << QByteArray("") << false;
        QTest::newRow("strict: optional vs required record attribute")
            << QByteArray("Ctx")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { context == {num_of_things: 1} };)cedar")
            << QByteArray("1:44 optionality") << false;
        QTest::newRow("expr: heterogeneous set")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { [true, 1].contains(true) };)cedar")
            << QByteArray("1:68 Bool and Long") << false;
        QTest::newRow("expr: && left not boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 && true };)cedar")
            << QByteArray("1:68 expected Bool but saw Long") << false;
        QTest::newRow("expr: && right not boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (1 > 0) && 2 };)cedar")
            << QByteArray("1:79 expected Bool") << false;
        QTest::newRow("expr: comparison with a boolean on the left of &&")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (1 > false) && true };)cedar")
            << QByteArray("1:73 expected Long") << false;
        QTest::newRow("expr: comparison with a boolean on the right of &&")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { true && (1 > false) };)cedar")
            << QByteArray("1:81 expected Long") << false;
        QTest::newRow("expr: || left not boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 || true };)cedar")
            << QByteArray("1:68 expected Bool") << false;
        QTest::newRow("expr: || true short-circuits")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { true || (!1) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: && false short-circuits")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { false && (!1) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: || right not boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (2 > 0) || 1 };)cedar")
            << QByteArray("1:79 expected Bool") << false;
        QTest::newRow("expr: comparison with a boolean on the right of ||")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { false || (1 > true) };)cedar")
            << QByteArray("1:82 expected Long") << false;
        QTest::newRow("expr: literals of different types are just unequal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { "foo" == false };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: empty context has nothing")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { context has attr };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: has on a record literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { {a: 1} has a };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: has on a branch of records")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if 1 > 0 then {a: 1} else {a: 2}) has b };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: has on a boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { true has attr };)cedar")
            << QByteArray("1:68 entity or record") << false;
        QTest::newRow("expr: attribute of record or long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if (0 < 1) then {foo: true} else 1).foo };)cedar")
            << QByteArray("1:69 not compatible") << false;
        QTest::newRow("expr: attribute of an empty record")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { ({}.foo) };)cedar")
            << QByteArray("1:69 not found") << false;
        QTest::newRow("expr: attribute of a short-circuited branch")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if true then {} else {foo: 1}).foo };)cedar")
            << QByteArray("1:69 not found") << false;
        QTest::newRow("expr: principal in itself")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal in principal };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: in on a long and a boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 0 in true };)cedar")
            << QByteArray("1:68 expected entity") << false;
        QTest::newRow("expr: in on a long and a boolean, right")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 0 in true };)cedar")
            << QByteArray("1:73 Set<entity> or entity") << false;
        QTest::newRow("expr: contains on a string")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { "foo".contains("bar") };)cedar")
            << QByteArray("1:68 try using `like`") << false;
        QTest::newRow("expr: contains on a record")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { {foo: 1}.contains("foo") };)cedar")
            << QByteArray("1:68 try using `has`") << false;
        QTest::newRow("expr: containsAll on a long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1.containsAll(true) };)cedar")
            << QByteArray("1:68 expected Set") << false;
        QTest::newRow("expr: containsAll of a boolean")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1.containsAll(true) };)cedar")
            << QByteArray("1:82 single element") << false;
        QTest::newRow("expr: isEmpty on a string")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { "crab".isEmpty() };)cedar")
            << QByteArray(R"cedar(1:68 `== ""`)cedar") << false;
        QTest::newRow("expr: like on a long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 like "bar" };)cedar")
            << QByteArray("1:68 expected String") << false;
        QTest::newRow("expr: < on booleans")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { true < false };)cedar")
            << QByteArray("1:68 datetime, duration or Long") << false;
        QTest::newRow("expr: < on a boolean and a long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { true < 1 };)cedar")
            << QByteArray("1:68 expected Long but saw Bool") << false;
        QTest::newRow("expr: ! on a long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { !1 };)cedar")
            << QByteArray("1:69 expected Bool") << false;
        QTest::newRow("expr: if on a string guard")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if "fail" then 1 else "test") == 1 };)cedar")
            << QByteArray("1:72 expected Bool") << false;
        QTest::newRow("expr: if with incompatible branches")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { (if "fail" then 1 else "test") == 1 };)cedar")
            << QByteArray("1:69 Long and String") << false;
        QTest::newRow("expr: negation of a string")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { -"foo" == 1 };)cedar")
            << QByteArray("1:69 expected Long") << false;
        QTest::newRow("expr: multiplication of a string")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { "foo" * 2 == 2 };)cedar")
            << QByteArray("1:68 expected Long") << false;
        QTest::newRow("expr: string concatenation")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 + "foo" == 1 };)cedar")
            << QByteArray("1:72 concatenation") << false;
        QTest::newRow("expr: is on a long")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { 1 is User };)cedar")
            << QByteArray("1:68 type tests") << false;
        QTest::newRow("expr: is on an entity literal")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { User::"alice" is User };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: is with another type")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { User::"alice" is Photo };)cedar")
            << QByteArray("") << false;
        QTest::newRow("expr: is in")
            << QByteArray("Strict")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal is User in [User::"a"] };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: unrelated literals short-circuit")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { f::"foo" in g::"bar" && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: related literals do not")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { f::"foo" in Principal::"bar" && principal.nope };)cedar")
            << QByteArray("1:96 not found") << false;
        QTest::newRow("in: variable not in a type it cannot belong to")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal in f::"bar" && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: unrelated computed entity")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { (if false then f::"foo" else f::"bar") in g::"baz" && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: unrelated set element")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { f::"foo" in [g::"bar"] && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: action in its group is true")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { Action::"action" in Action::"parent" && principal.nope };)cedar")
            << QByteArray("1:104 not found") << false;
        QTest::newRow("in: action not in another action")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { Action::"parent" in action && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: action not in other actions")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { action in [Action::"other"] && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: action never in an entity")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { action in principal && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: entity never in an action")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal in action && principal.nope };)cedar")
            << QByteArray("") << false;
        QTest::newRow("in: undeclared action on the right")
            << QByteArray("Hier")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { action in Action::"nope" };)cedar")
            << QByteArray(R"cedar(1:74 unrecognized action `Action::"nope"`)cedar") << false;
        QTest::newRow("ext: ip literal that does not parse")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { ip("foo").isIpv4() };)cedar")
            << QByteArray("1:62 IP address") << false;
        QTest::newRow("ext: ip of a long")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { ip(3).isIpv4() };)cedar")
            << QByteArray("1:65 expected String") << false;
        QTest::newRow("ext: isInRange of a long")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { context.ip.isInRange(3) };)cedar")
            << QByteArray("1:83 expected ipaddr") << false;
        QTest::newRow("ext: isInRange")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { context.ip.isInRange(ip("10.0.0.0/8")) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ext: decimal method of a long")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { decimal("1.5").lessThan(4) };)cedar")
            << QByteArray("1:86 expected decimal") << false;
        QTest::newRow("ext: decimal literal that does not parse")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { decimal("foo") == decimal("1.5") };)cedar")
            << QByteArray("1:62 decimal") << false;
        QTest::newRow("ext: decimal comparison operators are not overloaded")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { principal.score < decimal("1.5") };)cedar")
            << QByteArray("1:62 expected datetime, duration or Long") << false;
        QTest::newRow("ext: datetime literal that does not parse")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { datetime("foo") == context.when };)cedar")
            << QByteArray("1:62 datetime") << false;
        QTest::newRow("ext: datetime comparison")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { datetime("2024-10-28") < datetime("2024-10-29") };)cedar")
            << QByteArray("") << true;
        QTest::newRow("ext: duration comparison")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { duration("1h") <= duration("2h") };)cedar")
            << QByteArray("") << true;
        QTest::newRow("ext: datetime attributes compare")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { context.when >= principal.born && context.d > principal.ttl };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ext: boolean below a duration")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { true < duration("1h") };)cedar")
            << QByteArray("1:62 expected duration") << true;
        QTest::newRow("ext: duration below a long")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { duration("1d") < 1 };)cedar")
            << QByteArray("1:62 expected Long") << true;
        QTest::newRow("ext: long below a duration")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { 1 < duration("1d") };)cedar")
            << QByteArray("1:66 expected Long") << true;
        QTest::newRow("ext: datetime below a duration")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { datetime("2024-10-29") < duration("1h") };)cedar")
            << QByteArray("1:87 expected datetime") << true;
        QTest::newRow("ext: datetime attribute above a duration one")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { context.when > context.d };)cedar")
            << QByteArray("1:77 expected datetime") << false;
        QTest::newRow("ext: offset by a long")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { datetime("2024-10-28").offset(9) == context.when };)cedar")
            << QByteArray("1:92 expected duration") << true;
        QTest::newRow("ext: datetime and duration methods")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { context.d.toHours() > 1 && context.when.toDate() < context.when.offset(context.d) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ext: duration literal methods")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { duration("1h").toMinutes() > 30 && context.when.durationSince(datetime("2024-10-28")) < duration("1d") };)cedar")
            << QByteArray("") << true;
        QTest::newRow("ext: datetime equality")
            << QByteArray("Ext")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view", resource) when { datetime("2024-10-28") != context.when };)cedar")
            << QByteArray("") << true;
        QTest::newRow("opt: && guard principal")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: && guard resource")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource has name && resource.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: principal and resource guards")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource has name && principal has age && resource.name == "foo" && principal.age == 1 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: && branches union")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name && principal has age) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: && with true keeps the left guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name && true) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: true && keeps the right guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (true && principal has name) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: && operands see the prior guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name) && (principal.name == "foo" && principal.name == "foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: false && is not checked")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has age || (false && principal.name == "foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: || of the same guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name || principal has name) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: false || keeps the right guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (false || principal has name) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: || false keeps the left guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name || false) && principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: || operands see the prior guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name) && (principal.name == "foo" || principal.name == "foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: then guarded by the test")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if principal has name then principal.name == "foo" else false };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: then guarded by the prior guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && (if principal has age then principal.name == "foo" else false) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: else guarded by the prior guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && (if principal has age then false else principal.name == "foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: if true checks only then")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && (if true then principal.name == "foo" else principal.age == 1) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: if false checks only else")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && (if false then principal.age == 1 else principal.name == "foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: if as a guard, same in both branches")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if if (principal has age) then (principal has name) else (principal has name) then principal.name == "foo" else false };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: if as a guard, then keeps the test's guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if if (principal has name) then (principal has age) else (principal has name) then principal.name == "foo" else false };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: if as a guard of && ")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (if (principal has name) then (principal has age) else (principal has name && principal has age)) && principal.name == "hi" && principal.age == 2 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: has after the same has is true")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name && (if principal has name then principal.name == "foo" else principal.age == 3) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: guard on a nested record")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.record has name && principal.record.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: guard in an earlier when clause")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name } when { principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: guard before an unless clause")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name } unless { principal.name == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("opt: unguarded")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.name == "foo" };)cedar")
            << QByteArray("1:44 optional attribute `name` on entity type `User`") << false;
        QTest::newRow("opt: unguarded, help")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.name == "foo" };)cedar")
            << QByteArray("1:44 e has name") << false;
        QTest::newRow("opt: guarded only in then")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if principal has name then false else principal.name == "foo" };)cedar")
            << QByteArray("1:82 optional attribute") << false;
        QTest::newRow("opt: || does not guard its right")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has name || principal.name == "foo" };)cedar")
            << QByteArray("1:66 optional attribute") << false;
        QTest::newRow("opt: || guard after the access")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.name == "foo" || principal has name };)cedar")
            << QByteArray("1:44 optional attribute") << false;
        QTest::newRow("opt: || of different guards")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (principal has name || principal has age) && principal.name == "foo" };)cedar")
            << QByteArray("1:89 optional attribute") << false;
        QTest::newRow("opt: && guard after the access")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.name == "foo" && principal has name };)cedar")
            << QByteArray("1:44 optional attribute") << false;
        QTest::newRow("opt: else not guarded by the test")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if principal has name then principal["name"] == "foo" else principal.name == "bar" };)cedar")
            << QByteArray("1:103 optional attribute") << false;
        QTest::newRow("opt: if guard with an empty intersection")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if if (principal has age) then (principal has age) else (principal has name) then principal.name == "foo" else false };)cedar")
            << QByteArray("1:126 optional attribute") << false;
        QTest::newRow("opt: guard on another variable")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource has name && principal.name == "foo" };)cedar")
            << QByteArray("1:65 optional attribute") << false;
        QTest::newRow("opt: negated guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { !(principal has name) && principal.name == "foo" };)cedar")
            << QByteArray("1:69 optional attribute") << false;
        QTest::newRow("opt: true is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { true && principal.name == "foo" };)cedar")
            << QByteArray("1:52 optional attribute") << false;
        QTest::newRow("opt: set contains is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { [principal has name].contains(principal has name) && principal.name == "foo" };)cedar")
            << QByteArray("1:97 optional attribute") << false;
        QTest::newRow("opt: containsAll is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { [principal has name].containsAll([principal has name]) && principal.name == "foo" };)cedar")
            << QByteArray("1:102 optional attribute") << false;
        QTest::newRow("opt: containsAny is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { [principal has name].containsAny([principal has name]) && principal.name == "foo" };)cedar")
            << QByteArray("1:102 optional attribute") << false;
        QTest::newRow("opt: like is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { "foo" like "bar" && principal.name == "foo" };)cedar")
            << QByteArray("1:64 optional attribute") << false;
        QTest::newRow("opt: record attribute is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { {name: true}.name && principal.name == "foo" };)cedar")
            << QByteArray("1:65 optional attribute") << false;
        QTest::newRow("opt: has on a record literal is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { {name: true} has name && principal.name == "foo" };)cedar")
            << QByteArray("1:69 optional attribute") << false;
        QTest::newRow("opt: in is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal in resource && principal.name == "foo" };)cedar")
            << QByteArray("1:69 optional attribute") << false;
        QTest::newRow("opt: in a set is no guard")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal in [resource] && principal.name == "foo" };)cedar")
            << QByteArray("1:71 optional attribute") << false;
        QTest::newRow("opt: guard on another attribute of the record")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.record has other && principal.record.name == "foo" };)cedar")
            << QByteArray("1:74 `record.name` on entity type `User`") << false;
        QTest::newRow("opt: guard on the record, not the entity")
            << QByteArray("Opt")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.record has name && principal.name == "foo" };)cedar")
            << QByteArray("1:73 optional attribute") << false;
        QTest::newRow("opt: context attribute, help")
            << QByteArray("Opt")
            << QByteArray(R"cedar(permit(principal, action, resource) when { context.x.y == 1 };)cedar")
            << QByteArray("1:44 context.x has y") << false;
        QTest::newRow("has path: guard the whole path")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x.y.z && principal.x.y.z > 1 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("has path: guard in two steps")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x.y && principal.x.y has z };)cedar")
            << QByteArray("") << false;
        QTest::newRow("has path: guard in two other steps")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x && principal.x has y.z };)cedar")
            << QByteArray("") << false;
        QTest::newRow("has path: last step unguarded")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x.y && principal.x.y.z > 1 };)cedar")
            << QByteArray("1:85 optional attribute `x.y.z`") << false;
        QTest::newRow("has path: middle step unguarded")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x && principal.x.y has z };)cedar")
            << QByteArray("1:83 optional attribute `x.y`") << false;
        QTest::newRow("has path: unknown attribute")
            << QByteArray("Path")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"action", resource) when { principal has x.y.z && principal.x.y.a > 1 };)cedar")
            << QByteArray("1:87 did you mean `z`") << false;
        QTest::newRow("tags: hasTag guards getTag")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { principal.hasTag("foo") && principal.getTag("foo") == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: computed key")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { principal.hasTag(resource.foo) && principal.getTag(resource.foo) == "foo" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: unguarded getTag")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { principal.getTag("foo") == "foo" };)cedar")
            << QByteArray(R"cedar(1:60 tag `"foo"` on entity type `E`)cedar") << false;
        QTest::newRow("tags: unguarded computed getTag")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { principal.getTag(resource.foo) == "foo" };)cedar")
            << QByteArray("1:60 tag `resource.foo`") << false;
        QTest::newRow("tags: tag type is String")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { principal.hasTag("foo") && principal.getTag("foo").contains("bar") };)cedar")
            << QByteArray("1:87 expected Set but saw String") << false;
        QTest::newRow("tags: tag types differ by principal type")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A3", resource) when { principal.hasTag("foo") && principal.getTag("foo") == "bar" };)cedar")
            << QByteArray("1:87 Set<String> and String") << false;
        QTest::newRow("tags: tag types differ by action")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action in [Action::"A1", Action::"A2"], resource) when { principal.hasTag("foo") && principal.getTag("foo") == "bar" };)cedar")
            << QByteArray("1:103 not compatible") << false;
        QTest::newRow("tags: hasTag without tags")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A4", resource) when { resource.hasTag("foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: getTag without tags")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A4", resource) when { resource.getTag("foo") == "bar" };)cedar")
            << QByteArray("1:60 Blank") << false;
        QTest::newRow("tags: guarded getTag without tags")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A4", resource) when { resource.hasTag("foo") && resource.getTag("foo") == "bar" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: attribute guard is no tag guard")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { resource has opt && resource.getTag("opt").contains("foo") };)cedar")
            << QByteArray(R"cedar(1:80 tag `"opt"`)cedar") << false;
        QTest::newRow("tags: tag guard is no attribute guard")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { resource.hasTag("opt") && resource.opt == "foo" };)cedar")
            << QByteArray("1:86 optional attribute `opt`") << false;
        QTest::newRow("tags: both guards, tag access")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { resource.hasTag("opt") && resource has opt && resource.getTag("opt").contains("bar") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: both guards, attribute access")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { resource has opt && resource.hasTag("opt") && resource.opt == "bar" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: hasTag on an action")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { action.hasTag("foo") };)cedar")
            << QByteArray("") << false;
        QTest::newRow("tags: getTag on an action")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A4", resource) when { action.getTag("foo") == "bar" };)cedar")
            << QByteArray("1:60 entity type `Action`") << false;
        QTest::newRow("tags: entity of two types")
            << QByteArray("Tags")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"A1", resource) when { (if context.bool then principal else Blank::"").hasTag("foo") };)cedar")
            << QByteArray("1:61 Blank and E") << false;
        QTest::newRow("policy: attribute of the action's resource")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { resource.file_type == "jpg" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: principal scope narrows the type")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal == User::"alice", action == Action::"view_photo", resource) when { principal.age > 21 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: attribute shared by both principal types")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal.name == "alice" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: attribute shared across actions")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal.name == "alice" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: resource scope narrows the action")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource == Group::"jane_friends") when { principal.age > 22 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: resource in album")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action in [Action::"delete_group", Action::"view_photo"], resource in Album::"vacation_photos") when { resource.file_type == "png" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: attribute missing for one action")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action in [Action::"delete_group", Action::"view_photo"], resource) when { resource.file_type == "jpg" };)cedar")
            << QByteArray("1:94 `file_type` on entity type `Group` not found") << false;
        QTest::newRow("policy: attribute missing for one principal type")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { principal.age > 21 };)cedar")
            << QByteArray("1:68 `age` on entity type `Group`") << false;
        QTest::newRow("policy: undeclared context attribute")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { context.fake };)cedar")
            << QByteArray(R"cedar(1:68 in context for Action::"view_photo")cedar") << false;
        QTest::newRow("policy: attribute of an attribute")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { resource.owner.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action in scope")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action in Action::"view_photo", resource) when { resource.owner.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action in condition")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { action in Action::"view_photo" && resource.owner.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action in set scope")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action in [Action::"view_photo"], resource) when { resource.owner.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: principal in users only")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal in [User::"admin"] && principal.age == 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: chained entity attributes")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { resource.owner.favorite.file_type == "png" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: has then get")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { principal has age && principal.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: impossible literal in")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { Group::"foo" in User::"bar" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: impossible negated has")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { ! ({name: "alice"} has name) };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: branches of the same entity type")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (if principal.name == "foo" then User::"alice" else User::"bob").age > 21 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: entity in actions")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { User::"alice" in [action] };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action in an entity")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { action in [User::"alice"] };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: entity or record")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { (if 1 > 0 then User::"alice" else {name: "bob"}).name == "jane" };)cedar")
            << QByteArray("1:45 entity and record types are never compatible") << false;
        QTest::newRow("policy: attribute suggestion")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"view_photo", resource) when { resource.filetype like "*jpg" };)cedar")
            << QByteArray("1:68 did you mean `file_type`") << false;
        QTest::newRow("policy: is in scope")
            << QByteArray("Simple") << QByteArray(R"cedar(permit(principal is User, action, resource);)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: is Group in scope")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal is Group, action, resource is Photo);)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: is in in scope")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal is User in Group::"g", action, resource is Photo in Album::"a") when { principal.age > 1 && resource.owner == principal };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action is Action")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource) when { action is Action };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: action is User")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource) when { action is User };)cedar")
            << QByteArray("") << false;
        QTest::newRow("policy: record attribute cycle")
            << QByteArray("Cycle")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { if principal.bar then principal.foo else U::"b" };)cedar")
            << QByteArray("1:44 not compatible") << false;
        QTest::newRow("scope: no applicable action")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal == Group::"foo", action == Action::"delete_group", resource);)cedar")
            << QByteArray("warning 1:1 applicable action") << false;
        QTest::newRow("scope: == could be in")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal == Group::"foo", action == Action::"delete_group", resource);)cedar")
            << QByteArray("warning 1:1 replacing `==` with `in` in the principal clause") << false;
        QTest::newRow("scope: principal type applies to no action")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal is Photo, action, resource);)cedar")
            << QByteArray("warning 1:1 applicable action") << false;
        QTest::newRow("scope: resource type applies to no action")
            << QByteArray("Simple") << QByteArray(R"cedar(permit(principal, action, resource is User);)cedar")
            << QByteArray("warning 1:1 applicable action") << false;
        QTest::newRow("scope: in an unrelated type")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal in Album::"a", action, resource);)cedar")
            << QByteArray("warning 1:1 applicable action") << false;
        QTest::newRow("scope: unrecognized principal type")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal in Usr::"a", action, resource);)cedar")
            << QByteArray("1:8 unrecognized entity type `Usr`") << false;
        QTest::newRow("scope: suggestion for the principal type")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal in Usr::"a", action, resource);)cedar")
            << QByteArray("1:8 did you mean `User`") << false;
        QTest::newRow("scope: unrecognized resource type")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource == Foto::"a");)cedar")
            << QByteArray("1:27 did you mean `Photo`") << false;
        QTest::newRow("scope: unrecognized is type")
            << QByteArray("Simple") << QByteArray(R"cedar(permit(principal is Usr, action, resource);)cedar")
            << QByteArray("1:8 unrecognized entity type `Usr`") << false;
        QTest::newRow("scope: unrecognized action")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action == Action::"view_foto", resource);)cedar")
            << QByteArray(R"cedar(1:19 did you mean `Action::"view_photo"`)cedar") << false;
        QTest::newRow("scope: unrecognized action in a list")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action in [Action::"view_photo", Action::"nope"], resource);)cedar")
            << QByteArray(R"cedar(1:19 unrecognized action `Action::"nope"`)cedar") << false;
        QTest::newRow("scope: unrecognized entity type in a condition")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource) when { principal in Grop::"g" };)cedar")
            << QByteArray("1:57 did you mean `Group`") << false;
        QTest::newRow("scope: unrecognized type in is")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource) when { principal is Usr };)cedar")
            << QByteArray("1:44 unrecognized entity type `Usr`") << false;
        QTest::newRow("scope: unrecognized action in a condition")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { action == Action::"delete" };)cedar")
            << QByteArray("1:54 unrecognized action") << false;
        QTest::newRow("scope: empty action list")
            << QByteArray("Simple") << QByteArray(R"cedar(permit(principal, action in [], resource);)cedar")
            << QByteArray("1:19 empty set") << false;
        QTest::newRow("template: principal == slot")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal == ?principal, action, resource);)cedar") << QByteArray("")
            << false;
        QTest::newRow("template: resource == slot")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal, action, resource == ?resource);)cedar") << QByteArray("")
            << false;
        QTest::newRow("template: both in slots")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal in ?principal, action, resource in ?resource);)cedar")
            << QByteArray("") << false;
        QTest::newRow("template: slot with a safe body")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource in ?resource) when { resource in Group::"Friends" && resource.name like "*" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("template: slot with a wrong body")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal, action, resource in ?resource) when { resource in Group::"Friends" && resource.bogus };)cedar")
            << QByteArray("1:89 `bogus` on entity type `Group` not found") << false;
        QTest::newRow("template: principal slot guarded body")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal == ?principal, action, resource in ?resource) when { principal has age && principal.age > 0 };)cedar")
            << QByteArray("") << false;
        QTest::newRow("template: principal slot wrong body")
            << QByteArray("Simple")
            << QByteArray(
                   R"cedar(permit(principal == ?principal, action, resource) when { principal has age && principal.bogus > 0 };)cedar")
            << QByteArray("1:79 `bogus` on entity type `User`") << false;
        QTest::newRow("template: always false")
            << QByteArray("Simple")
            << QByteArray(R"cedar(permit(principal == ?principal, action, resource) when { false };)cedar")
            << QByteArray("") << false;
        QTest::newRow("enum: declared id")
            << QByteArray("Enum")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"paint", resource == Color::"red");)cedar")
            << QByteArray("") << false;
        QTest::newRow("enum: undeclared id in the scope")
            << QByteArray("Enum")
            << QByteArray(
                   R"cedar(permit(principal, action == Action::"paint", resource == Color::"purple");)cedar")
            << QByteArray("1:46 enumerated entity type") << false;
        QTest::newRow("enum: undeclared id in a condition")
            << QByteArray("Enum")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource == Color::"green" };)cedar")
            << QByteArray(R"cedar(1:56 "red", "blue")cedar") << false;
        QTest::newRow("enum: as principal")
            << QByteArray("Enum")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource != Color::"blue" && principal.favorite == resource };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ns: qualified names")
            << QByteArray("Ns")
            << QByteArray(
                   R"cedar(permit(principal, action == App::Action::"read", resource) when { resource.owner in App::Team::"x" && principal.name == "a" };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ns: action group")
            << QByteArray("Ns")
            << QByteArray(
                   R"cedar(permit(principal, action in App::Action::"access", resource) when { principal.name == "a" && resource.owner == principal };)cedar")
            << QByteArray("") << false;
        QTest::newRow("ns: unqualified action")
            << QByteArray("Ns")
            << QByteArray(R"cedar(permit(principal, action == Action::"read", resource);)cedar")
            << QByteArray(R"cedar(1:19 did you mean `App::Action::"read"`)cedar") << false;
        QTest::newRow("ns: unqualified entity type")
            << QByteArray("Ns") << QByteArray(R"cedar(permit(principal is User, action, resource);)cedar")
            << QByteArray("1:8 did you mean `App::User`") << false;
        QTest::newRow("ns: unqualified entity literal")
            << QByteArray("Ns")
            << QByteArray(R"cedar(permit(principal, action, resource) when { principal in Team::"x" };)cedar")
            << QByteArray("1:57 did you mean `App::Team`") << false;
        QTest::newRow("ns: owner not in a document")
            << QByteArray("Ns")
            << QByteArray(
                   R"cedar(permit(principal, action, resource) when { resource.owner in App::Doc::"d" && resource.nope };)cedar")
            << QByteArray("") << false;
    }

    void validates()
    {
        QFETCH(QByteArray, schema);
        QFETCH(QByteArray, policy);
        QFETCH(QByteArray, expected);
        QFETCH(bool, needsExtensions);
        QVERIFY2(!needsExtensions || extensionsReady(), "the extension types' parsers refuse valid literals");

        const Diagnostics diags = validateText(policy.toStdString(), *::schema(schema.toStdString()));
        const std::string found = listed(diags);
        if (expected.isEmpty()) {
            QVERIFY2(!hasErrors(diags), ("expected no errors, got:" + found).c_str());
            return;
        }
        std::string exp = expected.toStdString();
        const bool warning = exp.starts_with("warning ");
        if (warning) {
            exp.erase(0, 8);
            QVERIFY2(!hasErrors(diags), ("expected no errors, got:" + found).c_str());
        }
        const auto severity = warning ? Diagnostic::Severity::Warning : Diagnostic::Severity::Error;
        const size_t colon = exp.find(':'), space = exp.find(' ');
        const uint32_t line = uint32_t(std::stoul(exp.substr(0, colon)));
        const uint32_t column = uint32_t(std::stoul(exp.substr(colon + 1, space - colon - 1)));
        const std::string fragment = space == std::string::npos ? std::string() : exp.substr(space + 1);
        const bool match = std::any_of(diags.begin(), diags.end(), [&](const Diagnostic &d) {
            return d.severity == severity && d.span.line == line && d.span.column == column &&
                   (d.message + " " + d.help).find(fragment) != std::string::npos;
        });
        QVERIFY2(match, ("expected " + expected.toStdString() + ", got:" + found).c_str());
    }

    // A policy that can never apply is valid, with a warning at its effect.
    void warnsAboutImpossiblePolicies()
    {
        const auto s = schema("Simple");
        const Diagnostics d = validateText(
            "permit(principal, action, resource)\nwhen { principal is User && principal.age > 1 }\n"
            "when { false };",
            *s);
        QVERIFY2(!hasErrors(d), listed(d).c_str());
        QCOMPARE(d.size(), size_t(1));
        QCOMPARE(d.front().severity, Diagnostic::Severity::Warning);
        QCOMPARE(d.front().span.line, 1u);
        QCOMPARE(d.front().span.column, 1u);
        QVERIFY(d.front().message.find("impossible") != std::string::npos);

        // A scope that admits no environment at all: still valid, as the reference has it, with a warning.
        const Diagnostics e = validateText("forbid(principal is Album, action, resource);", *s);
        QCOMPARE(errorCount(e), 0);
        QVERIFY(std::any_of(e.begin(), e.end(), [](const Diagnostic &w) {
            return w.message.find("applicable action") != std::string::npos;
        }));
    }

    // The same mistake in every request environment is one error (policy.rs,
    // type_error_is_not_reported_for_every_cross_product_element).
    void reportsAnErrorOnceAcrossEnvironments()
    {
        const SchemaParseResult s = parseSchema(R"(
            entity Foo, Bar, Baz, Buz;
            action act appliesTo { principal: [Foo, Bar, Baz, Buz], resource: [Foo, Bar, Baz, Buz] };
        )");
        QVERIFY(s.schema);
        const Diagnostics d =
            validateText("permit(principal, action, resource) when { 1 > true };", *s.schema);
        QCOMPARE(d.size(), size_t(1));
        QCOMPARE(d.front().span.column, 48u);
    }

    // Findings of several policies keep their own positions; one validator serves them all.
    void validatesSeveralPolicies()
    {
        const auto s = schema("Simple");
        ParseResult r =
            parsePolicies("permit(principal, action, resource);\n"
                          "@id(\"bad\")\n"
                          "permit(principal, action, resource) when { principal.nmae == \"x\" };\n");
        QVERIFY(r.ok());
        const Validator validator(*s);
        QVERIFY(validator.validate(r.policies[0]).empty());
        // One error per principal type the attribute is missing on (User, Group).
        const Diagnostics d = validator.validate(r.policies);
        QCOMPARE(d.size(), size_t(2));
        for (const Diagnostic &e : d) {
            QCOMPARE(e.span.line, 3u);
            QCOMPARE(e.span.column, 44u);
            QCOMPARE(e.help, std::string("did you mean `name`?"));
        }
    }

    // Long `||` allow-lists validate; pathological nesting is refused with an error, not a crash.
    void boundsRecursion()
    {
        const auto s = schema("Simple");
        std::string allow = "permit(principal, action, resource) when { ";
        for (int i = 0; i < 5000; ++i)
            allow += (i ? " || " : "") + std::string("principal == User::\"u") + std::to_string(i) + "\"";
        allow += " };";
        const Diagnostics d = validateText(allow, *s);
        QVERIFY2(!hasErrors(d), listed(d).c_str());

        std::string chain = "permit(principal, action, resource) when { context";
        for (int i = 0; i < 5000; ++i)
            chain += ".a";
        chain += " };";
        const Diagnostics deep = validateText(chain, *s);
        QCOMPARE(errorCount(deep), 1);
        QVERIFY(deep.front().message.find("nested too deeply") != std::string::npos);

        std::string sum = "permit(principal, action, resource) when { 1";
        for (int i = 0; i < 5000; ++i)
            sum += " + 1";
        sum += " > 0 };";
        QVERIFY(hasErrors(validateText(sum, *s)));
    }

    // Cedar's hand-written integration tests: each policy file validates against its schema.
    void conformance_data()
    {
        QTest::addColumn<QString>("test");
        // Optional data beside the repository: a fresh clone passes without it.
        const QString root = qEnvironmentVariable("PADDOCK_CONFORMANCE_DIR");
        if (root.isEmpty() || !QFileInfo(root).isDir())
            QSKIP(qPrintable(u"Cedar's conformance tests are not at \"%1\" (PADDOCK_CONFORMANCE_DIR; "
                             "../shared/cedar-conformance beside the repository)"_s.arg(root)));
        const QDir tests(root + u"/tests"_s);
        const QStringList groups = tests.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        int count = 0;
        for (const QString &group : groups) {
            const QDir dir(tests.filePath(group));
            for (const QString &file : dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name)) {
                QTest::newRow(qPrintable(group + u'/' + file)) << dir.filePath(file);
                ++count;
            }
        }
        if (count == 0) // the folder is there but broken: a failure, not a skip
            QTest::newRow("no tests found") << QString();
    }

    void conformance()
    {
        QFETCH(QString, test);
        QVERIFY2(!test.isEmpty(), "no conformance tests in PADDOCK_CONFORMANCE_DIR/tests");
        const QString root = qEnvironmentVariable("PADDOCK_CONFORMANCE_DIR");
        QFile file(test);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(test));
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        const auto read = [&](const QString &relative) {
            QFile f(root + u'/' + relative);
            if (!f.open(QIODevice::ReadOnly))
                qFatal("cannot read %s", qPrintable(f.fileName()));
            return f.readAll().toStdString();
        };
        const std::string policyText = read(json.value(u"policies"_s).toString());
        const SchemaParseResult s = parseSchema(read(json.value(u"schema"_s).toString()));
        QVERIFY2(s.schema, s.diagnostics.empty() ? "" : s.diagnostics.front().message.c_str());
        const ParseResult p = parsePolicies(policyText);
        QVERIFY(p.ok());
        for (const char *constructor : {"ip(", "decimal(", "datetime(", "duration("})
            QVERIFY2(policyText.find(constructor) == std::string::npos || extensionsReady(),
                     "the extension types' parsers refuse valid literals");
        const Diagnostics d = validatePolicies(p.policies, *s.schema);
        QCOMPARE(json.value(u"shouldValidate"_s).toBool(), !hasErrors(d));
    }
};

QTEST_APPLESS_MAIN(TestCedarValidator)
#include "test_cedar_validator.moc"
