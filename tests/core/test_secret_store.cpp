// SecretStore against the real Secret Service (gnome-keyring on the session bus, as
// scripts/test-session starts it): a value goes in and comes back, "nothing stored" is told apart
// from a failure, and the index in the configuration folder lists names without ever holding a value.
#include "config/AtomicFile.h"
#include "secrets/SecretStore.h"

#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace paddock;

class TestSecretStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    const QString m_prefix = QStringLiteral("test-store-%1-").arg(QCoreApplication::applicationPid());

    static QByteArray randomValue()
    {
        QByteArray v;
        for (int i = 0; i < 4; ++i)
            v += QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        return "sk-" + v + "\n\x01\xff binary";
    }

    // Waits for the one signal that answers `id`; its name.
    static QString outcome(SecretStore &store, quint64 id, QByteArray *value = nullptr,
                           Error *error = nullptr)
    {
        QString result;
        QMetaObject::Connection c[5];
        c[0] = connect(&store, &SecretStore::stored, &store, [&](quint64 r) {
            if (r == id)
                result = QStringLiteral("stored");
        });
        c[1] = connect(&store, &SecretStore::valueRead, &store,
                       [&](quint64 r, const QString &, const QByteArray &v) {
                           if (r == id) {
                               result = QStringLiteral("read");
                               if (value)
                                   *value = v;
                           }
                       });
        c[2] = connect(&store, &SecretStore::notFound, &store, [&](quint64 r) {
            if (r == id)
                result = QStringLiteral("not found");
        });
        c[3] = connect(&store, &SecretStore::removed, &store, [&](quint64 r) {
            if (r == id)
                result = QStringLiteral("removed");
        });
        c[4] = connect(&store, &SecretStore::failed, &store, [&](quint64 r, const QString &, const Error &e) {
            if (r == id) {
                result = QStringLiteral("failed: ") + e.text();
                if (error)
                    *error = e;
            }
        });
        if (!QTest::qWaitFor([&] { return !result.isEmpty(); }, 20000))
            result = QStringLiteral("no answer within 20 s");
        for (const auto &conn : c)
            QObject::disconnect(conn);
        return result;
    }

private slots:
    void storesReadsAndRemovesThroughTheSecretService()
    {
        const QString path = m_dir.filePath(QStringLiteral("round/secrets.json"));
        SecretStore store(path);
        QVERIFY(store.loadIndex());
        QVERIFY(store.entries().isEmpty());
        const QString name = m_prefix + QStringLiteral("api");
        const QByteArray value = randomValue();

        QSignalSpy changed(&store, &SecretStore::entriesChanged);
        const quint64 id = store.store(name, value, SecretStore::Kind::ApiKey, QStringLiteral("agent"));
        QCOMPARE(changed.count(), 0); // nothing happens inside the call
        QCOMPARE(outcome(store, id), QStringLiteral("stored"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(store.entries().size(), 1);
        QCOMPARE(store.find(name)->kind, SecretStore::Kind::ApiKey);
        QCOMPARE(store.find(name)->persona, QStringLiteral("agent"));
        QVERIFY(store.find(name)->created.secsTo(QDateTime::currentDateTimeUtc()) < 60);

        QByteArray back;
        QCOMPARE(outcome(store, store.read(name), &back), QStringLiteral("read"));
        QCOMPARE(back, value);

        // The index names it, never holds its value, and a new store reads it back.
        auto index = AtomicFile::read(path);
        QVERIFY(index);
        QVERIFY(index->contains(name.toUtf8()));
        QVERIFY(index->contains("\"api-key\""));
        QVERIFY(!index->contains(value));
        QVERIFY(!index->contains(value.left(20)));
        SecretStore again(path);
        QVERIFY(again.loadIndex());
        QCOMPARE(again.entries().size(), 1);
        QCOMPARE(again.entries().first().name, name);

        // Replacing keeps one entry.
        QCOMPARE(outcome(store, store.store(name, "second", SecretStore::Kind::Other)),
                 QStringLiteral("stored"));
        QCOMPARE(store.entries().size(), 1);
        QCOMPARE(outcome(store, store.read(name), &back), QStringLiteral("read"));
        QCOMPARE(back, QByteArray("second"));

        QCOMPARE(outcome(store, store.remove(name)), QStringLiteral("removed"));
        QVERIFY(store.entries().isEmpty());
        QCOMPARE(outcome(store, store.read(name)), QStringLiteral("not found"));
        // Removing what is not there is not an error either.
        QCOMPARE(outcome(store, store.remove(name)), QStringLiteral("removed"));
    }

    void nothingStoredIsNotAFailure()
    {
        SecretStore store(m_dir.filePath(QStringLiteral("missing/secrets.json")));
        QVERIFY(store.loadIndex());
        QCOMPARE(outcome(store, store.read(m_prefix + QStringLiteral("never-stored"))),
                 QStringLiteral("not found"));
    }

    void badNamesAreRefusedAsynchronously_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("empty") << QString();
        QTest::newRow("upper case") << QStringLiteral("Key");
        QTest::newRow("path") << QStringLiteral("../etc/passwd");
        QTest::newRow("dot first") << QStringLiteral(".ready");
        QTest::newRow("too long") << QString(65, u'a');
    }
    void badNamesAreRefusedAsynchronously()
    {
        QFETCH(QString, name);
        SecretStore store(m_dir.filePath(QStringLiteral("names/secrets.json")));
        QSignalSpy failed(&store, &SecretStore::failed);
        const QByteArray value = randomValue();
        const quint64 id = store.store(name, value, SecretStore::Kind::Other);
        QCOMPARE(failed.count(), 0);
        Error e;
        QVERIFY(outcome(store, id, nullptr, &e).startsWith(QStringLiteral("failed")));
        QCOMPARE(e.code, Error::Code::Invalid);
        QVERIFY(!e.hint.isEmpty());
        QVERIFY(!e.text().toUtf8().contains(value));
        QVERIFY(!QFile::exists(store.indexPath()));
        QVERIFY(SecretStore::validateName(QStringLiteral("a")));
        QVERIFY(SecretStore::validateName(QStringLiteral("dev-ssh-key.v2_1")));
        QVERIFY(!SecretStore::validateName(QStringLiteral("name\n"))); // "$" would let it through
    }

    void aCorruptIndexIsReportedAndNotOverwritten()
    {
        const QString path = m_dir.filePath(QStringLiteral("corrupt/secrets.json"));
        {
            SecretStore store(path);
            QVERIFY(store.loadIndex());
            const QString name = m_prefix + QStringLiteral("kept");
            QCOMPARE(outcome(store, store.store(name, randomValue(), SecretStore::Kind::SshPrivateKey)),
                     QStringLiteral("stored"));
            QCOMPARE(outcome(store, store.remove(name)),
                     QStringLiteral("removed")); // the second write keeps a .bak
        }
        QVERIFY(QFile::exists(AtomicFile::backupPath(path)));
        const QByteArray broken = "{\n  \"version\": 1,\n  \"secrets\": [ {\"name\": \"x\", ]\n}\n";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(broken);
        f.close();

        SecretStore store(path);
        auto loaded = store.loadIndex();
        QVERIFY(!loaded);
        QCOMPARE(loaded.error().code, Error::Code::Parse);
        QVERIFY2(loaded.error().where.startsWith(path + QStringLiteral(":3:")),
                 qPrintable(loaded.error().text()));
        QVERIFY(loaded.error().hint.contains(AtomicFile::backupPath(path)));
        QVERIFY(store.entries().isEmpty());

        Error e;
        QVERIFY(outcome(store, store.store(m_prefix + QStringLiteral("new"), "v", SecretStore::Kind::Other),
                        nullptr, &e)
                    .startsWith(QStringLiteral("failed")));
        QCOMPARE(e.where, loaded.error().where);
        QCOMPARE(*AtomicFile::read(path), broken); // untouched
        QVERIFY(QFile::exists(AtomicFile::backupPath(path)));

        // Well-formed but wrong: an unknown kind, a value where a name should be.
        for (const QByteArray &text :
             {QByteArray("{\"version\": 1, \"secrets\": [{\"name\": \"ok\", \"kind\": \"password\"}]}"),
              QByteArray("{\"version\": 1, \"secrets\": [{\"name\": \"Not A Name\", \"kind\": \"other\"}]}"),
              QByteArray("{\"version\": 99, \"secrets\": []}")}) {
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(text);
            f.close();
            auto wrong = store.loadIndex();
            QVERIFY(!wrong);
            QVERIFY2(wrong.error().where.startsWith(path + QStringLiteral(":1:")),
                     qPrintable(wrong.error().text()));
        }
    }

    // QtKeychain queues every job of the process in one object that is not thread-safe; stores on
    // two threads at once (the runtime's PersonaSecrets and the Secrets page) crashed it until
    // SecretStore ran all jobs on the main thread.
    void storesOnTwoThreadsAtOnce()
    {
        QThread worker;
        worker.setObjectName(QStringLiteral("test-secrets-worker"));
        auto *remote = new SecretStore(m_dir.filePath(QStringLiteral("threads/remote.json")));
        remote->moveToThread(&worker);
        connect(&worker, &QThread::finished, remote, &QObject::deleteLater);
        worker.start();
        SecretStore local(m_dir.filePath(QStringLiteral("threads/local.json")));
        QVERIFY(local.loadIndex());

        // The worker's store starts first (QtKeychain's queue then belongs to the worker thread),
        // then the main thread's jobs run and end while the worker's read theirs back.
        constexpr int Rounds = 10;
        std::atomic<int> remoteStored{0};
        std::atomic<int> remoteDone{0};
        QStringList remoteProblems; // only touched on the worker thread until it is joined
        connect(remote, &SecretStore::stored, remote, [&] { ++remoteStored; });
        connect(remote, &SecretStore::valueRead, remote, [&](quint64, const QString &, const QByteArray &v) {
            if (v != "remote")
                remoteProblems << QStringLiteral("read back something else");
            ++remoteDone;
        });
        connect(remote, &SecretStore::failed, remote, [&](quint64, const QString &, const Error &e) {
            remoteProblems << e.text();
            ++remoteDone;
            ++remoteStored;
        });
        QMetaObject::invokeMethod(remote, [&, remote] {
            (void)remote->loadIndex();
            for (int i = 0; i < Rounds; ++i)
                remote->store(m_prefix + QStringLiteral("remote-%1").arg(i), "remote",
                              SecretStore::Kind::Other);
        });
        QTRY_COMPARE_WITH_TIMEOUT(remoteStored.load(), Rounds, 20000);
        QMetaObject::invokeMethod(remote, [&, remote] {
            for (int i = 0; i < Rounds; ++i)
                remote->read(m_prefix + QStringLiteral("remote-%1").arg(i));
        });
        QByteArray value;
        for (int i = 0; i < Rounds; ++i) {
            const QString name = m_prefix + QStringLiteral("local-%1").arg(i);
            QCOMPARE(outcome(local, local.store(name, "local", SecretStore::Kind::Other)),
                     QStringLiteral("stored"));
            QCOMPARE(outcome(local, local.read(name), &value), QStringLiteral("read"));
            QCOMPARE(value, QByteArray("local"));
        }
        QCOMPARE(outcome(local, local.read(m_prefix + QStringLiteral("remote-0")), &value),
                 QStringLiteral("read"));
        QCOMPARE(value, QByteArray("remote"));
        QTRY_COMPARE_WITH_TIMEOUT(remoteDone.load(), Rounds, 20000);
        worker.quit();
        worker.wait();
        QCOMPARE(remoteProblems, QStringList());
        for (int i = 0; i < Rounds; ++i) {
            QCOMPARE(outcome(local, local.remove(m_prefix + QStringLiteral("local-%1").arg(i))),
                     QStringLiteral("removed"));
            QCOMPARE(outcome(local, local.remove(m_prefix + QStringLiteral("remote-%1").arg(i))),
                     QStringLiteral("removed"));
        }
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "test_secret_store.moc"
