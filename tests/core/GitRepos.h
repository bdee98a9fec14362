#pragma once
// For the workspace tests: real repositories made with the git command line.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

// Runs git in `dir`; its standard output (trimmed), or a null string when it failed.
inline QString git(const QString &dir, const QStringList &args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const auto &[k, v] :
         {std::pair{"GIT_AUTHOR_NAME", "Test"}, std::pair{"GIT_AUTHOR_EMAIL", "test@example.org"},
          std::pair{"GIT_COMMITTER_NAME", "Test"}, std::pair{"GIT_COMMITTER_EMAIL", "test@example.org"},
          std::pair{"GIT_CONFIG_NOSYSTEM", "1"}})
        env.insert(QString::fromLatin1(k), QString::fromLatin1(v));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("git"),
            QStringList{QStringLiteral("-c"), QStringLiteral("init.defaultBranch=main"), QStringLiteral("-c"),
                        QStringLiteral("protocol.file.allow=always"), QStringLiteral("-c"),
                        QStringLiteral("safe.directory=*")} +
                args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning("git %s failed: %s", qPrintable(args.join(u' ')), p.readAllStandardError().constData());
        return {};
    }
    const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    return out.isNull() ? QStringLiteral("") : out;
}

inline bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

// A work tree at `dir` with two commits on main, a branch `develop`, and the files given.
inline bool makeRepository(const QString &dir, const QList<std::pair<QString, QByteArray>> &files = {})
{
    if (git(QDir::tempPath(), {QStringLiteral("init"), QStringLiteral("-q"), dir}).isNull())
        return false;
    if (!writeFile(dir + QStringLiteral("/README"), "hello\n"))
        return false;
    for (const auto &[name, data] : files)
        if (!writeFile(dir + u'/' + name, data))
            return false;
    return !git(dir, {QStringLiteral("add"), QStringLiteral("-A")}).isNull() &&
           !git(dir, {QStringLiteral("commit"), QStringLiteral("-qm"), QStringLiteral("first")}).isNull() &&
           !git(dir, {QStringLiteral("branch"), QStringLiteral("develop")}).isNull() &&
           writeFile(dir + QStringLiteral("/README"), "hello again\n") &&
           !git(dir, {QStringLiteral("commit"), QStringLiteral("-qam"), QStringLiteral("second")}).isNull();
}
