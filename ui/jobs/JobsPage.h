#pragma once

#include "common/Error.h"
#include "scheduler/Job.h"
#include "scheduler/Run.h"
#include "scheduler/SchedulerService.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QFrame;
class QLabel;
class QModelIndex;
class QPushButton;
class QTableView;
class QToolButton;

namespace paddock {

class JobEditDialog;
class JobListModel;
class RunDetailsDialog;
class TimelineModel;
class TimelineView;

// The Jobs page: which process schedules, the jobs (JobListModel) with Run now, Pause/Resume,
// Edit, Duplicate, Delete and New job, and their timeline (TimelineView); a banner when jobs.json
// cannot be used. Everything comes from the scheduler service: its snapshots once, then its
// signals (jobsChanged, runChanged, incident, roleChanged); history is asked of it (history,
// runsBetween, readLog) and answered on this thread; edits go to its slots, queued. Nothing here
// reads a file or waits. Without a scheduler (nullptr) the page says so and offers nothing.
class JobsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobsPage)

public:
    // Runs asked of the history per job, for its last status and failures in a row.
    static constexpr int HistoryDepth = 100;

    explicit JobsPage(SchedulerService *scheduler, QWidget *parent = nullptr);
    ~JobsPage() override;

    JobListModel *listModel() const { return m_list; }
    TimelineModel *timelineModel() const { return m_timelineModel; }
    TimelineView *timeline() const { return m_timeline; }
    QTableView *table() const { return m_table; }
    // The edit dialog open now, if any.
    JobEditDialog *editDialog() const;
    // The run details opened last, if still open.
    RunDetailsDialog *runDetails() const;
    QString message() const;
    QString selectedJob() const;
    void selectJob(const QString &job);

public slots:
    // The personas a job may run as (the edit dialog's list).
    void setPersonas(const QStringList &personas);
    void newJob();
    void runNow();
    void togglePaused();
    void editJob();
    void duplicateJob();
    // Asks first.
    void deleteJob();
    void openRun(const paddock::Run &run);

private:
    void applyJobs(const QList<Job> &jobs);
    void applyRun(const Run &run);
    void applyRole(SchedulerService::Role role);
    void updateBanner();
    void updateButtons();
    void showMessage(const QString &text, bool problem);
    void openEditor(const Job &job, bool isNew);
    void ensureLoaded(const QDateTime &from, const QDateTime &to);
    void loadRuns(qint64 from, qint64 to);
    QStringList repositories() const;
    QString uniqueName(const QString &base) const;
    template <typename F> void ask(F call);

    QPointer<SchedulerService> m_scheduler;
    JobListModel *m_list;
    TimelineModel *m_timelineModel;
    QStringList m_personas;
    QSet<QString> m_historyAsked;
    qint64 m_loadedFrom = 0;
    qint64 m_loadedTo = -1; // nothing loaded yet
    QString m_select;       // a job to select once the scheduler lists it
    QPointer<JobEditDialog> m_editor;
    QList<QPointer<RunDetailsDialog>> m_details;

    QLabel *m_role;
    QFrame *m_banner;
    QLabel *m_bannerText;
    QLabel *m_message;
    QTableView *m_table;
    TimelineView *m_timeline;
    QPushButton *m_new;
    QPushButton *m_runNow;
    QPushButton *m_pause;
    QPushButton *m_edit;
    QPushButton *m_duplicate;
    QPushButton *m_delete;
};

} // namespace paddock
