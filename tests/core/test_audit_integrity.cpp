// The audit log's promises against real failures: a writer killed at random moments loses no
// acknowledged event, tampering of every kind is reported precisely (library and CLI), and a
// full disk fails closed and recovers with nothing lost.
#include "audit/AuditReader.h"
#include "audit/AuditSchema.h"
#include "audit/AuditStore.h"
#include "audit/AuditVerifier.h"
#include "engine/Engine.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <csignal>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

using namespace paddock;
using Problem = AuditVerification::Problem;

namespace {
QString childPath()
{
    return qEnvironmentVariable("AUDIT_WRITER_CHILD");
}

void sql(const QString &db, const char *statement)
{
    sqlite3 *h = nullptr;
    QCOMPARE(sqlite3_open(db.toUtf8().constData(), &h), SQLITE_OK);
    char *message = nullptr;
    const int rc = sqlite3_exec(h, statement, nullptr, nullptr, &message);
    QVERIFY2(rc == SQLITE_OK, message ? message : "sqlite3_exec failed");
    sqlite3_close(h);
}

AuditVerification verified(const QString &db)
{
    auto v = AuditVerifier::verify(db, AuditStore::headPathFor(db));
    if (!v)
        qWarning().noquote() << v.error().text();
    return v.value_or(AuditVerification{});
}
} // namespace

class TestAuditIntegrity : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // A log of `count` events, closed (so the database is one file beside its head file).
    QString makeLog(const QString &name, int count)
    {
        const QString path = m_dir.filePath(name + QStringLiteral("/audit.db"));
        QDir().mkpath(QFileInfo(path).path());
        AuditStore store(path);
        if (!store.start())
            return {};
        for (int i = 0; i < count; ++i) {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = i % 2 ? QStringLiteral("agent") : QStringLiteral("web");
            e.action = QStringLiteral("connect");
            e.resource = QStringLiteral("host%1.example.com:443").arg(i);
            e.decision = i % 5 ? AuditEvent::Decision::Allow : AuditEvent::Decision::Deny;
            e.policies = {QStringLiteral("policy%1").arg(i % 4)};
            e.setDetails({{QStringLiteral("n"), i}});
            store.append(std::move(e));
        }
        QElapsedTimer clock;
        clock.start();
        while (store.lastSeq() < count && clock.elapsed() < 10000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        store.stop();
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(childPath()), "AUDIT_WRITER_CHILD must name the audit_writer_child helper");
    }

    void killedWriterLosesNoAcknowledgedEvent()
    {
        const QString db = m_dir.filePath(QStringLiteral("crash/audit.db"));
        QDir().mkpath(QFileInfo(db).path());
        qint64 base = 0;
        qint64 totalAcked = 0;
        for (int round = 0; round < 24; ++round) {
            QProcess child;
            child.setProcessChannelMode(QProcess::SeparateChannels);
            child.start(childPath(), {db});
            QVERIFY(child.waitForStarted());
            // Killed at a random moment once it is writing: 0 to 400 ms after its first acknowledgment
            // (at once in the first round, before the head thread has written anything of its own).
            QByteArray output;
            while (output.count('\n') < 2 && child.waitForReadyRead(10000))
                output += child.readAllStandardOutput();
            QVERIFY2(output.count('\n') >= 2, "the writer acknowledged nothing within 10 s");
            const int delay = round == 0 ? 0 : int(QRandomGenerator::global()->bounded(400));
            if (delay > 0)
                QTest::qWait(delay);
            ::kill(pid_t(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(10000));
            output += child.readAllStandardOutput();
            const QList<QByteArray> lines = output.split('\n');
            QVERIFY2(lines.value(0) == "started", "the writer did not start");
            qint64 maxAcked = base;
            for (const QByteArray &l : lines.mid(1)) {
                bool ok = false;
                const qint64 seq = l.toLongLong(&ok);
                if (!ok)
                    continue; // the last line may be cut off by the kill
                QVERIFY2(seq > maxAcked, "acknowledgments come in order");
                maxAcked = seq;
            }
            QVERIFY(maxAcked > base);

            // Every acknowledged event is there, the survivors form a gap-free prefix, the chain holds.
            const AuditVerification v = verified(db);
            QVERIFY2(v.ok(), qPrintable(QStringLiteral("round %1: %2").arg(round).arg(v.summary())));
            QVERIFY2(v.lastSeq >= maxAcked,
                     qPrintable(QStringLiteral("round %1: acknowledged %2, log ends at %3")
                                    .arg(round)
                                    .arg(maxAcked)
                                    .arg(v.lastSeq)));
            QCOMPARE(v.checked, v.lastSeq); // 1..lastSeq, no gap
            auto reader = AuditReader::open(db);
            QVERIFY(reader);
            // The child numbers its events 1, 2, …: event base + n is its n-th.
            for (qint64 seq : {base + 1, (base + maxAcked) / 2 + 1, maxAcked}) {
                auto e = reader->event(seq);
                QVERIFY(e);
                QCOMPARE(e->detailsObject().value(QStringLiteral("n")).toInteger(), seq - base);
            }
            totalAcked += maxAcked - base;
            base = v.lastSeq;
        }
        qInfo("%lld events acknowledged over 24 kills; log holds %lld", static_cast<long long>(totalAcked),
              static_cast<long long>(base));
    }

    void tamperingIsReportedPrecisely_data()
    {
        QTest::addColumn<QByteArray>("statement");
        QTest::addColumn<int>("problem");
        QTest::addColumn<qint64>("firstBad");
        QTest::newRow("modify a field")
            << QByteArray("UPDATE events SET resource = 'evil.example.com:443' WHERE seq = 42")
            << int(Problem::Modified) << qint64(42);
        QTest::newRow("modify a decision")
            << QByteArray("UPDATE events SET decision = 'allow' WHERE seq = 51") << int(Problem::Modified)
            << qint64(51);
        QTest::newRow("rewrite a row and its hash")
            << QByteArray() << int(Problem::Modified) << qint64(60); // done in code below: hash recomputed
        QTest::newRow("change a column's type")
            << QByteArray("UPDATE events SET time_us = 'soon', prev_hash = 7 WHERE seq = 20")
            << int(Problem::Modified) << qint64(20);
        QTest::newRow("delete a row")
            << QByteArray("DELETE FROM events WHERE seq = 77") << int(Problem::Missing) << qint64(77);
        QTest::newRow("delete a range") << QByteArray("DELETE FROM events WHERE seq BETWEEN 10 AND 19")
                                        << int(Problem::Missing) << qint64(10);
        QTest::newRow("swap two rows") << QByteArray("UPDATE events SET seq = -1 WHERE seq = 30; "
                                                     "UPDATE events SET seq = 30 WHERE seq = 31; "
                                                     "UPDATE events SET seq = 31 WHERE seq = -1;")
                                       << int(Problem::Reordered) << qint64(30);
        QTest::newRow("cut off the newest rows")
            << QByteArray("DELETE FROM events WHERE seq > 95") << int(Problem::Truncated) << qint64(96);
        QTest::newRow("delete the first rows")
            << QByteArray("DELETE FROM events WHERE seq <= 5") << int(Problem::Missing) << qint64(1);
        QTest::newRow("fake a pruning record")
            << QByteArray("DELETE FROM events WHERE seq <= 5; INSERT INTO meta VALUES ('pruned_through', 5), "
                          "('pruned_hash', "
                          "(SELECT hex(prev_hash) FROM events WHERE seq = 6));")
            << int(Problem::PruneMismatch) << qint64(6);
    }

    void tamperingIsReportedPrecisely()
    {
        QFETCH(QByteArray, statement);
        QFETCH(int, problem);
        QFETCH(qint64, firstBad);
        const QString db = makeLog(
            QStringLiteral("tamper-%1").arg(QString::fromUtf8(QTest::currentDataTag())).replace(u' ', u'-'),
            100);
        QVERIFY(!db.isEmpty());
        QVERIFY2(verified(db).ok(), "the fresh log verifies");
        if (statement.isEmpty()) {
            // A careful forger: change event 60 and give it a valid hash of its own.
            auto reader = AuditReader::open(db);
            AuditEvent e = *reader->event(60);
            e.resource = QStringLiteral("evil.example.com:443");
            e.hash = e.computeHash();
            statement =
                QStringLiteral(
                    "UPDATE events SET resource = 'evil.example.com:443', hash = x'%1' WHERE seq = 60")
                    .arg(QString::fromLatin1(e.hash.toHex()))
                    .toUtf8();
        }
        sql(db, statement.constData());
        const AuditVerification v = verified(db);
        QVERIFY2(!v.ok(), "tampering goes unnoticed");
        QCOMPARE(int(v.findings.first().problem), problem);
        QCOMPARE(v.firstBadSeq(), firstBad);

        // The command line says the same and exits non-zero.
        QProcess cli;
        cli.start(qEnvironmentVariable("PADDOCKCTL"),
                  {QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--database"), db});
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitCode(), 1);
        const QString output = QString::fromUtf8(cli.readAllStandardOutput());
        QVERIFY2(output.contains(QStringLiteral("first bad event %1 (%2)")
                                     .arg(firstBad)
                                     .arg(AuditVerification::problemName(Problem(problem)))),
                 qPrintable(output));
    }

    void verifyingAMissingLogSaysSo()
    {
        QProcess cli;
        cli.start(qEnvironmentVariable("PADDOCKCTL"),
                  {QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--database"),
                   m_dir.filePath(QStringLiteral("none/audit.db"))});
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitCode(), 2);
        const QString output = QString::fromUtf8(cli.readAllStandardError());
        QVERIFY2(output.contains(QStringLiteral("there is no audit log yet")), qPrintable(output));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("none/audit.db")))); // and none is made
    }

    void editedOrMissingHeadFileIsReported()
    {
        const QString db = makeLog(QStringLiteral("head"), 50);
        const QString head = AuditStore::headPathFor(db);
        auto h = auditschema::readHead(head);
        QVERIFY(h);
        QCOMPARE(h->seq, 50);

        // Another hash for the newest event.
        QByteArray other = h->hash;
        other[0] = char(other[0] ^ 0x55);
        QFile f(head);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(auditschema::headText({50, other}));
        f.close();
        AuditVerification v = verified(db);
        QCOMPARE(int(v.findings.value(0).problem), int(Problem::HeadMismatch));
        QCOMPARE(v.firstBadSeq(), 50);

        // A head that claims more events than there are: they were cut off.
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(auditschema::headText({70, other}));
        f.close();
        v = verified(db);
        QCOMPARE(int(v.findings.value(0).problem), int(Problem::Truncated));
        QCOMPARE(v.firstBadSeq(), 51);

        // Garbage, then nothing.
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{ not a head");
        f.close();
        v = verified(db);
        QCOMPARE(int(v.findings.value(0).problem), int(Problem::HeadMissing));
        QVERIFY(QFile::remove(head));
        v = verified(db);
        QCOMPARE(int(v.findings.value(0).problem), int(Problem::HeadMissing));
        QVERIFY(v.summary().contains(QStringLiteral("50")));

        // A store that opens a log whose head is missing says so where the user looks.
        AuditStore store(db);
        QSignalSpy problems(&store, &AuditStore::problem);
        QVERIFY(store.start());
        QCOMPARE(problems.count(), 1);
        QCOMPARE(problems.first().at(0).toString(), QStringLiteral("audit-integrity"));
        store.stop();
    }

    void fullDiskFailsClosedAndRecovers()
    {
        QVERIFY2(::geteuid() == 0,
                 "this test mounts a small tmpfs and needs root (scripts/test runs as root)");
        const QString mountPoint = m_dir.filePath(QStringLiteral("full"));
        QVERIFY(QDir().mkpath(mountPoint));
        QVERIFY2(::mount("tmpfs", mountPoint.toLocal8Bit().constData(), "tmpfs", 0, "size=8m") == 0,
                 qPrintable(QStringLiteral("mount tmpfs: %1").arg(QString::fromLocal8Bit(strerror(errno)))));
        auto unmount = qScopeGuard([&] { ::umount2(mountPoint.toLocal8Bit().constData(), MNT_DETACH); });
        qputenv("PADDOCK_DATA_DIR", mountPoint.toLocal8Bit());

        Engine engine;
        QSignalSpy health(&engine, &Engine::healthChanged);
        engine.start();
        QTRY_VERIFY(engine.state() != Engine::State::Starting);
        for (const Error &p : engine.problems())
            qWarning().noquote() << "problem:" << p.text();
        QCOMPARE(engine.state(), Engine::State::Running);
        AuditStore &store = *engine.auditStore();
        QCOMPARE(store.databasePath(), mountPoint + QStringLiteral("/audit.db"));
        QTRY_VERIFY(store.lastSeq() >= 1); // engine.start

        // Fill the disk to the last byte.
        const QString filler = mountPoint + QStringLiteral("/filler");
        {
            QFile f(filler);
            QVERIFY(f.open(QIODevice::WriteOnly));
            const QByteArray block(4096, 'x');
            while (f.write(block) == block.size() && f.flush()) {
            }
        }
        QSignalSpy writable(&store, &AuditStore::writableChanged);
        const QByteArray big(1000, 'y');
        const int count = 1500;
        for (int i = 0; i < count; ++i) {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = QStringLiteral("agent");
            e.action = QStringLiteral("connect");
            e.resource = QStringLiteral("host%1.example.com:443").arg(i);
            e.setDetails({{QStringLiteral("n"), i}, {QStringLiteral("padding"), QString::fromLatin1(big)}});
            store.append(std::move(e));
        }
        QTRY_VERIFY_WITH_TIMEOUT(engine.isAuditFailing(), 10000);
        QCOMPARE(writable.first().at(0).toBool(), false);
        QCOMPARE(engine.health(), Engine::Health::Error);
        QVERIFY(!store.admits(AuditFailMode::Closed));
        QVERIFY(store.admits(AuditFailMode::Open));
        QVERIFY(!store.admits(defaultAuditFailMode(u"restricted")));
        QVERIFY(store.admits(defaultAuditFailMode(u"moderate")));
        bool told = false;
        for (const Error &p : engine.problems())
            told = told || (p.message.contains(QStringLiteral("cannot be written")) &&
                            p.hint.contains(QStringLiteral("full")));
        QVERIFY2(told, "the banner says the disk is full and what to do");

        // An enforcement point that waits for its event gets no acknowledgment while the disk is full.
        Result<qint64> waited;
        std::thread point([&] {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.action = QStringLiteral("connect");
            waited = store.appendAndWait(std::move(e), std::chrono::milliseconds(300));
        });
        point.join();
        QVERIFY(!waited);

        // Space comes back: everything queued is written, nothing lost, the chain intact.
        QVERIFY(QFile::remove(filler));
        QTRY_VERIFY_WITH_TIMEOUT(!engine.isAuditFailing(), 15000);
        QVERIFY(store.admits(AuditFailMode::Closed));
        QTRY_COMPARE(store.pendingCount(), 0);
        engine.stop();
        auto reader = AuditReader::open(mountPoint + QStringLiteral("/audit.db"));
        QVERIFY(reader);
        AuditFilter proxy;
        proxy.source = AuditEvent::Source::Proxy;
        auto all = reader->after(0, proxy, 100000);
        QVERIFY(all);
        QCOMPARE(all->size(), count + 1); // the 1,500 and the one that waited
        for (int i = 0; i < count; ++i)
            QCOMPARE(all->at(i).detailsObject().value(QStringLiteral("n")).toInt(), i);
        const AuditVerification v = verified(mountPoint + QStringLiteral("/audit.db"));
        QVERIFY2(v.ok(), qPrintable(v.summary()));
        qunsetenv("PADDOCK_DATA_DIR");
    }
};

QTEST_GUILESS_MAIN(TestAuditIntegrity)
#include "test_audit_integrity.moc"
