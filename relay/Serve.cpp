#include "relay/Serve.h"

#include "relay/Relay.h"
#include "relay/Report.h"
#include "relay/Sockets.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace paddock::relay {

namespace {

std::expected<void, std::string> bindAll(Relay &relay, const ServeOptions &options)
{
    const std::string dir = options.dir.ends_with('/') ? options.dir : options.dir + "/";
    if (options.proxyPort != 0) {
        if (auto bound = relay.listenTcpToUnix(options.proxyPort, dir + "egress"); !bound)
            return bound;
    }
    if (options.gitPort != 0) {
        if (auto bound = relay.listenTcpToUnix(options.gitPort, dir + "git"); !bound)
            return bound;
    }
    for (const std::uint16_t port : options.inbound) {
        if (auto bound = relay.listenUnixToTcp(dir + "port-" + std::to_string(port), port); !bound)
            return bound;
    }
    return {};
}

// "ready\n", then the descriptor is given up (the standard streams are pointed at /dev/null instead
// of being closed, so that no socket takes their number).
std::expected<void, std::string> signalReady(int fd)
{
    static constexpr char kReady[] = "ready\n";
    ssize_t n;
    do {
        n = ::write(fd, kReady, sizeof kReady - 1);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof kReady - 1))
        return std::unexpected("cannot write to --ready-fd " + std::to_string(fd) + ": " +
                               (n < 0 ? errorText(errno) : std::string{"short write"}));
    if (fd > STDERR_FILENO) {
        ::close(fd);
    } else if (const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
        ::dup2(null, fd);
        ::close(null);
    }
    return {};
}

// The relay's side of the fork: out of the terminal's session (its Ctrl-C is for the command), no
// standard input or output, and gone with the command that started it.
void detachFrom(pid_t parent)
{
    ::setsid();
    ::prctl(PR_SET_NAME, "paddock-relay", 0, 0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (::getppid() != parent) // the parent ended before PR_SET_PDEATHSIG took hold
        ::_exit(0);
    if (const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::close(null);
    }
}

int execCommand(const std::vector<std::string> &command)
{
    std::vector<char *> argv;
    for (const std::string &word : command)
        argv.push_back(const_cast<char *>(word.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    const int err = errno;
    report("cannot run " + command[0] + ": " + errorText(err));
    return err == ENOENT ? 127 : 126;
}

} // namespace

int runServe(const ServeOptions &options)
{
    Relay relay;
    if (auto bound = bindAll(relay, options); !bound) {
        report(bound.error());
        return 1;
    }
    if (options.readyFd) {
        if (auto ready = signalReady(*options.readyFd); !ready) {
            report(ready.error());
            return 1;
        }
    }
    if (options.command.empty())
        return relay.run();
    if (!relay.listening())
        return execCommand(options.command);

    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        report("cannot start the relay process: " + errorText(errno));
        return 1;
    }
    if (child == 0) {
        detachFrom(parent);
        ::_exit(relay.run());
    }
    // Every relay socket is close-on-exec: the command holds none of them.
    return execCommand(options.command);
}

} // namespace paddock::relay
