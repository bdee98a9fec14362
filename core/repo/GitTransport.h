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

class EngineClient;

// The git transport between a persona's container and the host-side mirrors of its workspaces:
// one `git daemon` per persona, listening only on the gateway address of the persona's internal
// network (the one host address its container can reach), serving only the mirrors of that
// persona's workspaces, with receive-pack enabled. Never a writable mount.
//
// Each served mirror gets a pre-receive hook that asks `paddockctl policy check git-push` about
// every pushed ref; the persona comes from the daemon's environment (PADDOCK_PERSONA, set here),
// never from the client. A daemon that dies (or cannot bind yet: the gateway address exists only
// while a container is on the network) is started again with backoff (1 s doubling to 30 s);
// all of them stop with this object. Lives on a thread with an event loop (QProcess).
class GitTransport final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GitTransport)

public:
    static constexpr int DefaultPort = 9418;

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

    // Starts (or, when something changed, restarts) the persona's daemon on address:port serving
    // `mirrors` (folders inside mirrorsDir; their hooks are installed first). An empty list stops it.
    Result<void> serve(const QString &persona, const QString &address, const QStringList &mirrors,
                       int port = DefaultPort);
    void stop(const QString &persona);
    void stopAll();

    // Whether the persona's daemon said it is listening.
    bool isReady(const QString &persona) const;
    // git://<address>:<port>: the base of the workspaces' `local` URLs (WorkspaceRequest::transportBase).
    QString baseUrl(const QString &persona) const;
    static QString baseUrl(const QString &address, int port)
    {
        return QStringLiteral("git://%1:%2").arg(address).arg(port);
    }

    // Writes `mirror`/hooks/pre-receive (0755), naming the mirror's repository (its folder name
    // without ".git") and the paddockctl to ask.
    static Result<void> installHook(const QString &mirror, const QString &paddockctl,
                                    const QString &configDir);
    static QByteArray hookScript(const QString &repository, const QString &paddockctl,
                                 const QString &configDir);

    // The gateway address of an engine network (IPAM.Config[].Gateway), or an error saying the
    // network has none (podman gives internal networks one only when asked: createNetworkWithGateway).
    static Result<QString> gatewayAddress(EngineClient &client, const QString &network);
    // The IPv4 subnet of that network ("10.89.3.0/24": IPAM.Config[].Subnet of its gateway's
    // entry): where its containers' addresses are.
    static Result<QString> subnetOf(EngineClient &client, const QString &network);
    // An internal network without DNS, as EngineClient::createInternalNetwork, with a gateway address
    // on the host: a free 10.89.N.0/24 (from the top of podman's pool down), gateway 10.89.N.1.
    // Returns the gateway address.
    // On podman through its own API (/libpod), whose compat API ignores dns_enabled.
    static Result<QString> createNetworkWithGateway(EngineClient &client, const QString &name,
                                                    const QMap<QString, QString> &labels);
    // Whether podman runs its DNS server (aardvark-dns) on the network (networks made through the
    // compat API before); false for other engines.
    static bool hasDns(EngineClient &client, const QString &network);
    // The version prefix of podman's own API (/v4.0.0/libpod/…; it refuses the compat ones there).
    static constexpr const char *PodmanApiVersion = "4.0.0";

signals:
    // The persona's daemon is listening.
    void ready(const QString &persona);
    // The persona's daemon could not start or died (it is started again); what it said.
    void problem(const QString &persona, const paddock::Error &error);

private:
    struct Instance;
    void launch(Instance &instance);
    void scheduleRestart(Instance &instance);

    Options m_options;
    std::map<QString, std::unique_ptr<Instance>> m_instances;
};

} // namespace paddock
