#pragma once

#include "proxy/AddressGuard.h"

#include <QHash>
#include <QString>

#include <vector>

namespace paddock {

// The names this host resolves without asking DNS, and what each stands for. With an upstream
// proxy they are checked by the proxy here, not left to the upstream: an upstream running on this
// host (cntlm, px) would otherwise carry a tunnel to the host's own services.
using LocalNames = QHash<QString, std::vector<IpAddress>>;

// The localhost family (RFC 6761), the host's own name (as nss-myhostname answers it: loopback),
// and whatever `hostsFile` lists.
LocalNames localNames(const QString &hostsFile);

// What `host` stands for on this host without DNS (the localhost family includes every name under
// .localhost, RFC 6761), or null.
const std::vector<IpAddress> *localAddresses(const LocalNames &names, const QString &host);

} // namespace paddock
