// The whole push path on real podman, git and libgit2: a workspace mounted in a restricted persona's
// container without a network, GitTransport on the persona's git socket (paddock-relay offers it as
// git://127.0.0.1:9418 inside), and the mirror's pre-receive hook asking paddockctl. From inside the
// container, as the user dev, a push to ai/x goes through and a push to main is refused with the policy's
// reason; both are audit events. The original stays as it was, and the read-only _governance overlay cannot
// be written.
#include "AgentImage.h"
#include "GitRepos.h"
#include "audit/AuditReader.h"
#include "personas/Persona.h"
#include "personas/PersonaStore.h"
#include "repo/GitTransport.h"
#include "repo/WorkspaceBuilder.h"
#include "repo/WorkspaceMount.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaSockets.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace paddock;

namespace {
// What the container runs as dev (podman exec does not enter the container's root inside the build
// root, so the script is its command and the test reads its log): wait until the transport
// answers, commit, push twice,
// try the read-only overlay and the workspace.
const char *ContainerScript = R"(cd /home/dev/workspace || exit 1
export HOME=/tmp
i=0
until git ls-remote local >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 120 ] && echo transport-timeout && break; sleep 0.5
done
echo change >> README && git -c user.name=Agent -c user.email=agent@example.org commit -qam change
git push local HEAD:refs/heads/ai/x 2>&1; echo "allowed-rc=$?"
git push local HEAD:main 2>&1; echo "denied-rc=$?"
(echo x > _governance/rules.md) 2>&1; echo "governance-rc=$?"
echo y > other.txt; echo "other-rc=$?"
echo finished
sleep 600
)";
} // namespace

class TestGitPushPolicy : public QObject
{
    Q_OBJECT

private slots:
    void pushesArePolicedAndAudited()
    {
        const QString imageProblem = ensureAgentImage();
        QVERIFY2(imageProblem.isEmpty(), qPrintable(imageProblem));
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("config"));
        const QString data = dir.filePath(QStringLiteral("data"));
        qputenv("PADDOCK_CONFIG_DIR", config.toUtf8());
        qputenv("PADDOCK_DATA_DIR", data.toUtf8());

        // A restricted persona of this test's own (its network and container names are unique).
        Persona persona = Persona::defaults(agentImageName()).at(2);
        QCOMPARE(persona.trust, Persona::Trust::Restricted);
        persona.name = QStringLiteral("repo-%1").arg(::getpid());
        persona.ports = {};
        persona.volumes = {};
        persona.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                              QString::fromLatin1(ContainerScript)};
        PersonaStore personas(config + QStringLiteral("/personas.json"));
        QVERIFY(personas.load(agentImageName()));
        QVERIFY(personas.add(persona));

        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        GitTransport transport(
            {WorkspaceBuilder(data).mirrorsDir(), qEnvironmentVariable("PADDOCKCTL"), config, data});
        auto cleanup = qScopeGuard([&] {
            transport.stopAll();
            (void)client.killContainer(persona.containerName());
            (void)client.removeContainer(persona.containerName(), true, true);
        });

        // The original and its workspace (owned by the container's user, as a desktop user's are).
        const QString original = dir.filePath(QStringLiteral("app"));
        QVERIFY(makeRepository(original, {{QStringLiteral("_governance/rules.md"), "rules\n"}}));
        const QString refsBefore = git(original, {QStringLiteral("for-each-ref")});
        WorkspaceBuilder builder(data);
        auto ws = builder.create({original, persona.name, QStringLiteral("x"), {}, GitTransport::baseUrl()});
        QVERIFY2(ws, qPrintable(ws ? QString() : ws.error().text()));
        if (::getuid() == 0) {
            QProcess chown;
            chown.start(QStringLiteral("chown"),
                        {QStringLiteral("-R"), QStringLiteral("1000:1000"), ws->path});
            QVERIFY(chown.waitForFinished() && chown.exitCode() == 0);
        }
        QVERIFY(PersonaSockets::prepare(persona.name, ::getuid() == 0 ? 1000 : -1));
        QVERIFY(transport.serve(persona.name, PersonaSockets::git(persona.name),
                                builder.mirrorsOf(persona.name)));
        QVERIFY(transport.isReady(persona.name));

        // The container as the runtime makes it: no network, the socket folder and the relay in front.
        QJsonObject spec = withWorkspace(containerSpec(persona), ws->path, ws->readOnlyFolders);
        QJsonObject host = spec.value(QStringLiteral("HostConfig")).toObject();
        QJsonArray mounts = host.value(QStringLiteral("Mounts")).toArray();
        mounts.append(
            QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                        {QStringLiteral("Source"), PersonaSockets::folder(persona.name)},
                        {QStringLiteral("Target"), QLatin1StringView(PersonaSockets::ContainerFolder)}});
        mounts.append(
            QJsonObject{{QStringLiteral("Type"), QStringLiteral("bind")},
                        {QStringLiteral("Source"), qEnvironmentVariable("PADDOCK_RELAY")},
                        {QStringLiteral("Target"), QLatin1StringView(PersonaSockets::ContainerRelay)},
                        {QStringLiteral("ReadOnly"), true}});
        host.insert(QStringLiteral("Mounts"), mounts);
        spec.insert(QStringLiteral("HostConfig"), host);
        QJsonArray entry;
        for (const QString &part : PersonaSockets::relayCommand(false, {}, persona.entrypoint))
            entry.append(part);
        spec.insert(QStringLiteral("Entrypoint"), entry);
        auto created = client.createContainer(persona.containerName(), spec);
        QVERIFY2(created, qPrintable(created ? QString() : created.error().text()));
        QVERIFY(client.startContainer(persona.containerName()));

        QString out;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                out.clear();
                if (auto l = client.logs(persona.containerName()))
                    for (const auto &line : *l)
                        out += QString::fromUtf8(line.text) + u'\n';
                return out.contains(QStringLiteral("finished"));
            }(),
            120000);
        QVERIFY2(transport.isReady(persona.name), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("allowed-rc=0")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("denied-rc=1")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("protected-branches")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Read-only file system")), qPrintable(out));
        QVERIFY2(!out.contains(QStringLiteral("governance-rc=0")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("other-rc=0")), qPrintable(out)); // the rest is writable

        // The mirror took ai/x and kept main; the original is untouched.
        const QString pushed = git(ws->path, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")});
        QCOMPARE(git(ws->mirror, {QStringLiteral("rev-parse"), QStringLiteral("refs/heads/ai/x")}), pushed);
        QCOMPARE(git(ws->mirror, {QStringLiteral("rev-parse"), QStringLiteral("refs/heads/main")}),
                 git(original, {QStringLiteral("rev-parse"), QStringLiteral("main")}));
        QCOMPARE(git(original, {QStringLiteral("for-each-ref")}), refsBefore);
        QCOMPARE(git(original, {QStringLiteral("status"), QStringLiteral("--porcelain")}), QString(u""));

        // Both decisions are in the audit log.
        auto reader = AuditReader::open(data + QStringLiteral("/audit.db"));
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().text()));
        AuditFilter filter;
        filter.source = AuditEvent::Source::Git;
        auto events = reader->after(0, filter);
        QVERIFY(events);
        QCOMPARE(events->size(), 2);
        const AuditEvent &allow = events->at(0), &deny = events->at(1);
        QCOMPARE(allow.persona, persona.name);
        QCOMPARE(allow.action, QStringLiteral("git.push"));
        QCOMPARE(allow.resource, ws->repository + QStringLiteral(":ai/x"));
        QCOMPARE(allow.decision, AuditEvent::Decision::Allow);
        QCOMPARE(allow.policies, QStringList{QStringLiteral("agent-branches")});
        QCOMPARE(deny.resource, ws->repository + QStringLiteral(":main"));
        QCOMPARE(deny.decision, AuditEvent::Decision::Deny);
        QCOMPARE(deny.policies, QStringList{QStringLiteral("protected-branches")});
    }
};

QTEST_GUILESS_MAIN(TestGitPushPolicy)
#include "test_git_push_policy.moc"
