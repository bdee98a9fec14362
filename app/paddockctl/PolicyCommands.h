#pragma once

#include <QStringList>

// `paddockctl policy …`: validate and authorize against Cedar policy files.
int runPolicyCommand(const QStringList &arguments);
