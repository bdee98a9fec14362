#pragma once

#include "common/Error.h"

#include <QDate>
#include <QString>
#include <QStringList>

namespace paddock {

// What a dropped folder is, as far as making a workspace from it goes.
struct RepositoryInfo
{
    enum class Kind { WorkTree, Bare };

    Kind kind = Kind::WorkTree;
    QString path;          // the repository as dropped (absolute): its work tree, or the bare folder
    QString gitDir;        // where its objects and refs are (.git, or the bare folder)
    QString name;          // the folder's name without ".git", made a valid ref component
    QString currentBranch; // empty when HEAD is detached
    QString headCommit;    // HEAD's commit (40 hex digits)
    bool detached = false;
    QStringList branches;        // local branches, sorted
    QString upstreamUrl;         // the current branch's remote, else origin; empty when none
    QStringList dirtyFiles;      // changed, staged or untracked files (at most 20 listed)
    int dirtyCount = 0;          // how many there are in all
    QStringList submodules;      // paths from .gitmodules in HEAD
    bool usesLfs = false;        // .gitattributes asks for filter=lfs, or HEAD has LFS pointer files
    int lfsPointers = 0;         // LFS pointer files found in HEAD
    bool shallow = false;        // a shallow clone (history cut off)
    qint64 objectBytes = 0;      // the object database on disk (with alternates)
    qint64 workTreeBytes = 0;    // the files of HEAD checked out (from the index; objectBytes for bare)
    QStringList readOnlyFolders; // "_governance", "_archive": top-level folders of HEAD mounted read-only

    bool dirty() const { return dirtyCount > 0; }
    // The base a workspace starts from by default: the current branch, or HEAD's commit.
    QString defaultBase() const { return detached ? headCommit : currentBranch; }
    // Sentences for what will not come along (uncommitted changes, LFS contents), for the dialog.
    QStringList warnings() const;
};

// Inspects a dropped path: a work tree (its top folder) or a bare repository. Anything else is
// refused with the reason (not a folder, not a repository, a folder inside one, no commits yet).
// Blocking (it reads the status and walks HEAD's tree): call it off the UI thread for big ones.
class RepositoryProbe final
{
public:
    static Result<RepositoryInfo> probe(const QString &path);

    // A feature name from the folder and the date, e.g. "myapp-20261201": lower case, a valid ref
    // component (letters, digits, '-', '_', '.'; no leading '.' or '-', no "..", not ".lock").
    static QString suggestFeatureName(const QString &folder, QDate date = QDate::currentDate());
    // Whether `name` can be one component of a branch name and of a folder name.
    static bool isValidFeatureName(const QString &name);
    // `text` made into a valid feature name (empty when nothing usable is left).
    static QString sanitize(const QString &text);
};

} // namespace paddock
