#include "repo/WorkspaceMount.h"

#include <QJsonArray>

namespace paddock {

QJsonObject withWorkspace(QJsonObject spec, const QString &hostPath, const QStringList &readOnlyFolders)
{
    QJsonObject host = spec.value(QStringLiteral("HostConfig")).toObject();
    QJsonArray mounts = host.value(QStringLiteral("Mounts")).toArray();
    auto bind = [](const QString &source, const QString &target, bool readOnly) {
        return QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                           {QStringLiteral("Source"), source},
                           {QStringLiteral("Target"), target},
                           {QStringLiteral("ReadOnly"), readOnly}};
    };
    const QString target = QLatin1StringView(WorkspaceMountPoint);
    mounts.append(bind(hostPath, target, false));
    // After the workspace: an engine mounts in order, so these lie over it.
    for (const QString &folder : readOnlyFolders)
        mounts.append(bind(hostPath + u'/' + folder, target + u'/' + folder, true));
    host.insert(QStringLiteral("Mounts"), mounts);
    spec.insert(QStringLiteral("HostConfig"), host);
    return spec;
}

} // namespace paddock
