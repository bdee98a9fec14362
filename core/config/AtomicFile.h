#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QString>

namespace paddock::AtomicFile {

// The name under which the previous version of a file is kept.
QString backupPath(const QString &path);

// Replaces `path` with `data` so that a crash leaves either the old or the new file, never a
// mix: write a temporary file beside it, fsync, keep the current version as backupPath(path),
// rename into place, fsync the directory. Creates missing parent directories.
Result<void> write(const QString &path, const QByteArray &data);

// Reads a whole file; a missing file is Error::Code::NotFound.
Result<QByteArray> read(const QString &path);

} // namespace paddock::AtomicFile
