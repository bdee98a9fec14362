#pragma once

#include <QStringList>

// `paddockctl job run NAME`: asks the Paddock that schedules (the app or `paddockctl serve`) to run
// a job now, and follows the run to its end.
int runJobNow(const QStringList &arguments);
// `paddockctl job history [NAME]`: the runs as the history has them, newest first.
int jobHistory(const QStringList &arguments);
