#include "repo/GitTransport.h"

#include "common/ShellQuote.h"
#include "common/UnixSocket.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSaveFile>
#include <QSet>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::GitTransport)
};

constexpr int StopTimeoutMs = 3000;
} // namespace

struct GitTransport::Instance
{
    QString persona;
    QString job;       // a job's run: the job pushes (in its persona)
    QString jobBranch; // and the branch it may push (Paddock::Job's `branch`)
    QString path;
    QStringList mirrors;
    int fd = -1;
    ino_t inode = 0;
    QSocketNotifier *notifier = nullptr;
    QSet<QProcess *> daemons; // one per connection being served
};

GitTransport::GitTransport(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_options.mirrorsDir = QDir::cleanPath(QDir(m_options.mirrorsDir).absolutePath());
}

GitTransport::~GitTransport()
{
    stopAll();
}

QByteArray GitTransport::hookScript(const QString &repository, const QString &paddockctl,
                                    const QString &configDir)
{
    QString script = QStringLiteral(R"(#!/bin/sh
# Installed by Paddock (GitTransport). Every pushed ref is decided by the persona's Cedar policy:
# paddockctl records the decision in the audit log and refuses with the policy's reason. The persona
# is the one Paddock started this mirror's git daemon for, never something the client says.
if [ -z "$PADDOCK_PERSONA" ]; then
    echo "paddock: pushes to this mirror go through Paddock's git transport only" >&2
    exit 1
fi
zero=0000000000000000000000000000000000000000
status=0
while read -r old new ref; do
    set --
    if [ "$new" = "$zero" ]; then
        set -- --delete
    elif [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
        set -- --force
    fi
    if [ -n "${PADDOCK_JOB:-}" ]; then
        set -- "$@" --job "$PADDOCK_JOB" --job-branch "${PADDOCK_JOB_BRANCH:-}"
    fi
    @PADDOCKCTL@ policy check git-push @CONFIG@--persona "$PADDOCK_PERSONA" --repo @REPO@ --ref "$ref" "$@" || status=1
done
exit $status
)");
    script.replace(QStringLiteral("@PADDOCKCTL@"), shellQuoted(paddockctl));
    script.replace(QStringLiteral("@CONFIG@"),
                   configDir.isEmpty() ? QString()
                                       : QStringLiteral("--config ") + shellQuoted(configDir) + u' ');
    script.replace(QStringLiteral("@REPO@"), shellQuoted(repository));
    return script.toUtf8();
}

Result<void> GitTransport::installHook(const QString &mirror, const QString &paddockctl,
                                       const QString &configDir)
{
    if (!QFileInfo(mirror + QStringLiteral("/objects")).isDir())
        return fail(Error::Code::NotFound, Text::tr("this is not a mirror (no objects folder)"), mirror,
                    Text::tr("Make the workspace again; its mirror is missing."));
    const QString repository = QFileInfo(mirror).completeBaseName();
    const QString path = mirror + QStringLiteral("/hooks/pre-receive");
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(hookScript(repository, paddockctl, configDir)) < 0 ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                             QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                             QFileDevice::ExeOther) ||
        !file.commit())
        return fail(Error::Code::Io, Text::tr("cannot write the push hook: %1").arg(file.errorString()), path,
                    Text::tr("Check the permissions of Paddock's data folder."));
    return {};
}

Result<void> GitTransport::serve(const QString &persona, const QString &socketPath,
                                 const QStringList &mirrors)
{
    if (mirrors.isEmpty()) {
        stop(persona);
        return {};
    }
    if (socketPath.isEmpty())
        return fail(Error::Code::Invalid, Text::tr("no socket to listen on"), persona,
                    Text::tr("This is a bug in Paddock: please report it."));
    QStringList served;
    for (const QString &m : mirrors) {
        const QString path = QDir::cleanPath(QDir(m).absolutePath());
        if (QFileInfo(path).path() != m_options.mirrorsDir)
            return fail(Error::Code::Invalid,
                        Text::tr("only mirrors in %1 are served").arg(m_options.mirrorsDir), path,
                        Text::tr("This is a bug in Paddock: please report it."));
        if (auto hook = installHook(path, m_options.paddockctl, m_options.configDir); !hook)
            return hook;
        served << path;
    }
    served.sort();
    if (auto it = m_instances.find(persona); it != m_instances.end()) {
        Instance &instance = *it->second;
        if (instance.path == socketPath && isBoundAt(socketPath, instance.inode)) {
            instance.mirrors = served; // connections from now on see the new list
            return {};
        }
        stop(persona); // another path, or the folder was made anew: listen again
    }
    // The container's user may be another uid than Paddock's (a rootful engine): the socket is open
    // to all, the persona's folder keeps everyone else out.
    auto bound = listenUnixSocket(socketPath, 0666, 64);
    if (!bound)
        return fail(Error::Code::Unavailable,
                    Text::tr("the git transport of %1 cannot listen: %2").arg(persona, bound.error().message),
                    socketPath,
                    Text::tr("Check that the persona's socket folder exists and belongs to you."));
    const int fd = bound->fd;
    auto &instance = m_instances[persona];
    instance = std::make_unique<Instance>();
    instance->persona = persona;
    instance->path = socketPath;
    instance->mirrors = served;
    instance->fd = fd;
    instance->inode = bound->inode;
    instance->notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    Instance *raw = instance.get();
    connect(instance->notifier, &QSocketNotifier::activated, this, [this, raw] { accept(*raw); });
    emit ready(persona);
    return {};
}

Result<void> GitTransport::serveJob(const QString &key, const QString &persona, const QString &job,
                                    const QString &branch, const QString &socketPath,
                                    const QStringList &mirrors)
{
    if (auto served = serve(key, socketPath, mirrors); !served)
        return served;
    if (auto it = m_instances.find(key); it != m_instances.end()) {
        it->second->persona = persona;
        it->second->job = job;
        it->second->jobBranch = branch;
    }
    return {};
}

void GitTransport::accept(Instance &instance)
{
    while (instance.daemons.size() < MaxConnections) {
        const int client = ::accept4(instance.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            return;
        launch(instance, client);
        ::close(client); // the daemon has its own copy
    }
    // Full: the rest wait in the backlog until a daemon ends.
    instance.notifier->setEnabled(false);
}

void GitTransport::launch(Instance &instance, int client)
{
    auto *process = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PADDOCK_PERSONA"), instance.persona);
    env.remove(QStringLiteral("PADDOCK_JOB"));
    env.remove(QStringLiteral("PADDOCK_JOB_BRANCH"));
    if (!instance.job.isEmpty()) {
        env.insert(QStringLiteral("PADDOCK_JOB"), instance.job);
        env.insert(QStringLiteral("PADDOCK_JOB_BRANCH"), instance.jobBranch);
    }
    if (!m_options.dataDir.isEmpty())
        env.insert(QStringLiteral("PADDOCK_DATA_DIR"), m_options.dataDir);
    process->setProcessEnvironment(env);
    // The connection is the daemon's standard input and output (inetd style); its log stays apart.
    process->setStandardInputFile(QProcess::nullDevice());
    process->setStandardOutputFile(QProcess::nullDevice());
    process->setChildProcessModifier([client] {
        ::dup2(client, STDIN_FILENO);
        ::dup2(client, STDOUT_FILENO);
    });
    QStringList args{QStringLiteral("--inetd"),
                     QStringLiteral("--base-path=") + m_options.mirrorsDir,
                     QStringLiteral("--export-all"),
                     QStringLiteral("--strict-paths"),
                     QStringLiteral("--enable=receive-pack"),
                     QStringLiteral("--disable=upload-archive"),
                     QStringLiteral("--timeout=300"),
                     QStringLiteral("--init-timeout=10"),
                     QStringLiteral("--log-destination=stderr")};
    args += instance.mirrors;
    Instance *raw = &instance;
    raw->daemons.insert(process);
    auto done = [raw, process] {
        if (!raw->daemons.remove(process))
            return;
        process->deleteLater();
        if (raw->notifier)
            raw->notifier->setEnabled(true); // room again for what waits in the backlog
    };
    connect(process, &QProcess::errorOccurred, this,
            [this, raw, process, done](QProcess::ProcessError error) {
                if (error != QProcess::FailedToStart)
                    return;
                emit problem(raw->persona,
                             Error{Error::Code::Unavailable,
                                   Text::tr("cannot start git daemon: %1").arg(process->errorString()),
                                   m_options.gitDaemon, Text::tr("Install git (git daemon is part of it).")});
                done();
            });
    connect(process, &QProcess::finished, this, done);
    process->start(m_options.gitDaemon, args);
}

void GitTransport::stop(const QString &persona)
{
    auto it = m_instances.find(persona);
    if (it == m_instances.end())
        return;
    Instance &instance = *it->second;
    delete instance.notifier;
    instance.notifier = nullptr;
    if (instance.fd >= 0) {
        ::close(instance.fd);
        ::unlink(QFile::encodeName(instance.path).constData());
    }
    const QSet<QProcess *> daemons = std::exchange(instance.daemons, {});
    for (QProcess *process : daemons) {
        process->disconnect(this);
        process->terminate();
    }
    for (QProcess *process : daemons) {
        if (!process->waitForFinished(StopTimeoutMs)) {
            process->kill();
            process->waitForFinished(StopTimeoutMs);
        }
        delete process;
    }
    m_instances.erase(it);
}

void GitTransport::stopAll()
{
    while (!m_instances.empty())
        stop(m_instances.begin()->first);
}

bool GitTransport::isReady(const QString &persona) const
{
    return m_instances.find(persona) != m_instances.end();
}

} // namespace paddock
