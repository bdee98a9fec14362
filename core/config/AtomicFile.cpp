#include "config/AtomicFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <fcntl.h>
#include <unistd.h>

namespace paddock::AtomicFile {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AtomicFile)
};

void syncDirectory(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}
} // namespace

QString backupPath(const QString &path)
{
    return path + QStringLiteral(".bak");
}

Result<void> write(const QString &path, const QByteArray &data)
{
    const QFileInfo info(path);
    const QString dir = info.absolutePath();
    if (!QDir().mkpath(dir))
        return fail(Error::Code::Io, Text::tr("cannot create the folder"), dir,
                    Text::tr("Check its permissions and free space."));

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(Error::Code::Io, Text::tr("cannot write: %1").arg(file.errorString()), path,
                    Text::tr("Check the folder's permissions and free space."));
    if (file.write(data) != data.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(Error::Code::Io, Text::tr("cannot write: %1").arg(reason), path,
                    Text::tr("Check free space."));
    }

    // Keep the version being replaced. A hard link costs nothing and is itself atomic.
    if (info.exists()) {
        const QString bak = backupPath(path);
        const QByteArray from = QFile::encodeName(path), to = QFile::encodeName(bak);
        ::unlink(to.constData());
        if (::link(from.constData(), to.constData()) != 0 && !QFile::copy(path, bak)) {
            file.cancelWriting();
            return fail(Error::Code::Io, Text::tr("cannot keep the previous version"), bak,
                        Text::tr("Check the folder's permissions and free space."));
        }
    }

    if (!file.commit()) // flushes, fsyncs and renames over `path`
        return fail(Error::Code::Io, Text::tr("cannot replace the file: %1").arg(file.errorString()), path,
                    Text::tr("Check the folder's permissions and free space."));
    syncDirectory(dir);
    return {};
}

Result<QByteArray> read(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return fail(Error::Code::NotFound, Text::tr("no such file"), path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(Error::Code::Io, Text::tr("cannot read: %1").arg(file.errorString()), path,
                    Text::tr("Check the file's permissions."));
    return file.readAll();
}

} // namespace paddock::AtomicFile
