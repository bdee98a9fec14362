#include "audit/AuditStore.h"

#include "audit/AuditSchema.h"
#include "audit/AuditSubscription.h"
#include "audit/Sqlite.h"
#include "config/Paths.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fcntl.h>
#include <future>
#include <mutex>
#include <openssl/crypto.h>
#include <optional>
#include <pthread.h>
#include <thread>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcAudit, "paddock.audit")

namespace paddock {

namespace {
constexpr int MaxBatch = 50000; // events in one transaction
// Under load, commits start at most this often: what arrives meanwhile joins the next one, so a
// busy proxy makes a few large transactions rather than many small ones.
constexpr qint64 MinCommitIntervalUs = 5000;
constexpr int PruneChunk = 100000; // events deleted in one transaction
constexpr int RetentionIntervalMs = 3600 * 1000;
constexpr int MaxRetryMs = 5000;
const QString ProblemKey = QStringLiteral("audit");

qint64 nowUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// Replaces the head file atomically: written beside, synced, renamed, and the rename synced.
bool writeHeadFile(const QString &path, const auditschema::Head &head)
{
    const QByteArray text = auditschema::headText(head);
    const QByteArray target = path.toLocal8Bit();
    const QByteArray tmp = target + ".tmp";
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, text.constData(), size_t(text.size())) == text.size();
    ok = fd >= 0 && ::fdatasync(fd) == 0 && ok;
    if (fd >= 0)
        ::close(fd);
    ok = ok && ::rename(tmp.constData(), target.constData()) == 0;
    if (ok) {
        const QByteArray dir = QFileInfo(path).absolutePath().toLocal8Bit();
        if (const int d = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
            (void)::fsync(d);
            ::close(d);
        }
    }
    return ok;
}

} // namespace

// Keeps the head file up to date on a thread of its own, so that its fsync never delays a batch:
// it writes the newest (seq, hash) posted, skipping any that were overtaken meanwhile. The file is
// replaced atomically (write beside, fsync, rename) and only after the commit it names, so after a
// crash it may lag behind the log but never runs ahead of it.
class AuditStore::HeadWriter
{
public:
    explicit HeadWriter(QString path)
        : m_path(std::move(path))
        , m_thread([this] { run(); })
    {}
    ~HeadWriter()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    void post(qint64 seq, const QByteArray &hash)
    {
        {
            std::lock_guard lock(m_mutex);
            m_next = auditschema::Head{seq, hash};
        }
        m_wake.notify_one();
    }

private:
    void run()
    {
        pthread_setname_np(pthread_self(), "paddock-head");
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_next || m_quit; });
            if (m_next) {
                const auditschema::Head head = *std::exchange(m_next, std::nullopt);
                lock.unlock();
                write(head);
                lock.lock();
                // At most 20 writes a second: under load only the newest head matters, and each
                // write is a sync and a rename. Quitting writes the last one at once.
                m_wake.wait_for(lock, std::chrono::milliseconds(50), [this] { return m_quit; });
            } else if (m_quit) {
                return;
            }
        }
    }
    void write(const auditschema::Head &head)
    {
        if (!writeHeadFile(m_path, head))
            qCWarning(lcAudit).noquote()
                << m_path << ": cannot update the audit head file:" << strerror(errno);
    }

    const QString m_path;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<auditschema::Head> m_next;
    bool m_quit = false;
    std::thread m_thread;
};

struct AuditStore::Db
{
    sqlite::Database db;
    sqlite::Statement begin, commit, rollback, last, insert;
};

AuditStore::AuditStore(QString databasePath, QString headPath)
    : EngineService(QStringLiteral("audit"))
    , m_dbPath(std::move(databasePath))
    , m_headPath(headPath.isEmpty() ? headPathFor(m_dbPath) : std::move(headPath))
{}

AuditStore::~AuditStore()
{
    QMutexLocker lock(&m_feedMutex);
    for (AuditSubscription *s : m_subscribers)
        s->m_store = nullptr;
}

QString AuditStore::defaultDatabasePath()
{
    return Paths::dataDir() + QStringLiteral("/audit.db");
}

QString AuditStore::headPathFor(const QString &databasePath)
{
    const QFileInfo info(databasePath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".head"));
}

Result<void> AuditStore::start()
{
    auto opened = open();
    if (!opened) {
        // Nothing can be recorded: enforcement points that fail closed must deny.
        m_lastError = opened.error();
        m_writable.store(false, std::memory_order_release);
        emit writableChanged(false);
    }
    return opened;
}

Result<void> AuditStore::open()
{
    if (!QDir().mkpath(QFileInfo(m_dbPath).absolutePath()))
        return fail(Error::Code::Io, tr("cannot create the folder for the audit log"),
                    QFileInfo(m_dbPath).absolutePath(), tr("Check that its parent folder is writable."));
    auto opened = sqlite::Database::open(m_dbPath, sqlite::Database::Mode::ReadWriteCreate);
    if (!opened)
        return std::unexpected(opened.error());
    auto db = std::make_unique<Db>();
    db->db = std::move(*opened);
    if (auto prepared = auditschema::prepare(db->db); !prepared)
        return prepared;
    auto statement = [&](sqlite::Statement &target, const char *sql) -> Result<void> {
        auto s = db->db.prepare(sql);
        if (!s)
            return std::unexpected(s.error());
        target = std::move(*s);
        return {};
    };
    for (auto r :
         {statement(db->begin, "BEGIN IMMEDIATE"), statement(db->commit, "COMMIT"),
          statement(db->rollback, "ROLLBACK"),
          statement(db->last, "SELECT seq, hash, time_us FROM events ORDER BY seq DESC LIMIT 1"),
          statement(db->insert, "INSERT INTO events (seq, time_us, source, persona, action, resource, "
                                "decision, policies, details, prev_hash, hash) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")})
        if (!r)
            return r;

    qint64 last = 0;
    QByteArray lastHash;
    if (db->last.step() == SQLITE_ROW) {
        last = db->last.int64(0);
        lastHash = db->last.bytes(1);
        QMutexLocker lock(&m_queueMutex);
        m_lastTime = std::max(m_lastTime, db->last.int64(2));
    }
    db->last.reset();
    m_db = std::move(db);
    m_lastSeq.store(last, std::memory_order_release);
    {
        // Subscriptions made before the log was open start after its newest event, not at 0.
        QMutexLocker lock(&m_feedMutex);
        for (AuditSubscription *s : m_subscribers)
            QMetaObject::invokeMethod(
                s, [s, last] { s->m_position = std::max(s->m_position, last); }, Qt::QueuedConnection);
    }

    // A quick look at the head file: a log that lost its newest events must not go unnoticed.
    if (auto head = auditschema::readHead(m_headPath); head) {
        if (head->seq > last || (head->seq > 0 && head->seq == last && head->hash != lastHash))
            emit problem(
                QStringLiteral("audit-integrity"),
                Error{Error::Code::Invalid,
                      tr("the audit log does not match its head file (the head names event %1, the log "
                         "ends at %2)")
                          .arg(head->seq)
                          .arg(last),
                      m_dbPath,
                      tr("Events may have been removed. Run \"paddockctl audit verify\" to see what "
                         "changed; Paddock goes on recording after the last event it finds.")});
    } else if (last > 0) {
        emit problem(QStringLiteral("audit-integrity"),
                     Error{Error::Code::Invalid, tr("the audit log's head file is missing or unreadable"),
                           m_headPath, tr("Run \"paddockctl audit verify\" to check the log.")});
    } else if (head.error().code == Error::Code::NotFound &&
               !writeHeadFile(m_headPath, auditschema::Head{0, QByteArray(AuditEvent::HashSize, '\0')})) {
        // A new log gets its head file before its first event: otherwise a crash between the first
        // acknowledgment and the first head write would leave a log that looks like its head was
        // deleted. From here on the head file may lag behind the log, but it is never missing.
        return fail(Error::Code::Io, tr("cannot create the audit log's head file"), m_headPath,
                    tr("Check that the folder is writable and the disk is not full."));
    }

    m_headWriter = std::make_unique<HeadWriter>(m_headPath);
    m_retryTimer = new QTimer(this);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &AuditStore::drain);
    m_retentionTimer = new QTimer(this);
    m_retentionTimer->setInterval(RetentionIntervalMs);
    connect(m_retentionTimer, &QTimer::timeout, this, &AuditStore::applyRetention);
    m_retentionTimer->start();
    QMetaObject::invokeMethod(this, &AuditStore::applyRetention, Qt::QueuedConnection);

    QMutexLocker lock(&m_queueMutex);
    m_running = true;
    if (!m_queue.empty() && !m_drainScheduled) {
        m_drainScheduled = true;
        QMetaObject::invokeMethod(this, &AuditStore::drain, Qt::QueuedConnection);
    }
    return {};
}

void AuditStore::stop()
{
    {
        QMutexLocker lock(&m_queueMutex);
        if (!m_running)
            return;
    }
    m_failing = false; // one last try
    drain();
    std::vector<Pending> left;
    {
        QMutexLocker lock(&m_queueMutex);
        m_running = false;
        m_stopped = true;
        left.swap(m_queue);
    }
    for (Pending &p : left)
        if (p.ack)
            p.ack(std::unexpected(Error{Error::Code::Unavailable,
                                        tr("the audit log closed before the event "
                                           "could be written"),
                                        m_dbPath, m_lastError.hint}));
    delete m_retryTimer;
    m_retryTimer = nullptr;
    delete m_retentionTimer;
    m_retentionTimer = nullptr;
    m_headWriter.reset(); // writes the last head posted
    m_db.reset();
    // The hashing's per-thread state in OpenSSL goes now, not when the thread's end is reached
    // (which may come after the process has begun to exit).
    OPENSSL_thread_stop();
}

void AuditStore::append(AuditEvent event, Ack onDurable)
{
    QMutexLocker lock(&m_queueMutex);
    // Times never go backwards in the log, so that a time range is a sequence range.
    m_lastTime = std::max(event.timeUs > 0 ? event.timeUs : nowUs(), m_lastTime);
    event.timeUs = m_lastTime;
    if (event.details.isEmpty())
        event.details = QByteArrayLiteral("{}");
    if (m_stopped) {
        lock.unlock();
        if (onDurable)
            onDurable(std::unexpected(
                Error{Error::Code::Unavailable, tr("the audit log is closed"), m_dbPath, {}}));
        return;
    }
    if (m_queue.size() >= size_t(MaxPending)) {
        lock.unlock();
        m_dropped.fetch_add(1);
        if (onDurable)
            onDurable(
                std::unexpected(Error{Error::Code::Io, tr("the audit log cannot keep up: event dropped"),
                                      m_dbPath, m_lastError.hint}));
        return;
    }
    m_queue.push_back(Pending{std::move(event), std::move(onDurable)});
    if (m_running && !m_drainScheduled && !m_failing) {
        m_drainScheduled = true;
        QMetaObject::invokeMethod(this, &AuditStore::drain, Qt::QueuedConnection);
    }
}

Result<qint64> AuditStore::appendAndWait(AuditEvent event, std::chrono::milliseconds timeout)
{
    Q_ASSERT(QThread::currentThread() != thread());
    auto promise = std::make_shared<std::promise<Result<qint64>>>();
    std::future<Result<qint64>> future = promise->get_future();
    append(std::move(event), [promise](const Result<qint64> &seq) { promise->set_value(seq); });
    if (future.wait_for(timeout) != std::future_status::ready)
        return fail(Error::Code::Unavailable, tr("the audit log did not confirm the event in time"), m_dbPath,
                    m_lastError.hint);
    return future.get();
}

qint64 AuditStore::pendingCount() const
{
    QMutexLocker lock(&m_queueMutex);
    return qint64(m_queue.size());
}

void AuditStore::drain()
{
    if (!m_db) {
        QMutexLocker lock(&m_queueMutex);
        m_drainScheduled = false;
        return;
    }
    for (;;) {
        std::vector<Pending> batch;
        const qint64 startedUs = nowUs();
        {
            QMutexLocker lock(&m_queueMutex);
            if (m_queue.empty()) {
                m_drainScheduled = false;
                return;
            }
            if (m_queue.size() <= size_t(MaxBatch)) {
                batch.swap(m_queue);
            } else {
                batch.assign(std::make_move_iterator(m_queue.begin()),
                             std::make_move_iterator(m_queue.begin() + MaxBatch));
                m_queue.erase(m_queue.begin(), m_queue.begin() + MaxBatch);
            }
        }
        if (auto written = writeBatch(batch); !written) {
            // Keep them, oldest first, for the next try; what does not fit is dropped and counted.
            QMutexLocker lock(&m_queueMutex);
            m_queue.insert(m_queue.begin(), std::make_move_iterator(batch.begin()),
                           std::make_move_iterator(batch.end()));
            std::vector<Pending> dropped;
            if (m_queue.size() > size_t(MaxPending)) {
                dropped.assign(std::make_move_iterator(m_queue.begin() + MaxPending),
                               std::make_move_iterator(m_queue.end()));
                m_queue.resize(MaxPending);
            }
            m_drainScheduled = false;
            lock.unlock();
            m_dropped.fetch_add(qint64(dropped.size()));
            m_droppedUnrecorded += qint64(dropped.size());
            for (Pending &p : dropped)
                if (p.ack)
                    p.ack(std::unexpected(written.error()));
            setWritable(false, written.error());
            retryLater();
            return;
        }
        const qint64 last = batch.back().event.seq;
        m_lastSeq.store(last, std::memory_order_release);
        m_batches.fetch_add(1);
        postHead(last, batch.back().event.hash);
        auto published = std::make_shared<AuditBatch>();
        published->reserve(qsizetype(batch.size()));
        for (Pending &p : batch) {
            if (p.ack)
                p.ack(p.event.seq);
            published->push_back(std::move(p.event));
        }
        publish(std::move(published));
        if (!isWritable())
            setWritable(true);
        if (m_droppedUnrecorded > 0) {
            const qint64 lost = std::exchange(m_droppedUnrecorded, 0);
            AuditEvent e = AuditEvent::system(QStringLiteral("audit.dropped"), m_dbPath,
                                              QJsonObject{{QStringLiteral("events"), lost}});
            e.decision = AuditEvent::Decision::Info;
            append(std::move(e));
        }
        if (const qint64 tookUs = nowUs() - startedUs; tookUs < MinCommitIntervalUs) {
            QMutexLocker lock(&m_queueMutex);
            if (m_queue.empty()) {
                m_drainScheduled = false;
                return;
            }
            lock.unlock();
            // More came while committing: let it gather (the drain stays scheduled meanwhile).
            const auto wait = std::chrono::milliseconds((MinCommitIntervalUs - tookUs + 999) / 1000);
            QTimer::singleShot(wait, Qt::PreciseTimer, this, &AuditStore::drain);
            return;
        }
    }
}

Result<void> AuditStore::writeBatch(std::vector<Pending> &batch)
{
    Db &d = *m_db;
    auto failWith = [&](const QString &what, int rc) -> Result<void> {
        Error e = d.db.error(what, rc);
        d.begin.reset();
        d.insert.reset();
        d.last.reset();
        d.commit.reset();
        if (!sqlite3_get_autocommit(d.db.get())) {
            d.rollback.step();
            d.rollback.reset();
        }
        return std::unexpected(e);
    };
    int rc = d.begin.step();
    d.begin.reset();
    if (rc != SQLITE_DONE)
        return failWith(tr("cannot write to the audit log"), rc);
    // Chain onto the newest row as it is now: another process may have written since our last batch.
    qint64 seq = 0;
    QByteArray prev;
    rc = d.last.step();
    if (rc == SQLITE_ROW) {
        seq = d.last.int64(0);
        prev = d.last.bytes(1);
    } else if (rc == SQLITE_DONE) {
        auto mark = auditschema::pruneMark(d.db);
        if (!mark)
            return failWith(tr("cannot read the audit log"), sqlite3_extended_errcode(d.db.get()));
        seq = mark->throughSeq;
        prev = mark->hash.isEmpty() ? AuditEvent::zeroHash() : mark->hash;
    } else {
        return failWith(tr("cannot read the audit log"), rc);
    }
    d.last.reset();
    for (Pending &p : batch) {
        p.event.seq = ++seq;
        p.event.prevHash = prev;
        if ((rc = insertChained(p.event)) != SQLITE_DONE)
            return failWith(tr("cannot write to the audit log"), rc);
        prev = p.event.hash;
    }
    rc = d.commit.step();
    d.commit.reset();
    if (rc != SQLITE_DONE)
        return failWith(tr("cannot write to the audit log"), rc);
    return {};
}

int AuditStore::insertChained(AuditEvent &e)
{
    // Each field converted once, for the hash and for the row alike.
    const QByteArray persona = e.persona.toUtf8(), action = e.action.toUtf8(), resource = e.resource.toUtf8();
    const QByteArray policies = AuditEvent::policiesText(e.policies);
    const QByteArray source = AuditEvent::sourceName(e.source).toLatin1();
    const QByteArray decision = AuditEvent::decisionName(e.decision).toLatin1();
    e.hash = AuditEvent::hashOf(e.prevHash, AuditEvent::canonical(e.seq, e.timeUs, source, persona, action,
                                                                  resource, decision, policies, e.details));
    sqlite::Statement &s = m_db->insert;
    s.bind(1, e.seq);
    s.bind(2, e.timeUs);
    s.bindStaticText(3, source);
    s.bindStaticText(4, persona);
    s.bindStaticText(5, action);
    s.bindStaticText(6, resource);
    s.bindStaticText(7, decision);
    s.bindStaticText(8, policies);
    s.bindStaticText(9, e.details);
    s.bindStaticBlob(10, e.prevHash);
    s.bindStaticBlob(11, e.hash);
    const int rc = s.step();
    s.reset();
    return rc;
}

void AuditStore::postHead(qint64 seq, const QByteArray &hash)
{
    if (m_headWriter)
        m_headWriter->post(seq, hash);
}

void AuditStore::setWritable(bool writable, const Error &error)
{
    if (!writable)
        m_lastError = error;
    if (m_writable.load() == writable)
        return; // told once; retries stay quiet
    m_writable.store(writable, std::memory_order_release);
    m_failing = !writable;
    if (writable) {
        m_retryMs = 0;
        qCInfo(lcAudit) << "audit log writable again";
        emit recovered(ProblemKey);
    } else {
        qCWarning(lcAudit).noquote() << "audit log failing:" << error.text();
        emit problem(ProblemKey, describeFailure(error));
    }
    emit writableChanged(writable);
}

Error AuditStore::describeFailure(const Error &error) const
{
    Error e = error;
    e.message = tr("audit events cannot be written: %1. Enforcement points that fail closed deny new actions "
                   "until it works again (%2 event(s) waiting)")
                    .arg(error.message)
                    .arg(pendingCount());
    return e;
}

void AuditStore::retryLater()
{
    m_retryMs = m_retryMs == 0 ? 100 : std::min(m_retryMs * 2, MaxRetryMs);
    if (m_retryTimer)
        m_retryTimer->start(m_retryMs);
}

void AuditStore::setRetention(Retention retention)
{
    {
        QMutexLocker lock(&m_retentionMutex);
        m_retention = retention;
    }
    pruneNow();
}

void AuditStore::pruneNow()
{
    if (QThread::currentThread() == thread())
        applyRetention();
    else
        QMetaObject::invokeMethod(this, &AuditStore::applyRetention, Qt::QueuedConnection);
}

void AuditStore::applyRetention()
{
    if (!m_db)
        return;
    Retention r;
    {
        QMutexLocker lock(&m_retentionMutex);
        r = m_retention;
    }
    sqlite::Database &db = m_db->db;
    qint64 through = 0;
    QString reason;
    if (r.maxAgeDays > 0) {
        auto s = db.prepare("SELECT seq FROM events WHERE time_us < ? ORDER BY time_us DESC LIMIT 1");
        if (s) {
            s->bind(1, nowUs() - qint64(r.maxAgeDays) * 86400 * 1000000);
            if (s->step() == SQLITE_ROW) {
                through = s->int64(0);
                reason = tr("older than %n day(s)", nullptr, r.maxAgeDays);
            }
        }
    }
    if (r.maxBytes > 0) {
        const qint64 pageSize = db.scalar("PRAGMA page_size").value_or(4096);
        const qint64 used =
            (db.scalar("PRAGMA page_count").value_or(0) - db.scalar("PRAGMA freelist_count").value_or(0)) *
            pageSize;
        if (used > r.maxBytes) {
            const qint64 first = db.scalar("SELECT seq FROM events ORDER BY seq LIMIT 1").value_or(0);
            const qint64 last = db.scalar("SELECT seq FROM events ORDER BY seq DESC LIMIT 1").value_or(0);
            // Down to 90 % of the limit, assuming rows of about the same size.
            const double share = double(used - r.maxBytes * 9 / 10) / double(used);
            const qint64 bySize = first + qint64(share * double(last - first + 1)) - 1;
            if (bySize > through) {
                through = bySize;
                reason = tr("the log is larger than %1 MB").arg(r.maxBytes / (1024 * 1024));
            }
        }
    }
    if (through <= 0)
        return;
    if (auto done = pruneThrough(through, reason); !done)
        qCWarning(lcAudit).noquote() << "pruning failed:" << done.error().text();
}

Result<qint64> AuditStore::pruneThrough(qint64 through, const QString &reason)
{
    // Drain first so that the prune record chains onto everything appended so far.
    drain();
    if (!isWritable())
        return fail(Error::Code::Unavailable, tr("the audit log is not writable"), m_dbPath);
    sqlite::Database &db = m_db->db;
    // Never the newest event: it anchors the chain and the head file.
    through = std::min(through, lastSeq() - 1);
    qint64 first = db.scalar("SELECT seq FROM events ORDER BY seq LIMIT 1").value_or(0);
    qint64 removed = 0;
    while (first > 0 && first <= through) {
        const qint64 upTo = std::min(through, first + PruneChunk - 1);
        if (auto r = db.exec("BEGIN IMMEDIATE"); !r)
            return std::unexpected(r.error());
        auto rollback = [&](const Error &e) -> Result<qint64> {
            (void)db.exec("ROLLBACK");
            return std::unexpected(e);
        };
        auto hashOf = db.prepare("SELECT hash FROM events WHERE seq = ?");
        if (!hashOf)
            return rollback(hashOf.error());
        hashOf->bind(1, upTo);
        if (hashOf->step() != SQLITE_ROW)
            return rollback(db.error(tr("cannot read the audit log")));
        const QByteArray hash = hashOf->bytes(0);
        hashOf = sqlite::Statement();
        auto del = db.prepare("DELETE FROM events WHERE seq <= ?");
        if (!del)
            return rollback(del.error());
        del->bind(1, upTo);
        if (del->step() != SQLITE_DONE)
            return rollback(db.error(tr("cannot prune the audit log")));
        const qint64 count = sqlite3_changes64(db.get());
        del = sqlite::Statement();
        auto mark =
            db.prepare("INSERT OR REPLACE INTO meta VALUES ('pruned_through', ?), ('pruned_hash', ?)");
        if (!mark)
            return rollback(mark.error());
        mark->bind(1, upTo);
        mark->bindText(2, hash.toHex());
        if (mark->step() != SQLITE_DONE)
            return rollback(db.error(tr("cannot prune the audit log")));
        mark = sqlite::Statement();
        // The record of the pruning joins the chain in the same transaction.
        AuditEvent e =
            AuditEvent::system(QStringLiteral("audit.prune"), m_dbPath,
                               QJsonObject{{QStringLiteral("throughSeq"), upTo},
                                           {QStringLiteral("hash"), QString::fromLatin1(hash.toHex())},
                                           {QStringLiteral("events"), count},
                                           {QStringLiteral("reason"), reason}});
        {
            QMutexLocker lock(&m_queueMutex);
            m_lastTime = std::max(nowUs(), m_lastTime);
            e.timeUs = m_lastTime;
        }
        sqlite::Statement &last = m_db->last;
        const int found = last.step();
        if (found == SQLITE_ROW) {
            e.seq = last.int64(0) + 1;
            e.prevHash = last.bytes(1);
        }
        last.reset();
        if (found != SQLITE_ROW)
            return rollback(db.error(tr("cannot read the audit log"), found));
        if (const int rc = insertChained(e); rc != SQLITE_DONE)
            return rollback(db.error(tr("cannot prune the audit log"), rc));
        if (auto r = db.exec("COMMIT"); !r)
            return rollback(r.error());
        m_lastSeq.store(e.seq, std::memory_order_release);
        postHead(e.seq, e.hash);
        publish(std::make_shared<AuditBatch>(AuditBatch{e}));
        removed += count;
        first = upTo + 1;
        emit pruned(upTo);
    }
    (void)db.exec("PRAGMA incremental_vacuum");
    if (removed > 0)
        qCInfo(lcAudit).noquote() << "pruned" << removed << "audit events through" << through << "(" << reason
                                  << ")";
    return removed;
}

void AuditStore::publish(std::shared_ptr<const AuditBatch> batch)
{
    QMutexLocker lock(&m_feedMutex);
    m_feedEvents += batch->size();
    m_feed.push_back(std::move(batch));
    while (m_feed.size() > 1 && m_feedEvents - m_feed.front()->size() >= FeedCapacity) {
        m_feedEvents -= m_feed.front()->size();
        m_feed.pop_front();
    }
    for (AuditSubscription *s : m_subscribers)
        s->notify();
}

void AuditStore::subscribe(AuditSubscription *subscription)
{
    QMutexLocker lock(&m_feedMutex);
    m_subscribers.push_back(subscription);
}

void AuditStore::unsubscribe(AuditSubscription *subscription)
{
    QMutexLocker lock(&m_feedMutex);
    std::erase(m_subscribers, subscription);
}

std::vector<std::shared_ptr<const AuditBatch>> AuditStore::feedSince(qint64 afterSeq,
                                                                     qint64 *oldestHeld) const
{
    QMutexLocker lock(&m_feedMutex);
    *oldestHeld = m_feed.empty() ? 0 : m_feed.front()->front().seq;
    std::vector<std::shared_ptr<const AuditBatch>> out;
    for (auto it = m_feed.rbegin(); it != m_feed.rend(); ++it) {
        if ((*it)->back().seq <= afterSeq)
            break;
        out.push_back(*it);
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace paddock
