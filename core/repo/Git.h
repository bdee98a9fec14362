#pragma once
// libgit2 inside core/repo: owning pointers, the library's initialisation and its last error.
// Private to core (libgit2 is linked privately); not for other folders' headers.

#include <git2.h>
#include <git2/sys/errors.h>

#include <QString>

#include <memory>

namespace paddock::git {

// git_libgit2_init once per process (never shut down: other threads may still use it).
void ensureInit();

// The last libgit2 error as a sentence ("unknown error" when there is none).
QString lastError();

template <typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using Repository = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using Remote = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using Config = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;
using Index = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;
using Blob = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using ReferenceIterator =
    std::unique_ptr<git_reference_iterator, Deleter<git_reference_iterator, git_reference_iterator_free>>;

struct Buf
{
    git_buf buf = GIT_BUF_INIT;
    ~Buf() { git_buf_dispose(&buf); }
    QString text() const { return QString::fromUtf8(buf.ptr, qsizetype(buf.size)); }
};

inline QString oidText(const git_oid *oid)
{
    char hex[GIT_OID_SHA1_HEXSIZE + 1] = {};
    git_oid_tostr(hex, sizeof hex, oid);
    return QString::fromLatin1(hex);
}

inline QByteArray utf8(const QString &s)
{
    return s.toUtf8();
}

} // namespace paddock::git
