// The egress proxy's request parser (llhttp, strict): CONNECT and absolute-form requests are read
// as the proxy will act on them, and every smuggling and confusion trick is a 400 before anything
// is forwarded.
#include "proxy/RequestParser.h"

#include <QTest>

using namespace paddock;
using State = RequestParser::State;

class TestRequestParser : public QObject
{
    Q_OBJECT

private slots:
    void connectWithTunnelBytesAfterTheHead()
    {
        RequestParser p;
        const QByteArray head = "CONNECT Example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n";
        QCOMPARE(p.feed(head + "\x16\x03\x01tls"), State::Head);
        QCOMPARE(p.consumed(), head.size());
        QCOMPARE(p.request().headLength, head.size());
        QVERIFY(p.request().connect);
        QCOMPARE(p.request().host, QStringLiteral("example.org"));
        QCOMPARE(p.request().port, 443);
        QCOMPARE(p.request().method, QByteArray("CONNECT"));
    }

    void aTrailingDotIsTheSameName()
    {
        // "example.org." is example.org (fully qualified): a forbid naming example.org holds for it.
        RequestParser p;
        QCOMPARE(p.feed("CONNECT Example.ORG.:443 HTTP/1.1\r\nHost: example.org.:443\r\n\r\n"), State::Head);
        QCOMPARE(p.request().host, QStringLiteral("example.org"));
        RequestParser q;
        QCOMPARE(q.feed("GET http://example.org./ HTTP/1.1\r\nHost: example.org\r\n\r\n"), State::Head);
        QCOMPARE(q.request().host, QStringLiteral("example.org"));
    }

    void connectToAnIpv6Literal()
    {
        RequestParser p;
        QCOMPARE(p.feed("CONNECT [2001:db8::1]:22 HTTP/1.1\r\n\r\n"), State::Head);
        QCOMPARE(p.request().host, QStringLiteral("2001:db8::1"));
        QCOMPARE(p.request().port, 22);
    }

    void absoluteFormIsForwardedInOriginForm()
    {
        RequestParser p;
        QCOMPARE(p.feed("GET http://Example.ORG:8080/a/b?c=d HTTP/1.1\r\nHost: example.org:8080\r\nAccept: "
                        "*/*\r\n\r\n"),
                 State::Head);
        QVERIFY(!p.request().connect);
        QCOMPARE(p.request().host, QStringLiteral("example.org"));
        QCOMPARE(p.request().port, 8080);
        QCOMPARE(p.request().path, QByteArray("/a/b?c=d"));
        QCOMPARE(p.request().headers.size(), 2);
        QCOMPARE(p.request().headers.at(1).first, QByteArray("Accept"));
        QVERIFY(p.isComplete()); // no body
        RequestParser q;
        QCOMPARE(q.feed("GET http://example.org?x HTTP/1.1\r\n\r\n"), State::Head);
        QCOMPARE(q.request().path, QByteArray("/?x"));
        QCOMPARE(q.request().port, 80);
    }

    void aHeadSplitAnywhereIsTheSame()
    {
        const QByteArray head = "GET http://example.org/ HTTP/1.1\r\nHost: example.org\r\nX-A: 1\r\n\r\n";
        RequestParser p;
        for (qsizetype i = 0; i + 1 < head.size(); ++i)
            QCOMPARE(p.feed(head.mid(i, 1)), State::NeedMore);
        QCOMPARE(p.feed(head.right(1)), State::Head);
        QCOMPARE(p.request().headers.size(), 2);
        QCOMPARE(p.request().headers.at(1).second, QByteArray("1"));
    }

    void chunkedBodiesAreChecked()
    {
        RequestParser p;
        QCOMPARE(p.feed("POST http://example.org/up HTTP/1.1\r\nHost: example.org\r\nTransfer-Encoding: "
                        "chunked\r\n\r\n"),
                 State::Head);
        QVERIFY(p.request().chunked);
        QVERIFY(!p.isComplete());
        const QByteArray body = "5\r\nhello\r\n0\r\n\r\n";
        QCOMPARE(p.feed(body + "GET http://next/ HTTP/1.1\r\n"), State::Complete);
        QCOMPARE(p.consumed(), body.size());

        RequestParser bad;
        QCOMPARE(bad.feed("POST http://example.org/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 State::Head);
        QCOMPARE(bad.feed("zz\r\nhello\r\n"), State::Invalid);
        QVERIFY(bad.error().contains(QStringLiteral("CHUNK")));
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QString>("why"); // a word of the error
        QTest::newRow("CL.TE") << QByteArray("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n")
                               << "Content-Length";
        QTest::newRow("TE.CL") << QByteArray(
                                      "POST http://a/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                                      "Content-Length: 4\r\n\r\n")
                               << "Content-Length";
        QTest::newRow("duplicate CL")
            << QByteArray("POST http://a/ HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n")
            << "Content-Length";
        QTest::newRow("obs-fold") << QByteArray("GET http://a/ HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n")
                                  << "";
        QTest::newRow("TE not chunked last")
            << QByteArray("POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") << "";
        QTest::newRow("bare LF") << QByteArray("CONNECT a:443 HTTP/1.1\nHost: a:443\n\n") << "";
        QTest::newRow("space before colon") << QByteArray("GET http://a/ HTTP/1.1\r\nHost : a\r\n\r\n") << "";
        QTest::newRow("origin form") << QByteArray("GET /a HTTP/1.1\r\nHost: a\r\n\r\n") << "http://";
        QTest::newRow("https absolute") << QByteArray("GET https://a/ HTTP/1.1\r\n\r\n") << "CONNECT";
        QTest::newRow("host disagrees") << QByteArray("GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n") << "Host";
        QTest::newRow("host port disagrees")
            << QByteArray("GET http://a:81/ HTTP/1.1\r\nHost: a\r\n\r\n") << "Host";
        QTest::newRow("two hosts") << QByteArray("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")
                                   << "Host";
        QTest::newRow("connect host disagrees")
            << QByteArray("CONNECT a:443 HTTP/1.1\r\nHost: b:443\r\n\r\n") << "Host";
        QTest::newRow("connect without port") << QByteArray("CONNECT a HTTP/1.1\r\n\r\n") << "host:port";
        QTest::newRow("connect port 0") << QByteArray("CONNECT a:0 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("connect port too big") << QByteArray("CONNECT a:65536 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("userinfo") << QByteArray("GET http://evil@a/ HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("bad number host")
            << QByteArray("CONNECT 1.2.3.4.5:443 HTTP/1.1\r\n\r\n") << "IP address";
        QTest::newRow("empty label") << QByteArray("CONNECT evil..com:443 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("two trailing dots") << QByteArray("CONNECT evil.com..:443 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("leading dot") << QByteArray("CONNECT .evil.com:443 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("only a dot") << QByteArray("CONNECT .:443 HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("fragment") << QByteArray("GET http://a/b#c HTTP/1.1\r\n\r\n") << "";
        QTest::newRow("not HTTP") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03") << "";
    }
    void refused()
    {
        QFETCH(QByteArray, request);
        QFETCH(QString, why);
        RequestParser p;
        QCOMPARE(p.feed(request), State::Invalid);
        QVERIFY2(p.error().contains(why), qPrintable(p.error()));
        QCOMPARE(p.feed("more"), State::Invalid); // and it stays so
    }

    void aHeadOver64KiBIsRefused()
    {
        RequestParser p;
        QCOMPARE(p.feed("GET http://a/ HTTP/1.1\r\n"), State::NeedMore);
        const QByteArray header = "X-Pad: " + QByteArray(1000, 'a') + "\r\n";
        State s = State::NeedMore;
        for (int i = 0; i < 70 && s == State::NeedMore; ++i)
            s = p.feed(header);
        QCOMPARE(s, State::Invalid);
        QVERIFY(p.error().contains(QStringLiteral("64 KiB")));
    }
};

QTEST_APPLESS_MAIN(TestRequestParser)
#include "test_request_parser.moc"
