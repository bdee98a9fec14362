#include "ScheduleError.h"

QString scheduleErrorText(const QString &expression, const paddock::CronExpression::ParseError &error)
{
    return error.text() + u"\n  " + expression + u"\n  " + QString(error.column - 1, u' ') +
           QString(error.length, u'^');
}
