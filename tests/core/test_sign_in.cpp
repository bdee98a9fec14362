// What Paddock keeps of an agent's sign-in (SignIn::credential) from what its login left, and how
// the kept credential reaches the agent at the next start (AgentConfig).
#include "agents/AgentConfig.h"
#include "agents/McpServer.h"
#include "agents/SignIn.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace paddock;
using Kind = Persona::Agent::Kind;

namespace {

const QString Token = QStringLiteral("sk-ant-oat01-") + QString(80, u'A') + QStringLiteral("b_c-dAA");

// Claude Code's last screen of `claude setup-token`, the token wrapped at `width` columns as Ink
// wraps it (with the terminal's text around it).
QByteArray claudeScreen(const QString &token, int width)
{
    QStringList lines{QStringLiteral(" Browser didn't open? Use the URL below to sign in"),
                      QStringLiteral("https://claude.ai/oauth/authorize?code=true"),
                      QString(),
                      QStringLiteral("✓ Long-lived authentication token created"),
                      QString(),
                      QStringLiteral("Your OAuth token (valid for 1 year):")};
    for (qsizetype i = 0; i < token.size(); i += width)
        lines << token.mid(i, width);
    lines << QString() << QStringLiteral("Store this token securely. You won't be able to see it again.")
          << QStringLiteral("Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>");
    return lines.join(u'\n').toUtf8();
}

} // namespace

class TestSignIn : public QObject
{
    Q_OBJECT

private slots:
    void loginsOfTheAgentsThatHaveOne()
    {
        QVERIFY(SignIn::canSignIn(Kind::Claude));
        QVERIFY(SignIn::canSignIn(Kind::Codex));
        QVERIFY(SignIn::canSignIn(Kind::Copilot));
        QVERIFY(!SignIn::canSignIn(Kind::Opencode));
        QVERIFY(!SignIn::canSignIn(Kind::Shell));
        QVERIFY(!SignIn::canSignIn(Kind::Custom));
        QCOMPARE(SignIn::login(Kind::Claude)->command,
                 QStringList({QStringLiteral("claude"), QStringLiteral("setup-token")}));
        QCOMPARE(
            SignIn::login(Kind::Codex)->command,
            QStringList({QStringLiteral("codex"), QStringLiteral("login"), QStringLiteral("--device-auth")}));
        QCOMPARE(SignIn::login(Kind::Copilot)->command,
                 QStringList(
                     {QStringLiteral("copilot"), QStringLiteral("login"), QStringLiteral("--device-code")}));
        QCOMPARE(SignIn::login(Kind::Codex)->hosts.first().name, QStringLiteral("auth.openai.com"));
    }

    void secretNamesArePerPersonaAndAgent()
    {
        QCOMPARE(SignIn::secretName(Kind::Claude, QStringLiteral("agent")),
                 QStringLiteral("claude-sign-in.agent"));
        QCOMPARE(SignIn::agentOfSecret(QStringLiteral("codex-sign-in.agent"), QStringLiteral("agent")),
                 Kind::Codex);
        QVERIFY(!SignIn::agentOfSecret(QStringLiteral("codex-sign-in.agent"), QStringLiteral("web")));
        QVERIFY(!SignIn::agentOfSecret(QStringLiteral("anthropic-api-key"), QStringLiteral("agent")));
    }

    void claudesTokenFromItsScreen_data()
    {
        QTest::addColumn<int>("width");
        QTest::newRow("one line") << 200;
        QTest::newRow("80 columns") << 80;
        QTest::newRow("narrow") << 33;
    }
    void claudesTokenFromItsScreen()
    {
        QFETCH(int, width);
        auto token =
            SignIn::credential(Kind::Claude, {{QStringLiteral("screen.txt"), claudeScreen(Token, width)}});
        QVERIFY2(token, token ? "" : qPrintable(token.error().text()));
        QCOMPARE(QString::fromLatin1(*token), Token);
    }

    void aLoginLeftUnfinishedKeepsNothing()
    {
        // Claude: still at "paste the code", or ended with an error.
        auto none = SignIn::credential(
            Kind::Claude,
            {{QStringLiteral("screen.txt"), "Paste code here if prompted\nOAuth error: timeout\n"}});
        QVERIFY(!none);
        QCOMPARE(none.error().code, Error::Code::NotFound);
        QVERIFY(!SignIn::credential(Kind::Claude, {}));
        // Something that is not a token where it would be.
        auto garbled = SignIn::credential(
            Kind::Claude,
            {{QStringLiteral("screen.txt"), claudeScreen(QStringLiteral("sk-ant-oat01-x y z"), 80)}});
        QVERIFY(!garbled);
        // Codex and Copilot without their files, or with files that hold nothing.
        QVERIFY(!SignIn::credential(Kind::Codex, {}));
        QVERIFY(!SignIn::credential(Kind::Codex,
                                    {{QStringLiteral("codex-auth.json"), "{\"OPENAI_API_KEY\": null}"}}));
        QVERIFY(!SignIn::credential(Kind::Codex, {{QStringLiteral("codex-auth.json"), "not json"}}));
        QVERIFY(!SignIn::credential(Kind::Copilot,
                                    {{QStringLiteral("copilot-config.json"), "{\"trusted_folders\": []}"}}));
        QVERIFY(!SignIn::credential(Kind::Opencode, {}));
        // A token with a line break after it is not one (found by fuzz_sign_in).
        QVERIFY(!SignIn::credential(Kind::Copilot,
                                    {{QStringLiteral("copilot-config.json"),
                                      "{\"token\": \"gho_0123456789abcdefghijklmnopqrstuvwxy\\n\"}"}}));
    }

    void codexsAuthFileWhole()
    {
        const QByteArray auth = "{\"auth_mode\": \"chatgpt\", \"OPENAI_API_KEY\": null, "
                                "\"tokens\": {\"id_token\": \"a.b.c\", \"access_token\": \"x\", "
                                "\"refresh_token\": \"y\", \"account_id\": \"z\"}, "
                                "\"last_refresh\": \"2026-12-07T10:00:00Z\"}";
        auto kept =
            SignIn::credential(Kind::Codex, {{QStringLiteral("codex-auth.json"), auth},
                                             {QStringLiteral("screen.txt"), "Successfully logged in"}});
        QVERIFY(kept);
        QCOMPARE(*kept, auth);
    }

    void copilotsTokenWhereverItIsInItsFiles()
    {
        const QByteArray config =
            "{\"trusted_folders\": [\"/home/dev/workspace\"], "
            "\"logged_in_users\": [{\"host\": \"https://github.com\", \"login\": \"octo\"}], "
            "\"copilot_tokens\": {\"https://github.com:octo\": {\"refresh\": "
            "\"ghr_0123456789abcdefghijklmnop\", "
            "\"token\": \"gho_0123456789abcdefghijklmnopqrstuvwxyz\"}}}";
        auto kept = SignIn::credential(Kind::Copilot,
                                       {{QStringLiteral("copilot-config.json"), config},
                                        {QStringLiteral("screen.txt"), "gho_notthisone_onthescreen1234"}});
        QVERIFY(kept);
        QCOMPARE(*kept, QByteArray("gho_0123456789abcdefghijklmnopqrstuvwxyz"));
    }

    void theKeptSignInReachesTheAgent()
    {
        Persona p;
        p.name = QStringLiteral("agent");
        p.agent.kind = Kind::Claude;
        const QMap<QString, QByteArray> signedIn{{QStringLiteral("claude-sign-in.agent"), Token.toLatin1()},
                                                 {QStringLiteral("copilot-sign-in.agent"), "gho_x"}};
        const QByteArray env = AgentConfig::files(p, signedIn, {}).value(QStringLiteral("_agent.env"));
        QVERIFY2(env.contains("CLAUDE_CODE_OAUTH_TOKEN=\"$(cat /run/paddock/secrets/claude-sign-in.agent)\""),
                 env.constData());
        QVERIFY2(env.contains("COPILOT_GITHUB_TOKEN=\"$(cat /run/paddock/secrets/copilot-sign-in.agent)\""),
                 env.constData());
        QVERIFY(!env.contains(Token.toLatin1())); // read from its file, never written into the configuration
        // A key wins: the agents would take the key anyway, and Paddock does not hand them two.
        QMap<QString, QByteArray> both = signedIn;
        both.insert(QStringLiteral("anthropic-api-key"), "sk-ant-api03-key");
        both.insert(QStringLiteral("github-token"), "github_pat_key");
        const QByteArray keyed = AgentConfig::files(p, both, {}).value(QStringLiteral("_agent.env"));
        QVERIFY(!keyed.contains("CLAUDE_CODE_OAUTH_TOKEN"));
        QVERIFY(keyed.contains("/run/paddock/secrets/github-token"));
        QVERIFY(!keyed.contains("copilot-sign-in"));
        // Codex keeps its sign-in in auth.json, in a file of its own (paddock-agent links a copy).
        const QByteArray toml = AgentConfig::files(p, {}, {}).value(QStringLiteral("_codex-config.toml"));
        QVERIFY(toml.contains("cli_auth_credentials_store = \"file\""));
    }
};

QTEST_GUILESS_MAIN(TestSignIn)
#include "test_sign_in.moc"
