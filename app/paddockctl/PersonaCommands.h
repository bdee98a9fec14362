#pragma once

#include <QStringList>

// `paddockctl persona list | start | stop | restart | logs`: personas from the command line, on the
// container engine directly (a running Paddock sees the changes through the engine's events).
int runPersonaCommand(const QStringList &arguments);
