// bench/proxy's closing table: each figure for Paddock's proxy, for it through paddock-relay and for
// tinyproxy, their ratios to tinyproxy, the targets and whether they are met.
#pragma once

#include "figures.h"

namespace paddock::bench {

void printTable(const Figures &paddock, const Figures &relay, const Figures &tinyproxy, const Direct &direct,
                const Options &o);

} // namespace paddock::bench
