#pragma once

#include "relay/Fd.h"

#include <cstddef>
#include <vector>

namespace paddock::relay {

// Moves the bytes of one direction of a relayed connection, from one nonblocking socket to another:
// with splice() through a pipe of its own (the bytes stay in the kernel), or, where the kernel
// refuses that or no pipe can be had, through a small buffer. At most one pipe or buffer's worth is
// ever held: while the destination cannot take more, nothing is read from the source, so a stalled
// reader slows its writer down instead of filling memory. The source's EOF is passed on as
// shutdown(SHUT_WR) once everything before it has been written.
//
// Owned and run by the relay's one thread.
class Pump final
{
public:
    enum class Status { Running, Finished, Failed };

    Pump() = default;
    Pump(const Pump &) = delete;
    Pump &operator=(const Pump &) = delete;

    // Starts moving from `source` to `sink` (borrowed: the connection owns them).
    void attach(int source, int sink);

    // Moves what can be moved now without blocking, at most about `budget` bytes, so one busy
    // connection does not hold up the others.
    Status run(std::size_t budget);

    // What the pump waits for: the source to become readable or the sink writable.
    bool wantsRead() const { return m_status == Status::Running && !m_sourceEof && pending() == 0; }
    bool wantsWrite() const { return m_status == Status::Running && pending() > 0; }
    Status status() const { return m_status; }
    // The errno value of a failure.
    int error() const { return m_error; }

private:
    enum class Step { Moved, WouldBlock, Failed };

    std::size_t pending() const { return m_pipePending + (m_end - m_begin); }
    Step fill(std::size_t &moved);
    Step drain();
    Step fillBySplice(std::size_t &moved);
    Step drainBySplice();
    bool stopSplicing();
    Status fail(int err);

    int m_source = -1;
    int m_sink = -1;
    Fd m_pipeRead;
    Fd m_pipeWrite;
    std::size_t m_pipePending = 0;
    std::vector<char> m_buffer; // only without splice
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    bool m_splice = false;
    bool m_sourceEof = false;
    Status m_status = Status::Running;
    int m_error = 0;
};

} // namespace paddock::relay
