// Copying a repository into a workspace (WorkspaceBuilder: the mirror and the workspace's own copy
// and checkout) against `git clone --no-hardlinks` of the same repository, on a generated
// repository of incompressible blobs with history (default 200 MB). Prints the median of each and
// the ratio (the target is at most 1.5).
//   bench_workspace [--megabytes N] [--runs N] [--dir DIR]
#include "repo/WorkspaceBuilder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace paddock;

namespace {

bool run(const QString &dir, const QStringList &args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(QStringLiteral("git"),
            QStringList{QStringLiteral("-c"), QStringLiteral("user.name=Bench"), QStringLiteral("-c"),
                        QStringLiteral("user.email=bench@example.org"), QStringLiteral("-c"),
                        QStringLiteral("init.defaultBranch=main")} +
                args);
    return p.waitForFinished(-1) && p.exitCode() == 0;
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption megabytes(QStringLiteral("megabytes"), QStringLiteral("Repository size."),
                                       QStringLiteral("N"), QStringLiteral("200"));
    const QCommandLineOption runs(QStringLiteral("runs"), QStringLiteral("Runs of each."),
                                  QStringLiteral("N"), QStringLiteral("5"));
    const QCommandLineOption dir(QStringLiteral("dir"), QStringLiteral("Where to work (a real disk)."),
                                 QStringLiteral("DIR"), QDir::tempPath());
    parser.addOptions({megabytes, runs, dir});
    parser.process(app);

    QTemporaryDir work(parser.value(dir) + QStringLiteral("/paddock-bench-workspace-XXXXXX"));
    const QString source = work.filePath(QStringLiteral("source"));
    if (!run(work.path(), {QStringLiteral("init"), QStringLiteral("-q"), source}))
        return 1;
    // Incompressible blobs of 1 MB, five per commit, some files changed again later (history).
    const int files = std::max(1, parser.value(megabytes).toInt());
    QByteArray blob(1024 * 1024, Qt::Uninitialized);
    for (int i = 0; i < files; ++i) {
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(blob.data()), blob.size() / 4);
        const int name = i % 5 == 4 && i > 10 ? i - 10 : i; // every fifth rewrites an older file
        QFile f(source + QStringLiteral("/data/%1.bin").arg(name));
        QDir().mkpath(source + QStringLiteral("/data"));
        if (!f.open(QIODevice::WriteOnly) || f.write(blob) != blob.size())
            return 1;
        f.close();
        if (i % 5 == 4 || i == files - 1) {
            if (!run(source, {QStringLiteral("add"), QStringLiteral("-A")}) ||
                !run(source,
                     {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("step %1").arg(i)}))
                return 1;
        }
    }
    if (!run(source, {QStringLiteral("repack"), QStringLiteral("-adq"), QStringLiteral("--window=0")}))
        return 1;
    std::printf("repository: %d MB of blobs, packed\n", files);

    QList<double> paddockMs, gitMs;
    for (int r = 0; r < parser.value(runs).toInt(); ++r) {
        const QString data = work.filePath(QStringLiteral("data-%1").arg(r));
        QElapsedTimer t;
        t.start();
        int phase = -1;
        QString phases;
        auto made = WorkspaceBuilder(data).create(
            {source, QStringLiteral("bench"), QStringLiteral("run%1").arg(r), {}, {}},
            [&](const WorkspaceProgress &p) {
                if (int(p.phase) != phase) {
                    phase = int(p.phase);
                    phases += QStringLiteral(" %1@%2ms").arg(phase).arg(t.elapsed());
                }
            });
        paddockMs << double(t.nsecsElapsed()) / 1e6;
        std::printf("phases (0 mirror, 1 copy, 2 checkout):%s\n", qPrintable(phases));
        if (!made) {
            std::fprintf(stderr, "%s\n", qPrintable(made.error().text()));
            return 1;
        }
        QDir(data).removeRecursively();

        const QString clone = work.filePath(QStringLiteral("clone-%1").arg(r));
        t.restart();
        if (!run(work.path(), {QStringLiteral("clone"), QStringLiteral("-q"),
                               QStringLiteral("--no-hardlinks"), source, clone}))
            return 1;
        gitMs << double(t.nsecsElapsed()) / 1e6;
        QDir(clone).removeRecursively();
        std::printf("run %d: workspace %.0f ms, git clone --no-hardlinks %.0f ms\n", r + 1, paddockMs.last(),
                    gitMs.last());
    }
    const double p = median(paddockMs), g = median(gitMs);
    std::printf("median: workspace %.0f ms, git clone --no-hardlinks %.0f ms, ratio %.2f (target <= 1.5)\n",
                p, g, p / g);
    return 0;
}
