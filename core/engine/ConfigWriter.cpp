#include "engine/ConfigWriter.h"

#include "config/AtomicFile.h"

#include <QThread>

namespace paddock {

ConfigWriter::ConfigWriter()
    : EngineService(QStringLiteral("config"))
{}

void ConfigWriter::write(const QString &path, const QByteArray &data)
{
    if (thread() != QThread::currentThread() && thread()->isRunning()) {
        QMetaObject::invokeMethod(this, [this, path, data] { writeNow(path, data); }, Qt::QueuedConnection);
        return;
    }
    writeNow(path, data);
}

void ConfigWriter::writeNow(const QString &path, const QByteArray &data)
{
    const QString key = QStringLiteral("write:") + path;
    if (auto result = AtomicFile::write(path, data); !result) {
        emit problem(key, result.error());
        return;
    }
    emit recovered(key);
    emit written(path);
}

} // namespace paddock
