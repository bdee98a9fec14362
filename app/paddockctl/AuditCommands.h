#pragma once

#include <QStringList>

// `paddockctl audit verify | tail | export`: the audit log from the command line.
int runAuditCommand(const QStringList &arguments);
