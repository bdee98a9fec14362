#pragma once

#include "common/Error.h"

#include <QString>

#include <sys/types.h>

namespace paddock {

// A listening Unix stream socket that Paddock owns in a folder of its own (a persona's `egress` and
// `git` sockets): nonblocking, close-on-exec, `mode` on the socket file.
struct UnixListener
{
    int fd = -1;
    ino_t inode = 0; // the socket file's, to tell whether the file at the path is still this one
};

// Binds and listens at `path`, replacing what is there (a socket of an earlier run: the folder is
// Paddock's). On failure, an error whose message says what failed and why ("bind failed (No such
// file or directory)"), for the caller to put in its own sentence; nothing is left open.
Result<UnixListener> listenUnixSocket(const QString &path, mode_t mode, int backlog);

// Whether the socket file at `path` is still the one bound as `inode` (a folder made anew, after a
// new login, has none, or another).
bool isBoundAt(const QString &path, ino_t inode);

} // namespace paddock
