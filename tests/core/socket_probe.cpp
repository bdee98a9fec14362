// For test_engines: a Unix socket's client and server inside a busybox container (busybox's nc
// speaks no Unix sockets). Linked statically, so it runs in any root file system.
//   socket_probe connect PATH   says "ping" to PATH; prints "connect=ok <reply>" or "connect=<error>"
//   socket_probe serve PATH     binds PATH and answers one client with "pong from the container";
//                               prints "serve=ok" or "serve=<error>"
// Exits 0 either way (the test reads what it printed), 2 on wrong arguments.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

int report(const char *what, const char *step)
{
    std::printf("%s=%s: %s\n", what, step, std::strerror(errno));
    return 0;
}

bool addressOf(const char *path, sockaddr_un &address)
{
    address = {};
    address.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof address.sun_path)
        return false;
    std::strcpy(address.sun_path, path);
    return true;
}

int connectTo(const char *path)
{
    sockaddr_un address;
    if (!addressOf(path, address))
        return 2;
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return report("connect", "socket");
    if (connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        return report("connect", "connect");
    if (write(fd, "ping\n", 5) != 5)
        return report("connect", "write");
    shutdown(fd, SHUT_WR);
    std::string reply;
    char buffer[256];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
        reply.append(buffer, static_cast<size_t>(n));
    while (!reply.empty() && reply.back() == '\n')
        reply.pop_back();
    std::printf("connect=ok %s\n", reply.c_str());
    return 0;
}

int serve(const char *path)
{
    sockaddr_un address;
    if (!addressOf(path, address))
        return 2;
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return report("serve", "socket");
    if (bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        return report("serve", "bind");
    if (listen(fd, 1) != 0)
        return report("serve", "listen");
    alarm(30); // the test connects within seconds, or has failed
    const int client = accept(fd, nullptr, nullptr);
    if (client < 0)
        return report("serve", "accept");
    const char reply[] = "pong from the container\n";
    if (write(client, reply, sizeof reply - 1) != static_cast<ssize_t>(sizeof reply - 1))
        return report("serve", "write");
    close(client);
    std::printf("serve=ok\n");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], "connect") == 0)
        return connectTo(argv[2]);
    if (argc == 3 && std::strcmp(argv[1], "serve") == 0)
        return serve(argv[2]);
    std::fprintf(stderr, "usage: socket_probe connect|serve PATH\n");
    return 2;
}
