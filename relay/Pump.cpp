#include "relay/Pump.h"

#include "relay/Sockets.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace paddock::relay {

namespace {

constexpr std::size_t kSpliceChunk = 64 * 1024; // the default capacity of a pipe
constexpr std::size_t kBufferSize = 16 * 1024;
constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;

} // namespace

void Pump::attach(int source, int sink)
{
    m_source = source;
    m_sink = sink;
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
        m_pipeRead.reset(fds[0]);
        m_pipeWrite.reset(fds[1]);
        m_splice = true;
    }
}

Pump::Status Pump::run(std::size_t budget)
{
    std::size_t moved = 0;
    while (m_status == Status::Running) {
        if (pending() > 0 && (drain() != Step::Moved || pending() > 0))
            break; // the sink is full, or failed
        if (m_sourceEof) {
            if (::shutdown(m_sink, SHUT_WR) < 0 && errno != ENOTCONN)
                return fail(errno);
            m_status = Status::Finished;
            break;
        }
        if (moved >= budget || fill(moved) != Step::Moved)
            break;
    }
    return m_status;
}

Pump::Step Pump::fill(std::size_t &moved)
{
    if (m_splice)
        return fillBySplice(moved);
    m_buffer.resize(std::max(m_buffer.size(), kBufferSize));
    for (;;) {
        const ssize_t n = ::read(m_source, m_buffer.data(), m_buffer.size());
        if (n >= 0) {
            m_begin = 0;
            m_end = static_cast<std::size_t>(n);
            moved += m_end;
            m_sourceEof = n == 0;
            return Step::Moved;
        }
        if (errno == EINTR)
            continue;
        if (wouldBlock(errno))
            return Step::WouldBlock;
        fail(errno);
        return Step::Failed;
    }
}

Pump::Step Pump::fillBySplice(std::size_t &moved)
{
    for (;;) {
        // Only into an empty pipe, so EAGAIN always means that the source has nothing now.
        const ssize_t n = ::splice(m_source, nullptr, m_pipeWrite.get(), nullptr, kSpliceChunk, kSpliceFlags);
        if (n >= 0) {
            m_pipePending = static_cast<std::size_t>(n);
            moved += m_pipePending;
            m_sourceEof = n == 0;
            return Step::Moved;
        }
        if (errno == EINTR)
            continue;
        if (wouldBlock(errno))
            return Step::WouldBlock;
        if (errno == EINVAL) // this kind of source cannot splice
            return stopSplicing() ? fill(moved) : Step::Failed;
        fail(errno);
        return Step::Failed;
    }
}

Pump::Step Pump::drain()
{
    if (m_pipePending > 0) {
        const Step step = drainBySplice();
        if (step != Step::Moved)
            return step;
    }
    while (m_begin < m_end) {
        const ssize_t n = ::send(m_sink, m_buffer.data() + m_begin, m_end - m_begin, MSG_NOSIGNAL);
        if (n > 0) {
            m_begin += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && wouldBlock(errno))
            return Step::WouldBlock;
        fail(n < 0 ? errno : EIO);
        return Step::Failed;
    }
    m_begin = m_end = 0;
    return Step::Moved;
}

Pump::Step Pump::drainBySplice()
{
    while (m_pipePending > 0) {
        const ssize_t n = ::splice(m_pipeRead.get(), nullptr, m_sink, nullptr, m_pipePending, kSpliceFlags);
        if (n > 0) {
            m_pipePending -= static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && wouldBlock(errno))
            return Step::WouldBlock;
        if (n < 0 && errno == EINVAL) // this kind of sink cannot splice: the buffer takes over
            return stopSplicing() ? Step::Moved : Step::Failed;
        fail(n < 0 ? errno : EIO);
        return Step::Failed;
    }
    return Step::Moved;
}

// From now on through the buffer, starting with what the pipe still holds.
bool Pump::stopSplicing()
{
    m_buffer.resize(std::max(kBufferSize, m_pipePending));
    m_begin = 0;
    m_end = 0;
    while (m_end < m_pipePending) {
        const ssize_t n = ::read(m_pipeRead.get(), m_buffer.data() + m_end, m_pipePending - m_end);
        if (n > 0) {
            m_end += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            fail(n < 0 ? errno : EIO);
            return false;
        }
    }
    m_pipePending = 0;
    m_pipeRead.reset();
    m_pipeWrite.reset();
    m_splice = false;
    return true;
}

Pump::Status Pump::fail(int err)
{
    m_status = Status::Failed;
    m_error = err;
    return m_status;
}

} // namespace paddock::relay
