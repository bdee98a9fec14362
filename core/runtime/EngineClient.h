#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <chrono>

class QIODevice;

namespace paddock {

// The container engine's Docker Engine REST API over its local Unix socket, through libcurl: works
// with podman's compatible service and with dockerd. Blocking calls, meant for the engine's runtime
// thread; one client per thread (a libcurl handle is not shared).
class EngineClient final
{
public:
    // The newest API version Paddock speaks; the one used is the lower of this and the engine's.
    static constexpr const char *MaxApiVersion = "1.41";

    struct Endpoint
    {
        QString socketPath;
        QString origin; // how it was found: "$CONTAINER_HOST", "/run/podman/podman.sock", …
    };
    // In order: $CONTAINER_HOST, $DOCKER_HOST (unix:// only), $XDG_RUNTIME_DIR/podman/podman.sock,
    // /run/podman/podman.sock, /var/run/docker.sock. The first that names a socket that exists wins;
    // an explicit variable that names a missing socket is an error (never silently skipped).
    static Result<Endpoint> discover();

    struct Version
    {
        QString engine; // "podman" or "docker"
        QString version;
        QString apiVersion;    // the engine's
        QString minApiVersion; // the oldest the engine accepts
        QString os;
        QString arch;
    };

    explicit EngineClient(Endpoint endpoint);
    ~EngineClient();
    EngineClient(const EngineClient &) = delete;
    EngineClient &operator=(const EngineClient &) = delete;

    const Endpoint &endpoint() const { return m_endpoint; }
    // Pings the engine and negotiates the API version.
    Result<Version> connect();
    QString apiVersion() const { return m_api; }
    // For a second client of an engine already asked (connect() costs a /version round trip,
    // which podman answers slowly): use the version negotiated then.
    void setApiVersion(const QString &version) { m_api = version; }

    struct Response
    {
        long status = 0;
        QByteArray body;
    };
    // One request; `path` is below the versioned prefix (e.g. "/containers/json?all=true"). A
    // response of any status is returned; only failing to talk to the engine is an error.
    Result<Response> request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // A request whose answer must have one of `ok` statuses; the engine's own error message (its
    // JSON "message") becomes a sentence otherwise. `what` names the operation for the message.
    Result<QByteArray> call(const QString &what, const QByteArray &method, const QString &path,
                            const QByteArray &body = {}, QList<long> ok = {200, 201, 204},
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Networks, volumes and containers, filtered by a label on Paddock's side (podman's filters are
    // not reliable across versions).
    Result<QString> createInternalNetwork(const QString &name, const QMap<QString, QString> &labels);
    Result<void> removeNetwork(const QString &name);
    Result<QJsonArray> networks(const QString &label);
    // Attaches a container to a network (and takes it off again).
    Result<void> connectNetwork(const QString &network, const QString &container);
    Result<void> disconnectNetwork(const QString &network, const QString &container, bool force = false);
    Result<void> createVolume(const QString &name, const QMap<QString, QString> &labels);
    Result<void> removeVolume(const QString &name);
    Result<QJsonArray> volumes(const QString &label);
    Result<QJsonArray> containers(const QString &label, bool all = true);

    // Images: import a root file system from a tar (podman import / docker import), inspect.
    // `changes` are Dockerfile instructions for the image's configuration ("USER dev",
    // "ENTRYPOINT [\"/bin/sh\"]", …), sent as repeated `changes` parameters. The file variant
    // streams the tar from disk (a root file system is hundreds of megabytes). On podman this is
    // its own /libpod/images/import: the compatible /images/create?fromSrc=- leaves a copy of every
    // upload in the engine's /var/tmp (podman#28531; 1.8 GB per agent image). A client that has not
    // connected yet asks the engine which it is first.
    Result<QString> importImage(const QByteArray &tar, const QString &repository, const QString &tag,
                                const QStringList &changes = {});
    Result<QString> importImageFile(const QString &tarPath, const QString &repository, const QString &tag,
                                    const QStringList &changes = {});
    Result<QJsonObject> inspectImage(const QString &name);
    // The images whose configuration carries `label` (all when empty).
    Result<QJsonArray> images(const QString &label = {});
    Result<void> removeImage(const QString &name);

    // Containers. `spec` is the Docker API's create body (Image, Cmd, User, Labels, HostConfig…).
    Result<QString> createContainer(const QString &name, const QJsonObject &spec);
    Result<void> startContainer(const QString &name);
    // Asks it to stop, and kills it after `timeoutSeconds`.
    Result<void> stopContainer(const QString &name, int timeoutSeconds = 10);
    Result<void> killContainer(const QString &name, const QString &signal = QStringLiteral("KILL"));
    Result<void> removeContainer(const QString &name, bool force = false, bool volumes = false);
    Result<QJsonObject> inspectContainer(const QString &name);
    // Waits until it is no longer running; its exit code.
    Result<int> waitContainer(const QString &name,
                              std::chrono::milliseconds timeout = std::chrono::minutes(5));

    // One sample of a container's use of the machine. The engine's own CPU percentage is not
    // used (podman leaves the previous sample empty): Paddock computes it from two samples.
    struct ContainerStats
    {
        qint64 cpuTotalNs = 0; // CPU time the container used, all CPUs
        qint64 systemNs = 0;   // CPU time the host used, all CPUs
        int onlineCpus = 1;
        qint64 memoryBytes = 0;
        qint64 memoryLimit = 0;
        int pids = 0;
        qint64 rxBytes = 0;
        qint64 txBytes = 0;
    };
    Result<ContainerStats> stats(const QString &name);
    // As `docker stats` shows it: 100 % is one CPU busy; 0 when there is nothing to compare.
    static double cpuPercent(const ContainerStats &previous, const ContainerStats &current);
    static ContainerStats parseStats(const QJsonObject &object);

    struct LogLine
    {
        enum class Stream { Stdout, Stderr } stream = Stream::Stdout;
        QByteArray text; // one line, without its newline
    };
    // The newest `tail` lines (all with tail < 0), stdout and stderr told apart.
    Result<QList<LogLine>> logs(const QString &name, int tail = -1);
    // Splits the engine's multiplexed log stream (8-byte frame headers) into lines; `rest` keeps
    // an incomplete frame for the next chunk.
    static QList<LogLine> demultiplex(QByteArray &rest, const QByteArray &chunk);

    // Runs `argv` in a running container and waits for it (no terminal, no input): its exit
    // code and what it wrote. `user` ("1000", "dev:dev") and `env` ("NAME=value") default to the
    // container's. Goes through POST /containers/{id}/exec, /exec/{id}/start and /exec/{id}/json.
    struct ExecResult
    {
        int exitCode = -1;
        QByteArray stdoutText;
        QByteArray stderrText;
    };
    Result<ExecResult> exec(const QString &container, const QStringList &argv, const QString &user = {},
                            const QStringList &env = {},
                            std::chrono::milliseconds timeout = std::chrono::minutes(1));

    // Files into and out of a container, running or not, as tar archives: `tar` is extracted into
    // the folder `path` (podman creates it when missing); getArchive returns `path` (a file or a folder) as a
    // tar. Owners: podman gives extracted files to the container's user when that is not root, and reports
    // every file as the container user's; dockerd keeps the tar's owners.
    Result<void> putArchive(const QString &container, const QString &path, const QByteArray &tar);
    Result<QByteArray> getArchive(const QString &container, const QString &path);

    // A named volume's files (with their modes, numeric owners and the volume's own top folder) to a
    // .tar.gz file and back. The engine has no API for volumes' contents, so a short-lived helper
    // container of `helperImage` (which needs sleep and GNU tar; labelled io.paddock.helper, always
    // removed) mounts the volume at /volume and runs tar as root: the archive API itself cannot
    // carry owners on podman. The file is written atomically. Restoring REPLACES the volume: it is
    // removed (it must not be in use) and created again with its labels, then the archive is
    // extracted into it. Both hold the archive in memory.
    Result<void> backupVolume(const QString &volume, const QString &helperImage, const QString &targetFile);
    Result<void> restoreVolume(const QString &volume, const QString &helperImage, const QString &sourceFile);

    // `name` (a container's, an image's, a volume's) as one segment of an API path.
    static QString encoded(const QString &name);

    // The sentence for a failure to reach the engine at `endpoint` (with what to do).
    static Error unreachable(const Endpoint &endpoint, const QString &detail);

private:
    // A running helper container (sleep, as root, no network) with `volume` at /volume; its name.
    Result<QString> createVolumeHelper(const QString &volume, const QString &helperImage);
    void removeVolumeHelper(const QString &helper);
    // The request body is `body`, or `upload` (read as it is sent) when that is set.
    Result<Response> send(const QByteArray &method, const QString &path, const QByteArray &body,
                          const QByteArray &contentType, std::chrono::milliseconds timeout,
                          QIODevice *upload = nullptr);
    Result<QString> import(const QByteArray &tar, QIODevice *upload, const QString &repository,
                           const QString &tag, const QStringList &changes);

    Endpoint m_endpoint;
    QString m_api = QString::fromLatin1(MaxApiVersion);
    QString m_engine; // "podman" or "docker" once connect() has asked
    void *m_curl = nullptr;
};

} // namespace paddock
