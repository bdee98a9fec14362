// The Cedar and Cedar schema syntax definitions bundled in paddock_ui: KSyntaxHighlighting finds them,
// loads them without complaint, and gives each construct of a policy or schema the style a reader expects.
#include <KSyntaxHighlighting/AbstractHighlighter>
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/FoldingRegion>
#include <KSyntaxHighlighting/Format>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/State>
#include <KSyntaxHighlighting/Theme>

#include <QRegularExpression>
#include <QTest>

#include <optional>
#include <vector>

using KSyntaxHighlighting::Theme;

namespace {
const QString cedar = QStringLiteral("Cedar");
const QString cedarSchema = QStringLiteral("Cedar Schema");

// Highlights a text line by line, as SyntaxHighlighter does for a QPlainTextEdit, and records the style
// of every character and each folding region.
class StyleRecorder final : public KSyntaxHighlighting::AbstractHighlighter
{
public:
    struct Fold
    {
        qsizetype offset;
        KSyntaxHighlighting::FoldingRegion region;
    };

    explicit StyleRecorder(const KSyntaxHighlighting::Definition &definition) { setDefinition(definition); }

    void highlight(const QString &text)
    {
        m_styles.assign(text.size(), std::nullopt);
        m_formats.assign(text.size(), QString());
        m_folds.clear();
        KSyntaxHighlighting::State state;
        m_lineStart = 0;
        for (const QStringView line : QStringView(text).tokenize(u'\n')) {
            state = highlightLine(line, state);
            m_lineStart += line.size() + 1;
        }
    }

    std::optional<Theme::TextStyle> styleAt(qsizetype offset) const { return m_styles.at(offset); }
    QString formatAt(qsizetype offset) const { return m_formats.at(offset); }
    const std::vector<Fold> &folds() const { return m_folds; }

protected:
    void applyFormat(int offset, int length, const KSyntaxHighlighting::Format &format) override
    {
        for (qsizetype i = m_lineStart + offset; i < m_lineStart + offset + length; ++i) {
            m_styles[i] = format.textStyle();
            m_formats[i] = format.name();
        }
    }

    void applyFolding(int offset, int, KSyntaxHighlighting::FoldingRegion region) override
    {
        m_folds.push_back({m_lineStart + offset, region});
    }

private:
    std::vector<std::optional<Theme::TextStyle>> m_styles;
    std::vector<QString> m_formats;
    std::vector<Fold> m_folds;
    qsizetype m_lineStart = 0;
};

// A policy that uses every construct the definition knows, written correctly: nothing in it is an error.
const QString validPolicy = QStringLiteral(R"(// Alice may view and edit her vacation photos. TODO: narrow
@id("alice-photos")
@advice("ask first")
permit (
    principal == PhotoApp::User::"alice",
    action in [PhotoApp::Action::"view", PhotoApp::Action::"edit"],
    resource is PhotoApp::Photo in PhotoApp::Album::"vacation"
)
when {
    resource.owner == principal &&
    context.ip.isInRange(ip("10.0.0.0/8")) && !context.ip.isLoopback() &&
    !(resource.labels.containsAny(["private", "draft"])) &&
    resource has title && resource.title like "*\*photo?*" &&
    context.amount.lessThan(decimal("12.50")) &&
    (if context.age >= 18 then true else false) &&
    context.start.offset(duration("-1h")) < datetime("2024-10-15") &&
    resource.size * 2 + -1 <= 1024 &&
    principal.hasTag("team") && principal.getTag("team") != )"
                                           // moc 6.8 loses track of a raw string holding these escapes.
                                           "\"x\\n\\r\\t\\\"\\\\\\0\\'\\u{1F600}\\x41\" &&"
                                           R"(
    { "a": 1, b: [true] }.b.isEmpty() == false && resource.text == "spans
two lines"
}
unless { context.action == "x" || principal is Admin };

permit (principal == ?principal, action, resource in ?resource);
)");

const QString validSchema = QStringLiteral(R"(// Photo app schema.
@doc("photos")
namespace PhotoApp {
    type Email = String;
    entity User in [Group] = {
        "display name": String,
        email?: Email,
        type: String,
        tags: Set<String>,
        address: { street: String, zip?: Long },
        addr?: ipaddr,
        created: datetime,
        timeout?: __cedar::duration,
        "escape\u{41}\n": Bool,
    } tags String;
    entity Group;
    entity Color enum ["Red", "Green"];
    action "view", edit in [Action::"read"] appliesTo {
        principal: [User, Group],
        resource: PhotoApp::Photo,
        context: {
            authenticated: Boolean,
            amount?: decimal,
            where: Record,
        },
    };
}
entity Photo { owner: PhotoApp::User, extra: Extension, who: Entity };
)");
} // namespace

class TestCedarSyntax : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        // A definition KSyntaxHighlighting cannot resolve (an unknown context, list or include, a bad
        // regular expression) shows up as a warning while it loads or highlights.
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    }

    void definitionIsFound_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("mimeType");
        QTest::newRow("policy") << cedar << QStringLiteral("/tmp/policies/x.cedar")
                                << QStringLiteral("text/x-cedar");
        QTest::newRow("schema") << cedarSchema << QStringLiteral("x.cedarschema")
                                << QStringLiteral("text/x-cedarschema");
    }

    void definitionIsFound()
    {
        QFETCH(QString, name);
        QFETCH(QString, fileName);
        QFETCH(QString, mimeType);
        const auto definition = m_repository.definitionForName(name);
        QVERIFY(definition.isValid());
        // Ours, from paddock_ui's resources, not a definition installed on the system.
        QVERIFY2(
            definition.filePath().startsWith(QStringLiteral(":/org.kde.syntax-highlighting/syntax-addons/")),
            qPrintable(definition.filePath()));
        QCOMPARE(m_repository.definitionForFileName(fileName).name(), name);
        QCOMPARE(m_repository.definitionForMimeType(mimeType).name(), name);
        QCOMPARE(definition.singleLineCommentMarker(), QStringLiteral("//"));
        QVERIFY(!definition.formats().isEmpty()); // loads the whole definition
        QVERIFY(definition.foldingEnabled());
    }

    void styles_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("marked"); // the text, with the fragment to check between « and »
        QTest::addColumn<Theme::TextStyle>("style");

        const auto policy = [](const char *row, const QString &marked, Theme::TextStyle style) {
            QTest::newRow(row) << cedar << marked << style;
        };
        policy("permit", QStringLiteral("«permit» (principal, action, resource);"), Theme::Keyword);
        policy("forbid", QStringLiteral("«forbid» (principal, action, resource);"), Theme::Keyword);
        policy("when", QStringLiteral("permit (principal, action, resource) «when» { true };"),
               Theme::Keyword);
        policy("unless", QStringLiteral("permit (principal, action, resource) «unless» { 1 };"),
               Theme::Keyword);
        for (const char *variable : {"principal", "action", "resource", "context"})
            policy(variable,
                   QStringLiteral("permit (principal, action, resource) when { «%1» };")
                       .arg(QLatin1StringView(variable)),
                   Theme::Keyword);
        policy("in", QStringLiteral("permit (principal «in» Group::\"a\", action, resource);"),
               Theme::Keyword);
        policy("has", QStringLiteral("when { resource «has» owner }"), Theme::Keyword);
        policy("like", QStringLiteral("when { resource.name «like» \"*.org\" }"), Theme::Keyword);
        policy("is", QStringLiteral("permit (principal «is» User, action, resource);"), Theme::Keyword);
        policy("if", QStringLiteral("when { «if» true then 1 else 2 }"), Theme::ControlFlow);
        policy("then", QStringLiteral("when { if true «then» 1 else 2 }"), Theme::ControlFlow);
        policy("else", QStringLiteral("when { if true then 1 «else» 2 }"), Theme::ControlFlow);
        policy("true", QStringLiteral("when { «true» }"), Theme::Constant);
        policy("false", QStringLiteral("when { «false» }"), Theme::Constant);

        policy("entity type", QStringLiteral("principal == «User::»\"alice\""), Theme::DataType);
        policy("entity id", QStringLiteral("principal == User::«\"alice\"»"), Theme::String);
        policy("namespaced type", QStringLiteral("resource in «Foo::Bar::»\"id\""), Theme::DataType);
        policy("namespaced id", QStringLiteral("resource in Foo::Bar::«\"id\"»"), Theme::String);
        policy("type after is", QStringLiteral("principal is «Ns::User» in Ns::Group::\"g\""),
               Theme::DataType);
        policy("plain type after is", QStringLiteral("principal is «User»,"), Theme::DataType);
        policy("template principal", QStringLiteral("principal == «?principal»,"), Theme::Variable);
        policy("template resource", QStringLiteral("resource in «?resource»)"), Theme::Variable);
        policy("no such slot", QStringLiteral("action == «?action»,"), Theme::Error);
        policy("annotation", QStringLiteral("«@id»(\"p1\")\npermit (principal, action, resource);"),
               Theme::Attribute);
        policy("annotation value", QStringLiteral("@id(«\"p1\"»)"), Theme::String);

        policy("string", QStringLiteral("when { context.name == «\"hello, world\"» }"), Theme::String);
        policy("string over two lines", QStringLiteral("when { \"first\nsecond «line»\" }"), Theme::String);
        for (const char *escape : {R"(\n)", R"(\r)", R"(\t)", R"(\")", R"(\\)", R"(\0)", R"(\')",
                                   R"(\u{1F600})", R"(\u{0})", R"(\x7f)"})
            policy(escape, QStringLiteral("\"a«%1»b\"").arg(QLatin1StringView(escape)), Theme::SpecialChar);
        policy("bad escape", QStringLiteral("\"a«\\q»b\""), Theme::Error);
        policy("non-ASCII \\x", QStringLiteral("\"a«\\x»80\""), Theme::Error);
        policy("\\u without braces", QStringLiteral("\"a«\\u»0041\""), Theme::Error);
        policy("\\* outside a pattern", QStringLiteral("\"a«\\*»\""), Theme::Error);
        policy("\\* in a pattern", QStringLiteral("x like \"a«\\*»\""), Theme::SpecialChar);
        policy("wildcard", QStringLiteral("x like \"«*».org\""), Theme::SpecialChar);
        policy("star outside a pattern", QStringLiteral("x == \"«*».org\""), Theme::String);
        policy("pattern after the wildcard", QStringLiteral("x like \"*«.org»\""), Theme::String);

        policy("comment", QStringLiteral("permit (principal, action, resource); «// note»"), Theme::Comment);
        policy("alert in comment", QStringLiteral("// «TODO» tighten"), Theme::Alert);
        policy("integer", QStringLiteral("when { context.n < «42» }"), Theme::DecVal);

        for (const char *op : {"==", "!=", "<", "<=", ">", ">=", "&&", "||", "+", "-", "*"})
            policy(op, QStringLiteral("when { a «%1» b }").arg(QLatin1StringView(op)), Theme::Operator);
        policy("!", QStringLiteral("when { «!»a }"), Theme::Operator);
        policy(".", QStringLiteral("when { context«.»n }"), Theme::Operator);
        policy("assignment", QStringLiteral("when { a «=» b }"), Theme::Error);

        for (const char *function : {"ip", "decimal", "datetime", "duration"})
            policy(function, QStringLiteral("when { «%1»(\"x\") }").arg(QLatin1StringView(function)),
                   Theme::BuiltIn);
        for (const char *method :
             {"contains",  "containsAll",   "containsAny",     "isEmpty",     "hasTag",
              "getTag",    "isIpv4",        "isIpv6",          "isLoopback",  "isMulticast",
              "isInRange", "lessThan",      "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
              "offset",    "durationSince", "toDate",          "toTime",      "toMilliseconds",
              "toSeconds", "toMinutes",     "toHours",         "toDays"})
            policy(method, QStringLiteral("when { context.x.«%1»(y) }").arg(QLatin1StringView(method)),
                   Theme::Function);
        policy("attribute named like a function", QStringLiteral("when { context.«ip» == 1 }"),
               Theme::Normal);
        policy("attribute named like a method", QStringLiteral("when { context.«offset» == 1 }"),
               Theme::Normal);
        policy("attribute named like a keyword", QStringLiteral("when { context.«action» == 1 }"),
               Theme::Normal);

        const auto schema = [](const char *row, const QString &marked, Theme::TextStyle style) {
            QTest::newRow(qPrintable(QStringLiteral("schema: ") + QLatin1StringView(row)))
                << cedarSchema << marked << style;
        };
        schema("namespace", QStringLiteral("«namespace» App {}"), Theme::Keyword);
        schema("namespace name", QStringLiteral("namespace «App::Photos» {}"), Theme::DataType);
        schema("entity", QStringLiteral("namespace App {\n    «entity» User;\n}"), Theme::Keyword);
        schema("in", QStringLiteral("entity User «in» [Group];"), Theme::Keyword);
        schema("type", QStringLiteral("«type» Email = String;"), Theme::Keyword);
        schema("tags", QStringLiteral("entity User «tags» String;"), Theme::Keyword);
        schema("enum", QStringLiteral("entity Color «enum» [\"Red\"];"), Theme::Keyword);
        schema("action", QStringLiteral("«action» view appliesTo { principal: User };"), Theme::Keyword);
        schema("appliesTo", QStringLiteral("action view «appliesTo» { principal: User };"), Theme::Keyword);
        for (const char *key : {"principal", "resource", "context"})
            schema(key,
                   QStringLiteral("action view appliesTo {\n  «%1»: User,\n};").arg(QLatin1StringView(key)),
                   Theme::Keyword);
        for (const char *type : {"Long", "String", "Bool", "Boolean", "Set", "Record", "Entity", "Extension",
                                 "ipaddr", "decimal", "datetime", "duration"})
            schema(type, QStringLiteral("entity E = { a: «%1» };").arg(QLatin1StringView(type)),
                   Theme::DataType);
        schema("namespaced type", QStringLiteral("entity E = { a: «__cedar::Long» };"), Theme::DataType);
        schema("optional", QStringLiteral("entity E = { a«?»: Long };"), Theme::Operator);
        schema("attribute named like a keyword", QStringLiteral("entity E = { «type»: String };"),
               Theme::Normal);
        schema("attribute in a nested record", QStringLiteral("entity E = { a: { «tags»: String } };"),
               Theme::Normal);
        schema("action reference", QStringLiteral("action view in [«Action::»\"read\"];"), Theme::DataType);
        schema("action name", QStringLiteral("action «\"view\"»;"), Theme::String);
        schema("annotation", QStringLiteral("«@doc»(\"a user\")\nentity User;"), Theme::Attribute);
        schema("annotation value", QStringLiteral("@doc(«\"a user\"»)"), Theme::String);
        schema("comment", QStringLiteral("entity User; «// people»"), Theme::Comment);
        schema("escape", QStringLiteral("action \"a«\\u{41}»\";"), Theme::SpecialChar);
        schema("bad escape", QStringLiteral("action \"a«\\q»\";"), Theme::Error);
    }

    void styles()
    {
        QFETCH(QString, name);
        QFETCH(QString, marked);
        QFETCH(Theme::TextStyle, style);
        const qsizetype from = marked.indexOf(u'«');
        const qsizetype to = marked.indexOf(u'»') - 1;
        QVERIFY(from >= 0 && to > from);
        QString text = marked;
        text.remove(u'«').remove(u'»');

        const auto definition = m_repository.definitionForName(name);
        QVERIFY(definition.isValid());
        StyleRecorder recorder(definition);
        recorder.highlight(text);
        for (qsizetype i = from; i < to; ++i) {
            QVERIFY2(recorder.styleAt(i).has_value(), qPrintable(QStringLiteral("no format at %1").arg(i)));
            if (*recorder.styleAt(i) != style)
                qInfo("'%s' at %lld has the format '%s'", qPrintable(text.mid(i, 1)),
                      static_cast<long long>(i), qPrintable(recorder.formatAt(i)));
            QCOMPARE(*recorder.styleAt(i), style);
        }
    }

    // Correct Cedar never shows an error, and every character gets a format.
    void validTextHasNoErrors_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("text");
        QTest::newRow("policy") << cedar << validPolicy;
        QTest::newRow("schema") << cedarSchema << validSchema;
    }

    void validTextHasNoErrors()
    {
        QFETCH(QString, name);
        QFETCH(QString, text);
        const auto definition = m_repository.definitionForName(name);
        QVERIFY(definition.isValid());
        StyleRecorder recorder(definition);
        recorder.highlight(text);
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (text.at(i) == u'\n')
                continue;
            QVERIFY2(recorder.styleAt(i).has_value(), qPrintable(QStringLiteral("no format at %1").arg(i)));
            QVERIFY2(*recorder.styleAt(i) != Theme::Error,
                     qPrintable(QStringLiteral("error at %1: %2").arg(i).arg(text.mid(i, 20))));
        }
    }

    // Braces, parentheses and brackets open and close folding regions that nest properly.
    void foldingRegionsBalance_data() { validTextHasNoErrors_data(); }

    void foldingRegionsBalance()
    {
        QFETCH(QString, name);
        QFETCH(QString, text);
        const auto definition = m_repository.definitionForName(name);
        QVERIFY(definition.isValid());
        StyleRecorder recorder(definition);
        recorder.highlight(text);

        std::vector<KSyntaxHighlighting::FoldingRegion> open;
        qsizetype begins = 0;
        for (const auto &[offset, region] : recorder.folds()) {
            const QChar bracket = text.at(offset);
            if (region.type() == KSyntaxHighlighting::FoldingRegion::Begin) {
                QVERIFY2(QStringLiteral("{([").contains(bracket), qPrintable(text.mid(offset, 20)));
                open.push_back(region);
                ++begins;
            } else {
                QVERIFY2(QStringLiteral("})]").contains(bracket), qPrintable(text.mid(offset, 20)));
                QVERIFY2(!open.empty(), qPrintable(text.mid(offset, 20)));
                QCOMPARE(region.id(), open.back().id());
                open.pop_back();
            }
        }
        QVERIFY(open.empty());
        // Every bracket in the code opens a region; those in strings and comments do not count.
        qsizetype brackets = 0;
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (QStringLiteral("{([").contains(text.at(i)) && recorder.styleAt(i) == Theme::Normal)
                ++brackets;
        }
        QVERIFY(brackets > 0);
        QCOMPARE(begins, brackets);
    }

private:
    KSyntaxHighlighting::Repository m_repository;
};

QTEST_GUILESS_MAIN(TestCedarSyntax)
#include "test_cedar_syntax.moc"
