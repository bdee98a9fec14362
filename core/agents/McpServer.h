#pragma once
// One MCP server of mcp.toml (McpConfig): a program the agent starts (command, arguments,
// environment, part of which comes from secrets), or a streamable HTTP endpoint (url); and the
// personas that get it.

#include <QMap>
#include <QString>
#include <QStringList>

namespace paddock {

struct McpServer
{
    QString name;                   // [a-z0-9][a-z0-9_-]*: what the agents call it
    QString command;                // a program in the container (stdio servers)
    QStringList args;               // its arguments
    QMap<QString, QString> env;     // plain variables
    QMap<QString, QString> secrets; // variable → secret name: read from the tmpfs when it starts
    QString url;                    // instead of a command: an HTTP server (streamable HTTP)
    QMap<QString, QString> headers; // for url: plain headers
    QStringList personas;           // who gets it; empty: every persona
    friend bool operator==(const McpServer &, const McpServer &) = default;

    bool isHttp() const { return !url.isEmpty(); }
    bool isFor(const QString &persona) const { return personas.isEmpty() || personas.contains(persona); }
    // The command line that starts it in the container: through paddock-agent's with-secrets,
    // which reads each secret from the tmpfs into its variable, when it has secrets.
    QStringList commandLine() const;
};

} // namespace paddock
