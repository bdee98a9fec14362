#pragma once

#include "common/Error.h"
#include "personas/Persona.h"

#include <QList>
#include <QString>

#include <optional>

namespace paddock {

// The personas, stored as $CONFIG/personas.json ({"version": 1, "personas": [...]}). A file that
// cannot be used is reported as file:line:column with what to do, left untouched, and not
// overwritten; every change is validated first and written atomically, keeping the previous
// version (AtomicFile). Not thread-safe; file access is meant for a worker thread.
class PersonaStore final
{
public:
    static constexpr int FormatVersion = 2; // 2: "agent"; a version 1 file is migrated on load

    explicit PersonaStore(QString path);
    static QString defaultPath(); // $CONFIG/personas.json
    QString path() const { return m_path; }

    // Reads the file; a missing one means the defaults (of `image`), written on the first change.
    Result<void> load(const QString &image);
    bool isWritable() const { return !m_loadError.has_value(); }

    const QList<Persona> &personas() const { return m_personas; }
    std::optional<Persona> find(const QString &name) const;

    Result<void> add(const Persona &persona);
    Result<void> update(const QString &name, const Persona &persona);
    Result<Persona> duplicate(const QString &name, const QString &newName);
    Result<void> remove(const QString &name);

    // The text of a file and back; errors name `path` with line and column.
    static Result<QList<Persona>> parse(const QByteArray &text, const QString &path);
    static QByteArray serialize(const QList<Persona> &personas);
    // Names unique and well-formed, ports in range and not published twice, limits positive.
    static Result<void> validate(const QList<Persona> &personas);

private:
    Result<void> save(const QList<Persona> &personas);

    QString m_path;
    QList<Persona> m_personas;
    std::optional<Error> m_loadError;
};

} // namespace paddock
