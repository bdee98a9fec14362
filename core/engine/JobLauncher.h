#pragma once

#include "scheduler/SchedulerService.h"

#include <QObject>
#include <QPointer>
#include <QSet>

namespace paddock {

class PersonaRuntime;
class RunStore;

// What the scheduler admits, run by the persona runtime (PersonaRuntime::runJob, on its thread):
// the launcher hands each run over and brings its end back to the scheduler. Lives on the scheduler
// service's thread.
class JobLauncher final : public QObject, public RunLauncher
{
    Q_OBJECT

public:
    JobLauncher(PersonaRuntime *runtime, const RunStore &runs, SchedulerService::Options::Finished finished);
    ~JobLauncher() override;

    void launch(const Run &run, const Job &job) override;
    void cancel(qint64 runId) override;

private:
    QPointer<PersonaRuntime> m_runtime;
    const RunStore &m_runs;
    SchedulerService::Options::Finished m_finished;
    QSet<qint64> m_launched;
};

} // namespace paddock
