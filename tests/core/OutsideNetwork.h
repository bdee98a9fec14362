#pragma once
// For the egress proxy's tests: a server "outside" the host, in a network namespace of its own
// joined to the host by a veth pair, on a TEST-NET-3 address (203.0.113.0/24) that the SSRF guard
// lets through — as a server on the internet would be. Needs root (the test root has it).
// A small DNS server on loopback answers the names a test gives it, so that the proxy's own
// resolver is exercised for real.

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace paddock::test {

inline bool run(const QStringList &args, QString *error = nullptr)
{
    QProcess p;
    p.start(args.first(), args.mid(1));
    const bool ok = p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!ok && error)
        *error = args.join(u' ') + QStringLiteral(": ") + QString::fromUtf8(p.readAllStandardError());
    return ok;
}

class OutsideNetwork
{
public:
    OutsideNetwork() = default;
    OutsideNetwork(const OutsideNetwork &) = delete;
    OutsideNetwork &operator=(const OutsideNetwork &) = delete;
    ~OutsideNetwork()
    {
        if (!m_ns.isEmpty()) {
            run({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("del"), m_hostIf});
            run({QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("del"), m_ns});
        }
    }

    bool setUp(QString *error)
    {
        const int pid = int(::getpid());
        for (int attempt = 0; attempt < 64; ++attempt) {
            const int slot = (pid + attempt) % 64;
            const QString ns = QStringLiteral("pdk-out-%1-%2").arg(pid).arg(slot);
            const QString hostIf = QStringLiteral("pdk%1h%2").arg(pid % 100000).arg(slot);
            const QString nsIf = QStringLiteral("pdk%1n%2").arg(pid % 100000).arg(slot);
            const QString hostAddr = QStringLiteral("203.0.113.%1").arg(slot * 4 + 2);
            const QString nsAddr = QStringLiteral("203.0.113.%1").arg(slot * 4 + 1);
            if (!run({QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("add"), ns}, error))
                return false;
            m_ns = ns;
            m_hostIf = hostIf;
            const bool ok =
                run({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("add"), hostIf,
                     QStringLiteral("type"), QStringLiteral("veth"), QStringLiteral("peer"),
                     QStringLiteral("name"), nsIf},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), nsIf,
                     QStringLiteral("netns"), ns},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("add"),
                     hostAddr + QStringLiteral("/30"), QStringLiteral("dev"), hostIf},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), hostIf,
                     QStringLiteral("up")},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("-n"), ns, QStringLiteral("addr"),
                     QStringLiteral("add"), nsAddr + QStringLiteral("/30"), QStringLiteral("dev"), nsIf},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("-n"), ns, QStringLiteral("link"),
                     QStringLiteral("set"), nsIf, QStringLiteral("up")},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("-n"), ns, QStringLiteral("link"),
                     QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")},
                    error) &&
                run({QStringLiteral("ip"), QStringLiteral("-n"), ns, QStringLiteral("route"),
                     QStringLiteral("add"), QStringLiteral("default"), QStringLiteral("via"), hostAddr},
                    error);
            if (ok) {
                m_address = nsAddr;
                m_hostAddress = hostAddr;
                return true;
            }
            // Taken by another test: the next slot.
            run({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("del"), hostIf});
            run({QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("del"), ns});
            m_ns.clear();
        }
        return false;
    }

    QString address() const { return m_address; }         // the outside server's
    QString hostAddress() const { return m_hostAddress; } // the host's end of the pair
    QString nsPath() const { return QStringLiteral("/run/netns/") + m_ns; }

private:
    QString m_ns;
    QString m_hostIf;
    QString m_address;
    QString m_hostAddress;
};

// A TCP server in the outside namespace: echoes what it gets, or answers one HTTP request with a
// fixed response. Records what arrived.
class OutsideServer
{
public:
    enum class Mode { Echo, Http };
    OutsideServer(const OutsideNetwork &network, Mode mode)
        : OutsideServer(network.nsPath().toStdString(), network.address().toStdString(), mode)
    {}
    // On an address of this host's own namespace (127.0.0.1: what an unprivileged test can have).
    OutsideServer(const QString &address, Mode mode)
        : OutsideServer(std::string(), address.toStdString(), mode)
    {}

private:
    OutsideServer(const std::string &nsPath, const std::string &address, Mode mode)
        : m_mode(mode)
    {
        int ready = 0;
        m_thread = std::thread([this, path = nsPath, addr = address, &ready] {
            const int nsFd = path.empty() ? -1 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (nsFd >= 0) {
                ::setns(nsFd, CLONE_NEWNET); // this thread only
                ::close(nsFd);
            }
            m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            const int one = 1;
            ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            ::inet_pton(AF_INET, addr.c_str(), &sin.sin_addr);
            ::bind(m_listen, reinterpret_cast<sockaddr *>(&sin), sizeof(sin));
            ::listen(m_listen, 128);
            socklen_t len = sizeof(sin);
            ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&sin), &len);
            m_port = ntohs(sin.sin_port);
            std::atomic_ref<int>(ready).store(1);
            serve();
        });
        while (!std::atomic_ref<int>(ready).load())
            std::this_thread::yield();
    }

public:
    ~OutsideServer()
    {
        m_stop = true;
        m_thread.join();
        for (auto &t : m_workers)
            t.join();
        ::close(m_listen);
    }
    int port() const { return m_port; }
    int connections() const { return m_connections.load(); }
    QByteArray received() const
    {
        QMutexLocker lock(&m_mutex);
        return m_received;
    }

private:
    void serve()
    {
        while (!m_stop) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            ++m_connections;
            m_workers.emplace_back([this, fd] { handle(fd); });
        }
    }
    void handle(int fd)
    {
        char buf[65536];
        QByteArray request;
        while (!m_stop) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            {
                QMutexLocker lock(&m_mutex);
                m_received.append(buf, n);
            }
            if (m_mode == Mode::Echo) {
                if (::send(fd, buf, size_t(n), MSG_NOSIGNAL) != n)
                    break;
            } else {
                request.append(buf, n);
                if (request.contains("\r\n\r\n")) {
                    const QByteArray body = "outside says hello\n";
                    const QByteArray response =
                        "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) +
                        "\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive, X-Hop\r\n"
                        "X-Hop: secret\r\nX-End: kept\r\n\r\n" +
                        body;
                    (void)::send(fd, response.constData(), size_t(response.size()), MSG_NOSIGNAL);
                    break;
                }
            }
        }
        ::close(fd);
    }

    Mode m_mode;
    std::thread m_thread;
    std::vector<std::thread> m_workers;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    mutable QMutex m_mutex;
    QByteArray m_received;
};

// A DNS server on 127.0.0.1 answering A queries from a table; names not in it are NXDOMAIN, and
// those mapped to an empty address get no answer at all (a resolver timing out).
class TestDns
{
public:
    explicit TestDns(QHash<QByteArray, QByteArray> table)
        : m_table(std::move(table))
    {
        m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin));
        socklen_t len = sizeof(sin);
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&sin), &len);
        m_port = ntohs(sin.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~TestDns()
    {
        m_stop = true;
        m_thread.join();
        ::close(m_fd);
    }
    QString server() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    int queries(const QByteArray &name) const
    {
        QMutexLocker lock(&m_mutex);
        return m_queries.value(name);
    }

private:
    void serve()
    {
        unsigned char buf[1500];
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            sockaddr_in from{};
            socklen_t len = sizeof(from);
            const ssize_t n = ::recvfrom(m_fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &len);
            if (n < 17)
                continue;
            // The question: labels from offset 12, then type and class.
            QByteArray name;
            ssize_t at = 12;
            while (at < n && buf[at] != 0) {
                const int l = buf[at];
                if (at + 1 + l > n)
                    break;
                if (!name.isEmpty())
                    name += '.';
                name.append(reinterpret_cast<const char *>(buf + at + 1), l);
                at += 1 + l;
            }
            if (at + 5 > n)
                continue;
            const int qtype = buf[at + 1] << 8 | buf[at + 2];
            const ssize_t questionEnd = at + 5;
            name = name.toLower();
            {
                QMutexLocker lock(&m_mutex);
                ++m_queries[name];
            }
            const auto it = m_table.constFind(name);
            if (it != m_table.constEnd() && it->isEmpty())
                continue; // silence
            QByteArray reply(reinterpret_cast<const char *>(buf), questionEnd);
            reply[2] = char(0x81);                                   // response, recursion desired
            reply[3] = char(it == m_table.constEnd() ? 0x83 : 0x80); // NXDOMAIN or no error
            reply[6] = 0;
            reply[7] = 0;
            reply[8] = reply[9] = reply[10] = reply[11] = 0;
            in_addr a{};
            if (it != m_table.constEnd() && qtype == 1 && ::inet_pton(AF_INET, it->constData(), &a) == 1) {
                reply[7] = 1;
                const unsigned char answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4};
                reply.append(reinterpret_cast<const char *>(answer), sizeof answer);
                reply.append(reinterpret_cast<const char *>(&a), 4);
            }
            ::sendto(m_fd, reply.constData(), size_t(reply.size()), 0, reinterpret_cast<sockaddr *>(&from),
                     len);
        }
    }

    QHash<QByteArray, QByteArray> m_table;
    int m_fd = -1;
    int m_port = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    mutable QMutex m_mutex;
    QHash<QByteArray, int> m_queries;
};

} // namespace paddock::test
