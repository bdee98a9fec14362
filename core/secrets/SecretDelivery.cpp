#include "secrets/SecretDelivery.h"

#include "agents/AgentConfig.h"
#include "runtime/EngineClient.h"
#include "runtime/Tar.h"
#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SecretDelivery)
};
// A secret's name, or one of Paddock's own files for the agents (AgentConfig).
Result<void> validFileName(const QString &name)
{
    if (AgentConfig::isOwnFile(name))
        return {};
    return SecretStore::validateName(name);
}

// Writes each secret as a 0400 file of `uid` into `folder` on the host (a folder bind-mounted as the
// container's secrets folder: Docker cannot extract into a tmpfs, see deliver), `.ready` last.
Result<void> writeToFolder(const QString &folder, const QMap<QString, QByteArray> &secrets, int uid)
{
    auto write = [&](const QString &name, const QByteArray &value) -> Result<void> {
        const QString path = QDir(folder).filePath(name);
        const QByteArray file = QFile::encodeName(path);
        ::unlink(file.constData());
        const int fd = ::open(file.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
        bool ok = fd >= 0;
        for (qsizetype done = 0; ok && done < value.size();) {
            const ssize_t n = ::write(fd, value.constData() + done, size_t(value.size() - done));
            ok = n > 0;
            done += ok ? n : 0;
        }
        if (ok && ::geteuid() == 0)
            ok = ::fchown(fd, uid_t(uid), gid_t(uid)) == 0;
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        if (!ok)
            return fail(
                Error::Code::Io,
                Text::tr("cannot write a secret: %1").arg(QString::fromLocal8Bit(std::strerror(error))), path,
                Text::tr("Check that your runtime folder ($XDG_RUNTIME_DIR) is writable."));
        return {};
    };
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        if (auto valid = validFileName(it.key()); !valid)
            return valid;
        if (auto written = write(it.key(), it.value()); !written)
            return written;
    }
    return write(QLatin1StringView(SecretDelivery::ReadyFile), {});
}
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
    // Docker extracts an archive beside, not into, a tmpfs of a running container (the copy reports
    // success and the file is not there): there the secrets folder is a host folder of the user's
    // runtime folder (a tmpfs on a desktop) bind-mounted read-only, and written here directly.
    for (const QJsonValue &m : inspected->value(QStringLiteral("Mounts")).toArray()) {
        const QJsonObject mount = m.toObject();
        if (mount.value(QStringLiteral("Destination")).toString() == folder &&
            mount.value(QStringLiteral("Type")).toString() == u"bind")
            return writeToFolder(mount.value(QStringLiteral("Source")).toString(), secrets, uid);
    }
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QByteArray tar;
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        if (auto valid = validFileName(it.key()); !valid)
            return valid;
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
