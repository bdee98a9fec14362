#include "repo/Git.h"

#include <mutex>

namespace paddock::git {

void ensureInit()
{
    static std::once_flag once;
    std::call_once(once, [] {
        git_libgit2_init();
        // Objects are read from the user's own repositories and Paddock's copies of them: hashing
        // every object again on each read (libgit2's default, which git does not do) would make a
        // workspace's checkout several times slower than git's. git fsck still checks them.
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    });
}

QString lastError()
{
    const git_error *e = git_error_last();
    return e && e->message ? QString::fromUtf8(e->message).trimmed() : QStringLiteral("unknown error");
}

} // namespace paddock::git
