#pragma once

#include "engine/EngineService.h"

#include <QByteArray>

namespace paddock {

// Writes configuration files atomically (AtomicFile) on the engine's config thread, in the order
// the writes were asked for, so that saving settings, personas or policies never blocks the UI.
class ConfigWriter final : public EngineService
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigWriter)

public:
    ConfigWriter();

    Result<void> start() override { return {}; }
    void stop() override {}

    // Thread-safe. Queued to the config thread while it runs; written in place otherwise.
    void write(const QString &path, const QByteArray &data);

signals:
    void written(const QString &path);

private:
    void writeNow(const QString &path, const QByteArray &data);
};

} // namespace paddock
