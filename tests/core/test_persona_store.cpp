// personas.json: defaults, round trip, every bad input reported with file:line:column and the
// file left as it was, and changes written atomically with the previous version kept.
#include "config/AtomicFile.h"
#include "personas/PersonaStore.h"

#include <QJsonArray>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestPersonaStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;
    QString fresh() { return m_dir.filePath(QStringLiteral("personas-%1.json").arg(++m_n)); }
    static QString image() { return QStringLiteral("localhost/paddock-agent:0.1.0"); }

private slots:
    void missingFileMeansTheDefaults()
    {
        PersonaStore store(fresh());
        QVERIFY(store.load(image()));
        QCOMPARE(store.personas().size(), 3);
        QVERIFY(store.find(QStringLiteral("agent")));
        QVERIFY(!QFile::exists(store.path())); // nothing written until something changes
    }

    void changesAreValidatedAndWrittenAtomically()
    {
        PersonaStore store(fresh());
        QVERIFY(store.load(image()));
        auto copy = store.duplicate(QStringLiteral("agent"), QStringLiteral("nightly"));
        QVERIFY2(copy, qPrintable(copy ? QString() : copy.error().text()));
        QVERIFY(copy->ports.isEmpty()); // not the same host ports twice
        QCOMPARE(copy->volumes.first().name, QStringLiteral("paddock-nightly-home"));
        QVERIFY(QFile::exists(store.path()));
        const QByteArray first = *AtomicFile::read(store.path());

        // Refused: a second persona publishing 18789.
        Persona clash = *store.find(QStringLiteral("nightly"));
        clash.ports = {{18789, 8080}};
        auto refused = store.update(QStringLiteral("nightly"), clash);
        QVERIFY(!refused);
        QVERIFY(refused.error().message.contains(QStringLiteral("already published by \"agent\"")));
        QCOMPARE(*AtomicFile::read(store.path()), first); // nothing changed

        QVERIFY(store.remove(QStringLiteral("web")));
        QVERIFY(!store.find(QStringLiteral("web")));
        QCOMPARE(*AtomicFile::read(AtomicFile::backupPath(store.path())), first); // the previous version

        // A policy mode other than enforce is kept, and shown as a relaxation.
        Persona shadowed = *store.find(QStringLiteral("nightly"));
        shadowed.policyMode = Persona::PolicyMode::Shadow;
        QVERIFY(store.update(QStringLiteral("nightly"), shadowed));
        QVERIFY(shadowed.relaxations().join(u' ').contains(QStringLiteral("shadow mode")));
        // And its proxy limits.
        shadowed.proxy.maxTunnels = 7;
        shadowed.proxy.bytesPerSecond = 1'000'000;
        QVERIFY(store.update(QStringLiteral("nightly"), shadowed));
        // A loopback listener for the full-trust one, and no port twice.
        Persona dev = *store.find(QStringLiteral("dev"));
        dev.proxyLoopbackPort = 3129;
        QVERIFY(store.update(QStringLiteral("dev"), dev));
        Persona samePort = shadowed;
        samePort.proxyLoopbackPort = 3129;
        const auto taken = store.update(QStringLiteral("nightly"), samePort);
        QVERIFY(!taken);
        QVERIFY2(taken.error().message.contains(QStringLiteral("port 3129 for its proxy is already taken")),
                 qPrintable(taken.error().message));

        // And it reads back the same.
        PersonaStore again(store.path());
        QVERIFY(again.load(image()));
        QCOMPARE(again.personas().size(), 3);
        QCOMPARE(again.find(QStringLiteral("nightly"))->policyMode, Persona::PolicyMode::Shadow);
        QCOMPARE(again.find(QStringLiteral("nightly"))->proxy.maxTunnels, 7);
        QCOMPARE(again.find(QStringLiteral("nightly"))->proxy.bytesPerSecond, 1'000'000);
        QCOMPARE(again.find(QStringLiteral("agent"))->proxy, Persona::ProxyLimits{});
        QCOMPARE(again.find(QStringLiteral("dev"))->proxyLoopbackPort, 3129);
        QCOMPARE(again.find(QStringLiteral("nightly"))->proxyLoopbackPort, 0);
        QCOMPARE(again.find(QStringLiteral("agent"))->policyMode, Persona::PolicyMode::Enforce);
        QCOMPARE(PersonaStore::serialize(again.personas()), PersonaStore::serialize(store.personas()));
        QVERIFY(!store.remove(QStringLiteral("no-such")));
    }

    void badFilesAreReportedWhereTheProblemIs_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("position");
        QTest::addColumn<QString>("message");
        const QByteArray head = "{\n  \"version\": 1,\n  \"personas\": [\n";
        const QByteArray good = "    {\"name\": \"dev\", \"trust\": \"full\", \"image\": \"img\"},\n";
        QTest::newRow("not JSON") << QByteArray("{\n  \"version\": 1,\n  \"personas\": [,]\n}")
                                  << QStringLiteral(":3:16") << QStringLiteral("not valid JSON");
        QTest::newRow("newer") << QByteArray("{\n  \"version\": 7, \"personas\": []}")
                               << QStringLiteral(":2:3") << QStringLiteral("newer Paddock");
        QTest::newRow("unknown trust")
            << head + good + "    {\"name\": \"x\", \"trust\": \"total\", \"image\": \"img\"}\n  ]\n}"
            << QStringLiteral(":5:19") << QStringLiteral("unknown trust level \"total\"");
        QTest::newRow("wrong type") << head +
                                           "    {\"name\": \"x\", \"trust\": \"full\", \"image\": 5}\n  ]\n}"
                                    << QStringLiteral(":4:36")
                                    << QStringLiteral("\"image\" must be a string");
        QTest::newRow("duplicate name")
            << head + good + good.chopped(2) + "\n  ]\n}" << QStringLiteral(":5:6")
            << QStringLiteral("two personas named \"dev\"");
        QTest::newRow("bad name")
            << head + "    {\"name\": \"Dev Box\", \"trust\": \"full\", \"image\": \"img\"}\n  ]\n}"
            << QStringLiteral(":4:6") << QStringLiteral("not a persona name");
        QTest::newRow("port out of range") << head + "    {\"name\": \"x\", \"trust\": \"full\", \"image\": "
                                                     "\"img\", \"ports\": [{\"host\": 70000, "
                                                     "\"container\": 22}]}\n  ]\n}"
                                           << QStringLiteral(":4:52") << QStringLiteral("from 1 to 65535");
        QTest::newRow("unknown policy mode")
            << head + "    {\"name\": \"x\", \"trust\": \"full\", \"image\": \"img\", \"policyMode\": "
                      "\"lax\"}\n  ]\n}"
            << QStringLiteral(":4:52") << QStringLiteral("\"policyMode\" must be");
        QTest::newRow("proxy limit not a number")
            << head + "    {\"name\": \"x\", \"trust\": \"restricted\", \"image\": \"img\", \"proxy\": "
                      "{\"maxTunnels\": \"many\"}}\n  ]\n}"
            << QStringLiteral(":4:58") << QStringLiteral("proxy limits must be numbers");
        QTest::newRow("proxy limit negative")
            << head + "    {\"name\": \"x\", \"trust\": \"restricted\", \"image\": \"img\", \"proxy\": "
                      "{\"bytesPerSecond\": -1}}\n  ]\n}"
            << QStringLiteral(":4:58") << QStringLiteral("proxy limits must be numbers");
        QTest::newRow("proxy not an object")
            << head + "    {\"name\": \"x\", \"trust\": \"restricted\", \"image\": \"img\", \"proxy\": 5}\n  "
                      "]\n}"
            << QStringLiteral(":4:58") << QStringLiteral("\"proxy\" must be an object");
        QTest::newRow("loopback port out of range")
            << head + "    {\"name\": \"x\", \"trust\": \"full\", \"image\": \"img\", \"proxy\": "
                      "{\"loopbackPort\": 70000}}\n  ]\n}"
            << QStringLiteral(":4:52") << QStringLiteral("\"loopbackPort\" must be a port");
        QTest::newRow("loopback port twice")
            << head + "    {\"name\": \"a\", \"trust\": \"full\", \"image\": \"img\", \"proxy\": "
                      "{\"loopbackPort\": 3129}},\n"
                      "    {\"name\": \"b\", \"trust\": \"full\", \"image\": \"img\", \"proxy\": "
                      "{\"loopbackPort\": 3129}}\n  ]\n}"
            << QStringLiteral(":5:6") << QStringLiteral("port 3129 for its proxy is already taken by \"a\"");
        QTest::newRow("published on a loopback proxy's port")
            << head + "    {\"name\": \"a\", \"trust\": \"full\", \"image\": \"img\", \"proxy\": "
                      "{\"loopbackPort\": 3129}},\n"
                      "    {\"name\": \"b\", \"trust\": \"full\", \"image\": \"img\", \"ports\": "
                      "[{\"host\": 3129, \"container\": 22}]}\n  ]\n}"
            << QStringLiteral(":5:6") << QStringLiteral("port 3129 is already taken by the proxy of \"a\"");
        QTest::newRow("a number too large") << QByteArray("{\"version\": 3e336}") << QStringLiteral(":1:1")
                                            << QStringLiteral("not valid JSON");
        const QByteArray head2 = "{\n  \"version\": 2,\n  \"personas\": [\n";
        const QByteArray agentHead =
            "    {\"name\": \"x\", \"trust\": \"restricted\", \"image\": \"img\", \"agent\": ";
        QTest::newRow("unknown agent")
            << head2 + agentHead + "{\"name\": \"aider\"}}\n  ]\n}" << QStringLiteral(":4:58")
            << QStringLiteral("\"name\" is shell, claude");
        QTest::newRow("agent not an object")
            << head2 + agentHead + "\"claude\"}\n  ]\n}" << QStringLiteral(":4:58")
            << QStringLiteral("must be an object");
        QTest::newRow("a model that would be an option")
            << head2 + agentHead +
                   "{\"name\": \"claude\", \"model\": \"--dangerously-skip-permissions\"}}\n  ]\n}"
            << QStringLiteral(":4:6") << QStringLiteral("is not a model name");
        QTest::newRow("unknown effort")
            << head2 + agentHead + "{\"name\": \"codex\", \"effort\": \"extreme\"}}\n  ]\n}"
            << QStringLiteral(":4:6") << QStringLiteral("the effort \"extreme\" is not one of minimal, low");
        QTest::newRow("effort for opencode")
            << head2 + agentHead + "{\"name\": \"opencode\", \"effort\": \"high\"}}\n  ]\n}"
            << QStringLiteral(":4:6") << QStringLiteral("the opencode agent has no reasoning effort");
        QTest::newRow("web for claude")
            << head2 + agentHead + "{\"name\": \"claude\", \"web\": true}}\n  ]\n}" << QStringLiteral(":4:6")
            << QStringLiteral("only opencode has a web UI");
        QTest::newRow("web without a port")
            << head2 + agentHead + "{\"name\": \"opencode\", \"web\": true}}\n  ]\n}"
            << QStringLiteral(":4:6") << QStringLiteral("needs a published port");
        QTest::newRow("custom without a command")
            << head2 + agentHead + "{\"name\": \"custom\"}}\n  ]\n}" << QStringLiteral(":4:6")
            << QStringLiteral("the custom agent needs a command");
        QTest::newRow("command not strings")
            << head2 + agentHead + "{\"name\": \"custom\", \"command\": [1]}}\n  ]\n}"
            << QStringLiteral(":4:58") << QStringLiteral("\"command\" must be a list of strings");
    }

    // Each persona's agent: what its container runs, and a round trip through the file.
    void agentsAreWhatTheContainerRuns()
    {
        const QList<Persona> defaults = Persona::defaults(image());
        QCOMPARE(defaults.at(0).agent.kind, Persona::Agent::Kind::Shell); // dev: its SSH server, a shell
        QCOMPARE(defaults.at(0).command().at(1), QStringLiteral("sshd"));
        QCOMPARE(defaults.at(1).command(),
                 (QStringList{QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("agent"),
                              QStringLiteral("opencode"), QStringLiteral("--web"), QStringLiteral("--port"),
                              QStringLiteral("4096")}));
        QCOMPARE(defaults.at(2).command(), (QStringList{QStringLiteral("/usr/local/bin/paddock-agent"),
                                                        QStringLiteral("agent"), QStringLiteral("claude")}));
        Persona p = defaults.at(2);
        p.agent.kind = Persona::Agent::Kind::Codex;
        p.agent.model = QStringLiteral("gpt-5-codex");
        p.agent.effort = QStringLiteral("high");
        QCOMPARE(p.command().mid(2), (QStringList{QStringLiteral("codex"), QStringLiteral("--model"),
                                                  QStringLiteral("gpt-5-codex"), QStringLiteral("--effort"),
                                                  QStringLiteral("high")}));
        QCOMPARE(containerSpec(p).value(QStringLiteral("Entrypoint")).toArray().size(), 7);
        Persona custom = defaults.at(2);
        custom.name = QStringLiteral("custom");
        custom.ports.clear();
        custom.agent = {};
        custom.agent.kind = Persona::Agent::Kind::Custom;
        custom.agent.command = {QStringLiteral("aider"), QStringLiteral("--yes")};
        QCOMPARE(custom.command().mid(2), (QStringList{QStringLiteral("custom"), QStringLiteral("--"),
                                                       QStringLiteral("aider"), QStringLiteral("--yes")}));

        PersonaStore store(fresh());
        QVERIFY(store.load(image()));
        QVERIFY(store.update(QStringLiteral("agent"), p));
        QVERIFY(store.add(custom));
        PersonaStore again(store.path());
        QVERIFY(again.load(image()));
        QCOMPARE(again.find(QStringLiteral("agent"))->agent, p.agent);
        QCOMPARE(again.find(QStringLiteral("custom"))->agent, custom.agent);
        QCOMPARE(again.find(QStringLiteral("web"))->agent, defaults.at(1).agent);
        QVERIFY(AtomicFile::read(store.path())->contains("\"version\": 2"));
    }

    // A version 1 file (before agents): the old defaults' programs become the agents that took their
    // place, anything else stays as it was, and the next write is version 2 with the old file kept.
    void aVersionOneFileIsMigrated()
    {
        const QString path = fresh();
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray v1 =
            "{\"version\": 1, \"personas\": [\n"
            "  {\"name\": \"web\", \"trust\": \"moderate\", \"image\": \"img\", \"entrypoint\": "
            "[\"/usr/local/bin/paddock-agent\", \"web\", \"--port\", \"4096\"], \"ports\": [{\"host\": 4096, "
            "\"container\": 4096}]},\n"
            "  {\"name\": \"agent\", \"trust\": \"restricted\", \"image\": \"img\", \"entrypoint\": "
            "[\"/usr/local/bin/paddock-agent\", \"gateway\", \"--port\", \"18789\"]},\n"
            "  {\"name\": \"mine\", \"trust\": \"restricted\", \"image\": \"img\", \"entrypoint\": "
            "[\"/usr/local/bin/paddock-agent\", \"--\", \"make\", \"serve\"]}\n]}\n";
        f.write(v1);
        f.close();
        PersonaStore store(path);
        QVERIFY(store.load(image()));
        QCOMPARE(store.find(QStringLiteral("web"))->agent.kind, Persona::Agent::Kind::Opencode);
        QVERIFY(store.find(QStringLiteral("web"))->agent.web);
        QVERIFY(store.find(QStringLiteral("web"))->entrypoint.isEmpty());
        QCOMPARE(store.find(QStringLiteral("agent"))->agent.kind, Persona::Agent::Kind::Claude);
        QCOMPARE(store.find(QStringLiteral("mine"))->agent.kind, Persona::Agent::Kind::Shell);
        QCOMPARE(store.find(QStringLiteral("mine"))->command().last(), QStringLiteral("serve"));
        QCOMPARE(*AtomicFile::read(path), v1); // nothing written by reading
        Persona mine = *store.find(QStringLiteral("mine"));
        mine.limits.memoryMb = 512;
        QVERIFY(store.update(QStringLiteral("mine"), mine));
        QVERIFY(AtomicFile::read(path)->contains("\"version\": 2"));
        QCOMPARE(*AtomicFile::read(AtomicFile::backupPath(path)), v1);
    }

    void badFilesAreReportedWhereTheProblemIs()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, position);
        QFETCH(QString, message);
        const QString path = fresh();
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
        f.close();
        PersonaStore store(path);
        auto loaded = store.load(image());
        QVERIFY(!loaded);
        QVERIFY2(loaded.error().where == path + position, qPrintable(loaded.error().where));
        QVERIFY2(loaded.error().message.contains(message), qPrintable(loaded.error().message));
        QVERIFY(!loaded.error().hint.isEmpty());
        // The defaults apply, and nothing overwrites the file until it is fixed.
        QCOMPARE(store.personas().size(), 3);
        QVERIFY(!store.isWritable());
        QVERIFY(!store.remove(QStringLiteral("dev")));
        QCOMPARE(*AtomicFile::read(path), text);
    }
};

QTEST_GUILESS_MAIN(TestPersonaStore)
#include "test_persona_store.moc"
