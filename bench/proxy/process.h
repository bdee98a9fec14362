// The processes bench/proxy measures: started in the background with their output in files, waited
// for until they serve, stopped; and what they cost (CPU time and memory, their descendants included).
#pragma once

#include "load.h"

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace paddock::bench {

class Process final
{
public:
    Process() = default;
    ~Process() { stop(); }
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    // Starts `argv` (looked up on PATH) with stdin on /dev/null and stdout and stderr in the files
    // `logs`.stdout and `logs`.stderr. With `readyFd` >= 0 the process gets the writing end of a pipe
    // as that descriptor (paddock-relay's --ready-fd), and readySignalled() reads the other end.
    bool start(const std::vector<std::string> &argv, const std::filesystem::path &logs, std::string &error,
               int readyFd = -1);

    // Until `ready()` holds (checked every 20 ms) or `seconds` have passed; false with a sentence in
    // `why` (`waitingFor` names what did not happen) when the process ended first or time ran out.
    bool waitUntil(const std::function<bool()> &ready, const std::string &waitingFor, double seconds,
                   std::string &why);
    // Ready when (if `line` is set) stdout has that text and something accepts on `at`.
    bool waitReady(const Endpoint &at, const std::string &line, double seconds, std::string &why);

    bool said(const std::string &text) const;               // its stdout has `text`
    std::string complaints() const { return firstLines(); } // its stderr, on one line
    bool readySignalled();                                  // "ready\n" came through the --ready-fd pipe

    void stop(); // SIGTERM, then SIGKILL after 5 s
    pid_t pid() const { return m_pid; }

private:
    std::string firstLines() const; // of its stderr, on one line

    pid_t m_pid = -1;
    int m_ready = -1; // the reading end of the --ready-fd pipe
    std::string m_readyText;
    std::filesystem::path m_out, m_err;
};

std::string readFile(const std::filesystem::path &file);

// Something accepts a connection on the Unix socket at `path`.
bool acceptsUnix(const std::filesystem::path &path);

// Pss of the processes and all their descendants (a proxy that forks is counted whole), in KB; VmRSS
// where smaps_rollup cannot be read (then `pss` is false). -1 when one of them is gone.
long memoryKb(const std::vector<pid_t> &roots, bool &pss);

// CPU time (user + system, every thread, from /proc/PID/stat) of the processes and their living
// descendants, in seconds; -1 when one of them is gone.
double cpuSeconds(const std::vector<pid_t> &roots);

} // namespace paddock::bench
