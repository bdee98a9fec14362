#pragma once

#include "scheduler/CronSchedule.h"
#include "scheduler/Job.h"
#include "scheduler/Run.h"
#include "scheduler/ZoneRules.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimeZone>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace paddock {

// What the job timeline shows, apart from the drawing of it: the jobs in order (a row each) and
// each job's runs in a vector sorted by slot, merged in as the scheduler tells of them and found by
// binary search for the window on screen; the slots still to come and the clock changes of each
// job's zone, computed for a window a little wider than the one on screen and kept until the view
// leaves it. Times are milliseconds since the epoch (UTC).
//
// UI thread only.
class TimelineModel final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimelineModel)

public:
    // What drawing a run needs, compact and free of strings.
    struct Span
    {
        qint64 scheduled = 0; // the slot (for a manual run: when it was asked for)
        qint64 begin = 0;     // when it started; the slot while it has not
        qint64 end = 0;       // when it ended; 0 while queued or running (it reaches "now")
        qint64 lastSlot = 0;  // a missed record's last slot (Run::slotCount > 1); else the slot
        qint64 id = 0;
        Run::Status status = Run::Status::Queued;
        bool isOpen() const { return end == 0; }
    };
    // A slot to come, or a stretch of slots that come closer together than the drawing can tell apart.
    struct Upcoming
    {
        qint64 first = 0;
        qint64 last = 0;
    };
    // The zone's offset from UTC changes at `at` (daylight saving time, or a change of standard time).
    struct ClockChange
    {
        qint64 at = 0;
        int offsetBefore = 0; // seconds east of UTC
        int offsetAfter = 0;
    };

    explicit TimelineModel(QObject *parent = nullptr);
    ~TimelineModel() override;

    // The rows. Runs of a job that is not (or no longer) in the list are kept, but not shown.
    void setJobs(const QList<Job> &jobs);
    // Replaces every run (e.g. the history of a window, loaded at once).
    void setRuns(const QList<Run> &runs);
    // Adds or updates runs (a window's history, the active runs); a run's final state is never
    // replaced by an earlier, unfinished one of the same run.
    void mergeRuns(const QList<Run> &runs);
    // One run changed (SchedulerService::runChanged).
    void mergeRun(const Run &run);

    int rowCount() const { return int(m_rows.size()); }
    int rowOf(const QString &job) const;
    const Job &job(int row) const;
    QTimeZone zone(int row) const;
    qsizetype runCount(int row) const;
    qsizetype totalRuns() const;
    // The runs of `row` that may show in [from, to]: indices [first, last). `slackMs` widens the
    // window for what is drawn wider than its time (a glyph, a bar's minimum width).
    std::pair<qsizetype, qsizetype> runsIn(int row, qint64 from, qint64 to, qint64 slackMs) const;
    const Span &span(int row, qsizetype index) const;
    const Run &run(int row, qsizetype index) const;
    std::optional<Run> findRun(qint64 id) const;
    // How long the job's newest finished run took (an upcoming run's outline is drawn as long); 0: none.
    qint64 typicalDurationMs(int row) const;
    // The job's slots in [from, to] (none for a disabled job or one that runs "on start"); those
    // closer than `resolutionMs` to the one before are joined into a stretch.
    const std::vector<Upcoming> &upcoming(int row, qint64 from, qint64 to, qint64 resolutionMs) const;
    // When the job's zone changes its offset in [from, to].
    const std::vector<ClockChange> &clockChanges(int row, qint64 from, qint64 to) const;

    static qint64 msOf(const QDateTime &t) { return t.isValid() ? t.toMSecsSinceEpoch() : 0; }

signals:
    void jobsReset();
    void runsChanged();

private:
    struct Lane;
    Lane &lane(const QString &job);
    void mergeInto(Lane &lane, const Run &run);
    void rebuild(Lane &lane);
    static void noteExtent(Lane &lane, const Span &span);
    static Span spanOf(const Run &run);

    std::vector<std::unique_ptr<Lane>> m_lanesOwned;
    QHash<QString, Lane *> m_lanes; // by job
    std::vector<Lane *> m_rows;     // in the jobs' order
    QHash<qint64, QString> m_jobOfRun;
};

} // namespace paddock
