#pragma once
// Signing an agent in with a subscription instead of an API key (Claude Pro/Max, ChatGPT for
// Codex, GitHub Copilot): what each agent's own login is, which hosts it reaches from the
// container, and which credential Paddock keeps from what it left behind. Pure: no I/O.
//
// The login runs in a throwaway container of the persona (PersonaRuntime::signIn), in the tmux
// session a terminal attaches to; when it ends, paddock-agent puts what it left (the screen, the
// agent's credential files) in /tmp/paddock-sign-in, and credential() finds the credential in it.
// The credential is a secret of the persona in the keychain (secretName()); at each start it is
// delivered to the tmpfs (AgentConfig), and a credential the agent rewrites (Codex refreshes its
// tokens) goes back to the keychain when Paddock stops the container. Never on the host's disk,
// never in a volume. docs/agents.md says why each agent is signed in the way it is.

#include "common/Error.h"
#include "personas/Persona.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace paddock::SignIn {

// Where paddock-agent leaves what the login left, in the sign-in container, and where the
// credentials an agent may rewrite live while a persona runs (a tmpfs: /tmp).
inline constexpr const char *ResultFolder = "/tmp/paddock-sign-in";
inline constexpr const char *WritableFolder = "/tmp/paddock-credentials";

struct Host
{
    QString name;
    int port = 443;
    QString why; // translated: what the login does there
};

struct Login
{
    Persona::Agent::Kind agent = Persona::Agent::Kind::Shell;
    QString title;       // "Claude Pro or Max", translated
    QStringList command; // the agent's own login, as paddock-agent runs it
    QList<Host> hosts;   // what the container reaches during the login (not the browser's pages)
    QString browser;     // translated: what the person does in their browser meanwhile
};

// The login of `agent`; nullopt for agents without one (shell, custom; opencode signs in with keys).
std::optional<Login> login(Persona::Agent::Kind agent);
bool canSignIn(Persona::Agent::Kind agent);

// The keychain secret that holds the persona's credential for `agent` ("claude-sign-in.<persona>").
QString secretName(Persona::Agent::Kind agent, const QString &persona);
// The agent whose sign-in `secret` is for `persona` (for AgentConfig), if it is one.
std::optional<Persona::Agent::Kind> agentOfSecret(const QString &secret, const QString &persona);

// The credential in what the login left: `files` are the result folder's files by name
// ("screen.txt", the pane's text; "codex-auth.json"; "copilot-*.json"). Claude's long-lived token
// from the screen (claude setup-token prints it once), Codex's auth.json whole (it refreshes it),
// Copilot's GitHub token (an OAuth token of its app). NotFound, saying what is missing, when the
// login did not finish.
Result<QByteArray> credential(Persona::Agent::Kind agent, const QMap<QString, QByteArray> &files);

} // namespace paddock::SignIn
