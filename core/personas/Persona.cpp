#include "personas/Persona.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QRegularExpression>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::Persona)
};

constexpr const char *SecretsDir = "/run/paddock/secrets";
} // namespace

QString Persona::trustName(Trust trust)
{
    switch (trust) {
    case Trust::Full:
        return QStringLiteral("full");
    case Trust::Moderate:
        return QStringLiteral("moderate");
    case Trust::Restricted:
        return QStringLiteral("restricted");
    }
    return {};
}

std::optional<Persona::Trust> Persona::trustFromName(QStringView name)
{
    for (Trust t : {Trust::Full, Trust::Moderate, Trust::Restricted})
        if (name == trustName(t))
            return t;
    return std::nullopt;
}

QString Persona::policyModeName(PolicyMode mode)
{
    switch (mode) {
    case PolicyMode::Enforce:
        return QStringLiteral("enforce");
    case PolicyMode::Shadow:
        return QStringLiteral("shadow");
    case PolicyMode::Record:
        return QStringLiteral("record");
    }
    return {};
}

std::optional<Persona::PolicyMode> Persona::policyModeFromName(QStringView name)
{
    for (PolicyMode m : {PolicyMode::Enforce, PolicyMode::Shadow, PolicyMode::Record})
        if (name == policyModeName(m))
            return m;
    return std::nullopt;
}

QStringList Persona::relaxations() const
{
    QStringList out;
    if (relaxed.writableRoot)
        out << Text::tr("the root file system is writable");
    if (relaxed.rootUser)
        out << Text::tr("the agent runs as root inside the container");
    for (const QString &cap : relaxed.capabilities)
        out << Text::tr("capability %1 is granted").arg(cap);
    if ((isolated() || proxyLoopbackPort != 0) && policyMode == PolicyMode::Shadow)
        out << Text::tr("network policies are not enforced: denials are only recorded (shadow mode)");
    if ((isolated() || proxyLoopbackPort != 0) && policyMode == PolicyMode::Record)
        out << Text::tr(
            "network policies are not enforced: every connection is allowed and recorded (record mode)");
    return out;
}

QString Persona::Agent::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Shell:
        return QStringLiteral("shell");
    case Kind::Claude:
        return QStringLiteral("claude");
    case Kind::Codex:
        return QStringLiteral("codex");
    case Kind::Opencode:
        return QStringLiteral("opencode");
    case Kind::Copilot:
        return QStringLiteral("copilot");
    case Kind::Custom:
        return QStringLiteral("custom");
    }
    return {};
}

std::optional<Persona::Agent::Kind> Persona::Agent::kindFromName(QStringView name)
{
    for (Kind k : {Kind::Shell, Kind::Claude, Kind::Codex, Kind::Opencode, Kind::Copilot, Kind::Custom})
        if (name == kindName(k))
            return k;
    return std::nullopt;
}

QStringList Persona::Agent::effortLevels()
{
    return {QStringLiteral("minimal"), QStringLiteral("low"),   QStringLiteral("medium"),
            QStringLiteral("high"),    QStringLiteral("xhigh"), QStringLiteral("max")};
}

QString Persona::Agent::envNameProblem(const QString &name)
{
    static const QRegularExpression shell(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}\\z"));
    if (!shell.match(name).hasMatch())
        return Text::tr("\"%1\" is not an environment variable's name (letters, digits and _, not starting "
                        "with a digit)")
            .arg(name.left(80));
    const QString upper = name.toUpper();
    static const QStringList ours{QStringLiteral("HTTP_PROXY"), QStringLiteral("HTTPS_PROXY"),
                                  QStringLiteral("NO_PROXY"),   QStringLiteral("ALL_PROXY"),
                                  QStringLiteral("HOME"),       QStringLiteral("PATH"),
                                  QStringLiteral("USER"),       QStringLiteral("SHELL")};
    if (ours.contains(upper) || upper.startsWith(QStringLiteral("PADDOCK_")))
        return Text::tr("%1 is set by Paddock itself; the agent cannot set it").arg(name);
    for (const char *word : {"KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"})
        if (upper.contains(QLatin1StringView(word)))
            return Text::tr("%1 looks like a key: keys are secrets. Store it on the Secrets page and "
                            "assign it to the persona (docs/agents.md says which name each agent reads)")
                .arg(name);
    return {};
}

QStringList Persona::command() const
{
    if (!entrypoint.isEmpty() || agent.kind == Agent::Kind::Shell)
        return entrypoint;
    QStringList out{QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("agent"),
                    Agent::kindName(agent.kind)};
    if (!agent.model.isEmpty())
        out << QStringLiteral("--model") << agent.model;
    if (!agent.effort.isEmpty() && Agent::hasEffort(agent.kind))
        out << QStringLiteral("--effort") << agent.effort;
    if (agent.kind == Agent::Kind::Opencode && agent.web)
        out << QStringLiteral("--web") << QStringLiteral("--port")
            << QString::number(ports.isEmpty() ? 4096 : ports.first().container);
    if (agent.kind == Agent::Kind::Custom)
        out << QStringLiteral("--") << agent.command;
    return out;
}

QList<Persona> Persona::defaults(const QString &image)
{
    Persona dev;
    dev.name = QStringLiteral("dev");
    dev.trust = Trust::Full;
    dev.image = image;
    // sshd runs as dev, so on an unprivileged port (containers start those at 1024).
    dev.entrypoint = {QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("sshd"),
                      QStringLiteral("--port"), QStringLiteral("2222")};
    dev.ports = {{2222, 2222}};
    dev.volumes = {{QStringLiteral("paddock-dev-home"), QStringLiteral("/home/dev")},
                   {QStringLiteral("paddock-dev-cache"), QStringLiteral("/home/dev/.cache")}};
    dev.sshKey = QStringLiteral("dev-ssh-key");
    dev.deployKey = false;

    Persona web;
    web.name = QStringLiteral("web");
    web.trust = Trust::Moderate;
    web.image = image;
    web.agent.kind = Agent::Kind::Opencode;
    web.agent.web = true;
    web.ports = {{4096, 4096}};
    web.volumes = {{QStringLiteral("paddock-web-home"), QStringLiteral("/home/dev")},
                   {QStringLiteral("paddock-web-cache"), QStringLiteral("/home/dev/.cache")}};
    web.sshKey = QStringLiteral("web-deploy-key");

    Persona agent;
    agent.name = QStringLiteral("agent");
    agent.trust = Trust::Restricted;
    agent.image = image;
    agent.agent.kind = Agent::Kind::Claude;
    agent.ports = {{18789, 18789}};
    agent.volumes = {{QStringLiteral("paddock-agent-home"), QStringLiteral("/home/dev")},
                     {QStringLiteral("paddock-agent-cache"), QStringLiteral("/home/dev/.cache")}};
    agent.sshKey = QStringLiteral("agent-deploy-key");
    agent.limits.memoryMb = 1024;
    agent.limits.pids = 256;
    return {dev, web, agent};
}

QString defaultAgentImage()
{
    return QStringLiteral("localhost/paddock-agent:" PADDOCK_VERSION);
}

QJsonObject containerSpec(const Persona &p, const QString &engine)
{
    QJsonArray capAdd;
    for (const QString &cap : p.relaxed.capabilities)
        capAdd.append(cap);
    QJsonObject portBindings;
    QJsonObject exposed;
    // An isolated persona has no network: its ports are reached through its socket folder
    // (PersonaRuntime relays 127.0.0.1:<host> to them), not published by the engine.
    for (const Persona::Port &port : p.isolated() ? QList<Persona::Port>{} : p.ports) {
        const QString key = QString::number(port.container) + QStringLiteral("/tcp");
        portBindings.insert(
            key, QJsonArray{QJsonObject{{QStringLiteral("HostIp"), QStringLiteral("127.0.0.1")},
                                        {QStringLiteral("HostPort"), QString::number(port.host)}}});
        exposed.insert(key, QJsonObject{});
    }
    QJsonArray mounts;
    for (const Persona::Volume &v : p.volumes)
        mounts.append(QJsonObject{{QStringLiteral("Type"), QStringLiteral("volume")},
                                  {QStringLiteral("Source"), v.name},
                                  {QStringLiteral("Target"), v.target}});
    const QString uid = QString::number(ContainerUid);
    // Secrets arrive as files in a tmpfs only the container user can read (never env, image or disk).
    const QJsonObject tmpfs{
        {QStringLiteral("/tmp"), QStringLiteral("rw,nosuid,nodev,size=%1m").arg(p.limits.tmpMb)},
        {QLatin1StringView(SecretsDir), engine == QLatin1StringView("podman")
                                            ? QStringLiteral("rw,nosuid,nodev,noexec,size=1m,mode=0700,U")
                                            : QStringLiteral("rw,nosuid,nodev,noexec,size=1m,mode=1777")}};
    QJsonObject host{
        {QStringLiteral("CapDrop"), QJsonArray{QStringLiteral("ALL")}},
        {QStringLiteral("CapAdd"), capAdd},
        {QStringLiteral("SecurityOpt"), QJsonArray{QStringLiteral("no-new-privileges")}},
        {QStringLiteral("Privileged"), false},
        {QStringLiteral("ReadonlyRootfs"), !p.relaxed.writableRoot},
        {QStringLiteral("Tmpfs"), tmpfs},
        {QStringLiteral("Memory"), p.limits.memoryMb * 1024 * 1024},
        {QStringLiteral("MemorySwap"), p.limits.memoryMb * 1024 * 1024}, // no swap beyond the limit
        {QStringLiteral("NanoCpus"), qint64(p.limits.cpus * 1e9)},
        {QStringLiteral("PidsLimit"), p.limits.pids},
        {QStringLiteral("Ulimits"), QJsonArray{QJsonObject{{QStringLiteral("Name"), QStringLiteral("nofile")},
                                                           {QStringLiteral("Soft"), p.limits.nofile},
                                                           {QStringLiteral("Hard"), p.limits.nofile}},
                                               QJsonObject{{QStringLiteral("Name"), QStringLiteral("nproc")},
                                                           {QStringLiteral("Soft"), p.limits.nproc},
                                                           {QStringLiteral("Hard"), p.limits.nproc}}}},
        {QStringLiteral("PortBindings"), portBindings},
        {QStringLiteral("Mounts"), mounts},
        {QStringLiteral("RestartPolicy"), QJsonObject{{QStringLiteral("Name"), QStringLiteral("no")}}}};
    if (p.isolated())
        host.insert(QStringLiteral("NetworkMode"), QStringLiteral("none")); // loopback only
    QJsonObject spec{
        {QStringLiteral("Image"), p.image},
        {QStringLiteral("User"), p.relaxed.rootUser ? QStringLiteral("0:0") : uid + QLatin1Char(':') + uid},
        {QStringLiteral("Labels"),
         QJsonObject{{QLatin1StringView(PersonaLabel), p.name},
                     {QStringLiteral("io.paddock.trust"), Persona::trustName(p.trust)}}},
        {QStringLiteral("ExposedPorts"), exposed},
        {QStringLiteral("HostConfig"), host}};
    if (const QStringList command = p.command(); !command.isEmpty()) {
        QJsonArray entry;
        for (const QString &part : command)
            entry.append(part);
        spec.insert(QStringLiteral("Entrypoint"), entry);
    }
    return spec;
}

} // namespace paddock
