#pragma once
// For tests that need the real agent image (git, ssh, the user dev): builds it with
// packaging/image/build-agent-image when the engine does not have it yet, or has one made from
// another recipe (about a minute, once). Only rootful podman as root can build it (debootstrap);
// Docker and rootless podman get it from tests/load-agent-image, a fixture that runs first.
#include "runtime/EngineClient.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QUrl>

inline QString agentImageName()
{
    return QStringLiteral("localhost/paddock-agent:test");
}

// The recipe's hash, as build-agent-image labels the image it imports (io.paddock.recipe).
inline QString agentImageRecipe()
{
    const QString dir = qEnvironmentVariable("PADDOCK_SOURCE_DIR") + QStringLiteral("/packaging/image/");
    QByteArray all;
    for (const char *name : {"build-agent-image", "paddock-agent"}) {
        QFile f(dir + QLatin1StringView(name));
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return QString::fromLatin1(QCryptographicHash::hash(all, QCryptographicHash::Sha256).toHex().left(16));
}

// An empty string when the image is there (from this recipe); otherwise what went wrong.
inline QString ensureAgentImage()
{
    QProcess check;
    check.start(QStringLiteral("podman"),
                {QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"),
                 QStringLiteral("{{index .Labels \"io.paddock.recipe\"}}"), agentImageName()});
    check.waitForFinished(30000);
    if (check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0 &&
        QString::fromUtf8(check.readAllStandardOutput()).trimmed() == agentImageRecipe())
        return {};
    QProcess build;
    build.setProcessChannelMode(QProcess::MergedChannels);
    build.start(qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                    QStringLiteral("/packaging/image/build-agent-image"),
                {QStringLiteral("--no-agents"), QStringLiteral("--import"), agentImageName()});
    if (!build.waitForFinished(10 * 60 * 1000) || build.exitCode() != 0)
        return QStringLiteral("build-agent-image failed: ") + QString::fromUtf8(build.readAll());
    return {};
}

// The same for the engine `client` speaks to (PADDOCK_ENGINE: rootful, rootless or docker).
inline QString ensureAgentImage(paddock::EngineClient &client)
{
    const QString engine = qEnvironmentVariable("PADDOCK_ENGINE", QStringLiteral("rootful"));
    if (engine == QLatin1StringView("rootful"))
        return ensureAgentImage();
    auto image = client.inspectImage(agentImageName());
    if (image && image->value(QStringLiteral("Config"))
                         .toObject()
                         .value(QStringLiteral("Labels"))
                         .toObject()
                         .value(QStringLiteral("io.paddock.recipe"))
                         .toString() == agentImageRecipe())
        return {};
    return QStringLiteral("the %1 engine has no %2 of this recipe: tests/load-agent-image (the fixture "
                          "agent-image, run as root in scripts/test-session) puts it there")
        .arg(engine, agentImageName());
}

// The agent image WITH the coding agents (npm ci of the lock file; about two minutes warm, once per
// recipe), for the tests that run the real agents. Rootful podman only: it is built here.
inline QString agentsImageName()
{
    return QStringLiteral("localhost/paddock-agent:agents-test");
}

// Its recipe, as build-agent-image labels it: the recipe, the entrypoint and the agents' lock file.
inline QString agentsImageRecipe()
{
    const QString dir = qEnvironmentVariable("PADDOCK_SOURCE_DIR") + QStringLiteral("/packaging/image/");
    QByteArray all;
    for (const char *name : {"build-agent-image", "paddock-agent", "agents/package-lock.json"}) {
        QFile f(dir + QLatin1StringView(name));
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return QString::fromLatin1(QCryptographicHash::hash(all, QCryptographicHash::Sha256).toHex().left(16));
}

inline QString ensureAgentsImage()
{
    const QString dir = qEnvironmentVariable("PADDOCK_SOURCE_DIR") + QStringLiteral("/packaging/image/");
    const QString recipe = agentsImageRecipe();
    QProcess check;
    check.start(QStringLiteral("podman"),
                {QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--format"),
                 QStringLiteral("{{index .Labels \"io.paddock.recipe\"}}"), agentsImageName()});
    check.waitForFinished(30000);
    if (check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0 &&
        QString::fromUtf8(check.readAllStandardOutput()).trimmed() == recipe)
        return {};
    QProcess build;
    build.setProcessChannelMode(QProcess::MergedChannels);
    build.start(dir + QStringLiteral("build-agent-image"), {QStringLiteral("--import"), agentsImageName()});
    if (!build.waitForFinished(15 * 60 * 1000) || build.exitCode() != 0)
        return QStringLiteral("build-agent-image failed: ") + QString::fromUtf8(build.readAll().right(4000));
    return {};
}

// The same for the engine `client` speaks to: rootful podman builds it here; rootless podman gets it
// from tests/load-agents-image (the fixture agents-image, run as root in scripts/test-session).
inline QString ensureAgentsImage(paddock::EngineClient &client)
{
    const QString engine = qEnvironmentVariable("PADDOCK_ENGINE", QStringLiteral("rootful"));
    if (engine == QLatin1StringView("rootful"))
        return ensureAgentsImage();
    auto image = client.inspectImage(agentsImageName());
    if (image && image->value(QStringLiteral("Config"))
                         .toObject()
                         .value(QStringLiteral("Labels"))
                         .toObject()
                         .value(QStringLiteral("io.paddock.recipe"))
                         .toString() == agentsImageRecipe())
        return {};
    return QStringLiteral("the %1 engine has no %2 of this recipe: tests/load-agents-image (the fixture "
                          "agents-image, run as "
                          "root in scripts/test-session) puts it there")
        .arg(engine, agentsImageName());
}
