#pragma once
// A real PersonaRuntime for GUI tests, with `personas` in a personas.json of its own and told of an
// engine socket that is not there: it runs, publishes its personas, looks for the engine in vain.
#include "personas/PersonaStore.h"
#include "runtime/PersonaRuntime.h"

#include <QFile>
#include <QTemporaryDir>

#include <memory>

namespace paddock::test {

struct NoEngineRuntime
{
    QTemporaryDir dir;
    QString personasPath = dir.filePath(QStringLiteral("personas.json"));
    std::unique_ptr<PersonaRuntime> runtime;

    // False when the file cannot be written or the runtime does not start.
    bool start(const QList<Persona> &personas)
    {
        QFile file(personasPath);
        if (!file.open(QIODevice::WriteOnly) || file.write(PersonaStore::serialize(personas)) < 0)
            return false;
        file.close();
        PersonaRuntime::Options options;
        options.personasPath = personasPath;
        options.image = QStringLiteral("localhost/paddock-agent:test");
        options.endpoint =
            EngineClient::Endpoint{dir.filePath(QStringLiteral("nothing.sock")), QStringLiteral("test")};
        runtime = std::make_unique<PersonaRuntime>(std::move(options));
        return runtime->start().has_value();
    }
    ~NoEngineRuntime()
    {
        if (runtime)
            runtime->stop();
    }
};

} // namespace paddock::test
