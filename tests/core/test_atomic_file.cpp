#include "config/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

class TestAtomicFile : public QObject
{
    Q_OBJECT

private slots:
    void writesNewFileAndCreatesFolders()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a/b/c.json"));
        QVERIFY(AtomicFile::write(path, "one").has_value());
        QCOMPARE(AtomicFile::read(path).value(), QByteArray("one"));
        QVERIFY(!QFile::exists(AtomicFile::backupPath(path))); // nothing was replaced
    }

    void keepsThePreviousVersion()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.json"));
        QVERIFY(AtomicFile::write(path, "one").has_value());
        QVERIFY(AtomicFile::write(path, "two").has_value());
        QCOMPARE(AtomicFile::read(path).value(), QByteArray("two"));
        QCOMPARE(AtomicFile::read(AtomicFile::backupPath(path)).value(), QByteArray("one"));
        QVERIFY(AtomicFile::write(path, "three").has_value());
        QCOMPARE(AtomicFile::read(AtomicFile::backupPath(path)).value(), QByteArray("two"));
        // No temporary files are left beside it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);
    }

    void failureOnAFileInTheWay()
    {
        // A regular file where the folder should be: the write fails, says where, changes nothing.
        QTemporaryDir dir;
        QFile blocker(dir.filePath(QStringLiteral("notadir")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.write("x");
        blocker.close();
        const QString path = dir.filePath(QStringLiteral("notadir/c.json"));
        const auto result = AtomicFile::write(path, "data");
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, Error::Code::Io);
        QVERIFY(result.error().text().contains(QStringLiteral("notadir")));
        QCOMPARE(AtomicFile::read(blocker.fileName()).value(), QByteArray("x"));
    }

    void readingMissingFileIsNotFound()
    {
        QTemporaryDir dir;
        const auto result = AtomicFile::read(dir.filePath(QStringLiteral("nope")));
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, Error::Code::NotFound);
    }
};

QTEST_APPLESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
