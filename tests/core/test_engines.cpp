// One test, run on each engine of the test session (tests/on-engine, docs/engines.md): rootful
// podman as root, rootless podman as an unprivileged user, and dockerd as root. It checks that the
// engine is the one PADDOCK_ENGINE names, that a hardened container reaches nothing but loopback,
// and which owners and modes let such a container (user 1000) and the host meet in a folder of
// Unix sockets bound at /run/paddock/sockets: the folder is the fence, so what gets through it on
// each engine is asserted, both ways. It also records what each engine does with a create body's
// tmpfs modes, ulimits and resource limits, and with an import's changes.
#include "runtime/EngineClient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

using namespace paddock;

namespace {

constexpr int ContainerUid = 1000;
constexpr const char *SocketFolder = "/run/paddock/sockets";

// busybox and the static socket_probe, as a root file system's tar.
QByteArray probeRootTar()
{
    QTemporaryDir root;
    const QString bin = root.filePath(QStringLiteral("rootfs/bin"));
    QDir().mkpath(bin);
    // Modes and owners of their own: the build tree's may be anything (a clone made with umask 077).
    const auto executable = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                            QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther;
    for (const auto &[from, to] :
         {std::pair{QStringLiteral("/bin/busybox"), QStringLiteral("/busybox")},
          std::pair{qEnvironmentVariable("SOCKET_PROBE"), QStringLiteral("/socket_probe")}})
        if (!QFile::copy(from, bin + to) || !QFile::setPermissions(bin + to, executable))
            return {};
    for (const char *tool : {"sh", "cat", "ls", "touch", "stat", "id", "sleep", "grep"})
        QFile::link(QStringLiteral("busybox"), bin + u'/' + QLatin1StringView(tool));
    QProcess tar;
    tar.start(QStringLiteral("tar"),
              {QStringLiteral("-C"), root.filePath(QStringLiteral("rootfs")), QStringLiteral("--owner=0"),
               QStringLiteral("--group=0"), QStringLiteral("--mode=go-w"), QStringLiteral("-cf"),
               QStringLiteral("-"), QStringLiteral(".")});
    tar.waitForFinished(30000);
    return tar.readAllStandardOutput();
}

// "key=value" lines a container printed.
QMap<QString, QString> keyValues(const QByteArray &out)
{
    QMap<QString, QString> values;
    for (const QByteArray &line : out.split('\n')) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0)
            values.insert(QString::fromUtf8(line.left(eq)), QString::fromUtf8(line.mid(eq + 1)));
    }
    return values;
}

uid_t peerUid(const QLocalSocket *socket)
{
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (getsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0)
        return uid_t(-1);
    return credentials.uid;
}

bool setfacl(const QStringList &arguments)
{
    return QProcess::execute(QStringLiteral("setfacl"), arguments) == 0;
}

// How the test prepares the socket folder (0700, its own) before the container starts.
enum class Folder {
    OwnerOnly,    // nothing more
    AclFolder,    // + ACL user:1000:rwx on the folder, and as its default (for what is made in it)
    AclAndSocket, // + the host's socket made group-writable, so that the ACL's mask lets uid 1000 write it
    TraverseOnly, // + ACL user:1000:--x on the folder (no default), and the host's socket 0777
    OwnedBy1000,  // chown 1000:1000 instead (needs root)
};

} // namespace

class TestEngines : public QObject
{
    Q_OBJECT

    QString m_engine = qEnvironmentVariable("PADDOCK_ENGINE", QStringLiteral("rootful"));
    std::unique_ptr<EngineClient> m_client;
    EngineClient::Version m_version;
    QJsonObject m_info; // GET /info
    QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);
    QString m_image = QStringLiteral("localhost/paddock-test-engines:") + m_suffix;
    QStringList m_containers;
    QTemporaryDir m_tmp;
    int m_rows = 0;

    bool rootless() const { return m_engine == QLatin1StringView("rootless"); }

    // The hardened create body Paddock gives an agent, with no network and `folder` at
    // /run/paddock/sockets; keep-id on rootless podman unless `keepId` is false.
    QJsonObject hardened(const QString &script, const QString &folder = {}, bool keepId = true) const
    {
        QJsonObject host{{QStringLiteral("NetworkMode"), QStringLiteral("none")},
                         {QStringLiteral("ReadonlyRootfs"), true},
                         {QStringLiteral("CapDrop"), QJsonArray{QStringLiteral("ALL")}},
                         {QStringLiteral("SecurityOpt"), QJsonArray{QStringLiteral("no-new-privileges")}},
                         {QStringLiteral("Privileged"), false}};
        if (!folder.isEmpty())
            host.insert(QStringLiteral("Mounts"),
                        QJsonArray{QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                                               {QStringLiteral("Source"), folder},
                                               {QStringLiteral("Target"), QLatin1StringView(SocketFolder)}}});
        if (rootless() && keepId)
            host.insert(QStringLiteral("UsernsMode"), QStringLiteral("keep-id:uid=1000,gid=1000"));
        return QJsonObject{
            {QStringLiteral("Image"), m_image},
            {QStringLiteral("User"), QStringLiteral("1000:1000")},
            {QStringLiteral("Entrypoint"), QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c")}},
            {QStringLiteral("Cmd"), QJsonArray{script}},
            {QStringLiteral("Labels"), QJsonObject{{QStringLiteral("io.paddock.test"), m_suffix}}},
            {QStringLiteral("HostConfig"), host}};
    }

    // Creates a container (removed at the end); the engine's answer (Id, Warnings).
    QJsonObject create(const QString &what, const QJsonObject &spec)
    {
        const QString name = QStringLiteral("paddock-test-engines-%1-%2").arg(what, m_suffix);
        m_containers.append(name);
        auto answer = m_client->request("POST", QStringLiteral("/containers/create?name=") + name,
                                        QJsonDocument(spec).toJson(QJsonDocument::Compact));
        if (!answer || answer->status != 201)
            qWarning("creating %s: %s", qPrintable(name),
                     answer ? answer->body.constData() : qPrintable(answer.error().text()));
        QJsonObject object = answer ? QJsonDocument::fromJson(answer->body).object() : QJsonObject{};
        object.insert(QStringLiteral("Name"), name);
        return object;
    }

    bool running(const QString &name) const
    {
        auto state = m_client->inspectContainer(name);
        return state &&
               state->value(QStringLiteral("State")).toObject().value(QStringLiteral("Running")).toBool();
    }

    QByteArray output(const QString &name) const
    {
        QByteArray out;
        if (auto lines = m_client->logs(name))
            for (const auto &line : *lines)
                out += line.text + '\n';
        return out;
    }

    // Runs a hardened container to its end; what it printed.
    QByteArray run(const QString &what, const QJsonObject &spec)
    {
        const QString name = create(what, spec).value(QStringLiteral("Name")).toString();
        if (auto started = m_client->startContainer(name); !started)
            return "start failed: " + started.error().text().toUtf8();
        if (auto waited = m_client->waitContainer(name, std::chrono::seconds(60)); !waited)
            return "wait failed: " + waited.error().text().toUtf8();
        return output(name);
    }

private slots:
    void initTestCase()
    {
        ::umask(022); // the recipe below depends on it: sockets are bound with 0777 & ~umask
        QVERIFY(m_tmp.isValid());
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_client = std::make_unique<EngineClient>(*endpoint);
        auto version = m_client->connect();
        QVERIFY2(version, qPrintable(version ? QString() : version.error().text()));
        m_version = *version;
        auto info = m_client->call(QStringLiteral("info"), "GET", QStringLiteral("/info"));
        QVERIFY2(info, qPrintable(info ? QString() : info.error().text()));
        m_info = QJsonDocument::fromJson(*info).object();
        const QByteArray tar = probeRootTar();
        QVERIFY2(!tar.isEmpty(),
                 "could not make the busybox + socket_probe root file system (SOCKET_PROBE?)");
        auto imported = m_client->importImage(
            tar, m_image.section(u':', 0, 0), m_suffix,
            {QStringLiteral("USER 1000"), QStringLiteral("ENTRYPOINT [\"/bin/sh\", \"-c\"]"),
             QStringLiteral("ENV PADDOCK_PROBE=1"), QStringLiteral("WORKDIR /bin"),
             QString(QStringLiteral("LABEL io.paddock.test=") + m_suffix)});
        QVERIFY2(imported, qPrintable(imported ? QString() : imported.error().text()));
        qInfo("engine %s: %s %s, API %s, as uid %u", qPrintable(m_engine), qPrintable(m_version.engine),
              qPrintable(m_version.version), qPrintable(m_client->apiVersion()), ::geteuid());
    }

    void cleanupTestCase()
    {
        if (!m_client)
            return;
        for (const QString &name : std::as_const(m_containers))
            (void)m_client->removeContainer(name, true);
        (void)m_client->removeImage(m_image);
    }

    void theEngineIsTheOneNamed()
    {
        QVERIFY2(
            QStringList({QStringLiteral("rootful"), QStringLiteral("rootless"), QStringLiteral("docker")})
                .contains(m_engine),
            qPrintable(QStringLiteral("PADDOCK_ENGINE is %1").arg(m_engine)));
        QCOMPARE(m_version.engine, m_engine == QLatin1StringView("docker") ? QStringLiteral("docker")
                                                                           : QStringLiteral("podman"));
        const QJsonArray security = m_info.value(QStringLiteral("SecurityOptions")).toArray();
        QCOMPARE(security.contains(QStringLiteral("name=rootless")), rootless());
        if (rootless()) {
            QVERIFY(::geteuid() != 0);
            QVERIFY2(::geteuid() != uid_t(ContainerUid),
                     "the test user must not be uid 1000, the container's user");
            if (qEnvironmentVariableIsSet("PADDOCK_TEST_UID"))
                QCOMPARE(::geteuid(), uid_t(qEnvironmentVariableIntValue("PADDOCK_TEST_UID")));
        } else {
            QCOMPARE(::geteuid(), uid_t(0));
        }
    }

    void importKeepsTheChanges()
    {
        auto image = m_client->inspectImage(m_image);
        QVERIFY2(image, qPrintable(image ? QString() : image.error().text()));
        const QJsonObject config = image->value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("User")).toString(), QStringLiteral("1000"));
        QCOMPARE(config.value(QStringLiteral("Entrypoint")).toArray(),
                 QJsonArray({QStringLiteral("/bin/sh"), QStringLiteral("-c")}));
        QVERIFY(config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("PADDOCK_PROBE=1")));
        QCOMPARE(config.value(QStringLiteral("WorkingDir")).toString(), QStringLiteral("/bin"));
        QCOMPARE(config.value(QStringLiteral("Labels"))
                     .toObject()
                     .value(QStringLiteral("io.paddock.test"))
                     .toString(),
                 m_suffix);
    }

    void aHardenedContainerSeesOnlyLoopback()
    {
        const QByteArray out =
            run(QStringLiteral("net"),
                hardened(QStringLiteral("cat /proc/net/dev; echo uid=$(id -u) gid=$(id -g); grep -E "
                                        "'^(CapEff|NoNewPrivs)' /proc/self/status; "
                                        "echo nofile=$(ulimit -n) nproc=$(ulimit -u); touch /bin/x "
                                        "2>/dev/null && echo rootfs=writable")));
        QStringList interfaces;
        for (const QByteArray &line : out.split('\n'))
            if (line.contains(':') && !line.contains('|') && !line.startsWith("Cap") &&
                !line.startsWith("NoNew"))
                interfaces.append(QString::fromUtf8(line.left(line.indexOf(':')).trimmed()));
        QVERIFY2(interfaces == QStringList{QStringLiteral("lo")}, out.constData());
        QVERIFY2(out.contains("uid=1000 gid=1000"), out.constData());
        QVERIFY2(out.contains("CapEff:\t0000000000000000"), out.constData());
        QVERIFY2(out.contains("NoNewPrivs:\t1"), out.constData());
        QVERIFY2(!out.contains("rootfs=writable"), out.constData());
        // The engine's default ulimits (containers.conf for podman, --default-ulimit for dockerd).
        qInfo("%s: default ulimits in a container: %s", qPrintable(m_engine),
              out.mid(out.indexOf("nofile=")).trimmed().constData());
    }

    void theSocketFolderLetsInOnlyWhomItShould_data()
    {
        QTest::addColumn<int>("folder");
        QTest::addColumn<bool>("keepId");
        QTest::addColumn<bool>("enters");   // the container lists the folder and makes a file in it
        QTest::addColumn<bool>("connects"); // to the host's socket
        QTest::addColumn<bool>("serves");   // binds a socket there that the host connects to
        // Rootless podman with keep-id maps the container's uid 1000 to the test's user, the
        // folder's owner: the folder needs nothing more, and nothing more changes that.
        // Rootful engines run uid 1000 as the host's uid 1000, someone else than the folder's
        // owner: it needs an ACL entry for uid 1000 on the folder (or the folder itself), and a
        // socket of the host needs write access for uid 1000 too. A socket is bound with
        // 0777 & ~umask whatever the folder's default ACL: that default gives it the entry for
        // uid 1000, but the mask (the group bits, r-x under umask 022) must be widened by hand.
        const bool keepIdMaps = rootless();
        QTest::newRow("0700") << int(Folder::OwnerOnly) << true << keepIdMaps << keepIdMaps << keepIdMaps;
        QTest::newRow("0700 + ACL u:1000:rwx")
            << int(Folder::AclFolder) << true << true << keepIdMaps << true;
        QTest::newRow("0700 + ACL u:1000:rwx, socket 0770")
            << int(Folder::AclAndSocket) << true << true << true << true;
        QTest::newRow("0700 + ACL u:1000:--x, socket 0777")
            << int(Folder::TraverseOnly) << true << keepIdMaps << true << keepIdMaps;
        if (rootless()) // uid 1000 without keep-id is a subordinate uid: a stranger to the folder
            QTest::newRow("0700, no keep-id") << int(Folder::OwnerOnly) << false << false << false << false;
        else // the folder is the container's then, but the host's socket (0755) still is not
            QTest::newRow("0700 owned by 1000") << int(Folder::OwnedBy1000) << true << true << false << true;
    }

    void theSocketFolderLetsInOnlyWhomItShould()
    {
        QFETCH(int, folder);
        QFETCH(bool, keepId);
        QFETCH(bool, enters);
        QFETCH(bool, connects);
        QFETCH(bool, serves);
        const QString row = QStringLiteral("sockets-%1").arg(++m_rows);
        const QString dir = m_tmp.filePath(row);
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const auto removeDir = qScopeGuard([&] { QDir(dir).removeRecursively(); });
        if (folder == int(Folder::AclFolder) || folder == int(Folder::AclAndSocket))
            QVERIFY(setfacl({QStringLiteral("-m"), QStringLiteral("u:1000:rwx,d:u:1000:rwx"), dir}));
        if (folder == int(Folder::TraverseOnly))
            QVERIFY(setfacl({QStringLiteral("-m"), QStringLiteral("u:1000:x"), dir}));
        if (folder == int(Folder::OwnedBy1000))
            QCOMPARE(::chown(QFile::encodeName(dir).constData(), ContainerUid, ContainerUid), 0);

        // The host's socket: answers "ping" with "pong from the host", and notes who asked.
        QLocalServer server;
        const QString hostSocket = dir + QStringLiteral("/host.sock");
        QVERIFY2(server.listen(hostSocket), qPrintable(server.errorString()));
        if (folder == int(Folder::AclAndSocket) || folder == int(Folder::TraverseOnly))
            QCOMPARE(::chmod(QFile::encodeName(hostSocket).constData(),
                             folder == int(Folder::AclAndSocket) ? 0770 : 0777),
                     0);
        QList<uid_t> peers;
        connect(&server, &QLocalServer::newConnection, this, [&] {
            while (QLocalSocket *client = server.nextPendingConnection()) {
                peers.append(peerUid(client));
                connect(client, &QLocalSocket::readyRead, client, [client] {
                    if (!client->canReadLine())
                        return;
                    client->readLine();
                    client->write("pong from the host\n");
                    client->disconnectFromServer();
                });
                connect(client, &QLocalSocket::disconnected, client, &QObject::deleteLater);
            }
        });

        const QString name =
            create(
                row,
                hardened(QStringLiteral(
                             "d=/run/paddock/sockets\n"
                             "ls $d >/dev/null 2>&1 && echo list=ok || echo list=denied\n"
                             "/bin/socket_probe connect $d/host.sock\n"
                             "touch $d/from-container 2>/dev/null && echo create=ok || echo create=denied\n"
                             "/bin/socket_probe serve $d/container.sock\n"),
                         dir, keepId))
                .value(QStringLiteral("Name"))
                .toString();
        auto started = m_client->startContainer(name);
        QVERIFY2(started, qPrintable(started ? QString() : started.error().text()));

        // The container's socket, once it is there (or the container has given up).
        const QString containerSocket = dir + QStringLiteral("/container.sock");
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(containerSocket) || !running(name), 30000);
        QByteArray reply;
        if (QFileInfo::exists(containerSocket)) {
            // bind() makes the file before listen() takes connections: until then a connect
            // is refused, so the host tries again for a while.
            QLocalSocket socket;
            QDeadlineTimer listening(10000);
            socket.connectToServer(containerSocket);
            while (!socket.waitForConnected(5000)
                   && socket.error() == QLocalSocket::ConnectionRefusedError
                   && !listening.hasExpired() && running(name)) {
                QTest::qWait(50);
                socket.connectToServer(containerSocket);
            }
            if (socket.state() == QLocalSocket::ConnectedState) {
                while (socket.state() == QLocalSocket::ConnectedState && socket.waitForReadyRead(5000))
                    reply += socket.readAll();
                reply += socket.readAll();
            } else {
                reply = "connect: " + socket.errorString().toUtf8();
            }
        }
        QTRY_VERIFY_WITH_TIMEOUT(!running(name), 30000);
        const QByteArray out = output(name);
        const auto seen = keyValues(out);
        const QString detail =
            QString::fromUtf8(out) + QStringLiteral("host side: ") + QString::fromUtf8(reply);
        qInfo("%s, %s: %s", qPrintable(m_engine), QTest::currentDataTag(),
              qPrintable(QString(detail).replace(u'\n', QStringLiteral("; "))));

        // Into the folder.
        QCOMPARE(seen.value(QStringLiteral("list")),
                 enters ? QStringLiteral("ok") : QStringLiteral("denied"));
        QCOMPARE(seen.value(QStringLiteral("create")),
                 enters ? QStringLiteral("ok") : QStringLiteral("denied"));
        const QFileInfo made(dir + QStringLiteral("/from-container"));
        QCOMPARE(made.exists(), enters);
        // The container's uid 1000 as the host sees it: keep-id makes it the test's user.
        const uid_t hostUidOfContainer = rootless() ? ::geteuid() : uid_t(ContainerUid);
        if (enters)
            QCOMPARE(made.ownerId(), hostUidOfContainer);

        // To the host's socket.
        if (connects) {
            QVERIFY2(seen.value(QStringLiteral("connect")) == QStringLiteral("ok pong from the host"),
                     qPrintable(detail));
            QCOMPARE(peers, QList<uid_t>{hostUidOfContainer});
        } else {
            QVERIFY2(seen.value(QStringLiteral("connect")).contains(QStringLiteral("Permission denied")),
                     qPrintable(detail));
            QVERIFY(peers.isEmpty());
        }

        // From the host to the container's socket.
        if (serves) {
            QCOMPARE(seen.value(QStringLiteral("serve")), QStringLiteral("ok"));
            QCOMPARE(reply, QByteArray("pong from the container\n"));
            QCOMPARE(QFileInfo(containerSocket).ownerId(), hostUidOfContainer);
        } else {
            QVERIFY2(seen.value(QStringLiteral("serve")).contains(QStringLiteral("Permission denied")),
                     qPrintable(detail));
        }
    }

    // What the engine makes of a create body's tmpfs mounts, ulimits and resource limits (the
    // ones Paddock's personas set). Rootless podman on cgroups v1 keeps none of the limits.
    void limitsAndTmpfsAsTheEngineAppliesThem()
    {
        const bool podman = m_version.engine == QLatin1StringView("podman");
        QJsonObject spec = hardened(QStringLiteral(
            "stat -c 'tmpfs %n %a %u:%g' /tmp /run/paddock/secrets /run/paddock/owned 2>/dev/null\n"
            "echo nofile=$(ulimit -n) nproc=$(ulimit -u)\n"
            "echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max "
            "2>/dev/null)\n"
            "echo pids=$(cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null)\n"
            "echo cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu.max 2>/dev/null)\n"));
        QJsonObject host = spec.value(QStringLiteral("HostConfig")).toObject();
        QJsonObject tmpfs{{QStringLiteral("/tmp"), QStringLiteral("rw,nosuid,nodev,size=16m")},
                          {QStringLiteral("/run/paddock/secrets"),
                           QStringLiteral("rw,nosuid,nodev,noexec,size=1m,mode=0700")}};
        if (podman) // podman's U: the tmpfs belongs to the container's user (dockerd fails the start on it)
            tmpfs.insert(QStringLiteral("/run/paddock/owned"),
                         QStringLiteral("rw,nosuid,nodev,noexec,size=1m,mode=0700,U"));
        host.insert(QStringLiteral("Tmpfs"), tmpfs);
        const qint64 memory = 256 * 1024 * 1024;
        host.insert(QStringLiteral("Memory"), memory);
        host.insert(QStringLiteral("MemorySwap"), memory);
        host.insert(QStringLiteral("NanoCpus"), qint64(500'000'000));
        host.insert(QStringLiteral("PidsLimit"), 100);
        host.insert(QStringLiteral("Ulimits"),
                    QJsonArray{QJsonObject{{QStringLiteral("Name"), QStringLiteral("nofile")},
                                           {QStringLiteral("Soft"), 1024},
                                           {QStringLiteral("Hard"), 1024}},
                               QJsonObject{{QStringLiteral("Name"), QStringLiteral("nproc")},
                                           {QStringLiteral("Soft"), 512},
                                           {QStringLiteral("Hard"), 512}}});
        spec.insert(QStringLiteral("HostConfig"), host);

        const QJsonObject created = create(QStringLiteral("limits"), spec);
        const QString name = created.value(QStringLiteral("Name")).toString();
        QVERIFY2(created.contains(QStringLiteral("Id")), QJsonDocument(created).toJson().constData());
        const QJsonArray warnings = created.value(QStringLiteral("Warnings")).toArray();
        auto inspected = m_client->inspectContainer(name);
        QVERIFY(inspected);
        const QJsonObject kept = inspected->value(QStringLiteral("HostConfig")).toObject();
        QVERIFY(m_client->startContainer(name));
        auto exit = m_client->waitContainer(name, std::chrono::seconds(60));
        QVERIFY(exit);
        const QByteArray out = output(name);
        const auto seen = keyValues(out);
        qInfo("%s: create warnings %s; kept Memory %lld NanoCpus %lld PidsLimit %lld; in the container:\n%s",
              qPrintable(m_engine), QJsonDocument(warnings).toJson(QJsonDocument::Compact).constData(),
              kept.value(QStringLiteral("Memory")).toInteger(),
              kept.value(QStringLiteral("NanoCpus")).toInteger(),
              kept.value(QStringLiteral("PidsLimit")).toInteger(), out.constData());

        // A tmpfs is root's with the mode asked for, unless podman's U gives it to the user.
        QVERIFY2(out.contains("tmpfs /tmp 1777 0:0\n"), out.constData());
        QVERIFY2(out.contains("tmpfs /run/paddock/secrets 700 0:0\n"), out.constData());
        if (podman)
            QVERIFY2(out.contains("tmpfs /run/paddock/owned 700 1000:1000\n"), out.constData());
        // Rootless podman's Docker-compatible API drops the Ulimits of a create body without a
        // word (its own API's r_limits hold): the container has containers.conf's defaults.
        if (rootless())
            QEXPECT_FAIL("", "rootless podman ignores a compat create body's Ulimits", Continue);
        QCOMPARE(seen.value(QStringLiteral("nofile")), QStringLiteral("1024 nproc=512"));
        if (rootless() &&
            m_info.value(QStringLiteral("CgroupVersion")).toString() == QLatin1StringView("1")) {
            // Rootless podman on cgroups v1 keeps none of the resource limits, again without a
            // warning in its answer, and the container has none.
            QCOMPARE(kept.value(QStringLiteral("Memory")).toInteger(), 0);
            QCOMPARE(kept.value(QStringLiteral("NanoCpus")).toInteger(), 0);
            QCOMPARE(kept.value(QStringLiteral("PidsLimit")).toInteger(), 0);
            QVERIFY2(seen.value(QStringLiteral("memory")).toLongLong() > memory, out.constData());
        } else {
            QCOMPARE(kept.value(QStringLiteral("Memory")).toInteger(), memory);
            QCOMPARE(kept.value(QStringLiteral("NanoCpus")).toInteger(), 500'000'000);
            QCOMPARE(kept.value(QStringLiteral("PidsLimit")).toInteger(), 100);
            QVERIFY2(seen.value(QStringLiteral("memory")).startsWith(QString::number(memory)),
                     out.constData());
            QVERIFY2(seen.value(QStringLiteral("pids")) == QStringLiteral("100"), out.constData());
            QVERIFY2(seen.value(QStringLiteral("cpu")).startsWith(QStringLiteral("50000")), out.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestEngines)
#include "test_engines.moc"
