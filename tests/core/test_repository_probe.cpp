// RepositoryProbe on real repositories made with the git command line: what a dropped folder is,
// and the reasons for refusing what cannot become a workspace.
#include "GitRepos.h"
#include "repo/RepositoryProbe.h"

#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestRepositoryProbe : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }

private slots:
    void aWorkTree()
    {
        const QString repo = path(QStringLiteral("My App"));
        QVERIFY(makeRepository(repo, {{QStringLiteral("_governance/rules.md"), "no\n"}}));
        QVERIFY(!git(repo, {QStringLiteral("remote"), QStringLiteral("add"), QStringLiteral("origin"),
                            QStringLiteral("https://example.org/app.git")})
                     .isNull());
        auto info = RepositoryProbe::probe(repo);
        QVERIFY2(info, qPrintable(info ? QString() : info.error().text()));
        QCOMPARE(info->kind, RepositoryInfo::Kind::WorkTree);
        QCOMPARE(info->path, QDir::cleanPath(repo));
        QCOMPARE(info->name, QStringLiteral("my-app"));
        QCOMPARE(info->currentBranch, QStringLiteral("main"));
        QVERIFY(!info->detached);
        QCOMPARE(info->branches, (QStringList{QStringLiteral("develop"), QStringLiteral("main")}));
        QCOMPARE(info->upstreamUrl, QStringLiteral("https://example.org/app.git"));
        QCOMPARE(info->headCommit, git(repo, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")}));
        QVERIFY(!info->dirty());
        QVERIFY(info->warnings().isEmpty());
        QCOMPARE(info->readOnlyFolders, QStringList{QStringLiteral("_governance")});
        QVERIFY(info->objectBytes > 0);
        QCOMPARE(info->workTreeBytes, qint64(sizeof("hello again\n") - 1 + 3));
        QVERIFY(info->submodules.isEmpty());
        QVERIFY(!info->usesLfs);
    }

    void aBareRepository()
    {
        const QString work = path(QStringLiteral("src"));
        QVERIFY(makeRepository(work));
        const QString bare = path(QStringLiteral("shared.git"));
        QVERIFY(!git(m_dir.path(),
                     {QStringLiteral("clone"), QStringLiteral("-q"), QStringLiteral("--bare"), work, bare})
                     .isNull());
        auto info = RepositoryProbe::probe(bare);
        QVERIFY2(info, qPrintable(info ? QString() : info.error().text()));
        QCOMPARE(info->kind, RepositoryInfo::Kind::Bare);
        QCOMPARE(info->name, QStringLiteral("shared"));
        QCOMPARE(info->currentBranch, QStringLiteral("main"));
        QCOMPARE(info->upstreamUrl, work); // a bare clone keeps origin
        QVERIFY(!info->dirty());
    }

    void detachedAndDirty()
    {
        const QString repo = path(QStringLiteral("detached"));
        QVERIFY(makeRepository(repo));
        QVERIFY(!git(repo, {QStringLiteral("checkout"), QStringLiteral("-q"), QStringLiteral("--detach"),
                            QStringLiteral("develop")})
                     .isNull());
        QVERIFY(writeFile(repo + QStringLiteral("/README"), "changed\n"));
        QVERIFY(writeFile(repo + QStringLiteral("/new.txt"), "untracked\n"));
        auto info = RepositoryProbe::probe(repo);
        QVERIFY(info);
        QVERIFY(info->detached);
        QVERIFY(info->currentBranch.isEmpty());
        QCOMPARE(info->headCommit, git(repo, {QStringLiteral("rev-parse"), QStringLiteral("develop")}));
        QCOMPARE(info->defaultBase(), info->headCommit);
        QCOMPARE(info->dirtyCount, 2);
        QVERIFY(info->dirtyFiles.contains(QStringLiteral("new.txt")));
        QCOMPARE(info->warnings().size(), 1);
        QVERIFY(info->warnings().first().contains(QStringLiteral("not copied")));
    }

    void submodulesAndLfs()
    {
        const QString sub = path(QStringLiteral("lib"));
        QVERIFY(makeRepository(sub));
        const QString repo = path(QStringLiteral("withsub"));
        QVERIFY(makeRepository(
            repo, {{QStringLiteral(".gitattributes"), "*.bin filter=lfs diff=lfs merge=lfs -text\n"},
                   {QStringLiteral("big.bin"), "version https://git-lfs.github.com/spec/v1\n"
                                               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258"
                                               "daaa5e2ca24d17e2393\nsize 12345\n"}}));
        QVERIFY(!git(repo, {QStringLiteral("submodule"), QStringLiteral("add"), QStringLiteral("-q"), sub,
                            QStringLiteral("vendor/lib")})
                     .isNull());
        QVERIFY(
            !git(repo, {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("sub")}).isNull());
        auto info = RepositoryProbe::probe(repo);
        QVERIFY(info);
        QCOMPARE(info->submodules, QStringList{QStringLiteral("vendor/lib")});
        QVERIFY(info->usesLfs);
        QCOMPARE(info->lfsPointers, 1);
        QVERIFY(info->warnings().join(u' ').contains(QStringLiteral("LFS")));
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("make");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("nothing at this path");
        QTest::newRow("file") << QStringLiteral("file") << QStringLiteral("a file, not a repository");
        QTest::newRow("plain folder") << QStringLiteral("plain") << QStringLiteral("not a git repository");
        QTest::newRow("inside a repository")
            << QStringLiteral("inside") << QStringLiteral("inside the repository");
        QTest::newRow("no commits") << QStringLiteral("empty") << QStringLiteral("no commits yet");
    }

    void refusals()
    {
        QFETCH(QString, make);
        QFETCH(QString, reason);
        QString target = path(QStringLiteral("refused-") + make);
        if (make == QLatin1StringView("file")) {
            QVERIFY(writeFile(target, "x"));
        } else if (make == QLatin1StringView("plain")) {
            QVERIFY(QDir().mkpath(target));
        } else if (make == QLatin1StringView("inside")) {
            QVERIFY(makeRepository(target, {{QStringLiteral("src/main.c"), "int main;\n"}}));
            target += QStringLiteral("/src");
        } else if (make == QLatin1StringView("empty")) {
            QVERIFY(!git(m_dir.path(), {QStringLiteral("init"), QStringLiteral("-q"), target}).isNull());
        }
        auto info = RepositoryProbe::probe(target);
        QVERIFY(!info);
        QVERIFY2(info.error().message.contains(reason), qPrintable(info.error().text()));
        QVERIFY(!info.error().hint.isEmpty());
    }

    void featureNames()
    {
        QCOMPARE(RepositoryProbe::suggestFeatureName(QStringLiteral("/x/My App.git"), QDate(2026, 12, 1)),
                 QStringLiteral("my-app-20261201"));
        QCOMPARE(RepositoryProbe::suggestFeatureName(QStringLiteral("/x/..."), QDate(2026, 1, 2)),
                 QStringLiteral("work-20260102"));
        QVERIFY(RepositoryProbe::isValidFeatureName(QStringLiteral("login-fix_2")));
        for (const char *bad : {"", "-x", ".x", "a..b", "a/b", "x.lock", "a b", "x."})
            QVERIFY2(!RepositoryProbe::isValidFeatureName(QString::fromLatin1(bad)), bad);
        QCOMPARE(RepositoryProbe::sanitize(QStringLiteral("Ünïcode / Name..lock")),
                 QStringLiteral("n-code-name"));
    }
};

QTEST_APPLESS_MAIN(TestRepositoryProbe)
#include "test_repository_probe.moc"
