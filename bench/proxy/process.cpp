#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char **environ;

namespace fs = std::filesystem;

namespace paddock::bench {

namespace {

void sleepFor(double seconds)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

template <typename T> bool number(const std::string &text, T &into)
{
    const auto [at, ec] = std::from_chars(text.data(), text.data() + text.size(), into);
    return ec == std::errc{} && at == text.data() + text.size() && !text.empty();
}

bool acceptsTcp(const Endpoint &at)
{
    int status = 0;
    std::string ignored;
    const int fd = openOne(at, std::nullopt, status, ignored);
    if (fd >= 0)
        ::close(fd);
    return fd >= 0;
}

// /proc/PID/stat after the command's name (which may hold spaces and parentheses): state, ppid, ...
std::vector<std::string> statFields(pid_t p)
{
    const std::string stat = readFile("/proc/" + std::to_string(p) + "/stat");
    const std::size_t close = stat.rfind(')');
    std::vector<std::string> fields;
    if (close == std::string::npos || close + 2 > stat.size())
        return fields;
    std::istringstream rest(stat.substr(close + 2));
    for (std::string field; rest >> field;)
        fields.push_back(field);
    return fields;
}

// The processes and their descendants, found through every process's parent. Empty when one of the
// roots is gone.
std::vector<pid_t> withDescendants(const std::vector<pid_t> &roots)
{
    std::map<pid_t, std::vector<pid_t>> children;
    for (const auto &entry : fs::directory_iterator("/proc")) {
        pid_t p = 0;
        if (!number(entry.path().filename().string(), p))
            continue;
        const std::vector<std::string> fields = statFields(p);
        pid_t parent = 0;
        if (fields.size() > 1 && number(fields[1], parent))
            children[parent].push_back(p);
    }
    std::vector<pid_t> all;
    for (const pid_t root : roots) {
        if (root <= 0 || !fs::exists("/proc/" + std::to_string(root)))
            return {};
        std::vector<pid_t> pending{root};
        while (!pending.empty()) {
            const pid_t p = pending.back();
            pending.pop_back();
            all.push_back(p);
            for (const pid_t c : children[p])
                pending.push_back(c);
        }
    }
    return all;
}

} // namespace

bool Process::start(const std::vector<std::string> &argv, const fs::path &logs, std::string &error,
                    int readyFd)
{
    m_out = logs.string() + ".stdout";
    m_err = logs.string() + ".stderr";
    int pipe[2] = {-1, -1};
    if (readyFd >= 0) {
        if (::pipe2(pipe, O_CLOEXEC) != 0) {
            error = std::string("could not be started: pipe: ") + std::strerror(errno);
            return false;
        }
        if (pipe[1] == readyFd) { // dup2 onto itself would keep close-on-exec
            const int moved = ::fcntl(pipe[1], F_DUPFD_CLOEXEC, readyFd + 1);
            ::close(pipe[1]);
            pipe[1] = moved;
        }
    }
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&files, 2, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (readyFd >= 0)
        posix_spawn_file_actions_adddup2(&files, pipe[1], readyFd);
    // The bench ignores SIGPIPE; the proxy gets the default it would have anywhere else.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t set;
    sigemptyset(&set);
    posix_spawnattr_setsigmask(&attributes, &set);
    sigaddset(&set, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &set);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char *> args;
    for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&m_pid, argv[0].c_str(), &files, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attributes);
    if (pipe[1] >= 0)
        ::close(pipe[1]);
    m_ready = pipe[0];
    m_readyText.clear();
    if (rc != 0) {
        m_pid = -1;
        error = std::string("could not be started: ") + std::strerror(rc);
        return false;
    }
    return true;
}

bool Process::waitUntil(const std::function<bool()> &ready, const std::string &waitingFor, double seconds,
                        std::string &why)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
        int status = 0;
        if (m_pid > 0 && ::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            why = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                    : "killed by signal " + std::to_string(WTERMSIG(status));
            if (const std::string err = firstLines(); !err.empty())
                why += ": " + err;
            return false;
        }
        if (m_pid > 0 && ready())
            return true;
        sleepFor(0.02);
    }
    why = waitingFor + " within " + std::to_string(int(seconds)) + " s";
    if (const std::string err = firstLines(); !err.empty())
        why += "; it said: " + err;
    return false;
}

bool Process::waitReady(const Endpoint &at, const std::string &line, double seconds, std::string &why)
{
    bool saidIt = line.empty();
    const bool ready = waitUntil(
        [&] {
            saidIt = saidIt || said(line);
            return saidIt && acceptsTcp(at);
        },
        "", seconds, why);
    if (!ready && m_pid > 0) // timed out: say which of the two did not happen
        why = (saidIt ? "accepted nothing on " + at.text()
                      : "did not print \"" + line + "\" (its stdout is a file here: is the line flushed?)") +
              why;
    return ready;
}

bool Process::said(const std::string &text) const
{
    return readFile(m_out).find(text) != std::string::npos;
}

bool Process::readySignalled()
{
    if (m_ready < 0)
        return false;
    pollfd p{m_ready, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) {
        char buffer[64];
        const ssize_t n = ::read(m_ready, buffer, sizeof buffer);
        if (n > 0)
            m_readyText.append(buffer, std::size_t(n));
    }
    return m_readyText.find("ready\n") != std::string::npos;
}

void Process::stop()
{
    if (m_ready >= 0) {
        ::close(m_ready);
        m_ready = -1;
    }
    if (m_pid <= 0)
        return;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 250; ++i) {
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return;
        }
        sleepFor(0.02);
    }
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
}

std::string Process::firstLines() const
{
    std::string text = readFile(m_err);
    if (text.size() > 300)
        text = text.substr(0, 300) + "…";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    for (char &c : text)
        if (c == '\n')
            c = ' ';
    return text;
}

std::string readFile(const fs::path &file)
{
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool acceptsUnix(const fs::path &path)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::string text = path.string();
    if (text.size() >= sizeof a.sun_path)
        return false;
    std::memcpy(a.sun_path, text.c_str(), text.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = ::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0;
    ::close(fd);
    return connected;
}

long memoryKb(const std::vector<pid_t> &roots, bool &pss)
{
    auto field = [](const std::string &text, const std::string &name) -> long {
        const std::size_t at = text.find("\n" + name);
        return at == std::string::npos ? -1 : std::atol(text.c_str() + at + name.size() + 1);
    };
    const std::vector<pid_t> all = withDescendants(roots);
    if (all.empty())
        return -1;
    long total = 0;
    for (const pid_t p : all) {
        const std::string base = "/proc/" + std::to_string(p);
        long kb = field("\n" + readFile(base + "/smaps_rollup"), "Pss:");
        if (kb < 0) {
            pss = false;
            kb = field("\n" + readFile(base + "/status"), "VmRSS:");
        }
        total += std::max(0L, kb);
    }
    return total;
}

double cpuSeconds(const std::vector<pid_t> &roots)
{
    const std::vector<pid_t> all = withDescendants(roots);
    if (all.empty())
        return -1;
    const double tick = double(::sysconf(_SC_CLK_TCK));
    double total = 0;
    for (const pid_t p : all) {
        // After the name: state (field 3 of stat(5)) is [0], so utime (14) is [11], stime (15) [12].
        const std::vector<std::string> fields = statFields(p);
        unsigned long long user = 0, system = 0;
        if (fields.size() > 12 && number(fields[11], user) && number(fields[12], system))
            total += double(user + system) / tick;
    }
    return total;
}

} // namespace paddock::bench
