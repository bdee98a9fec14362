#include "config/AtomicFile.h"
#include "config/Paths.h"
#include "config/Settings.h"
#include "engine/ConfigWriter.h"
#include "engine/Engine.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;

namespace {
void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
}
} // namespace

class TestSettings : public QObject
{
    Q_OBJECT

private slots:
    void defaultsWhenNoFile()
    {
        QTemporaryDir dir;
        Settings s(dir.filePath(QStringLiteral("settings.json")));
        QVERIFY(s.load().has_value());
        QVERIFY(s.isWritable());
        QCOMPARE(s.closeToTray(), true);
        QCOMPARE(s.closeToTrayNoticeShown(), false);
        QVERIFY(s.mainWindowGeometry().isEmpty());
        QVERIFY(s.currentPage().isEmpty());
        QVERIFY(!QFile::exists(s.filePath())); // reading defaults writes nothing
    }

    void changeSignalOnlyOnRealChange()
    {
        QTemporaryDir dir;
        Settings s(dir.filePath(QStringLiteral("settings.json")));
        QSignalSpy spy(&s, &Settings::changed);
        s.setCloseToTray(true); // already the default
        QCOMPARE(spy.count(), 0);
        s.setCloseToTray(false);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<Settings::Key>(), Settings::Key::CloseToTray);
        s.setCloseToTray(false);
        QCOMPARE(spy.count(), 1);
    }

    void persistsAcrossInstancesWithVersion()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.json"));
        const QByteArray geometry("\x01\x02\xff binary", 11);
        {
            Settings s(path);
            QVERIFY(s.load().has_value());
            s.setCloseToTray(false);
            s.setValue(Settings::Key::MainWindowGeometry, geometry);
            s.setValue(Settings::Key::CurrentPage, QStringLiteral("log"));
        } // destruction flushes
        const QJsonObject stored = QJsonDocument::fromJson(AtomicFile::read(path).value()).object();
        QCOMPARE(stored.value(QStringLiteral("version")).toInt(), Settings::SchemaVersion);
        Settings again(path);
        QVERIFY(again.load().has_value());
        QCOMPARE(again.closeToTray(), false);
        QCOMPARE(again.mainWindowGeometry(), geometry);
        QCOMPARE(again.currentPage(), QStringLiteral("log"));
    }

    void savesShortlyAfterAChange()
    {
        QTemporaryDir dir;
        Settings s(dir.filePath(QStringLiteral("settings.json")));
        s.setCloseToTray(false);
        QVERIFY(!QFile::exists(s.filePath()));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(s.filePath()), 5000);
        Settings other(s.filePath());
        QVERIFY(other.load().has_value());
        QCOMPARE(other.closeToTray(), false);
    }

    void keepsKeysFromNewerVersionsOfTheSameSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.json"));
        writeFile(path, R"({"version": 1, "closeToTray": false, "someFutureKey": [1, 2]})");
        {
            Settings s(path);
            QVERIFY(s.load().has_value());
            s.setValue(Settings::Key::CurrentPage, QStringLiteral("log"));
        }
        const QJsonObject stored = QJsonDocument::fromJson(AtomicFile::read(path).value()).object();
        QVERIFY(stored.contains(QStringLiteral("someFutureKey")));
        QCOMPARE(stored.value(QStringLiteral("currentPage")).toString(), QStringLiteral("log"));
        // The version replaced is kept beside it.
        QVERIFY(AtomicFile::read(AtomicFile::backupPath(path)).value().contains("someFutureKey"));
    }

    void badFilesAreReportedAndLeftUntouched_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("where");    // expected line:column suffix
        QTest::addColumn<QString>("mentions"); // the message names this
        QTest::newRow("syntax") << QByteArray("{\n  \"version\": 1,\n  \"closeToTray\": tru\n}\n")
                                << QStringLiteral(":3:18") << QStringLiteral("JSON");
        QTest::newRow("missing comma") << QByteArray("{\n  \"version\": 1\n  \"closeToTray\": true\n}\n")
                                       << QStringLiteral(":3:3") << QStringLiteral("JSON");
        QTest::newRow("not an object")
            << QByteArray("[1]") << QStringLiteral(":1:1") << QStringLiteral("object");
        QTest::newRow("no version") << QByteArray("{\"closeToTray\": true}") << QStringLiteral(":1:1")
                                    << QStringLiteral("version");
        QTest::newRow("newer version")
            << QByteArray("{\n\"version\": 99}") << QStringLiteral(":2:1") << QStringLiteral("newer");
        QTest::newRow("wrong type") << QByteArray("{\"version\": 1,\n\n   \"closeToTray\": \"yes\"}")
                                    << QStringLiteral(":3:4") << QStringLiteral("closeToTray");
        QTest::newRow("control character in a key")
            << QByteArray("{\"version\": 1,\n \"currentPage\0x\": \"log\"}", 39) << QStringLiteral(":2:2")
            << QStringLiteral("control character");
        QTest::newRow("bad base64") << QByteArray("{\"version\": 1, \"mainWindowGeometry\": \"!!!\"}")
                                    << QStringLiteral(":1:16") << QStringLiteral("mainWindowGeometry");
    }

    void badFilesAreReportedAndLeftUntouched()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, where);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.json"));
        writeFile(path, content);

        Settings s(path);
        const auto result = s.load();
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, Error::Code::Parse);
        QVERIFY2(result.error().where.startsWith(path + where), qPrintable(result.error().where));
        QVERIFY2(result.error().message.contains(mentions, Qt::CaseInsensitive),
                 qPrintable(result.error().message));
        QVERIFY(!result.error().hint.isEmpty()); // says what to do
        QVERIFY(!s.isWritable());
        QCOMPARE(s.closeToTray(), true); // defaults apply

        // Changes this session never overwrite the broken file.
        s.setCloseToTray(false);
        QVERIFY(s.flush().has_value());
        QCOMPARE(AtomicFile::read(path).value(), content);
    }

    void aBrokenFileBecomesAnEngineProblem()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("settings.json")), "{\"version\": 1,\n\"closeToTray\": 3}");
        Engine engine;
        engine.start();
        Settings s(dir.filePath(QStringLiteral("settings.json")));
        engine.loadSettings(s);
        QTRY_COMPARE(engine.state(), Engine::State::Degraded);
        QCOMPARE(engine.problems().size(), 1);
        QVERIFY(engine.problems().first().where.endsWith(QStringLiteral("settings.json:2:1")));
    }

    void configDirOverride()
    {
        QTemporaryDir dir;
        Paths::setConfigDirOverride(dir.path());
        QCOMPARE(Settings::defaultFilePath(), dir.filePath(QStringLiteral("settings.json")));
        Paths::setConfigDirOverride({});
        qputenv("PADDOCK_CONFIG_DIR", dir.filePath(QStringLiteral("env")).toUtf8());
        QCOMPARE(Paths::configDir(), dir.filePath(QStringLiteral("env")));
        qunsetenv("PADDOCK_CONFIG_DIR");
        QVERIFY(Paths::configDir().endsWith(QStringLiteral("/paddock")));
        QVERIFY(Paths::configDir().startsWith(qEnvironmentVariable("XDG_CONFIG_HOME")));
    }

    void writesThroughTheEngineConfigThread()
    {
        QTemporaryDir dir;
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        Settings s(dir.filePath(QStringLiteral("settings.json")));
        QSignalSpy written(engine.configWriter(), &ConfigWriter::written);
        s.setWriter([&engine](const QString &path, const QByteArray &data) {
            engine.configWriter()->write(path, data);
        });
        s.setCloseToTray(false);
        QVERIFY(s.flush().has_value());
        QVERIFY(written.wait(5000));
        QCOMPARE(written.at(0).at(0).toString(), s.filePath());
        Settings other(s.filePath());
        QVERIFY(other.load().has_value());
        QCOMPARE(other.closeToTray(), false);
    }

    void writeFailureBecomesAnEngineProblem()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("blocker")), "x");
        Engine engine;
        engine.start();
        QTRY_COMPARE(engine.state(), Engine::State::Running);
        Settings s(dir.filePath(QStringLiteral("blocker/settings.json")));
        s.setWriter([&engine](const QString &path, const QByteArray &data) {
            engine.configWriter()->write(path, data);
        });
        s.setCloseToTray(false);
        QVERIFY(s.flush().has_value());
        QTRY_COMPARE(engine.state(), Engine::State::Degraded);
        QCOMPARE(engine.problems().size(), 1);
        QVERIFY(engine.problems().first().text().contains(QStringLiteral("blocker")));
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "test_settings.moc"
