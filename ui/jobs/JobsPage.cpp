#include "jobs/JobsPage.h"

#include "Icons.h"
#include "WarningBanner.h"
#include "jobs/JobEditDialog.h"
#include "jobs/JobListModel.h"
#include "jobs/RunDetailsDialog.h"
#include "jobs/RunText.h"
#include "jobs/TimelineModel.h"
#include "jobs/TimelineView.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {

QPushButton *button(const QString &icon, const QString &text, const char *name)
{
    auto *b = new QPushButton(Icons::themed(icon), text);
    b->setObjectName(QLatin1StringView(name));
    return b;
}

QToolButton *toolButton(const QString &text, const char *name, const QString &tip)
{
    auto *b = new QToolButton;
    b->setText(text);
    b->setObjectName(QLatin1StringView(name));
    b->setToolTip(tip);
    return b;
}

// The colours of the timeline, in words.
QString legend()
{
    using S = Run::Status;
    QStringList items;
    for (S status :
         {S::Ok, S::Failed, S::Timeout, S::Budget, S::Interrupted, S::Cancelled, S::Running, S::Queued})
        items << u"<span style=\"color:%1\">■</span>&nbsp;%2"_s.arg(RunText::statusColor(status).name(),
                                                                    Run::statusText(status).toHtmlEscaped());
    items << u"<span style=\"color:%1\">◇</span>&nbsp;%2"_s.arg(RunText::statusColor(S::Missed).name(),
                                                                Run::statusText(S::Missed).toHtmlEscaped());
    items << u"<span style=\"color:%1\">▽</span>&nbsp;%2"_s.arg(RunText::statusColor(S::Skipped).name(),
                                                                Run::statusText(S::Skipped).toHtmlEscaped());
    items << u"┆&nbsp;%1"_s.arg(JobsPage::tr("to come").toHtmlEscaped());
    items << u"|&nbsp;%1"_s.arg(JobsPage::tr("the slot it was due").toHtmlEscaped());
    return items.join(u"&nbsp;&nbsp; "_s);
}

} // namespace

template <typename F> void JobsPage::ask(F call)
{
    if (SchedulerService *s = m_scheduler)
        QMetaObject::invokeMethod(s, [s, call] { call(s); }, Qt::QueuedConnection);
}

JobsPage::JobsPage(SchedulerService *scheduler, QWidget *parent)
    : QWidget(parent)
    , m_scheduler(scheduler)
    , m_list(new JobListModel(this))
    , m_timelineModel(new TimelineModel(this))
    , m_role(new QLabel)
    , m_banner(new QFrame)
    , m_bannerText(new QLabel)
    , m_message(new QLabel)
    , m_table(new QTableView)
    , m_timeline(new TimelineView(m_timelineModel))
    , m_new(button(u"document-new"_s, tr("&New job…"), "newJobButton"))
    , m_runNow(button(u"media-playback-start"_s, tr("&Run now"), "runNowButton"))
    , m_pause(button(u"media-playback-pause"_s, tr("&Pause"), "pauseButton"))
    , m_edit(button(u"document-edit"_s, tr("&Edit…"), "editButton"))
    , m_duplicate(button(u"edit-copy"_s, tr("D&uplicate…"), "duplicateButton"))
    , m_delete(button(u"edit-delete"_s, tr("&Delete…"), "deleteButton"))
{
    setObjectName(u"jobsPage"_s);
    m_role->setObjectName(u"roleLabel"_s);
    m_role->setWordWrap(true);

    // jobs.json cannot be used: where, why, and what to do, where the user looks.
    m_banner->setObjectName(u"jobsErrorBanner"_s);
    styleAsWarningBanner(m_banner);
    auto *bannerIcon = new QLabel;
    bannerIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24));
    m_bannerText->setObjectName(u"jobsErrorText"_s);
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addWidget(m_bannerText, 1);
    m_banner->hide();

    m_message->setObjectName(u"jobsMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    m_table->setObjectName(u"jobList"_s);
    m_table->setModel(m_list);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(JobListModel::Schedule, QHeaderView::Stretch);
    m_table->setWordWrap(false);

    auto *actions = new QHBoxLayout;
    for (QPushButton *b : {m_new, m_runNow, m_pause, m_edit, m_duplicate, m_delete})
        actions->addWidget(b);
    actions->addStretch();

    QToolButton *hours =
        toolButton(tr("Hours"), "zoomHoursButton", tr("Six hours across (ctrl+wheel zooms)"));
    QToolButton *day = toolButton(tr("Day"), "zoomDayButton", tr("A day across"));
    QToolButton *week = toolButton(tr("Week"), "zoomWeekButton", tr("A week across"));
    QToolButton *today = toolButton(tr("Today"), "todayButton", tr("Back to now"));
    auto *legendLabel = new QLabel(legend());
    legendLabel->setObjectName(u"timelineLegend"_s);
    legendLabel->setWordWrap(true);
    auto *zoom = new QHBoxLayout;
    zoom->addWidget(new QLabel(tr("Timeline:")));
    for (QToolButton *b : {hours, day, week, today})
        zoom->addWidget(b);
    zoom->addSpacing(12);
    zoom->addWidget(legendLabel, 1);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(actions);
    topLayout->addWidget(m_table, 1);
    auto *bottom = new QWidget;
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addLayout(zoom);
    bottomLayout->addWidget(m_timeline, 1);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(u"jobsSplitter"_s);
    splitter->addWidget(top);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_role);
    layout->addWidget(m_banner);
    layout->addWidget(m_message);
    layout->addWidget(splitter, 1);

    connect(m_new, &QPushButton::clicked, this, &JobsPage::newJob);
    connect(m_runNow, &QPushButton::clicked, this, &JobsPage::runNow);
    connect(m_pause, &QPushButton::clicked, this, &JobsPage::togglePaused);
    connect(m_edit, &QPushButton::clicked, this, &JobsPage::editJob);
    connect(m_duplicate, &QPushButton::clicked, this, &JobsPage::duplicateJob);
    connect(m_delete, &QPushButton::clicked, this, &JobsPage::deleteJob);
    connect(m_table, &QTableView::doubleClicked, this, &JobsPage::editJob);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_timeline->setCurrentJob(selectedJob());
        updateButtons();
    });
    connect(m_list, &QAbstractItemModel::dataChanged, this, &JobsPage::updateButtons);
    connect(hours, &QToolButton::clicked, this, [this] { m_timeline->setZoom(TimelineView::Zoom::Hours); });
    connect(day, &QToolButton::clicked, this, [this] { m_timeline->setZoom(TimelineView::Zoom::Day); });
    connect(week, &QToolButton::clicked, this, [this] { m_timeline->setZoom(TimelineView::Zoom::Week); });
    connect(today, &QToolButton::clicked, m_timeline, &TimelineView::showNow);
    connect(m_timeline, &TimelineView::jobActivated, this, &JobsPage::selectJob);
    connect(m_timeline, &TimelineView::runActivated, this, &JobsPage::openRun);
    connect(m_timeline, &TimelineView::windowChanged, this, &JobsPage::ensureLoaded);

    if (!m_scheduler) {
        m_role->setText(tr("The scheduler is not running: jobs can be neither shown nor run."));
        updateButtons();
        return;
    }
    // The signals first, then the snapshots: nothing falls in between.
    connect(m_scheduler, &SchedulerService::jobsChanged, this, &JobsPage::applyJobs);
    connect(m_scheduler, &SchedulerService::runChanged, this, &JobsPage::applyRun);
    connect(m_scheduler, &SchedulerService::incident, m_list, &JobListModel::applyIncident);
    // The scheduling process's count and next slots after each tick and each run's end.
    connect(m_scheduler, &SchedulerService::scheduleChanged, this,
            [this] { m_list->applyStates(m_scheduler->jobStates()); });
    connect(m_scheduler, &SchedulerService::roleChanged, this, &JobsPage::applyRole);
    connect(m_scheduler, &SchedulerService::jobDisabled, this,
            [this](const QString &job, const QString &reason) {
                showMessage(tr("%1 was disabled: %2").arg(job, reason), true);
            });
    connect(m_scheduler, &SchedulerService::requestFailed, this,
            [this](const QString &job, const Error &error) {
                showMessage(job.isEmpty() ? error.text() : tr("%1: %2").arg(job, error.text()), true);
            });
    connect(m_scheduler, &EngineService::problem, this, [this](const QString &key) {
        if (key == u"scheduler.jobs"_s)
            updateBanner();
    });
    connect(m_scheduler, &EngineService::recovered, this, [this](const QString &key) {
        if (key == u"scheduler.jobs"_s)
            updateBanner();
    });
    applyRole(m_scheduler->role());
    applyJobs(m_scheduler->jobs());
    m_timelineModel->mergeRuns(m_scheduler->active());
    for (const Run &run : m_scheduler->active())
        m_list->applyRun(run);
    updateBanner();
}

JobsPage::~JobsPage() = default;

JobEditDialog *JobsPage::editDialog() const
{
    return m_editor;
}

RunDetailsDialog *JobsPage::runDetails() const
{
    return m_details.isEmpty() ? nullptr : m_details.last().data();
}

void JobsPage::applyRole(SchedulerService::Role role)
{
    switch (role) {
    case SchedulerService::Role::Starting:
        m_role->setText(tr("Starting the scheduler…"));
        break;
    case SchedulerService::Role::Scheduling:
        m_role->setText(tr("Scheduling here: this Paddock runs the jobs."));
        break;
    case SchedulerService::Role::Observing:
        m_role->setText(tr("Following the scheduler of another Paddock (paddockctl serve): it runs the jobs, "
                           "and what you do here is sent to it."));
        break;
    }
    // The history can be asked for once the service has opened it.
    if (role != SchedulerService::Role::Starting)
        ensureLoaded(m_timeline->visibleFrom(), m_timeline->visibleTo());
}

void JobsPage::updateBanner()
{
    const auto error = m_scheduler ? m_scheduler->jobsError() : std::nullopt;
    if (error)
        m_bannerText->setText(tr("The jobs file cannot be used; the jobs go on as they were.") + u"\n"_s +
                              error->text());
    m_banner->setVisible(error.has_value());
    updateButtons(); // nothing can be saved meanwhile
}

void JobsPage::applyJobs(const QList<Job> &jobs)
{
    const QString selected = m_select.isEmpty() ? selectedJob() : m_select;
    m_list->setJobs(jobs, m_scheduler ? m_scheduler->nextRuns() : QHash<QString, QDateTime>());
    if (m_scheduler)
        m_list->applyStates(m_scheduler->jobStates());
    m_timelineModel->setJobs(jobs);
    for (const Job &job : jobs) {
        if (!m_scheduler || m_historyAsked.contains(job.name))
            continue;
        m_historyAsked.insert(job.name);
        const QString name = job.name;
        m_scheduler->history(name, HistoryDepth, 0, this, [this, name](const Result<QList<Run>> &runs) {
            if (!runs) {
                m_historyAsked.remove(name);
                showMessage(tr("The history of %1 could not be read: %2").arg(name, runs.error().text()),
                            true);
                return;
            }
            m_list->setHistory(name, *runs);
            m_timelineModel->mergeRuns(*runs);
        });
    }
    if (m_list->rowOf(selected) >= 0) {
        if (selected == m_select)
            m_select.clear();
        selectJob(selected);
    }
    updateButtons();
}

void JobsPage::applyRun(const Run &run)
{
    m_list->applyRun(run);
    m_timelineModel->mergeRun(run);
    for (const auto &details : std::as_const(m_details))
        if (details)
            details->applyRun(run);
}

void JobsPage::ensureLoaded(const QDateTime &fromTime, const QDateTime &toTime)
{
    if (!m_scheduler || m_scheduler->role() == SchedulerService::Role::Starting)
        return;
    // The window and as much again on either side: scrolling a little asks nothing.
    const qint64 span = fromTime.msecsTo(toTime);
    const qint64 from = fromTime.toMSecsSinceEpoch() - span;
    const qint64 to = toTime.toMSecsSinceEpoch() + span;
    if (m_loadedTo < m_loadedFrom) {
        m_loadedFrom = from;
        m_loadedTo = to;
        loadRuns(from, to);
        return;
    }
    if (from < m_loadedFrom) {
        loadRuns(from, m_loadedFrom);
        m_loadedFrom = from;
    }
    if (to > m_loadedTo) {
        loadRuns(m_loadedTo, to);
        m_loadedTo = to;
    }
}

void JobsPage::loadRuns(qint64 from, qint64 to)
{
    const auto utc = [](qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC); };
    m_scheduler->runsBetween(utc(from), utc(to), this, [this](const Result<QList<Run>> &runs) {
        if (!runs) {
            m_loadedTo = -1; // asked again when the view moves
            m_loadedFrom = 0;
            showMessage(tr("The run history could not be read: %1").arg(runs.error().text()), true);
            return;
        }
        m_timelineModel->mergeRuns(*runs);
    });
}

QString JobsPage::selectedJob() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(JobListModel::JobNameRole).toString();
}

void JobsPage::selectJob(const QString &job)
{
    const int row = m_list->rowOf(job);
    if (row < 0)
        return;
    if (selectedJob() != job)
        m_table->selectRow(row);
    m_timeline->setCurrentJob(job);
}

void JobsPage::updateButtons()
{
    const auto job = m_list->job(selectedJob());
    const bool can = m_scheduler && !m_scheduler->jobsError();
    m_new->setEnabled(can);
    for (QPushButton *b : {m_runNow, m_edit, m_duplicate, m_delete})
        b->setEnabled(can && job.has_value());
    m_runNow->setEnabled(m_scheduler && job.has_value()); // runs also while the file is broken
    m_pause->setEnabled(can && job.has_value());
    const bool paused = job && !job->enabled;
    m_pause->setText(paused ? tr("Res&ume") : tr("&Pause"));
    m_pause->setIcon(Icons::themed(paused ? u"media-playback-start"_s : u"media-playback-pause"_s));
}

void JobsPage::showMessage(const QString &text, bool problem)
{
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, problem ? RunText::statusColor(Run::Status::Failed)
                                                   : QPalette().color(QPalette::WindowText));
    m_message->setPalette(palette);
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QString JobsPage::message() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

void JobsPage::setPersonas(const QStringList &personas)
{
    m_personas = personas;
}

QStringList JobsPage::repositories() const
{
    QStringList out;
    for (const Job &job : m_list->jobs())
        if (!out.contains(job.repository))
            out << job.repository;
    return out;
}

QString JobsPage::uniqueName(const QString &base) const
{
    // "nightly" → "nightly-2", "nightly-3", …, within the 31 characters a name may have.
    for (int n = 2;; ++n) {
        const QString suffix = u"-%1"_s.arg(n);
        const QString name = base.left(31 - suffix.size()) + suffix;
        if (m_list->rowOf(name) < 0)
            return name;
    }
}

void JobsPage::openEditor(const Job &job, bool isNew)
{
    if (m_editor) {
        m_editor->raise();
        m_editor->activateWindow();
        return;
    }
    JobEditDialog::Choices choices;
    choices.personas = m_personas;
    choices.repositories = repositories();
    for (const Job &other : m_list->jobs())
        if (isNew || other.name != job.name)
            choices.otherNames << other.name;
    m_editor = new JobEditDialog(job, choices, this);
    m_editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_editor, &QDialog::accepted, this, [this, isNew, dialog = m_editor.data()] {
        const Job edited = dialog->job();
        const QString original = dialog->originalName();
        m_select = edited.name;
        showMessage({}, false);
        if (isNew)
            ask([edited](SchedulerService *s) { s->addJob(edited); });
        else
            ask([original, edited](SchedulerService *s) { s->updateJob(original, edited); });
    });
    m_editor->open();
}

void JobsPage::newJob()
{
    openEditor(JobEditDialog::newJob(m_personas), true);
}

void JobsPage::editJob()
{
    if (const auto job = m_list->job(selectedJob()))
        openEditor(*job, false);
}

void JobsPage::duplicateJob()
{
    auto job = m_list->job(selectedJob());
    if (!job)
        return;
    job->name = uniqueName(job->name);
    openEditor(*job, true);
}

void JobsPage::runNow()
{
    const QString job = selectedJob();
    if (job.isEmpty())
        return;
    showMessage(tr("%1: asked to run now.").arg(job), false);
    ask([job](SchedulerService *s) { s->runNow(job); });
}

void JobsPage::togglePaused()
{
    const auto job = m_list->job(selectedJob());
    if (!job)
        return;
    const QString name = job->name;
    const bool enable = !job->enabled;
    ask([name, enable](SchedulerService *s) { s->setJobEnabled(name, enable); });
}

void JobsPage::deleteJob()
{
    const QString job = selectedJob();
    if (job.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete job"),
                                tr("Delete the job \"%1\"? Its runs stay in the history.").arg(job),
                                QMessageBox::Cancel, this);
    box->setObjectName(u"deleteJobBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *confirm = box->addButton(tr("&Delete"), QMessageBox::DestructiveRole);
    confirm->setObjectName(u"confirmDeleteButton"_s);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, confirm, job] {
        if (box->clickedButton() != confirm)
            return;
        ask([job](SchedulerService *s) { s->removeJob(job); });
    });
    box->open();
}

void JobsPage::openRun(const Run &run)
{
    const int row = m_timelineModel->rowOf(run.job);
    const QTimeZone zone = row >= 0 ? m_timelineModel->zone(row) : QTimeZone(QTimeZone::UTC);
    m_details.removeIf([](const QPointer<RunDetailsDialog> &d) { return d.isNull(); });
    for (const auto &details : std::as_const(m_details))
        if (details->runId() == run.id) {
            details->raise();
            details->activateWindow();
            return;
        }
    auto *details = new RunDetailsDialog(run, zone, m_scheduler, this);
    details->setAttribute(Qt::WA_DeleteOnClose);
    m_details.append(details);
    details->show();
}

} // namespace paddock
