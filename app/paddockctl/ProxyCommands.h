#pragma once

#include <QStringList>

// `paddockctl proxy listen|status`: the egress proxy from the command line.
int runProxyCommand(const QStringList &args);
