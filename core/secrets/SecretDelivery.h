#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QMap>
#include <QString>

namespace paddock {

class EngineClient;

// Hands a persona's secrets to its running container: each one becomes the file
// /run/paddock/secrets/<name> (mode 0400, owned by uid:uid) in the container's tmpfs, then an empty
// .ready is written LAST, which the image's entrypoint (packaging/image/paddock-agent) waits for.
// The files travel as a tar built in memory (PUT /containers/{id}/archive): no temporary file, no
// environment variable, no command line ever holds a value. Blocking; for the runtime thread.
class SecretDelivery final
{
public:
    static constexpr const char *Folder = "/run/paddock/secrets";
    static constexpr const char *ReadyFile = ".ready";

    // `secrets` maps names (SecretStore::validateName) to values. The container must be running:
    // into a stopped one the files would land in its writable layer on disk, so that is refused.
    static Result<void> deliver(EngineClient &client, const QString &container,
                                const QMap<QString, QByteArray> &secrets, int uid = 1000);
};

} // namespace paddock
