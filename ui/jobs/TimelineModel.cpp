#include "jobs/TimelineModel.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace paddock {

namespace {

constexpr qint64 NoOpenRun = std::numeric_limits<qint64>::max();
// A job that fires every minute over a wide window: the drawing joins its slots into stretches,
// but the schedule is never asked more often than this for one window.
constexpr int MaxScheduleSteps = 20000;

using Instant = CronSchedule::Instant;

Instant instantAt(qint64 ms)
{
    // Floor to the second, also before 1970.
    const qint64 s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return Instant{std::chrono::seconds{s}};
}

qint64 msOfInstant(Instant t)
{
    return qint64(t.time_since_epoch().count()) * 1000;
}

bool before(const TimelineModel::Span &a, const TimelineModel::Span &b)
{
    return a.scheduled != b.scheduled ? a.scheduled < b.scheduled : a.id < b.id;
}

} // namespace

// A zone's rules and the clock changes of the window last asked for, shared by the jobs in it.
struct ZoneEntry
{
    std::optional<ZoneRules> rules;
    QTimeZone timeZone;
    qint64 from = 0;
    qint64 to = -1;
    std::vector<TimelineModel::ClockChange> changes;
};

struct TimelineModel::Lane
{
    Job job;
    std::optional<CronSchedule> schedule; // none: "on start", or not a schedule
    std::shared_ptr<ZoneEntry> zone;
    std::vector<Run> runs; // sorted by (slot, id), as `spans`
    std::vector<Span> spans;
    qint64 maxAfter = 0;  // the furthest any finished run reaches past its slot
    qint64 maxBefore = 0; // … before it (a clock set back)
    qint64 oldestOpen = NoOpenRun;
    qint64 typical = 0;
    qint64 typicalId = 0;
    // The slots of the window last asked for.
    qint64 upcomingFrom = 0;
    qint64 upcomingTo = -1;
    qint64 upcomingResolution = -1;
    std::vector<Upcoming> upcoming;
};

namespace {
std::vector<TimelineModel::Upcoming> &noUpcoming()
{
    static std::vector<TimelineModel::Upcoming> none;
    return none;
}
std::vector<TimelineModel::ClockChange> &noChanges()
{
    static std::vector<TimelineModel::ClockChange> none;
    return none;
}
QHash<QString, std::shared_ptr<ZoneEntry>> &zones()
{
    // Zone rules are values read once from the system's files; every model on the UI thread shares them.
    static QHash<QString, std::shared_ptr<ZoneEntry>> all;
    return all;
}
std::shared_ptr<ZoneEntry> zoneEntry(const QString &name)
{
    auto &all = zones();
    if (auto it = all.constFind(name); it != all.cend())
        return *it;
    auto entry = std::make_shared<ZoneEntry>();
    entry->rules = ZoneRules::find(name);
    entry->timeZone = QTimeZone(name.toUtf8());
    if (!entry->timeZone.isValid())
        entry->timeZone = QTimeZone::UTC;
    all.insert(name, entry);
    return entry;
}
} // namespace

TimelineModel::TimelineModel(QObject *parent)
    : QObject(parent)
{}

TimelineModel::~TimelineModel() = default;

TimelineModel::Lane &TimelineModel::lane(const QString &job)
{
    if (Lane *l = m_lanes.value(job))
        return *l;
    auto owned = std::make_unique<Lane>();
    Lane *l = owned.get();
    l->job.name = job;
    l->zone = zoneEntry(QStringLiteral("UTC"));
    m_lanesOwned.push_back(std::move(owned));
    m_lanes.insert(job, l);
    return *l;
}

void TimelineModel::setJobs(const QList<Job> &jobs)
{
    m_rows.clear();
    m_rows.reserve(size_t(jobs.size()));
    for (const Job &job : jobs) {
        Lane &l = lane(job.name);
        const bool timing = l.job.schedule != job.schedule || l.job.timeZone != job.timeZone || !l.zone ||
                            l.job.enabled != job.enabled;
        l.job = job;
        if (timing) {
            l.zone = zoneEntry(job.timeZone);
            l.schedule.reset();
            if (auto expression = CronExpression::parse(job.schedule); expression && !expression->isOnStart())
                if (auto schedule = CronSchedule::create(*expression, job.timeZone))
                    l.schedule = std::move(*schedule);
            l.upcomingTo = -1;
        }
        m_rows.push_back(&l);
    }
    emit jobsReset();
}

int TimelineModel::rowOf(const QString &job) const
{
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i]->job.name == job)
            return int(i);
    return -1;
}

const Job &TimelineModel::job(int row) const
{
    return m_rows[size_t(row)]->job;
}

QTimeZone TimelineModel::zone(int row) const
{
    return m_rows[size_t(row)]->zone->timeZone;
}

qsizetype TimelineModel::runCount(int row) const
{
    return qsizetype(m_rows[size_t(row)]->spans.size());
}

qsizetype TimelineModel::totalRuns() const
{
    qsizetype n = 0;
    for (const auto &l : m_lanesOwned)
        n += qsizetype(l->spans.size());
    return n;
}

const TimelineModel::Span &TimelineModel::span(int row, qsizetype index) const
{
    return m_rows[size_t(row)]->spans[size_t(index)];
}

const Run &TimelineModel::run(int row, qsizetype index) const
{
    return m_rows[size_t(row)]->runs[size_t(index)];
}

qint64 TimelineModel::typicalDurationMs(int row) const
{
    return m_rows[size_t(row)]->typical;
}

std::optional<Run> TimelineModel::findRun(qint64 id) const
{
    const Lane *l = m_lanes.value(m_jobOfRun.value(id));
    if (!l)
        return std::nullopt;
    for (const Run &run : l->runs)
        if (run.id == id)
            return run;
    return std::nullopt;
}

TimelineModel::Span TimelineModel::spanOf(const Run &run)
{
    Span s;
    s.id = run.id;
    s.status = run.status;
    s.scheduled = msOf(run.scheduled);
    s.begin = run.started.isValid() ? msOf(run.started) : s.scheduled;
    if (run.isFinal())
        s.end = std::max<qint64>(run.ended.isValid() ? msOf(run.ended) : s.begin, 1); // 0 is "open"
    s.lastSlot = run.slotCount > 1 && run.lastSlot.isValid() ? msOf(run.lastSlot) : s.scheduled;
    return s;
}

void TimelineModel::noteExtent(Lane &lane, const Span &s)
{
    if (s.isOpen()) {
        lane.oldestOpen = std::min(lane.oldestOpen, s.scheduled);
    } else {
        lane.maxAfter = std::max(lane.maxAfter, std::max({s.end, s.lastSlot, s.begin}) - s.scheduled);
        const bool ran = s.status == Run::Status::Ok || s.status == Run::Status::Failed ||
                         s.status == Run::Status::Timeout || s.status == Run::Status::Budget;
        if (ran && s.id >= lane.typicalId) {
            lane.typicalId = s.id;
            lane.typical = std::max<qint64>(s.end - s.begin, 0);
        }
    }
    lane.maxBefore = std::max(lane.maxBefore, s.scheduled - std::min(s.begin, s.scheduled));
}

void TimelineModel::rebuild(Lane &lane)
{
    // Sorted by slot and id, the later of two copies of a run kept unless it is the unfinished one.
    std::vector<Span> spans;
    spans.reserve(lane.runs.size());
    for (const Run &run : lane.runs)
        spans.push_back(spanOf(run));
    std::vector<qsizetype> order(spans.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = qsizetype(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](qsizetype a, qsizetype b) { return before(spans[size_t(a)], spans[size_t(b)]); });
    std::vector<Run> runs;
    runs.reserve(order.size());
    lane.spans.clear();
    lane.spans.reserve(order.size());
    for (qsizetype i : order) {
        const Span &s = spans[size_t(i)];
        if (!lane.spans.empty() && lane.spans.back().id == s.id) {
            if (!lane.spans.back().isOpen() && s.isOpen())
                continue;
            lane.spans.back() = s;
            runs.back() = std::move(lane.runs[size_t(i)]);
            continue;
        }
        lane.spans.push_back(s);
        runs.push_back(std::move(lane.runs[size_t(i)]));
    }
    lane.runs = std::move(runs);
    lane.maxAfter = lane.maxBefore = 0;
    lane.oldestOpen = NoOpenRun;
    lane.typical = lane.typicalId = 0;
    for (const Span &s : lane.spans) {
        noteExtent(lane, s);
        m_jobOfRun.insert(s.id, lane.job.name);
    }
}

void TimelineModel::mergeInto(Lane &lane, const Run &run)
{
    const Span s = spanOf(run);
    auto it = std::lower_bound(lane.spans.begin(), lane.spans.end(), s, before);
    if (it == lane.spans.end() || it->id != s.id) {
        // Known under another slot or job: taken out there first (not expected; cheap to be sure).
        if (auto known = m_jobOfRun.constFind(s.id); known != m_jobOfRun.cend()) {
            Lane &old = this->lane(*known);
            const auto at =
                std::find_if(old.spans.begin(), old.spans.end(), [&](const Span &o) { return o.id == s.id; });
            if (at != old.spans.end()) {
                if (!at->isOpen() && s.isOpen())
                    return;
                old.runs.erase(old.runs.begin() + (at - old.spans.begin()));
                old.spans.erase(at);
                rebuild(old);
            }
            it = std::lower_bound(lane.spans.begin(), lane.spans.end(), s, before);
        }
    }
    const auto index = it - lane.spans.begin();
    if (it != lane.spans.end() && it->id == s.id) {
        if (!it->isOpen() && s.isOpen())
            return; // an older word about a run that has ended
        const bool wasOldestOpen = it->isOpen() && it->scheduled == lane.oldestOpen;
        *it = s;
        lane.runs[size_t(index)] = run;
        if (wasOldestOpen && !s.isOpen()) {
            lane.oldestOpen = NoOpenRun;
            for (const Span &o : lane.spans)
                if (o.isOpen())
                    lane.oldestOpen = std::min(lane.oldestOpen, o.scheduled);
        }
    } else {
        lane.spans.insert(it, s);
        lane.runs.insert(lane.runs.begin() + index, run);
    }
    m_jobOfRun.insert(s.id, run.job);
    noteExtent(lane, s);
}

void TimelineModel::setRuns(const QList<Run> &runs)
{
    for (const auto &l : m_lanesOwned) {
        l->runs.clear();
        l->spans.clear();
    }
    m_jobOfRun.clear();
    for (const Run &run : runs)
        lane(run.job).runs.push_back(run);
    for (const auto &l : m_lanesOwned)
        rebuild(*l);
    emit runsChanged();
}

void TimelineModel::mergeRuns(const QList<Run> &runs)
{
    if (runs.isEmpty())
        return;
    // Few at a time go in by binary search; many are appended and the lane sorted once.
    QHash<QString, QList<const Run *>> byJob;
    for (const Run &run : runs)
        byJob[run.job].append(&run);
    for (auto it = byJob.cbegin(); it != byJob.cend(); ++it) {
        Lane &l = lane(it.key());
        if (it->size() < 16) {
            for (const Run *run : *it)
                mergeInto(l, *run);
            continue;
        }
        for (const Run *run : *it)
            l.runs.push_back(*run);
        rebuild(l);
    }
    emit runsChanged();
}

void TimelineModel::mergeRun(const Run &run)
{
    mergeInto(lane(run.job), run);
    emit runsChanged();
}

std::pair<qsizetype, qsizetype> TimelineModel::runsIn(int row, qint64 from, qint64 to, qint64 slackMs) const
{
    const Lane &l = *m_rows[size_t(row)];
    qint64 lo = from - l.maxAfter - slackMs;
    if (l.oldestOpen < lo)
        lo = l.oldestOpen; // an unfinished run reaches "now"
    const qint64 hi = to + l.maxBefore + slackMs;
    const auto first = std::lower_bound(l.spans.cbegin(), l.spans.cend(), lo,
                                        [](const Span &s, qint64 t) { return s.scheduled < t; });
    const auto last =
        std::upper_bound(first, l.spans.cend(), hi, [](qint64 t, const Span &s) { return t < s.scheduled; });
    return {first - l.spans.cbegin(), last - l.spans.cbegin()};
}

const std::vector<TimelineModel::Upcoming> &TimelineModel::upcoming(int row, qint64 from, qint64 to,
                                                                    qint64 resolutionMs) const
{
    Lane &l = *m_rows[size_t(row)];
    if (!l.schedule || !l.job.enabled)
        return noUpcoming();
    if (from >= l.upcomingFrom && to <= l.upcomingTo && resolutionMs == l.upcomingResolution)
        return l.upcoming;
    // A window as wide again on either side: scrolling uses it for a while.
    const qint64 width = std::max<qint64>(to - from, 60'000);
    l.upcomingFrom = from - width;
    l.upcomingTo = to + width;
    l.upcomingResolution = resolutionMs;
    l.upcoming.clear();
    Instant t = instantAt(l.upcomingFrom) - std::chrono::seconds{1};
    for (int step = 0;; ++step) {
        if (step == MaxScheduleSteps) {
            l.upcomingTo = l.upcoming.empty() ? l.upcomingFrom : l.upcoming.back().last;
            break;
        }
        const auto next = l.schedule->next(t);
        if (!next)
            break;
        const qint64 ms = msOfInstant(*next);
        if (ms > l.upcomingTo)
            break;
        if (!l.upcoming.empty() && ms - l.upcoming.back().last <= resolutionMs) {
            // In a stretch: the slots in the next half of a resolution cannot be told apart.
            l.upcoming.back().last = ms;
            t = std::max(*next, instantAt(ms + resolutionMs / 2));
        } else {
            l.upcoming.push_back({ms, ms});
            t = *next;
        }
    }
    return l.upcoming;
}

const std::vector<TimelineModel::ClockChange> &TimelineModel::clockChanges(int row, qint64 from,
                                                                           qint64 to) const
{
    ZoneEntry &z = *m_rows[size_t(row)]->zone;
    if (!z.rules)
        return noChanges();
    if (from >= z.from && to <= z.to)
        return z.changes;
    const qint64 width = std::max<qint64>(to - from, 3'600'000);
    z.from = from - width;
    z.to = to + width;
    z.changes.clear();
    ZoneRules::Period p = z.rules->periodAt(instantAt(z.from));
    for (int i = 0; i < 256 && p.end < ZoneRules::Far; ++i) {
        const qint64 at = msOfInstant(p.end);
        if (at > z.to)
            break;
        const ZoneRules::Period next = z.rules->periodAt(p.end);
        if (next.offset != p.offset)
            z.changes.push_back({at, int(p.offset.count()), int(next.offset.count())});
        if (next.end <= p.end)
            break;
        p = next;
    }
    return z.changes;
}

} // namespace paddock
