// Differential testing against Cedar's reference implementation (cedar-wasm, through
// tools/cedar-reference/cedar-ref.mjs): seeded random entity stores, policies and requests go
// through both engines, and decisions, reasons and errors must agree. A disagreement fails with
// the case minimized (policies dropped one by one while the disagreement stays) and printed.
//   PADDOCK_DIFF_SEED, PADDOCK_DIFF_GROUPS override the seed and the number of policy sets.
#include "policy/Json.h"
#include "policy/PolicySet.h"
#include "policy/Schema.h"
#include "policy/Validator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <random>
#include <set>

using namespace paddock::cedar;

namespace {

class Generator
{
public:
    explicit Generator(uint64_t seed)
        : m_rng(seed)
    {}

    int pick(int n) { return int(m_rng() % uint64_t(n)); }
    bool chance(int percent) { return pick(100) < percent; }

    std::string entityRef()
    {
        static const char *types[] = {"User", "Group", "Doc"};
        const char *t = types[pick(3)];
        return std::string(t) + "::\"" + std::string(1, char('a' + pick(4))) + "\"";
    }

    std::string attrName() { return std::string(1, char('p' + pick(5))); } // p q r s t

    // Entities: 4 of each type, attributes of mixed kinds (some missing), parents among groups.
    QJsonArray entities()
    {
        QJsonArray out;
        for (const char *type : {"User", "Group", "Doc"}) {
            for (int i = 0; i < 4; ++i) {
                QJsonObject attrs;
                for (int a = 0; a < 5; ++a) {
                    if (chance(30))
                        continue;
                    attrs.insert(QString(QChar(u'p' + a)), attrValue(0));
                }
                QJsonArray parents;
                for (int g = 0; g < 4; ++g)
                    if (chance(20) && !(QLatin1StringView(type) == QLatin1StringView("Group") && g == i))
                        parents.append(uid("Group", g));
                if (QLatin1StringView(type) == QLatin1StringView("Doc") && chance(50))
                    parents.append(uid("User", pick(4)));
                QJsonObject tags;
                if (chance(30))
                    tags.insert(QStringLiteral("k"), attrValue(1));
                QJsonObject e{{QStringLiteral("uid"), uid(type, i)},
                              {QStringLiteral("attrs"), attrs},
                              {QStringLiteral("parents"), parents}};
                if (!tags.isEmpty())
                    e.insert(QStringLiteral("tags"), tags);
                out.append(e);
            }
        }
        out.append(QJsonObject{
            {QStringLiteral("uid"), QJsonObject{{QStringLiteral("type"), QStringLiteral("Action")},
                                                {QStringLiteral("id"), QStringLiteral("view")}}},
            {QStringLiteral("attrs"), QJsonObject{}},
            {QStringLiteral("parents"),
             QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("Action")},
                                    {QStringLiteral("id"), QStringLiteral("read")}}}}});
        return out;
    }

    QJsonObject uid(const char *type, int i)
    {
        return QJsonObject{{QStringLiteral("type"), QLatin1StringView(type)},
                           {QStringLiteral("id"), QString(QChar(u'a' + i))}};
    }

    QJsonValue attrValue(int depth)
    {
        switch (pick(depth > 1 ? 5 : 8)) {
        case 0:
            return chance(50);
        case 1:
            // Large values reach overflow in arithmetic; ±2^62 survive the trip through JavaScript's
            // numbers in the reference harness (larger ones would not).
            if (chance(10))
                return chance(50) ? qint64(4611686018427387904LL) : qint64(-4611686018427387904LL);
            return qint64(pick(7) - 3);
        case 2:
            return QString(QString(QChar(u'a' + pick(3))) + (chance(50) ? QStringLiteral("x") : QString()));
        case 3:
            return QJsonObject{{QStringLiteral("__entity"), uid(chance(50) ? "User" : "Group", pick(4))}};
        case 4:
            return QJsonObject{
                {QStringLiteral("__extn"),
                 QJsonObject{{QStringLiteral("fn"), QStringLiteral("ip")},
                             {QStringLiteral("arg"),
                              chance(50) ? QStringLiteral("10.0.0.1") : QStringLiteral("192.168.0.0/16")}}}};
        case 5: {
            QJsonArray set;
            for (int i = pick(3); i > 0; --i)
                set.append(attrValue(depth + 1));
            return set;
        }
        default: {
            QJsonObject rec;
            for (int i = pick(3); i > 0; --i)
                rec.insert(QString::fromStdString(attrName()), attrValue(depth + 1));
            return rec;
        }
        }
    }

    std::string var()
    {
        static const char *vars[] = {"principal", "resource", "context"};
        return vars[pick(3)];
    }

    std::string literal()
    {
        switch (pick(6)) {
        case 0:
            return chance(50) ? "true" : "false";
        case 1:
            return std::to_string(pick(7) - 3);
        case 2:
            return std::string("\"") + char('a' + pick(3)) + "\"";
        case 3:
            return entityRef();
        case 4:
            return "9223372036854775807";
        default:
            return "ip(\"10.0.0.0/8\")";
        }
    }

    std::string expr(int depth)
    {
        if (depth <= 0)
            return chance(50) ? literal() : var() + (chance(70) ? "." + attrName() : "");
        const std::string a = expr(depth - 1), b = expr(depth - 1);
        switch (pick(22)) {
        case 0:
            return "(" + a + " && " + b + ")";
        case 1:
            return "(" + a + " || " + b + ")";
        case 2:
            return "!(" + a + ")";
        case 3:
            return "(" + a + " == " + b + ")";
        case 4:
            return "(" + a + " != " + b + ")";
        case 5:
            return "(" + a + " < " + b + ")";
        case 6:
            return "(" + a + " >= " + b + ")";
        case 7:
            return "(" + a + " + " + b + ")";
        case 8:
            return "(" + a + " * " + b + ")";
        case 9:
            return "(" + a + " in " + (chance(50) ? entityRef() : "[" + entityRef() + ", " + b + "]") + ")";
        case 10:
            return "(" + var() + " has " + attrName() + ")";
        case 11:
            return "(" + a + " like \"" + (chance(50) ? "a*" : "*x") + "\")";
        case 12:
            return "(" + a + " is " + (chance(50) ? "User" : "Group") + ")";
        case 13:
            return "(if " + a + " then " + b + " else " + expr(depth - 1) + ")";
        case 14:
            return "[" + a + ", " + b + "].contains(" + expr(depth - 1) + ")";
        case 15:
            return "(" + a + ").containsAny([" + b + "])";
        case 16:
            return "{f: " + a + ", g: " + b + "}." + (chance(70) ? "f" : "h");
        case 17:
            return "(" + a + ").hasTag(\"k\")";
        case 18:
            return "(" + a + ").getTag(\"k\")";
        case 19:
            return "(" + a + ").isInRange(ip(\"10.0.0.0/8\"))";
        case 20:
            return "-(" + a + ")";
        default:
            return "(" + a + " is Group in " + entityRef() + ")";
        }
    }

    std::string scope(const char *var)
    {
        switch (pick(5)) {
        case 0:
            return std::string(var) + " == " + entityRef();
        case 1:
            return std::string(var) + " in " + entityRef();
        case 2:
            return std::string(var) + " is " + (chance(50) ? "User" : "Doc");
        default:
            return var;
        }
    }

    std::string policy(int index)
    {
        std::string p = chance(30) ? "@id(\"p" + std::to_string(index) + "\")\n" : "";
        p += chance(70) ? "permit" : "forbid";
        p += " (" + scope("principal") + ", ";
        const int a = pick(4);
        p += a == 0 ? "action == Action::\"view\"" : a == 1 ? "action in [Action::\"read\"]" : "action";
        p += ", " + scope("resource") + ")";
        for (int c = pick(3); c > 0; --c)
            p += std::string(chance(70) ? " when { " : " unless { ") + expr(1 + pick(3)) + " }";
        return p + ";\n";
    }

    QJsonObject request()
    {
        static const char *types[] = {"User", "Group", "Doc"};
        QJsonObject context;
        for (int i = pick(4); i > 0; --i)
            context.insert(QString::fromStdString(attrName()), attrValue(0));
        return QJsonObject{{QStringLiteral("principal"), uid(types[pick(3)], pick(5))},
                           {QStringLiteral("action"),
                            QJsonObject{{QStringLiteral("type"), QStringLiteral("Action")},
                                        {QStringLiteral("id"),
                                         chance(70) ? QStringLiteral("view") : QStringLiteral("edit")}}},
                           {QStringLiteral("resource"), uid(types[pick(3)], pick(5))},
                           {QStringLiteral("context"), context}};
    }

private:
    std::mt19937_64 m_rng;
};

struct Outcome
{
    QString decision;
    std::set<QString> reason, errors;
    QString failure; // the call failed (e.g. a policy does not parse)
    bool operator==(const Outcome &o) const
    {
        return decision == o.decision && reason == o.reason && errors == o.errors &&
               failure.isEmpty() == o.failure.isEmpty();
    }
    QString toString() const
    {
        if (!failure.isEmpty())
            return QStringLiteral("failed: ") + failure;
        QStringList r(reason.begin(), reason.end()), e(errors.begin(), errors.end());
        return decision + QStringLiteral(" reason [") + r.join(QLatin1Char(',')) +
               QStringLiteral("] errors [") + e.join(QLatin1Char(',')) + QLatin1Char(']');
    }
};

EntityUid toUid(const QJsonValue &v)
{
    const QJsonObject o = v.toObject();
    return {o.value(QStringLiteral("type")).toString().toStdString(),
            o.value(QStringLiteral("id")).toString().toStdString()};
}

Outcome ours(const std::string &policies, const QJsonArray &entities, const QJsonObject &request)
{
    Outcome out;
    Diagnostics diags;
    const auto set = PolicySet::parse(policies, &diags);
    if (!diags.empty()) {
        out.failure = QString::fromStdString(diags.front().message);
        return out;
    }
    auto list = entitiesFromJson(QJsonDocument(entities).toJson(QJsonDocument::Compact).toStdString());
    if (!list) {
        out.failure = QString::fromStdString(list.error());
        return out;
    }
    const Entities store(std::move(*list));
    Request r;
    r.principal = toUid(request.value(QStringLiteral("principal")));
    r.action = toUid(request.value(QStringLiteral("action")));
    r.resource = toUid(request.value(QStringLiteral("resource")));
    auto ctx = contextFromJson(
        QJsonDocument(request.value(QStringLiteral("context")).toObject()).toJson().toStdString());
    if (!ctx) {
        out.failure = QString::fromStdString(ctx.error());
        return out;
    }
    r.context = *ctx;
    const Decision d = set->authorize(r, store);
    out.decision = d.policyAllowed ? QStringLiteral("allow") : QStringLiteral("deny");
    for (const std::string &id : d.reason)
        out.reason.insert(QString::fromStdString(id));
    for (const PolicyError &e : d.errors)
        out.errors.insert(QString::fromStdString(e.policyId));
    return out;
}

} // namespace

class TestCedarDifferential : public QObject
{
    Q_OBJECT

    QProcess m_node;

    QJsonObject ask(const QJsonObject &command)
    {
        m_node.write(QJsonDocument(command).toJson(QJsonDocument::Compact) + '\n');
        while (!m_node.canReadLine())
            if (!m_node.waitForReadyRead(30000))
                return QJsonObject{
                    {QStringLiteral("error"), QString(QStringLiteral("no answer from cedar-ref.mjs: ") +
                                                      QString::fromUtf8(m_node.readAllStandardError()))}};
        return QJsonDocument::fromJson(m_node.readLine()).object();
    }

    Outcome reference(const std::string &policies, const QJsonArray &entities, const QJsonObject &request)
    {
        QJsonObject cmd = request;
        cmd.insert(QStringLiteral("cmd"), QStringLiteral("authorize"));
        cmd.insert(QStringLiteral("policies"), QString::fromStdString(policies));
        cmd.insert(QStringLiteral("entities"), entities);
        const QJsonObject a = ask(cmd);
        Outcome out;
        if (!a.value(QStringLiteral("error")).isNull()) {
            out.failure = a.value(QStringLiteral("error")).toString();
            return out;
        }
        out.decision = a.value(QStringLiteral("decision")).toString();
        for (const QJsonValue &v : a.value(QStringLiteral("reason")).toArray())
            out.reason.insert(v.toString());
        for (const QJsonValue &v : a.value(QStringLiteral("errors")).toArray())
            out.errors.insert(v.toString());
        return out;
    }

private slots:
    void initTestCase()
    {
        const QString script = qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                               QStringLiteral("/tools/cedar-reference/cedar-ref.mjs");
        m_node.start(QStringLiteral("node"), {script});
        QVERIFY2(m_node.waitForStarted(10000), "node did not start; run scripts/setup");
        const QJsonObject v = ask(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("version")}});
        QVERIFY2(v.value(QStringLiteral("error")).isNull() &&
                     !v.value(QStringLiteral("cedar")).toString().isEmpty(),
                 qPrintable(QString::fromUtf8(QJsonDocument(v).toJson()) +
                            QStringLiteral("\nrun scripts/setup (npm ci in tools/cedar-reference)")));
        qInfo("reference: cedar-wasm %s", qPrintable(v.value(QStringLiteral("cedar")).toString()));
    }

    void cleanupTestCase()
    {
        m_node.closeWriteChannel();
        m_node.waitForFinished(5000);
    }

    void agreesWithTheReference()
    {
        const uint64_t seed = qEnvironmentVariableIsSet("PADDOCK_DIFF_SEED")
                                  ? qEnvironmentVariable("PADDOCK_DIFF_SEED").toULongLong()
                                  : 20261122;
        const int groups = qEnvironmentVariableIsSet("PADDOCK_DIFF_GROUPS")
                               ? qEnvironmentVariableIntValue("PADDOCK_DIFF_GROUPS")
                               : 150;
        Generator gen(seed);
        int cases = 0, disagreements = 0, allowed = 0, withErrors = 0;
        for (int g = 0; g < groups; ++g) {
            const QJsonArray entities = gen.entities();
            std::vector<std::string> policies;
            for (int i = gen.pick(8) + 1; i > 0; --i)
                policies.push_back(gen.policy(int(policies.size())));
            auto text = [](const std::vector<std::string> &ps) {
                std::string t;
                for (const auto &p : ps)
                    t += p;
                return t;
            };
            for (int r = 0; r < 20; ++r) {
                const QJsonObject request = gen.request();
                ++cases;
                const Outcome a = ours(text(policies), entities, request);
                const Outcome b = reference(text(policies), entities, request);
                allowed += a.decision == QLatin1StringView("allow");
                withErrors += !a.errors.empty();
                if (a == b)
                    continue;
                ++disagreements;
                // Minimize: drop policies while the two still disagree (ids are kept with @id).
                std::vector<std::string> minimal = policies;
                for (size_t i = 0; i < minimal.size();) {
                    std::vector<std::string> fewer = minimal;
                    fewer.erase(fewer.begin() + long(i));
                    if (!fewer.empty() &&
                        !(ours(text(fewer), entities, request) == reference(text(fewer), entities, request)))
                        minimal = fewer;
                    else
                        ++i;
                }
                const Outcome ma = ours(text(minimal), entities, request);
                const Outcome mb = reference(text(minimal), entities, request);
                qWarning().noquote() << "DISAGREEMENT (seed" << seed << "group" << g << "request" << r
                                     << ")\n"
                                     << "policies:\n"
                                     << QString::fromStdString(text(minimal))
                                     << "request:" << QJsonDocument(request).toJson(QJsonDocument::Compact)
                                     << "\nentities:"
                                     << QJsonDocument(entities).toJson(QJsonDocument::Compact)
                                     << "\npaddock:  " << ma.toString() << "\nreference:" << mb.toString();
                if (disagreements >= 5)
                    break;
            }
            if (disagreements >= 5)
                break;
        }
        qInfo("%d cases compared with the reference (%d allowed, %d with policy errors), %d disagreements",
              cases, allowed, withErrors, disagreements);
        QCOMPARE(disagreements, 0);
        // The generator must exercise both decisions and evaluation errors, or agreeing means little.
        QVERIFY(allowed > cases / 20 && allowed < cases - cases / 20);
        QVERIFY(withErrors > cases / 20);
    }
    // The strict validator's verdict (valid or not) on random policies against a fixed schema.
    void validationAgreesWithTheReference()
    {
        static const char *schemaText = R"(
            entity Group in [Group] = { p: Long, q: String, s: Set<String> };
            entity User in [Group] = { p: Long, q?: String, r: Bool, s: Set<String>, t?: User } tags Long;
            entity Doc in [User, Group] = { p?: Long, q: String, r?: Bool, t: User };
            action read;
            action view in [read] appliesTo { principal: [User, Group], resource: [Doc, User], context: { p: Long, q?: String } };
            action edit appliesTo { principal: [User], resource: [Doc], context: {} };
        )";
        const SchemaParseResult schema = parseSchema(schemaText);
        QVERIFY(schema.schema);
        const uint64_t seed = qEnvironmentVariableIsSet("PADDOCK_DIFF_SEED")
                                  ? qEnvironmentVariable("PADDOCK_DIFF_SEED").toULongLong()
                                  : 20261122;
        Generator gen(seed + 1);
        int cases = 0, valid = 0, disagreements = 0;
        for (int i = 0; i < 1500 && disagreements < 5; ++i) {
            const std::string policy = gen.policy(i);
            const ParseResult parsed = parsePolicies(policy);
            if (!parsed.ok())
                continue;
            ++cases;
            const bool ours = !hasErrors(validatePolicies(parsed.policies, *schema.schema));
            const QJsonObject a =
                ask(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("validate")},
                                {QStringLiteral("policies"), QString::fromStdString(policy)},
                                {QStringLiteral("schema"), QString::fromLatin1(schemaText)}});
            const bool theirs = a.value(QStringLiteral("valid")).toBool();
            valid += ours;
            if (ours != theirs) {
                ++disagreements;
                qWarning().noquote() << "VALIDATION DISAGREEMENT:\n"
                                     << QString::fromStdString(policy)
                                     << "paddock:" << (ours ? "valid" : "invalid")
                                     << "reference:" << QJsonDocument(a).toJson(QJsonDocument::Compact);
            }
        }
        qInfo("%d policies validated by both (%d valid), %d disagreements", cases, valid, disagreements);
        QCOMPARE(disagreements, 0);
        QVERIFY(valid > cases / 20 && valid < cases - cases / 20); // both verdicts are exercised
    }
};

QTEST_GUILESS_MAIN(TestCedarDifferential)
#include "test_cedar_differential.moc"
