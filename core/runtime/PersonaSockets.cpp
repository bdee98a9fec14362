#include "runtime/PersonaSockets.h"

#include "config/Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace paddock::PersonaSockets {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaSockets)
};

Result<void> failed(const QString &what, const QString &path)
{
    return fail(Error::Code::Io, Text::tr("%1: %2").arg(what, QString::fromLocal8Bit(std::strerror(errno))),
                path,
                Text::tr("Check that your runtime folder ($XDG_RUNTIME_DIR) exists and belongs to you."));
}
} // namespace

QString folder(const QString &persona)
{
    return QDir(Paths::runtimeDir()).filePath(QStringLiteral("paddock/personas/") + persona);
}

QString egress(const QString &persona)
{
    return folder(persona) + QStringLiteral("/egress");
}

QString git(const QString &persona)
{
    return folder(persona) + QStringLiteral("/git");
}

QString inbound(const QString &persona, int containerPort)
{
    return folder(persona) + QStringLiteral("/port-%1").arg(containerPort);
}

namespace {
Result<void> prepareFolder(const QString &kind, const QString &persona, int ownerUid)
{
    const QString path =
        QDir(Paths::runtimeDir()).filePath(QStringLiteral("paddock/") + kind + u'/' + persona);
    // Each level made here is the user's alone.
    QString level = Paths::runtimeDir();
    for (const QString &part : {QStringLiteral("paddock"), kind, persona}) {
        level += u'/' + part;
        const QByteArray name = QFile::encodeName(level);
        if (::mkdir(name.constData(), 0700) != 0 && errno != EEXIST)
            return failed(Text::tr("cannot make the persona's socket folder"), level);
    }
    const QByteArray name = QFile::encodeName(path);
    struct stat st{};
    if (::lstat(name.constData(), &st) != 0 || !S_ISDIR(st.st_mode))
        return failed(Text::tr("the persona's socket folder is not a folder"), path);
    const uid_t me = ::geteuid();
    const uid_t owner = ownerUid < 0 ? me : uid_t(ownerUid);
    mode_t mode = 0700;
    if (st.st_uid != owner) {
        if (me == 0) {
            if (::lchown(name.constData(), owner, owner) != 0)
                return failed(Text::tr("cannot hand the socket folder to the container's user"), path);
        } else if (owner != me) {
            mode = 0777; // see the header: the runtime folder above keeps others out
        }
    }
    if ((st.st_mode & 07777) != mode && ::chmod(name.constData(), mode) != 0)
        return failed(Text::tr("cannot set the socket folder's permissions"), path);
    return {};
}
} // namespace

Result<void> prepare(const QString &persona, int ownerUid)
{
    return prepareFolder(QStringLiteral("personas"), persona, ownerUid);
}

QString secretsFolder(const QString &persona)
{
    return QDir(Paths::runtimeDir()).filePath(QStringLiteral("paddock/secrets/") + persona);
}

Result<void> prepareSecrets(const QString &persona, int ownerUid)
{
    clearSecrets(persona);
    return prepareFolder(QStringLiteral("secrets"), persona, ownerUid);
}

void clearSecrets(const QString &persona)
{
    QDir dir(secretsFolder(persona));
    for (const QString &name : dir.entryList(QDir::Files | QDir::Hidden | QDir::System))
        dir.remove(name);
}

QStringList relayCommand(bool egress, const QList<int> &inboundPorts, const QStringList &command)
{
    QStringList out{QLatin1StringView(ContainerRelay), QStringLiteral("serve"),
                    QStringLiteral("--dir"),           QLatin1StringView(ContainerFolder),
                    QStringLiteral("--proxy-port"),    QString::number(egress ? ProxyPort : 0),
                    QStringLiteral("--git-port"),      QString::number(GitPort)};
    for (const int port : inboundPorts)
        out << QStringLiteral("--inbound") << QString::number(port);
    out << QStringLiteral("--");
    out << command;
    return out;
}

QString findRelay()
{
    const QString here = QCoreApplication::applicationDirPath();
    const QStringList candidates{
        qEnvironmentVariable("PADDOCK_RELAY"), here + QStringLiteral("/../libexec/paddock/paddock-relay"),
        here + QStringLiteral("/paddock-relay"), here + QStringLiteral("/../relay/paddock-relay"),
        here + QStringLiteral("/../../relay/paddock-relay")};
    for (const QString &candidate : candidates)
        if (!candidate.isEmpty() && QFileInfo(candidate).isExecutable() && QFileInfo(candidate).isFile())
            return QFileInfo(candidate).canonicalFilePath();
    return {};
}

} // namespace paddock::PersonaSockets
