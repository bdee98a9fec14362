// The Docker Engine API client against the real podman service that scripts/test starts
// (CONTAINER_HOST), and the sentences it gives when there is no engine.
#include "BusyboxImage.h"
#include "runtime/EngineClient.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocalServer>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <QVersionNumber>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace paddock;

namespace {
// An engine of the test's own on a Unix socket: answers each request with the next of `answers`
// (status, JSON body), one request per connection, on a thread of its own.
class ScriptedEngine
{
public:
    ScriptedEngine(const QString &path, QList<std::pair<int, QByteArray>> answers)
        : m_answers(std::move(answers))
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const QByteArray p = path.toLocal8Bit();
        std::memcpy(addr.sun_path, p.constData(),
                    size_t(std::min<qsizetype>(p.size(), sizeof addr.sun_path - 1)));
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        ::listen(m_fd, 8);
        m_thread = std::thread([this] { serve(); });
    }
    ~ScriptedEngine()
    {
        ::shutdown(m_fd, SHUT_RDWR);
        m_thread.join();
        ::close(m_fd);
    }
    int requests() const { return m_requests.load(); }

private:
    void serve()
    {
        for (;;) {
            const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                return;
            QByteArray head;
            char buf[4096];
            while (!head.contains("\r\n\r\n")) {
                const ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0)
                    break;
                head.append(buf, n);
            }
            const int i = m_requests.fetch_add(1);
            const auto [status, body] = m_answers.value(std::min<qsizetype>(i, m_answers.size() - 1));
            const QByteArray answer = "HTTP/1.1 " + QByteArray::number(status) +
                                      " X\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                      "Content-Length: " +
                                      QByteArray::number(body.size()) + "\r\n\r\n" + body;
            (void)!::write(c, answer.constData(), size_t(answer.size()));
            ::close(c);
        }
    }

    QList<std::pair<int, QByteArray>> m_answers;
    int m_fd = -1;
    std::atomic<int> m_requests{0};
    std::thread m_thread;
};
} // namespace

class TestEngineClient : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);

    static EngineClient::Endpoint engine()
    {
        auto found = EngineClient::discover();
        if (!found)
            qFatal("%s", qPrintable(found.error().text()));
        return *found;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(qEnvironmentVariable("CONTAINER_HOST").startsWith(QStringLiteral("unix://")),
                 "CONTAINER_HOST must name podman's socket; scripts/test starts it");
    }

    void discoversTheSocketFromTheEnvironment()
    {
        auto found = EngineClient::discover();
        QVERIFY2(found, qPrintable(found ? QString() : found.error().text()));
        QCOMPARE(found->origin, QStringLiteral("$CONTAINER_HOST"));
        QCOMPARE(QStringLiteral("unix://") + found->socketPath, qEnvironmentVariable("CONTAINER_HOST"));
    }

    void anExplicitButWrongVariableIsAnError()
    {
        const QByteArray saved = qgetenv("CONTAINER_HOST");
        qputenv("CONTAINER_HOST", "unix:///nonexistent/podman.sock");
        auto missing = EngineClient::discover();
        qputenv("CONTAINER_HOST", "tcp://127.0.0.1:2375");
        auto remote = EngineClient::discover();
        qputenv("CONTAINER_HOST", saved);
        QVERIFY(!missing);
        QCOMPARE(missing.error().where, QStringLiteral("$CONTAINER_HOST"));
        QVERIFY(missing.error().hint.contains(QStringLiteral("systemctl --user start podman.socket")));
        QVERIFY(!remote);
        QVERIFY(remote.error().message.contains(QStringLiteral("Unix socket")));
    }

    void connectsAndNegotiatesTheApiVersion()
    {
        EngineClient client(engine());
        auto v = client.connect();
        QVERIFY2(v, qPrintable(v ? QString() : v.error().text()));
        QCOMPARE(v->engine, QStringLiteral("podman"));
        QVERIFY(!v->version.isEmpty());
        QVERIFY(!v->apiVersion.isEmpty());
        // The lower of the engine's and Paddock's, and one the engine accepts.
        const auto used = QVersionNumber::fromString(client.apiVersion());
        QVERIFY(used <= QVersionNumber::fromString(QLatin1StringView(EngineClient::MaxApiVersion)));
        QVERIFY(used <= QVersionNumber::fromString(v->apiVersion));
        auto ping = client.request("GET", QStringLiteral("/_ping"));
        QVERIFY(ping);
        QCOMPARE(ping->status, 200L);
    }

    void internalNetworksAreCreatedListedByLabelAndRemoved()
    {
        EngineClient client(engine());
        QVERIFY(client.connect());
        const QString name = QStringLiteral("paddock-test-") + m_suffix;
        auto id = client.createInternalNetwork(
            name, {{QStringLiteral("io.paddock.persona"), QStringLiteral("agent")}});
        QVERIFY2(id, qPrintable(id ? QString() : id.error().text()));
        QVERIFY(!id->isEmpty());
        auto ours = client.networks(QStringLiteral("io.paddock.persona"));
        QVERIFY(ours);
        QJsonObject found;
        for (const QJsonValue &n : *ours)
            if (n.toObject().value(QStringLiteral("Name")).toString() == name)
                found = n.toObject();
        QVERIFY2(!found.isEmpty(), "the network carries Paddock's label");
        QCOMPARE(found.value(QStringLiteral("Internal")).toBool(), true);
        for (const QJsonValue &n : *ours) // the filter is Paddock's own: only labelled networks
            QVERIFY(n.toObject()
                        .value(QStringLiteral("Labels"))
                        .toObject()
                        .contains(QStringLiteral("io.paddock.persona")));
        // A second one of the same name is refused with the engine's reason, as a sentence.
        auto again = client.createInternalNetwork(name, {});
        QVERIFY(!again);
        QVERIFY(again.error().message.startsWith(QStringLiteral("creating network ") + name));
        QVERIFY(!again.error().message.contains(QLatin1Char('{')));
        QVERIFY(client.removeNetwork(name));
        auto gone = client.removeNetwork(name);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, Error::Code::NotFound);
        QVERIFY(!gone.error().hint.isEmpty());
    }

    void containersJoinAndLeaveNetworksAndImagesAreListed()
    {
        EngineClient client(engine());
        QVERIFY(client.connect());
        const QString image = QStringLiteral("localhost/paddock-test-netimg-") + m_suffix;
        QVERIFY(client.importImage(busyboxRootTar(), image, QStringLiteral("1"),
                                   {QString(QStringLiteral("LABEL io.paddock.test=") + m_suffix)}));
        const QString network = QStringLiteral("paddock-test-join-") + m_suffix;
        const QString container = QStringLiteral("paddock-test-join-") + m_suffix;
        QVERIFY(client.createInternalNetwork(network, {}));
        const auto cleanup = qScopeGuard([&] {
            (void)client.removeContainer(container, true);
            (void)client.removeNetwork(network);
            (void)client.removeImage(image + QStringLiteral(":1"));
        });
        auto listed = client.images(QStringLiteral("io.paddock.test"));
        QVERIFY2(listed, qPrintable(listed ? QString() : listed.error().text()));
        bool found = false;
        for (const QJsonValue &i : *listed)
            found = found || i.toObject()
                                 .value(QStringLiteral("RepoTags"))
                                 .toArray()
                                 .contains(QString(image + QStringLiteral(":1")));
        QVERIFY(found);
        QVERIFY(client.images(QStringLiteral("io.paddock.no-such-label"))->isEmpty());

        QVERIFY(client.createContainer(
            container, QJsonObject{{QStringLiteral("Image"), QString(image + QStringLiteral(":1"))},
                                   {QStringLiteral("Cmd"),
                                    QJsonArray{QStringLiteral("sleep"), QStringLiteral("300")}}}));
        auto networksOf = [&] {
            return client.inspectContainer(container)
                ->value(QStringLiteral("NetworkSettings"))
                .toObject()
                .value(QStringLiteral("Networks"))
                .toObject();
        };
        QVERIFY(!networksOf().contains(network));
        auto joined = client.connectNetwork(network, container);
        QVERIFY2(joined, qPrintable(joined ? QString() : joined.error().text()));
        QVERIFY(networksOf().contains(network));
        QVERIFY(client.disconnectNetwork(network, container));
        QVERIFY(!networksOf().contains(network));
        auto nowhere = client.connectNetwork(QStringLiteral("paddock-no-such-net-") + m_suffix, container);
        QVERIFY(!nowhere);
        QVERIFY(!nowhere.error().message.contains(QLatin1Char('{')));
    }

    void volumesAreCreatedListedByLabelAndRemoved()
    {
        EngineClient client(engine());
        QVERIFY(client.connect());
        const QString name = QStringLiteral("paddock-test-home-") + m_suffix;
        QVERIFY(client.createVolume(name, {{QStringLiteral("io.paddock.persona"), QStringLiteral("dev")}}));
        auto ours = client.volumes(QStringLiteral("io.paddock.persona"));
        QVERIFY(ours);
        bool listed = false;
        for (const QJsonValue &v : *ours)
            listed = listed || v.toObject().value(QStringLiteral("Name")).toString() == name;
        QVERIFY(listed);
        auto others = client.volumes(QStringLiteral("io.paddock.no-such-label"));
        QVERIFY(others);
        QVERIFY(others->isEmpty());
        QVERIFY(client.removeVolume(name));
        QVERIFY(!client.removeVolume(name));
    }

    void containersAreListedByLabel()
    {
        EngineClient client(engine());
        QVERIFY(client.connect());
        auto listed = client.containers(QStringLiteral("io.paddock.persona"));
        QVERIFY2(listed, qPrintable(listed ? QString() : listed.error().text()));
        for (const QJsonValue &c : *listed)
            QVERIFY(c.toObject()
                        .value(QStringLiteral("Labels"))
                        .toObject()
                        .contains(QStringLiteral("io.paddock.persona")));
    }

    void logFramesAreSplitIntoLinesByStream()
    {
        auto frame = [](char stream, const QByteArray &payload) -> QByteArray {
            QByteArray f(8, '\0');
            f[0] = stream;
            const quint32 n = quint32(payload.size());
            f[4] = char(n >> 24);
            f[5] = char(n >> 16);
            f[6] = char(n >> 8);
            f[7] = char(n);
            return f + payload;
        };
        const QByteArray stream = frame(1, "one\ntwo\n") + frame(2, "oops\n") + frame(1, "three\n");
        QByteArray rest;
        // Fed in awkward pieces: a header split in two, a frame split in the middle.
        QList<EngineClient::LogLine> lines = EngineClient::demultiplex(rest, stream.left(5));
        lines += EngineClient::demultiplex(rest, stream.mid(5, 14));
        lines += EngineClient::demultiplex(rest, stream.mid(19));
        QCOMPARE(rest.size(), 0);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0].text, QByteArray("one"));
        QCOMPARE(lines[1].text, QByteArray("two"));
        QCOMPARE(lines[2].text, QByteArray("oops"));
        QCOMPARE(lines[2].stream, EngineClient::LogLine::Stream::Stderr);
        QCOMPARE(lines[3].text, QByteArray("three"));
        QCOMPARE(lines[3].stream, EngineClient::LogLine::Stream::Stdout);
    }

    void aHardenedContainerRunsFromAnImportedImage()
    {
        const QByteArray archive = busyboxRootTar();
        QVERIFY(archive.size() > 100000);

        EngineClient client(engine());
        auto version = client.connect();
        QVERIFY(version);
        // podman's compatible import leaves every upload in its /var/tmp (podman#28531): Paddock
        // uses podman's own endpoint, which does not. The engines here share this machine's /var/tmp.
        const auto leftovers = [] {
            return QDir(QStringLiteral("/var/tmp"))
                .entryList({QStringLiteral("api_load.tar*")}, QDir::Files | QDir::Hidden)
                .size();
        };
        const qsizetype leftBefore = leftovers();
        const QString repo = QStringLiteral("localhost/paddock-test-") + m_suffix;
        auto id = client.importImage(archive, repo, QStringLiteral("1"));
        QVERIFY2(id, qPrintable(id ? QString() : id.error().text()));
        QVERIFY(!id->isEmpty());
        if (version->engine == QLatin1StringView("podman"))
            QCOMPARE(leftovers(), leftBefore);
        auto image = client.inspectImage(repo + QStringLiteral(":1"));
        QVERIFY2(image, qPrintable(image ? QString() : image.error().text()));

        const QString name = QStringLiteral("paddock-test-") + m_suffix;
        const QJsonObject spec{
            {QStringLiteral("Image"), QString(repo + QStringLiteral(":1"))},
            {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                                               QStringLiteral("id -u; echo warn >&2; sleep 30")}},
            {QStringLiteral("User"), QStringLiteral("1000:1000")},
            {QStringLiteral("Labels"),
             QJsonObject{{QStringLiteral("io.paddock.persona"), QStringLiteral("test")}}},
            {QStringLiteral("HostConfig"),
             QJsonObject{{QStringLiteral("CapDrop"), QJsonArray{QStringLiteral("ALL")}},
                         {QStringLiteral("SecurityOpt"), QJsonArray{QStringLiteral("no-new-privileges")}},
                         {QStringLiteral("ReadonlyRootfs"), true},
                         {QStringLiteral("Memory"), 64 * 1024 * 1024},
                         {QStringLiteral("PidsLimit"), 64},
                         {QStringLiteral("Ulimits"),
                          QJsonArray{QJsonObject{{QStringLiteral("Name"), QStringLiteral("nofile")},
                                                 {QStringLiteral("Soft"), 1024},
                                                 {QStringLiteral("Hard"), 1024}}}}}}};
        auto created = client.createContainer(name, spec);
        QVERIFY2(created, qPrintable(created ? QString() : created.error().text()));
        auto cleanup = qScopeGuard([&] {
            (void)client.removeContainer(name, true);
            (void)client.removeImage(repo + QStringLiteral(":1"));
        });
        QVERIFY(client.startContainer(name));
        auto listed = client.containers(QStringLiteral("io.paddock.persona"), false);
        QVERIFY(listed);
        bool running = false;
        for (const QJsonValue &c : *listed)
            running = running || c.toObject().value(QStringLiteral("Id")).toString() == *created;
        QVERIFY2(running, "the running container is listed under Paddock's label");

        // What the engine says it got.
        auto info = client.inspectContainer(name);
        QVERIFY(info);
        const QJsonObject host = info->value(QStringLiteral("HostConfig")).toObject();
        QVERIFY(host.value(QStringLiteral("ReadonlyRootfs")).toBool());
        QCOMPARE(host.value(QStringLiteral("Memory")).toInteger(), 64 * 1024 * 1024);
        QCOMPARE(host.value(QStringLiteral("PidsLimit")).toInteger(), 64);
        QVERIFY(QJsonDocument(host.value(QStringLiteral("SecurityOpt")).toArray())
                    .toJson()
                    .contains("no-new-privileges"));
        QVERIFY(QJsonDocument(host.value(QStringLiteral("CapDrop")).toArray()).toJson().contains("ALL") ||
                host.value(QStringLiteral("CapAdd")).toArray().isEmpty());
        QCOMPARE(info->value(QStringLiteral("Config")).toObject().value(QStringLiteral("User")).toString(),
                 QStringLiteral("1000:1000"));

        // Its output, stdout and stderr told apart.
        QList<EngineClient::LogLine> lines;
        QTRY_VERIFY([&] {
            auto l = client.logs(name);
            lines = l ? *l : QList<EngineClient::LogLine>{};
            return lines.size() >= 2;
        }());
        bool uid = false, warned = false;
        for (const auto &line : lines) {
            uid = uid || (line.stream == EngineClient::LogLine::Stream::Stdout && line.text == "1000");
            warned = warned || (line.stream == EngineClient::LogLine::Stream::Stderr && line.text == "warn");
        }
        QVERIFY2(uid && warned, "the log shows the non-root user on stdout and the warning on stderr");

        // Stopped (SIGTERM, then SIGKILL after 1 s: sh ignores TERM while sleep runs), then gone.
        QVERIFY(client.stopContainer(name, 1));
        auto code = client.waitContainer(name, std::chrono::seconds(30));
        QVERIFY(code);
        QVERIFY(*code != 0);
        QVERIFY(client.removeContainer(name));
        auto gone = client.inspectContainer(name);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, Error::Code::NotFound);
    }

    void cpuAndMemoryOfABusyAndAnIdleContainer()
    {
        EngineClient client(engine());
        QVERIFY(client.connect());
        const QString repo = QStringLiteral("localhost/paddock-stats-") + m_suffix;
        QVERIFY(client.importImage(busyboxRootTar(), repo, QStringLiteral("1")));
        auto spec = [&](const QString &script) {
            return QJsonObject{
                {QStringLiteral("Image"), QString(repo + QStringLiteral(":1"))},
                {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"), script}},
                {QStringLiteral("HostConfig"),
                 QJsonObject{{QStringLiteral("Ulimits"),
                              QJsonArray{QJsonObject{{QStringLiteral("Name"), QStringLiteral("nofile")},
                                                     {QStringLiteral("Soft"), 1024},
                                                     {QStringLiteral("Hard"), 1024}}}}}}};
        };
        const QString busy = QStringLiteral("paddock-busy-") + m_suffix,
                      idle = QStringLiteral("paddock-idle-") + m_suffix;
        auto cleanup = qScopeGuard([&] {
            // Killed first: sh as PID 1 ignores SIGTERM, and a forced removal would wait 10 s for it.
            (void)client.killContainer(busy);
            (void)client.killContainer(idle);
            (void)client.removeContainer(busy, true);
            (void)client.removeContainer(idle, true);
            (void)client.removeImage(repo + QStringLiteral(":1"));
        });
        QVERIFY(client.createContainer(busy, spec(QStringLiteral("while :; do :; done"))));
        QVERIFY(client.createContainer(idle, spec(QStringLiteral("sleep 60"))));
        QVERIFY(client.startContainer(busy));
        QVERIFY(client.startContainer(idle));
        auto busy1 = client.stats(busy);
        auto idle1 = client.stats(idle);
        QVERIFY2(busy1 && idle1, qPrintable(busy1 ? QString() : busy1.error().text()));
        QTest::qWait(1500);
        auto busy2 = client.stats(busy);
        auto idle2 = client.stats(idle);
        QVERIFY(busy2 && idle2);
        const double busyCpu = EngineClient::cpuPercent(*busy1, *busy2);
        const double idleCpu = EngineClient::cpuPercent(*idle1, *idle2);
        QVERIFY2(busyCpu > 30 && busyCpu < 250, qPrintable(QString::number(busyCpu))); // about one CPU
        QVERIFY2(idleCpu < 10, qPrintable(QString::number(idleCpu)));
        QVERIFY(busy2->memoryBytes > 0);
        QVERIFY(busy2->pids >= 1);
        QCOMPARE(EngineClient::cpuPercent(*busy2, *busy2), 0.0);
        auto gone = client.stats(QStringLiteral("paddock-no-such-") + m_suffix);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, Error::Code::NotFound);
    }

    void aStartThatRuncFumblesIsTriedAgain()
    {
        // runc's transient handshake failure under load: the start is asked again, at most twice.
        const QByteArray fumble =
            "{\"cause\":\"OCI runtime error\",\"message\":\"runc: runc create failed: unable to start "
            "container process: waiting for init preliminary setup: read init-p: connection reset by peer: "
            "OCI runtime error\",\"response\":500}";
        {
            const QString path = m_dir.filePath(QStringLiteral("fumbles-once.sock"));
            ScriptedEngine engine(path, {{500, fumble}, {204, {}}});
            EngineClient client(EngineClient::Endpoint{path, QStringLiteral("test")});
            QVERIFY(client.startContainer(QStringLiteral("c")));
            QCOMPARE(engine.requests(), 2);
        }
        {
            const QString path = m_dir.filePath(QStringLiteral("fumbles-always.sock"));
            ScriptedEngine engine(path, {{500, fumble}});
            EngineClient client(EngineClient::Endpoint{path, QStringLiteral("test")});
            auto started = client.startContainer(QStringLiteral("c"));
            QVERIFY(!started);
            QVERIFY(started.error().message.contains(QStringLiteral("read init-p")));
            QCOMPARE(engine.requests(), 3);
        }
        {
            // Any other refusal is an error at once.
            const QString path = m_dir.filePath(QStringLiteral("refuses.sock"));
            ScriptedEngine engine(path, {{500, "{\"message\":\"crun: executable file nope not found\"}"}});
            EngineClient client(EngineClient::Endpoint{path, QStringLiteral("test")});
            QVERIFY(!client.startContainer(QStringLiteral("c")));
            QCOMPARE(engine.requests(), 1);
        }
    }

    void noEngineIsASentenceWithANextStep()
    {
        // A socket that exists but where nothing speaks HTTP, and one that is gone.
        const QString path = m_dir.filePath(QStringLiteral("silent.sock"));
        EngineClient gone(
            EngineClient::Endpoint{m_dir.filePath(QStringLiteral("gone.sock")), QStringLiteral("test")});
        auto v = gone.connect();
        QVERIFY(!v);
        QCOMPARE(v.error().code, Error::Code::Unavailable);
        QVERIFY(v.error().message.startsWith(QStringLiteral("the container engine does not answer")));
        QVERIFY(v.error().hint.contains(QStringLiteral("systemctl --user start podman.socket")));
        QLocalServer silent;
        QVERIFY(silent.listen(path));
        EngineClient mute(EngineClient::Endpoint{path, QStringLiteral("test")});
        auto r = mute.request("GET", QStringLiteral("/_ping"), {}, std::chrono::milliseconds(300));
        QVERIFY(!r);
        QCOMPARE(r.error().code, Error::Code::Unavailable);
    }
};

QTEST_GUILESS_MAIN(TestEngineClient)
#include "test_engine_client.moc"
