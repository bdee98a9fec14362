#include "repo/Git.h"

#include <mutex>

namespace paddock::git {

void ensureInit()
{
    static std::once_flag once;
    std::call_once(once, [] { git_libgit2_init(); });
}

QString lastError()
{
    const git_error *e = git_error_last();
    return e && e->message ? QString::fromUtf8(e->message).trimmed() : QStringLiteral("unknown error");
}

} // namespace paddock::git
