// jobs.json as a user edits it: every field read back as written, each kind of mistake reported at
// its file:line:column (a schedule's error at its column inside the string), a broken file left
// untouched and never overwritten, changes validated and written atomically with the previous
// version kept.
#include "config/AtomicFile.h"
#include "scheduler/JobStore.h"

#include <QFile>

#include <cmath>
#include <QTemporaryDir>
#include <QTest>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

Job nightly()
{
    Job j;
    j.name = u"nightly-tests"_s;
    j.persona = u"agent"_s;
    j.repository = u"/home/ada/src/app"_s;
    j.prompt = u"Write the missing tests for src/parser.c."_s;
    j.schedule = u"30 2 * * 1-5"_s;
    j.timeZone = u"Europe/Berlin"_s;
    return j;
}

QByteArray fileWith(const QByteArray &job)
{
    return "{\n  \"version\": 1,\n  \"jobs\": [\n    " + job + "\n  ]\n}\n";
}

} // namespace

class TestJobStore : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsEveryField()
    {
        Job j = nightly();
        j.baseBranch = u"develop"_s;
        j.agent = u"codex"_s;
        j.model = u"gpt-5-codex"_s;
        j.effort = u"high"_s;
        j.timeoutMinutes = 90;
        j.softTokens = 100000;
        j.hardTokens = 200000;
        j.softCostUsd = 1.5;
        j.hardCostUsd = 3;
        j.overlap = Job::Overlap::Replace;
        j.catchUp = Job::CatchUp::All;
        j.catchUpLimit = 3;
        j.maxLatenessMinutes = 60;
        j.retries = 1;
        j.failureThreshold = 4;
        j.enabled = false;
        j.disabledReason = u"failed 4 times in a row"_s;
        Job c = nightly();
        c.name = u"deps"_s;
        c.prompt.clear();
        c.command = {u"make"_s, u"update-deps"_s};
        c.schedule = u"on start"_s;
        const auto back = JobStore::parse(JobStore::serialize({j, c}), u"jobs.json"_s);
        QVERIFY2(back, qPrintable(back ? QString() : back.error().text()));
        QCOMPARE(back->size(), 2);
        QCOMPARE(back->at(0), j);
        QCOMPARE(back->at(1), c);
    }

    void mistakesAreReportedWhereTheyAre_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("says");
        const QByteArray base = R"("name": "n", "persona": "agent", "repository": "/r", "prompt": "p", )";
        QTest::newRow("not JSON") << QByteArray("{\n  \"version\": 1,\n  \"jobs\": [ { ] }\n") << "jobs.json:3:"
                                  << "not valid JSON";
        QTest::newRow("newer") << QByteArray("{\"version\": 7, \"jobs\": []}") << "jobs.json:1:2" << "newer Paddock";
        QTest::newRow("missing schedule") << fileWith("{" + base + R"("timeZone": "UTC"})") << "jobs.json:4:5"
                                          << "has no \"schedule\"";
        // The error's column points inside the string, at "61".
        QTest::newRow("schedule's column")
            << fileWith("{" + base + R"("schedule": "0 61 * * *", "timeZone": "UTC"})") << "jobs.json:4:89"
            << "61 is out of range for the hour field";
        QTest::newRow("six fields") << fileWith("{" + base + R"("schedule": "0 0 0 * * *", "timeZone": "UTC"})")
                                    << "jobs.json:4:97" << "seconds or years";
        QTest::newRow("zone") << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "Mars/Base"})")
                              << "jobs.json:4:96" << "unknown time zone \"Mars/Base\"";
        QTest::newRow("overlap") << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "overlap": "queue"})")
                                 << "jobs.json:4:" << "use forbid, allow or replace";
        QTest::newRow("timeout") << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "timeoutMinutes": 0})")
                                 << "jobs.json:4:" << "from 1 minute to 7 days";
        QTest::newRow("both prompt and command")
            << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "command": ["make"]})") << "jobs.json:4:"
            << "not both";
        QTest::newRow("bad name") << fileWith(R"({"name": "Nightly!", "persona": "agent", "repository": "/r", "prompt": "p", "schedule": "@daily", "timeZone": "UTC"})")
                                  << "jobs.json:4:6" << "not a job name";
        QTest::newRow("soft above hard")
            << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "budget": {"softTokens": 9, "hardTokens": 5}})")
            << "jobs.json:4:" << "never warn";
        QTest::newRow("effort") << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "effort": "extreme"})")
                                << "jobs.json:4:" << "the effort \"extreme\" is not one of";
        QTest::newRow("agent") << fileWith("{" + base + R"("schedule": "@daily", "timeZone": "UTC", "agent": "gemini"})")
                               << "jobs.json:4:" << "unknown agent \"gemini\"";
    }
    void mistakesAreReportedWhereTheyAre()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, where);
        QFETCH(QString, says);
        const auto parsed = JobStore::parse(text, u"jobs.json"_s);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().where.startsWith(where), qPrintable(parsed.error().where));
        QVERIFY2(parsed.error().message.contains(says), qPrintable(parsed.error().message));
        QVERIFY(!parsed.error().hint.isEmpty());
    }

    void twoJobsWithOneName()
    {
        const QByteArray one = JobStore::serialize({nightly(), nightly()});
        const auto parsed = JobStore::parse(one, u"jobs.json"_s);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message.contains(u"two jobs are named"_s), qPrintable(parsed.error().message));
    }

    void aBrokenFileIsLeftAloneAndNeverOverwritten()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"jobs.json"_s);
        const QByteArray broken = fileWith(R"({"name": "x"})");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(broken);
        }
        JobStore store(path);
        QVERIFY(!store.load());
        QVERIFY(!store.isWritable());
        const auto added = store.add(nightly());
        QVERIFY(!added);
        QVERIFY2(added.error().hint.contains(u"jobs.json:4:5"_s), qPrintable(added.error().text()));
        QCOMPARE(*AtomicFile::read(path), broken);
    }

    void changesAreValidatedAndKeepThePreviousVersion()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"jobs.json"_s);
        JobStore store(path);
        QVERIFY(store.load()); // missing: no jobs
        QVERIFY(store.jobs().isEmpty());
        QVERIFY(store.add(nightly()));
        const QByteArray first = *AtomicFile::read(path);

        Job bad = nightly();
        bad.schedule = u"0 0 * * * *"_s;
        const auto refused = store.update(bad.name, bad);
        QVERIFY(!refused);
        QVERIFY(refused.error().message.contains(u"6 fields"_s));
        QCOMPARE(*AtomicFile::read(path), first);
        // What the file could not be read back with is not written either.
        for (double cost : {std::nan(""), 2e6, -1.0}) {
            Job costly = nightly();
            costly.hardCostUsd = cost;
            QVERIFY(!store.update(costly.name, costly));
        }
        Job greedy = nightly();
        greedy.hardTokens = 2000000000000LL;
        QVERIFY(!store.update(greedy.name, greedy));
        QCOMPARE(*AtomicFile::read(path), first);

        QVERIFY(store.setEnabled(u"nightly-tests"_s, false, u"failed 5 times in a row"_s));
        QCOMPARE(*AtomicFile::read(AtomicFile::backupPath(path)), first);
        JobStore again(path);
        QVERIFY(again.load());
        QCOMPARE(again.find(u"nightly-tests"_s)->disabledReason, u"failed 5 times in a row"_s);
        QVERIFY(again.setEnabled(u"nightly-tests"_s, true));
        QVERIFY(again.find(u"nightly-tests"_s)->disabledReason.isEmpty());
        QVERIFY(!again.add(nightly())); // the name is taken
        QVERIFY(again.remove(u"nightly-tests"_s));
        QVERIFY(!again.remove(u"nightly-tests"_s));
        QVERIFY(again.jobs().isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestJobStore)
#include "test_job_store.moc"
