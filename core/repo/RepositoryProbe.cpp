#include "repo/RepositoryProbe.h"

#include "repo/Git.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QRegularExpression>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::RepositoryProbe)
};

constexpr int ListedDirtyFiles = 20;
constexpr int MaxWalkedEntries = 500000; // beyond this the tree walk stops (sizes are estimates)
constexpr qint64 LfsPointerMaxBytes = 1024;

qint64 folderBytes(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        total += it.fileInfo().size();
    }
    return total;
}

struct Walk
{
    git_odb *odb = nullptr;
    git_repository *repo = nullptr;
    RepositoryInfo *info = nullptr;
    int entries = 0;
};

int walkEntry(const char *root, const git_tree_entry *entry, void *payload)
{
    auto *w = static_cast<Walk *>(payload);
    if (++w->entries > MaxWalkedEntries)
        return -1;
    const git_filemode_t mode = git_tree_entry_filemode(entry);
    const QString path = QString::fromUtf8(root) + QString::fromUtf8(git_tree_entry_name(entry));
    if (mode == GIT_FILEMODE_COMMIT) {
        if (!w->info->submodules.contains(path))
            w->info->submodules << path;
        return 0;
    }
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
        return 0;
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(entry)) != 0)
        return 0;
    w->info->workTreeBytes += qint64(size);
    const bool attributes =
        QString::fromUtf8(git_tree_entry_name(entry)) == QLatin1StringView(".gitattributes");
    if (!attributes && qint64(size) > LfsPointerMaxBytes)
        return 0;
    git_blob *raw = nullptr;
    if (git_blob_lookup(&raw, w->repo, git_tree_entry_id(entry)) != 0)
        return 0;
    git::Blob blob(raw);
    const QByteArrayView content(static_cast<const char *>(git_blob_rawcontent(raw)),
                                 qsizetype(git_blob_rawsize(raw)));
    if (attributes) {
        if (content.contains("filter=lfs"))
            w->info->usesLfs = true;
    } else if (content.startsWith("version https://git-lfs.github.com/spec/")) {
        w->info->usesLfs = true;
        ++w->info->lfsPointers;
    }
    return 0;
}

} // namespace

QStringList RepositoryInfo::warnings() const
{
    QStringList out;
    if (dirty())
        out << Text::tr("%n uncommitted change(s) in %1 are not copied: the workspace starts from the last "
                        "commit. Commit them first if the agent should see them.",
                        nullptr, dirtyCount)
                   .arg(path);
    if (usesLfs)
        out << Text::tr("The repository uses Git LFS: large files arrive as LFS pointer files, not their "
                        "contents (the agent's container cannot fetch them).");
    if (shallow)
        out << Text::tr("The repository is a shallow clone: the workspace has only the history it has.");
    return out;
}

bool RepositoryProbe::isValidFeatureName(const QString &name)
{
    static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\\z"));
    return allowed.match(name).hasMatch() && !name.contains(QStringLiteral("..")) &&
           !name.endsWith(QStringLiteral(".lock")) && !name.endsWith(QLatin1Char('.'));
}

QString RepositoryProbe::sanitize(const QString &text)
{
    QString out;
    for (const QChar c : text.toLower()) {
        if ((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_' || c == u'.')
            out += c;
        else if (!out.endsWith(u'-'))
            out += u'-';
    }
    while (out.contains(QStringLiteral("..")))
        out.replace(QStringLiteral(".."), QStringLiteral("."));
    while (!out.isEmpty() && (out.front() == u'-' || out.front() == u'.'))
        out.remove(0, 1);
    out.truncate(48);
    while (!out.isEmpty() && (out.back() == u'-' || out.back() == u'.'))
        out.chop(1);
    if (out.endsWith(QStringLiteral(".lock")))
        out.chop(5);
    return out;
}

QString RepositoryProbe::suggestFeatureName(const QString &folder, QDate date)
{
    QString base =
        sanitize(QFileInfo(folder).fileName().remove(QRegularExpression(QStringLiteral("\\.git$"))));
    if (base.isEmpty())
        base = QStringLiteral("work");
    return base + u'-' + date.toString(QStringLiteral("yyyyMMdd"));
}

Result<RepositoryInfo> RepositoryProbe::probe(const QString &dropped)
{
    git::ensureInit();
    const QFileInfo fi(dropped);
    const QString path = fi.absoluteFilePath();
    if (!fi.exists())
        return fail(Error::Code::NotFound, Text::tr("there is nothing at this path"), path,
                    Text::tr("Drop a folder that holds a git repository."));
    if (!fi.isDir())
        return fail(Error::Code::Invalid, Text::tr("this is a file, not a repository"), path,
                    Text::tr("Drop the repository's folder (a git work tree or a bare repository)."));
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, git::utf8(path).constData(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
        0) {
        git_buf found = GIT_BUF_INIT;
        const bool inside = git_repository_discover(&found, git::utf8(path).constData(), 0, nullptr) == 0;
        QString outer = inside ? QString::fromUtf8(found.ptr) : QString();
        git_buf_dispose(&found);
        if (inside) {
            outer = QDir::cleanPath(outer);
            if (outer.endsWith(QStringLiteral("/.git")))
                outer.chop(5);
            return fail(Error::Code::Invalid, Text::tr("this folder is inside the repository %1").arg(outer),
                        path, Text::tr("Drop the repository's top folder, %1, instead.").arg(outer));
        }
        return fail(Error::Code::Invalid, Text::tr("this folder is not a git repository"), path,
                    Text::tr("Only git work trees and bare repositories can become workspaces; run git init "
                             "there first if it should be one."));
    }
    git::Repository repo(raw);

    RepositoryInfo info;
    info.kind = git_repository_is_bare(raw) ? RepositoryInfo::Kind::Bare : RepositoryInfo::Kind::WorkTree;
    info.gitDir = QDir::cleanPath(QString::fromUtf8(git_repository_path(raw)));
    info.path = info.kind == RepositoryInfo::Kind::Bare
                    ? info.gitDir
                    : QDir::cleanPath(QString::fromUtf8(git_repository_workdir(raw)));
    info.name =
        sanitize(QFileInfo(info.path).fileName().remove(QRegularExpression(QStringLiteral("\\.git$"))));
    if (info.name.isEmpty())
        info.name = QStringLiteral("repository");
    info.shallow = git_repository_is_shallow(raw) == 1;

    if (git_repository_head_unborn(raw) == 1)
        return fail(Error::Code::Invalid, Text::tr("the repository has no commits yet"), info.path,
                    Text::tr("Make a first commit; a workspace starts from a commit."));
    git_reference *headRaw = nullptr;
    if (git_repository_head(&headRaw, raw) != 0)
        return fail(Error::Code::Io, Text::tr("cannot read HEAD: %1").arg(git::lastError()), info.path,
                    Text::tr("Check the repository with git status."));
    git::Reference head(headRaw);
    info.detached = git_repository_head_detached(raw) == 1;
    if (!info.detached)
        info.currentBranch = QString::fromUtf8(git_reference_shorthand(headRaw));
    git_object *peeled = nullptr;
    if (git_reference_peel(&peeled, headRaw, GIT_OBJECT_COMMIT) != 0)
        return fail(Error::Code::Io, Text::tr("HEAD does not name a commit: %1").arg(git::lastError()),
                    info.path, Text::tr("Check the repository with git status."));
    git::Object headCommit(peeled);
    info.headCommit = git::oidText(git_object_id(peeled));

    git_branch_iterator *branches = nullptr;
    if (git_branch_iterator_new(&branches, raw, GIT_BRANCH_LOCAL) == 0) {
        git_reference *ref = nullptr;
        git_branch_t type;
        while (git_branch_next(&ref, &type, branches) == 0) {
            info.branches << QString::fromUtf8(git_reference_shorthand(ref));
            git_reference_free(ref);
        }
        git_branch_iterator_free(branches);
    }
    info.branches.sort();

    QString remoteName = QStringLiteral("origin");
    if (!info.detached) {
        git::Buf buf;
        if (git_branch_upstream_remote(&buf.buf, raw, git_reference_name(headRaw)) == 0)
            remoteName = buf.text();
    }
    git_remote *remoteRaw = nullptr;
    if (git_remote_lookup(&remoteRaw, raw, git::utf8(remoteName).constData()) == 0) {
        git::Remote remote(remoteRaw);
        if (const char *url = git_remote_url(remoteRaw))
            info.upstreamUrl = QString::fromUtf8(url);
    }
    git_error_clear();

    if (info.kind == RepositoryInfo::Kind::WorkTree) {
        git_status_options opts;
        git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
        opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
        opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
        git_status_list *list = nullptr;
        if (git_status_list_new(&list, raw, &opts) != 0)
            return fail(Error::Code::Io, Text::tr("cannot read the status: %1").arg(git::lastError()),
                        info.path, Text::tr("Check the repository with git status."));
        git::StatusList status(list);
        info.dirtyCount = int(git_status_list_entrycount(list));
        for (int i = 0; i < std::min(info.dirtyCount, ListedDirtyFiles); ++i) {
            const git_status_entry *e = git_status_byindex(list, size_t(i));
            const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
            if (d && d->new_file.path)
                info.dirtyFiles << QString::fromUtf8(d->new_file.path);
        }
    }

    git_commit *commit = nullptr;
    git_tree *treeRaw = nullptr;
    if (git_commit_lookup(&commit, raw, git_object_id(peeled)) == 0) {
        git::Commit owner(commit);
        if (git_commit_tree(&treeRaw, commit) == 0) {
            git::Tree tree(treeRaw);
            for (const char *folder : {"_governance", "_archive"}) {
                const git_tree_entry *e = git_tree_entry_byname(treeRaw, folder);
                if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE)
                    info.readOnlyFolders << QString::fromLatin1(folder);
            }
            git_odb *odb = nullptr;
            if (git_repository_odb(&odb, raw) == 0) {
                Walk w{odb, raw, &info, 0};
                git_tree_walk(treeRaw, GIT_TREEWALK_PRE, walkEntry, &w);
                git_odb_free(odb);
                git_error_clear();
            }
        }
    }

    const QString objects =
        QDir::cleanPath(QString::fromUtf8(git_repository_commondir(raw))) + QStringLiteral("/objects");
    info.objectBytes = folderBytes(objects);
    QFile alternates(objects + QStringLiteral("/info/alternates"));
    if (alternates.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : alternates.readAll().split('\n')) {
            const QString alt = QString::fromUtf8(line.trimmed());
            if (!alt.isEmpty() && !alt.startsWith(u'#'))
                info.objectBytes += folderBytes(QDir(objects).absoluteFilePath(alt));
        }
    }
    return info;
}

} // namespace paddock
