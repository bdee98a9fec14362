// WorkspaceBuilder with real repositories (git command line to make them, libgit2 to copy them):
// the clone, its branch and remotes, the mirror and its reuse, refusals, and that cancelling and
// failing leave nothing behind.
#include "GitRepos.h"
#include "repo/WorkspaceBuilder.h"
#include "repo/WorkspaceMount.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace paddock;

class TestWorkspaceBuilder : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_repo;
    QString data() const { return m_dir.filePath(QStringLiteral("data")); }

    // Everything below the data folder, for "nothing was left behind".
    QStringList contents() const
    {
        QStringList out;
        QDirIterator it(data(), QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            out << it.next();
        out.sort();
        return out;
    }

private slots:
    void initTestCase()
    {
        m_repo = m_dir.filePath(QStringLiteral("app"));
        QVERIFY(makeRepository(m_repo, {{QStringLiteral("_governance/policy.md"), "rules\n"},
                                        {QStringLiteral("src/main.c"), "int main(void) { return 0; }\n"}}));
        QVERIFY(!git(m_repo, {QStringLiteral("remote"), QStringLiteral("add"), QStringLiteral("origin"),
                              QStringLiteral("https://example.org/app.git")})
                     .isNull());
        QVERIFY(
            !git(m_repo, {QStringLiteral("tag"), QStringLiteral("v1"), QStringLiteral("develop")}).isNull());
    }

    void createsTheWorkspace()
    {
        const QString before = git(m_repo, {QStringLiteral("for-each-ref")});
        WorkspaceBuilder builder(data());
        WorkspaceRequest request{m_repo,
                                 QStringLiteral("agent"),
                                 QStringLiteral("login"),
                                 {},
                                 QStringLiteral("git://10.89.0.1:9418")};
        QList<WorkspaceProgress> progress;
        auto made = builder.create(request, [&](const WorkspaceProgress &p) { progress << p; });
        QVERIFY2(made, qPrintable(made ? QString() : made.error().text()));
        QCOMPARE(made->path, data() + QStringLiteral("/workspaces/agent/app-login"));
        QCOMPARE(made->branch, QStringLiteral("agent/login"));
        QCOMPARE(made->mirror, data() + QStringLiteral("/mirrors/app.git"));
        QCOMPARE(made->readOnlyFolders, QStringList{QStringLiteral("_governance")});
        QVERIFY(made->warnings.isEmpty());

        const QString ws = made->path;
        QCOMPARE(git(ws, {QStringLiteral("symbolic-ref"), QStringLiteral("--short"), QStringLiteral("HEAD")}),
                 QStringLiteral("agent/login"));
        QCOMPARE(git(ws, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}),
                 git(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("main")}));
        QCOMPARE(git(ws, {QStringLiteral("status"), QStringLiteral("--porcelain")}), QString(u""));
        QVERIFY(QFile::exists(ws + QStringLiteral("/src/main.c")));
        QCOMPARE(git(ws, {QStringLiteral("remote"), QStringLiteral("get-url"), QStringLiteral("origin")}),
                 QStringLiteral("https://example.org/app.git"));
        QCOMPARE(git(ws, {QStringLiteral("remote"), QStringLiteral("get-url"), QStringLiteral("local")}),
                 QStringLiteral("git://10.89.0.1:9418/app.git"));
        QCOMPARE(git(ws, {QStringLiteral("config"), QStringLiteral("remote.pushDefault")}),
                 QStringLiteral("local"));
        QCOMPARE(git(ws, {QStringLiteral("rev-parse"), QStringLiteral("local/develop")}),
                 git(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("develop")}));
        QCOMPARE(git(ws, {QStringLiteral("rev-parse"), QStringLiteral("v1")}),
                 git(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("v1")}));
        QCOMPARE(git(ws, {QStringLiteral("fsck"), QStringLiteral("--no-dangling")}), QString(u""));
        // No object file is shared with the original (hard links would let the container change them).
        QDirIterator objects(ws + QStringLiteral("/.git/objects"), QDir::Files, QDirIterator::Subdirectories);
        while (objects.hasNext()) {
            objects.next();
            struct stat st{};
            QCOMPARE(::stat(QFile::encodeName(objects.filePath()).constData(), &st), 0);
            QCOMPARE(st.st_nlink, nlink_t(1));
        }
        // The mirror: bare, the original's branches and tags, and it names its original.
        QCOMPARE(git(made->mirror, {QStringLiteral("rev-parse"), QStringLiteral("--is-bare-repository")}),
                 QStringLiteral("true"));
        QCOMPARE(git(made->mirror, {QStringLiteral("for-each-ref"), QStringLiteral("--format=%(refname)")}),
                 QStringLiteral("refs/heads/develop\nrefs/heads/main\nrefs/tags/v1"));
        QCOMPARE(git(made->mirror, {QStringLiteral("config"), QStringLiteral("paddock.source")}), m_repo);
        // Progress for each phase, ending complete.
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().phase, WorkspaceProgress::Phase::Checkout);
        QCOMPARE(progress.last().done, progress.last().total);
        // The original is untouched.
        QCOMPARE(git(m_repo, {QStringLiteral("for-each-ref")}), before);
        QCOMPARE(git(m_repo, {QStringLiteral("status"), QStringLiteral("--porcelain")}), QString(u""));

        const QList<Workspace> listed = builder.list(QStringLiteral("agent"));
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed.first().path, ws);
        QCOMPARE(listed.first().baseCommit, made->baseCommit);
        QCOMPARE(builder.mirrorsOf(QStringLiteral("agent")), QStringList{made->mirror});
        QVERIFY(builder.list(QStringLiteral("web")).isEmpty());
    }

    void reusesTheMirror()
    {
        // A new commit in the original arrives in the existing mirror by fetching.
        QVERIFY(writeFile(m_repo + QStringLiteral("/later.txt"), "later\n"));
        QVERIFY(!git(m_repo, {QStringLiteral("add"), QStringLiteral("later.txt")}).isNull());
        QVERIFY(!git(m_repo, {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("later")})
                     .isNull());
        WorkspaceBuilder builder(data());
        auto made = builder.create(
            {m_repo, QStringLiteral("web"), QStringLiteral("search"), QStringLiteral("develop"), {}});
        QVERIFY2(made, qPrintable(made ? QString() : made.error().text()));
        QCOMPARE(made->mirror, data() + QStringLiteral("/mirrors/app.git"));
        QCOMPARE(git(made->mirror, {QStringLiteral("rev-parse"), QStringLiteral("main")}),
                 git(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("main")}));
        QCOMPARE(git(made->path, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}),
                 git(m_repo, {QStringLiteral("rev-parse"), QStringLiteral("develop")}));
        QVERIFY(!QFile::exists(made->path + QStringLiteral("/later.txt")));
        QCOMPARE(made->localUrl, made->mirror); // no transport given: the host path
        QCOMPARE(builder.list().size(), 2);
    }

    void refusals()
    {
        WorkspaceBuilder builder(data());
        const QStringList before = contents();
        auto exists = builder.create({m_repo, QStringLiteral("agent"), QStringLiteral("login"), {}, {}});
        QVERIFY(!exists);
        QVERIFY2(exists.error().message.contains(QStringLiteral("already exists")),
                 qPrintable(exists.error().text()));
        auto badBase = builder.create(
            {m_repo, QStringLiteral("agent"), QStringLiteral("other"), QStringLiteral("nope"), {}});
        QVERIFY(!badBase);
        QVERIFY2(badBase.error().hint.contains(QStringLiteral("develop")),
                 qPrintable(badBase.error().text()));
        auto badName = builder.create({m_repo, QStringLiteral("agent"), QStringLiteral("a/b"), {}, {}});
        QVERIFY(!badName);
        QVERIFY(badName.error().message.contains(QStringLiteral("feature name")));
        auto notRepo = builder.create({m_dir.path(), QStringLiteral("agent"), QStringLiteral("x"), {}, {}});
        QVERIFY(!notRepo);
        QVERIFY(notRepo.error().message.contains(QStringLiteral("not a git repository")));

        const QString sub = m_dir.filePath(QStringLiteral("withsub"));
        QVERIFY(makeRepository(sub));
        QVERIFY(!git(sub, {QStringLiteral("submodule"), QStringLiteral("add"), QStringLiteral("-q"), m_repo,
                           QStringLiteral("vendor/app")})
                     .isNull());
        QVERIFY(!git(sub, {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("sub")}).isNull());
        auto submodules = builder.create({sub, QStringLiteral("agent"), QStringLiteral("x"), {}, {}});
        QVERIFY(!submodules);
        QVERIFY2(submodules.error().message.contains(QStringLiteral("submodules (vendor/app)")),
                 qPrintable(submodules.error().text()));
        QCOMPARE(contents(), before);
    }

    void dirtyOriginalsWarn()
    {
        const QString repo = m_dir.filePath(QStringLiteral("dirty"));
        QVERIFY(makeRepository(repo));
        QVERIFY(writeFile(repo + QStringLiteral("/README"), "uncommitted\n"));
        auto made =
            WorkspaceBuilder(data()).create({repo, QStringLiteral("agent"), QStringLiteral("d"), {}, {}});
        QVERIFY(made);
        QCOMPARE(made->warnings.size(), 1);
        QVERIFY(made->warnings.first().contains(QStringLiteral("not copied")));
        QFile readme(made->path + QStringLiteral("/README"));
        QVERIFY(readme.open(QIODevice::ReadOnly));
        QCOMPARE(readme.readAll(), QByteArray("hello again\n"));
    }

    void cancelLeavesNothing_data()
    {
        QTest::addColumn<int>("afterReports");
        QTest::newRow("at once") << 0;
        QTest::newRow("while copying the mirror") << 1;
        QTest::newRow("while copying the workspace") << 3;
    }

    void cancelLeavesNothing()
    {
        QFETCH(int, afterReports);
        // Big enough for several progress reports per phase (incompressible: 8 MB).
        const QString repo = m_dir.filePath(QStringLiteral("big-%1").arg(afterReports));
        QByteArray blob(8 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < blob.size(); ++i)
            blob[i] = char((i * 2654435761u) >> 13);
        QVERIFY(makeRepository(repo, {{QStringLiteral("blob.bin"), blob}}));
        const QStringList before = contents();
        std::atomic<bool> cancel{afterReports == 0};
        int reports = 0;
        auto made = WorkspaceBuilder(data()).create(
            {repo, QStringLiteral("agent"), QStringLiteral("c"), {}, {}},
            [&](const WorkspaceProgress &) {
                if (++reports >= afterReports)
                    cancel = true;
            },
            &cancel);
        QVERIFY(!made);
        QVERIFY2(made.error().message.contains(QStringLiteral("cancelled")), qPrintable(made.error().text()));
        QCOMPARE(contents(), before);
    }

    void asyncJob()
    {
        const QString repo = m_dir.filePath(QStringLiteral("async"));
        QVERIFY(makeRepository(repo));
        WorkspaceJob job({repo, QStringLiteral("agent"), QStringLiteral("j"), {}, {}}, data());
        QSignalSpy finished(&job, &WorkspaceJob::finished);
        QSignalSpy failed(&job, &WorkspaceJob::failed);
        job.start();
        QVERIFY(job.isRunning());
        QVERIFY(finished.wait(30000));
        QCOMPARE(failed.count(), 0);
        QVERIFY(!job.isRunning());
        QVERIFY(QFileInfo(finished.first().first().value<Workspace>().path).isDir());
    }

    void workspaceMounts()
    {
        const QJsonObject spec = withWorkspace(QJsonObject{{QStringLiteral("HostConfig"), QJsonObject{}}},
                                               QStringLiteral("/data/ws"), {QStringLiteral("_governance")});
        const QJsonArray mounts =
            spec.value(QStringLiteral("HostConfig")).toObject().value(QStringLiteral("Mounts")).toArray();
        QCOMPARE(mounts.size(), 2);
        QCOMPARE(mounts[0].toObject().value(QStringLiteral("Target")).toString(),
                 QStringLiteral("/home/dev/workspace"));
        QCOMPARE(mounts[0].toObject().value(QStringLiteral("ReadOnly")).toBool(), false);
        QCOMPARE(mounts[1].toObject().value(QStringLiteral("Source")).toString(),
                 QStringLiteral("/data/ws/_governance"));
        QCOMPARE(mounts[1].toObject().value(QStringLiteral("ReadOnly")).toBool(), true);
    }
};

QTEST_GUILESS_MAIN(TestWorkspaceBuilder)
#include "test_workspace_builder.moc"
