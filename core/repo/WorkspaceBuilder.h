#pragma once

#include "common/Error.h"
#include "repo/RepositoryProbe.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

namespace paddock {

// What to make: a workspace of `source` for `persona`, on branch <persona>/<feature> from `base`.
struct WorkspaceRequest
{
    QString source;  // the dropped repository (a work tree or a bare repository)
    QString persona; // a persona's name
    QString feature; // a valid feature name (RepositoryProbe::isValidFeatureName)
    QString base;    // a branch, tag or commit of the source; empty: its current branch (or HEAD)
    // The container-side URL of the git transport's base, e.g. "git://10.89.0.1:9418"; the remote
    // `local` becomes <transportBase>/<mirror>.git. Empty: the mirror's host path (for host use).
    QString transportBase;
};

// A workspace as made (and as listed).
struct Workspace
{
    QString persona;
    QString repository; // the mirror's name without ".git" (mirrors/<repository>.git)
    QString feature;
    QString branch; // <persona>/<feature>
    QString path;   // workspaces/<persona>/<repository>-<feature>
    QString mirror; // the host-side bare mirror: mirrors/<repository>.git
    QString source; // the original repository
    QString base;   // what it started from (branch, tag or commit, as asked)
    QString baseCommit;
    QString upstreamUrl;         // the original's upstream, now the workspace's origin (empty: none)
    QString localUrl;            // the workspace's `local` remote (the transport, as the container sees it)
    QStringList readOnlyFolders; // mounted read-only over the workspace (_governance, _archive)
    QStringList warnings;        // what did not come along (uncommitted changes, LFS contents)
    QDateTime created;           // UTC

    QJsonObject toJson() const;
    static Workspace fromJson(const QJsonObject &object);
};

struct WorkspaceProgress
{
    enum class Phase { Mirror, Copy, Checkout };
    Phase phase = Phase::Copy;
    qint64 done = 0;  // bytes (Mirror, Copy) or files (Checkout)
    qint64 total = 0; // 0 when not known yet
};

// Makes workspaces: the persona's own clone of a repository (never a mount of the original), in
// $DATA/workspaces/<persona>/<repository>-<feature>, with a host-side bare mirror
// $DATA/mirrors/<repository>.git that the container pushes to through GitTransport.
//
// The mirror is made from the original (its object files hard-linked when on the same file system:
// git never changes an object file, and the container never sees the mirror's files) or, when it
// exists, fetched into. The workspace's objects are copied, never linked (the container may write
// anything in its workspace), then HEAD's files are checked out with libgit2. Remotes: origin = the
// original's upstream URL (none when it has none), local = the transport, remote.pushDefault = local,
// push.default = current (so a bare `git push` pushes the current branch to local).
//
// Refused with the reason: not a repository, no commits, submodules (their repositories would not
// come along and the container cannot fetch them), a base that does not exist, a workspace that
// already exists, too little disk space. Uncommitted changes are not copied (a warning says so); LFS
// files arrive as pointers (a warning). Blocking: call create() on a worker thread (or use
// WorkspaceJob). Cancelling stops between file chunks and after the checkout, and removes everything
// this call made (the workspace folder, and the mirror if it made it).
class WorkspaceBuilder final
{
public:
    using ProgressFn = std::function<void(const WorkspaceProgress &)>;

    // `dataDir` defaults to Paths::dataDir().
    explicit WorkspaceBuilder(QString dataDir = {});

    QString workspacesDir() const; // $DATA/workspaces
    QString mirrorsDir() const;    // $DATA/mirrors
    // Where create() would put a workspace.
    QString workspacePath(const QString &persona, const QString &repository, const QString &feature) const;

    Result<Workspace> create(const WorkspaceRequest &request, const ProgressFn &progress = {},
                             const std::atomic<bool> *cancel = nullptr) const;

    // The workspaces made (of one persona, or all), oldest first. A scan of the records beside the
    // workspaces ($DATA/workspaces/<persona>/.workspaces/<name>.json): a workspace whose folder is gone is
    // left out.
    QList<Workspace> list(const QString &persona = {}) const;
    // The mirrors a persona's workspaces push to (for GitTransport::serve).
    QStringList mirrorsOf(const QString &persona) const;

    // Points a workspace's `local` remote at `url` (when the transport's address changed).
    static Result<void> setLocalUrl(const QString &workspacePath, const QString &url);
    // Points `local` at <base>/<the mirror its URL names>, when it points elsewhere (a workspace
    // made when the transport had another address). A workspace without `local` is left alone.
    static Result<void> retargetLocal(const QString &workspacePath, const QString &base);

private:
    QString m_dataDir;
};

// The asynchronous use of WorkspaceBuilder for the UI: start() runs create() on the global thread
// pool; progress, warnings and the result arrive as signals on this object's thread.
class WorkspaceJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspaceJob)

public:
    explicit WorkspaceJob(WorkspaceRequest request, QString dataDir = {}, QObject *parent = nullptr);
    ~WorkspaceJob() override;

    void start();
    // Stops as soon as it can; failed() follows with a "cancelled" error once everything made is removed.
    void cancel();
    bool isRunning() const { return m_running; }

signals:
    void progress(const paddock::WorkspaceProgress &progress);
    void finished(const paddock::Workspace &workspace);
    void failed(const paddock::Error &error);

private:
    WorkspaceRequest m_request;
    QString m_dataDir;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    bool m_running = false;
};

} // namespace paddock

Q_DECLARE_METATYPE(paddock::Workspace)
Q_DECLARE_METATYPE(paddock::WorkspaceProgress)
