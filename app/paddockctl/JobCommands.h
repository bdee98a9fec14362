#pragma once

#include <QStringList>

// `paddockctl job list | show | add | edit | remove | enable | disable | run | history`: the jobs (scheduled agent
// runs) in jobs.json, read and changed through JobStore.
int runJobCommand(const QStringList &arguments);
