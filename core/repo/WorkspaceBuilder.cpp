#include "repo/WorkspaceBuilder.h"

#include "config/AtomicFile.h"
#include "config/Paths.h"
#include "repo/Git.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLockFile>
#include <QPointer>
#include <QScopeGuard>
#include <QStorageInfo>
#include <QThreadPool>
#include <QUuid>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::WorkspaceBuilder)
};

constexpr qint64 ChunkBytes = 8 * 1024 * 1024;
constexpr qint64 ReportEveryBytes = 1024 * 1024;
constexpr qint64 SpareBytes = 64 * 1024 * 1024; // left free after a workspace is made
constexpr const char *RecordsFolder = ".workspaces";

Error cancelled()
{
    return Error{Error::Code::Invalid, Text::tr("cancelled; nothing was left behind"), {}, {}};
}

bool isCancelled(const std::atomic<bool> *cancel)
{
    return cancel && cancel->load(std::memory_order_relaxed);
}

// Copies (or hard-links) the files of an object database, with progress in bytes and cancel
// between chunks. Temporary files and quarantine folders of a running git are left out.
class ObjectCopier
{
public:
    ObjectCopier(WorkspaceProgress::Phase phase, const WorkspaceBuilder::ProgressFn &progress,
                 const std::atomic<bool> *cancel, bool link)
        : m_phase(phase)
        , m_progress(progress)
        , m_cancel(cancel)
        , m_link(link)
    {}

    // Every objects folder to copy: the repository's own and those its alternates name.
    void addSource(const QString &objects)
    {
        const QDir root(objects);
        QDirIterator it(objects, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QString rel = root.relativeFilePath(it.filePath());
            const QString name = it.fileName();
            if (rel == QLatin1StringView("info/alternates") || rel.startsWith(QStringLiteral("incoming-")) ||
                name.startsWith(QStringLiteral("tmp_")) || name.endsWith(QStringLiteral(".tmp")) ||
                name.endsWith(QStringLiteral(".lock")))
                continue;
            m_files.append({it.filePath(), rel, it.fileInfo().size()});
            m_total += it.fileInfo().size();
        }
        QFile alternates(objects + QStringLiteral("/info/alternates"));
        if (alternates.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : alternates.readAll().split('\n')) {
                const QString alt = QString::fromUtf8(line.trimmed());
                if (!alt.isEmpty() && !alt.startsWith(u'#'))
                    addSource(QDir::cleanPath(root.absoluteFilePath(alt)));
            }
        }
    }

    qint64 total() const { return m_total; }

    Result<void> copyTo(const QString &dstObjects)
    {
        report(true);
        for (const File &f : m_files) {
            if (isCancelled(m_cancel))
                return std::unexpected(cancelled());
            const QString dst = dstObjects + u'/' + f.rel;
            if (!QDir().mkpath(QFileInfo(dst).path()))
                return fail(Error::Code::Io, Text::tr("cannot create the folder"), QFileInfo(dst).path(),
                            Text::tr("Check the permissions and free space of Paddock's data folder."));
            if (QFile::exists(dst)) // an alternate holding the same pack
                continue;
            if (m_link &&
                ::link(QFile::encodeName(f.path).constData(), QFile::encodeName(dst).constData()) == 0) {
                m_done += f.size;
                report(false);
                continue;
            }
            m_link = false; // another file system, or links not allowed: copy from now on
            if (auto copied = copyFile(f.path, dst); !copied)
                return copied;
        }
        report(true);
        return {};
    }

private:
    struct File
    {
        QString path;
        QString rel;
        qint64 size = 0;
    };

    void report(bool force)
    {
        if (!m_progress || (!force && m_done - m_reported < ReportEveryBytes))
            return;
        m_reported = m_done;
        m_progress(WorkspaceProgress{m_phase, m_done, m_total});
    }

    Result<void> copyFile(const QString &src, const QString &dst)
    {
        const int in = ::open(QFile::encodeName(src).constData(), O_RDONLY | O_CLOEXEC);
        if (in < 0)
            return fail(Error::Code::Io,
                        Text::tr("cannot read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))), src,
                        Text::tr("Check that the repository can be read."));
        struct stat st{};
        ::fstat(in, &st);
        const int out =
            ::open(QFile::encodeName(dst).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0) {
            const int e = errno;
            ::close(in);
            return fail(Error::Code::Io,
                        Text::tr("cannot write: %1").arg(QString::fromLocal8Bit(std::strerror(e))), dst,
                        Text::tr("Check the permissions and free space of Paddock's data folder."));
        }
        bool rangeWorks = true;
        Result<void> result;
        for (;;) {
            if (isCancelled(m_cancel)) {
                result = std::unexpected(cancelled());
                break;
            }
            ssize_t n = -1;
            if (rangeWorks) {
                n = ::copy_file_range(in, nullptr, out, nullptr, size_t(ChunkBytes), 0);
                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
                    rangeWorks = false;
                    continue;
                }
            } else {
                static thread_local QByteArray buffer(1024 * 1024, Qt::Uninitialized);
                n = ::read(in, buffer.data(), size_t(buffer.size()));
                for (ssize_t off = 0; n > 0 && off < n;) {
                    const ssize_t w = ::write(out, buffer.constData() + off, size_t(n - off));
                    if (w < 0) {
                        n = -1;
                        break;
                    }
                    off += w;
                }
            }
            if (n < 0) {
                result =
                    fail(Error::Code::Io,
                         Text::tr("copying failed: %1").arg(QString::fromLocal8Bit(std::strerror(errno))),
                         dst, Text::tr("Check the free space of Paddock's data folder."));
                break;
            }
            if (n == 0)
                break;
            m_done += n;
            report(false);
        }
        ::fchmod(out, st.st_mode & 0777);
        ::close(out);
        ::close(in);
        return result;
    }

    WorkspaceProgress::Phase m_phase;
    const WorkspaceBuilder::ProgressFn &m_progress;
    const std::atomic<bool> *m_cancel;
    bool m_link;
    QList<File> m_files;
    qint64 m_total = 0;
    qint64 m_done = 0;
    qint64 m_reported = -ReportEveryBytes;
};

Error gitError(const QString &what, const QString &where)
{
    return Error{
        Error::Code::Io, what.arg(git::lastError()), where,
        Text::tr("Check the repository with git fsck, and the free space of Paddock's data folder.")};
}

Result<git::Repository> openRepository(const QString &path)
{
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, git::utf8(path).constData(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
        0)
        return std::unexpected(gitError(Text::tr("cannot open the repository: %1"), path));
    return git::Repository(raw);
}

// The commit `base` names: a branch, a tag or anything rev-parse takes.
Result<git::Object> resolveBase(git_repository *repo, const QString &base, const RepositoryInfo &info)
{
    for (const QString &spec :
         QStringList{QStringLiteral("refs/heads/") + base, QStringLiteral("refs/tags/") + base, base}) {
        git_object *obj = nullptr;
        if (git_revparse_single(&obj, repo, git::utf8(spec).constData()) != 0)
            continue;
        git::Object owner(obj);
        git_object *commit = nullptr;
        if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0)
            return git::Object(commit);
    }
    git_error_clear();
    return fail(Error::Code::NotFound, Text::tr("there is no branch, tag or commit \"%1\"").arg(base),
                info.path,
                Text::tr("Choose one of its branches: %1.").arg(info.branches.join(QStringLiteral(", "))));
}

// Creates (force) the direct refs of `from` matching `glob` in `to`, renamed from `prefix` to `as`.
Result<void> copyRefs(git_repository *from, git_repository *to, const char *glob, const QString &prefix,
                      const QString &as, const QString &where)
{
    git_reference_iterator *raw = nullptr;
    if (git_reference_iterator_glob_new(&raw, from, glob) != 0)
        return std::unexpected(gitError(Text::tr("cannot list the references: %1"), where));
    git::ReferenceIterator it(raw);
    git_reference *ref = nullptr;
    while (git_reference_next(&ref, raw) == 0) {
        git::Reference owner(ref);
        if (git_reference_type(ref) != GIT_REFERENCE_DIRECT)
            continue;
        const QString name = as + QString::fromUtf8(git_reference_name(ref)).mid(prefix.size());
        git_reference *created = nullptr;
        if (git_reference_create(&created, to, git::utf8(name).constData(), git_reference_target(ref), 1,
                                 "paddock: workspace") != 0)
            return std::unexpected(
                gitError(Text::tr("cannot create %1: %2").arg(name, QStringLiteral("%1")), where));
        git_reference_free(created);
    }
    return {};
}

Result<void> setConfig(git_repository *repo, const char *key, const QString &value, const QString &where)
{
    git_config *raw = nullptr;
    if (git_repository_config(&raw, repo) != 0)
        return std::unexpected(gitError(Text::tr("cannot open the configuration: %1"), where));
    git::Config config(raw);
    if (git_config_set_string(raw, key, git::utf8(value).constData()) != 0)
        return std::unexpected(gitError(Text::tr("cannot write the configuration: %1"), where));
    return {};
}

QString configString(git_repository *repo, const char *key)
{
    git_config *raw = nullptr;
    if (git_repository_config(&raw, repo) != 0)
        return {};
    git::Config config(raw);
    git::Buf buf;
    if (git_config_get_string_buf(&buf.buf, raw, key) != 0) {
        git_error_clear();
        return {};
    }
    return buf.text();
}

// Makes the mirror from the original in a temporary folder, then moves it into place.
Result<void> makeMirror(const RepositoryInfo &info, git_repository *source, const QString &mirror,
                        const WorkspaceBuilder::ProgressFn &progress, const std::atomic<bool> *cancel)
{
    const QString partial = QFileInfo(mirror).path() + QStringLiteral("/.") + QFileInfo(mirror).fileName() +
                            QStringLiteral(".partial-") + QUuid::createUuid().toString(QUuid::Id128).left(8);
    auto cleanup = qScopeGuard([&] { QDir(partial).removeRecursively(); });
    git_repository *raw = nullptr;
    if (git_repository_init(&raw, git::utf8(partial).constData(), 1) != 0)
        return std::unexpected(gitError(Text::tr("cannot create the mirror: %1"), partial));
    git::Repository repo(raw);
    ObjectCopier copier(WorkspaceProgress::Phase::Mirror, progress, cancel, true);
    copier.addSource(QDir::cleanPath(QString::fromUtf8(git_repository_commondir(source))) +
                     QStringLiteral("/objects"));
    if (auto copied = copier.copyTo(partial + QStringLiteral("/objects")); !copied)
        return copied;
    if (info.shallow)
        QFile::copy(QString::fromUtf8(git_repository_commondir(source)) + QStringLiteral("/shallow"),
                    partial + QStringLiteral("/shallow"));
    if (auto r = copyRefs(source, raw, "refs/heads/*", QStringLiteral("refs/heads/"),
                          QStringLiteral("refs/heads/"), partial);
        !r)
        return r;
    if (auto r = copyRefs(source, raw, "refs/tags/*", QStringLiteral("refs/tags/"),
                          QStringLiteral("refs/tags/"), partial);
        !r)
        return r;
    const QString head = info.currentBranch.isEmpty() ? info.branches.value(0) : info.currentBranch;
    if (!head.isEmpty())
        git_repository_set_head(raw, git::utf8(QStringLiteral("refs/heads/") + head).constData());
    for (const auto &[key, value] :
         {std::pair{"paddock.source", info.path}, std::pair{"core.logAllRefUpdates", QStringLiteral("true")},
          std::pair{"receive.fsckObjects", QStringLiteral("true")}})
        if (auto r = setConfig(raw, key, value, partial); !r)
            return r;
    repo.reset();
    if (!QDir().rename(partial, mirror))
        return fail(Error::Code::Io, Text::tr("cannot move the new mirror into place"), mirror,
                    Text::tr("Check the permissions of Paddock's data folder."));
    cleanup.dismiss();
    return {};
}

struct FetchPayload
{
    const WorkspaceBuilder::ProgressFn *progress;
    const std::atomic<bool> *cancel;
};

// Brings an existing mirror up to date with the original's branches and tags.
Result<void> fetchIntoMirror(const RepositoryInfo &info, const QString &mirror,
                             const WorkspaceBuilder::ProgressFn &progress, const std::atomic<bool> *cancel)
{
    auto repo = openRepository(mirror);
    if (!repo)
        return std::unexpected(repo.error());
    git_remote *raw = nullptr;
    if (git_remote_create_anonymous(&raw, repo->get(), git::utf8(info.gitDir).constData()) != 0)
        return std::unexpected(gitError(Text::tr("cannot reach the original: %1"), info.path));
    git::Remote remote(raw);
    char heads[] = "+refs/heads/*:refs/heads/*";
    char tags[] = "+refs/tags/*:refs/tags/*";
    char *specs[] = {heads, tags};
    const git_strarray refspecs{specs, 2};
    git_fetch_options opts;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    opts.update_fetchhead = 0;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    FetchPayload payload{&progress, cancel};
    opts.callbacks.payload = &payload;
    opts.callbacks.transfer_progress = [](const git_indexer_progress *stats, void *p) -> int {
        auto *payload = static_cast<FetchPayload *>(p);
        if (isCancelled(payload->cancel))
            return -1;
        if (*payload->progress)
            (*payload->progress)(
                WorkspaceProgress{WorkspaceProgress::Phase::Mirror, qint64(stats->received_bytes), 0});
        return 0;
    };
    if (git_remote_fetch(raw, &refspecs, &opts, "paddock: update from the original") != 0) {
        if (isCancelled(cancel))
            return std::unexpected(cancelled());
        return std::unexpected(gitError(Text::tr("cannot update the mirror: %1"), mirror));
    }
    return {};
}

// The mirror for `info`: mirrors/<name>.git, or <name>-2.git, … when another original has the name.
QString mirrorFor(const QString &mirrorsDir, const RepositoryInfo &info, bool *exists)
{
    for (int n = 1;; ++n) {
        const QString name = n == 1 ? info.name : info.name + u'-' + QString::number(n);
        const QString path = mirrorsDir + u'/' + name + QStringLiteral(".git");
        if (!QFileInfo::exists(path)) {
            *exists = false;
            return path;
        }
        if (auto repo = openRepository(path);
            repo && configString(repo->get(), "paddock.source") == info.path) {
            *exists = true;
            return path;
        }
    }
}

} // namespace

QJsonObject Workspace::toJson() const
{
    return {{QStringLiteral("persona"), persona},
            {QStringLiteral("repository"), repository},
            {QStringLiteral("feature"), feature},
            {QStringLiteral("branch"), branch},
            {QStringLiteral("path"), path},
            {QStringLiteral("mirror"), mirror},
            {QStringLiteral("source"), source},
            {QStringLiteral("base"), base},
            {QStringLiteral("baseCommit"), baseCommit},
            {QStringLiteral("upstreamUrl"), upstreamUrl},
            {QStringLiteral("localUrl"), localUrl},
            {QStringLiteral("readOnlyFolders"), QJsonArray::fromStringList(readOnlyFolders)},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)},
            {QStringLiteral("created"), created.toString(Qt::ISODateWithMs)}};
}

Workspace Workspace::fromJson(const QJsonObject &o)
{
    auto list = [&](const char *key) {
        QStringList out;
        for (const QJsonValue &v : o.value(QLatin1StringView(key)).toArray())
            out << v.toString();
        return out;
    };
    Workspace w;
    w.persona = o.value(QStringLiteral("persona")).toString();
    w.repository = o.value(QStringLiteral("repository")).toString();
    w.feature = o.value(QStringLiteral("feature")).toString();
    w.branch = o.value(QStringLiteral("branch")).toString();
    w.path = o.value(QStringLiteral("path")).toString();
    w.mirror = o.value(QStringLiteral("mirror")).toString();
    w.source = o.value(QStringLiteral("source")).toString();
    w.base = o.value(QStringLiteral("base")).toString();
    w.baseCommit = o.value(QStringLiteral("baseCommit")).toString();
    w.upstreamUrl = o.value(QStringLiteral("upstreamUrl")).toString();
    w.localUrl = o.value(QStringLiteral("localUrl")).toString();
    w.readOnlyFolders = list("readOnlyFolders");
    w.warnings = list("warnings");
    w.created = QDateTime::fromString(o.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs);
    return w;
}

WorkspaceBuilder::WorkspaceBuilder(QString dataDir)
    : m_dataDir(dataDir.isEmpty() ? Paths::dataDir() : QDir(dataDir).absolutePath())
{}

QString WorkspaceBuilder::workspacesDir() const
{
    return m_dataDir + QStringLiteral("/workspaces");
}

QString WorkspaceBuilder::mirrorsDir() const
{
    return m_dataDir + QStringLiteral("/mirrors");
}

QString WorkspaceBuilder::workspacePath(const QString &persona, const QString &repository,
                                        const QString &feature) const
{
    return workspacesDir() + u'/' + persona + u'/' + repository + u'-' + feature;
}

Result<Workspace> WorkspaceBuilder::create(const WorkspaceRequest &request, const ProgressFn &progress,
                                           const std::atomic<bool> *cancel) const
{
    git::ensureInit();
    if (!RepositoryProbe::isValidFeatureName(request.persona))
        return fail(Error::Code::Invalid, Text::tr("\"%1\" is not a persona name").arg(request.persona), {},
                    Text::tr("Choose one of the personas."));
    if (!RepositoryProbe::isValidFeatureName(request.feature))
        return fail(
            Error::Code::Invalid, Text::tr("\"%1\" cannot be a feature name").arg(request.feature), {},
            Text::tr("Use letters, digits, '-', '_' and '.', at most 64, not starting with '.' or '-', "
                     "for example %1.")
                .arg(RepositoryProbe::suggestFeatureName(request.source)));
    auto probed = RepositoryProbe::probe(request.source);
    if (!probed)
        return std::unexpected(probed.error());
    const RepositoryInfo &info = *probed;
    if (!info.submodules.isEmpty())
        return fail(
            Error::Code::Invalid,
            Text::tr("the repository has submodules (%1), which a workspace cannot bring along")
                .arg(info.submodules.join(QStringLiteral(", "))),
            info.path,
            Text::tr("The agent's container cannot fetch them. Drop a repository without submodules, or "
                     "make the submodules' contents part of it."));
    auto source = openRepository(info.path);
    if (!source)
        return std::unexpected(source.error());
    const QString base = request.base.isEmpty() ? info.defaultBase() : request.base;
    auto baseCommit = resolveBase(source->get(), base, info);
    if (!baseCommit)
        return std::unexpected(baseCommit.error());

    if (!QDir().mkpath(mirrorsDir()) || !QDir().mkpath(workspacesDir() + u'/' + request.persona))
        return fail(Error::Code::Io, Text::tr("cannot create Paddock's data folders"), m_dataDir,
                    Text::tr("Check the permissions of the folder."));
    // One creation or update per mirror at a time, across processes.
    QLockFile lock(mirrorsDir() + u'/' + info.name + QStringLiteral(".lock"));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(60000))
        return fail(Error::Code::Busy, Text::tr("another workspace of this repository is being made"),
                    info.path, Text::tr("Wait for it to finish, then try again."));
    bool mirrorExists = false;
    const QString mirror = mirrorFor(mirrorsDir(), info, &mirrorExists);
    const QString repository = QFileInfo(mirror).completeBaseName();
    const QString target = workspacePath(request.persona, repository, request.feature);
    const QString branch = request.persona + u'/' + request.feature;
    if (QFileInfo::exists(target))
        return fail(Error::Code::Invalid, Text::tr("a workspace of this name already exists"), target,
                    Text::tr("Choose another feature name, or remove the workspace first."));

    // Space: the workspace's copy of the objects and its files, and the mirror's objects unless they
    // can be hard-linked.
    const bool sameDevice = [&] {
        struct stat a{}, b{};
        return ::stat(QFile::encodeName(info.gitDir).constData(), &a) == 0 &&
               ::stat(QFile::encodeName(mirrorsDir()).constData(), &b) == 0 && a.st_dev == b.st_dev;
    }();
    const qint64 needed =
        info.objectBytes + info.workTreeBytes + (mirrorExists || sameDevice ? 0 : info.objectBytes);
    const qint64 available = QStorageInfo(m_dataDir).bytesAvailable();
    if (available >= 0 && needed + SpareBytes > available)
        return fail(Error::Code::Io,
                    Text::tr("not enough disk space: the workspace needs about %1 MB, %2 MB are free")
                        .arg((needed + SpareBytes) / (1024 * 1024))
                        .arg(available / (1024 * 1024)),
                    m_dataDir, Text::tr("Free some space there, or set PADDOCK_DATA_DIR to a larger disk."));

    bool mirrorMade = false;
    const QString partial = QFileInfo(target).path() + QStringLiteral("/.") + QFileInfo(target).fileName() +
                            QStringLiteral(".partial-") + QUuid::createUuid().toString(QUuid::Id128).left(8);
    bool done = false;
    auto cleanup = qScopeGuard([&] {
        if (done)
            return;
        QDir(partial).removeRecursively();
        if (mirrorMade)
            QDir(mirror).removeRecursively();
    });

    if (isCancelled(cancel))
        return std::unexpected(cancelled());
    if (mirrorExists) {
        if (auto r = fetchIntoMirror(info, mirror, progress, cancel); !r)
            return std::unexpected(r.error());
    } else {
        if (auto r = makeMirror(info, source->get(), mirror, progress, cancel); !r)
            return std::unexpected(r.error());
        mirrorMade = true;
    }

    // The workspace: its own copy of the original's objects, refs, the checkout, the remotes.
    if (isCancelled(cancel))
        return std::unexpected(cancelled());
    git_repository *wsRaw = nullptr;
    if (git_repository_init(&wsRaw, git::utf8(partial).constData(), 0) != 0)
        return std::unexpected(gitError(Text::tr("cannot create the workspace: %1"), partial));
    git::Repository ws(wsRaw);
    ObjectCopier copier(WorkspaceProgress::Phase::Copy, progress, cancel, false);
    copier.addSource(QDir::cleanPath(QString::fromUtf8(git_repository_commondir(source->get()))) +
                     QStringLiteral("/objects"));
    if (auto r = copier.copyTo(QDir::cleanPath(QString::fromUtf8(git_repository_path(wsRaw))) +
                               QStringLiteral("/objects"));
        !r)
        return std::unexpected(r.error());
    if (info.shallow)
        QFile::copy(QString::fromUtf8(git_repository_commondir(source->get())) + QStringLiteral("/shallow"),
                    QString::fromUtf8(git_repository_path(wsRaw)) + QStringLiteral("/shallow"));
    if (auto r = copyRefs(source->get(), wsRaw, "refs/heads/*", QStringLiteral("refs/heads/"),
                          QStringLiteral("refs/remotes/local/"), partial);
        !r)
        return std::unexpected(r.error());
    if (auto r = copyRefs(source->get(), wsRaw, "refs/tags/*", QStringLiteral("refs/tags/"),
                          QStringLiteral("refs/tags/"), partial);
        !r)
        return std::unexpected(r.error());
    git_commit *commitRaw = nullptr;
    if (git_commit_lookup(&commitRaw, wsRaw, git_object_id(baseCommit->get())) != 0)
        return std::unexpected(gitError(Text::tr("the base commit did not come along: %1"), partial));
    git::Commit commit(commitRaw);
    git_reference *branchRef = nullptr;
    if (git_branch_create(&branchRef, wsRaw, git::utf8(branch).constData(), commitRaw, 0) != 0)
        return fail(Error::Code::Invalid,
                    Text::tr("cannot create the branch %1: %2").arg(branch, git::lastError()), partial,
                    Text::tr("Choose another feature name."));
    git_reference_free(branchRef);

    if (isCancelled(cancel))
        return std::unexpected(cancelled());
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    co.progress_payload = const_cast<ProgressFn *>(&progress);
    co.progress_cb = [](const char *, size_t completed, size_t total, void *payload) {
        auto *fn = static_cast<ProgressFn *>(payload);
        if (*fn && (completed % 64 == 0 || completed == total))
            (*fn)(WorkspaceProgress{WorkspaceProgress::Phase::Checkout, qint64(completed), qint64(total)});
    };
    if (git_checkout_tree(wsRaw, reinterpret_cast<git_object *>(commitRaw), &co) != 0)
        return std::unexpected(gitError(Text::tr("cannot check out the files: %1"), partial));
    if (git_repository_set_head(wsRaw, git::utf8(QStringLiteral("refs/heads/") + branch).constData()) != 0)
        return std::unexpected(gitError(Text::tr("cannot switch to the branch: %1"), partial));
    if (isCancelled(cancel))
        return std::unexpected(cancelled());

    Workspace w;
    w.persona = request.persona;
    w.repository = repository;
    w.feature = request.feature;
    w.branch = branch;
    w.path = target;
    w.mirror = mirror;
    w.source = info.path;
    w.base = base;
    w.baseCommit = git::oidText(git_object_id(baseCommit->get()));
    w.upstreamUrl = info.upstreamUrl;
    w.localUrl = request.transportBase.isEmpty()
                     ? mirror
                     : request.transportBase + u'/' + repository + QStringLiteral(".git");
    w.readOnlyFolders = info.readOnlyFolders;
    w.warnings = info.warnings();
    w.created = QDateTime::currentDateTimeUtc();

    git_remote *remote = nullptr;
    if (!w.upstreamUrl.isEmpty()) {
        if (git_remote_create(&remote, wsRaw, "origin", git::utf8(w.upstreamUrl).constData()) != 0)
            return std::unexpected(gitError(Text::tr("cannot add the remote origin: %1"), partial));
        git_remote_free(remote);
    }
    if (git_remote_create_with_fetchspec(&remote, wsRaw, "local", git::utf8(w.localUrl).constData(),
                                         "+refs/heads/*:refs/remotes/local/*") != 0)
        return std::unexpected(gitError(Text::tr("cannot add the remote local: %1"), partial));
    git_remote_free(remote);
    for (const auto &[key, value] : {std::pair{"remote.pushDefault", QStringLiteral("local")},
                                     std::pair{"push.default", QStringLiteral("current")}})
        if (auto r = setConfig(wsRaw, key, value, partial); !r)
            return std::unexpected(r.error());
    ws.reset();

    if (!QDir().rename(partial, target))
        return fail(Error::Code::Io, Text::tr("cannot move the new workspace into place"), target,
                    Text::tr("Check the permissions of Paddock's data folder."));
    const QString record = QFileInfo(target).path() + u'/' + QLatin1StringView(RecordsFolder) + u'/' +
                           QFileInfo(target).fileName() + QStringLiteral(".json");
    QDir().mkpath(QFileInfo(record).path());
    if (auto written = AtomicFile::write(record, QJsonDocument(w.toJson()).toJson()); !written) {
        QDir(target).removeRecursively();
        return std::unexpected(written.error());
    }
    done = true;
    return w;
}

QList<Workspace> WorkspaceBuilder::list(const QString &persona) const
{
    QList<Workspace> out;
    const QStringList personas =
        persona.isEmpty() ? QDir(workspacesDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)
                          : QStringList{persona};
    for (const QString &p : personas) {
        const QDir records(workspacesDir() + u'/' + p + u'/' + QLatin1StringView(RecordsFolder));
        for (const QString &file : records.entryList({QStringLiteral("*.json")}, QDir::Files)) {
            QFile f(records.filePath(file));
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const Workspace w = Workspace::fromJson(QJsonDocument::fromJson(f.readAll()).object());
            if (w.persona == p && QFileInfo(w.path).isDir())
                out << w;
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Workspace &a, const Workspace &b) { return a.created < b.created; });
    return out;
}

QStringList WorkspaceBuilder::mirrorsOf(const QString &persona) const
{
    QStringList out;
    for (const Workspace &w : list(persona))
        if (!out.contains(w.mirror))
            out << w.mirror;
    return out;
}

Result<void> WorkspaceBuilder::setLocalUrl(const QString &workspacePath, const QString &url)
{
    git::ensureInit();
    auto repo = openRepository(workspacePath);
    if (!repo)
        return std::unexpected(repo.error());
    if (git_remote_set_url(repo->get(), "local", git::utf8(url).constData()) != 0)
        return std::unexpected(gitError(Text::tr("cannot set the remote local: %1"), workspacePath));
    return {};
}

Result<void> WorkspaceBuilder::retargetLocal(const QString &workspacePath, const QString &base)
{
    git::ensureInit();
    auto repo = openRepository(workspacePath);
    if (!repo)
        return std::unexpected(repo.error());
    git_remote *remote = nullptr;
    if (git_remote_lookup(&remote, repo->get(), "local") != 0)
        return {};
    const QString url = QString::fromUtf8(git_remote_url(remote));
    git_remote_free(remote);
    const QString mirror = url.section(u'/', -1);
    if (!url.startsWith(QStringLiteral("git://")) || mirror.isEmpty())
        return {}; // the mirror's host path (made for host use): not the container's
    const QString wanted = base + u'/' + mirror;
    if (url == wanted)
        return {};
    return setLocalUrl(workspacePath, wanted);
}

WorkspaceJob::WorkspaceJob(WorkspaceRequest request, QString dataDir, QObject *parent)
    : QObject(parent)
    , m_request(std::move(request))
    , m_dataDir(std::move(dataDir))
{}

WorkspaceJob::~WorkspaceJob()
{
    m_cancel->store(true);
}

void WorkspaceJob::start()
{
    if (m_running)
        return;
    m_running = true;
    m_cancel->store(false);
    QPointer<WorkspaceJob> self(this);
    QThreadPool::globalInstance()->start([self, request = m_request, dataDir = m_dataDir, cancel = m_cancel] {
        const WorkspaceBuilder builder(dataDir);
        QElapsedTimer throttle;
        throttle.start();
        auto result = builder.create(
            request,
            [&](const WorkspaceProgress &p) {
                // At most every 50 ms, and always the last step of a phase.
                if (throttle.elapsed() < 50 && p.done != p.total)
                    return;
                throttle.restart();
                if (self)
                    QMetaObject::invokeMethod(
                        self, [self, p] { emit self->progress(p); }, Qt::QueuedConnection);
            },
            cancel.get());
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self,
            [self, result = std::move(result)] {
                self->m_running = false;
                if (result)
                    emit self->finished(*result);
                else
                    emit self->failed(result.error());
            },
            Qt::QueuedConnection);
    });
}

void WorkspaceJob::cancel()
{
    m_cancel->store(true);
}

} // namespace paddock
