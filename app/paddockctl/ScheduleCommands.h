#pragma once

#include <QStringList>

// `paddockctl schedule …`: what a job's schedule means, in its time zone.
int runScheduleCommand(const QStringList &arguments);
