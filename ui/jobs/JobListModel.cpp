#include "jobs/JobListModel.h"

#include "jobs/RunText.h"
#include "scheduler/CronSchedule.h"

#include <QBrush>
#include <QTimeZone>

#include <chrono>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {
// When a run last did something: its end, or the (last) slot of one that never started.
QDateTime lastMoment(const Run &run)
{
    if (run.ended.isValid())
        return run.ended;
    return run.lastSlot.isValid() ? run.lastSlot : run.scheduled;
}
bool isNewer(const Run &run, const std::optional<Run> &than)
{
    if (!than || run.id == than->id)
        return true;
    const QDateTime a = lastMoment(run);
    const QDateTime b = lastMoment(*than);
    return a > b || (a == b && run.id > than->id);
}
} // namespace

JobListModel::JobListModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int JobListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Job");
    case Schedule:
        return tr("Schedule");
    case NextRun:
        return tr("Next run");
    case LastStatus:
        return tr("Last run");
    case Failures:
        return tr("Failures in a row");
    case Enabled:
        return tr("Enabled");
    default:
        return {};
    }
}

int JobListModel::rowOf(const QString &job) const
{
    for (qsizetype i = 0; i < m_jobs.size(); ++i)
        if (m_jobs[i].name == job)
            return int(i);
    return -1;
}

std::optional<Job> JobListModel::job(const QString &name) const
{
    const int row = rowOf(name);
    return row < 0 ? std::nullopt : std::optional<Job>(m_jobs[row]);
}

std::optional<Run> JobListModel::lastRun(const QString &job) const
{
    const auto it = m_state.constFind(job);
    if (it == m_state.cend())
        return std::nullopt;
    std::optional<Run> open;
    for (const Run &run : it->open)
        if (!open || run.id > open->id)
            open = run;
    return open ? open : it->last;
}

JobListModel::Shown JobListModel::describe(const Job &job) const
{
    Shown shown;
    shown.expression = job.schedule;
    const auto expression = CronExpression::parse(job.schedule);
    shown.schedule = tr("%1 (%2)").arg(expression ? expression->describe() : job.schedule, job.timeZone);
    if (!job.enabled) {
        shown.next = tr("not while disabled");
        return shown;
    }
    if (expression && expression->isOnStart()) {
        shown.next = tr("when Paddock starts");
        return shown;
    }
    const QTimeZone zone(job.timeZone.toUtf8());
    // The scheduler's word, unless its slot has passed since (it tells again when the jobs change).
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime next = m_next.value(job.name);
    if (!next.isValid() || next <= now) {
        next = {};
        if (expression)
            if (auto schedule = CronSchedule::create(*expression, job.timeZone))
                if (auto t =
                        schedule->next(CronSchedule::Instant{std::chrono::seconds{now.toSecsSinceEpoch()}}))
                    next = QDateTime::fromSecsSinceEpoch(t->time_since_epoch().count(), QTimeZone::UTC);
    }
    shown.next = next.isValid() ? RunText::shortTime(next, zone.isValid() ? zone : QTimeZone(QTimeZone::UTC))
                                : tr("never");
    return shown;
}

void JobListModel::setJobs(const QList<Job> &jobs, const QHash<QString, QDateTime> &nextRuns)
{
    bool sameRows = jobs.size() == m_jobs.size();
    for (qsizetype i = 0; sameRows && i < jobs.size(); ++i)
        sameRows = jobs[i].name == m_jobs[i].name;
    for (const Job &job : jobs) {
        // Enabled again: the scheduler starts counting afresh, and so does the list.
        const auto old = this->job(job.name);
        if (old && !old->enabled && job.enabled) {
            State &s = m_state[job.name];
            s.failures = 0;
            s.counted.clear();
        }
    }
    if (!sameRows)
        beginResetModel();
    m_jobs = jobs;
    m_next = nextRuns;
    m_shown.clear();
    for (const Job &job : jobs)
        m_shown.append(describe(job));
    if (!sameRows)
        endResetModel();
    else if (!m_jobs.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void JobListModel::setHistory(const QString &job, const QList<Run> &newestFirst)
{
    State &s = m_state[job];
    s.failures = 0;
    s.counted.clear();
    bool counting = true;
    std::optional<Run> last;
    for (const Run &run : newestFirst) {
        if (!run.isFinal())
            continue;
        if (isNewer(run, last))
            last = run;
        if (!counting)
            continue;
        if (run.isFailure()) {
            ++s.failures;
            s.counted.insert(run.id);
        } else if (run.status == Run::Status::Ok) {
            counting = false;
            s.counted.insert(run.id);
        }
    }
    if (last && isNewer(*last, s.last))
        s.last = last;
    if (const int row = rowOf(job); row >= 0)
        changed(row, LastStatus, Failures);
}

void JobListModel::applyRun(const Run &run)
{
    State &s = m_state[run.job];
    if (!run.isFinal()) {
        s.open.insert(run.id, run);
    } else {
        s.open.remove(run.id);
        if (isNewer(run, s.last))
            s.last = run;
        if (!s.counted.contains(run.id)) {
            if (run.isFailure()) {
                ++s.failures;
                s.counted.insert(run.id);
            } else if (run.status == Run::Status::Ok) {
                s.failures = 0;
                s.counted = {run.id};
            }
        }
    }
    if (const int row = rowOf(run.job); row >= 0) {
        m_shown[row].next = describe(m_jobs[row]).next; // a slot has passed
        changed(row, NextRun, Failures);
    }
}

void JobListModel::applyIncident(const QString &job, int failures, const Run &last)
{
    State &s = m_state[job];
    s.failures = failures;
    s.counted.insert(last.id);
    if (const int row = rowOf(job); row >= 0)
        changed(row, Failures, Failures);
}

void JobListModel::applyStates(const QHash<QString, JobState> &states)
{
    for (auto it = states.cbegin(); it != states.cend(); ++it) {
        State &s = m_state[it.key()];
        if (s.failures == it->failures)
            continue;
        s.failures = it->failures;
        if (const int row = rowOf(it.key()); row >= 0)
            changed(row, Failures, Failures);
    }
}

void JobListModel::changed(int row, int firstColumn, int lastColumn)
{
    emit dataChanged(index(row, firstColumn), index(row, lastColumn));
}

QVariant JobListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job &job = m_jobs[index.row()];
    const Shown &shown = m_shown[index.row()];
    if (role == JobNameRole)
        return job.name;
    switch (index.column()) {
    case Name:
        if (role == Qt::DisplayRole)
            return job.name;
        if (role == Qt::ToolTipRole)
            return tr("Persona %1 on %2 (branch %3)").arg(job.persona, job.repository, job.baseBranch);
        break;
    case Schedule:
        if (role == Qt::DisplayRole)
            return shown.schedule;
        if (role == Qt::ToolTipRole)
            return shown.expression;
        break;
    case NextRun:
        if (role == Qt::DisplayRole)
            return shown.next;
        if (role == Qt::ToolTipRole)
            return tr("In the job's time zone, %1").arg(job.timeZone);
        break;
    case LastStatus: {
        const auto last = lastRun(job.name);
        if (role == StatusRole)
            return last ? int(last->status) : -1;
        if (role == Qt::DisplayRole)
            return last ? Run::statusText(last->status) : tr("never ran");
        if (role == Qt::DecorationRole && last)
            return RunText::statusIcon(last->status);
        if (role == Qt::ToolTipRole && last)
            return tr("Run %1: %2\nEnded %3")
                .arg(last->id)
                .arg(RunText::statusWithReason(*last),
                     RunText::time(last->ended, QTimeZone(job.timeZone.toUtf8())));
        break;
    }
    case Failures: {
        const int failures = m_state.value(job.name).failures;
        if (role == FailuresRole)
            return failures;
        if (role == Qt::DisplayRole)
            return failures;
        if (role == Qt::ForegroundRole && failures >= 2)
            return QBrush(RunText::statusColor(Run::Status::Failed));
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (role == Qt::ToolTipRole)
            return tr("%n failure(s) in a row; the job is disabled at %1", nullptr, failures)
                .arg(job.failureThreshold);
        break;
    }
    case Enabled:
        if (role == Qt::CheckStateRole)
            return job.enabled ? Qt::Checked : Qt::Unchecked;
        if (role == Qt::DisplayRole)
            return job.enabled                    ? tr("yes")
                   : job.disabledReason.isEmpty() ? tr("no")
                                                  : tr("no: %1").arg(job.disabledReason);
        if (role == Qt::ToolTipRole && !job.enabled)
            return job.disabledReason;
        break;
    default:
        break;
    }
    return {};
}

} // namespace paddock
