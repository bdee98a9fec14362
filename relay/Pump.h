#pragma once

#include "relay/Fd.h"

#include <cstddef>
#include <memory>

namespace paddock::relay {

// What the epoll set last told of one socket (edge-triggered): whether reading from it or writing
// to it may do something now. Set by events, cleared by the calls that find nothing to do.
struct Readiness
{
    bool readable = false;
    bool writable = true;    // a new socket has room to write
    bool peerClosed = false; // EPOLLRDHUP or EPOLLHUP seen: a read will end in EOF
};

// Moves the bytes of one direction of a relayed connection, from one nonblocking socket to another.
// It starts with plain read()/send() through a small buffer, taken from a free list only while it
// holds bytes, so that a short exchange costs no more system calls than it must. Once a read fills
// the buffer (a bulk stream), the direction changes to splice() through a pipe of its own (the
// bytes stay in the kernel); where the kernel refuses that or no pipe can be had, it stays with the
// buffer. At most one pipe or buffer's worth is ever held: while the destination cannot take more,
// nothing is read from the source, so a stalled reader slows its writer down instead of filling
// memory. The source's EOF is passed on as shutdown(SHUT_WR) once everything before it has been
// written, unless the connection is about to be closed anyway.
//
// Nothing is tried that the sockets' Readiness says can only fail with EAGAIN.
//
// Owned and run by the relay's one thread.
class Pump final
{
public:
    enum class Status { Running, Finished, Failed };

    Pump() = default;
    ~Pump();
    Pump(const Pump &) = delete;
    Pump &operator=(const Pump &) = delete;

    // Starts moving from `source` to `sink` (borrowed, like their Readiness: the connection owns
    // them).
    void attach(int source, Readiness &sourceReady, int sink, Readiness &sinkReady);

    // Moves what can be moved now without blocking, at most about `budget` bytes, so one busy
    // connection does not hold up the others. `lastDirection`: the other direction has finished,
    // so the connection is closed as soon as this one does, which tells the sink of the EOF.
    Status run(std::size_t budget, bool lastDirection);

    // Whether run() could move more now (it stopped for its budget): no event will come for it.
    bool canContinue() const;
    Status status() const { return m_status; }
    // The errno value of a failure.
    int error() const { return m_error; }
    // Failed because the sink took no more (the peer is gone or stopped reading): the other
    // direction, whose source that peer is, may still hold its last words (an error answer).
    bool sinkFailed() const { return m_status == Status::Failed && m_sinkFailed; }
    // Done with, either way: nothing more will move in this direction.
    bool ended() const { return m_status != Status::Running; }

private:
    enum class Step { Moved, WouldBlock, Failed };

    std::size_t pending() const { return m_pipePending + (m_end - m_begin); }
    Step fill(std::size_t &moved);
    Step drain();
    Step fillBySplice(std::size_t &moved);
    Step drainBySplice();
    void startSplicing();
    bool stopSplicing();
    void releaseBuffer();
    Status fail(int err, bool sink = false);

    int m_source = -1;
    int m_sink = -1;
    Readiness *m_sourceReady = nullptr;
    Readiness *m_sinkReady = nullptr;
    Fd m_pipeRead;
    Fd m_pipeWrite;
    std::size_t m_pipePending = 0;
    std::unique_ptr<char[]> m_buffer; // only while it holds bytes
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    bool m_splice = false;
    bool m_bulk = false;     // a read filled the buffer: splice from now on
    bool m_noSplice = false; // the kernel refused, or no pipe could be had
    bool m_sourceEof = false;
    Status m_status = Status::Running;
    int m_error = 0;
    bool m_sinkFailed = false;
};

} // namespace paddock::relay
