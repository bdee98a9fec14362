// mcp.toml (McpConfig, toml++) and what each agent is given from it (AgentConfig): the servers as
// written, every mistake at its file:line:column with what to do, a save that reads back the
// same; Claude Code's, Codex's (read back by Python's own TOML parser), opencode's and Copilot's
// formats, with secrets only as names read by paddock-agent with-secrets, never as values.
#include "agents/AgentConfig.h"
#include "agents/McpConfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace paddock;

namespace {
const QByteArray Example = "[servers.everything]\n"
                           "command = \"npx\"\n"
                           "args = [\"-y\", \"@modelcontextprotocol/server-everything@2026.8.31\"]\n"
                           "env = { LOG_LEVEL = \"info\" }\n"
                           "secrets = { API_TOKEN = \"mcp-token\" }\n"
                           "personas = [\"agent\"]\n"
                           "\n"
                           "[servers.docs]\n"
                           "url = \"https://mcp.example.com/mcp\"\n"
                           "headers = { X-Team = \"paddock\" }\n";
const QString File = QStringLiteral("/config/mcp.toml");

QJsonObject jsonOf(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}
} // namespace

class TestMcpConfig : public QObject
{
    Q_OBJECT

private slots:
    void readsTheServers()
    {
        auto servers = McpConfig::parse(Example, File);
        QVERIFY2(servers, qPrintable(servers ? QString() : servers.error().text()));
        QCOMPARE(servers->size(), 2);
        const McpServer docs = servers->at(0); // in name order
        QCOMPARE(docs.name, QStringLiteral("docs"));
        QVERIFY(docs.isHttp());
        QCOMPARE(docs.headers.value(QStringLiteral("X-Team")), QStringLiteral("paddock"));
        QVERIFY(docs.isFor(QStringLiteral("anyone")));
        const McpServer everything = servers->at(1);
        QCOMPARE(everything.command, QStringLiteral("npx"));
        QCOMPARE(everything.args.size(), 2);
        QCOMPARE(everything.secrets.value(QStringLiteral("API_TOKEN")), QStringLiteral("mcp-token"));
        QVERIFY(everything.isFor(QStringLiteral("agent")));
        QVERIFY(!everything.isFor(QStringLiteral("web")));
        QCOMPARE(McpConfig::forPersona(*servers, QStringLiteral("web")).size(), 1);
        // Its secret is read by paddock-agent when the server starts; no value in the command.
        QCOMPARE(everything.commandLine().mid(0, 5),
                 (QStringList{QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("with-secrets"),
                              QStringLiteral("API_TOKEN=mcp-token"), QStringLiteral("--"),
                              QStringLiteral("npx")}));

        // Saved and read again: the same servers.
        auto again = McpConfig::parse(McpConfig::serialize(*servers), File);
        QVERIFY(again);
        QCOMPARE(*again, *servers);
        // No file: no servers.
        auto none = McpConfig::load(QStringLiteral("/nonexistent/mcp.toml"));
        QVERIFY(none && none->isEmpty());
    }

    void mistakesAreReportedWhereTheyAre_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("says");
        QTest::newRow("not TOML") << QByteArray("[servers.a]\ncommand = \"x\nargs = []\n")
                                  << File + QStringLiteral(":2:") << QString();
        QTest::newRow("unknown key") << QByteArray("[servers.a]\ncommand = \"x\"\ncwd = \"/\"\n")
                                     << File + QStringLiteral(":3:1")
                                     << QStringLiteral("unknown key \"cwd\"");
        QTest::newRow("command and url")
            << QByteArray("[servers.a]\ncommand = \"x\"\nurl = \"https://h/\"\n")
            << File + QStringLiteral(":1:1") << QStringLiteral("either a command or a url");
        QTest::newRow("args not a list")
            << QByteArray("[servers.a]\ncommand = \"x\"\nargs = \"-y\"\n") << File + QStringLiteral(":3:8")
            << QStringLiteral("list of strings");
        QTest::newRow("a key in env")
            << QByteArray("[servers.a]\ncommand = \"x\"\nenv = { GITHUB_TOKEN = \"ghp_1\" }\n")
            << File + QStringLiteral(":3:7") << QStringLiteral("looks like a key");
        QTest::newRow("bad secret name")
            << QByteArray("[servers.a]\ncommand = \"x\"\nsecrets = { T = \"Bad Name\" }\n")
            << File + QStringLiteral(":3:11") << QStringLiteral("not a valid secret name");
        QTest::newRow("bad server name")
            << QByteArray("[servers.\"Has Space\"]\ncommand = \"x\"\n") << File + QStringLiteral(":1:1")
            << QStringLiteral("not a server name");
        QTest::newRow("other table") << QByteArray("[tools]\nx = 1\n") << File + QStringLiteral(":1:2")
                                     << QStringLiteral("unknown table");
        QTest::newRow("plain url scheme")
            << QByteArray("[servers.a]\nurl = \"ftp://h/\"\n") << File + QStringLiteral(":2:7")
            << QStringLiteral("http:// or https://");
    }

    void mistakesAreReportedWhereTheyAre()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, where);
        QFETCH(QString, says);
        auto parsed = McpConfig::parse(text, File);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().where.startsWith(where), qPrintable(parsed.error().text()));
        QVERIFY2(parsed.error().message.contains(says), qPrintable(parsed.error().text()));
        QVERIFY(!parsed.error().hint.isEmpty());
    }

    void eachAgentGetsItsOwnFormat()
    {
        auto servers = McpConfig::parse(Example, File);
        QVERIFY(servers);
        Persona persona = Persona::defaults(QStringLiteral("image")).at(2);
        persona.agent.env = {{QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("https://gateway.example/v1")}};
        const QMap<QString, QByteArray> secrets{{QStringLiteral("anthropic-api-key"), "sk-ant-VALUE"},
                                                {QStringLiteral("openai-api-key"), "sk-openai-VALUE\n"},
                                                {QStringLiteral("mcp-token"), "mcp-VALUE"}};
        const auto files = AgentConfig::files(persona, secrets, *servers);
        for (auto it = files.cbegin(); it != files.cend(); ++it) {
            QVERIFY(AgentConfig::isOwnFile(it.key()));
            QVERIFY2(!it.value().contains("mcp-VALUE"), qPrintable(it.key()));
            QVERIFY2(!it.value().contains("sk-ant-VALUE"), qPrintable(it.key()));
            if (it.key() != QStringLiteral("_codex-auth.json")) // Codex takes its key only this way
                QVERIFY2(!it.value().contains("sk-openai-VALUE"), qPrintable(it.key()));
        }
        QCOMPARE(jsonOf(files[QStringLiteral("_codex-auth.json")])
                     .value(QStringLiteral("OPENAI_API_KEY"))
                     .toString(),
                 QStringLiteral("sk-openai-VALUE"));

        // Claude Code: ~/.claude.json's mcpServers, its tools allowed, the key by apiKeyHelper.
        const QJsonObject claude = jsonOf(files[QStringLiteral("_claude-state.json")]);
        const QJsonObject everything =
            claude[QStringLiteral("mcpServers")][QStringLiteral("everything")].toObject();
        QCOMPARE(everything[QStringLiteral("type")].toString(), QStringLiteral("stdio"));
        QCOMPARE(everything[QStringLiteral("command")].toString(),
                 QStringLiteral("/usr/local/bin/paddock-agent"));
        QCOMPARE(everything[QStringLiteral("env")][QStringLiteral("LOG_LEVEL")].toString(),
                 QStringLiteral("info"));
        QCOMPARE(
            claude[QStringLiteral("mcpServers")][QStringLiteral("docs")][QStringLiteral("type")].toString(),
            QStringLiteral("http"));
        const QJsonObject settings = jsonOf(files[QStringLiteral("_claude-settings.json")]);
        QVERIFY(settings[QStringLiteral("permissions")][QStringLiteral("allow")].toArray().contains(
            QStringLiteral("mcp__everything")));
        QCOMPARE(settings[QStringLiteral("apiKeyHelper")].toString(),
                 QStringLiteral("tr -d '\\r\\n' < /run/paddock/secrets/anthropic-api-key"));

        // Codex: valid TOML, as a real parser (Python's tomllib) reads it.
        QProcess python;
        python.start(
            QStringLiteral("python3"),
            {QStringLiteral("-c"), QStringLiteral("import json, sys, tomllib; "
                                                  "print(json.dumps(tomllib.loads(sys.stdin.read())))")});
        python.write(files[QStringLiteral("_codex-config.toml")]);
        python.closeWriteChannel();
        QVERIFY(python.waitForFinished(30000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QJsonObject codex = jsonOf(python.readAllStandardOutput());
        QCOMPARE(codex[QStringLiteral("mcp_servers")][QStringLiteral("everything")][QStringLiteral("args")]
                     .toArray()
                     .last()
                     .toString(),
                 QStringLiteral("@modelcontextprotocol/server-everything@2026.8.31"));
        QCOMPARE(
            codex[QStringLiteral("mcp_servers")][QStringLiteral("docs")][QStringLiteral("url")].toString(),
            QStringLiteral("https://mcp.example.com/mcp"));
        // A gateway is a provider of its own, with the key of auth.json.
        QCOMPARE(codex[QStringLiteral("model_provider")].toString(), QStringLiteral("paddock"));
        QCOMPARE(codex[QStringLiteral("model_providers")][QStringLiteral("paddock")][QStringLiteral("base_url")].toString(),
                 QStringLiteral("https://gateway.example/v1"));
        QCOMPARE(codex[QStringLiteral("projects")][QStringLiteral("/home/dev/workspace")]
                      [QStringLiteral("trust_level")]
                          .toString(),
                 QStringLiteral("trusted"));

        // opencode: local command as one list, remote by url; keys by {file:}.
        const QJsonObject opencode = jsonOf(files[QStringLiteral("_opencode.json")]);
        QCOMPARE(
            opencode[QStringLiteral("mcp")][QStringLiteral("everything")][QStringLiteral("type")].toString(),
            QStringLiteral("local"));
        QCOMPARE(opencode[QStringLiteral("mcp")][QStringLiteral("docs")][QStringLiteral("type")].toString(),
                 QStringLiteral("remote"));
        QCOMPARE(opencode[QStringLiteral("provider")][QStringLiteral("anthropic")][QStringLiteral("options")]
                         [QStringLiteral("apiKey")]
                             .toString(),
                 QStringLiteral("{file:/run/paddock/secrets/anthropic-api-key}"));

        // Copilot CLI: mcp-config.json.
        const QJsonObject copilot = jsonOf(files[QStringLiteral("_copilot-mcp.json")]);
        QCOMPARE(copilot[QStringLiteral("mcpServers")][QStringLiteral("everything")][QStringLiteral("type")]
                     .toString(),
                 QStringLiteral("local"));
    }

    void agentEnvironmentIsChecked()
    {
        QVERIFY(Persona::Agent::envNameProblem(QStringLiteral("ANTHROPIC_BASE_URL")).isEmpty());
        QVERIFY(Persona::Agent::envNameProblem(QStringLiteral("NODE_EXTRA_CA_CERTS")).isEmpty());
        QVERIFY(!Persona::Agent::envNameProblem(QStringLiteral("ANTHROPIC_API_KEY")).isEmpty());
        QVERIFY(!Persona::Agent::envNameProblem(QStringLiteral("https_proxy")).isEmpty());
        QVERIFY(!Persona::Agent::envNameProblem(QStringLiteral("PADDOCK_SSH_KEY")).isEmpty());
        QVERIFY(!Persona::Agent::envNameProblem(QStringLiteral("1X")).isEmpty());
        // The session's environment quotes every value for the shell that sources it.
        Persona persona = Persona::defaults(QStringLiteral("image")).at(2);
        persona.agent.env = {{QStringLiteral("ODD"), QStringLiteral("it's $(not run)")}};
        const QByteArray env = AgentConfig::files(persona, {}, {})[QStringLiteral("_agent.env")];
        QVERIFY2(env.contains("export ODD='it'\\''s $(not run)'\n"), env.constData());
    }
};

QTEST_GUILESS_MAIN(TestMcpConfig)
#include "test_mcp_config.moc"
