#include "common/UnixSocket.h"

#include <QCoreApplication>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::UnixSocket)
};
} // namespace

Result<UnixListener> listenUnixSocket(const QString &path, mode_t mode, int backlog)
{
    const QByteArray file = QFile::encodeName(path);
    int fd = -1;
    auto failed = [&](const QString &what) -> Result<UnixListener> {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return fail(Error::Code::Unavailable, QStringLiteral("%1 (%2)").arg(what, why), path, {});
    };
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (size_t(file.size()) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return failed(Text::tr("the socket's path is too long"));
    }
    std::memcpy(sa.sun_path, file.constData(), size_t(file.size()));
    if (::unlink(file.constData()) != 0 && errno != ENOENT)
        return failed(Text::tr("cannot remove what is there"));
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed(Text::tr("no socket"));
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&sa), sizeof(sa)) != 0)
        return failed(Text::tr("bind failed"));
    if (::chmod(file.constData(), mode) != 0)
        return failed(Text::tr("cannot set the socket's mode"));
    if (::listen(fd, backlog) != 0)
        return failed(Text::tr("listen failed"));
    struct stat st{};
    if (::lstat(file.constData(), &st) != 0)
        return failed(Text::tr("the socket is gone"));
    return UnixListener{fd, st.st_ino};
}

bool isBoundAt(const QString &path, ino_t inode)
{
    struct stat st{};
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 && S_ISSOCK(st.st_mode) &&
           st.st_ino == inode;
}

} // namespace paddock
