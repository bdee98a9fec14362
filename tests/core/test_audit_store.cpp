// The audit store on real SQLite: appends are acknowledged once durable, chained, queryable,
// delivered live, pruned with a chained record, and exported.
#include "audit/AuditQuery.h"
#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "audit/AuditSubscription.h"
#include "audit/AuditVerifier.h"
#include "policy/PolicyStore.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

using namespace paddock;

namespace {
AuditEvent proxyEvent(int i, const QString &persona, AuditEvent::Decision decision)
{
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = QStringLiteral("connect");
    e.resource = QStringLiteral("host%1.example.com:443").arg(i % 50);
    e.decision = decision;
    if (decision != AuditEvent::Decision::Info)
        e.policies = {QStringLiteral("policy%1").arg(i % 3)};
    e.setDetails(
        {{QStringLiteral("n"), i}, {QStringLiteral("note"), QStringLiteral("request number %1").arg(i)}});
    return e;
}
} // namespace

class TestAuditStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString db(const char *name) const { return m_dir.filePath(QLatin1StringView(name)); }

private slots:
    void appendIsAcknowledgedWithSequenceNumbers()
    {
        AuditStore store(db("ack.db"));
        QVERIFY(store.start());
        QList<qint64> acked;
        for (int i = 0; i < 100; ++i)
            store.append(proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow),
                         [&acked](const Result<qint64> &seq) {
                             QVERIFY(seq.has_value());
                             acked << *seq;
                         });
        QTRY_COMPARE(acked.size(), 100);
        for (int i = 0; i < 100; ++i)
            QCOMPARE(acked[i], qint64(i + 1));
        QCOMPARE(store.lastSeq(), 100);
        QTRY_VERIFY(QFile::exists(store.headPath())); // written right after the commit, off the writer
        store.stop();

        // Reopened, it chains on: the next event is 101.
        AuditStore again(db("ack.db"));
        QVERIFY(again.start());
        QCOMPARE(again.lastSeq(), 100);
        qint64 seq = 0;
        again.append(AuditEvent::system(QStringLiteral("engine.start")),
                     [&seq](const Result<qint64> &s) { seq = *s; });
        QTRY_COMPARE(seq, 101);
        again.stop();
        auto v = AuditVerifier::verify(db("ack.db"), AuditStore::headPathFor(db("ack.db")));
        QVERIFY2(v, qPrintable(v ? QString() : v.error().text()));
        QVERIFY2(v->ok(), qPrintable(v->summary()));
        QCOMPARE(v->checked, 101);
    }

    void appendsFromManyThreadsFormOneChain()
    {
        auto *thread = new QThread;
        auto *store = new AuditStore(db("threads.db"));
        store->moveToThread(thread);
        thread->start();
        bool started = false;
        QMetaObject::invokeMethod(
            store, [&] { started = store->start().has_value(); }, Qt::BlockingQueuedConnection);
        QVERIFY(started);
        std::atomic<int> acks{0};
        std::vector<std::thread> writers;
        for (int t = 0; t < 4; ++t)
            writers.emplace_back([&, t] {
                for (int i = 0; i < 5000; ++i)
                    store->append(proxyEvent(i, QStringLiteral("p%1").arg(t), AuditEvent::Decision::Allow),
                                  [&acks](const Result<qint64> &s) {
                                      if (s)
                                          acks.fetch_add(1);
                                  });
            });
        for (auto &w : writers)
            w.join();
        // An enforcement point that fails closed waits for its own event.
        auto waited = store->appendAndWait(proxyEvent(0, QStringLiteral("agent"), AuditEvent::Decision::Deny),
                                           std::chrono::seconds(10));
        QVERIFY(waited);
        QCOMPARE(*waited, 20001);
        QTRY_COMPARE(acks.load(), 20000);
        QMetaObject::invokeMethod(store, [&] { store->stop(); }, Qt::BlockingQueuedConnection);
        thread->quit();
        thread->wait();
        delete store;
        delete thread;
        auto v = AuditVerifier::verify(db("threads.db"), AuditStore::headPathFor(db("threads.db")));
        QVERIFY(v);
        QVERIFY2(v->ok(), qPrintable(v->summary()));
        QCOMPARE(v->lastSeq, 20001);
    }

    void queriesFilterAndPage()
    {
        AuditStore store(db("query.db"));
        QVERIFY(store.start());
        const QStringList personas{QStringLiteral("agent"), QStringLiteral("web"), QStringLiteral("dev")};
        for (int i = 0; i < 3000; ++i) {
            const auto decision = i % 10 == 0   ? AuditEvent::Decision::Deny
                                  : i % 10 == 1 ? AuditEvent::Decision::WouldDeny
                                                : AuditEvent::Decision::Allow;
            store.append(proxyEvent(i, personas[i % 3], decision));
        }
        QTRY_COMPARE(store.lastSeq(), 3000);
        auto reader = AuditReader::open(db("query.db"));
        QVERIFY(reader);
        QCOMPARE(*reader->count(), 3000);

        // Everything, newest first, in pages.
        auto page = reader->page({}, 0, 100);
        QVERIFY(page);
        QCOMPARE(page->events.size(), 100);
        QCOMPARE(page->events.first().seq, 3000);
        QCOMPARE(page->events.last().seq, 2901);
        QVERIFY(page->more);
        auto next = reader->page({}, page->resumeBefore, 100);
        QCOMPARE(next->events.first().seq, 2900);

        // Denies (deny and would-deny) of one persona: i % 3 == 1 ("web") and i % 10 in {0, 1}.
        AuditFilter f;
        f.persona = QStringLiteral("web");
        f.decisions = {AuditEvent::Decision::Deny, AuditEvent::Decision::WouldDeny};
        qint64 expected = 0;
        for (int i = 0; i < 3000; ++i)
            expected += (i % 3 == 1 && i % 10 <= 1);
        qint64 seen = 0, before = 0, lastSeq = LLONG_MAX;
        for (;;) {
            auto p = reader->page(f, before, 37);
            QVERIFY(p);
            for (const AuditEvent &e : p->events) {
                QVERIFY(f.matches(e));
                QVERIFY(e.seq < lastSeq);
                lastSeq = e.seq;
            }
            seen += p->events.size();
            if (!p->more)
                break;
            before = p->resumeBefore;
        }
        QCOMPARE(seen, expected);

        // Text search in resource and details, case-insensitive.
        AuditFilter t;
        t.text = QStringLiteral("REQUEST NUMBER 1234");
        auto found = reader->page(t);
        QVERIFY(found);
        QCOMPARE(found->events.size(), 1);
        QCOMPARE(found->events.first().detailsObject().value(QStringLiteral("n")).toInt(), 1234);
        t.text = QStringLiteral("host7.example");
        found = reader->page(t, 0, 1000);
        QCOMPARE(found->events.size(), 60);

        // A time range is a sequence range.
        auto e1000 = reader->event(1000);
        auto e2000 = reader->event(2000);
        QVERIFY(e1000 && e2000);
        AuditFilter range;
        range.sinceUs = e1000->timeUs;
        range.untilUs = e2000->timeUs;
        auto inRange = reader->after(0, range, 5000);
        QVERIFY(inRange);
        QVERIFY(!inRange->isEmpty());
        for (const AuditEvent &e : *inRange)
            QVERIFY(e.timeUs >= e1000->timeUs && e.timeUs < e2000->timeUs);

        // Counts for the dashboard.
        auto stats = reader->stats(0);
        QVERIFY(stats);
        QCOMPARE(stats->events, 3000);
        qint64 denies = 0;
        for (auto n : stats->deniesPerPersona)
            denies += n;
        QCOMPARE(denies, 600);
        QCOMPARE(stats->deniesPerPersona.value(QStringLiteral("web")), expected);
        qint64 perMinute = 0;
        for (const auto &m : stats->perMinute)
            for (auto n : m)
                perMinute += n;
        QCOMPARE(perMinute, 3000);
        QVERIFY(!stats->topDenied.isEmpty());
        store.stop();
    }

    void subscribersGetBatchesAndAreToldWhatTheyMissed()
    {
        AuditStore store(db("live.db"));
        QVERIFY(store.start());
        AuditSubscription sub(store);
        QList<qint64> seqs;
        connect(&sub, &AuditSubscription::events, this, [&seqs](const AuditBatch &batch) {
            for (const AuditEvent &e : batch)
                seqs << e.seq;
        });
        for (int i = 0; i < 500; ++i)
            store.append(proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow));
        QTRY_COMPARE(seqs.size(), 500);
        for (int i = 0; i < 500; ++i)
            QCOMPARE(seqs[i], i + 1);

        // Paused past the ring's capacity: the writer goes on, the subscriber hears what it missed.
        sub.setPaused(true);
        QSignalSpy missed(&sub, &AuditSubscription::missed);
        const int extra = AuditStore::FeedCapacity * 2 + 5000;
        for (int i = 0; i < extra; ++i)
            store.append(proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow));
        QTRY_COMPARE_WITH_TIMEOUT(store.lastSeq(), 500 + extra, 30000);
        seqs.clear();
        sub.setPaused(false);
        QCOMPARE(missed.count(), 1);
        const qint64 from = missed.first().at(0).toLongLong();
        const qint64 to = missed.first().at(1).toLongLong();
        QCOMPARE(from, 501);
        QVERIFY(to > from);
        QVERIFY(500 + extra - to >= AuditStore::FeedCapacity); // at least a ring's worth is still delivered
        QVERIFY(!seqs.isEmpty());
        QCOMPARE(seqs.first(), to + 1);
        QCOMPARE(seqs.last(), 500 + extra);
        store.stop();
    }

    void aSubscriptionMadeBeforeTheStoreStartsMissesNothing()
    {
        {
            AuditStore first(db("early.db"));
            QVERIFY(first.start());
            for (int i = 0; i < 10; ++i)
                first.append(proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow));
            QTRY_COMPARE(first.lastSeq(), 10);
            first.stop();
        }
        AuditStore store(db("early.db"));
        AuditSubscription sub(store); // as the window does while the engine is still starting
        QSignalSpy missed(&sub, &AuditSubscription::missed);
        QSignalSpy events(&sub, &AuditSubscription::events);
        QVERIFY(store.start());
        store.append(proxyEvent(11, QStringLiteral("agent"), AuditEvent::Decision::Deny));
        QTRY_COMPARE(events.count(), 1);
        QCOMPARE(events.first().at(0).value<AuditBatch>().first().seq, 11);
        QCOMPARE(missed.count(), 0);
        store.stop();
    }

    void retentionPrunesWithAChainedRecord()
    {
        AuditStore store(db("prune.db"));
        QVERIFY(store.start());
        const qint64 old = QDateTime::currentMSecsSinceEpoch() * 1000 - qint64(10) * 86400 * 1000000;
        for (int i = 0; i < 1000; ++i) {
            AuditEvent e = proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow);
            e.timeUs = i < 600 ? old + i : 0; // 600 events ten days old, then 400 of now
            store.append(std::move(e));
        }
        QTRY_COMPARE(store.lastSeq(), 1000);
        QSignalSpy pruned(&store, &AuditStore::pruned);
        store.setRetention({7, 0});
        QCOMPARE(pruned.count(), 1);
        QCOMPARE(pruned.first().at(0).toLongLong(), 600);
        store.stop();
        auto reader = AuditReader::open(db("prune.db"));
        QCOMPARE(*reader->firstSeq(), 601);
        QCOMPARE(*reader->lastSeq(), 1001); // the record of the pruning
        auto record = reader->event(1001);
        QCOMPARE(record->action, QStringLiteral("audit.prune"));
        QCOMPARE(record->detailsObject().value(QStringLiteral("throughSeq")).toInteger(), 600);
        auto v = AuditVerifier::verify(db("prune.db"), AuditStore::headPathFor(db("prune.db")));
        QVERIFY(v);
        QVERIFY2(v->ok(), qPrintable(v->summary()));
        QCOMPARE(v->prunedThrough, 600);
    }

    void retentionBySizeKeepsTheLogUnderItsLimit()
    {
        AuditStore store(db("size.db"));
        QVERIFY(store.start());
        const QString padding(400, QLatin1Char('p'));
        for (int i = 0; i < 20000; ++i) {
            AuditEvent e = proxyEvent(i, QStringLiteral("agent"), AuditEvent::Decision::Allow);
            e.setDetails({{QStringLiteral("n"), i}, {QStringLiteral("padding"), padding}});
            store.append(std::move(e));
        }
        QTRY_COMPARE_WITH_TIMEOUT(store.lastSeq(), 20000, 30000);
        const qint64 limit = 4 * 1024 * 1024;
        QSignalSpy pruned(&store, &AuditStore::pruned);
        store.setRetention({0, limit});
        QVERIFY(pruned.count() >= 1);
        store.stop();
        QVERIFY2(QFileInfo(db("size.db")).size() <= limit,
                 qPrintable(QStringLiteral("%1 bytes").arg(QFileInfo(db("size.db")).size())));
        auto reader = AuditReader::open(db("size.db"));
        QVERIFY(*reader->firstSeq() > 1);
        QVERIFY(*reader->count() > 1000); // pruned down to the limit, not emptied
        auto v = AuditVerifier::verify(db("size.db"), AuditStore::headPathFor(db("size.db")));
        QVERIFY(v);
        QVERIFY2(v->ok(), qPrintable(v->summary()));
    }

    void exportsJsonLinesAndCsv()
    {
        AuditStore store(db("export.db"));
        QVERIFY(store.start());
        for (int i = 0; i < 250; ++i)
            store.append(proxyEvent(i, i % 2 ? QStringLiteral("agent") : QStringLiteral("web, \"quoted\""),
                                    AuditEvent::Decision::Allow));
        QTRY_COMPARE(store.lastSeq(), 250);
        store.stop();
        auto reader = AuditReader::open(db("export.db"));
        QBuffer json;
        json.open(QIODevice::WriteOnly);
        AuditFilter f;
        f.persona = QStringLiteral("agent");
        QCOMPARE(*reader->exportTo(json, f, AuditReader::Format::JsonLines), 125);
        const QList<QByteArray> lines = json.data().trimmed().split('\n');
        QCOMPARE(lines.size(), 125);
        auto first = AuditEvent::fromJson(QJsonDocument::fromJson(lines.first()).object());
        QVERIFY(first);
        QCOMPARE(first->seq, 2);
        QCOMPARE(first->hash, reader->event(2)->hash);
        QCOMPARE(first->computeHash(), first->hash); // an exported event can be checked on its own
        QBuffer csv;
        csv.open(QIODevice::WriteOnly);
        QCOMPARE(*reader->exportTo(csv, {}, AuditReader::Format::Csv), 250);
        QVERIFY(csv.data().startsWith(AuditReader::csvHeader()));
        QVERIFY(csv.data().contains("\"web, \"\"quoted\"\"\""));
    }

    void policyEditsAreRecorded()
    {
        AuditStore store(db("policy.db"));
        QVERIFY(store.start());
        PolicyStore policies(m_dir.filePath(QStringLiteral("config")));
        policies.setAuditStore(&store);
        QVERIFY(policies.load());
        const QString text = policies.text(QStringLiteral("restricted")) + QStringLiteral("\n// reviewed\n");
        QVERIFY(policies.save(QStringLiteral("restricted"), text));
        QTRY_COMPARE(store.lastSeq(), 1);
        QVERIFY(!policies.save(QStringLiteral("restricted"), QStringLiteral("permit(")));
        const auto versions = policies.history(QStringLiteral("restricted"));
        QVERIFY(!versions.isEmpty());
        QVERIFY(policies.revert(QStringLiteral("restricted"), versions.last()));
        QTRY_COMPARE(store.lastSeq(), 2); // the refused save is not an edit
        store.stop();
        auto reader = AuditReader::open(db("policy.db"));
        auto saved = reader->event(1);
        QCOMPARE(saved->source, AuditEvent::Source::Policy);
        QCOMPARE(saved->action, QStringLiteral("policy.save"));
        QCOMPARE(saved->resource, policies.filePath(QStringLiteral("restricted")));
        const QJsonObject d = saved->detailsObject();
        QCOMPARE(d.value(QStringLiteral("set")).toString(), QStringLiteral("restricted"));
        QCOMPARE(
            d.value(QStringLiteral("sha256")).toString(),
            QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex()));
        QVERIFY(QFile::exists(d.value(QStringLiteral("versionFile")).toString()));
        auto reverted = reader->event(2);
        QCOMPARE(reverted->action, QStringLiteral("policy.revert"));
        QVERIFY(!reverted->detailsObject().value(QStringLiteral("revertedTo")).toString().isEmpty());
    }

    void refusesAFileThatIsNotAnAuditLog()
    {
        QFile f(db("other.db"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not sqlite at all, just text that happens to be here\n");
        f.close();
        AuditStore store(db("other.db"));
        QSignalSpy writable(&store, &AuditStore::writableChanged);
        auto started = store.start();
        QVERIFY(!started);
        QCOMPARE(started.error().where, db("other.db"));
        QVERIFY(!started.error().hint.isEmpty());
        // Nothing can be recorded: what fails closed is refused, and the file is left as it was.
        QVERIFY(!store.admits(AuditFailMode::Closed));
        QCOMPARE(writable.count(), 1);
        QFile again(db("other.db"));
        QVERIFY(again.open(QIODevice::ReadOnly));
        QVERIFY(again.readAll().startsWith("this is not sqlite"));
    }

    void appendsAfterStopAreRefusedAtOnce()
    {
        AuditStore store(db("stopped.db"));
        QVERIFY(store.start());
        store.stop();
        std::optional<Result<qint64>> answer;
        store.append(AuditEvent::system(QStringLiteral("late")),
                     [&answer](const Result<qint64> &r) { answer = r; });
        QVERIFY(answer.has_value());
        QVERIFY(!answer->has_value());
    }
};

QTEST_GUILESS_MAIN(TestAuditStore)
#include "test_audit_store.moc"
