#include "engine/JobLauncher.h"

#include "runtime/PersonaRuntime.h"
#include "scheduler/RunStore.h"

#include <QCoreApplication>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::JobLauncher)
};
} // namespace

JobLauncher::JobLauncher(PersonaRuntime *runtime, const RunStore &runs, SchedulerService::Options::Finished finished)
    : m_runtime(runtime)
    , m_runs(runs)
    , m_finished(std::move(finished))
{
    // Queued to this (the scheduler's) thread: the runtime reports on its own.
    connect(runtime, &PersonaRuntime::jobRunEnded, this, [this](qint64 id, const RunOutcome &outcome) {
        if (m_launched.remove(id))
            m_finished(id, outcome);
    });
}

JobLauncher::~JobLauncher()
{
    // Paddock stops: the runs' containers are stopped by the runtime as it stops; the next
    // scheduler records these runs interrupted.
    if (m_runtime)
        for (qint64 id : std::as_const(m_launched))
            QMetaObject::invokeMethod(m_runtime.data(), [r = m_runtime, id] { r->cancelJobRun(id); });
}

void JobLauncher::launch(const Run &run, const Job &job)
{
    m_launched.insert(run.id);
    if (!m_runtime) {
        QMetaObject::invokeMethod(
            this,
            [this, id = run.id] {
                RunOutcome o;
                o.reason = Text::tr("Paddock is stopping");
                o.status = Run::Status::Interrupted;
                if (m_launched.remove(id))
                    m_finished(id, o);
            },
            Qt::QueuedConnection);
        return;
    }
    const QString log = m_runs.logPath(run.id);
    QMetaObject::invokeMethod(m_runtime.data(), [r = m_runtime, run, job, log] {
        if (r)
            r->runJob(run, job, log);
    });
}

void JobLauncher::cancel(qint64 runId)
{
    if (m_runtime)
        QMetaObject::invokeMethod(m_runtime.data(), [r = m_runtime, runId] {
            if (r)
                r->cancelJobRun(runId);
        });
}

} // namespace paddock
