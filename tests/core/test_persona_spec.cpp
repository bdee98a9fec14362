// Personas' defaults and the hardened container they become, checked from inside a real container
// on real podman: what the kernel says about its capabilities, privileges, user, root file system
// and limits, and what the engine says about its ports and networks.
#include "BusyboxImage.h"
#include "personas/Persona.h"
#include "runtime/EngineClient.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>
#include <QUuid>

using namespace paddock;

class TestPersonaSpec : public QObject
{
    Q_OBJECT

    QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);

private slots:
    void defaultsFollowTheTrustTable()
    {
        const QList<Persona> personas = Persona::defaults(QStringLiteral("localhost/paddock-agent:0.1.0"));
        QCOMPARE(personas.size(), 3);
        const Persona &dev = personas[0], &web = personas[1], &agent = personas[2];
        QCOMPARE(dev.name, QStringLiteral("dev"));
        QCOMPARE(dev.trust, Persona::Trust::Full);
        QCOMPARE(dev.ports.first().host, 2222);
        QCOMPARE(dev.ports.first().container, 2222); // sshd as dev: no port below 1024
        QCOMPARE(dev.entrypoint,
                 QStringList({QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("sshd"),
                              QStringLiteral("--port"), QStringLiteral("2222")}));
        // web serves opencode's web UI on its port, agent runs Claude Code (their agents, not an
        // entrypoint of their own).
        QVERIFY(web.entrypoint.isEmpty());
        QCOMPARE(web.command(),
                 QStringList({QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("agent"),
                              QStringLiteral("opencode"), QStringLiteral("--web"), QStringLiteral("--port"),
                              QStringLiteral("4096")}));
        QVERIFY(agent.entrypoint.isEmpty());
        QCOMPARE(agent.command(), QStringList({QStringLiteral("/usr/local/bin/paddock-agent"),
                                               QStringLiteral("agent"), QStringLiteral("claude")}));
        QVERIFY(!dev.deployKey);
        QVERIFY(!dev.isolated());
        QCOMPARE(web.trust, Persona::Trust::Moderate);
        QCOMPARE(web.ports.first().host, 4096);
        QVERIFY(web.deployKey && web.isolated());
        QCOMPARE(agent.trust, Persona::Trust::Restricted);
        QCOMPARE(agent.ports.first().host, 18789);
        QCOMPARE(agent.networkName(), QStringLiteral("paddock-agent"));
        // Restricted personas fail closed when audit events cannot be written; the others open.
        QCOMPARE(agent.failMode(), AuditFailMode::Closed);
        QCOMPARE(web.failMode(), AuditFailMode::Open);
        for (const Persona &p : personas) {
            QCOMPARE(p.image, QStringLiteral("localhost/paddock-agent:0.1.0"));
            // Named volumes for the home folder and the caches, kept across container recreation.
            QCOMPARE(p.volumes.size(), 2);
            QCOMPARE(p.volumes.at(0).name, QStringLiteral("paddock-") + p.name + QStringLiteral("-home"));
            QCOMPARE(p.volumes.at(1).target, QStringLiteral("/home/dev/.cache"));
            QVERIFY(p.relaxations().isEmpty());
        }
        Persona relaxed = agent;
        relaxed.relaxed.writableRoot = true;
        relaxed.relaxed.capabilities = {QStringLiteral("NET_RAW")};
        QCOMPARE(relaxed.relaxations().size(), 2);
        QVERIFY(relaxed.relaxations().join(u' ').contains(QStringLiteral("NET_RAW")));
        const QJsonObject host = containerSpec(relaxed).value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("ReadonlyRootfs")).toBool(), false);
        QCOMPARE(host.value(QStringLiteral("CapAdd")).toArray().first().toString(),
                 QStringLiteral("NET_RAW"));
        QCOMPARE(host.value(QStringLiteral("Privileged")).toBool(), false); // never, whatever is relaxed
        // dockerd has no "U" for tmpfs: the secrets folder is sticky there instead.
        auto secretsTmpfs = [&](const QString &engine) {
            return containerSpec(agent, engine)
                .value(QStringLiteral("HostConfig"))
                .toObject()
                .value(QStringLiteral("Tmpfs"))
                .toObject()
                .value(QStringLiteral("/run/paddock/secrets"))
                .toString();
        };
        QVERIFY(secretsTmpfs(QStringLiteral("podman")).endsWith(QStringLiteral(",U")));
        QVERIFY(secretsTmpfs(QStringLiteral("docker")).contains(QStringLiteral("mode=1777")));
    }

    void aRestrictedPersonasContainerIsHardened()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        const QString image = QStringLiteral("localhost/paddock-spec-") + m_suffix;
        QVERIFY(client.importImage(busyboxRootTar(), image, QStringLiteral("1")));

        Persona p = Persona::defaults(image + QStringLiteral(":1")).at(2);
        p.name = QStringLiteral("agent-") + m_suffix;
        p.volumes = {{QStringLiteral("paddock-home-") + m_suffix, QStringLiteral("/home/dev")}};
        p.ports = {{18000 + int(QRandomGenerator::global()->bounded(1000)), 18789}};
        p.entrypoint = {
            QStringLiteral("/bin/sh"), QStringLiteral("-c"),
            QStringLiteral("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; echo uid=$(id -u); "
                           "touch /probe 2>/dev/null && echo root=writable || echo root=read-only; "
                           "touch /run/paddock/secrets/probe && echo secrets=writable; "
                           "echo nofile=$(ulimit -n); sleep 60")};
        auto cleanup = qScopeGuard([&] {
            (void)client.killContainer(p.containerName()); // sh as PID 1 ignores SIGTERM
            (void)client.removeContainer(p.containerName(), true, true);
            (void)client.removeVolume(p.volumes.first().name);
            (void)client.removeImage(image + QStringLiteral(":1"));
        });
        auto created = client.createContainer(p.containerName(), containerSpec(p));
        QVERIFY2(created, qPrintable(created ? QString() : created.error().text()));
        QVERIFY(client.startContainer(p.containerName()));

        // From inside: what the kernel grants it.
        QStringList lines;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                lines.clear();
                if (auto l = client.logs(p.containerName()))
                    for (const auto &line : *l)
                        lines << QString::fromUtf8(line.text).simplified();
                return lines.join(u'\n').contains(QStringLiteral("nofile="));
            }(),
            15000);
        const QString out = lines.join(u'\n');
        QVERIFY2(out.contains(QStringLiteral("CapEff: 0000000000000000")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("NoNewPrivs: 1")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("uid=1000")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("root=read-only")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("secrets=writable")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("nofile=%1").arg(p.limits.nofile)), qPrintable(out));

        // From the engine: limits, nothing published and no network (a restricted persona's port is
        // relayed by Paddock through its socket folder; a full-trust one's is on loopback only).
        auto info = client.inspectContainer(p.containerName());
        QVERIFY(info);
        const QJsonObject host = info->value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("Memory")).toInteger(), p.limits.memoryMb * 1024 * 1024);
        QCOMPARE(host.value(QStringLiteral("PidsLimit")).toInteger(), p.limits.pids);
        QCOMPARE(host.value(QStringLiteral("NanoCpus")).toInteger(), qint64(p.limits.cpus * 1e9));
        QCOMPARE(host.value(QStringLiteral("Privileged")).toBool(), false);
        QVERIFY(host.value(QStringLiteral("ReadonlyRootfs")).toBool());
        QVERIFY(host.value(QStringLiteral("PortBindings")).toObject().isEmpty());
        QCOMPARE(host.value(QStringLiteral("NetworkMode")).toString(), QStringLiteral("none"));
        const QJsonObject networks = info->value(QStringLiteral("NetworkSettings"))
                                         .toObject()
                                         .value(QStringLiteral("Networks"))
                                         .toObject();
        QVERIFY2(networks.isEmpty() || networks.keys() == QStringList{QStringLiteral("none")},
                 qPrintable(networks.keys().join(u' ')));
        Persona full = p;
        full.trust = Persona::Trust::Full;
        const QJsonArray bindings = containerSpec(full)
                                        .value(QStringLiteral("HostConfig"))
                                        .toObject()
                                        .value(QStringLiteral("PortBindings"))
                                        .toObject()
                                        .value(QStringLiteral("18789/tcp"))
                                        .toArray();
        QCOMPARE(bindings.size(), 1);
        QCOMPARE(bindings.first().toObject().value(QStringLiteral("HostIp")).toString(),
                 QStringLiteral("127.0.0.1"));
        QCOMPARE(info->value(QStringLiteral("Config"))
                     .toObject()
                     .value(QStringLiteral("Labels"))
                     .toObject()
                     .value(QLatin1StringView(PersonaLabel))
                     .toString(),
                 p.name);
    }
};

QTEST_GUILESS_MAIN(TestPersonaSpec)
#include "test_persona_spec.moc"
