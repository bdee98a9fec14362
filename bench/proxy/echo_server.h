// The far end of every tunnel in bench/proxy: a server on 127.0.0.1 with its own epoll thread.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace paddock::bench {

// A connection is an echo (everything it receives comes back) unless its first byte says otherwise:
//   'L': an echo that closes once it has sent back a '\n' (the server closes first, so TIME_WAIT
//        stays on the listening side and a bench of 100,000s of connections does not run the
//        loopback's ephemeral ports out, neither the clients' nor the proxy's);
//   'S' + 8-byte little-endian N: a sink; it reads N bytes and answers one byte 'k' when all arrived;
//   'G' + 8-byte little-endian N: a source; it sends N bytes.
// Decoy listeners (another port on 127.0.0.1, and the same port on 127.0.0.2) serve the same and count
// their connections: a proxy whose allowlist holds lets none reach them.
class EchoServer final
{
public:
    EchoServer() = default;
    ~EchoServer();
    EchoServer(const EchoServer &) = delete;
    EchoServer &operator=(const EchoServer &) = delete;

    // Binds the listeners (on `port`, or any free one) and starts the thread; false with a sentence in
    // `error` when it cannot.
    bool start(std::string &error, std::uint16_t port = 0);
    void stop();

    std::uint16_t port() const { return m_port; }
    std::uint16_t decoyPort() const { return m_decoyPort; }
    bool hasDecoyHost() const { return m_decoyHost >= 0; }
    std::uint64_t decoyConnections() const { return m_decoyAccepted.load(); }

private:
    struct Connection
    {
        int fd = -1;
        char mode = 0;              // 0 (nothing yet), 'E', 'L', 'S', 'G'
        bool closeWhenSent = false; // 'L': the '\n' is among the pending bytes
        unsigned char header[9] = {};
        int headerLength = 0;
        bool lengthTaken = false;
        std::uint64_t remaining = 0;
        std::string pending; // echo bytes the socket did not take yet
        std::size_t pendingAt = 0;
    };

    void run();
    void acceptFrom(int listener);
    void onReadable(Connection &c);
    void onWritable(Connection &c);
    void watch(Connection &c, std::uint32_t events);
    void drop(Connection &c);

    int m_epoll = -1;
    int m_wake = -1;
    int m_listener = -1;
    int m_decoyOtherPort = -1;
    int m_decoyHost = -1;
    std::uint16_t m_port = 0;
    std::uint16_t m_decoyPort = 0;
    std::vector<Connection> m_connections; // by file descriptor
    std::vector<char> m_buffer;
    std::thread m_thread;
    std::atomic<std::uint64_t> m_decoyAccepted{0};
};

// A listening TCP socket on host:port (port 0: any free one); -1 with `error` set when it fails.
int listenOn(const char *host, std::uint16_t port, std::string &error);
std::uint16_t localPort(int fd);

} // namespace paddock::bench
