#pragma once
// For tests against the real engine: a tiny image made from busybox-static (no registry is
// reachable), as a tar of its root file system.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

// With `user1000` its /etc/passwd has the user dev (uid 1000), as a persona's image needs; with
// `shell` false there is no /bin/sh (an image Paddock's entrypoint cannot run in).
inline QByteArray busyboxRootTar(bool user1000 = true, bool shell = true)
{
    QTemporaryDir root;
    QDir().mkpath(root.filePath(QStringLiteral("rootfs/bin")));
    QDir().mkpath(root.filePath(QStringLiteral("rootfs/etc")));
    if (!QFile::copy(QStringLiteral("/bin/busybox"), root.filePath(QStringLiteral("rootfs/bin/busybox"))))
        return {};
    for (const char *tool : {"sh", "sleep", "echo", "id", "true"})
        if (shell || QLatin1StringView(tool) != QLatin1StringView("sh"))
            QFile::link(QStringLiteral("busybox"),
                        root.filePath(QStringLiteral("rootfs/bin/") + QLatin1StringView(tool)));
    QFile passwd(root.filePath(QStringLiteral("rootfs/etc/passwd")));
    if (!passwd.open(QIODevice::WriteOnly))
        return {};
    passwd.write("root:x:0:0:root:/root:/bin/sh\n");
    if (user1000)
        passwd.write("dev:x:1000:1000:dev:/home/dev:/bin/sh\n");
    passwd.close();
    QProcess tar;
    tar.start(QStringLiteral("tar"), {QStringLiteral("-C"), root.filePath(QStringLiteral("rootfs")),
                                      QStringLiteral("-cf"), QStringLiteral("-"), QStringLiteral(".")});
    tar.waitForFinished(30000);
    return tar.readAllStandardOutput();
}
