#pragma once

#include "common/Error.h"

#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>

class QProcess;
class QTimer;

namespace paddock {

// The git transport between a persona's container and the host-side mirrors of its workspaces:
// a Unix socket per persona (`git` in the persona's socket folder, bind-mounted into its container,
// where paddock-relay offers it as git://127.0.0.1:9418), and for each connection a
// `git daemon --inetd` serving only the mirrors of that persona's workspaces, with receive-pack
// enabled. The persona is known from the socket the connection came in on, never from the client.
// Never a writable mount.
//
// Each served mirror gets a pre-receive hook that asks `paddockctl policy check git-push` about
// every pushed ref; the persona comes from the daemon's environment (PADDOCK_PERSONA, set here).
// All of it stops with this object. Lives on a thread with an event loop (QProcess, QSocketNotifier).
class GitTransport final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GitTransport)

public:
    // Where the relay offers the transport inside a container.
    static constexpr int ContainerPort = 9418;
    // Connections served at once per persona; more wait in the socket's backlog.
    static constexpr int MaxConnections = 16;

    struct Options
    {
        QString mirrorsDir; // WorkspaceBuilder::mirrorsDir()
        QString paddockctl; // the paddockctl the hooks run
        QString configDir;  // passed to the hooks' paddockctl (--config)
        QString dataDir;    // the hooks' PADDOCK_DATA_DIR (where the audit log is)
        QString gitDaemon = QStringLiteral("/usr/lib/git-core/git-daemon");
    };

    explicit GitTransport(Options options, QObject *parent = nullptr);
    ~GitTransport() override;

    // Listens on the Unix socket `socketPath` for `persona` (again: only what changed), serving
    // `mirrors` (folders inside mirrorsDir; their hooks are installed first). What is at the path is
    // replaced; the socket is 0666 (its folder keeps others out). An empty list stops it.
    Result<void> serve(const QString &persona, const QString &socketPath, const QStringList &mirrors);
    // The same for one run of `job` (in `persona`), under `key`: its pushes are the job's, and
    // `branch` (its run's) is the one Paddock::Job's policies let it push.
    Result<void> serveJob(const QString &key, const QString &persona, const QString &job, const QString &branch,
                          const QString &socketPath, const QStringList &mirrors);
    void stop(const QString &persona);
    void stopAll();

    // Whether the persona's socket is listening.
    bool isReady(const QString &persona) const;
    // git://127.0.0.1:9418, the base of the workspaces' `local` URLs inside the container
    // (WorkspaceRequest::transportBase).
    static QString baseUrl() { return QStringLiteral("git://127.0.0.1:%1").arg(ContainerPort); }

    // Writes `mirror`/hooks/pre-receive (0755), naming the mirror's repository (its folder name
    // without ".git") and the paddockctl to ask.
    static Result<void> installHook(const QString &mirror, const QString &paddockctl,
                                    const QString &configDir);
    static QByteArray hookScript(const QString &repository, const QString &paddockctl,
                                 const QString &configDir);

signals:
    // The persona's socket is listening.
    void ready(const QString &persona);
    // The persona's socket cannot listen, or a daemon could not start; what went wrong.
    void problem(const QString &persona, const paddock::Error &error);

private:
    struct Instance;
    void accept(Instance &instance);
    void launch(Instance &instance, int client);

    Options m_options;
    std::map<QString, std::unique_ptr<Instance>> m_instances;
};

} // namespace paddock
