#pragma once
// For tests that need the real agent image (git, ssh, the user dev): builds it with
// packaging/image/build-agent-image when the engine does not have it yet (about a minute, once).
#include <QProcess>
#include <QString>

inline QString agentImageName()
{
    return QStringLiteral("localhost/paddock-agent:test");
}

// An empty string when the image is there; otherwise what went wrong.
inline QString ensureAgentImage()
{
    QProcess check;
    check.start(QStringLiteral("podman"), {QStringLiteral("image"), QStringLiteral("exists"), agentImageName()});
    check.waitForFinished(30000);
    if (check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0)
        return {};
    QProcess build;
    build.setProcessChannelMode(QProcess::MergedChannels);
    build.start(qEnvironmentVariable("PADDOCK_SOURCE_DIR") + QStringLiteral("/packaging/image/build-agent-image"),
                {QStringLiteral("--import"), agentImageName()});
    if (!build.waitForFinished(10 * 60 * 1000) || build.exitCode() != 0)
        return QStringLiteral("build-agent-image failed: ") + QString::fromUtf8(build.readAll());
    return {};
}
