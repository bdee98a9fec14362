#pragma once
// What the persona runtime's source files share (PersonaRuntime.cpp, PersonaRuntimeStreams.cpp,
// PersonaRuntimeSockets.cpp): not part of its interface.

#include "runtime/EngineStream.h"
#include "runtime/PersonaRuntime.h"

#include <QString>

#include <map>
#include <memory>
#include <vector>

namespace paddock {

// The engine streams the runtime holds open: stats of the watched personas, logs of the followed
// ones, and a /wait per running container.
class PersonaRuntime::Streams
{
public:
    std::map<QString, std::unique_ptr<EngineStream>> stats;
    std::map<QString, std::unique_ptr<EngineStream>> logs;
    // A /wait per running container: it returns the moment the container ends, sooner than the
    // engine's events (podman's come from a log file it polls).
    std::map<QString, std::unique_ptr<EngineStream>> exits;
    std::vector<std::unique_ptr<EngineStream>> retiring; // asked to stop, not yet joined

    void retire(std::map<QString, std::unique_ptr<EngineStream>> &from, const QString &name)
    {
        auto it = from.find(name);
        if (it == from.end())
            return;
        it->second->requestStop();
        retiring.push_back(std::move(it->second));
        from.erase(it);
    }
    void stopAll()
    {
        for (auto *map : {&stats, &logs, &exits})
            for (auto &[name, stream] : *map) {
                stream->requestStop();
                retiring.push_back(std::move(stream));
            }
        stats.clear();
        logs.clear();
        exits.clear();
        retiring.clear(); // joins each; all were asked first, so this takes about a second at most
    }
};

} // namespace paddock
