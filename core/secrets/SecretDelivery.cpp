#include "secrets/SecretDelivery.h"

#include "runtime/EngineClient.h"
#include "runtime/Tar.h"
#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDateTime>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SecretDelivery)
};
} // namespace

// Why PUT archive and not `exec sh -c 'cat > file'`: checked on podman 5.4 (see
// tests/core/test_secret_delivery.cpp), extracting into a running container lands in its tmpfs
// mounts (the files are there, the writable layer stays clean), keeps the tar's owner and mode,
// and needs no shell, no stdin attach and no process in the container. (It does NOT in a plain
// chroot, where runc's namespace root is the host's: scripts/in-root therefore pivots.)
Result<void> SecretDelivery::deliver(EngineClient &client, const QString &container,
                                     const QMap<QString, QByteArray> &secrets, int uid)
{
    const QString folder = QLatin1StringView(Folder);
    auto inspected = client.inspectContainer(container);
    if (!inspected)
        return std::unexpected(inspected.error());
    const QJsonObject state = inspected->value(QStringLiteral("State")).toObject();
    if (!state.value(QStringLiteral("Running")).toBool())
        return fail(
            Error::Code::Invalid,
            Text::tr("cannot deliver secrets to container %1: it is not running").arg(container), {},
            Text::tr("Start the container first; its secrets folder is a tmpfs that exists only while "
                     "it runs."));
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QByteArray tar;
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        if (auto valid = SecretStore::validateName(it.key()); !valid)
            return std::unexpected(valid.error());
        tar += Tar::entry({it.key(), 0400, uid, uid, now, '0'}, it.value());
    }
    if (!secrets.isEmpty()) {
        tar += Tar::end();
        auto put = client.putArchive(container, folder, tar);
        tar.fill('\0');
        if (!put)
            return std::unexpected(put.error());
    }
    // Separately and last: when the entrypoint sees .ready, every secret is complete.
    auto ready = client.putArchive(
        container, folder, Tar::entry({QLatin1StringView(ReadyFile), 0400, uid, uid, now, '0'}) + Tar::end());
    if (!ready)
        return std::unexpected(ready.error());
    return {};
}

} // namespace paddock
