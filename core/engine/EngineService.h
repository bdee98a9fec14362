#pragma once

#include "common/Error.h"

#include <QObject>

namespace paddock {

// A long-lived component that the Engine runs on a thread of its own, named paddock-<name>.
// start() and stop() are called on that thread; everything else reaches it through queued calls.
class EngineService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineService)

public:
    explicit EngineService(QString name)
        : m_name(std::move(name))
    {
        setObjectName(m_name);
    }

    QString name() const { return m_name; }

    virtual Result<void> start() = 0;
    // Called after every call queued before it has run; leaves nothing half-done.
    virtual void stop() = 0;

signals:
    // Something went wrong that the user must hear about (tray, banner); `key` groups repeats.
    void problem(const QString &key, const paddock::Error &error);
    // That problem is gone.
    void recovered(const QString &key);

private:
    QString m_name;
};

} // namespace paddock
