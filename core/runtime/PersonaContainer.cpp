#include "runtime/PersonaContainer.h"

#include "repo/WorkspaceMount.h"
#include "runtime/ImageBuilder.h"
#include "runtime/PersonaSockets.h"
#include "secrets/SecretDelivery.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QScopeGuard>
#include <QSet>

#include <cerrno>
#include <cstring>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaRuntime) // its sentences, translated as they were
};

// Whether the engine has an object at `path` (a network, a volume): 200 yes, 404 no.
Result<bool> exists(EngineClient &client, const QString &what, const QString &path)
{
    auto response = client.request("GET", path);
    if (!response)
        return std::unexpected(response.error());
    if (response->status == 200)
        return true;
    if (response->status == 404)
        return false;
    return fail(Error::Code::Unavailable,
                Text::tr("looking up %1: the engine answered %2").arg(what).arg(response->status),
                client.endpoint().socketPath, {});
}

// The engine's inspection of the persona's image; NotFound, with how to build it, when it is not there.
Result<QJsonObject> imageOf(EngineClient &client, const Persona &persona)
{
    auto image =
        client.request("GET", QStringLiteral("/images/%1/json").arg(EngineClient::encoded(persona.image)));
    if (!image)
        return std::unexpected(image.error());
    if (image->status == 404)
        return fail(Error::Code::NotFound,
                    Text::tr("the image %1 of persona %2 is not there").arg(persona.image, persona.name),
                    client.endpoint().socketPath,
                    Text::tr("Build it with \"Build agent image\" on the Personas page, or with "
                             "\"paddockctl image build\"."));
    if (image->status != 200)
        return fail(
            Error::Code::Unavailable,
            Text::tr("looking up the image %1: the engine answered %2").arg(persona.image).arg(image->status),
            client.endpoint().socketPath, {});
    return QJsonDocument::fromJson(image->body).object();
}

// Rootless podman can create a keep-id container without its user mapping when several are
// created at once through its Docker API (podman#20107): runc then refuses to start it. One
// container of this process is made at a time there, and one made without its mapping anyway
// (another client's at the same moment) is made once more.
Result<void> createAndStart(EngineClient &client, bool rootless, const QString &name, const QJsonObject &body)
{
    static QMutex oneAtATime;
    std::optional<QMutexLocker<QMutex>> lock;
    if (rootless)
        lock.emplace(&oneAtATime);
    for (int attempt = 0;; ++attempt) {
        if (auto created = client.createContainer(name, body); !created)
            return std::unexpected(created.error());
        auto started = client.startContainer(name);
        if (started || attempt > 0 || !rootless ||
            !started.error().message.contains(QStringLiteral("no user mapping found")))
            return started;
        if (auto removed = client.removeContainer(name, true); !removed)
            return started;
    }
}

// The persona's hardened create body, with the workspace, its socket folder and the relay in front
// of its entrypoint (`command`: the persona's, else the image's); an isolated persona's tools are
// pointed at the relay's proxy port, its one way out.
QJsonObject createBody(const Persona &persona, const EngineClient::Version &version, bool rootless,
                       const std::optional<WorkspaceMount> &workspace, const QString &relay,
                       const QString &entrypoint, const QStringList &command)
{
    QJsonObject spec = containerSpec(persona, version.engine);
    QJsonObject host = spec.value(QStringLiteral("HostConfig")).toObject();
    if (rootless && version.engine == QLatin1StringView("podman")) {
        // Rootless podman maps the container's uid 1000 to a subordinate uid that cannot write the
        // user's workspace: map it to the user instead.
        host.insert(QStringLiteral("UsernsMode"), QStringLiteral("keep-id:uid=1000,gid=1000"));
    }
    // Every way in or out is a socket of this folder; the relay comes from the host, read-only, so
    // that isolation does not depend on what the image holds.
    QJsonArray mounts = host.value(QStringLiteral("Mounts")).toArray();
    mounts.append(
        QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                    {QStringLiteral("Source"), PersonaSockets::folder(persona.name)},
                    {QStringLiteral("Target"), QLatin1StringView(PersonaSockets::ContainerFolder)}});
    mounts.append(QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                              {QStringLiteral("Source"), relay},
                              {QStringLiteral("Target"), QLatin1StringView(PersonaSockets::ContainerRelay)},
                              {QStringLiteral("ReadOnly"), true}});
    // Paddock's entrypoint of this version, over the image's copy (or into an image of the user's).
    mounts.append(QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                              {QStringLiteral("Source"), entrypoint},
                              {QStringLiteral("Target"), QLatin1StringView(ContainerEntrypoint)},
                              {QStringLiteral("ReadOnly"), true}});
    if (version.engine == QLatin1StringView("docker")) {
        // Docker cannot put files into a tmpfs of a running container (SecretDelivery): the secrets
        // folder is a folder of the user's runtime folder instead, read-only in the container.
        QJsonObject tmpfs = host.value(QStringLiteral("Tmpfs")).toObject();
        tmpfs.remove(QLatin1StringView(SecretDelivery::Folder));
        host.insert(QStringLiteral("Tmpfs"), tmpfs);
        mounts.append(QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                                  {QStringLiteral("Source"), PersonaSockets::secretsFolder(persona.name)},
                                  {QStringLiteral("Target"), QLatin1StringView(SecretDelivery::Folder)},
                                  {QStringLiteral("ReadOnly"), true}});
    }
    host.insert(QStringLiteral("Mounts"), mounts);
    spec.insert(QStringLiteral("HostConfig"), host);
    QList<int> inbound;
    if (persona.isolated())
        for (const Persona::Port &port : persona.ports)
            inbound << port.container;
    QJsonArray entry;
    for (const QString &part : PersonaSockets::relayCommand(persona.isolated(), inbound, command))
        entry.append(part);
    spec.insert(QStringLiteral("Entrypoint"), entry);
    spec.insert(QStringLiteral("Cmd"), QJsonArray{});
    QJsonArray env{QStringLiteral("HOME=/home/dev")};
    // A name, never a value: the key itself arrives in the secrets tmpfs.
    if (!persona.sshKey.isEmpty())
        env.append(QString(QStringLiteral("PADDOCK_SSH_KEY=") + persona.sshKey));
    if (persona.isolated()) {
        const QString proxy = QStringLiteral("http://127.0.0.1:%1").arg(PersonaSockets::ProxyPort);
        for (const char *name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"})
            env.append(QString(QLatin1StringView(name) + u'=' + proxy));
        // Nothing is direct: loopback is the container's own (the relay's ports, the agent's servers).
        for (const char *name : {"NO_PROXY", "no_proxy"})
            env.append(QString(QLatin1StringView(name) + QStringLiteral("=localhost,127.0.0.1,::1")));
        env.append(QString(QStringLiteral("PADDOCK_EGRESS_SOCKET=") +
                           QLatin1StringView(PersonaSockets::ContainerFolder) + QStringLiteral("/egress")));
    }
    spec.insert(QStringLiteral("Env"), env);
    if (workspace) {
        spec = withWorkspace(spec, workspace->hostPath, workspace->readOnlyDirs);
        spec.insert(QStringLiteral("WorkingDir"), QLatin1StringView(WorkspaceMountPoint));
    }
    QJsonObject labels = spec.value(QStringLiteral("Labels")).toObject();
    if (workspace)
        labels.insert(QStringLiteral("io.paddock.workspace"), workspace->hostPath);
    spec.insert(QStringLiteral("Labels"), labels);
    return spec;
}

// The command the relay runs: the persona's entrypoint, else the image's entrypoint and command.
QStringList commandOf(const Persona &persona, const QJsonObject &image)
{
    if (const QStringList command = persona.command(); !command.isEmpty())
        return command;
    QStringList out;
    const QJsonObject config = image.value(QStringLiteral("Config")).toObject();
    for (const char *key : {"Entrypoint", "Cmd"})
        for (const QJsonValue &part : config.value(QLatin1StringView(key)).toArray())
            out << part.toString();
    return out;
}

// An image that is not Paddock's agent image must have what Paddock's entrypoint needs: a shell
// (/bin/sh) and a user with uid 1000 (the persona's user). Checked once per image (by its id) in a
// throwaway container as hardened as the persona's, with no network.
Result<void> checkOwnImage(EngineClient &client, const EngineClient::Version &version, const Persona &persona,
                           const QJsonObject &image)
{
    const QJsonObject labels =
        image.value(QStringLiteral("Config")).toObject().value(QStringLiteral("Labels")).toObject();
    if (labels.value(QStringLiteral("io.paddock.image")).toString() == u"agent")
        return {};
    const QString id = image.value(QStringLiteral("Id")).toString();
    static QMutex mutex;
    static QSet<QString> fit;
    {
        QMutexLocker lock(&mutex);
        if (fit.contains(id))
            return {};
    }
    Persona probe = persona;
    probe.ports.clear();
    probe.volumes.clear();
    probe.trust = Persona::Trust::Restricted; // no network
    QJsonObject body = containerSpec(probe, version.engine);
    body.insert(
        QStringLiteral("Entrypoint"),
        QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                   QStringLiteral("while IFS=: read -r n p u rest; do [ \"$u\" = 1000 ] && exit 0; done "
                                  "</etc/passwd; exit 3")});
    body.insert(QStringLiteral("Cmd"), QJsonArray{});
    // As root (still without capabilities): podman adds a passwd entry for the uid a container runs
    // as, so only root's view shows the image's own users.
    body.insert(QStringLiteral("User"), QStringLiteral("0:0"));
    body.insert(QStringLiteral("Labels"),
                QJsonObject{{QLatin1StringView(PersonaLabel), persona.name},
                            {QStringLiteral("io.paddock.check"), QStringLiteral("image")}});
    const QString name = QStringLiteral("paddock-check-") + persona.name;
    (void)client.removeContainer(name, true);
    auto remove = qScopeGuard([&] { (void)client.removeContainer(name, true); });
    if (auto created = client.createContainer(name, body); !created)
        return std::unexpected(created.error());
    const QString hint =
        Text::tr("Use an image with a shell and a user with uid 1000 (a Dockerfile line such as "
                 "\"RUN useradd --uid 1000 --create-home dev\"), or Paddock's agent image.");
    if (auto started = client.startContainer(name); !started) {
        const QString why = started.error().message;
        if (why.contains(QStringLiteral("no such file")) || why.contains(QStringLiteral("not found")))
            return fail(
                Error::Code::Invalid,
                Text::tr("the image %1 of persona %2 has no shell (/bin/sh), which Paddock's entrypoint "
                         "needs")
                    .arg(persona.image, persona.name),
                persona.name, hint);
        return std::unexpected(started.error());
    }
    auto exit = client.waitContainer(name, std::chrono::seconds(30));
    if (!exit)
        return std::unexpected(exit.error());
    if (*exit == 3)
        return fail(
            Error::Code::Invalid,
            Text::tr("the image %1 of persona %2 has no user with uid 1000, the user a persona runs as")
                .arg(persona.image, persona.name),
            persona.name, hint);
    if (*exit != 0)
        return fail(
            Error::Code::Invalid,
            Text::tr(
                "the image %1 of persona %2 failed the check for a shell and a user 1000 (exit status %3)")
                .arg(persona.image, persona.name)
                .arg(*exit),
            persona.name, hint);
    QMutexLocker lock(&mutex);
    fit.insert(id);
    return {};
}

} // namespace

QString findEntrypoint()
{
    const QString path =
        QFileInfo(ImageBuilder::recipePath()).dir().filePath(QStringLiteral("paddock-agent"));
    return QFileInfo(path).isFile() ? path : QString();
}

// The volumes and container a persona needs; the container made anew (a stopped one is replaced,
// so that edits take effect; its volumes stay). Its socket folder is ready before (ensureSockets).
Result<void> preparePersonaContainer(EngineClient &client, const EngineClient::Version &version,
                                     bool rootless, const Persona &persona,
                                     const std::optional<WorkspaceMount> &workspace, const QString &relay,
                                     const QString &entrypoint)
{
    const QMap<QString, QString> labels{{QLatin1StringView(PersonaLabel), persona.name}};
    auto image = imageOf(client, persona);
    if (!image)
        return std::unexpected(image.error());
    const QStringList command = commandOf(persona, *image);
    if (command.isEmpty())
        return fail(
            Error::Code::Invalid,
            Text::tr("neither persona %1 nor its image %2 says what to run").arg(persona.name, persona.image),
            persona.name, Text::tr("Give the persona an entrypoint."));
    for (const Persona::Volume &volume : persona.volumes) {
        auto have = exists(client, Text::tr("volume %1").arg(volume.name),
                           QStringLiteral("/volumes/%1").arg(EngineClient::encoded(volume.name)));
        if (!have)
            return std::unexpected(have.error());
        if (!*have)
            if (auto made = client.createVolume(volume.name, labels); !made)
                return std::unexpected(made.error());
    }
    auto old = client.request(
        "GET", QStringLiteral("/containers/%1/json").arg(EngineClient::encoded(persona.containerName())));
    if (!old)
        return std::unexpected(old.error());
    if (old->status == 200) {
        const QJsonObject o = QJsonDocument::fromJson(old->body).object();
        if (o.value(QStringLiteral("State")).toObject().value(QStringLiteral("Running")).toBool())
            if (auto killed = client.killContainer(persona.containerName()); !killed)
                return std::unexpected(killed.error());
        if (auto removed = client.removeContainer(persona.containerName(), true); !removed)
            return std::unexpected(removed.error());
    }
    // The internal network an isolated persona had before it had none: nothing is on it now.
    if (persona.isolated())
        (void)client.removeNetwork(persona.networkName());
    if (auto fits = checkOwnImage(client, version, persona, *image); !fits)
        return fits;
    const QJsonObject body = createBody(persona, version, rootless, workspace, relay, entrypoint, command);
    return createAndStart(client, rootless, persona.containerName(), body);
}

QString signInContainerName(const QString &persona)
{
    return QStringLiteral("paddock-") + persona + QStringLiteral("-sign-in");
}

Result<void> prepareSignInContainer(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                    const Persona &persona, const QString &relay, const QString &entrypoint,
                                    const QStringList &login)
{
    const QString name = signInContainerName(persona.name);
    auto image = imageOf(client, persona);
    if (!image)
        return std::unexpected(image.error());
    if (auto fits = checkOwnImage(client, version, persona, *image); !fits)
        return fits;
    (void)client.removeContainer(name, true); // a sign-in left from before (Paddock ended during it)
    Persona bare = persona;
    bare.volumes.clear();
    bare.ports.clear();
    bare.agent = {};
    bare.entrypoint = QStringList{QLatin1StringView(ContainerEntrypoint), QStringLiteral("sign-in"),
                                  Persona::Agent::kindName(persona.agent.kind), QStringLiteral("--")} +
                      login;
    QJsonObject body = createBody(bare, version, rootless, std::nullopt, relay, entrypoint, bare.command());
    QJsonObject host = body.value(QStringLiteral("HostConfig")).toObject();
    QJsonArray mounts;
    for (const QJsonValue &m : host.value(QStringLiteral("Mounts")).toArray())
        if (m.toObject().value(QStringLiteral("Target")).toString() !=
            QLatin1StringView(SecretDelivery::Folder))
            mounts.append(m); // docker's secrets folder is the persona's: not for this container
    host.insert(QStringLiteral("Mounts"), mounts);
    host.remove(QStringLiteral("PortBindings"));
    body.insert(QStringLiteral("HostConfig"), host);
    // No secrets come (so none are waited for); the agent's environment (its CA certificates, its
    // gateway) is the login's too: names checked as the persona's, and no values that are keys.
    QJsonArray env = body.value(QStringLiteral("Env")).toArray();
    env.append(QStringLiteral("PADDOCK_SECRETS_WAIT=0"));
    for (auto it = persona.agent.env.cbegin(); it != persona.agent.env.cend(); ++it)
        env.append(QString(it.key() + u'=' + it.value()));
    body.insert(QStringLiteral("Env"), env);
    QJsonObject labels = body.value(QStringLiteral("Labels")).toObject();
    labels.remove(QLatin1StringView(PersonaLabel));
    labels.remove(QStringLiteral("io.paddock.workspace"));
    labels.insert(QLatin1StringView(SignInLabel), persona.name);
    // Whose it is: a sign-in container whose process is gone was left behind (removeStaleSignIns).
    labels.insert(QStringLiteral("io.paddock.sign-in.owner"),
                  QString::number(QCoreApplication::applicationPid()));
    body.insert(QStringLiteral("Labels"), labels);
    return createAndStart(client, rootless, name, body);
}

QString jobContainerName(const QString &runKey)
{
    return QStringLiteral("paddock-") + runKey;
}

Result<void> prepareJobContainer(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                 const Persona &persona, const JobContainer &run, const QString &relay,
                                 const QString &entrypoint)
{
    auto image = imageOf(client, persona);
    if (!image)
        return std::unexpected(image.error());
    if (auto fits = checkOwnImage(client, version, persona, *image); !fits)
        return fits;
    const QString name = jobContainerName(run.key);
    (void)client.removeContainer(name, true); // one left from before (Paddock ended during its run)
    // The persona's image, hardening, trust and limits; its own socket folder (the run's key); no
    // volumes (a fresh home each run) and no published ports; the command after paddock-agent's
    // secrets and agent configuration, in the workspace.
    Persona fresh = persona;
    fresh.name = run.key;
    fresh.volumes.clear();
    fresh.ports.clear();
    fresh.proxyLoopbackPort = 0;
    fresh.entrypoint = QStringList{QLatin1StringView(ContainerEntrypoint), QStringLiteral("--")} + run.command;
    QJsonObject body = createBody(fresh, version, rootless, run.workspace, relay, entrypoint, fresh.command());
    QJsonObject host = body.value(QStringLiteral("HostConfig")).toObject();
    host.remove(QStringLiteral("PortBindings"));
    body.insert(QStringLiteral("HostConfig"), host);
    QJsonArray env = body.value(QStringLiteral("Env")).toArray();
    for (auto it = persona.agent.env.cbegin(); it != persona.agent.env.cend(); ++it)
        env.append(QString(it.key() + u'=' + it.value()));
    body.insert(QStringLiteral("Env"), env);
    QJsonObject labels = body.value(QStringLiteral("Labels")).toObject();
    labels.remove(QLatin1StringView(PersonaLabel)); // not the persona's container
    labels.insert(QLatin1StringView(JobLabel), run.job);
    labels.insert(QStringLiteral("io.paddock.job.persona"), persona.name);
    labels.insert(QStringLiteral("io.paddock.job.run"), QString::number(run.runId));
    labels.insert(QStringLiteral("io.paddock.job.owner"), QString::number(QCoreApplication::applicationPid()));
    body.insert(QStringLiteral("Labels"), labels);
    return createAndStart(client, rootless, name, body);
}

// Hands a folder and everything in it to `uid` (links themselves, never what they point to).
Result<void> chownTree(const QString &root, int uid)
{
    static thread_local int owner = 0;
    owner = uid;
    const int rc = ::nftw(
        QFile::encodeName(root).constData(),
        +[](const char *path, const struct stat *, int, struct FTW *) -> int {
            return ::lchown(path, uid_t(owner), gid_t(owner)) == 0 ? 0 : errno;
        },
        64, FTW_PHYS);
    if (rc != 0)
        return fail(Error::Code::Io,
                    Text::tr("could not hand the workspace to the container user: %1")
                        .arg(QString::fromLocal8Bit(std::strerror(rc > 0 ? rc : errno))),
                    root, Text::tr("Check that the data folder is on a file system that keeps owners."));
    return {};
}

} // namespace paddock
