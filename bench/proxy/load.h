// The clients of bench/proxy: many exchanges at once on epoll, one tunnel at a time for throughput,
// and many tunnels held open.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace paddock::bench {

struct Endpoint
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string text() const { return host + ':' + std::to_string(port); }
};

// "HOST:PORT" with an IPv4 literal.
std::optional<Endpoint> parseEndpoint(const std::string &text);

// What went wrong, by kind; an exchange counts once, under its first failure.
struct Errors
{
    std::uint64_t refused = 0; // the connection to the proxy (or echo server) was refused
    std::uint64_t status = 0;  // an answer other than 200
    std::uint64_t reset = 0;   // reset, or closed before the exchange was done
    std::uint64_t timeout = 0;
    std::uint64_t other = 0; // a wrong echo, an answer too long, bytes where none belong
    std::map<int, std::uint64_t> statuses;
    std::string first; // the first failure, in a sentence

    std::uint64_t total() const { return refused + status + reset + timeout + other; }
    void add(const Errors &o);
    std::string summary() const; // "0", or "12 (403 ×10, reset 2; first: …)"
};

// One client's exchange, again and again: connect; through a proxy, CONNECT and its 200 answer;
// the payload out and its echo back; the server's close. The payload is 'L', filler and '\n' (see
// EchoServer), made by linePayload().
struct Exchange
{
    Endpoint target;                  // the proxy, or the echo server itself (direct)
    std::optional<Endpoint> tunnelTo; // set: CONNECT to it first
    std::string payload;
    std::chrono::milliseconds timeout{5000};
    // Paced (open loop): each client starts an exchange every `every`, on a schedule of its own
    // (the clients staggered over one interval), and its latency counts from the scheduled start,
    // so that an exchange started late for the one before it still being under way counts its
    // wait. Zero: closed loop, the next exchange as soon as one ends.
    std::chrono::nanoseconds every{0};
};

std::string linePayload(int bytes);

struct LoadResult
{
    std::uint64_t completed = 0;
    double seconds = 0;
    Errors errors;
    std::vector<std::int64_t> latencyNs; // of each completed exchange, connect to echo; sorted
    double perSecond() const { return seconds > 0 ? double(completed) / seconds : 0; }
    double percentileMs(double q) const;
    void add(const LoadResult &o); // another run's, pooled
};

// `clients` concurrent clients for `seconds`, spread over `threads` threads.
LoadResult runLoad(const Exchange &exchange, int clients, double seconds, int threads);

// Opens `count` tunnels through the proxy (at most `concurrency` being opened at once) and keeps each
// after its 200 answer. The open descriptors are returned; failures are counted in `errors`.
std::vector<int> openTunnels(const Exchange &exchange, int count, int concurrency, Errors &errors);

// Sends one byte on every held tunnel and waits for its echo; returns how many came back. Closes
// every descriptor.
int echoOnEach(std::vector<int> &fds, std::chrono::milliseconds timeout, Errors &errors);

// A blocking connection to `target`, through a CONNECT to `tunnelTo` when set. Returns the
// descriptor, or -1 with the status (0 when there was no answer) and a sentence.
int openOne(const Endpoint &target, const std::optional<Endpoint> &tunnelTo, int &status, std::string &error);

// Single-tunnel throughput on an open connection to the echo server, in MB/s (10^6 bytes): `bytes`
// to the sink until it acknowledges them all, or from the source until all arrived. -1 on failure.
double sinkThroughput(int fd, std::uint64_t bytes, std::string &error);
double sourceThroughput(int fd, std::uint64_t bytes, std::string &error);

} // namespace paddock::bench
