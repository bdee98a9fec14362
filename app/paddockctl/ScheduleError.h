#pragma once

#include "scheduler/CronExpression.h"

#include <QString>

// A schedule that does not parse, as paddockctl prints it after "paddockctl …: ": "column N: reason",
// then the expression with a caret line under the offending part, each on a line of its own.
QString scheduleErrorText(const QString &expression, const paddock::CronExpression::ParseError &error);
