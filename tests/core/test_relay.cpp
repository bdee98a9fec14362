// paddock-relay, the real binary, as an isolated container runs it: 127.0.0.1 ports joined to the
// Unix sockets of a folder (egress, git), inbound sockets port-N joined to 127.0.0.1:N, with large
// payloads both ways at once, half-closes, targets that are not there, many connections at once and
// a command run in its place; and `connect`, the CONNECT tunnel SSH's ProxyCommand uses. The peers
// are plain sockets on threads of their own, so that half-closes are exactly what the test says.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

using namespace Qt::StringLiterals;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class UniqueFd final
{
public:
    explicit UniqueFd(int fd = -1)
        : m_fd(fd)
    {}
    UniqueFd(UniqueFd &&other) noexcept
        : m_fd(std::exchange(other.m_fd, -1))
    {}
    UniqueFd &operator=(UniqueFd &&other) noexcept
    {
        std::swap(m_fd, other.m_fd);
        return *this;
    }
    ~UniqueFd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }

private:
    int m_fd;
};

sockaddr_in loopback(quint16 port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

sockaddr_un unixAddress(const QString &path)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const QByteArray bytes = QFile::encodeName(path);
    std::memcpy(a.sun_path, bytes.constData(), std::min<size_t>(bytes.size(), sizeof a.sun_path - 1));
    return a;
}

UniqueFd listenTcp(quint16 port)
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in a = loopback(port);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0 ||
        ::listen(fd.get(), 512) != 0)
        return UniqueFd();
    return fd;
}

UniqueFd listenUnix(const QString &path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un a = unixAddress(path);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0 ||
        ::listen(fd.get(), 512) != 0)
        return UniqueFd();
    return fd;
}

// A port nothing listens on now (the kernel's choice for port 0); 3128 and 9418 may be taken.
quint16 freePort()
{
    UniqueFd fd = listenTcp(0);
    sockaddr_in a{};
    socklen_t length = sizeof a;
    if (!fd.valid() || ::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&a), &length) != 0)
        return 0;
    return ntohs(a.sin_port);
}

UniqueFd connectTcp(quint16 port)
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in a = loopback(port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0)
        return UniqueFd();
    return fd;
}

UniqueFd connectUnix(const QString &path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un a = unixAddress(path);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0)
        return UniqueFd();
    return fd;
}

struct Received
{
    QByteArray bytes;
    bool eof = false; // the other side's EOF arrived
    int error = 0;    // errno, ETIMEDOUT when nothing ended it in time
};

// Writes `out` while reading until the peer's EOF, both at once as a real peer would (a large
// payload each way would otherwise fill every buffer between them), then shuts down writing when
// `shutDown` says so.
Received exchange(int fd, const QByteArray &out, bool shutDown = true,
                  std::chrono::milliseconds timeout = 30s)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    Received r;
    qsizetype sent = 0;
    bool writing = true;
    const auto deadline = Clock::now() + timeout;
    while (writing || !r.eof) {
        if (writing && sent == out.size()) {
            if (shutDown)
                ::shutdown(fd, SHUT_WR);
            writing = false;
            continue;
        }
        pollfd p{fd, short((r.eof ? 0 : POLLIN) | (writing ? POLLOUT : 0)), 0};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || ::poll(&p, 1, int(left)) == 0) {
            r.error = ETIMEDOUT;
            return r;
        }
        if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = ::send(fd, out.constData() + sent, size_t(out.size() - sent), MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN) {
                r.error = errno;
                return r;
            }
            sent += std::max<ssize_t>(n, 0);
        }
        if (!r.eof && (p.revents & (POLLIN | POLLERR | POLLHUP))) {
            char buffer[65536];
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0 && errno != EAGAIN) {
                r.error = errno;
                return r;
            }
            if (n > 0)
                r.bytes.append(buffer, n);
            r.eof = n == 0;
        }
    }
    return r;
}

bool sendAll(int fd, const QByteArray &bytes)
{
    for (qsizetype sent = 0; sent < bytes.size();) {
        pollfd p{fd, POLLOUT, 0};
        const ssize_t n = ::poll(&p, 1, 10000) == 1 ? ::send(fd, bytes.constData() + sent,
                                                             size_t(bytes.size() - sent), MSG_NOSIGNAL)
                                                    : -1;
        if (n < 0 && errno != EAGAIN)
            return false;
        sent += std::max<ssize_t>(n, 0);
    }
    return true;
}

// Everything until the peer's EOF, without writing or shutting anything down.
Received readToEnd(int fd, std::chrono::milliseconds timeout = 30s)
{
    return exchange(fd, {}, false, timeout);
}

bool readByte(int fd, char &c)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 10000) == 1 && ::recv(fd, &c, 1, 0) == 1;
}

QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

// A server on a thread of its own: accepts connections on `listening` one after another and hands
// each to `handle`, keeping what it returns.
class Peer final
{
public:
    using Handler = std::function<QByteArray(int fd)>;
    Peer(UniqueFd listening, Handler handle)
        : m_listening(std::move(listening))
        , m_handle(std::move(handle))
        , m_thread([this] { serve(); })
    {}
    ~Peer()
    {
        m_stop = true;
        m_thread.join();
    }
    int handled() const { return m_handled; }
    QList<QByteArray> results() const
    {
        std::scoped_lock lock(m_mutex);
        return m_results;
    }

private:
    void serve()
    {
        while (!m_stop) {
            pollfd p{m_listening.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) != 1)
                continue;
            UniqueFd connection(::accept4(m_listening.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!connection.valid())
                continue;
            QByteArray result = m_handle(connection.get());
            std::scoped_lock lock(m_mutex);
            m_results.append(result);
            ++m_handled;
        }
    }

    UniqueFd m_listening;
    Handler m_handle;
    std::atomic<bool> m_stop = false;
    std::atomic<int> m_handled = 0;
    mutable std::mutex m_mutex;
    QList<QByteArray> m_results;
    std::thread m_thread;
};

// What the egress, git and inbound servers of these tests do. The client's first byte says how:
// 'B' (bulk): `bulk` goes back while the client's bytes are read, at once; 'H' (half-close): the
// client's bytes are read up to its EOF, and only then the answer `name:sha256` goes back. Returns
// the mode and what the client sent.
Peer::Handler answering(const QByteArray &name, const QByteArray &bulk)
{
    return [name, bulk](int fd) -> QByteArray {
        char mode = 0;
        if (!readByte(fd, mode))
            return "no mode";
        if (mode == 'B')
            return 'B' + exchange(fd, bulk).bytes;
        if (mode == 'R') { // refuses at once: answers, and closes on what it did not read (a reset)
            (void)sendAll(fd, name + ": refused");
            return "R";
        }
        const Received request = readToEnd(fd);
        if (!request.eof)
            return "no EOF";
        exchange(fd, name + ':' + sha256(request.bytes));
        return 'H' + request.bytes;
    };
}

// paddock-relay serve, in the foreground, started once its sockets listen (--ready-fd).
class RelayProcess final
{
public:
    ~RelayProcess()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(5000);
        }
    }

    // An error message, or empty once the relay said "ready" and closed the descriptor.
    QString start(QStringList args, std::optional<rlim_t> fileLimit = std::nullopt)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            return QStringLiteral("pipe2 failed");
        UniqueFd readEnd(fds[0]);
        const int writeEnd = fds[1];
        args.insert(1, QString::number(writeEnd));
        args.insert(1, QStringLiteral("--ready-fd"));
        process.setChildProcessModifier([writeEnd, fileLimit] {
            ::fcntl(writeEnd, F_SETFD, 0);
            if (fileLimit) {
                const rlimit limit{*fileLimit, *fileLimit};
                ::setrlimit(RLIMIT_NOFILE, &limit);
            }
        });
        process.start(qEnvironmentVariable("PADDOCK_RELAY"), args);
        const bool started = process.waitForStarted(10000);
        ::close(writeEnd);
        if (!started)
            return process.errorString();
        const Received ready = readToEnd(readEnd.get(), 10s);
        if (ready.bytes != "ready\n" || !ready.eof) {
            process.waitForFinished(2000);
            return QStringLiteral("no \"ready\" from the relay (%1): %2")
                .arg(QString::fromLatin1(ready.bytes),
                     QString::fromLocal8Bit(process.readAllStandardError()));
        }
        return {};
    }

    // SIGTERM ends it cleanly.
    bool stop()
    {
        process.terminate();
        return process.waitForFinished(10000) && process.exitStatus() == QProcess::NormalExit &&
               process.exitCode() == 0;
    }

    QProcess process;
};

// The parent process id, the session and the name of a process, from /proc/PID/stat.
struct ProcessInfo
{
    qint64 parent = 0;
    qint64 session = 0;
    char state = '?';
    QByteArray name;
};

std::optional<ProcessInfo> processInfo(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray text = stat.readAll();
    const qsizetype open = text.indexOf('('), close = text.lastIndexOf(')');
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    if (open < 0 || close < 0 || fields.size() < 4)
        return std::nullopt;
    return ProcessInfo{fields[1].toLongLong(), fields[3].toLongLong(), fields[0].at(0),
                       text.mid(open + 1, close - open - 1)};
}

qint64 childNamed(qint64 parent, const QByteArray &name)
{
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        const qint64 pid = entry.toLongLong();
        const auto info = pid > 0 ? processInfo(pid) : std::nullopt;
        if (info && info->parent == parent && info->name == name)
            return pid;
    }
    return 0;
}

} // namespace

class TestRelay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        const QString relay = qEnvironmentVariable("PADDOCK_RELAY");
        QVERIFY2(QFileInfo(relay).isExecutable(), "PADDOCK_RELAY names no paddock-relay binary");
        m_bulkUp = randomBytes(8 * 1024 * 1024);
        m_bulkDown = randomBytes(8 * 1024 * 1024);
    }

    void helpAndVersion()
    {
        QProcess help;
        help.start(qEnvironmentVariable("PADDOCK_RELAY"), {QStringLiteral("--help")});
        QVERIFY(help.waitForFinished(10000));
        QCOMPARE(help.exitCode(), 0);
        const QByteArray usage = help.readAllStandardOutput();
        QVERIFY(usage.contains("paddock-relay serve [--dir DIR]"));
        QVERIFY(usage.contains("paddock-relay connect HOST PORT [--socket PATH]"));
        QProcess version;
        version.start(qEnvironmentVariable("PADDOCK_RELAY"), {QStringLiteral("--version")});
        QVERIFY(version.waitForFinished(10000));
        QCOMPARE(version.exitCode(), 0);
        QVERIFY(version.readAllStandardOutput().startsWith("paddock-relay 0."));
    }

    void badArgumentsExitWithTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing") << QStringList{} << u"serve or connect"_s;
        QTest::newRow("unknown command") << QStringList{u"listen"_s} << u"unknown command 'listen'"_s;
        QTest::newRow("port too high")
            << QStringList{u"serve"_s, u"--proxy-port"_s, u"70000"_s} << u"'70000'"_s;
        QTest::newRow("port not a number") << QStringList{u"serve"_s, u"--git-port=x"_s} << u"'x'"_s;
        QTest::newRow("inbound 0") << QStringList{u"serve"_s, u"--inbound"_s, u"0"_s} << u"from 1 to 65535"_s;
        QTest::newRow("inbound twice") << QStringList{u"serve"_s, u"--inbound"_s, u"80"_s, u"--inbound=80"_s}
                                       << u"--inbound 80 is given twice"_s;
        QTest::newRow("same port twice")
            << QStringList{u"serve"_s, u"--proxy-port"_s, u"80"_s, u"--git-port"_s, u"80"_s} << u"both 80"_s;
        QTest::newRow("missing value") << QStringList{u"serve"_s, u"--dir"_s} << u"--dir needs a value"_s;
        QTest::newRow("unknown option") << QStringList{u"serve"_s, u"--verbose"_s} << u"'--verbose'"_s;
        QTest::newRow("no command after --")
            << QStringList{u"serve"_s, u"--"_s} << u"followed by the command"_s;
        QTest::newRow("nothing to relay")
            << QStringList{u"serve"_s, u"--proxy-port"_s, u"0"_s, u"--git-port"_s, u"0"_s}
            << u"nothing to relay"_s;
        QTest::newRow("connect without port")
            << QStringList{u"connect"_s, u"example.org"_s} << u"a HOST and a PORT"_s;
        QTest::newRow("connect port 0") << QStringList{u"connect"_s, u"example.org"_s, u"0"_s} << u"'0'"_s;
        // A host that would end the request line and add a header of its own.
        QTest::newRow("connect header injection")
            << QStringList{u"connect"_s, u"a.org:1 HTTP/1.1\r\nX-Evil: 1\r\n"_s, u"22"_s}
            << u"is not a host name"_s;
    }

    void badArgumentsExitWithTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QProcess relay;
        relay.start(qEnvironmentVariable("PADDOCK_RELAY"), args);
        QVERIFY(relay.waitForFinished(10000));
        QCOMPARE(relay.exitCode(), 2);
        const QString error = QString::fromUtf8(relay.readAllStandardError());
        QVERIFY2(error.startsWith(u"paddock-relay: "_s) && error.contains(message), qPrintable(error));
        QVERIFY(relay.readAllStandardOutput().isEmpty());
    }

    // Each listener reaches its own target: the proxy port the egress socket, the git port the git
    // socket, an inbound socket port-N 127.0.0.1:N.
    void eachListenerReachesItsTarget_data()
    {
        QTest::addColumn<QString>("listener");
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("proxy port to egress") << u"proxy"_s << QByteArray("egress");
        QTest::newRow("git port to git") << u"git"_s << QByteArray("git");
        QTest::newRow("inbound socket to its port") << u"inbound"_s << QByteArray("inbound");
    }

    void eachListenerReachesItsTarget()
    {
        QFETCH(QString, listener);
        QFETCH(QByteArray, target);
        QTemporaryDir dir;
        const quint16 proxyPort = freePort(), gitPort = freePort(), inboundPort = freePort();
        Peer egress(listenUnix(dir.filePath(u"egress"_s)), answering("egress", m_bulkDown));
        Peer git(listenUnix(dir.filePath(u"git"_s)), answering("git", m_bulkDown));
        Peer inbound(listenTcp(inboundPort), answering("inbound", m_bulkDown));
        RelayProcess relay;
        const QString error = relay.start(
            {u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s, QString::number(proxyPort),
             u"--git-port"_s, QString::number(gitPort), u"--inbound"_s, QString::number(inboundPort)});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString inboundSocket = dir.filePath(u"port-%1"_s.arg(inboundPort));
        struct stat st
        {};
        QCOMPARE(::stat(QFile::encodeName(inboundSocket).constData(), &st), 0);
        QVERIFY(S_ISSOCK(st.st_mode));
        QCOMPARE(st.st_mode & 0777, 0666u); // the host side may have another uid
        const auto connectToListener = [&] {
            return listener == u"proxy"_s ? connectTcp(proxyPort)
                   : listener == u"git"_s ? connectTcp(gitPort)
                                          : connectUnix(inboundSocket);
        };
        Peer &server = target == "egress" ? egress : target == "git" ? git : inbound;

        // 8 MB each way at once.
        UniqueFd bulk = connectToListener();
        QVERIFY(bulk.valid());
        const Received down = exchange(bulk.get(), 'B' + m_bulkUp);
        QCOMPARE(down.error, 0);
        QVERIFY(down.eof);
        QCOMPARE(down.bytes.size(), m_bulkDown.size());
        QCOMPARE(sha256(down.bytes), sha256(m_bulkDown));
        QTRY_COMPARE(server.handled(), 1);
        QCOMPARE(sha256(server.results().at(0)), sha256('B' + m_bulkUp));

        // The client shuts down its writing; the answer, sent only after that EOF, still arrives.
        UniqueFd half = connectToListener();
        QVERIFY(half.valid());
        const QByteArray request = 'H' + randomBytes(1024 * 1024);
        const Received answer = exchange(half.get(), request);
        QCOMPARE(answer.error, 0);
        QVERIFY(answer.eof);
        QCOMPARE(answer.bytes, target + ':' + sha256(request.mid(1)));
        QTRY_COMPARE(server.handled(), 2);

        QCOMPARE(egress.handled() + git.handled() + inbound.handled(), 2); // no other target was asked
        QVERIFY(relay.stop());
        QCOMPARE(relay.process.readAllStandardError(), QByteArray()); // silent when all is well
    }

    // A server that answers and closes without reading the rest (an error answer to a request it
    // will not take): its close resets the connection, and the answer still reaches the client,
    // before the reset, however the answer and the reset fall into the relay's rounds of events.
    void anAnswerBeforeAResetArrives()
    {
        QTemporaryDir dir;
        const quint16 proxyPort = freePort();
        Peer egress(listenUnix(dir.filePath(u"egress"_s)), answering("egress", {}));
        RelayProcess relay;
        const QString error = relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s,
                                           QString::number(proxyPort), u"--git-port"_s, u"0"_s});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        for (int i = 0; i < 50; ++i) {
            UniqueFd client = connectTcp(proxyPort);
            QVERIFY(client.valid());
            QVERIFY(sendAll(client.get(), 'R' + randomBytes(16 * 1024)));
            const Received answer = readToEnd(client.get(), 10s);
            QVERIFY2(answer.error != ETIMEDOUT, "the client was left hanging");
            QCOMPARE(answer.bytes, QByteArray("egress: refused"));
        }
        QTRY_COMPARE(egress.handled(), 50);
        QVERIFY(relay.stop());
    }

    // No server behind a listener: the client is closed at once (fail closed), and the relay goes
    // on, so the next connection reaches the server once it is there.
    void anAbsentTargetClosesTheClient()
    {
        QTemporaryDir dir;
        const quint16 proxyPort = freePort(), inboundPort = freePort();
        RelayProcess relay;
        const QString error =
            relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s, QString::number(proxyPort),
                         u"--git-port"_s, u"0"_s, u"--inbound"_s, QString::number(inboundPort)});
        QVERIFY2(error.isEmpty(), qPrintable(error));

        UniqueFd toEgress = connectTcp(proxyPort);
        QVERIFY(toEgress.valid());
        const Received closed = readToEnd(toEgress.get(), 5s);
        QVERIFY2(closed.eof || closed.error == ECONNRESET, "the client was left hanging");
        QVERIFY(closed.bytes.isEmpty());
        UniqueFd toInbound = connectUnix(dir.filePath(u"port-%1"_s.arg(inboundPort)));
        QVERIFY(toInbound.valid());
        const Received closedToo = readToEnd(toInbound.get(), 5s);
        QVERIFY2(closedToo.eof || closedToo.error == ECONNRESET, "the host side was left hanging");

        Peer egress(listenUnix(dir.filePath(u"egress"_s)), answering("egress", {}));
        UniqueFd again = connectTcp(proxyPort);
        QCOMPARE(exchange(again.get(), "Hhello").bytes, "egress:" + sha256("hello"));
        QVERIFY(relay.stop());
        const QByteArray errors = relay.process.readAllStandardError();
        QVERIFY2(errors.contains(QByteArray("paddock-relay: 127.0.0.1:" + QByteArray::number(proxyPort) +
                                            ": cannot reach ")),
                 errors.constData());
    }

    void manyConnectionsAtOnce()
    {
        constexpr int kConnections = 200;
        QTemporaryDir dir;
        const quint16 proxyPort = freePort();
        Peer egress(listenUnix(dir.filePath(u"egress"_s)), answering("egress", {}));
        RelayProcess relay;
        const QString error = relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s,
                                           QString::number(proxyPort), u"--git-port"_s, u"0"_s});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        // All open before any answer: the server answers each only after that client's EOF.
        std::vector<UniqueFd> clients;
        for (int i = 0; i < kConnections; ++i) {
            clients.push_back(connectTcp(proxyPort));
            QVERIFY(clients.back().valid());
            const QByteArray request = "Hclient " + QByteArray::number(i);
            QCOMPARE(::send(clients.back().get(), request.constData(), size_t(request.size()), MSG_NOSIGNAL),
                     ssize_t(request.size()));
            QCOMPARE(::shutdown(clients.back().get(), SHUT_WR), 0);
        }
        for (int i = 0; i < kConnections; ++i) {
            const Received answer = readToEnd(clients[size_t(i)].get());
            QCOMPARE(answer.bytes, "egress:" + sha256("client " + QByteArray::number(i)));
        }
        QTRY_COMPARE(egress.handled(), kConnections);
        QVERIFY(relay.stop());
    }

    // Beyond its cap (here what 128 file descriptors allow, six for each connection) the relay
    // closes new connections at once, and keeps those it has.
    void connectionsBeyondTheCapAreRefused()
    {
        constexpr int kConnections = 30;
        QTemporaryDir dir;
        const quint16 proxyPort = freePort();
        UniqueFd egress = listenUnix(dir.filePath(u"egress"_s)); // never accepts: connections stay
        RelayProcess relay;
        const QString error = relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s,
                                           QString::number(proxyPort), u"--git-port"_s, u"0"_s},
                                          128);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        std::vector<UniqueFd> clients;
        for (int i = 0; i < kConnections; ++i) {
            clients.push_back(connectTcp(proxyPort));
            QVERIFY(clients.back().valid());
        }
        // Accepted in order: once the last one is closed, every one before it has been decided.
        QVERIFY(readToEnd(clients.back().get(), 5s).eof);
        int kept = 0;
        const auto closed = [](int fd) {
            pollfd p{fd, POLLIN, 0};
            char c;
            return ::poll(&p, 1, 0) == 1 && ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
        };
        while (kept < kConnections && !closed(clients[size_t(kept)].get()))
            ++kept;
        QVERIFY2(kept > 0 && kept < kConnections, qPrintable(QString::number(kept)));
        for (int i = kept; i < kConnections; ++i)
            QVERIFY2(closed(clients[size_t(i)].get()), qPrintable(QString::number(i)));
        QVERIFY(relay.stop());
        QVERIFY(relay.process.readAllStandardError().contains(
            QByteArray(QByteArray::number(kept) + " connections are open: refusing more")));
    }

    // serve -- COMMAND: the command runs in the relay's place (same process id) with every port and
    // socket already listening, and the relay in a process of its own that ends with the command.
    void aCommandRunsWithThePortsListening()
    {
        QTemporaryDir dir;
        const quint16 proxyPort = freePort(), inboundPort = freePort();
        Peer egress(listenUnix(dir.filePath(u"egress"_s)), answering("egress", {}));
        const QString script =
            uR"(echo $$ > "$1/pid"; if test -S "$1/port-%1"; then echo yes > "$1/socket"; fi;
cat /proc/net/tcp > "$1/tcp"; echo > "$1/done"; exec sleep 60)"_s.arg(inboundPort);
        RelayProcess relay;
        const QString error =
            relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s, QString::number(proxyPort),
                         u"--git-port"_s, u"0"_s, u"--inbound"_s, QString::number(inboundPort), u"--"_s,
                         u"sh"_s, u"-c"_s, script, u"sh"_s, dir.path()});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath(u"done"_s)), 10000);
        const auto read = [&dir](const QString &name) {
            QFile file(dir.filePath(name));
            return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
        };
        const qint64 pid = relay.process.processId();
        QCOMPARE(read(u"pid"_s), QByteArray::number(pid));
        QCOMPARE(read(u"socket"_s), QByteArray("yes"));
        // 127.0.0.1:proxyPort in state 0A (LISTEN) when the command started.
        const QString listening = u"^\\s*\\d+: 0100007F:%1 00000000:0000 0A "_s.arg(
            QString::number(proxyPort, 16).toUpper().rightJustified(4, u'0'));
        QVERIFY2(QString::fromLatin1(read(u"tcp"_s))
                     .contains(QRegularExpression(listening, QRegularExpression::MultilineOption)),
                 read(u"tcp"_s).constData());

        const qint64 relayPid = childNamed(pid, "paddock-relay");
        QVERIFY2(relayPid != 0, "no paddock-relay process under the command");
        QVERIFY(processInfo(relayPid)->session != processInfo(pid)->session);
        UniqueFd client = connectTcp(proxyPort);
        QCOMPARE(exchange(client.get(), "Hthrough the relay").bytes, "egress:" + sha256("through the relay"));

        relay.process.terminate(); // SIGTERM to the command (sleep)
        QVERIFY(relay.process.waitForFinished(10000));
        const auto relayGone = [relayPid] {
            const auto info = processInfo(relayPid);
            return !info || info->state == 'Z' || info->name != "paddock-relay";
        };
        QTRY_VERIFY_WITH_TIMEOUT(relayGone(), 10000);
    }

    void inboundReplacesAStaleSocketButNothingElse()
    {
        QTemporaryDir dir;
        const quint16 port = freePort();
        const QString path = dir.filePath(u"port-%1"_s.arg(port));
        listenUnix(path); // closed at once: a stale socket file, as a crashed relay leaves one
        QVERIFY(QFileInfo::exists(path));
        {
            RelayProcess relay;
            const QString error =
                relay.start({u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s, u"0"_s, u"--git-port"_s,
                             u"0"_s, u"--inbound"_s, QString::number(port)});
            QVERIFY2(error.isEmpty(), qPrintable(error));
            Peer server(listenTcp(port), answering("inbound", {}));
            UniqueFd client = connectUnix(path);
            QCOMPARE(exchange(client.get(), "Hx").bytes, "inbound:" + sha256("x"));
            QVERIFY(relay.stop());
        }
        QVERIFY(QFile::remove(path));
        QFile regular(path);
        QVERIFY(regular.open(QIODevice::WriteOnly));
        regular.close();
        QProcess relay;
        relay.start(qEnvironmentVariable("PADDOCK_RELAY"),
                    {u"serve"_s, u"--dir"_s, dir.path(), u"--proxy-port"_s, u"0"_s, u"--git-port"_s, u"0"_s,
                     u"--inbound"_s, QString::number(port)});
        QVERIFY(relay.waitForFinished(10000));
        QCOMPARE(relay.exitCode(), 1);
        QVERIFY(relay.readAllStandardError().contains("exists and is not a socket"));
        QVERIFY(QFileInfo(path).isFile());
    }

    void connectTunnelsStdio_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QByteArray>("authority");
        QTest::newRow("name") << u"example.org"_s << QByteArray("example.org:22");
        QTest::newRow("IPv6") << u"2001:db8::1"_s << QByteArray("[2001:db8::1]:22");
        QTest::newRow("IPv6 in brackets") << u"[2001:db8::1]"_s << QByteArray("[2001:db8::1]:22");
    }

    // A fake egress proxy answers 200 with the tunnel's first bytes in the same packet, reads what
    // comes through the tunnel up to its EOF, then answers with its checksum and 1 MB.
    void connectTunnelsStdio()
    {
        QFETCH(QString, host);
        QFETCH(QByteArray, authority);
        QTemporaryDir dir;
        const QByteArray bulk = randomBytes(1024 * 1024);
        Peer proxy(listenUnix(dir.filePath(u"egress"_s)), [bulk](int fd) -> QByteArray {
            QByteArray head;
            for (char c; !head.endsWith("\r\n\r\n") && readByte(fd, c);)
                head.append(c);
            sendAll(fd, "HTTP/1.1 200 Connection established\r\n\r\nearly");
            const Received tunnel = readToEnd(fd);
            exchange(fd, "reply:" + sha256(tunnel.bytes) + bulk);
            return head;
        });
        const QByteArray input = randomBytes(1024 * 1024);
        QProcess connect;
        connect.start(qEnvironmentVariable("PADDOCK_RELAY"),
                      {u"connect"_s, host, u"22"_s, u"--socket"_s, dir.filePath(u"egress"_s)});
        QVERIFY(connect.waitForStarted(10000));
        connect.write(input);
        connect.closeWriteChannel();
        QVERIFY(connect.waitForFinished(30000));
        QCOMPARE(connect.readAllStandardError(), QByteArray());
        QCOMPARE(connect.exitCode(), 0);
        QTRY_COMPARE(proxy.handled(), 1); // its thread keeps the head once the relay has gone
        QCOMPARE(proxy.results().value(0),
                 "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
        const QByteArray output = connect.readAllStandardOutput();
        QCOMPARE(output.size(), 5 + 6 + 64 + bulk.size());
        QCOMPARE(output.left(5 + 6 + 64), "early" + ("reply:" + sha256(input)));
        QVERIFY(output.mid(5 + 6 + 64) == bulk);
    }

    void connectShowsTheProxysRefusal()
    {
        QTemporaryDir dir;
        Peer proxy(listenUnix(dir.filePath(u"egress"_s)), [](int fd) -> QByteArray {
            QByteArray head;
            for (char c; !head.endsWith("\r\n\r\n") && readByte(fd, c);)
                head.append(c);
            exchange(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nx-paddock-reason: no policy permits "
                         "it\r\n\r\n");
            return head;
        });
        QProcess connect;
        connect.start(qEnvironmentVariable("PADDOCK_RELAY"),
                      {u"connect"_s, u"example.org"_s, u"22"_s, u"--socket"_s, dir.filePath(u"egress"_s)});
        QVERIFY(connect.waitForFinished(10000));
        QCOMPARE(connect.exitCode(), 1);
        QCOMPARE(connect.readAllStandardOutput(), QByteArray());
        const QByteArray error = connect.readAllStandardError();
        QVERIFY2(error.startsWith(
                     "paddock-relay: the egress proxy refused example.org:22: HTTP/1.1 403 Forbidden"),
                 error.constData());
        QVERIFY2(error.contains("no policy permits it"), error.constData());
    }

    void connectWithoutAProxy()
    {
        QTemporaryDir dir;
        QProcess connect;
        connect.start(qEnvironmentVariable("PADDOCK_RELAY"),
                      {u"connect"_s, u"example.org"_s, u"22"_s, u"--socket"_s, dir.filePath(u"egress"_s)});
        QVERIFY(connect.waitForFinished(10000));
        QCOMPARE(connect.exitCode(), 1);
        QVERIFY(
            connect.readAllStandardError().startsWith("paddock-relay: cannot reach the egress proxy at "));
    }

private:
    QByteArray m_bulkUp;
    QByteArray m_bulkDown;
};

QTEST_GUILESS_MAIN(TestRelay)
#include "test_relay.moc"
