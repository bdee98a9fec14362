// The real Claude Code in the restricted persona `agent`, as a user runs it: the whole engine
// (audit log, policies, proxy, personas; the keychain for the key), the agent image with the
// agents, a repository dropped onto the persona, the agent's configuration written by Paddock at
// start. The one stand-in is the model API: tests/fake-model-api, over HTTPS on 127.0.0.2 (a test
// address the persona's policy allows: the restricted set plus one permit), scripting the
// conversation. Through the proxy, Claude Code writes a file, commits it and pushes it to ai/e2e
// (in the mirror, audited), is refused main (audited, nothing in the mirror), gets 403 for a host
// no policy allows (a deny event); headless (`claude -p`) and in its tmux session, read from the
// pane. Its key reaches it from the tmpfs (apiKeyHelper) and is nowhere else.
#include "AgentImage.h"
#include "GitRepos.h"
#include "RuntimeTesting.h"

#include "agents/SignIn.h"
#include "audit/AuditReader.h"
#include "engine/Engine.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaContainer.h"
#include "runtime/PersonaRuntime.h"
#include "scheduler/JobStore.h"
#include "scheduler/SchedulerService.h"
#include "secrets/SecretStore.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <unistd.h>

using namespace paddock;
using namespace paddock::test;

namespace {
const QString ModelAddress = QStringLiteral("127.0.0.2");
const QByteArray McpPackage = "@modelcontextprotocol/server-everything@2026.8.31";
} // namespace

class TestAgentE2e : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_config, m_data;
    QProcess m_fake;
    int m_fakePort = 0;
    QString m_fakeLog;
    QByteArray m_key;
    QByteArray m_openAiKey;
    int m_runs = 0;
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<Engine> m_engine;
    Persona m_persona;
    Workspace m_workspace;
    QString m_original;

    QString container() const { return m_persona.containerName(); }

    // A command as the persona's user in a login shell in the workspace (as an attached terminal
    // runs it).
    EngineClient::ExecResult run(const QString &script)
    {
        return test::inContainer(
            *m_client, m_persona.name,
            QStringLiteral("cd /home/dev/workspace && bash -lc %1")
                .arg(QString(u'\'' + QString(script).replace(u'\'', QStringLiteral("'\\''")) + u'\'')));
    }

    // Claude Code headless on one scripted prompt: its JSON result.
    QJsonObject claude(const QString &prompt, QByteArray *raw = nullptr)
    {
        const auto r = run(QStringLiteral("timeout 120 claude -p %1 --output-format json")
                               .arg(u'"' +
                                    QString(prompt)
                                        .replace(u'"', QStringLiteral("\\\""))
                                        .replace(u'$', QStringLiteral("\\$")) +
                                    u'"'));
        if (raw)
            *raw = "exit " + QByteArray::number(r.exitCode) + "\nstdout " + r.stdoutText + "\nstderr " +
                   r.stderrText;
        return QJsonDocument::fromJson(r.stdoutText).object();
    }

    // A command in the persona's sign-in container, as its user.
    QByteArray inSignIn(const QString &script)
    {
        return test::inContainer(*m_client, m_persona.name + QStringLiteral("-sign-in"), script).stdoutText;
    }

    // The persona's secret `name` as the keychain has it (empty: none).
    static QByteArray keychain(const QString &name)
    {
        SecretStore secrets;
        QSignalSpy read(&secrets, &SecretStore::valueRead);
        QSignalSpy none(&secrets, &SecretStore::notFound);
        secrets.read(name);
        if (!QTest::qWaitFor([&] { return !read.isEmpty() || !none.isEmpty(); }, 10000) || read.isEmpty())
            return {};
        return read.first().at(2).toByteArray();
    }

    void invoke(std::function<void(PersonaRuntime *)> call)
    {
        PersonaRuntime *runtime = m_engine->personaRuntime();
        QMetaObject::invokeMethod(runtime, [runtime, call] { call(runtime); });
    }

    // The persona's events (or those of `persona`: a job's are "job:<job>").
    QList<AuditEvent> audit(const QString &action = {}, const QString &persona = {})
    {
        QList<AuditEvent> out;
        auto reader = AuditReader::open(m_data + QStringLiteral("/audit.db"));
        if (!reader)
            return out;
        AuditFilter filter;
        filter.persona = persona.isEmpty() ? m_persona.name : persona;
        auto events = reader->after(0, filter, 10000);
        for (const AuditEvent &e : events ? *events : AuditBatch{})
            if (action.isEmpty() || e.action == action)
                out << e;
        return out;
    }

    QString fakeLog() const
    {
        QFile f(m_fakeLog);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    // An agent's turn may outlast one exec: `command` runs in the background (within `seconds`, in
    // `dir`, its stdin closed) and what it wrote is read from a file until it has ended. Ends with
    // "exit=STATUS".
    QByteArray runToEnd(const QString &command, int seconds = 150, const QString &dir = {})
    {
        const QString log = QStringLiteral("/tmp/run-%1.log").arg(++m_runs);
        run(QStringLiteral("%1(timeout %2 %3 </dev/null >%4 2>&1; echo exit=$? >>%4) &")
                .arg(dir.isEmpty() ? QString() : QStringLiteral("cd %1 && ").arg(dir))
                .arg(seconds)
                .arg(command, log));
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("\nexit=") && !out.startsWith("exit=") && t.elapsed() < (seconds + 20) * 1000) {
            QTest::qWait(500);
            out = run(QStringLiteral("cat ") + log).stdoutText;
        }
        return out;
    }

    // The scripted prompt that has an agent write NAME.txt, commit it and push it to ai/NAME.
    static QString pushPrompt(const QString &name)
    {
        return QStringLiteral(
                   "\"RUN: echo written by %1 > %1.txt && git add %1.txt && git -c user.name=%1 "
                   "-c user.email=%1@example.org commit -qm %1 && git push local HEAD:refs/heads/ai/%1 "
                   "2>&1; echo push-rc=\\$?\"")
            .arg(name);
    }

    // That the agent's turn ran the push: its answer, the commit in the mirror, the allow audited.
    void checkPushed(const QString &name, const QByteArray &log)
    {
        QVERIFY2(log.contains("DONE: ") && log.contains("push-rc=0") && log.contains("\nexit=0"),
                 log.constData());
        QCOMPARE(git(m_workspace.mirror, {QStringLiteral("show"), QStringLiteral("ai/%1:%1.txt").arg(name)}),
                 QStringLiteral("written by %1").arg(name));
        bool pushAllowed = false;
        for (const AuditEvent &e : audit(QStringLiteral("git.push")))
            pushAllowed |= e.resource.contains(QStringLiteral("ai/") + name) &&
                           e.decision == AuditEvent::Decision::Allow;
        QVERIFY(pushAllowed);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_config = m_dir.filePath(QStringLiteral("config"));
        m_data = m_dir.filePath(QStringLiteral("data"));
        qputenv("PADDOCK_CONFIG_DIR", m_config.toUtf8());
        qputenv("PADDOCK_DATA_DIR", m_data.toUtf8());
        qputenv("PADDOCK_PADDOCKCTL", qgetenv("PADDOCKCTL"));
        QVERIFY(QDir().mkpath(m_config + QStringLiteral("/policies")));

        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
        const QString imageProblem = ensureAgentsImage(*m_client);
        QVERIFY2(imageProblem.isEmpty(), qPrintable(imageProblem));

        // The model API: HTTPS with a certificate of its own, which the agent is told to trust.
        const QString cert = m_dir.filePath(QStringLiteral("model.pem"));
        const QString key = m_dir.filePath(QStringLiteral("model.key"));
        // A certificate authority of the test's own and the server's certificate from it (Codex's
        // TLS, rustls, takes no self-signed server certificate as its own authority).
        const QString ca = m_dir.filePath(QStringLiteral("model-ca.pem"));
        const QString caKey = m_dir.filePath(QStringLiteral("model-ca.key"));
        const QString csr = m_dir.filePath(QStringLiteral("model.csr"));
        const QString ext = m_dir.filePath(QStringLiteral("model.ext"));
        {
            QFile f(ext);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("subjectAltName=IP:" + ModelAddress.toLatin1() +
                    "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        }
        const QStringList ec{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                             QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes")};
        for (const QStringList &args :
             {QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec +
                  QStringList{QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                              QStringLiteral("/CN=Paddock test model CA"), QStringLiteral("-keyout"), caKey,
                              QStringLiteral("-out"), ca},
              QStringList{QStringLiteral("req")} + ec +
                  QStringList{QStringLiteral("-subj"), QStringLiteral("/CN=fake model API"),
                              QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr},
              QStringList{QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                          QStringLiteral("-CA"), ca, QStringLiteral("-CAkey"), caKey,
                          QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                          QStringLiteral("-extfile"), ext, QStringLiteral("-out"), cert}}) {
            QProcess openssl;
            openssl.setProcessChannelMode(QProcess::MergedChannels);
            openssl.start(QStringLiteral("openssl"), args);
            QVERIFY(openssl.waitForFinished(30000));
            QVERIFY2(openssl.exitCode() == 0, openssl.readAll().constData());
        }
        m_fakeLog = m_dir.filePath(QStringLiteral("model-requests.jsonl"));
        m_fake.setProgram(QStringLiteral("python3"));
        m_fake.setArguments(
            {qEnvironmentVariable("PADDOCK_SOURCE_DIR") + QStringLiteral("/tests/fake-model-api"),
             QStringLiteral("--host"), ModelAddress, QStringLiteral("--port"), QStringLiteral("0"),
             QStringLiteral("--log"), m_fakeLog, QStringLiteral("--cert"), cert, QStringLiteral("--key"),
             key});
        m_fake.start();
        QVERIFY(m_fake.waitForReadyRead(10000));
        const QByteArray line = m_fake.readLine();
        QVERIFY2(line.startsWith("listening on "), line.constData());
        m_fakePort = line.mid(13).trimmed().toInt();

        // The restricted set as shipped, and the model API's address for this test.
        QFile shipped(qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                      QStringLiteral("/resources/policy/restricted.cedar"));
        QVERIFY(shipped.open(QIODevice::ReadOnly));
        QFile policies(m_config + QStringLiteral("/policies/restricted.cedar"));
        QVERIFY(policies.open(QIODevice::WriteOnly));
        policies.write(shipped.readAll() + QStringLiteral(R"(
@id("test-model-api")
permit (principal, action == Paddock::Action::"connect", resource)
when { resource.name == "%1" && resource.port == %2 };
)")
                                               .arg(ModelAddress)
                                               .arg(m_fakePort)
                                               .toUtf8());
        policies.close();

        // One MCP server from npm for every agent of the persona: installed (npm, from the
        // registry) into the repository the user drops, as a project's own tools are.
        m_original = m_dir.filePath(QStringLiteral("app"));
        QVERIFY(makeRepository(m_original));
        QProcess npm;
        npm.setWorkingDirectory(m_original);
        npm.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NODE_EXTRA_CA_CERTS"),
                   QStringLiteral("/etc/ssl/certs/ca-certificates.crt"));
        npm.setProcessEnvironment(env);
        // The build root's npm cache, when this user may write it (not the rootless test user).
        const QString npmCache = QFileInfo(QStringLiteral("/var/cache/paddock/npm")).isWritable()
                                     ? QStringLiteral("/var/cache/paddock/npm")
                                     : m_dir.filePath(QStringLiteral("npm-cache"));
        npm.start(QStringLiteral("npm"),
                  {QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                   QStringLiteral("--cache"), npmCache, QString::fromLatin1(McpPackage)});
        QVERIFY(npm.waitForFinished(300000));
        QVERIFY2(npm.exitCode() == 0, npm.readAll().right(3000).constData());
        QVERIFY(!git(m_original, {QStringLiteral("add"), QStringLiteral("-A")}).isNull());
        QVERIFY(!git(m_original, {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("tools")})
                     .isNull());
        QFile mcp(m_config + QStringLiteral("/mcp.toml"));
        QVERIFY(mcp.open(QIODevice::WriteOnly));
        mcp.write(
            "[servers.everything]\ncommand = \"node\"\n"
            "args = "
            "[\"/home/dev/workspace/node_modules/@modelcontextprotocol/server-everything/dist/index.js\", "
            "\"stdio\"]\n");
        mcp.close();

        // The default `agent` persona (restricted, Claude Code), on the image with the agents.
        m_persona = Persona::defaults(agentsImageName()).at(2);
        m_persona.name = QStringLiteral("e2e-%1").arg(::getpid());
        m_persona.ports = {};
        m_persona.sshKey.clear();
        for (Persona::Volume &v : m_persona.volumes)
            v.name += QStringLiteral("-e2e-%1").arg(::getpid());
        m_persona.agent.env = {
            {QStringLiteral("ANTHROPIC_BASE_URL"),
             QStringLiteral("https://%1:%2").arg(ModelAddress).arg(m_fakePort)},
            {QStringLiteral("NODE_EXTRA_CA_CERTS"), QStringLiteral("/run/paddock/secrets/model-ca")},
            {QStringLiteral("OPENAI_BASE_URL"),
             QStringLiteral("https://%1:%2/v1").arg(ModelAddress).arg(m_fakePort)},
            {QStringLiteral("CODEX_CA_CERTIFICATE"), QStringLiteral("/run/paddock/secrets/model-ca")},
            // Copilot CLI on the same gateway, as a provider of the user's own (its BYOK).
            {QStringLiteral("COPILOT_PROVIDER_BASE_URL"),
             QStringLiteral("https://%1:%2/v1").arg(ModelAddress).arg(m_fakePort)},
            {QStringLiteral("COPILOT_MODEL"), QStringLiteral("gpt-4.1")}};
        PersonaStore personas(m_config + QStringLiteral("/personas.json"));
        QVERIFY(personas.load(agentsImageName()));
        QVERIFY(personas.add(m_persona));

        // Its key and the model API's certificate, in the real keychain, assigned to it.
        m_key = "sk-ant-e2e-" + QUuid::createUuid().toString(QUuid::Id128).toLatin1();
        SecretStore secrets;
        QSignalSpy stored(&secrets, &SecretStore::stored);
        QFile certFile(ca);
        QVERIFY(certFile.open(QIODevice::ReadOnly));
        secrets.store(QStringLiteral("anthropic-api-key"), m_key, SecretStore::Kind::ApiKey, m_persona.name);
        QVERIFY(stored.wait(10000));
        m_openAiKey = "sk-openai-e2e-" + QUuid::createUuid().toString(QUuid::Id128).toLatin1();
        secrets.store(QStringLiteral("openai-api-key"), m_openAiKey, SecretStore::Kind::ApiKey,
                      m_persona.name);
        QVERIFY(stored.wait(10000));
        // The model API's CA, and the host's authorities: a TLS-inspecting network between the proxy
        // and the npm registry shows the agent its own CA, as the user's network would.
        QByteArray authorities = certFile.readAll();
        if (QFile system(QStringLiteral("/etc/ssl/certs/ca-certificates.crt"));
            system.open(QIODevice::ReadOnly))
            authorities += '\n' + system.readAll();
        secrets.store(QStringLiteral("model-ca"), authorities, SecretStore::Kind::Other, m_persona.name);
        QVERIFY(stored.wait(10000));

        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), Engine::State::Running, 30000);
        PersonaRuntime *runtime = m_engine->personaRuntime();
        QTRY_VERIFY_WITH_TIMEOUT(runtime->isEngineConnected(), 10000);
        QSignalSpy created(runtime, &PersonaRuntime::workspaceCreated);
        QSignalSpy failed(runtime, &PersonaRuntime::workspaceFailed);
        QMetaObject::invokeMethod(runtime, [runtime, name = m_persona.name, original = m_original] {
            runtime->createWorkspace(name, original, QStringLiteral("e2e"), {});
        });
        QTRY_VERIFY_WITH_TIMEOUT(!created.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        m_workspace = created.first().at(1).value<Workspace>();
        QVERIFY2(waitForState(*runtime, m_persona.name, PersonaStatus::State::Running, 90000),
                 qPrintable(runtime->status(m_persona.name)->message));
        // The agent's session is up once the entrypoint has put the configuration in place.
        QTRY_VERIFY_WITH_TIMEOUT(run(QStringLiteral("tmux has-session -t agent")).exitCode == 0, 30000);
    }

    void cleanup()
    {
        if (!QTest::currentTestFailed())
            return;
        if (auto lines = m_client->logs(container(), 30))
            for (const auto &line : *lines)
                qInfo("container: %s", line.text.constData());
        qInfo("model API requests:\n%s", qPrintable(fakeLog().right(6000)));
    }

    void cleanupTestCase()
    {
        if (m_engine) {
            QMetaObject::invokeMethod(
                m_engine->personaRuntime(),
                [r = m_engine->personaRuntime(), name = m_persona.name] { r->stopPersona(name); });
            m_engine->stop();
        }
        if (m_client) {
            (void)m_client->killContainer(container());
            (void)m_client->removeContainer(container(), true, true);
            for (const Persona::Volume &v : m_persona.volumes)
                (void)m_client->removeVolume(v.name);
        }
        SecretStore secrets;
        QSignalSpy removed(&secrets, &SecretStore::removed);
        secrets.remove(QStringLiteral("anthropic-api-key"));
        secrets.remove(QStringLiteral("model-ca"));
        secrets.remove(QStringLiteral("openai-api-key"));
        secrets.remove(SignIn::secretName(Persona::Agent::Kind::Codex, m_persona.name));
        secrets.remove(SignIn::secretName(Persona::Agent::Kind::Claude, m_persona.name));
        QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 5, 10000);
        if (m_client)
            (void)m_client->removeContainer(signInContainerName(m_persona.name), true);
        m_fake.terminate();
        m_fake.waitForFinished(5000);
    }

    void theAgentIsConfiguredAtStart()
    {
        // Paddock's settings in the home volume, pointing at the key in the tmpfs, never holding it.
        const auto settings = run(QStringLiteral("cat ~/.claude/settings.json"));
        const QJsonObject s = QJsonDocument::fromJson(settings.stdoutText).object();
        QVERIFY2(s.value(QStringLiteral("apiKeyHelper"))
                     .toString()
                     .contains(QStringLiteral("/run/paddock/secrets/anthropic-api-key")),
                 settings.stdoutText.constData());
        QCOMPARE(
            s.value(QStringLiteral("env")).toObject().value(QStringLiteral("DISABLE_AUTOUPDATER")).toString(),
            QStringLiteral("1"));
        QCOMPARE(s.value(QStringLiteral("sandbox")).toObject().value(QStringLiteral("enabled")).toBool(true),
                 false);
        QVERIFY(!settings.stdoutText.contains(m_key));
        const auto state =
            run(QStringLiteral("jq -c '.hasCompletedOnboarding, "
                               ".projects[\"/home/dev/workspace\"].hasTrustDialogAccepted' ~/.claude.json"));
        QCOMPARE(state.stdoutText, QByteArray("true\ntrue\n"));
        // The key file: the persona user's alone, in the tmpfs.
        const auto key = run(QStringLiteral("stat -c '%a %u' /run/paddock/secrets/anthropic-api-key; "
                                            "findmnt -n -o FSTYPE /run/paddock/secrets"));
        QCOMPARE(key.stdoutText, QByteArray("400 1000\ntmpfs\n"));
    }

    void headlessCommitsAndPushesToItsBranch()
    {
        QByteArray raw;
        const QJsonObject result =
            claude(QStringLiteral("RUN: echo written by the agent > e2e.txt && git add e2e.txt && "
                                  "git -c user.name=Agent -c user.email=agent@example.org commit -qm e2e && "
                                  "git push local HEAD:refs/heads/ai/e2e 2>&1; echo push-rc=$?"),
                   &raw);
        QVERIFY2(result.value(QStringLiteral("result")).toString().startsWith(QStringLiteral("DONE: ")),
                 raw.constData());
        QVERIFY2(result.value(QStringLiteral("result")).toString().contains(QStringLiteral("push-rc=0")),
                 raw.constData());
        QVERIFY(result.value(QStringLiteral("total_cost_usd")).toDouble() > 0);
        QVERIFY(
            result.value(QStringLiteral("usage")).toObject().value(QStringLiteral("output_tokens")).toInt() >
            0);
        // In the host-side mirror, on ai/e2e.
        QCOMPARE(git(m_workspace.mirror, {QStringLiteral("show"), QStringLiteral("ai/e2e:e2e.txt")}),
                 QStringLiteral("written by the agent"));
        // The key reached the model API from the tmpfs (apiKeyHelper), through the proxy.
        const QString log = fakeLog();
        QVERIFY2(log.contains(QStringLiteral("\"credential\": \"%1\"").arg(QString::fromLatin1(m_key))),
                 qPrintable(log.right(3000)));
        bool modelAllowed = false;
        for (const AuditEvent &e : audit(QStringLiteral("connect")))
            modelAllowed |= e.resource.contains(ModelAddress) && e.decision == AuditEvent::Decision::Allow &&
                            e.policies.contains(QStringLiteral("test-model-api"));
        QVERIFY(modelAllowed);
        bool pushAllowed = false;
        for (const AuditEvent &e : audit(QStringLiteral("git.push")))
            pushAllowed |=
                e.resource.contains(QStringLiteral("ai/e2e")) && e.decision == AuditEvent::Decision::Allow;
        QVERIFY(pushAllowed);
    }

    // The same agent as a scheduled job's run: a fresh container of the persona on a fresh copy,
    // Claude Code headless (stream-json), the job as the principal of its connections and pushes;
    // its tokens and cost come from Claude's own JSON into the run's history.
    void aJobRunsClaudeCodeHeadless()
    {
        Job job;
        job.name = QStringLiteral("nightly-e2e");
        job.persona = m_persona.name;
        job.repository = m_original;
        job.prompt = QStringLiteral("RUN: echo written by the job > job.txt && git add job.txt && "
                                    "git -c user.name=Job -c user.email=job@example.org commit -qm job && "
                                    "git push local HEAD 2>&1; echo push-rc=$?");
        job.schedule = QStringLiteral("0 3 1 1 *");
        job.timeZone = QStringLiteral("UTC");
        job.timeoutMinutes = 10;
        job.hardCostUsd = 5;
        JobStore jobs(m_config + QStringLiteral("/jobs.json"));
        QVERIFY(jobs.load());
        QVERIFY(jobs.add(job));
        SchedulerService *scheduler = m_engine->scheduler();
        QTRY_VERIFY_WITH_TIMEOUT(!scheduler->jobs().isEmpty(), 10000); // it follows the file
        QSignalSpy runs(scheduler, &SchedulerService::runChanged);
        QMetaObject::invokeMethod(scheduler, [scheduler, name = job.name] { scheduler->runNow(name); });
        QTRY_VERIFY_WITH_TIMEOUT(!runs.isEmpty() && runs.last().first().value<Run>().isFinal(), 300000);
        const Run run = runs.last().first().value<Run>();
        QFile log(m_data + QStringLiteral("/runs/%1.log").arg(run.id));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray text = log.readAll();
        QVERIFY2(run.status == Run::Status::Ok, qPrintable(run.reason + u'\n' + QString::fromUtf8(text.right(4000))));
        QVERIFY2(run.result.startsWith(QStringLiteral("DONE: ")) && run.result.contains(QStringLiteral("push-rc=0")),
                 qPrintable(run.result));
        QVERIFY2(run.inputTokens > 0 && run.outputTokens > 0, qPrintable(QString::number(run.outputTokens)));
        QVERIFY(run.costUsd && *run.costUsd > 0);
        QVERIFY(text.contains("\"type\":\"result\"")); // Claude's own stream, in the log
        // Its branch in the mirror, pushed as the job; the model API reached as the job.
        const QString branch = m_persona.name + QStringLiteral("/job-nightly-e2e-%1").arg(run.id);
        QCOMPARE(git(m_workspace.mirror, {QStringLiteral("show"), branch + QStringLiteral(":job.txt")}),
                 QStringLiteral("written by the job"));
        bool asJob = false, modelAsJob = false;
        for (const AuditEvent &e : audit(QStringLiteral("git.push"), QStringLiteral("job:nightly-e2e")))
            asJob |= e.persona == QStringLiteral("job:nightly-e2e") && e.decision == AuditEvent::Decision::Allow;
        for (const AuditEvent &e : audit(QStringLiteral("connect"), QStringLiteral("job:nightly-e2e")))
            modelAsJob |= e.persona == QStringLiteral("job:nightly-e2e") && e.resource.contains(ModelAddress) &&
                          e.decision == AuditEvent::Decision::Allow;
        QVERIFY(asJob);
        QVERIFY(modelAsJob);
        QVERIFY(!m_client->inspectContainer(jobContainerName(QStringLiteral("job.nightly-e2e.%1").arg(run.id))));
    }

    void pushToMainIsRefused()
    {
        const QString before = git(m_workspace.mirror, {QStringLiteral("rev-parse"), QStringLiteral("main")});
        QByteArray raw;
        const QJsonObject result =
            claude(QStringLiteral("RUN: git push local HEAD:main 2>&1; echo push-rc=$?"), &raw);
        const QString text = result.value(QStringLiteral("result")).toString();
        QVERIFY2(text.contains(QStringLiteral("push-rc=1")), raw.constData());
        QVERIFY2(text.contains(QStringLiteral("protected-branches")), raw.constData());
        QCOMPARE(git(m_workspace.mirror, {QStringLiteral("rev-parse"), QStringLiteral("main")}), before);
        bool denied = false;
        for (const AuditEvent &e : audit(QStringLiteral("git.push")))
            denied |= e.resource.endsWith(QStringLiteral("main")) && e.decision == AuditEvent::Decision::Deny;
        QVERIFY(denied);
    }

    void aHostNoPolicyAllowsIs403()
    {
        QByteArray raw;
        const QJsonObject result =
            claude(QStringLiteral(
                       "RUN: curl -sS -o /dev/null -w 'connect=%{http_connect}' https://exfil.example/ 2>&1"),
                   &raw);
        QVERIFY2(result.value(QStringLiteral("result")).toString().contains(QStringLiteral("connect=403")),
                 raw.constData());
        bool denied = false;
        for (const AuditEvent &e : audit(QStringLiteral("connect")))
            denied |= e.resource.contains(QStringLiteral("exfil.example")) &&
                      e.decision == AuditEvent::Decision::Deny;
        QVERIFY(denied);
    }

    // Codex the same way, against the Responses API: its key from auth.json in the tmpfs, the
    // gateway a provider of its config.toml, its CA from the persona's environment.
    void codexPushesToItsBranchToo()
    {
        const QByteArray log = runToEnd(QStringLiteral("codex exec --skip-git-repo-check ") +
                                        pushPrompt(QStringLiteral("codex")));
        checkPushed(QStringLiteral("codex"), log);
        const QString requests = fakeLog();
        QVERIFY2(requests.contains(QStringLiteral("\"path\": \"/v1/responses\", \"credential\": \"%1\"")
                                       .arg(QString::fromLatin1(m_openAiKey))),
                 qPrintable(requests.right(3000)));
        // Its auth.json is a link into the tmpfs, not a file in the home volume.
        QCOMPARE(run(QStringLiteral("readlink ~/.codex/auth.json")).stdoutText,
                 QByteArray("/run/paddock/secrets/_codex-auth.json\n"));
    }

    // Copilot CLI the same way, on a provider of the user's own (its BYOK: GitHub's model API cannot
    // be reached here), against Chat Completions: the key by COPILOT_PROVIDER_API_KEY_COMMAND from
    // the tmpfs, through the proxy.
    void copilotPushesToItsBranchToo()
    {
        const QByteArray log =
            runToEnd(QStringLiteral("copilot --allow-all-tools -p ") + pushPrompt(QStringLiteral("copilot")));
        checkPushed(QStringLiteral("copilot"), log);
        const QString requests = fakeLog();
        QVERIFY2(
            requests.contains(QStringLiteral("\"path\": \"/v1/chat/completions\", \"credential\": \"%1\"")
                                  .arg(QString::fromLatin1(m_openAiKey))),
            qPrintable(requests.right(3000)));
        QCOMPARE(run(QStringLiteral("echo \"$COPILOT_PROVIDER_API_KEY_COMMAND\"")).stdoutText,
                 QByteArray("cat /run/paddock/secrets/openai-api-key\n"));
    }

    // opencode the same way, against the Messages API: its key by {file:} from the tmpfs, the
    // gateway its provider's baseURL, through the proxy.
    void opencodePushesToItsBranchToo()
    {
        const QByteArray log = runToEnd(QStringLiteral("opencode run -m anthropic/claude-sonnet-4-5 ") +
                                        pushPrompt(QStringLiteral("opencode")));
        checkPushed(QStringLiteral("opencode"), log);
    }

    void interactiveInItsTmuxSession()
    {
        // What a user types into the attached terminal, and what the pane then shows.
        QVERIFY(run(QStringLiteral(
                        "tmux send-keys -t agent -l 'RUN: echo from-the-pane > pane.txt; cat pane.txt'"))
                    .exitCode == 0);
        QTest::qWait(500);
        QVERIFY(run(QStringLiteral("tmux send-keys -t agent Enter")).exitCode == 0);
        QByteArray pane;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (pane = run(QStringLiteral("tmux capture-pane -p -t agent -S -200")).stdoutText)
                .contains("DONE: from-the-pane"),
            pane.constData(), 90000);
        QCOMPARE(run(QStringLiteral("cat pane.txt")).stdoutText, QByteArray("from-the-pane\n"));
    }

    void anMcpToolCallReachesTheServer()
    {
        // In every agent's own configuration, from the one mcp.toml.
        const auto configs =
            run(QStringLiteral("jq -r '.mcpServers.everything.command' ~/.claude.json; "
                               "grep -c '^\\[mcp_servers.\"everything\"\\]' ~/.codex/config.toml; "
                               "jq -r '.mcp.everything.command[0]' \"$OPENCODE_CONFIG\"; "
                               "jq -r '.mcpServers.everything.command' ~/.copilot/mcp-config.json"));
        QCOMPARE(configs.stdoutText, QByteArray("node\n1\nnode\nnode\n"));
        QByteArray raw;
        const QJsonObject result = claude(
            QStringLiteral("TOOL: mcp__everything__echo {\"message\": \"hello from the fence\"}"), &raw);
        QVERIFY2(result.value(QStringLiteral("result"))
                     .toString()
                     .contains(QStringLiteral("hello from the fence")),
                 raw.constData());
        QVERIFY2(fakeLog().contains(QStringLiteral("mcp__everything__echo")),
                 qPrintable(fakeLog().right(3000)));
    }

    // What agents do all the time: fetch a package. npx through the relay's proxy port and the
    // egress proxy (the restricted set allows the npm registry), the connection in the audit log.
    void npxFetchesThroughTheProxy()
    {
        // Outside the workspace, whose node_modules has the package already.
        const QByteArray log =
            runToEnd(QStringLiteral("npx -y %1 stdio").arg(QString::fromLatin1(McpPackage)), 200,
                     QStringLiteral("/tmp"));
        QVERIFY2(log.contains("\nexit=0") || log.startsWith("exit=0"), log.right(2000).constData());
        QVERIFY2(
            run(QStringLiteral("ls -d ~/.npm/_npx/*/node_modules/@modelcontextprotocol/server-everything"))
                    .exitCode == 0,
            log.right(2000).constData());
        bool registry = false;
        for (const AuditEvent &e : audit(QStringLiteral("connect")))
            registry |= e.resource.contains(QStringLiteral("registry.npmjs.org")) &&
                        e.decision == AuditEvent::Decision::Allow;
        QVERIFY(registry);
    }

    void theKeyIsNowhereElse()
    {
        auto inspect = m_client->inspectContainer(container());
        QVERIFY(inspect);
        QVERIFY(!QJsonDocument(*inspect).toJson().contains(m_key));
        QVERIFY(!QJsonDocument(*inspect).toJson().contains(m_openAiKey));
        auto image = m_client->inspectImage(agentsImageName());
        QVERIFY(image);
        QVERIFY(!QJsonDocument(*image).toJson().contains(m_key));
        if (auto lines = m_client->logs(container()))
            for (const auto &line : *lines)
                QVERIFY(!line.text.contains(m_key));
        // Paddock's own files (configuration, data, audit log) and the home volume.
        for (const QString &root : {m_config, m_data}) {
            QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                QFile f(it.next());
                if (f.open(QIODevice::ReadOnly)) {
                    const QByteArray data = f.readAll();
                    QVERIFY2(!data.contains(m_key) && !data.contains(m_openAiKey), qPrintable(f.fileName()));
                }
            }
        }
        for (const QByteArray &key : {m_key, m_openAiKey}) {
            const auto home =
                run(QStringLiteral(
                        "grep -rl --exclude-dir=workspace -F %1 /home/dev /tmp 2>/dev/null; echo searched")
                        .arg(QString::fromLatin1(key)));
            QCOMPARE(home.stdoutText, QByteArray("searched\n"));
        }
    }

    // Sign in… with Claude Code: its own login (claude setup-token) runs in a throwaway container of
    // the persona, in the tmux session a terminal attaches to, and waits for the code from the
    // browser; cancelled, it leaves nothing.
    void claudeSignInRunsItsOwnLogin()
    {
        QSignalSpy ready(m_engine->personaRuntime(), &PersonaRuntime::signInReady);
        QSignalSpy failed(m_engine->personaRuntime(), &PersonaRuntime::signInFailed);
        invoke([name = m_persona.name](PersonaRuntime *r) { r->signIn(name); });
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        const QString container = ready.first().at(1).toString();
        QCOMPARE(container, signInContainerName(m_persona.name));
        QByteArray pane;
        QTRY_VERIFY2_WITH_TIMEOUT((pane = inSignIn(QStringLiteral("tmux capture-pane -p -t agent -S -")))
                                          .contains("oauth/authorize") &&
                                      pane.contains("Paste code"),
                                  pane.constData(), 60000);
        // Not the persona's container: none of its volumes, its home in /tmp, labelled as a sign-in.
        auto inspect = m_client->inspectContainer(container);
        QVERIFY(inspect);
        for (const QJsonValue &m : inspect->value(QStringLiteral("Mounts")).toArray())
            QVERIFY2(m.toObject().value(QStringLiteral("Type")).toString() != u"volume",
                     QJsonDocument(m.toObject()).toJson().constData());
        const QJsonObject labels =
            inspect->value(QStringLiteral("Config")).toObject().value(QStringLiteral("Labels")).toObject();
        QCOMPARE(labels.value(QLatin1StringView(SignInLabel)).toString(), m_persona.name);
        QVERIFY(!labels.contains(QLatin1StringView(PersonaLabel)));
        QCOMPARE(inSignIn(QStringLiteral("tmux display -p -t agent '#{pane_current_path}'")),
                 QByteArray("/tmp/home\n"));
        invoke([name = m_persona.name](PersonaRuntime *r) { r->cancelSignIn(name); });
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 30000);
        QVERIFY(failed.first().at(1).value<Error>().message.contains(QStringLiteral("cancelled")));
        QTRY_VERIFY_WITH_TIMEOUT(!m_client->inspectContainer(container), 20000);
        QVERIFY(keychain(SignIn::secretName(Persona::Agent::Kind::Claude, m_persona.name)).isEmpty());
        QCOMPARE(m_engine->personaRuntime()->status(m_persona.name)->state, PersonaStatus::State::Running);
    }

    // Sign in… with Codex, its login scripted as a person would type it (the ChatGPT login needs
    // auth.openai.com, which cannot be reached here; `codex login --with-api-key` writes the same
    // auth.json the same way): the auth.json it wrote goes to the keychain, comes back at the next
    // start as a link to a writable copy in /tmp, and what Codex rewrites there (as it does when it
    // refreshes its tokens) is back in the keychain once Paddock stops the persona.
    void codexSignInGoesToTheKeychainAndComesBackRefreshed()
    {
        const QString secret = SignIn::secretName(Persona::Agent::Kind::Codex, m_persona.name);
        {
            // A key would win over the sign-in: this persona signs in instead.
            SecretStore secrets;
            QSignalSpy removed(&secrets, &SecretStore::removed);
            secrets.remove(QStringLiteral("openai-api-key"));
            QVERIFY(removed.wait(10000));
        }
        Persona codex = m_persona;
        codex.agent.kind = Persona::Agent::Kind::Codex;
        invoke([codex](PersonaRuntime *r) { r->updatePersona(codex.name, codex); });
        const auto kind = [this] {
            for (const Persona &p : m_engine->personaRuntime()->personas())
                if (p.name == m_persona.name)
                    return p.agent.kind;
            return Persona::Agent::Kind::Shell;
        };
        QTRY_COMPARE_WITH_TIMEOUT(kind(), Persona::Agent::Kind::Codex, 10000);

        QSignalSpy ready(m_engine->personaRuntime(), &PersonaRuntime::signInReady);
        QSignalSpy finished(m_engine->personaRuntime(), &PersonaRuntime::signInFinished);
        QSignalSpy failed(m_engine->personaRuntime(), &PersonaRuntime::signInFailed);
        invoke([name = m_persona.name](PersonaRuntime *r) {
            // Codex takes a key only from a pipe: the key typed into the terminal, piped to it.
            r->signIn(name, {QStringLiteral("sh"), QStringLiteral("-c"),
                             QStringLiteral("printf 'API key: '; read -r key; "
                                            "printf %s \"$key\" | codex login --with-api-key")});
        });
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        QByteArray pane;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (pane = inSignIn(QStringLiteral("tmux capture-pane -p -t agent -S -"))).contains("API key:") ||
                !failed.isEmpty(),
            pane.constData(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        inSignIn(
            QStringLiteral("tmux send-keys -t agent -l sk-signed-in-e2e; tmux send-keys -t agent Enter"));
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 60000);
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<Error>().text()));
        QCOMPARE(finished.first().at(1).toString(), secret);
        QVERIFY2(keychain(secret).contains("sk-signed-in-e2e"), keychain(secret).constData());
        QTRY_VERIFY_WITH_TIMEOUT(!m_client->inspectContainer(signInContainerName(m_persona.name)), 20000);

        // The next start: Codex signed in, its auth.json a link to a copy in the container's /tmp.
        invoke([name = m_persona.name](PersonaRuntime *r) { r->restartPersona(name); });
        QTest::qWait(1000);
        QVERIFY(
            waitForState(*m_engine->personaRuntime(), m_persona.name, PersonaStatus::State::Running, 90000));
        const QString copy = QLatin1StringView(SignIn::WritableFolder) + u'/' + secret;
        QTRY_COMPARE_WITH_TIMEOUT(run(QStringLiteral("readlink ~/.codex/auth.json")).stdoutText,
                                  copy.toUtf8() + '\n', 30000);
        QVERIFY(run(QStringLiteral("codex login status 2>&1")).stdoutText.contains("API key configured"));
        QCOMPARE(run(QStringLiteral("stat -c '%a %U' ") + copy).stdoutText, QByteArray("600 dev\n"));
        // Codex rewrites it (here through its own login, as a refresh does): through the link.
        QCOMPARE(run(QStringLiteral("printf sk-refreshed-e2e | codex login --with-api-key >/dev/null 2>&1; "
                                    "readlink ~/.codex/auth.json; grep -c sk-refreshed-e2e ") +
                     copy)
                     .stdoutText,
                 copy.toUtf8() + "\n1\n");
        QCOMPARE(
            run(QStringLiteral("grep -rl --exclude-dir=workspace -e sk-refreshed-e2e -e sk-signed-in-e2e "
                               "/home/dev 2>/dev/null; echo searched"))
                .stdoutText,
            QByteArray("searched\n"));
        QSignalSpy kept(m_engine->personaRuntime(), &PersonaRuntime::credentialKept);
        invoke([name = m_persona.name](PersonaRuntime *r) { r->stopPersona(name); });
        QTRY_VERIFY_WITH_TIMEOUT(!kept.isEmpty(), 60000);
        QCOMPARE(kept.first().at(1).toString(), secret);
        QTRY_VERIFY_WITH_TIMEOUT(keychain(secret).contains("sk-refreshed-e2e"), 10000);
    }
};

QTEST_GUILESS_MAIN(TestAgentE2e)
#include "test_agent_e2e.moc"
