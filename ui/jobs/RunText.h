#pragma once

#include "scheduler/Run.h"

#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QIcon>
#include <QString>
#include <QTimeZone>

namespace paddock {

// How runs and their times are told to people, the same in the job list, the timeline, the run's
// details and the tray: a colour and an icon per status, times in the job's own zone, durations,
// tokens and cost. UI thread.
class RunText final
{
    Q_DECLARE_TR_FUNCTIONS(paddock::RunText)

public:
    static QColor statusColor(Run::Status status);
    // A dot of the status's colour.
    static QIcon statusIcon(Run::Status status);
    // "Tue 2026-12-08 02:30:00 CET": an instant in `zone`; "—" when there is none.
    static QString time(const QDateTime &t, const QTimeZone &zone);
    // The same without the seconds, for lists.
    static QString shortTime(const QDateTime &t, const QTimeZone &zone);
    // "1 h 12 min", "45 s".
    static QString duration(qint64 ms);
    // "failed: exit code 2", "succeeded".
    static QString statusWithReason(const Run &run);
    static QString tokens(const Run &run);
    static QString cost(const Run &run);
    // How the run came about: on schedule, caught up, run now, on start.
    static QString trigger(Run::Trigger trigger);
    // Everything about a run in a few lines (rich text, escaped): the timeline's tooltip.
    static QString summary(const Run &run, const QTimeZone &zone, const QDateTime &now);
};

} // namespace paddock
