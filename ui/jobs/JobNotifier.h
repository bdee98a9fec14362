#pragma once

#include "scheduler/Run.h"

#include <QHash>
#include <QObject>
#include <QSet>

namespace paddock {

class SchedulerService;

// What the tray says about jobs: which are running (for its menu) and which keep failing. A job
// that fails again and again (the scheduler's incident) is told once, as a tray message and a
// desktop notification, until it succeeds again or is enabled again; a job the breaker disables
// is told too. The page shows the same in its list; this is for when the window is closed.
// UI thread; follows the scheduler's signals (none: fed through the apply… slots, as tests do).
class JobNotifier final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobNotifier)

public:
    explicit JobNotifier(SchedulerService *scheduler, QObject *parent = nullptr);

    // Queued and running runs, the oldest first.
    QList<Run> active() const;
    // The jobs in an incident, with their failures in a row.
    QHash<QString, int> failing() const { return m_failing; }

public slots:
    void applyRun(const paddock::Run &run);
    void applyIncident(const QString &job, int failures, const paddock::Run &last);
    void applyDisabled(const QString &job, const QString &reason);
    // A job enabled again starts a new incident.
    void applyEnabled(const QString &job);

signals:
    void notify(const QString &title, const QString &text);
    // Something the tray's jobs menu shows changed.
    void changed();

private:
    QHash<qint64, Run> m_active;
    QHash<QString, int> m_failing;
    QSet<QString> m_told;     // incidents told
    QSet<QString> m_disabled; // breaker disables told
};

} // namespace paddock
