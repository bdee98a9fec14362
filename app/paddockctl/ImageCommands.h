#pragma once

#include <QStringList>

// `paddockctl image …`: build the agent image and say whether the engine has it.
int runImageCommand(const QStringList &arguments);
