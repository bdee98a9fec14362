// The drop flow through the persona runtime, on each engine (PADDOCK_ENGINE), real git and libgit2:
// createWorkspace makes the workspace and its mirror, serves the mirror on the persona's git socket,
// and starts the persona (no network: the relay's git://127.0.0.1:9418 is its way to the mirror)
// with the workspace mounted. Inside, as dev, a push to ai/x goes through and one to main is
// refused by policy; both are audit events.
#include "AgentImage.h"
#include "GitRepos.h"
#include "audit/AuditReader.h"
#include "personas/PersonaStore.h"
#include "repo/WorkspaceBuilder.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace paddock;

namespace {
const char *ContainerScript = R"sh(cd /home/dev/workspace || exit 1
export HOME=/tmp
echo "branch=$(git rev-parse --abbrev-ref HEAD)"
i=0
until git ls-remote local >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 120 ] && echo transport-timeout && break; sleep 0.5
done
echo change >> README && git -c user.name=Agent -c user.email=agent@example.org commit -qam change
git push local HEAD:refs/heads/ai/x 2>&1; echo "allowed-rc=$?"
git push local HEAD:main 2>&1; echo "denied-rc=$?"
echo finished
while true; do sleep 1; done
)sh";
} // namespace

class TestWorkspaceFlow : public QObject
{
    Q_OBJECT

private slots:
    void dropStartsThePersonaOnItsOwnCopy()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("config"));
        const QString data = dir.filePath(QStringLiteral("data"));
        qputenv("PADDOCK_CONFIG_DIR", config.toUtf8());
        qputenv("PADDOCK_DATA_DIR", data.toUtf8());

        Persona persona = Persona::defaults(agentImageName()).at(2);
        persona.name = QStringLiteral("flow-%1").arg(::getpid());
        persona.ports = {};
        persona.volumes = {};
        persona.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                              QString::fromLatin1(ContainerScript)};
        persona.limits.memoryMb = 256;
        PersonaStore personas(config + QStringLiteral("/personas.json"));
        QVERIFY(personas.load(agentImageName()));
        QVERIFY(personas.add(persona));

        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        const QString imageProblem = ensureAgentImage(client);
        QVERIFY2(imageProblem.isEmpty(), qPrintable(imageProblem));
        PersonaRuntime::Options options;
        options.personasPath = config + QStringLiteral("/personas.json");
        options.image = agentImageName();
        options.dataDir = data;
        options.configDir = config;
        options.paddockctl = qEnvironmentVariable("PADDOCKCTL");
        options.stopTimeout = std::chrono::seconds(1);
        PersonaRuntime runtime(std::move(options));
        QVERIFY(runtime.start());
        auto cleanup = qScopeGuard([&] {
            runtime.stop();
            (void)client.killContainer(persona.containerName());
            (void)client.removeContainer(persona.containerName(), true, true);
            (void)client.removeNetwork(persona.networkName());
        });
        QTRY_VERIFY_WITH_TIMEOUT(runtime.isEngineConnected(), 10000);

        const QString original = dir.filePath(QStringLiteral("app"));
        QVERIFY(makeRepository(original, {{QStringLiteral("_governance/rules.md"), "rules\n"}}));
        QSignalSpy progress(&runtime, &PersonaRuntime::workspaceProgress);
        QSignalSpy created(&runtime, &PersonaRuntime::workspaceCreated);
        QSignalSpy failed(&runtime, &PersonaRuntime::workspaceFailed);
        runtime.createWorkspace(persona.name, original, QStringLiteral("login"), {});
        QTRY_VERIFY_WITH_TIMEOUT(!created.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        QVERIFY(!progress.isEmpty());
        const auto workspace = created.first().at(1).value<Workspace>();
        QCOMPARE(workspace.branch, persona.name + QStringLiteral("/login"));
        QVERIFY(workspace.path.startsWith(data + QStringLiteral("/workspaces/") + persona.name + u'/'));
        QCOMPARE(workspace.localUrl, QStringLiteral("git://127.0.0.1:9418/app.git"));

        auto logsOf = [&] {
            QString text;
            if (auto l = client.logs(persona.containerName()))
                for (const auto &line : *l)
                    text += QString::fromUtf8(line.text) + u'\n';
            return text;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(runtime.status(persona.name) &&
                                      runtime.status(persona.name)->state == PersonaStatus::State::Running,
                                  qPrintable(runtime.status(persona.name)->text() + u' ' +
                                             runtime.status(persona.name)->message + u'\n' + logsOf()),
                                  60000);
        QCOMPARE(runtime.status(persona.name)->workspace, workspace.path);

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
        QVERIFY2(out.contains(QStringLiteral("branch=") + workspace.branch), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("allowed-rc=0")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("denied-rc=1")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("protected-branches")), qPrintable(out));

        auto reader = AuditReader::open(data + QStringLiteral("/audit.db"));
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().text()));
        AuditFilter filter;
        filter.source = AuditEvent::Source::Git;
        auto events = reader->after(0, filter);
        QVERIFY(events);
        QCOMPARE(events->size(), 2);
        QCOMPARE(events->at(0).decision, AuditEvent::Decision::Allow);
        QCOMPARE(events->at(1).decision, AuditEvent::Decision::Deny);
        QCOMPARE(events->at(1).persona, persona.name);

        // A workspace made by an older Paddock (its transport on a network's gateway) migrates at
        // the persona's next start: `local` is the relay's, and the push still goes through.
        QVERIFY(
            WorkspaceBuilder::setLocalUrl(workspace.path, QStringLiteral("git://10.89.0.1:9418/app.git")));
        runtime.restartPersona(persona.name);
        QTRY_COMPARE_WITH_TIMEOUT(git(workspace.path, {QStringLiteral("remote"), QStringLiteral("get-url"),
                                                       QStringLiteral("local")}),
                                  QStringLiteral("git://127.0.0.1:9418/app.git"), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(runtime.status(persona.name) &&
                                     runtime.status(persona.name)->state == PersonaStatus::State::Running,
                                 60000);
        QCOMPARE(runtime.status(persona.name)->workspace, workspace.path);

        // A second drop while one is being made is refused; cancelling one leaves nothing behind.
        QSignalSpy failed2(&runtime, &PersonaRuntime::workspaceFailed);
        runtime.createWorkspace(persona.name, original, QStringLiteral("second"), {});
        runtime.cancelWorkspace(persona.name);
        QTRY_VERIFY_WITH_TIMEOUT(!failed2.isEmpty() || created.size() > 1, 60000);
        if (!failed2.isEmpty())
            QVERIFY(!QFileInfo::exists(data + QStringLiteral("/workspaces/") + persona.name +
                                       QStringLiteral("/app-second")));
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceFlow)
#include "test_workspace_flow.moc"
