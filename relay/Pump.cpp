#include "relay/Pump.h"

#include "relay/Sockets.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace paddock::relay {

namespace {

constexpr std::size_t kSpliceChunk = 64 * 1024; // the default capacity of a pipe
// As large as a pipe's worth, which stopSplicing() may have to take over. A read that fills it
// makes the direction a bulk stream, moved by splice() from then on.
constexpr std::size_t kBufferSize = kSpliceChunk;
constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
constexpr std::size_t kFreeBuffers = 32;

// Buffers that hold nothing, for the next read: a short exchange allocates nothing.
thread_local std::vector<std::unique_ptr<char[]>> freeBuffers;

std::unique_ptr<char[]> takeBuffer()
{
    if (freeBuffers.empty())
        return std::make_unique_for_overwrite<char[]>(kBufferSize);
    auto buffer = std::move(freeBuffers.back());
    freeBuffers.pop_back();
    return buffer;
}

} // namespace

Pump::~Pump() = default;

void Pump::attach(int source, Readiness &sourceReady, int sink, Readiness &sinkReady)
{
    m_source = source;
    m_sourceReady = &sourceReady;
    m_sink = sink;
    m_sinkReady = &sinkReady;
}

Pump::Status Pump::run(std::size_t budget, bool lastDirection)
{
    std::size_t moved = 0;
    while (m_status == Status::Running) {
        if (pending() > 0 && (!m_sinkReady->writable || drain() != Step::Moved || pending() > 0))
            break; // the sink is full, or failed
        if (m_sourceEof) {
            // The last direction's EOF reaches the sink with the close() that follows at once.
            if (!lastDirection && ::shutdown(m_sink, SHUT_WR) < 0 && errno != ENOTCONN)
                return fail(errno, true);
            m_status = Status::Finished;
            break;
        }
        if (moved >= budget || !m_sourceReady->readable || fill(moved) != Step::Moved)
            break;
    }
    return m_status;
}

bool Pump::canContinue() const
{
    if (m_status != Status::Running)
        return false;
    if (pending() > 0)
        return m_sinkReady->writable;
    return m_sourceEof || m_sourceReady->readable;
}

Pump::Step Pump::fill(std::size_t &moved)
{
    if (!m_splice && m_bulk && !m_noSplice)
        startSplicing();
    if (m_splice)
        return fillBySplice(moved);
    if (!m_buffer)
        m_buffer = takeBuffer();
    for (;;) {
        const ssize_t n = ::read(m_source, m_buffer.get(), kBufferSize);
        if (n >= 0) {
            m_begin = 0;
            m_end = static_cast<std::size_t>(n);
            moved += m_end;
            m_sourceEof = n == 0;
            if (m_end == kBufferSize)
                m_bulk = true;
            else if (n > 0 && !m_sourceReady->peerClosed)
                // A stream socket's read stops short only when it has taken everything there was;
                // more comes with an event of its own. After EPOLLRDHUP, the next read is the EOF.
                m_sourceReady->readable = false;
            if (m_end == 0)
                releaseBuffer();
            return Step::Moved;
        }
        if (errno == EINTR)
            continue;
        if (wouldBlock(errno)) {
            m_sourceReady->readable = false;
            releaseBuffer();
            return Step::WouldBlock;
        }
        fail(errno);
        return Step::Failed;
    }
}

Pump::Step Pump::fillBySplice(std::size_t &moved)
{
    for (;;) {
        // Only into an empty pipe, so EAGAIN always means that the source has nothing now. A short
        // splice says nothing: the pipe may have run out of slots before the socket of bytes.
        const ssize_t n = ::splice(m_source, nullptr, m_pipeWrite.get(), nullptr, kSpliceChunk, kSpliceFlags);
        if (n >= 0) {
            m_pipePending = static_cast<std::size_t>(n);
            moved += m_pipePending;
            m_sourceEof = n == 0;
            return Step::Moved;
        }
        if (errno == EINTR)
            continue;
        if (wouldBlock(errno)) {
            m_sourceReady->readable = false;
            return Step::WouldBlock;
        }
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
        const ssize_t n = ::send(m_sink, m_buffer.get() + m_begin, m_end - m_begin, MSG_NOSIGNAL);
        if (n > 0) {
            m_begin += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && wouldBlock(errno)) {
            m_sinkReady->writable = false;
            return Step::WouldBlock;
        }
        fail(n < 0 ? errno : EIO, true);
        return Step::Failed;
    }
    releaseBuffer();
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
        if (n < 0 && wouldBlock(errno)) {
            m_sinkReady->writable = false;
            return Step::WouldBlock;
        }
        if (n < 0 && errno == EINVAL) // this kind of sink cannot splice: the buffer takes over
            return stopSplicing() ? Step::Moved : Step::Failed;
        fail(n < 0 ? errno : EIO, true);
        return Step::Failed;
    }
    return Step::Moved;
}

// A bulk stream: from now on through a pipe, or through the buffer if none can be had.
void Pump::startSplicing()
{
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        m_noSplice = true;
        return;
    }
    m_pipeRead.reset(fds[0]);
    m_pipeWrite.reset(fds[1]);
    m_splice = true;
}

// From now on through the buffer, starting with what the pipe still holds (at most a buffer's
// worth: a splice into it asks for no more).
bool Pump::stopSplicing()
{
    m_noSplice = true;
    if (!m_buffer)
        m_buffer = takeBuffer();
    m_begin = 0;
    m_end = 0;
    while (m_end < m_pipePending) {
        const ssize_t n = ::read(m_pipeRead.get(), m_buffer.get() + m_end, m_pipePending - m_end);
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

void Pump::releaseBuffer()
{
    m_begin = m_end = 0;
    if (!m_buffer)
        return;
    if (freeBuffers.size() < kFreeBuffers)
        freeBuffers.push_back(std::move(m_buffer));
    m_buffer.reset();
}

Pump::Status Pump::fail(int err, bool sink)
{
    m_status = Status::Failed;
    m_error = err;
    m_sinkFailed = sink;
    return m_status;
}

} // namespace paddock::relay
