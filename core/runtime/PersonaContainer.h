#pragma once

#include "common/Error.h"
#include "personas/Persona.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"

#include <optional>

namespace paddock {

// What starting a persona does on the engine, for PersonaRuntime's worker threads (blocking; a
// client of their own): its named volumes, and its container made anew (a stopped one is replaced,
// so that edits take effect; its volumes stay), hardened (containerSpec) with the workspace, its
// socket folder and paddock-relay in front of its entrypoint (the persona's, else the image's),
// then started. Paddock's entrypoint (`entrypoint`, paddock-agent of this version) is mounted
// read-only at /usr/local/bin/paddock-agent, so that an image of the user's own runs it too; such
// an image (no io.paddock.image label) is checked first, once per image: it needs a shell and a
// user with uid 1000, else a clear error says so. An isolated persona's internal network of an older Paddock
// is removed. The socket folder and what listens there are ready before (PersonaRuntime::ensureSockets).
Result<void> preparePersonaContainer(EngineClient &client, const EngineClient::Version &version,
                                     bool rootless, const Persona &persona,
                                     const std::optional<WorkspaceMount> &workspace, const QString &relay,
                                     const QString &entrypoint);

// The throwaway container an agent's login runs in (PersonaRuntime::signIn), named
// signInContainerName(): the persona's image, hardening, proxy and socket folder, but none of its
// volumes, ports, workspace or secrets (its home is in /tmp, so what the login writes goes with
// it), and paddock-agent's sign-in mode running `login` in the tmux session a terminal attaches to.
// Labelled io.paddock.sign-in (not as the persona's container). One left from before is replaced.
Result<void> prepareSignInContainer(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                    const Persona &persona, const QString &relay, const QString &entrypoint,
                                    const QStringList &login);
QString signInContainerName(const QString &persona);
inline constexpr const char *SignInLabel = "io.paddock.sign-in";

// One run of a scheduled job: a fresh container of its persona (JobRunner), named
// jobContainerName(key): the persona's image, hardening, trust, limits and proxy, a socket folder of
// its own (PersonaSockets under `key`, where the job is the principal), the run's workspace, and
// paddock-agent running `command` (the agent headless, or the job's command) once its secrets and
// the agents' configuration are delivered; no volumes (a fresh home) and no published ports.
// Labelled io.paddock.job (not as the persona's container). One left from before is replaced.
struct JobContainer
{
    QString key; // job.<job>.<run id>: its socket folder's and its container's name
    QString job;
    qint64 runId = 0;
    std::optional<WorkspaceMount> workspace;
    QStringList command;
};
Result<void> prepareJobContainer(EngineClient &client, const EngineClient::Version &version, bool rootless,
                                 const Persona &persona, const JobContainer &run, const QString &relay,
                                 const QString &entrypoint);
QString jobContainerName(const QString &runKey);
inline constexpr const char *JobLabel = "io.paddock.job";

// Where Paddock's entrypoint is: paddock-agent beside the image recipe (ImageBuilder::recipePath()).
QString findEntrypoint();
inline constexpr const char *ContainerEntrypoint = "/usr/local/bin/paddock-agent";

// Hands a folder and everything in it to `uid` (links themselves, never what they point to).
Result<void> chownTree(const QString &root, int uid);

} // namespace paddock
