#pragma once
// For tests against the real engine: a tiny image made from busybox-static (no registry is
// reachable), as a tar of its root file system.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

inline QByteArray busyboxRootTar()
{
    QTemporaryDir root;
    QDir().mkpath(root.filePath(QStringLiteral("rootfs/bin")));
    if (!QFile::copy(QStringLiteral("/bin/busybox"), root.filePath(QStringLiteral("rootfs/bin/busybox"))))
        return {};
    for (const char *tool : {"sh", "sleep", "echo", "id", "true"})
        QFile::link(QStringLiteral("busybox"),
                    root.filePath(QStringLiteral("rootfs/bin/") + QLatin1StringView(tool)));
    QProcess tar;
    tar.start(QStringLiteral("tar"), {QStringLiteral("-C"), root.filePath(QStringLiteral("rootfs")),
                                      QStringLiteral("-cf"), QStringLiteral("-"), QStringLiteral(".")});
    tar.waitForFinished(30000);
    return tar.readAllStandardOutput();
}
