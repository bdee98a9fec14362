#pragma once

#include <cstdio>
#include <string>

namespace paddock::relay {

// The relay's only output besides --help and --version: errors, one line each on stderr.
inline void report(const std::string &message)
{
    std::fprintf(stderr, "paddock-relay: %s\n", message.c_str());
}

} // namespace paddock::relay
