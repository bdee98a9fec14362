// `paddockctl persona …` as a script runs it, on real podman: list with status, start, logs, stop,
// start on a workspace of a repository (made, then reused), and the exit codes for an unknown
// persona or bad usage (2) and for no engine (3).
#include "BusyboxImage.h"
#include "GitRepos.h"
#include "personas/PersonaStore.h"
#include "runtime/EngineClient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace paddock;
using namespace Qt::StringLiterals;

class TestPaddockctlPersona : public QObject
{
    Q_OBJECT

    QTemporaryDir m_config;
    std::unique_ptr<EngineClient> m_client;
    const QString m_suffix = QUuid::createUuid().toString(QUuid::Id128).left(8);
    QString image() const
    {
        return QStringLiteral("localhost/paddock-ctl-") + m_suffix + QStringLiteral(":1");
    }
    QString name() const { return QStringLiteral("ctl") + m_suffix; }

    struct Run
    {
        int code;
        QString out, err;
    };
    Run ctl(const QStringList &args, const QProcessEnvironment &extra = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_config.path());
        for (const QString &key : extra.keys())
            env.insert(key, extra.value(key));
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("PADDOCKCTL"), args);
        if (!p.waitForFinished(60000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        m_client = std::make_unique<EngineClient>(*endpoint);
        QVERIFY(m_client->connect());
        QVERIFY(m_client->importImage(busyboxRootTar(), image().section(u':', 0, 0), QStringLiteral("1")));
        Persona p;
        p.name = name();
        p.trust = Persona::Trust::Full;
        p.image = image();
        p.entrypoint = {
            QStringLiteral("/bin/sh"), QStringLiteral("-c"),
            QStringLiteral("trap 'exit 0' TERM; echo ready; echo oops >&2; while true; do sleep 1; done")};
        QVERIFY(QDir().mkpath(m_config.filePath(QStringLiteral("paddock"))));
        QFile file(m_config.filePath(QStringLiteral("paddock/personas.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(PersonaStore::serialize({p}));
    }

    void cleanupTestCase()
    {
        if (!m_client)
            return;
        (void)m_client->killContainer(QStringLiteral("paddock-") + name());
        (void)m_client->removeContainer(QStringLiteral("paddock-") + name(), true);
        (void)m_client->removeImage(image());
    }

    void startLogsStop()
    {
        Run list = ctl({QStringLiteral("persona"), QStringLiteral("list")});
        QCOMPARE(list.code, 0);
        QVERIFY2(list.out.contains(name()) && list.out.contains(QStringLiteral("stopped")),
                 qPrintable(list.out));
        QVERIFY2(list.out.contains(QStringLiteral(" AGENT ")) && list.out.contains(QStringLiteral(" shell ")),
                 qPrintable(list.out));

        Run start = ctl({QStringLiteral("persona"), QStringLiteral("start"), name()});
        QVERIFY2(start.code == 0, qPrintable(start.err));
        QVERIFY2(start.out.contains(QStringLiteral("running")), qPrintable(start.out));
        // Started again while it runs: done at once (the engine's answer comes before the wait).
        Run again = ctl({QStringLiteral("persona"), QStringLiteral("start"), name()});
        QVERIFY2(again.code == 0 && again.out.contains(QStringLiteral("running")), qPrintable(again.err));
        auto inspect = m_client->inspectContainer(QStringLiteral("paddock-") + name());
        QVERIFY(inspect);
        QVERIFY(inspect->value(QStringLiteral("State")).toObject().value(QStringLiteral("Running")).toBool());

        Run json = ctl({QStringLiteral("persona"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(json.code, 0);
        QVERIFY2(json.out.contains(QStringLiteral("\"state\":\"running\"")), qPrintable(json.out));
        // No agent of its own: what runs is its entrypoint.
        QVERIFY2(json.out.contains(QStringLiteral("\"agent\":{\"name\":\"shell\"}")), qPrintable(json.out));
        QVERIFY2(json.out.contains(QStringLiteral("\"command\":[\"/bin/sh\",\"-c\"")), qPrintable(json.out));

        Run logs;
        for (int i = 0; i < 50; ++i) { // the first lines can take a moment to reach the log
            logs = ctl({QStringLiteral("persona"), QStringLiteral("logs"), name()});
            if (logs.out.contains(QStringLiteral("ready")))
                break;
            QTest::qWait(100);
        }
        QCOMPARE(logs.code, 0);
        QCOMPARE(logs.out.trimmed(), QStringLiteral("ready"));
        QCOMPARE(logs.err.trimmed(), QStringLiteral("oops"));

        // The command that attaches a terminal to it (its tmux session), for a terminal elsewhere.
        Run print =
            ctl({QStringLiteral("persona"), QStringLiteral("attach"), name(), QStringLiteral("--print")});
        QCOMPARE(print.code, 0);
        QVERIFY2(print.out.contains(QStringLiteral(" exec -it paddock-") + name() +
                                    QStringLiteral(" tmux new-session -A -s agent -c /home/dev/workspace")),
                 qPrintable(print.out));
        // Without a terminal it says so rather than hanging.
        Run noTerminal = ctl({QStringLiteral("persona"), QStringLiteral("attach"), name()});
        QCOMPARE(noTerminal.code, 2);
        QVERIFY2(noTerminal.err.contains(QStringLiteral("attaching needs a terminal")),
                 qPrintable(noTerminal.err));

        Run stop = ctl({QStringLiteral("persona"), QStringLiteral("stop"), name()});
        QVERIFY2(stop.code == 0, qPrintable(stop.err));
        QVERIFY2(stop.out.contains(QStringLiteral("stopped")), qPrintable(stop.out));
        Run notRunning = ctl({QStringLiteral("persona"), QStringLiteral("attach"), name()});
        QCOMPARE(notRunning.code, 2);
        QVERIFY2(notRunning.err.contains(QStringLiteral("is not running; start it first")),
                 qPrintable(notRunning.err));
    }

    // The drop flow from the command line: start --workspace makes the persona's own copy of the
    // repository on <persona>/<feature> and starts it there; the same start again reuses that copy,
    // running or stopped meanwhile.
    void startOnAWorkspace()
    {
        QTemporaryDir repos;
        const QString original = repos.filePath(u"app"_s);
        QVERIFY(makeRepository(original, {{u"_governance/RULES"_s, "no force pushes\n"}}));
        const QStringList start{u"persona"_s, u"start"_s,     name(),    u"--workspace"_s,
                                original,     u"--feature"_s, u"login"_s};
        auto stopAtTheEnd = qScopeGuard([&] { ctl({u"persona"_s, u"stop"_s, name()}); });

        const Run first = ctl(start);
        QVERIFY2(first.code == 0, qPrintable(first.err));
        const QStringList printed = first.out.trimmed().split(u'\n');
        QCOMPARE(printed.size(), 2);
        const QString path = printed.at(0);
        const QString branch = name() + u"/login"_s;
        QCOMPARE(printed.at(1), branch);
        QVERIFY2(QFileInfo(path).isDir() && path != original, qPrintable(path));
        QCOMPARE(git(path, {u"rev-parse"_s, u"--abbrev-ref"_s, u"HEAD"_s}), branch);
        QVERIFY2(first.err.contains(u"making a workspace of "_s + original) &&
                     first.err.contains(u"running"_s),
                 qPrintable(first.err));

        auto listed = [&] {
            const Run list = ctl({u"persona"_s, u"list"_s, u"--json"_s});
            for (const QString &line : list.out.split(u'\n', Qt::SkipEmptyParts)) {
                const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
                if (o.value(u"name"_s).toString() == name())
                    return o;
            }
            return QJsonObject();
        };
        QJsonObject persona = listed();
        QCOMPARE(persona.value(u"state"_s).toString(), u"running"_s);
        QCOMPARE(persona.value(u"workspace"_s).toString(), path);
        QCOMPARE(persona.value(u"workspaceReadOnly"_s).toArray(), QJsonArray{u"_governance"_s});

        // Again while it runs on it: the same workspace, nothing made.
        const Run again = ctl(start);
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QCOMPARE(again.out.trimmed().split(u'\n'), printed);
        QVERIFY2(again.err.contains(u"on its workspace "_s + path) && !again.err.contains(u"making"_s),
                 qPrintable(again.err));
        const Run workspaces = ctl({u"workspace"_s, u"list"_s, u"--persona"_s, name(), u"--json"_s});
        QCOMPARE(workspaces.out.trimmed().split(u'\n').size(), 1);

        // Stopped, it comes back to the same workspace.
        QCOMPARE(ctl({u"persona"_s, u"stop"_s, name()}).code, 0);
        const Run back = ctl(start);
        QVERIFY2(back.code == 0, qPrintable(back.err));
        QCOMPARE(back.out.trimmed().split(u'\n'), printed);
        persona = listed();
        QCOMPARE(persona.value(u"state"_s).toString(), u"running"_s);
        QCOMPARE(persona.value(u"workspace"_s).toString(), path);

        // Usage errors, before anything is made.
        const Run notARepository = ctl({u"persona"_s, u"start"_s, name(), u"--workspace"_s, repos.path()});
        QCOMPARE(notARepository.code, 2);
        QVERIFY2(notARepository.err.contains(u"not a git repository"_s), qPrintable(notARepository.err));
        const Run badFeature =
            ctl({u"persona"_s, u"start"_s, name(), u"--workspace"_s, original, u"--feature"_s, u"../x"_s});
        QCOMPARE(badFeature.code, 2);
        QVERIFY2(badFeature.err.contains(u"cannot be a feature name"_s), qPrintable(badFeature.err));
        const Run featureAlone = ctl({u"persona"_s, u"start"_s, name(), u"--feature"_s, u"x"_s});
        QCOMPARE(featureAlone.code, 2);
        QVERIFY2(featureAlone.err.contains(u"--workspace"_s), qPrintable(featureAlone.err));
    }

    void exitCodes()
    {
        Run unknown = ctl({QStringLiteral("persona"), QStringLiteral("start"), QStringLiteral("nosuch")});
        QCOMPARE(unknown.code, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("no persona \"nosuch\"")));
        Run usage = ctl({QStringLiteral("persona"), QStringLiteral("frob")});
        QCOMPARE(usage.code, 2);
        QProcessEnvironment env;
        env.insert(QStringLiteral("CONTAINER_HOST"),
                   QStringLiteral("unix://") + m_config.filePath(QStringLiteral("none.sock")));
        Run none = ctl({QStringLiteral("persona"), QStringLiteral("start"), name()}, env);
        QCOMPARE(none.code, 3);
        QVERIFY2(none.err.contains(QStringLiteral("not a socket")) &&
                     none.err.contains(QStringLiteral("podman.socket")),
                 qPrintable(none.err));
    }
};

QTEST_GUILESS_MAIN(TestPaddockctlPersona)
#include "test_paddockctl_persona.moc"
