#pragma once
// For tests of an audit log that really cannot be written: as root, file permissions stop
// nothing, but a file size limit does (writes past it fail with EFBIG). The previous limit comes
// back when this goes out of scope or lift() is called, also when a check fails on the way.
#include <csignal>
#include <sys/resource.h>

class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        std::signal(SIGXFSZ, SIG_IGN); // EFBIG instead of the signal
        m_set = getrlimit(RLIMIT_FSIZE, &m_old) == 0;
        rlimit tiny = m_old;
        tiny.rlim_cur = bytes;
        m_set = m_set && setrlimit(RLIMIT_FSIZE, &tiny) == 0;
    }
    ~FileSizeLimit() { lift(); }
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;

    bool isSet() const { return m_set; }
    bool lift()
    {
        if (!m_set)
            return true;
        m_set = false;
        return setrlimit(RLIMIT_FSIZE, &m_old) == 0;
    }

private:
    rlimit m_old{};
    bool m_set = false;
};
