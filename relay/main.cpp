// paddock-relay: the one program of Paddock's inside an isolated persona container. See docs/relay.md.
#include "relay/CommandLine.h"
#include "relay/Serve.h"
#include "relay/Tunnel.h"

#include <cstdio>
#include <string_view>
#include <vector>

using namespace paddock::relay;

namespace {

template <typename... Ts> struct Overloaded : Ts...
{
    using Ts::operator()...;
};

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    const auto command = parseCommandLine(args);
    if (!command) {
        std::fprintf(stderr, "paddock-relay: %s\nTry 'paddock-relay --help'.\n", command.error().c_str());
        return 2;
    }
    return std::visit(Overloaded{
                          [](const ShowHelp &) {
                              std::fwrite(usageText().data(), 1, usageText().size(), stdout);
                              return 0;
                          },
                          [](const ShowVersion &) {
                              std::printf("paddock-relay %s\n", PADDOCK_VERSION);
                              return 0;
                          },
                          [](const ServeOptions &options) { return runServe(options); },
                          [](const ConnectOptions &options) { return runConnect(options); },
                      },
                      *command);
}
