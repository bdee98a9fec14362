#include "agents/SignIn.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace paddock::SignIn {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SignIn)
};

using Kind = Persona::Agent::Kind;

// Claude Code prints its long-lived token once, between these two lines, wrapped at the terminal's
// width (claude setup-token).
constexpr QLatin1StringView TokenHeading("Your OAuth token");
constexpr QLatin1StringView TokenFooter("Store this token securely");

Result<QByteArray> claudeToken(const QByteArray &screen)
{
    const QString text = QString::fromUtf8(screen);
    const qsizetype heading = text.lastIndexOf(TokenHeading);
    if (heading < 0)
        return fail(Error::Code::NotFound,
                    Text::tr("Claude Code did not show a token: the sign-in was not finished"), {},
                    Text::tr("Sign in again and follow it to the end, where it shows \"Long-lived "
                             "authentication token created\"."));
    const qsizetype start = text.indexOf(QLatin1StringView("sk-ant-"), heading);
    if (start < 0)
        return fail(Error::Code::NotFound,
                    Text::tr("Claude Code's screen has no token after \"%1\"").arg(TokenHeading));
    // Wrapped lines put newlines (and the terminal's padding) into the token: up to the footer,
    // whatever is not white space is the token.
    qsizetype end = text.indexOf(TokenFooter, start);
    QString token;
    if (end < 0) {
        static const QRegularExpression word(QStringLiteral("^\\S+"));
        token = word.match(text.mid(start)).captured();
    } else {
        for (const QChar c : QStringView(text).mid(start, end - start))
            if (!c.isSpace())
                token += c;
    }
    static const QRegularExpression shape(
        QRegularExpression::anchoredPattern(QStringLiteral("sk-ant-[a-z]+[0-9]*-[A-Za-z0-9_-]{20,}")));
    if (!shape.match(token).hasMatch())
        return fail(Error::Code::Parse,
                    Text::tr("what Claude Code showed after \"%1\" is not a token").arg(TokenHeading), {},
                    Text::tr("Sign in again; if it happens again, copy the token from the terminal into a "
                             "secret by hand (Secrets page) named %1.")
                        .arg(QStringLiteral("claude-sign-in.<persona>")));
    return token.toLatin1();
}

Result<QByteArray> codexAuth(const QMap<QString, QByteArray> &files)
{
    const auto file = files.constFind(QStringLiteral("codex-auth.json"));
    if (file == files.cend())
        return fail(Error::Code::NotFound,
                    Text::tr("Codex left no ~/.codex/auth.json: the sign-in was not finished"), {},
                    Text::tr("Sign in again and follow it until Codex says it is signed in."));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*file, &error);
    if (!doc.isObject())
        return fail(Error::Code::Parse,
                    Text::tr("Codex's auth.json is not a JSON object: %1").arg(error.errorString()));
    const QJsonObject o = doc.object();
    const bool tokens = o.value(QStringLiteral("tokens")).isObject();
    const bool key = o.value(QStringLiteral("OPENAI_API_KEY")).isString();
    if (!tokens && !key)
        return fail(Error::Code::NotFound, Text::tr("Codex's auth.json has neither tokens nor a key"));
    return *file;
}

// A GitHub token of a kind Copilot takes from its environment (its own app's OAuth token, a
// user-to-server token, a fine-grained token); refresh tokens (ghr_) are not one.
bool isGitHubToken(const QString &s)
{
    // Anchored at the very end: "$" would let a final newline through.
    static const QRegularExpression re(
        QRegularExpression::anchoredPattern(QStringLiteral("(gho_|ghu_|github_pat_)[A-Za-z0-9_]{20,}")));
    return re.match(s).hasMatch();
}

std::optional<QString> findGitHubToken(const QJsonValue &v)
{
    if (v.isString())
        return isGitHubToken(v.toString()) ? std::optional(v.toString()) : std::nullopt;
    if (v.isArray()) {
        for (const QJsonValue &e : v.toArray())
            if (auto t = findGitHubToken(e))
                return t;
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            if (auto t = findGitHubToken(it.value()))
                return t;
    }
    return std::nullopt;
}

Result<QByteArray> copilotToken(const QMap<QString, QByteArray> &files)
{
    // Where Copilot keeps the token without a system keyring has moved between releases (under
    // ~/.copilot, in config.json lately); paddock-agent hands over its JSON files.
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        if (!it.key().startsWith(QLatin1StringView("copilot-")) ||
            !it.key().endsWith(QLatin1StringView(".json")))
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(it.value());
        if (auto token = findGitHubToken(doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object())))
            return token->toLatin1();
    }
    return fail(Error::Code::NotFound,
                Text::tr("Copilot CLI left no GitHub token in ~/.copilot: the sign-in was not finished"), {},
                Text::tr("Sign in again and follow it until Copilot says it is signed in."));
}

} // namespace

std::optional<Login> login(Kind agent)
{
    switch (agent) {
    case Kind::Claude:
        return Login{
            agent,
            Text::tr("Claude Pro or Max"),
            {QStringLiteral("claude"), QStringLiteral("setup-token")},
            {{QStringLiteral("platform.claude.com"), 443, Text::tr("exchanges the sign-in code for a token")},
             {QStringLiteral("api.anthropic.com"), 443, Text::tr("makes the long-lived token")}},
            Text::tr("Open the address it shows in your browser, sign in to Claude, and paste the "
                     "code the page gives you into the terminal.")};
    case Kind::Codex:
        return Login{agent,
                     Text::tr("ChatGPT"),
                     {QStringLiteral("codex"), QStringLiteral("login"), QStringLiteral("--device-auth")},
                     {{QStringLiteral("auth.openai.com"), 443, Text::tr("the device code and the tokens")}},
                     Text::tr("Open the address it shows in your browser, sign in to ChatGPT, and enter the "
                              "code the terminal shows.")};
    case Kind::Copilot:
        return Login{agent,
                     Text::tr("GitHub Copilot"),
                     {QStringLiteral("copilot"), QStringLiteral("login"), QStringLiteral("--device-code")},
                     {{QStringLiteral("github.com"), 443, Text::tr("the device code and the token")},
                      {QStringLiteral("api.github.com"), 443, Text::tr("checks the Copilot subscription")}},
                     Text::tr("Open https://github.com/login/device in your browser and enter the code the "
                              "terminal shows.")};
    case Kind::Shell:
    case Kind::Opencode:
    case Kind::Custom:
        break;
    }
    return std::nullopt;
}

bool canSignIn(Kind agent)
{
    return login(agent).has_value();
}

QString secretName(Kind agent, const QString &persona)
{
    return Persona::Agent::kindName(agent) + QStringLiteral("-sign-in.") + persona;
}

std::optional<Kind> agentOfSecret(const QString &secret, const QString &persona)
{
    for (const Kind k : {Kind::Claude, Kind::Codex, Kind::Copilot})
        if (secret == secretName(k, persona))
            return k;
    return std::nullopt;
}

Result<QByteArray> credential(Kind agent, const QMap<QString, QByteArray> &files)
{
    switch (agent) {
    case Kind::Claude:
        return claudeToken(files.value(QStringLiteral("screen.txt")));
    case Kind::Codex:
        return codexAuth(files);
    case Kind::Copilot:
        return copilotToken(files);
    case Kind::Shell:
    case Kind::Opencode:
    case Kind::Custom:
        break;
    }
    return fail(
        Error::Code::Invalid,
        Text::tr("%1 has no sign-in; give it an API key instead").arg(Persona::Agent::kindName(agent)));
}

} // namespace paddock::SignIn
