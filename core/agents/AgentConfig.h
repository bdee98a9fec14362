#pragma once
// The configuration Paddock writes for the coding agents of a persona at each start: Claude Code's
// settings and state, Codex's config.toml and auth.json, opencode's configuration, Copilot CLI's
// configuration, and the agent session's environment. Each is a file for the container's secrets
// tmpfs (SecretDelivery), named with a leading "_" that no secret's name can have; paddock-agent
// puts them where each agent reads them (docs/agents.md). Nothing goes into the image, and no key is
// written into a configuration: each agent reads its key from the key's own file in the tmpfs
// (Claude Code's apiKeyHelper, opencode's {file:…}, Copilot's token exported from it), except
// Codex, whose auth.json is the one way it takes a key, and which therefore lives in the tmpfs too.
// Pure: no I/O; the MCP servers are passed in (McpConfig) so that each agent gets its own format.

#include "personas/Persona.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

namespace paddock {

struct McpServer;

namespace AgentConfig {

// The secrets each agent's key is read from, when one is assigned to the persona.
inline constexpr const char *AnthropicKey = "anthropic-api-key";
inline constexpr const char *OpenAiKey = "openai-api-key";
inline constexpr const char *GitHubToken = "github-token";

// The files, by their name in the tmpfs. `secrets` are the persona's secrets as delivered (the
// values are read only for Codex's auth.json); `mcp` the MCP servers this persona gets.
QMap<QString, QByteArray> files(const Persona &persona, const QMap<QString, QByteArray> &secrets,
                                const QList<McpServer> &mcp);

// Whether `name` is one of Paddock's own files in the tmpfs ("_" and a secret-shaped name, which no
// secret can have), not a secret.
bool isOwnFile(const QString &name);

// The Claude Code permissions Paddock relaxes in a container, with why: for docs and the UI.
QStringList claudeAllowedTools();

} // namespace AgentConfig

} // namespace paddock
