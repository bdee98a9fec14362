#include "scheduler/Run.h"

#include <QCoreApplication>

#include <array>
#include <utility>

namespace paddock {

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

} // namespace paddock
