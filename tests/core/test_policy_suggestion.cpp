// Drafting policies from the proxy's audit events: the destination of an event, Cedar quoting, the
// single "allow this host" permit and the record-mode draft — each draft parsed and evaluated with
// the Cedar engine, so that what it permits is what was observed and nothing else.
#include "policy/PolicySet.h"
#include "policy/PolicySuggestion.h"

#include <QJsonObject>
#include <QTest>

using namespace paddock;
using Decision = AuditEvent::Decision;

namespace {
AuditEvent proxyEvent(const QString &persona, const QString &action, const QString &resource,
                      Decision decision, qint64 timeUs = 1'700'000'000'000'000, const QString &method = {})
{
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = action;
    e.resource = resource;
    e.decision = decision;
    e.timeUs = timeUs;
    QJsonObject details{{QStringLiteral("id"), 1}, {QStringLiteral("mode"), QStringLiteral("record")}};
    if (!method.isEmpty())
        details.insert(QStringLiteral("method"), method);
    e.setDetails(details);
    return e;
}

// Parses `text` (failing the test on any diagnostic) and decides one request.
bool permits(const QString &text, const QString &persona, const QString &action, const QString &host,
             int port, const QString &method = QStringLiteral("GET"))
{
    cedar::Diagnostics diagnostics;
    const auto set = cedar::PolicySet::parse(text.toStdString(), &diagnostics);
    if (!diagnostics.empty()) {
        qWarning("%s\n%s", diagnostics.front().message.c_str(), qPrintable(text));
        return false;
    }
    const std::string id =
        (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host).toStdString() +
        ':' + std::to_string(port);
    const cedar::EntityUid resource{"Paddock::Host", id};
    const cedar::Entities entities(
        {cedar::Entity{resource,
                       {{"name", cedar::Value(host.toStdString())}, {"port", cedar::Value(int64_t(port))}},
                       {},
                       {}}});
    cedar::Request request{{"Paddock::Persona", persona.toStdString()},
                           {"Paddock::Action", action.toStdString()},
                           resource,
                           cedar::Value::record({{"method", cedar::Value(method.toStdString())},
                                                 {"path", cedar::Value(std::string("/"))}})};
    return set->authorize(request, entities).allowed;
}
} // namespace

class TestPolicySuggestion : public QObject
{
    Q_OBJECT

private slots:
    void destinationOf_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("resource");
        QTest::addColumn<int>("decision");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("name") << "connect" << "GitHub.com:443" << int(Decision::Deny) << true << "github.com"
                              << 443;
        QTest::newRow("ipv4") << "connect" << "10.0.0.5:22" << int(Decision::Allow) << true << "10.0.0.5"
                              << 22;
        QTest::newRow("ipv6") << "connect" << "[2001:db8::1]:8443" << int(Decision::WouldDeny) << true
                              << "2001:db8::1" << 8443;
        QTest::newRow("http") << "http" << "example.org:80" << int(Decision::Deny) << true << "example.org"
                              << 80;
        QTest::newRow("close") << "connect.close" << "example.org:443" << int(Decision::Info) << false << ""
                               << 0;
        QTest::newRow("info") << "connect" << "example.org:443" << int(Decision::Info) << false << "" << 0;
        QTest::newRow("no port") << "connect" << "example.org" << int(Decision::Deny) << false << "" << 0;
        QTest::newRow("bad port") << "connect" << "example.org:99999" << int(Decision::Deny) << false << ""
                                  << 0;
        QTest::newRow("bare ipv6") << "connect" << "::1:443" << int(Decision::Deny) << false << "" << 0;
        QTest::newRow("git") << "git-push" << "repo:main" << int(Decision::Deny) << false << "" << 0;
    }
    void destinationOf()
    {
        QFETCH(QString, action);
        QFETCH(QString, resource);
        QFETCH(int, decision);
        QFETCH(bool, valid);
        const auto d = PolicySuggestion::destinationOf(
            proxyEvent(QStringLiteral("web"), action, resource, Decision(decision)));
        QCOMPARE(d.has_value(), valid);
        if (!valid)
            return;
        QTEST(d->host, "host");
        QTEST(d->port, "port");
        QCOMPARE(d->action, action);
    }

    void notFromTheProxyIsNoDestination()
    {
        AuditEvent e = proxyEvent(QStringLiteral("web"), QStringLiteral("connect"), QStringLiteral("a.b:443"),
                                  Decision::Deny);
        e.source = AuditEvent::Source::Policy;
        QVERIFY(!PolicySuggestion::destinationOf(e));
    }

    void cedarStringEscapes()
    {
        QCOMPARE(PolicySuggestion::cedarString(QStringLiteral("plain")), QStringLiteral("\"plain\""));
        QCOMPARE(PolicySuggestion::cedarString(QStringLiteral("a\"b\\c\nd")),
                 QStringLiteral("\"a\\\"b\\\\c\\nd\""));
    }

    void allowHostIsTheBriefsText()
    {
        const ProxyDestination d{QStringLiteral("connect"), QStringLiteral("api.example.com"), 443, {}};
        QCOMPARE(PolicySuggestion::allowHost(QStringLiteral("web"), d),
                 QStringLiteral("@id(\"allow-web-api.example.com-443\")\n"
                                "permit (principal == Paddock::Persona::\"web\", action == "
                                "Paddock::Action::\"connect\", resource)\n"
                                "when { resource.name == \"api.example.com\" && resource.port == 443 };\n"));
    }

    void allowHostPermitsThatHostOnly()
    {
        const QString text = PolicySuggestion::allowHost(
            QStringLiteral("web"), {QStringLiteral("connect"), QStringLiteral("api.example.com"), 443, {}});
        QVERIFY(permits(text, QStringLiteral("web"), QStringLiteral("connect"),
                        QStringLiteral("api.example.com"), 443));
        QVERIFY(!permits(text, QStringLiteral("web"), QStringLiteral("connect"),
                         QStringLiteral("api.example.com"), 80));
        QVERIFY(!permits(text, QStringLiteral("web"), QStringLiteral("connect"),
                         QStringLiteral("example.com"), 443));
        QVERIFY(!permits(text, QStringLiteral("agent"), QStringLiteral("connect"),
                         QStringLiteral("api.example.com"), 443));
        QVERIFY(!permits(text, QStringLiteral("web"), QStringLiteral("http"),
                         QStringLiteral("api.example.com"), 443));
    }

    void allowHostForHttpNamesTheMethod()
    {
        const auto d = PolicySuggestion::destinationOf(
            proxyEvent(QStringLiteral("web"), QStringLiteral("http"), QStringLiteral("example.org:80"),
                       Decision::Deny, 1'700'000'000'000'000, QStringLiteral("POST")));
        QVERIFY(d);
        QCOMPARE(d->method, QStringLiteral("POST"));
        const QString text = PolicySuggestion::allowHost(QStringLiteral("web"), *d);
        QVERIFY(text.contains(QStringLiteral("context.method == \"POST\"")));
        QVERIFY(permits(text, QStringLiteral("web"), QStringLiteral("http"), QStringLiteral("example.org"),
                        80, QStringLiteral("POST")));
        QVERIFY(!permits(text, QStringLiteral("web"), QStringLiteral("http"), QStringLiteral("example.org"),
                         80, QStringLiteral("GET")));
        QVERIFY(!permits(text, QStringLiteral("web"), QStringLiteral("connect"),
                         QStringLiteral("example.org"), 80));
    }

    void allowHostQuotesHostileNames()
    {
        // A persona or host with quotes and a newline cannot break out of the string literals.
        const QString persona = QStringLiteral("we\"b");
        const QString host = QStringLiteral("evil\" || true || \"x\n");
        const QString text = PolicySuggestion::allowHost(persona, {QStringLiteral("connect"), host, 443, {}});
        QVERIFY(permits(text, persona, QStringLiteral("connect"), host, 443));
        QVERIFY(!permits(text, persona, QStringLiteral("connect"), QStringLiteral("other.org"), 443));
    }

    void ipv6HostIsWithoutBrackets()
    {
        const auto d =
            PolicySuggestion::destinationOf(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                                                       QStringLiteral("[2001:db8::1]:443"), Decision::Deny));
        const QString text = PolicySuggestion::allowHost(QStringLiteral("web"), *d);
        QVERIFY(text.contains(QStringLiteral("resource.name == \"2001:db8::1\"")));
        QVERIFY(permits(text, QStringLiteral("web"), QStringLiteral("connect"), QStringLiteral("2001:db8::1"),
                        443));
    }

    void draftListsEachHostWithItsPorts()
    {
        PolicySuggestion draft(QStringLiteral("web"));
        const qint64 t0 =
            QDateTime(QDate(2025, 3, 1), QTime(10, 0), QTimeZone::UTC).toMSecsSinceEpoch() * 1000;
        const qint64 minute = 60'000'000;
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                             QStringLiteral("github.com:443"), Decision::WouldDeny, t0));
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                             QStringLiteral("github.com:22"), Decision::WouldDeny, t0 + minute));
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                             QStringLiteral("github.com:443"), Decision::Allow, t0 + 2 * minute));
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                             QStringLiteral("api.example.com:443"), Decision::WouldDeny, t0 + 3 * minute));
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("http"),
                             QStringLiteral("deb.debian.org:80"), Decision::WouldDeny, t0 + 4 * minute,
                             QStringLiteral("GET")));
        // Not counted: another persona, a close, something not from the proxy.
        draft.add(proxyEvent(QStringLiteral("agent"), QStringLiteral("connect"),
                             QStringLiteral("evil.org:443"), Decision::WouldDeny, t0));
        draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect.close"),
                             QStringLiteral("close.org:443"), Decision::Info, t0));
        AuditEvent git = AuditEvent::system(QStringLiteral("git-push"), QStringLiteral("x:1"));
        git.persona = QStringLiteral("web");
        draft.add(git);
        QCOMPARE(draft.eventCount(), 5);
        QCOMPARE(draft.hostCount(), 3);

        const QString text = draft.text();
        QVERIFY2(text.startsWith(
                     QStringLiteral("// Drafted by Paddock from 5 proxy event(s) of the persona \"web\"")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("from 2025-03-01 10:00 to 2025-03-01 10:04 UTC")),
                 qPrintable(text));
        // Sorted by host; the ports of a host in one list.
        const qsizetype api = text.indexOf(QStringLiteral("@id(\"record-web-api.example.com\")"));
        const qsizetype deb = text.indexOf(QStringLiteral("@id(\"record-web-deb.debian.org-http\")"));
        const qsizetype github = text.indexOf(QStringLiteral("@id(\"record-web-github.com\")"));
        QVERIFY(api > 0 && deb > api && github > deb);
        QVERIFY(text.contains(
            QStringLiteral("resource.name == \"github.com\" && [22, 443].contains(resource.port)")));
        QVERIFY(
            text.contains(QStringLiteral("resource.name == \"api.example.com\" && resource.port == 443")));

        const QString web = QStringLiteral("web");
        const QString connect = QStringLiteral("connect");
        QVERIFY(permits(text, web, connect, QStringLiteral("github.com"), 22));
        QVERIFY(permits(text, web, connect, QStringLiteral("github.com"), 443));
        QVERIFY(!permits(text, web, connect, QStringLiteral("github.com"), 80));
        QVERIFY(permits(text, web, connect, QStringLiteral("api.example.com"), 443));
        QVERIFY(!permits(text, web, connect, QStringLiteral("api.example.com"), 22));
        QVERIFY(permits(text, web, QStringLiteral("http"), QStringLiteral("deb.debian.org"), 80));
        QVERIFY(!permits(text, web, QStringLiteral("http"), QStringLiteral("deb.debian.org"), 80,
                         QStringLiteral("PUT")));
        QVERIFY(!permits(text, web, connect, QStringLiteral("evil.org"), 443));
        QVERIFY(!permits(text, QStringLiteral("agent"), connect, QStringLiteral("github.com"), 443));
    }

    void nothingObservedIsNoDraft()
    {
        PolicySuggestion draft(QStringLiteral("web"));
        QCOMPARE(draft.eventCount(), 0);
        QVERIFY(draft.text().isEmpty());
    }

    void manyHostsAreBounded()
    {
        PolicySuggestion draft(QStringLiteral("web"));
        for (int i = 0; i < PolicySuggestion::MaxHosts + 20; ++i)
            draft.add(proxyEvent(QStringLiteral("web"), QStringLiteral("connect"),
                                 QStringLiteral("h%1.example:443").arg(i), Decision::WouldDeny));
        QCOMPARE(draft.hostCount(), PolicySuggestion::MaxHosts + 20);
        const QString text = draft.text();
        QCOMPARE(text.count(QStringLiteral("permit (")), PolicySuggestion::MaxHosts);
        QVERIFY(text.contains(QStringLiteral("// 20 more host(s) were seen but are not listed")));
    }
};

QTEST_APPLESS_MAIN(TestPolicySuggestion)
#include "test_policy_suggestion.moc"
