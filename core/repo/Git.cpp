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
        // Run as root with a rootful engine, a workspace belongs to the container's user (uid 1000)
        // and libgit2 would refuse to open it ("not owned by current user"), so its `local` remote
        // could not be migrated. That check guards git's hooks and executable configuration, which
        // libgit2 never runs; Paddock opens only its own copies and the folders dropped on it.
        git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    });
}

QString lastError()
{
    const git_error *e = git_error_last();
    return e && e->message ? QString::fromUtf8(e->message).trimmed() : QStringLiteral("unknown error");
}

} // namespace paddock::git
