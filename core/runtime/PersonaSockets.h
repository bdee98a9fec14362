#pragma once

#include "common/Error.h"

#include <QString>

namespace paddock {

// Where a persona's ways in and out are: a folder of Unix sockets that Paddock owns, under the
// user's runtime folder ($XDG_RUNTIME_DIR/paddock/personas/<persona>, 0700), bind-mounted into its
// container at /run/paddock/sockets. Inside, paddock-relay (mounted read-only at
// /run/paddock/relay) turns them into 127.0.0.1 ports:
//   egress       the egress proxy for that persona (HTTP(S)_PROXY = http://127.0.0.1:3128)
//   git          the git transport (the workspaces' `local` = git://127.0.0.1:9418/<repo>.git)
//   port-<N>     made by the relay: the container's 127.0.0.1:N, for the host's 127.0.0.1:<host port>
// The persona is known from the socket a connection comes in on, never from an address.
namespace PersonaSockets {

inline constexpr const char *ContainerFolder = "/run/paddock/sockets";
inline constexpr const char *ContainerRelay = "/run/paddock/relay";
inline constexpr int ProxyPort = 3128; // the relay's, in the container
inline constexpr int GitPort = 9418;

// $XDG_RUNTIME_DIR/paddock/personas/<persona> (the runtime folder of Paths::runtimeDir()).
QString folder(const QString &persona);
QString egress(const QString &persona);
QString git(const QString &persona);
QString inbound(const QString &persona, int containerPort);

// Where a persona's secrets are delivered on an engine that cannot write into a container's tmpfs
// (Docker): $XDG_RUNTIME_DIR/paddock/secrets/<persona>, bind-mounted read-only at /run/paddock/secrets.
QString secretsFolder(const QString &persona);
// Makes it (0700, given to `ownerUid` as `prepare` does) and empty: no secret outlives its container.
Result<void> prepareSecrets(const QString &persona, int ownerUid = -1);
void clearSecrets(const QString &persona);

// Makes the folder (and its parents, 0700) when missing and hands it to `ownerUid` (the host uid
// the container's user runs as; -1: whoever runs Paddock), mode 0700. Where Paddock cannot give it
// away (not root) and the container's user is another uid, the folder is 0777 instead: the
// container's user must create the inbound sockets there, and the runtime folder above it (0700)
// still keeps every other user of this host out.
Result<void> prepare(const QString &persona, int ownerUid = -1);

// The relay's command line in front of the persona's own: `serve` with the egress port (isolated
// personas only), the git port and an inbound socket per container port, then `--` and `command`.
QStringList relayCommand(bool egress, const QList<int> &inboundPorts, const QStringList &command);

// The paddock-relay binary to mount: $PADDOCK_RELAY, else beside this program (installed in
// ../libexec/paddock, or the build tree's relay/), else empty.
QString findRelay();

} // namespace PersonaSockets

} // namespace paddock
