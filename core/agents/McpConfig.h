#pragma once
// mcp.toml in Paddock's configuration folder: the MCP servers, configured once for every agent.
// Each [servers.NAME] table is a program the agent starts in its container (command, args, env,
// and secrets: variables whose values are secrets of the keychain, read from the tmpfs when the
// server starts) or a streamable HTTP server (url, headers); `personas` says who gets it (omitted:
// every persona). Parsed with toml++; every mistake is reported at its file:line:column with what
// to write instead. AgentConfig turns the servers into each agent's own format.
//
//   [servers.everything]
//   command = "npx"
//   args = ["-y", "@modelcontextprotocol/server-everything"]
//   personas = ["agent"]

#include "agents/McpServer.h"
#include "common/Error.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace paddock {

class McpConfig final
{
public:
    static QString defaultPath(); // $CONFIG/mcp.toml

    // The servers of `text` (the file's contents; `file` names it in errors). A missing file is no
    // servers: load() returns an empty list.
    static Result<QList<McpServer>> parse(const QByteArray &text, const QString &file);
    static Result<QList<McpServer>> load(const QString &path = defaultPath());
    // The servers `persona` gets.
    static QList<McpServer> forPersona(const QList<McpServer> &servers, const QString &persona);
    // mcp.toml text for `servers` (what the UI saves; comments are not kept).
    static QByteArray serialize(const QList<McpServer> &servers);
};

} // namespace paddock
