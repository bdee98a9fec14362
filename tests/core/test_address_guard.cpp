// The egress proxy's SSRF guard: IP literals in every notation become the address they are, and
// loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast and IPv6 forms
// that carry IPv4 are refused with the reason; public addresses pass.
#include "proxy/AddressGuard.h"

#include <QTest>

using namespace paddock;

class TestAddressGuard : public QObject
{
    Q_OBJECT

private slots:
    void literalsAreNormalised_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("address");
        QTest::newRow("dotted") << "127.0.0.1" << "127.0.0.1";
        QTest::newRow("decimal") << "2130706433" << "127.0.0.1";
        QTest::newRow("hex parts") << "0x7f.1" << "127.0.0.1";
        QTest::newRow("hex whole") << "0x7F000001" << "127.0.0.1";
        QTest::newRow("octal") << "0177.0.0.01" << "127.0.0.1";
        QTest::newRow("three parts") << "127.0.1" << "127.0.0.1";
        QTest::newRow("two parts") << "10.1" << "10.0.0.1";
        QTest::newRow("trailing dot") << "8.8.8.8." << "8.8.8.8";
        QTest::newRow("metadata decimal") << "2852039166" << "169.254.169.254";
        QTest::newRow("zero") << "0" << "0.0.0.0";
        QTest::newRow("v6 bracketed") << "[::1]" << "::1";
        QTest::newRow("v6 mapped") << "[::ffff:127.0.0.1]" << "::ffff:127.0.0.1";
        QTest::newRow("v6 long form") << "0:0:0:0:0:0:0:1" << "::1";
        QTest::newRow("v6 upper case") << "2001:DB8::1" << "2001:db8::1";
    }
    void literalsAreNormalised()
    {
        QFETCH(QString, host);
        QFETCH(QString, address);
        auto parsed = AddressGuard::parseLiteral(host);
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().text()));
        QVERIFY(parsed->has_value());
        QCOMPARE((*parsed)->toString(), address);
    }

    void namesAreNotLiterals_data()
    {
        QTest::addColumn<QString>("host");
        QTest::newRow("name") << "example.org";
        QTest::newRow("digits first") << "1.2.3.example";
        QTest::newRow("3com") << "www.3com";
        QTest::newRow("localhost") << "localhost";
    }
    void namesAreNotLiterals()
    {
        QFETCH(QString, host);
        auto parsed = AddressGuard::parseLiteral(host);
        QVERIFY(parsed);
        QVERIFY(!parsed->has_value());
    }

    void numbersThatAreNoAddressAreRefused_data()
    {
        QTest::addColumn<QString>("host");
        QTest::newRow("five parts") << "1.2.3.4.5";
        QTest::newRow("part over 255") << "256.1.1.1";
        QTest::newRow("last part too large") << "1.2.3.256";
        QTest::newRow("bad octal") << "08.1.1.1";
        QTest::newRow("bad hex") << "0x1g.1";
        QTest::newRow("too large") << "4294967296";
        QTest::newRow("empty part") << "1..1";
        QTest::newRow("zone") << "[fe80::1%eth0]";
        QTest::newRow("open bracket") << "[::1";
        QTest::newRow("not v6") << "1:2:3";
    }
    void numbersThatAreNoAddressAreRefused()
    {
        QFETCH(QString, host);
        auto parsed = AddressGuard::parseLiteral(host);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message.contains(host), qPrintable(parsed.error().text()));
        QVERIFY(!parsed.error().hint.isEmpty());
    }

    void destinationsAreChecked_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("refusal"); // a word of the reason; empty: allowed
        QTest::newRow("public v4") << "93.184.216.34" << "";
        QTest::newRow("public v6") << "2606:2800:220:1:248:1893:25c8:1946" << "";
        QTest::newRow("loopback") << "127.0.0.1" << "loopback";
        QTest::newRow("loopback decimal") << "2130706433" << "loopback";
        QTest::newRow("loopback hex") << "0x7f.1" << "loopback";
        QTest::newRow("10/8") << "10.1.2.3" << "private";
        QTest::newRow("172.16/12") << "172.31.255.255" << "private";
        QTest::newRow("172.32 is public") << "172.32.0.1" << "";
        QTest::newRow("192.168/16") << "192.168.0.1" << "private";
        QTest::newRow("metadata") << "169.254.169.254" << "link-local";
        QTest::newRow("cgnat") << "100.64.0.1" << "carrier-grade";
        QTest::newRow("cgnat end") << "100.127.255.255" << "carrier-grade";
        QTest::newRow("100.128 is public") << "100.128.0.1" << "";
        QTest::newRow("unspecified") << "0.0.0.0" << "unspecified";
        QTest::newRow("multicast") << "224.0.0.251" << "multicast";
        QTest::newRow("broadcast") << "255.255.255.255" << "broadcast";
        QTest::newRow("v6 loopback") << "::1" << "loopback";
        QTest::newRow("v6 unspecified") << "::" << "unspecified";
        QTest::newRow("v6 unique local") << "fd00::1" << "unique local";
        QTest::newRow("v6 link-local") << "fe80::1" << "link-local";
        QTest::newRow("v6 multicast") << "ff02::1" << "multicast";
        QTest::newRow("mapped loopback") << "::ffff:127.0.0.1" << "127.0.0.1";
        QTest::newRow("mapped public") << "::ffff:93.184.216.34" << "IPv4";
        QTest::newRow("compatible") << "::10.0.0.1" << "10.0.0.1";
        QTest::newRow("nat64") << "64:ff9b::a9fe:a9fe" << "169.254.169.254";
        QTest::newRow("nat64 local") << "64:ff9b:1::7f00:1" << "127.0.0.1";
        QTest::newRow("6to4") << "2002:7f00:1::1" << "127.0.0.1";
        QTest::newRow("teredo") << "2001:0:4136:e378:8000:63bf:80ff:fffe" << "127.0.0.1";
        QTest::newRow("documentation") << "2001:db8::1" << "documentation";
    }
    void destinationsAreChecked()
    {
        QFETCH(QString, host);
        QFETCH(QString, refusal);
        auto parsed = AddressGuard::parseLiteral(host);
        QVERIFY(parsed && parsed->has_value());
        const QString why = AddressGuard::refusal(**parsed);
        if (refusal.isEmpty())
            QVERIFY2(why.isEmpty(), qPrintable(why));
        else
            QVERIFY2(why.contains(refusal), qPrintable(why));
    }
};

QTEST_APPLESS_MAIN(TestAddressGuard)
#include "test_address_guard.moc"
