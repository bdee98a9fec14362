// The egress proxy's decision, apart from its sockets: what Cedar says of a persona's request (allow,
// deny with its reason, a forbid naming itself, would-deny in shadow and record), and the SSRF guard
// on the addresses a name resolved to, lifted only by a permit that names the address, never by one
// that names only the host.
#include "policy/PolicySet.h"
#include "proxy/EgressProxy.h"
#include "proxy/ProxyDecision.h"
#include "proxy/RequestParser.h"

#include <QTest>

using namespace paddock;
using namespace Qt::StringLiterals;
using Mode = Persona::PolicyMode;

namespace {

// A host with no addresses of its own but those given, and a proxy listening where it is told.
struct FakeHost final : ProxyHost
{
    QStringList own;
    QStringList proxy; // "address:port"
    bool isProxy(const IpAddress &a, int port) const override
    {
        return proxy.contains(QStringLiteral("%1:%2").arg(a.toString()).arg(port));
    }
    bool isOwnAddress(const IpAddress &a) const override { return own.contains(a.toString()); }
};

IpAddress address(const QString &text)
{
    return **AddressGuard::parseLiteral(text);
}

std::vector<IpAddress> addresses(const QStringList &texts)
{
    std::vector<IpAddress> out;
    for (const QString &t : texts)
        out.push_back(address(t));
    return out;
}

QStringList texts(const std::vector<IpAddress> &list)
{
    QStringList out;
    for (const IpAddress &a : list)
        out << a.toString();
    return out;
}

const char *const Outside = R"(@id("outside")
permit (principal, action == Paddock::Action::"connect", resource) when { resource.name == "outside.test" };
@id("no-evil")
forbid (principal, action == Paddock::Action::"connect", resource) when { resource.name == "evil.test" };)";
const char *const All = R"(@id("all") permit (principal, action, resource);
@id("no-evil") forbid (principal, action, resource) when { resource.name == "evil.test" };)";
const char *const Registry = R"(@id("internal-registry")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "registry.corp" && context has address &&
       context.address.isInRange(ip("10.20.0.0/16")) };)";

} // namespace

class TestProxyDecision : public QObject
{
    Q_OBJECT

    // The set of `text`; null for no text (the persona's set is missing) or text that does not parse.
    static std::shared_ptr<const cedar::PolicySet> parse(const QString &text)
    {
        if (text.isEmpty())
            return nullptr;
        cedar::Diagnostics diagnostics;
        auto set = cedar::PolicySet::parse(text.toStdString(), &diagnostics);
        return diagnostics.empty() ? set : nullptr;
    }

    static ProxyPersona persona(Mode mode)
    {
        ProxyPersona p;
        p.name = QStringLiteral("agent");
        p.policySet = p.trust = QStringLiteral("restricted");
        p.mode = mode;
        return p;
    }

    static ProxyRequest request(const QString &host, int port, const QByteArray &method = "CONNECT",
                                const QByteArray &path = {})
    {
        ProxyRequest r;
        r.method = method;
        r.connect = method == "CONNECT";
        r.host = host;
        r.port = port;
        r.path = path;
        return r;
    }

private slots:
    void addressesAreDecided_data()
    {
        QTest::addColumn<QString>("policies");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QStringList>("resolved");
        QTest::addColumn<bool>("allow");
        QTest::addColumn<bool>("wouldDeny");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QStringList>("deciding");
        QTest::addColumn<QStringList>("dialled");

        const QString outside = QString::fromLatin1(Outside);
        const QString all = QString::fromLatin1(All);
        const QStringList publicAddress{QStringLiteral("203.0.113.5")};
        const QStringList none;
        QTest::newRow("allow") << outside << Mode::Enforce << "outside.test" << 443 << publicAddress << true
                               << false << 0 << QString() << QStringList{u"outside"_s} << publicAddress;
        QTest::newRow("deny with its reason")
            << outside << Mode::Enforce << "other.test" << 443 << publicAddress << false << false << 403
            << "no policy permits it" << none << publicAddress;
        QTest::newRow("no set permits nothing")
            << QString() << Mode::Enforce << "outside.test" << 443 << publicAddress << false << false << 403
            << "no policy permits it" << none << publicAddress;
        QTest::newRow("a forbid names itself")
            << all << Mode::Enforce << "evil.test" << 443 << publicAddress << false << false << 403
            << "forbidden by no-evil" << QStringList{u"no-evil"_s} << publicAddress;
        QTest::newRow("shadow passes a deny")
            << all << Mode::Shadow << "evil.test" << 443 << publicAddress << true << true << 0
            << "forbidden by no-evil" << QStringList{u"no-evil"_s} << publicAddress;
        QTest::newRow("record passes a deny")
            << outside << Mode::Record << "other.test" << 443 << publicAddress << true << true << 0
            << "no policy permits it" << none << publicAddress;

        // The guard: whatever the policies say, and in every mode.
        QTest::newRow("a name to loopback") << all << Mode::Enforce << "rebind.test" << 22
                                            << QStringList{u"127.0.0.1"_s} << false << false << 403
                                            << "refused: rebind.test resolves to 127.0.0.1, which is not "
                                               "open to agents: loopback (127.0.0.0/8)"
                                            << none << none;
        QTest::newRow("the metadata address") << all << Mode::Shadow << "169.254.169.254" << 80
                                              << QStringList{u"169.254.169.254"_s} << false << false << 403
                                              << "refused: 169.254.169.254 is not open to agents: link-local "
                                                 "(169.254.0.0/16, where cloud metadata lives)"
                                              << none << none;
        QTest::newRow("the host's own address")
            << all << Mode::Record << "self.test" << 443 << QStringList{u"198.51.100.1"_s} << false << false
            << 403
            << "refused: self.test resolves to 198.51.100.1, which is not open to agents: one of this "
               "host's own addresses"
            << none << none;
        QTest::newRow("the proxy itself, whatever the policies")
            << R"(@id("p") permit (principal, action, resource) when { context has address };)"
            << Mode::Enforce << "proxy.test" << 3128 << QStringList{u"198.51.100.1"_s} << false << false
            << 403 << "refused: proxy.test:3128 is this proxy itself" << none << none;
        QTest::newRow("refused ones are skipped, in order")
            << outside << Mode::Enforce << "outside.test" << 443
            << QStringList{u"10.0.0.1"_s, u"203.0.113.5"_s, u"fd00::1"_s, u"203.0.113.6"_s} << true << false
            << 0 << QString() << QStringList{u"outside"_s} << QStringList{u"203.0.113.5"_s, u"203.0.113.6"_s};
        QTest::newRow("none passes: the first reason")
            << all << Mode::Enforce << "private.test" << 443 << QStringList{u"10.1.2.3"_s, u"127.0.0.1"_s}
            << false << false << 403
            << "refused: private.test resolves to 10.1.2.3, which is not open to agents: private (RFC 1918)"
            << none << none;
        QTest::newRow("only addresses with the first one's decision")
            << R"(@id("one") permit (principal, action, resource) when {
                   context has address && context.address.isInRange(ip("203.0.113.0/25")) };)"
            << Mode::Shadow << "outside.test" << 443
            << QStringList{u"203.0.113.5"_s, u"203.0.113.200"_s, u"203.0.113.6"_s} << true << false << 0
            << QString() << QStringList{u"one"_s} << QStringList{u"203.0.113.5"_s, u"203.0.113.6"_s};

        // Lifted by a permit that names the address: by context.address, in its scope, as a string.
        QTest::newRow("lifted: context.address")
            << QString::fromLatin1(Registry) << Mode::Enforce << "registry.corp" << 443
            << QStringList{u"10.20.1.2"_s} << true << false << 0 << QString()
            << QStringList{u"internal-registry"_s} << QStringList{u"10.20.1.2"_s};
        QTest::newRow("lifted: the literal in the scope")
            << R"(@id("ssh") permit (principal, action, resource == Paddock::Host::"127.0.0.1:22");)"
            << Mode::Enforce << "127.0.0.1" << 22 << QStringList{u"127.0.0.1"_s} << true << false << 0
            << QString() << QStringList{u"ssh"_s} << QStringList{u"127.0.0.1"_s};
        QTest::newRow("lifted: the resolved address as a string")
            << R"(@id("pinned") permit (principal, action, resource)
                 when { resource.name == "rebind.test" || resource.name == "127.0.0.1" };)"
            << Mode::Enforce << "rebind.test" << 22 << QStringList{u"127.0.0.1"_s} << true << false << 0
            << QString() << QStringList{u"pinned"_s} << QStringList{u"127.0.0.1"_s};
        // Not by one that names only the host: it does not vouch for where its DNS points.
        QTest::newRow("not lifted: the name in a condition")
            << R"(@id("named") permit (principal, action, resource) when { resource.name == "rebind.test" };)"
            << Mode::Enforce << "rebind.test" << 22 << QStringList{u"127.0.0.1"_s} << false << false << 403
            << "refused: rebind.test resolves to 127.0.0.1, which is not open to agents: loopback "
               "(127.0.0.0/8)"
            << none << none;
        QTest::newRow("not lifted: the name in the scope")
            << R"(@id("named") permit (principal, action, resource == Paddock::Host::"rebind.test:22");)"
            << Mode::Enforce << "rebind.test" << 22 << QStringList{u"127.0.0.1"_s} << false << false << 403
            << "refused: rebind.test resolves to 127.0.0.1, which is not open to agents: loopback "
               "(127.0.0.0/8)"
            << none << none;
        QTest::newRow("not lifted: a forbid naming the address")
            << R"(@id("all") permit (principal, action, resource);
                 @id("not-loopback") forbid (principal, action, resource) when { context.address == ip("127.0.0.1") };)"
            << Mode::Shadow << "rebind.test" << 22 << QStringList{u"127.0.0.1"_s} << false << false << 403
            << "refused: rebind.test resolves to 127.0.0.1, which is not open to agents: loopback "
               "(127.0.0.0/8)"
            << none << none;
    }
    void addressesAreDecided()
    {
        QFETCH(QString, policies);
        QFETCH(Mode, mode);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QStringList, resolved);
        FakeHost fake;
        fake.own = {QStringLiteral("198.51.100.1")};
        fake.proxy = {QStringLiteral("198.51.100.1:3128")};
        const auto set = parse(policies);
        QVERIFY2(policies.isEmpty() || set, qPrintable(policies));
        const ProxyPersona p = persona(mode);
        const ProxyRequest r = request(host, port);
        const QString resource = QStringLiteral("%1:%2").arg(host).arg(port);
        const std::vector<IpAddress> list = addresses(resolved);
        const ProxyVerdict v = ProxyDecision::byAddresses(set.get(), {p, r, resource}, list, fake);
        QTEST(v.allow, "allow");
        QTEST(v.wouldDeny, "wouldDeny");
        QTEST(v.status, "status");
        QTEST(v.reason, "reason");
        QTEST(v.policies, "deciding");
        QTEST(texts(v.addresses), "dialled");
    }

    void aNameIsRefusedBeforeItIsResolved_data()
    {
        QTest::addColumn<QString>("policies");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("refused");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QStringList>("deciding");
        const QString outside = QString::fromLatin1(Outside);
        QTest::newRow("permitted: resolved")
            << outside << Mode::Enforce << "outside.test" << false << QString() << QStringList{u"outside"_s};
        QTest::newRow("no permit: never resolved")
            << outside << Mode::Enforce << "other.test" << true << "no policy permits it" << QStringList{};
        QTest::newRow("forbidden: never resolved")
            << QString::fromLatin1(All) << Mode::Enforce << "evil.test" << true << "forbidden by no-evil"
            << QStringList{u"no-evil"_s};
        QTest::newRow("shadow: resolved, to be recorded")
            << outside << Mode::Shadow << "other.test" << false << "no policy permits it" << QStringList{};
        QTest::newRow("a permit by address: resolved")
            << QString::fromLatin1(Registry) << Mode::Enforce << "registry.corp" << false
            << "no policy permits it" << QStringList{};
    }
    void aNameIsRefusedBeforeItIsResolved()
    {
        QFETCH(QString, policies);
        QFETCH(Mode, mode);
        QFETCH(QString, host);
        QFETCH(bool, refused);
        const auto set = parse(policies);
        QVERIFY2(policies.isEmpty() || set, qPrintable(policies));
        const ProxyPersona p = persona(mode);
        const ProxyRequest r = request(host, 443);
        const QString resource = host + QStringLiteral(":443");
        const cedar::Decision byName = ProxyDecision::evaluate(set.get(), {p, r, resource}, std::nullopt);
        QCOMPARE(ProxyDecision::refusedByName(set.get(), byName, mode), refused);
        // What the policies say of the name alone: the answer when it is refused.
        const ProxyVerdict v = ProxyDecision::verdict(byName, mode);
        if (refused) {
            QVERIFY(!v.allow);
            QCOMPARE(v.status, 403);
        }
        QTEST(v.reason, "reason");
        QTEST(v.policies, "deciding");
    }

    // A job's run asks as Paddock::Job::"<job>" in its persona: a policy about the persona covers
    // it, one about jobs covers only it, one about another job does not.
    void aJobAsksAsTheJobInItsPersona()
    {
        const auto set = parse(QStringLiteral(R"(@id("agent-hosts")
permit (principal in Paddock::Persona::"agent", action == Paddock::Action::"connect", resource)
when { resource.name == "outside.test" || resource.name == "docs.test" };
@id("jobs-no-docs")
forbid (principal is Paddock::Job, action, resource) when { resource.name == "docs.test" };
@id("nightly-extra")
permit (principal == Paddock::Job::"nightly", action, resource) when { resource.name == "extra.test" };)"));
        QVERIFY(set);
        Persona agent;
        agent.name = QStringLiteral("agent");
        agent.trust = Persona::Trust::Restricted;
        const ProxyPersona persona = ProxyPersona::from(agent);
        const ProxyPersona nightly = ProxyPersona::forJob(agent, QStringLiteral("nightly"));
        const ProxyPersona weekly = ProxyPersona::forJob(agent, QStringLiteral("weekly"));
        QCOMPARE(nightly.name, QStringLiteral("job:nightly"));
        QCOMPARE(nightly.parent, QStringLiteral("agent"));
        const auto allowed = [&](const ProxyPersona &who, const QString &host) {
            const ProxyRequest r = request(host, 443);
            const QString resource = host + QStringLiteral(":443");
            return ProxyDecision::evaluate(set.get(), {who, r, resource}, std::nullopt).policyAllowed;
        };
        QVERIFY(allowed(persona, QStringLiteral("outside.test")));
        QVERIFY(allowed(nightly, QStringLiteral("outside.test")));
        QVERIFY(allowed(persona, QStringLiteral("docs.test")));
        QVERIFY(!allowed(nightly, QStringLiteral("docs.test")));
        QVERIFY(allowed(nightly, QStringLiteral("extra.test")));
        QVERIFY(!allowed(weekly, QStringLiteral("extra.test")));
        QVERIFY(!allowed(persona, QStringLiteral("extra.test")));
    }

    void plainHttpIsDecidedByMethodAndPath_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("allow");
        QTest::newRow("GET under /pub") << QByteArray("GET") << QByteArray("/pub/a?b") << true;
        QTest::newRow("POST under /pub") << QByteArray("POST") << QByteArray("/pub/a") << false;
        QTest::newRow("GET elsewhere") << QByteArray("GET") << QByteArray("/private") << false;
    }
    void plainHttpIsDecidedByMethodAndPath()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        const auto set = parse(QStringLiteral(R"(@id("read-pub")
permit (principal, action == Paddock::Action::"http", resource)
when { context.method == "GET" && context.path like "/pub*" };)"));
        QVERIFY(set);
        const ProxyPersona p = persona(Mode::Enforce);
        const ProxyRequest r = request(QStringLiteral("outside.test"), 80, method, path);
        const QString resource = QStringLiteral("outside.test:80");
        const std::vector<IpAddress> list{address(QStringLiteral("203.0.113.5"))};
        const ProxyVerdict v = ProxyDecision::byAddresses(set.get(), {p, r, resource}, list, FakeHost{});
        QTEST(v.allow, "allow");
        QCOMPARE(v.status, v.allow ? 0 : 403);
    }

    void aNameAnUpstreamResolvesIsCheckedHere_data()
    {
        QTest::addColumn<QString>("policies");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("reason"); // empty: passed on to the upstream proxy
        const QString localhost = QStringLiteral(
            "refused: localhost resolves to 127.0.0.1, which is not open to agents: loopback (127.0.0.0/8)");
        QTest::newRow("permitted by name") << QString::fromLatin1(All) << 443 << localhost;
        QTest::newRow("a permit naming every address")
            << R"(@id("lo") permit (principal, action, resource) when {
                   context has address && (context.address == ip("127.0.0.1") || context.address == ip("::1")) };)"
            << 443 << QString();
        QTest::newRow("the proxy itself")
            << QString::fromLatin1(All) << 3128 << "refused: localhost:3128 is this proxy itself";
    }
    void aNameAnUpstreamResolvesIsCheckedHere()
    {
        QFETCH(QString, policies);
        QFETCH(int, port);
        QFETCH(QString, reason);
        FakeHost fake;
        fake.proxy = {QStringLiteral("127.0.0.1:3128")};
        const auto set = parse(policies);
        QVERIFY2(policies.isEmpty() || set, qPrintable(policies));
        const ProxyPersona p = persona(Mode::Enforce);
        const ProxyRequest r = request(QStringLiteral("localhost"), port);
        const QString resource = QStringLiteral("localhost:%1").arg(port);
        const std::vector<IpAddress> local = addresses({QStringLiteral("127.0.0.1"), QStringLiteral("::1")});
        const auto refused = ProxyDecision::refusedLocally(set.get(), {p, r, resource}, local, fake);
        QCOMPARE(refused.has_value(), !reason.isEmpty());
        if (refused) {
            QCOMPARE(refused->status, 403);
            QCOMPARE(refused->reason, reason);
            QVERIFY(!refused->allow);
        }
    }
};

QTEST_APPLESS_MAIN(TestProxyDecision)
#include "test_proxy_decision.moc"
