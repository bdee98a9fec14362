#include "agents/AgentConfig.h"

#include "agents/McpServer.h"
#include "agents/SignIn.h"
#include "common/ShellQuote.h"
#include "secrets/SecretDelivery.h"
#include "secrets/SecretStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace paddock {

namespace {

constexpr const char *Workspace = "/home/dev/workspace";

QString secretPath(const char *name)
{
    return QLatin1StringView(SecretDelivery::Folder) + u'/' + QLatin1StringView(name);
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QJsonArray array(const QStringList &list)
{
    QJsonArray out;
    for (const QString &s : list)
        out.append(s);
    return out;
}

QJsonObject object(const QMap<QString, QString> &map)
{
    QJsonObject out;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

// A TOML basic string: quotes, backslashes and control characters escaped.
QString toml(const QString &s)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : s) {
        if (c == u'"' || c == u'\\')
            out += u'\\' + QString(c);
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out + u'"';
}

QString toml(const QStringList &list)
{
    QStringList parts;
    for (const QString &s : list)
        parts << toml(s);
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

QString toml(const QMap<QString, QString> &map)
{
    QStringList parts;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        parts << toml(it.key()) + QStringLiteral(" = ") + toml(it.value());
    return u'{' + parts.join(QStringLiteral(", ")) + u'}';
}

// Claude Code's MCP servers, as its ~/.claude.json and --mcp-config take them.
QJsonObject claudeMcp(const QList<McpServer> &mcp)
{
    QJsonObject servers;
    for (const McpServer &s : mcp) {
        if (s.isHttp()) {
            QJsonObject o{{QStringLiteral("type"), QStringLiteral("http")}, {QStringLiteral("url"), s.url}};
            if (!s.headers.isEmpty())
                o.insert(QStringLiteral("headers"), object(s.headers));
            servers.insert(s.name, o);
            continue;
        }
        const QStringList line = s.commandLine();
        QJsonObject o{{QStringLiteral("type"), QStringLiteral("stdio")},
                      {QStringLiteral("command"), line.first()},
                      {QStringLiteral("args"), array(line.mid(1))}};
        if (!s.env.isEmpty())
            o.insert(QStringLiteral("env"), object(s.env));
        servers.insert(s.name, o);
    }
    return servers;
}

// ~/.claude/settings.json, merged over the user's own at each start (Paddock's keys win).
QByteArray claudeSettings(const Persona &persona, const QMap<QString, QByteArray> &secrets,
                          const QList<McpServer> &mcp)
{
    QJsonObject env{
        // The image is root's and read-only: an update could not be installed, and would not be
        // the pinned version; the image is rebuilt instead ("Update agents").
        {QStringLiteral("DISABLE_AUTOUPDATER"), QStringLiteral("1")},
        // Telemetry, error reports and other traffic that is not the model: off at the source; its
        // hosts are not in any default policy either, so the proxy would refuse it.
        {QStringLiteral("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_TELEMETRY"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_ERROR_REPORTING"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_BUG_COMMAND"), QStringLiteral("1")},
    };
    for (auto it = persona.agent.env.cbegin(); it != persona.agent.env.cend(); ++it)
        env.insert(it.key(), it.value());
    QStringList allow = AgentConfig::claudeAllowedTools();
    for (const McpServer &s : mcp)
        allow << QStringLiteral("mcp__") + s.name;
    QJsonObject settings{
        {QStringLiteral("env"), env},
        // Its own sandbox (bubblewrap) cannot run here (no user namespaces without capabilities)
        // and would add nothing: the container is the sandbox, the proxy the network's fence.
        {QStringLiteral("sandbox"), QJsonObject{{QStringLiteral("enabled"), false}}},
        {QStringLiteral("permissions"),
         QJsonObject{{QStringLiteral("defaultMode"), QStringLiteral("acceptEdits")},
                     {QStringLiteral("allow"), array(allow)}}},
    };
    if (secrets.contains(QLatin1StringView(AgentConfig::AnthropicKey)))
        settings.insert(QStringLiteral("apiKeyHelper"),
                        QString(QStringLiteral("tr -d '\\r\\n' < ") +
                                shellQuoted(secretPath(AgentConfig::AnthropicKey))));
    if (!persona.agent.model.isEmpty() && persona.agent.kind == Persona::Agent::Kind::Claude)
        settings.insert(QStringLiteral("model"), persona.agent.model);
    return json(settings);
}

// What ~/.claude.json needs so that Claude Code starts straight into the workspace: onboarding
// done, the workspace trusted (the container is what confines it), and the MCP servers.
QByteArray claudeState(const QList<McpServer> &mcp)
{
    return json(QJsonObject{
        {QStringLiteral("hasCompletedOnboarding"), true},
        {QStringLiteral("autoUpdates"), false},
        {QStringLiteral("projects"),
         QJsonObject{{QLatin1StringView(Workspace),
                      QJsonObject{{QStringLiteral("hasTrustDialogAccepted"), true},
                                  {QStringLiteral("hasCompletedProjectOnboarding"), true}}}}},
        {QStringLiteral("mcpServers"), claudeMcp(mcp)},
    });
}

// ~/.codex/config.toml, written whole at each start.
QByteArray codexConfig(const Persona &persona, const QList<McpServer> &mcp)
{
    QStringList lines{
        QStringLiteral("# Written by Paddock at each start of persona \"%1\"; change the persona in Paddock "
                       "instead (this file is replaced).")
            .arg(persona.name)};
    if (persona.agent.kind == Persona::Agent::Kind::Codex) {
        if (!persona.agent.model.isEmpty())
            lines << QStringLiteral("model = ") + toml(persona.agent.model);
        if (!persona.agent.effort.isEmpty())
            lines << QStringLiteral("model_reasoning_effort = ") + toml(persona.agent.effort);
    }
    // A gateway (OPENAI_BASE_URL in the agent's environment): Codex reads that variable for no
    // provider of its own, so the gateway is a provider of this configuration, with the OpenAI key
    // of auth.json.
    const QString gateway = persona.agent.env.value(QStringLiteral("OPENAI_BASE_URL"));
    if (!gateway.isEmpty())
        lines << QStringLiteral("model_provider = \"paddock\"");
    lines << QStringLiteral("# The container is the sandbox and the proxy the network's fence: Codex's "
                            "own sandbox would stop its git and network, which Paddock already governs.")
          << QStringLiteral("sandbox_mode = \"danger-full-access\"")
          << QStringLiteral("approval_policy = \"on-request\"")
          << QStringLiteral("check_for_update_on_startup = false")
          << QStringLiteral("# Its sign-in in auth.json, where paddock-agent links it (no keyring here).")
          << QStringLiteral("cli_auth_credentials_store = \"file\"") << QString()
          << QStringLiteral("[projects.%1]").arg(toml(QLatin1StringView(Workspace)))
          << QStringLiteral("trust_level = \"trusted\"");
    if (!gateway.isEmpty())
        lines << QString() << QStringLiteral("[model_providers.paddock]")
              << QStringLiteral("name = \"OpenAI through OPENAI_BASE_URL\"")
              << QStringLiteral("base_url = ") + toml(gateway) << QStringLiteral("wire_api = \"responses\"")
              << QStringLiteral("requires_openai_auth = true");
    if (!persona.agent.env.isEmpty()) {
        lines << QString() << QStringLiteral("[shell_environment_policy]")
              << QStringLiteral("set = ") + toml(persona.agent.env);
    }
    for (const McpServer &s : mcp) {
        lines << QString() << QStringLiteral("[mcp_servers.%1]").arg(toml(s.name));
        if (s.isHttp()) {
            lines << QStringLiteral("url = ") + toml(s.url);
            if (!s.headers.isEmpty())
                lines << QStringLiteral("http_headers = ") + toml(s.headers);
            continue;
        }
        const QStringList line = s.commandLine();
        lines << QStringLiteral("command = ") + toml(line.first())
              << QStringLiteral("args = ") + toml(line.mid(1));
        if (!s.env.isEmpty())
            lines << QStringLiteral("env = ") + toml(s.env);
    }
    return (lines.join(u'\n') + u'\n').toUtf8();
}

// opencode's configuration (OPENCODE_CONFIG): the keys by {file:…}, never their values.
QByteArray opencodeConfig(const Persona &persona, const QMap<QString, QByteArray> &secrets,
                          const QList<McpServer> &mcp)
{
    // Each provider's key by {file:}, and its gateway when the agent's environment names one (as
    // Claude Code's ANTHROPIC_BASE_URL, without /v1; OPENAI_BASE_URL with it).
    QJsonObject providers;
    const auto &env = persona.agent.env;
    for (const auto &[provider, secret, gateway] :
         {std::tuple{"anthropic", AgentConfig::AnthropicKey,
                     env.contains(QStringLiteral("ANTHROPIC_BASE_URL"))
                         ? env.value(QStringLiteral("ANTHROPIC_BASE_URL")) + QStringLiteral("/v1")
                         : QString()},
          std::tuple{"openai", AgentConfig::OpenAiKey, env.value(QStringLiteral("OPENAI_BASE_URL"))}}) {
        QJsonObject options;
        if (secrets.contains(QLatin1StringView(secret)))
            options.insert(QStringLiteral("apiKey"), QStringLiteral("{file:%1}").arg(secretPath(secret)));
        if (!gateway.isEmpty())
            options.insert(QStringLiteral("baseURL"), gateway);
        if (!options.isEmpty())
            providers.insert(QLatin1StringView(provider), QJsonObject{{QStringLiteral("options"), options}});
    }
    QJsonObject servers;
    for (const McpServer &s : mcp) {
        if (s.isHttp()) {
            QJsonObject o{{QStringLiteral("type"), QStringLiteral("remote")}, {QStringLiteral("url"), s.url}};
            if (!s.headers.isEmpty())
                o.insert(QStringLiteral("headers"), object(s.headers));
            servers.insert(s.name, o);
            continue;
        }
        QJsonObject o{{QStringLiteral("type"), QStringLiteral("local")},
                      {QStringLiteral("command"), array(s.commandLine())}};
        if (!s.env.isEmpty())
            o.insert(QStringLiteral("environment"), object(s.env));
        servers.insert(s.name, o);
    }
    QJsonObject config{
        {QStringLiteral("$schema"), QStringLiteral("https://opencode.ai/config.json")},
        {QStringLiteral("autoupdate"), false},
        {QStringLiteral("share"), QStringLiteral("disabled")},
        {QStringLiteral("permission"), QJsonObject{{QStringLiteral("edit"), QStringLiteral("allow")},
                                                   {QStringLiteral("bash"), QStringLiteral("allow")},
                                                   {QStringLiteral("webfetch"), QStringLiteral("allow")}}},
    };
    if (!providers.isEmpty())
        config.insert(QStringLiteral("provider"), providers);
    if (!servers.isEmpty())
        config.insert(QStringLiteral("mcp"), servers);
    if (persona.agent.kind == Persona::Agent::Kind::Opencode && !persona.agent.model.isEmpty())
        config.insert(QStringLiteral("model"), persona.agent.model);
    return json(config);
}

// Copilot CLI's ~/.copilot/mcp-config.json.
QByteArray copilotMcp(const QList<McpServer> &mcp)
{
    QJsonObject servers;
    for (const McpServer &s : mcp) {
        QJsonObject o;
        if (s.isHttp()) {
            o = {{QStringLiteral("type"), QStringLiteral("http")}, {QStringLiteral("url"), s.url}};
            if (!s.headers.isEmpty())
                o.insert(QStringLiteral("headers"), object(s.headers));
        } else {
            const QStringList line = s.commandLine();
            o = {{QStringLiteral("type"), QStringLiteral("local")},
                 {QStringLiteral("command"), line.first()},
                 {QStringLiteral("args"), array(line.mid(1))}};
            if (!s.env.isEmpty())
                o.insert(QStringLiteral("env"), object(s.env));
        }
        o.insert(QStringLiteral("tools"), QJsonArray{QStringLiteral("*")});
        servers.insert(s.name, o);
    }
    return json(QJsonObject{{QStringLiteral("mcpServers"), servers}});
}

// The agent session's environment, sourced by paddock-agent: the persona's variables, and the
// tokens of the agents that read theirs from the environment, read from their files when sourced.
QByteArray sessionEnv(const Persona &persona, const QMap<QString, QByteArray> &secrets)
{
    QStringList lines{QStringLiteral("# Written by Paddock at each start; sourced by paddock-agent.")};
    for (auto it = persona.agent.env.cbegin(); it != persona.agent.env.cend(); ++it)
        lines << QStringLiteral("export %1=%2").arg(it.key(), shellQuoted(it.value()));
    lines << QStringLiteral("export OPENCODE_CONFIG=") + shellQuoted(secretPath("_opencode.json"));
    lines << QStringLiteral("export OPENCODE_DISABLE_AUTOUPDATE=1");
    // A key wins over a subscription's sign-in (as each agent itself prefers a key).
    const auto fromFile = [&lines](const char *variable, const QString &path) {
        lines << QStringLiteral("%1=\"$(cat %2)\"; export %1")
                     .arg(QLatin1StringView(variable), shellQuoted(path));
    };
    const QString folder = QLatin1StringView(SecretDelivery::Folder) + u'/';
    const QString copilotSignIn = SignIn::secretName(Persona::Agent::Kind::Copilot, persona.name);
    if (secrets.contains(QLatin1StringView(AgentConfig::GitHubToken)))
        fromFile("COPILOT_GITHUB_TOKEN", secretPath(AgentConfig::GitHubToken));
    else if (secrets.contains(copilotSignIn))
        fromFile("COPILOT_GITHUB_TOKEN", folder + copilotSignIn);
    // Copilot CLI on a provider of the user's own (COPILOT_PROVIDER_BASE_URL, "bring your own key")
    // instead of GitHub's: the provider's key, read from its file at each request.
    if (persona.agent.env.contains(QStringLiteral("COPILOT_PROVIDER_BASE_URL"))) {
        const bool anthropic = persona.agent.env.value(QStringLiteral("COPILOT_PROVIDER_TYPE")) ==
                               QLatin1StringView("anthropic");
        const char *key = anthropic ? AgentConfig::AnthropicKey : AgentConfig::OpenAiKey;
        if (secrets.contains(QLatin1StringView(key)))
            lines << QStringLiteral("export COPILOT_PROVIDER_API_KEY_COMMAND=") +
                         shellQuoted(QStringLiteral("cat ") + shellQuoted(secretPath(key)));
    }
    lines << QStringLiteral("export COPILOT_AUTO_UPDATE=false");
    const QString claudeSignIn = SignIn::secretName(Persona::Agent::Kind::Claude, persona.name);
    if (!secrets.contains(QLatin1StringView(AgentConfig::AnthropicKey)) && secrets.contains(claudeSignIn))
        fromFile("CLAUDE_CODE_OAUTH_TOKEN", folder + claudeSignIn);
    return (lines.join(u'\n') + u'\n').toUtf8();
}

} // namespace

QStringList McpServer::commandLine() const
{
    if (secrets.isEmpty())
        return QStringList{command} + args;
    QStringList out{QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("with-secrets")};
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it)
        out << it.key() + u'=' + it.value();
    return out << QStringLiteral("--") << command << args;
}

namespace AgentConfig {

QStringList claudeAllowedTools()
{
    // Its shell, file edits and web fetches without a prompt each time: the container confines the
    // shell and the files (only the workspace and the home volume are writable, nothing of the
    // host's), and every connection is the proxy's decision and in the audit log.
    return {QStringLiteral("Bash"), QStringLiteral("Edit"),     QStringLiteral("Write"),
            QStringLiteral("Read"), QStringLiteral("WebFetch"), QStringLiteral("NotebookEdit"),
            QStringLiteral("Glob"), QStringLiteral("Grep")};
}

QMap<QString, QByteArray> files(const Persona &persona, const QMap<QString, QByteArray> &secrets,
                                const QList<McpServer> &mcp)
{
    QMap<QString, QByteArray> out;
    out.insert(QStringLiteral("_agent.env"), sessionEnv(persona, secrets));
    out.insert(QStringLiteral("_claude-settings.json"), claudeSettings(persona, secrets, mcp));
    out.insert(QStringLiteral("_claude-state.json"), claudeState(mcp));
    out.insert(QStringLiteral("_codex-config.toml"), codexConfig(persona, mcp));
    if (const auto key = secrets.constFind(QLatin1StringView(OpenAiKey)); key != secrets.cend())
        out.insert(QStringLiteral("_codex-auth.json"),
                   json(QJsonObject{{QStringLiteral("OPENAI_API_KEY"), QString::fromUtf8(key->trimmed())}}));
    out.insert(QStringLiteral("_opencode.json"), opencodeConfig(persona, secrets, mcp));
    out.insert(QStringLiteral("_copilot-config.json"),
               json(QJsonObject{{QStringLiteral("trusted_folders"), QJsonArray{QLatin1StringView(Workspace)}},
                                {QStringLiteral("auto_update"), false}}));
    out.insert(QStringLiteral("_copilot-mcp.json"), copilotMcp(mcp));
    return out;
}

bool isOwnFile(const QString &name)
{
    // A secret's name never starts with "_": "_" and a name of a secret's shape is Paddock's.
    return name.startsWith(u'_') && SecretStore::validateName(name.mid(1)).has_value();
}

} // namespace AgentConfig

} // namespace paddock
