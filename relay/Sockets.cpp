#include "relay/Sockets.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace paddock::relay {

namespace {

constexpr int kBacklog = 1024;

sockaddr_in loopback(std::uint16_t port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

template <typename Address> std::expected<Connecting, int> connectTo(int family, const Address &address)
{
    Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return std::unexpected(errno);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0)
        return Connecting{std::move(fd), false};
    // An interrupted nonblocking connect goes on by itself, like one in progress.
    if (errno == EINPROGRESS || errno == EINTR)
        return Connecting{std::move(fd), true};
    return std::unexpected(errno);
}

} // namespace

std::string errorText(int err)
{
    return std::strerror(err);
}

std::expected<sockaddr_un, std::string> unixAddress(const std::string &path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path)
        return std::unexpected(path + ": a Unix socket path must be 1 to " +
                               std::to_string(sizeof address.sun_path - 1) + " bytes long");
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

std::expected<Fd, std::string> listenTcp(std::uint16_t port)
{
    const std::string where = "127.0.0.1:" + std::to_string(port);
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return std::unexpected(where + ": " + errorText(errno));
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in address = loopback(port);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) < 0 ||
        ::listen(fd.get(), kBacklog) < 0)
        return std::unexpected("cannot listen on " + where + ": " + errorText(errno));
    return fd;
}

std::expected<Fd, std::string> listenUnix(const std::string &path)
{
    const auto address = unixAddress(path);
    if (!address)
        return std::unexpected(address.error());
    struct stat st
    {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return std::unexpected(path + " exists and is not a socket; remove it or choose another --dir");
        if (::unlink(path.c_str()) < 0)
            return std::unexpected("cannot remove the stale socket " + path + ": " + errorText(errno));
    }
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return std::unexpected(path + ": " + errorText(errno));
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&*address), sizeof *address) < 0)
        return std::unexpected("cannot listen on " + path + ": " + errorText(errno));
    if (::chmod(path.c_str(), 0666) < 0 || ::listen(fd.get(), kBacklog) < 0)
        return std::unexpected("cannot listen on " + path + ": " + errorText(errno));
    return fd;
}

std::expected<Connecting, int> connectTcp(std::uint16_t port)
{
    return connectTo(AF_INET, loopback(port));
}

std::expected<Connecting, int> connectUnix(const sockaddr_un &address)
{
    return connectTo(AF_UNIX, address);
}

int connectResult(int fd)
{
    int err = 0;
    socklen_t size = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &size) < 0)
        return errno;
    return err;
}

} // namespace paddock::relay
