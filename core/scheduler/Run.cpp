#include "scheduler/Run.h"

#include <QCoreApplication>
#include <QJsonValue>

#include <array>
#include <utility>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::Run)
};

constexpr std::array<std::pair<Run::Status, const char16_t *>, 10> StatusNames{{
    {Run::Status::Queued, u"queued"},
    {Run::Status::Running, u"running"},
    {Run::Status::Ok, u"ok"},
    {Run::Status::Failed, u"failed"},
    {Run::Status::Timeout, u"timeout"},
    {Run::Status::Budget, u"budget"},
    {Run::Status::Skipped, u"skipped"},
    {Run::Status::Missed, u"missed"},
    {Run::Status::Interrupted, u"interrupted"},
    {Run::Status::Cancelled, u"cancelled"},
}};
constexpr std::array<std::pair<Run::Trigger, const char16_t *>, 4> TriggerNames{{
    {Run::Trigger::Schedule, u"schedule"},
    {Run::Trigger::CatchUp, u"catch-up"},
    {Run::Trigger::Manual, u"manual"},
    {Run::Trigger::OnStart, u"on-start"},
}};
} // namespace

QString Run::statusName(Status status)
{
    for (const auto &[s, name] : StatusNames)
        if (s == status)
            return QString::fromUtf16(name);
    return {};
}

std::optional<Run::Status> Run::statusFromName(const QString &name)
{
    for (const auto &[s, n] : StatusNames)
        if (name == QStringView(n))
            return s;
    return std::nullopt;
}

QString Run::statusText(Status status)
{
    switch (status) {
    case Status::Queued:
        return Text::tr("queued");
    case Status::Running:
        return Text::tr("running");
    case Status::Ok:
        return Text::tr("succeeded");
    case Status::Failed:
        return Text::tr("failed");
    case Status::Timeout:
        return Text::tr("timed out");
    case Status::Budget:
        return Text::tr("stopped at its budget");
    case Status::Skipped:
        return Text::tr("skipped");
    case Status::Missed:
        return Text::tr("missed");
    case Status::Interrupted:
        return Text::tr("interrupted");
    case Status::Cancelled:
        return Text::tr("cancelled");
    }
    return {};
}

QString Run::triggerName(Trigger trigger)
{
    for (const auto &[t, name] : TriggerNames)
        if (t == trigger)
            return QString::fromUtf16(name);
    return {};
}

std::optional<Run::Trigger> Run::triggerFromName(const QString &name)
{
    for (const auto &[t, n] : TriggerNames)
        if (name == QStringView(n))
            return t;
    return std::nullopt;
}

namespace {
QJsonValue timeValue(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}
QDateTime timeFrom(const QJsonValue &v)
{
    if (!v.isString())
        return {};
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs).toUTC();
}
} // namespace

QJsonObject Run::toJson() const
{
    QJsonObject o{
        {u"id"_s, id},
        {u"job"_s, job},
        {u"scheduled"_s, timeValue(scheduled)},
        {u"started"_s, timeValue(started)},
        {u"ended"_s, timeValue(ended)},
        {u"status"_s, statusName(status)},
        {u"trigger"_s, triggerName(trigger)},
        {u"reason"_s, reason},
        {u"exitCode"_s, exitCode},
        {u"attempt"_s, attempt},
        {u"inputTokens"_s, inputTokens},
        {u"outputTokens"_s, outputTokens},
        {u"cacheTokens"_s, cacheTokens},
        {u"costUsd"_s, costUsd ? QJsonValue(*costUsd) : QJsonValue()},
        {u"result"_s, result},
        {u"container"_s, container},
        {u"workspace"_s, workspace},
    };
    if (slotCount != 1) {
        o.insert(u"slots"_s, slotCount);
        o.insert(u"lastSlot"_s, timeValue(lastSlot));
    }
    return o;
}

Run Run::fromJson(const QJsonObject &o)
{
    Run run;
    run.id = o.value(u"id"_s).toInteger();
    run.job = o.value(u"job"_s).toString();
    run.scheduled = timeFrom(o.value(u"scheduled"_s));
    run.started = timeFrom(o.value(u"started"_s));
    run.ended = timeFrom(o.value(u"ended"_s));
    run.status = statusFromName(o.value(u"status"_s).toString()).value_or(Status::Failed);
    run.trigger = triggerFromName(o.value(u"trigger"_s).toString()).value_or(Trigger::Schedule);
    run.reason = o.value(u"reason"_s).toString();
    run.exitCode = o.value(u"exitCode"_s).toInt(-1);
    run.attempt = o.value(u"attempt"_s).toInt(1);
    run.inputTokens = o.value(u"inputTokens"_s).toInteger();
    run.outputTokens = o.value(u"outputTokens"_s).toInteger();
    run.cacheTokens = o.value(u"cacheTokens"_s).toInteger();
    if (o.value(u"costUsd"_s).isDouble())
        run.costUsd = o.value(u"costUsd"_s).toDouble();
    run.result = o.value(u"result"_s).toString();
    run.container = o.value(u"container"_s).toString();
    run.workspace = o.value(u"workspace"_s).toString();
    run.slotCount = o.value(u"slots"_s).toInt(1);
    run.lastSlot = timeFrom(o.value(u"lastSlot"_s));
    return run;
}

} // namespace paddock
