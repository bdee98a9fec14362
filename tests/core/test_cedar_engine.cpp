// The Cedar engine's parser, evaluator and authorizer, on hand-written cases whose expected results
// follow the Cedar documentation (docs.cedarpolicy.com, "Operators and functions").
#include "policy/Json.h"
#include "policy/Parser.h"
#include "policy/PolicySet.h"
#include "policy/Schema.h"

#include <QTest>

using namespace paddock::cedar;

namespace {
const char *entitiesJson = R"([
  {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 30, "name": "Alice", "tags": ["a", "b"],
     "address": {"city": "Berlin"}, "manager": {"__entity": {"type": "User", "id": "bob"}}},
   "parents": [{"type": "Group", "id": "admins"}], "tags": {"level": "high"}},
  {"uid": {"type": "User", "id": "bob"}, "attrs": {}, "parents": []},
  {"uid": {"type": "Group", "id": "admins"}, "attrs": {}, "parents": [{"type": "Group", "id": "staff"}]},
  {"uid": {"type": "Group", "id": "staff"}, "attrs": {}, "parents": []},
  {"uid": {"type": "Action", "id": "view"}, "attrs": {}, "parents": [{"type": "Action", "id": "read"}]},
  {"uid": {"type": "Action", "id": "read"}, "attrs": {}, "parents": []},
  {"uid": {"type": "Photo", "id": "p1"}, "attrs": {"owner": {"__entity": {"type": "User", "id": "alice"}},
     "private": true}, "parents": [{"type": "Album", "id": "trip"}]}
])";

Entities entities()
{
    auto list = entitiesFromJson(entitiesJson);
    if (!list)
        qFatal("%s", list.error().c_str());
    return Entities(std::move(*list));
}

Request request(const char *context = R"({"ip": {"__extn": {"fn": "ip", "arg": "10.1.2.3"}}, "n": 5})")
{
    Request r;
    r.principal = EntityUid{"User", "alice"};
    r.action = EntityUid{"Action", "view"};
    r.resource = EntityUid{"Photo", "p1"};
    auto ctx = contextFromJson(context);
    if (!ctx)
        qFatal("%s", ctx.error().c_str());
    r.context = *ctx;
    return r;
}
} // namespace

class TestCedarEngine : public QObject
{
    Q_OBJECT

private slots:
    void evaluates_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QString>("expected"); // the value in Cedar syntax, or "error: <part of message>"

        QTest::newRow("long") << "1 + 2 * 3" << "7";
        QTest::newRow("negative literal min") << "-9223372036854775808" << "-9223372036854775808";
        QTest::newRow("overflow add") << "9223372036854775807 + 1" << "error: overflow";
        QTest::newRow("overflow mul") << "4611686018427387904 * 2" << "error: overflow";
        QTest::newRow("overflow neg") << "-(-9223372036854775808)" << "error: overflow";
        QTest::newRow("string eq") << R"("a" == "a")" << "true";
        QTest::newRow("different kinds are unequal") << R"(1 == "1")" << "false";
        QTest::newRow("set equality ignores order and duplicates") << "[1, 2, 2] == [2, 1]" << "true";
        QTest::newRow("record equality") << R"({a: 1, "b": [true]} == {b: [true], a: 1})" << "true";
        QTest::newRow("attr") << "principal.age" << "30";
        QTest::newRow("nested attr") << "principal.address.city" << R"("Berlin")";
        QTest::newRow("index attr") << R"(principal["name"])" << R"("Alice")";
        QTest::newRow("missing attr") << "principal.height" << "error: does not have the attribute";
        QTest::newRow("has") << "principal has age" << "true";
        QTest::newRow("has missing") << "principal has height" << "false";
        QTest::newRow("has path") << "principal has address.city" << "true";
        QTest::newRow("has path missing") << "principal has address.zip" << "false";
        QTest::newRow("has on missing entity") << R"(User::"nobody" has age)" << "false";
        QTest::newRow("attr of missing entity") << R"(User::"nobody".age)" << "error: does not exist";
        QTest::newRow("in reflexive") << R"(principal in User::"alice")" << "true";
        QTest::newRow("in transitive") << R"(principal in Group::"staff")" << "true";
        QTest::newRow("in set") << R"(principal in [Group::"x", Group::"admins"])" << "true";
        QTest::newRow("in missing entity") << R"(User::"ghost" in Group::"staff")" << "false";
        QTest::newRow("in type error") << R"(1 in Group::"staff")" << "error: entity";
        QTest::newRow("in set with non-entity") << R"(principal in [principal, 1])" << "error: entity";
        QTest::newRow("action group") << R"(action in Action::"read")" << "true";
        QTest::newRow("is") << "principal is User" << "true";
        QTest::newRow("is in") << R"(principal is User in Group::"admins")" << "true";
        QTest::newRow("is in other type skips container") << R"(principal is Group in 1)" << "false";
        QTest::newRow("like") << R"("hello world" like "h*o w*d")" << "true";
        QTest::newRow("like escaped star") << R"("a*b" like "a\*b")" << "true";
        QTest::newRow("like escaped star no wildcard") << R"("axb" like "a\*b")" << "false";
        QTest::newRow("like empty") << R"("" like "*")" << "true";
        QTest::newRow("like backtrack") << R"("aaab" like "*ab")" << "true";
        QTest::newRow("like no match") << R"("abc" like "a*d")" << "false";
        QTest::newRow("and short-circuits") << "false && (1 + 9223372036854775807 > 0)" << "false";
        QTest::newRow("or short-circuits") << "true || principal.nope" << "true";
        QTest::newRow("and needs bools") << "1 && true" << "error: bool";
        QTest::newRow("right of and must be bool") << "true && 1" << "error: bool";
        QTest::newRow("if") << "if principal.age > 18 then \"adult\" else \"minor\"" << R"("adult")";
        QTest::newRow("if needs bool") << "if 1 then 2 else 3" << "error: bool";
        QTest::newRow("contains") << R"(principal.tags.contains("a"))" << "true";
        QTest::newRow("containsAll") << R"([1, 2, 3].containsAll([1, 3]))" << "true";
        QTest::newRow("containsAny") << R"([1, 2].containsAny([5, 6]))" << "false";
        QTest::newRow("isEmpty") << "[].isEmpty()" << "true";
        QTest::newRow("contains on non-set") << R"("abc".contains("a"))" << "error: set";
        QTest::newRow("getTag") << R"(principal.getTag("level"))" << R"("high")";
        QTest::newRow("hasTag") << R"(principal.hasTag("nope"))" << "false";
        QTest::newRow("getTag missing") << R"(principal.getTag("nope"))" << "error: tag";
        QTest::newRow("entity attr is entity") << "resource.owner == principal" << "true";
        QTest::newRow("context") << "context.n < 10" << "true";
        QTest::newRow("comparison types") << R"("a" < "b")" << "error: long";
        QTest::newRow("ip range") << R"(context.ip.isInRange(ip("10.0.0.0/8")))" << "true";
        QTest::newRow("ip loopback") << R"(ip("127.0.0.1").isLoopback())" << "true";
        QTest::newRow("bad ip") << R"(ip("300.1.1.1"))" << "error:";
        QTest::newRow("decimal") << R"(decimal("1.5").lessThan(decimal("2.25")))" << "true";
        QTest::newRow("record literal attr") << "{a: {b: 3}}.a.b" << "3";
        QTest::newRow("unary chain") << "!!true" << "true";
        QTest::newRow("neg") << "-(1 + 2)" << "-3";
    }

    void evaluates()
    {
        QFETCH(QString, expr);
        QFETCH(QString, expected);
        const std::string text = expr.toStdString();
        const ExprParseResult parsed = parseExpression(text);
        QVERIFY2(parsed.diagnostics.empty() && parsed.expr,
                 parsed.diagnostics.empty() ? "no expression" : parsed.diagnostics.front().message.c_str());
        const Entities store = entities();
        const Request req = request();
        const Evaluator evaluator(req, store);
        const auto result = evaluator.evaluate(*parsed.expr);
        if (expected.startsWith(QStringLiteral("error:"))) {
            QVERIFY2(!result, result ? result->toString().c_str() : "");
            QVERIFY2(QString::fromStdString(result.error().message).contains(expected.mid(7).trimmed()),
                     result.error().message.c_str());
        } else {
            QVERIFY2(result.has_value(), result ? "" : result.error().message.c_str());
            QCOMPARE(QString::fromStdString(result->toString()), expected);
        }
    }

    void parseErrors_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("missing semicolon") << "permit(principal, action, resource)" << 1 << 36 << "`;`";
        QTest::newRow("bad effect") << "allow(principal, action, resource);" << 1 << 1 << "permit";
        QTest::newRow("single equals")
            << "permit(principal, action, resource) when { 1 = 1 };" << 1 << 46 << "`=`";
        QTest::newRow("unknown variable")
            << "permit(principal, action, resource)\nwhen { user == 1 };" << 2 << 8 << "unknown variable";
        QTest::newRow("too large integer")
            << "permit(principal, action, resource) when { 9223372036854775808 > 1 };" << 1 << 44 << "64-bit";
        QTest::newRow("bad escape") << "permit(principal == User::\"a\\q\", action, resource);" << 1 << 27
                                    << "escape";
        QTest::newRow("unknown method")
            << "permit(principal, action, resource) when { [].frob() };" << 1 << 47 << "not a method";
        QTest::newRow("unknown function")
            << "permit(principal, action, resource) when { foo(\"x\") };" << 1 << 44 << "not a function";
        QTest::newRow("action not an action")
            << "permit(principal, action == User::\"x\", resource);" << 1 << 29 << "not an action";
        QTest::newRow("wrong slot") << "permit(principal == ?resource, action, resource);" << 1 << 21
                                    << "cannot appear";
        QTest::newRow("slot in condition")
            << "permit(principal, action, resource) when { ?principal };" << 1 << 44 << "scope";
        QTest::newRow("reserved attribute")
            << "permit(principal, action, resource) when { principal.if };" << 1 << 54 << "reserved";
        QTest::newRow("unterminated string")
            << "permit(principal == User::\"abc, action, resource);" << 1 << 27 << "unterminated";
        QTest::newRow("empty condition")
            << "permit(principal, action, resource) when {};" << 1 << 43 << "empty";
        QTest::newRow("duplicate id") << "@id(\"a\") permit(principal, action, resource);\n@id(\"a\") "
                                         "forbid(principal, action, resource);"
                                      << 2 << 1 << "duplicate";
        QTest::newRow("five unary") << "permit(principal, action, resource) when { !!!!!true };" << 1 << 44
                                    << "unary";
        QTest::newRow("deep nesting") << QStringLiteral("permit(principal, action, resource) when { ") +
                                             QString(300, QLatin1Char('(')) + QStringLiteral("true") +
                                             QString(300, QLatin1Char(')')) + QStringLiteral(" };")
                                      << 1 << -1 << "nested too deeply";
    }

    void parseErrors()
    {
        QFETCH(QString, source);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, mentions);
        const std::string text = source.toStdString();
        const ParseResult r = parsePolicies(text);
        QVERIFY(!r.ok());
        const Diagnostic &d = r.diagnostics.front();
        QVERIFY2(QString::fromStdString(d.message).contains(mentions), d.message.c_str());
        QCOMPARE(int(d.span.line), line);
        if (column > 0)
            QCOMPARE(int(d.span.column), column);
        // The rendered diagnostic shows the line and a caret.
        const std::string shown = formatDiagnostic(d, text, "p.cedar");
        QVERIFY2(shown.find("p.cedar:" + std::to_string(line) + ":") == 0, shown.c_str());
        QVERIFY2(shown.find('^') != std::string::npos, shown.c_str());
    }

    void recoversToReportSeveralErrors()
    {
        const ParseResult r = parsePolicies("permit(principal, action, resource) when { 1 = 1 };\n"
                                            "permit(principal, action, resource);\n"
                                            "forbid(principal, action, resource) when { x };\n");
        QCOMPARE(r.diagnostics.size(), size_t(2));
        QCOMPARE(int(r.diagnostics[0].span.line), 1);
        QCOMPARE(int(r.diagnostics[1].span.line), 3);
        QCOMPARE(r.policies.size(), size_t(1)); // the good one in between
        QCOMPARE(r.policies[0].id, std::string("policy1"));
    }

    void authorizes()
    {
        Diagnostics diags;
        const auto set = PolicySet::parse(R"(
            // owners may view their photos
            permit (principal, action == Action::"view", resource) when { resource.owner == principal };
            @id("no-private-for-bob")
            forbid (principal == User::"bob", action in Action::"read", resource) when { resource.private };
            @id("broken")
            permit (principal, action, resource) when { principal.nope == 1 };
            permit (principal in Group::"staff", action in [Action::"read"], resource is Photo in Album::"trip");
        )",
                                          &diags);
        QVERIFY(diags.empty());
        QCOMPARE(set->policies().size(), size_t(4));
        const Entities store = entities();

        Request alice = request();
        Decision d = set->authorize(alice, store);
        QVERIFY(d.allowed && d.policyAllowed);
        std::sort(d.reason.begin(), d.reason.end());
        QCOMPARE(d.reason, (std::vector<std::string>{"policy0", "policy3"}));
        QCOMPARE(d.errors.size(), size_t(1));
        QCOMPARE(d.errors[0].policyId, std::string("broken"));

        Request bob = request();
        bob.principal = EntityUid{"User", "bob"};
        d = set->authorize(bob, store);
        QVERIFY(!d.allowed);
        QCOMPARE(d.reason, (std::vector<std::string>{"no-private-for-bob"}));

        // Shadow mode allows but keeps the policy decision; record mode likewise.
        d = set->authorize(bob, store, Mode::Shadow);
        QVERIFY(d.allowed && !d.policyAllowed);
        d = set->authorize(bob, store, Mode::Record);
        QVERIFY(d.allowed && !d.policyAllowed);

        // Default deny: nothing applies to another action.
        Request other = request();
        other.action = EntityUid{"Action", "delete"};
        other.principal = EntityUid{"User", "bob"};
        d = set->authorize(other, store);
        QVERIFY(!d.allowed);
        QVERIFY(d.reason.empty());
        QCOMPARE(d.errors.size(), size_t(1)); // `broken` applies to every action and errors
    }

    void templatesAreLinkedBeforeTheyApply()
    {
        ParseResult parsed = parsePolicies(R"(
            @id("viewers") permit (principal == ?principal, action == Action::"view", resource in ?resource)
            when { context.n > 1 };)");
        QVERIFY(parsed.ok());
        auto linked = PolicySet::link(parsed.policies[0], "alice-trip", EntityUid{"User", "alice"},
                                      EntityUid{"Album", "trip"});
        QVERIFY2(linked.has_value(), linked ? "" : linked.error().c_str());
        QVERIFY(!linked->isTemplate());
        std::vector<Policy> policies;
        policies.push_back(std::move(parsed.policies[0]));
        policies.push_back(std::move(*linked));
        const PolicySet set(std::move(policies)); // the template itself never applies, unlinked
        const Decision d = set.authorize(request(), entities());
        QVERIFY(d.policyAllowed);
        QCOMPARE(d.reason, std::vector<std::string>{"alice-trip"});
        Request bob = request();
        bob.principal = EntityUid{"User", "bob"};
        QVERIFY(!set.authorize(bob, entities()).policyAllowed);
        // Slots must match the template's.
        QVERIFY(!PolicySet::link(set.policies()[0], "x", std::nullopt, EntityUid{"Album", "trip"}));
        QVERIFY(
            !PolicySet::link(set.policies()[1], "y", EntityUid{"User", "a"}, std::nullopt)); // not a template
    }

    void entitiesJsonErrorsSayWhere()
    {
        auto r = entitiesFromJson(R"([{"uid": {"type": "User", "id": "a"}, "attrs": {"x": 1.5}}])");
        QVERIFY(!r);
        QVERIFY2(r.error().find("entities[0].attrs.x") != std::string::npos, r.error().c_str());
        r = entitiesFromJson("[\n{\"uid\": }]");
        QVERIFY(!r);
        QVERIFY2(r.error().rfind("2:", 0) == 0, r.error().c_str());
        r = entitiesFromJson(R"([{"uid": {"type": "U", "id": "a"}}, {"uid": {"type": "U", "id": "a"}}])");
        QVERIFY(!r);
        QVERIFY2(r.error().find("entities[1].uid: duplicate") != std::string::npos, r.error().c_str());
        r = entitiesFromJson(R"([{"uid": {"type": "User"}}])");
        QVERIFY(!r);
        QVERIFY2(r.error().find("entities[0].uid") != std::string::npos, r.error().c_str());
    }

    void schemaErrorsRecoverWithoutLooping()
    {
        // A stray `}` at the top level (a namespace line lost to a comment) once looped forever.
        const SchemaParseResult r = parseSchema("// namespace Foo\nentity A;\n}\nentity B;\n");
        QVERIFY(!r.schema);
        QCOMPARE(int(r.diagnostics.front().span.line), 3);
    }

    void schemaResolvesNamesLikeCedar()
    {
        const SchemaParseResult r = parseSchema(R"(
            namespace App {
                type Name = String;
                entity Group;
                entity User in [Group] = { name: Name, boss?: User, ip: ipaddr, tags: Set<String> };
                action view, edit in [view] appliesTo { principal: [User], resource: [Group], context: { n: Long } };
            }
            entity Global;
        )");
        QVERIFY2(r.schema, r.diagnostics.empty() ? "" : r.diagnostics.front().message.c_str());
        const EntityTypeDecl *user = r.schema->entityType("App::User");
        QVERIFY(user);
        QCOMPARE(user->memberOf, std::vector<std::string>{"App::Group"});
        QCOMPARE(user->shape->attributes.at("name").type->kind, SchemaType::Kind::String);
        QCOMPARE(user->shape->attributes.at("boss").type->name, std::string("App::User"));
        QVERIFY(!user->shape->attributes.at("boss").required);
        QCOMPARE(user->shape->attributes.at("ip").type->kind, SchemaType::Kind::Extension);
        QVERIFY(r.schema->action(EntityUid{"App::Action", "edit"}));
        QCOMPARE(r.schema->action(EntityUid{"App::Action", "edit"})->memberOf.front(),
                 (EntityUid{"App::Action", "view"}));
        QVERIFY(r.schema->mayBeIn("App::User", "App::Group"));

        const SchemaParseResult bad = parseSchema("entity User = { boss: Usr };");
        QVERIFY(!bad.schema);
        QVERIFY(bad.diagnostics.front().help.find("User") != std::string::npos); // did you mean
    }

    void hostileInputGetsAClearErrorNotACrash()
    {
        // 10 MB of policies: parsed completely (no quadratic blow-up, no recursion per policy).
        std::string big;
        while (big.size() < 10 * 1024 * 1024)
            big += "permit (principal == User::\"u" + std::to_string(big.size()) + "\", action, resource);\n";
        const ParseResult many = parsePolicies(big);
        QVERIFY(many.ok());
        QVERIFY(many.policies.size() > 150000);
        // A 10 MB string literal.
        const std::string longString = "permit (principal, action, resource) when { \"" +
                                       std::string(10 * 1024 * 1024, 'x') + "\" == \"\" };";
        QVERIFY(parsePolicies(longString).ok());
        // Invalid UTF-8 inside a string: an error at its place.
        const ParseResult utf8 = parsePolicies("permit (principal == User::\"a\xff\", action, resource);");
        QVERIFY(!utf8.ok());
        QVERIFY2(utf8.diagnostics.front().message.find("UTF-8") != std::string::npos,
                 utf8.diagnostics.front().message.c_str());
        QCOMPARE(int(utf8.diagnostics.front().span.column), 30);
        // Deep nesting in JSON values: refused with a message, not a stack overflow.
        const std::string deep =
            "[{\"uid\": {\"type\": \"U\", \"id\": \"a\"}, \"attrs\": {\"x\": " + std::string(100000, '[') +
            std::string(100000, ']') + "}}]";
        const auto list = entitiesFromJson(deep);
        QVERIFY(!list);
        QVERIFY2(list.error().find("nested too deeply") != std::string::npos ||
                     list.error().find("depth") != std::string::npos,
                 list.error().c_str());
        // Huge integers in JSON.
        const auto huge =
            entitiesFromJson(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {"x": 99999999999999999999}}])");
        QVERIFY(!huge);
    }

    void jsonSchemaMeansTheSameAsTheHumanFormat()
    {
        const SchemaParseResult human = parseSchema(R"(
            namespace App {
                type Name = String;
                entity Group;
                entity User in [Group] = { name: Name, boss?: User, ip: ipaddr, tags: Set<String> } tags Long;
                action view appliesTo { principal: [User], resource: [Group], context: { n: Long } };
                action edit in [view] appliesTo { principal: [User], resource: [Group], context: { n: Long } };
            })");
        const SchemaParseResult json = parseSchemaJson(R"({"App": {
            "commonTypes": {"Name": {"type": "String"}},
            "entityTypes": {
                "Group": {},
                "User": {"memberOfTypes": ["Group"], "tags": {"type": "Long"}, "shape": {"type": "Record", "attributes": {
                    "name": {"type": "Name"}, "boss": {"type": "Entity", "name": "User", "required": false},
                    "ip": {"type": "Extension", "name": "ipaddr"}, "tags": {"type": "Set", "element": {"type": "String"}}}}}},
            "actions": {
                "view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Group"],
                                       "context": {"type": "Record", "attributes": {"n": {"type": "Long"}}}}},
                "edit": {"memberOf": [{"id": "view"}], "appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Group"],
                                       "context": {"type": "Record", "attributes": {"n": {"type": "Long"}}}}}}}})");
        QVERIFY(human.schema);
        QVERIFY2(json.schema, json.diagnostics.empty() ? "" : json.diagnostics.front().message.c_str());
        QCOMPARE(json.schema->entityTypes.size(), human.schema->entityTypes.size());
        for (const auto &[name, decl] : human.schema->entityTypes) {
            const EntityTypeDecl *other = json.schema->entityType(name);
            QVERIFY2(other, name.c_str());
            QCOMPARE(other->memberOf, decl.memberOf);
            QCOMPARE(other->shape->toString(), decl.shape->toString());
            QCOMPARE(bool(other->tags), bool(decl.tags));
        }
        QCOMPARE(json.schema->actions.size(), human.schema->actions.size());
        for (const auto &[uid, decl] : human.schema->actions) {
            const ActionDecl *other = json.schema->action(uid);
            QVERIFY2(other, uid.toString().c_str());
            QCOMPARE(other->memberOf, decl.memberOf);
            QCOMPARE(other->principals, decl.principals);
            QCOMPARE(other->context->toString(), decl.context->toString());
        }
        const SchemaParseResult bad = parseSchemaJson(
            R"({"App": {"entityTypes": {"U": {"shape": {"type": "Record", "attributes": {"x": {"type": "Nope"}}}}}}})");
        QVERIFY(!bad.schema);
        QVERIFY2(bad.diagnostics.front().message.find("Nope") != std::string::npos,
                 bad.diagnostics.front().message.c_str());
    }

    void cyclesInParentsAreRefused()
    {
        // As the reference does ("input graph has a cycle"); computing ancestors still terminates.
        auto list = entitiesFromJson(R"([
            {"uid": {"type": "G", "id": "a"}, "attrs": {}, "parents": [{"type": "G", "id": "b"}]},
            {"uid": {"type": "G", "id": "b"}, "attrs": {}, "parents": [{"type": "G", "id": "a"}]}])");
        QVERIFY(!list.has_value());
        QVERIFY2(list.error().find("cycle") != std::string::npos, list.error().c_str());
        const Entities store({Entity{{"G", "a"}, {}, {{"G", "a"}}, {}}});
        QVERIFY(store.cycle().has_value());
    }
};

QTEST_APPLESS_MAIN(TestCedarEngine)
#include "test_cedar_engine.moc"
