#include "jobs/JobNotifier.h"

#include "jobs/RunText.h"
#include "scheduler/SchedulerService.h"

#include <algorithm>

namespace paddock {

JobNotifier::JobNotifier(SchedulerService *scheduler, QObject *parent)
    : QObject(parent)
{
    if (!scheduler)
        return;
    connect(scheduler, &SchedulerService::runChanged, this, &JobNotifier::applyRun);
    connect(scheduler, &SchedulerService::incident, this, &JobNotifier::applyIncident);
    connect(scheduler, &SchedulerService::jobDisabled, this, &JobNotifier::applyDisabled);
    connect(scheduler, &SchedulerService::jobsChanged, this, [this](const QList<Job> &jobs) {
        for (const Job &job : jobs)
            if (job.enabled && m_disabled.contains(job.name))
                applyEnabled(job.name);
    });
    for (const Run &run : scheduler->active())
        m_active.insert(run.id, run);
}

QList<Run> JobNotifier::active() const
{
    QList<Run> runs = m_active.values();
    std::sort(runs.begin(), runs.end(), [](const Run &a, const Run &b) { return a.id < b.id; });
    return runs;
}

void JobNotifier::applyRun(const Run &run)
{
    const bool wasActive = m_active.contains(run.id);
    if (run.isFinal())
        m_active.remove(run.id);
    else
        m_active.insert(run.id, run);
    bool failingChanged = false;
    if (run.status == Run::Status::Ok && m_failing.contains(run.job)) {
        // The incident is over: the next one is told again.
        m_failing.remove(run.job);
        m_told.remove(run.job);
        failingChanged = true;
    } else if (run.isFailure() && m_failing.contains(run.job)) {
        ++m_failing[run.job];
        failingChanged = true;
    }
    if (failingChanged || wasActive || !run.isFinal())
        emit changed();
}

void JobNotifier::applyIncident(const QString &job, int failures, const Run &last)
{
    m_failing.insert(job, failures);
    emit changed();
    if (m_told.contains(job))
        return;
    m_told.insert(job);
    emit notify(tr("Job %1 keeps failing").arg(job),
                tr("%n failure(s) in a row; the last (run %1): %2", nullptr, failures)
                    .arg(last.id)
                    .arg(RunText::statusWithReason(last)));
}

void JobNotifier::applyDisabled(const QString &job, const QString &reason)
{
    if (m_disabled.contains(job))
        return;
    m_disabled.insert(job);
    emit notify(tr("Job %1 was disabled").arg(job), reason);
}

void JobNotifier::applyEnabled(const QString &job)
{
    m_disabled.remove(job);
    m_told.remove(job);
    if (m_failing.remove(job))
        emit changed();
}

} // namespace paddock
