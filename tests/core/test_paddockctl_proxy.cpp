// paddockctl proxy as a user runs it: `proxy listen` serves one persona on the address given (its
// trust level's policies, its decisions in the audit log of --data-dir, on a Unix socket too) until
// SIGTERM; `proxy status` shows it while it runs, as text and as JSON, and says when none runs;
// bad arguments are errors that say what is wrong. A real paddockctl, real sockets, a real audit log.
#include "RuntimeTesting.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace paddock;

namespace {
// An echo server on 127.0.0.1 on threads of its own (the test's thread blocks on its clients).
class EchoServer
{
public:
    EchoServer()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof a;
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(m_fd, 64) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&a), &length) != 0)
            return;
        m_port = ntohs(a.sin_port);
        m_accepting = std::thread([this] {
            for (;;) {
                const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0)
                    return; // shut down
                std::thread([c] {
                    char buffer[4096];
                    for (ssize_t n; (n = ::read(c, buffer, sizeof buffer)) > 0;)
                        if (::write(c, buffer, size_t(n)) != n)
                            break;
                    ::close(c);
                }).detach();
            }
        });
    }
    ~EchoServer()
    {
        ::shutdown(m_fd, SHUT_RDWR);
        if (m_accepting.joinable())
            m_accepting.join();
        ::close(m_fd);
    }
    int port() const { return m_port; }

private:
    int m_fd = -1;
    int m_port = 0;
    std::thread m_accepting;
};
} // namespace

class TestPaddockctlProxy : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    EchoServer m_echo; // the destination
    QString m_runtime; // XDG_RUNTIME_DIR of the commands: their status files

    QString ctl() const { return qEnvironmentVariable("PADDOCKCTL"); }
    QString config() const { return m_dir.filePath(QStringLiteral("config")); }
    QString data() const { return m_dir.filePath(QStringLiteral("data")); }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_runtime);
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        return env;
    }

    struct Run
    {
        int exitCode = -1;
        QString out, err;
    };
    Run run(const QStringList &args)
    {
        QProcess p;
        p.setProcessEnvironment(environment());
        p.start(ctl(), args);
        if (!p.waitForFinished(20000))
            return {};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    QStringList listenArgs(const QStringList &more = {}) const
    {
        return QStringList{QStringLiteral("proxy"),      QStringLiteral("listen"),
                           QStringLiteral("--persona"),  QStringLiteral("cli"),
                           QStringLiteral("--address"),  QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--config"),   config(),
                           QStringLiteral("--data-dir"), data()} +
               more;
    }

    // Starts `proxy listen` and waits for its line; the port it listens on, or 0.
    int start(QProcess &p, const QStringList &more = {})
    {
        p.setProcessEnvironment(environment());
        p.start(ctl(), listenArgs(more));
        static const QRegularExpression line(
            QStringLiteral("^listening on 127\\.0\\.0\\.1:(\\d+) for persona cli \\(restricted policies, "
                           "enforce mode\\)$"),
            QRegularExpression::MultilineOption);
        QString out;
        for (int i = 0; i < 100; ++i) {
            p.waitForReadyRead(100);
            out += QString::fromUtf8(p.readAllStandardOutput());
            if (const auto m = line.match(out); m.hasMatch())
                return m.captured(1).toInt();
            if (p.state() == QProcess::NotRunning)
                break;
        }
        qWarning() << "proxy listen said" << out << p.readAllStandardError();
        return 0;
    }

    QString echo() const { return QStringLiteral("127.0.0.1:%1").arg(m_echo.port()); }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(ctl()), "PADDOCKCTL must name the built paddockctl");
        m_runtime = m_dir.filePath(QStringLiteral("run"));
        QVERIFY(QDir().mkpath(m_runtime));
        QVERIFY(QDir().mkpath(config() + QStringLiteral("/policies")));
        QVERIFY(QDir().mkpath(data()));
        QVERIFY(QFile::setPermissions(m_runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                     QFileDevice::ExeOwner));
        QVERIFY(m_echo.port() > 0);
        QFile personas(config() + QStringLiteral("/personas.json"));
        QVERIFY(personas.open(QIODevice::WriteOnly));
        personas.write(R"({"version": 1, "personas": [
  {"name": "cli", "trust": "restricted", "image": "localhost/paddock-agent:test"}
]})");
        personas.close();
        // The echo server, named by its address (which lifts the guard's refusal of loopback).
        QFile policy(config() + QStringLiteral("/policies/restricted.cedar"));
        QVERIFY(policy.open(QIODevice::WriteOnly));
        policy.write(
            QStringLiteral("@id(\"echo\")\npermit (principal, action == Paddock::Action::\"connect\", "
                           "resource)\nwhen { resource.name == \"127.0.0.1\" && resource.port == %1 };\n")
                .arg(m_echo.port())
                .toUtf8());
        policy.close();
    }

    void listenServesThePersonaUntilTerminated()
    {
        QProcess proxy;
        const int port = start(proxy);
        QVERIFY(port > 0);
        QByteArray echoed;
        QCOMPARE(test::connectThrough(port, echo(), &echoed),
                 QByteArray("HTTP/1.1 200 Connection established"));
        QCOMPARE(echoed, QByteArray("ping"));
        // Another port of the same host: no policy permits it.
        QCOMPARE(test::connectThrough(port, QStringLiteral("127.0.0.1:%1").arg(m_echo.port() == 1 ? 2 : 1)),
                 QByteArray("HTTP/1.1 403 Forbidden"));

        // Its decisions are in the audit log of --data-dir.
        const auto events = test::eventsOf(data() + QStringLiteral("/audit.db"), QStringLiteral("cli"), 3);
        QVERIFY(events.size() >= 3);
        QCOMPARE(events[0].action, QStringLiteral("connect"));
        QCOMPARE(events[0].decision, AuditEvent::Decision::Allow);
        QCOMPARE(events[0].policies, QStringList{QStringLiteral("echo")});
        bool denied = false;
        for (const AuditEvent &e : events)
            denied |= e.decision == AuditEvent::Decision::Deny;
        QVERIFY(denied);

        // proxy status, as text and as JSON, once its snapshot is written (about once a second).
        QTRY_VERIFY_WITH_TIMEOUT(
            run({QStringLiteral("proxy"), QStringLiteral("status")})
                .out.contains(QStringLiteral("listening on 127.0.0.1:%1 for cli").arg(port)),
            10000);
        const Run text = run({QStringLiteral("proxy"), QStringLiteral("status")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains(QStringLiteral("Proxy (pid %1)").arg(proxy.processId())),
                 qPrintable(text.out));
        QVERIFY2(text.out.contains(QStringLiteral("PERSONA")), qPrintable(text.out));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const Run json =
                    run({QStringLiteral("proxy"), QStringLiteral("status"), QStringLiteral("--json")});
                const QJsonArray all = QJsonDocument::fromJson(json.out.toUtf8()).array();
                if (json.exitCode != 0 || all.size() != 1)
                    return false;
                const QJsonObject o = all.first().toObject();
                const QJsonObject cli = o[QStringLiteral("personas")][QStringLiteral("cli")].toObject();
                return o[QStringLiteral("pid")].toInteger() == proxy.processId() &&
                       o[QStringLiteral("listeners")][0][QStringLiteral("port")].toInt() == port &&
                       cli[QStringLiteral("allowed")].toInt() == 1 &&
                       cli[QStringLiteral("denied")].toInt() == 1 &&
                       cli[QStringLiteral("requests")].toInt() == 2;
            }(),
            10000);

        // SIGTERM ends it cleanly; then no proxy is running, and status says so (exit 1).
        proxy.terminate();
        QVERIFY(proxy.waitForFinished(10000));
        QCOMPARE(proxy.exitStatus(), QProcess::NormalExit);
        QCOMPARE(proxy.exitCode(), 0);
        const Run none = run({QStringLiteral("proxy"), QStringLiteral("status")});
        QCOMPARE(none.exitCode, 1);
        QVERIFY2(none.out.contains(QStringLiteral("No egress proxy is running")), qPrintable(none.out));
        QVERIFY(QDir(m_runtime + QStringLiteral("/paddock"))
                    .entryList({QStringLiteral("proxy-*.json")}, QDir::Files)
                    .isEmpty());
    }

    void aUnixSocketSpeaksForThePersona()
    {
        // As an isolated persona's egress socket: whoever connects there is the persona.
        const QString path = m_dir.filePath(QStringLiteral("egress"));
        QProcess proxy;
        proxy.setProcessEnvironment(environment());
        QStringList args = listenArgs();
        const qsizetype at = args.indexOf(QStringLiteral("--address"));
        args.replace(at, QStringLiteral("--socket"));
        args.replace(at + 1, path);
        proxy.start(ctl(), args);
        QString out;
        for (int i = 0; i < 100 && !out.contains(u'\n'); ++i) {
            proxy.waitForReadyRead(100);
            out += QString::fromUtf8(proxy.readAllStandardOutput());
        }
        QCOMPARE(out.trimmed(),
                 QStringLiteral("listening on unix:%1 for persona cli (restricted policies, enforce mode)")
                     .arg(path));
        QLocalSocket s;
        s.connectToServer(path);
        QVERIFY(s.waitForConnected(3000));
        s.write(
            QByteArray("CONNECT " + echo().toUtf8() + " HTTP/1.1\r\nHost: " + echo().toUtf8() + "\r\n\r\n"));
        QByteArray got;
        while (!got.contains("\r\n\r\n") && s.waitForReadyRead(5000))
            got += s.readAll();
        QVERIFY2(got.startsWith("HTTP/1.1 200 Connection established\r\n"), got.constData());
        QTRY_VERIFY_WITH_TIMEOUT(run({QStringLiteral("proxy"), QStringLiteral("status")})
                                     .out.contains(QStringLiteral("listening on unix:%1 for cli").arg(path)),
                                 10000);
        proxy.terminate();
        QVERIFY(proxy.waitForFinished(10000));
    }

    void badArgumentsSayWhatIsWrong_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QStringList base{QStringLiteral("proxy"), QStringLiteral("listen")};
        QTest::newRow("no persona")
            << base + QStringList{QStringLiteral("--address"), QStringLiteral("127.0.0.1:0")} << 2
            << QStringLiteral("--persona and one of --address or --socket are required");
        QTest::newRow("address and socket")
            << listenArgs({QStringLiteral("--socket"), QStringLiteral("/tmp/x")}) << 2
            << QStringLiteral("--persona and one of --address or --socket are required");
        QTest::newRow("not ADDRESS:PORT")
            << listenArgs().replaceInStrings(QStringLiteral("127.0.0.1:0"), QStringLiteral("127.0.0.1")) << 2
            << QStringLiteral("\"127.0.0.1\" is not ADDRESS:PORT");
        QTest::newRow("not an address")
            << listenArgs().replaceInStrings(QStringLiteral("127.0.0.1:0"), QStringLiteral("localhost:0"))
            << 1 << QStringLiteral("\"localhost\" is not an IP address to listen on");
        QTest::newRow("no such persona")
            << listenArgs().replaceInStrings(QRegularExpression(QStringLiteral("^cli$")),
                                             QStringLiteral("nobody"))
            << 1 << QStringLiteral("there is no persona \"nobody\"");
        QTest::newRow("bad workers") << listenArgs({QStringLiteral("--workers"), QStringLiteral("many")}) << 2
                                     << QStringLiteral("--workers takes a number");
    }

    void badArgumentsSayWhatIsWrong()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const Run r = run(args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }
};

QTEST_MAIN(TestPaddockctlProxy)
#include "test_paddockctl_proxy.moc"
