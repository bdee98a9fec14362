#include "audit/AuditVerifier.h"

#include "audit/AuditEvent.h"
#include "audit/AuditSchema.h"
#include "audit/Sqlite.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AuditVerifier)
};

// How far from its place a moved row is looked for when its hash does not match where it is.
constexpr qint64 ReorderWindow = 1000;

QByteArrayView columnBytes(const sqlite::Statement &s, int column)
{
    const auto *p = static_cast<const char *>(sqlite3_column_blob(s.get(), column));
    return QByteArrayView(p, sqlite3_column_bytes(s.get(), column));
}

QByteArray canonicalAt(const sqlite::Statement &s, qint64 seq)
{
    return AuditEvent::canonical(seq, s.int64(1), columnBytes(s, 2), columnBytes(s, 3), columnBytes(s, 4),
                                 columnBytes(s, 5), columnBytes(s, 6), columnBytes(s, 7), columnBytes(s, 8));
}
} // namespace

QString AuditVerification::problemName(Problem problem)
{
    switch (problem) {
    case Problem::Modified:
        return Text::tr("modified");
    case Problem::Missing:
        return Text::tr("missing");
    case Problem::Reordered:
        return Text::tr("reordered");
    case Problem::Truncated:
        return Text::tr("truncated");
    case Problem::BrokenLink:
        return Text::tr("broken link");
    case Problem::HeadMismatch:
        return Text::tr("head mismatch");
    case Problem::HeadMissing:
        return Text::tr("head missing");
    case Problem::PruneMismatch:
        return Text::tr("pruning record mismatch");
    }
    return {};
}

QString AuditVerification::summary() const
{
    if (ok())
        return Text::tr("the audit log is intact: %n event(s) checked", nullptr,
                        int(std::min<qint64>(checked, INT_MAX))) +
               (lastSeq > 0 ? Text::tr(" (events %1 to %2)").arg(firstSeq).arg(lastSeq) : QString());
    return Text::tr("the audit log was tampered with: first bad event %1 (%2): %3")
        .arg(firstBadSeq())
        .arg(problemName(findings.first().problem), findings.first().message);
}

Result<AuditVerification> AuditVerifier::verify(const QString &databasePath, const QString &headPath,
                                                const std::function<bool(qint64, qint64)> &progress)
{
    AuditVerification v;
    auto add = [&](AuditVerification::Problem problem, qint64 seq, QString message) {
        if (v.findings.size() < AuditVerification::MaxFindings)
            v.findings.push_back({problem, seq, std::move(message)});
    };

    // The head first: a writer may add events meanwhile, but never runs the head ahead of the log.
    std::optional<auditschema::Head> head;
    auto headRead = auditschema::readHead(headPath);
    if (headRead)
        head = *headRead;

    auto opened = auditschema::openForReading(databasePath);
    if (!opened)
        return std::unexpected(opened.error());
    sqlite::Database &db = *opened;
    if (auto r = db.exec("BEGIN"); !r)
        return std::unexpected(r.error());
    auto mark = auditschema::pruneMark(db); // also starts the read snapshot
    if (!mark)
        return std::unexpected(mark.error());
    v.prunedThrough = mark->throughSeq;
    const qint64 first = db.scalar("SELECT seq FROM events ORDER BY seq LIMIT 1").value_or(0);
    const qint64 last = db.scalar("SELECT seq FROM events ORDER BY seq DESC LIMIT 1").value_or(0);
    v.firstSeq = first;
    v.lastSeq = last;
    const qint64 total = last > 0 ? last - first + 1 : 0;

    const QByteArray sql =
        QByteArrayLiteral("SELECT ") + auditschema::EventColumns + " FROM events ORDER BY seq";
    auto rows = db.prepare(sql.constData());
    if (!rows)
        return std::unexpected(rows.error());
    qint64 expectedSeq = mark->throughSeq + 1;
    QByteArray expectedPrev = mark->throughSeq > 0 ? mark->hash : AuditEvent::zeroHash();
    bool previousIntact = true;
    QByteArray lastPrune; // details of the newest audit.prune record
    int rc;
    while ((rc = rows->step()) == SQLITE_ROW) {
        const sqlite::Statement &r = *rows;
        const qint64 seq = r.int64(0);
        const QByteArray prev = r.bytes(9);
        const QByteArray stored = r.bytes(10);
        ++v.checked;

        if (seq > expectedSeq) {
            if (v.checked == 1 && mark->throughSeq > 0)
                add(AuditVerification::Problem::Missing, expectedSeq,
                    Text::tr("events %1 to %2 are missing: the log was pruned only through %3")
                        .arg(expectedSeq)
                        .arg(seq - 1)
                        .arg(mark->throughSeq));
            else if (v.checked == 1)
                add(AuditVerification::Problem::Missing, expectedSeq,
                    Text::tr("events %1 to %2 are missing and no pruning was recorded")
                        .arg(expectedSeq)
                        .arg(seq - 1));
            else
                add(AuditVerification::Problem::Missing, expectedSeq,
                    seq - 1 == expectedSeq
                        ? Text::tr("event %1 is missing").arg(expectedSeq)
                        : Text::tr("events %1 to %2 are missing").arg(expectedSeq).arg(seq - 1));
            expectedPrev = prev; // go on from here, so one gap is reported once
            previousIntact = false;
        }
        expectedSeq = seq + 1;

        const bool intact = AuditEvent::hashOf(prev, canonicalAt(r, seq)) == stored;
        if (!intact) {
            qint64 writtenAt = 0;
            for (qint64 k = 1; k <= ReorderWindow && writtenAt == 0; ++k) {
                for (qint64 other : {seq - k, seq + k})
                    if (other > 0 && AuditEvent::hashOf(prev, canonicalAt(r, other)) == stored) {
                        writtenAt = other;
                        break;
                    }
            }
            if (writtenAt)
                add(AuditVerification::Problem::Reordered, seq,
                    Text::tr("the event stored as %1 was written as event %2").arg(seq).arg(writtenAt));
            else
                add(AuditVerification::Problem::Modified, seq,
                    Text::tr("the contents of event %1 do not match its hash").arg(seq));
        } else if (prev != expectedPrev && previousIntact) {
            if (v.checked == 1 && mark->throughSeq > 0)
                add(AuditVerification::Problem::PruneMismatch, seq,
                    Text::tr("event %1 does not chain onto the pruning record (pruned through %2)")
                        .arg(seq)
                        .arg(mark->throughSeq));
            else if (v.checked == 1)
                add(AuditVerification::Problem::BrokenLink, seq,
                    Text::tr("the first event does not start the chain"));
            else
                add(AuditVerification::Problem::Modified, seq - 1,
                    Text::tr("event %1 was rewritten with a new hash: event %2 no longer chains onto it")
                        .arg(seq - 1)
                        .arg(seq));
        }
        previousIntact = intact;
        expectedPrev = stored;
        if (columnBytes(r, 4) == QByteArrayView("audit.prune") &&
            columnBytes(r, 2) == QByteArrayView("system"))
            lastPrune = r.bytes(8);

        if (progress && (v.checked & 0xffff) == 0 && !progress(v.checked, total))
            return fail(Error::Code::Invalid, Text::tr("verification cancelled"), databasePath);
    }
    if (rc != SQLITE_DONE)
        return std::unexpected(db.error(Text::tr("cannot read the audit log"), rc));

    if (mark->throughSeq > 0) {
        const QJsonObject p = QJsonDocument::fromJson(lastPrune).object();
        if (lastPrune.isEmpty())
            add(AuditVerification::Problem::PruneMismatch, first,
                Text::tr(
                    "the log says it was pruned through event %1, but no pruning is recorded in the chain")
                    .arg(mark->throughSeq));
        else if (p.value(QStringLiteral("throughSeq")).toInteger() != mark->throughSeq ||
                 QByteArray::fromHex(p.value(QStringLiteral("hash")).toString().toLatin1()) != mark->hash)
            add(AuditVerification::Problem::PruneMismatch, first,
                Text::tr("the pruning record (through event %1) differs from the last pruning in the chain "
                         "(through event %2)")
                    .arg(mark->throughSeq)
                    .arg(p.value(QStringLiteral("throughSeq")).toInteger()));
    }

    if (head) {
        v.headSeq = head->seq;
        if (head->seq > last) {
            add(AuditVerification::Problem::Truncated, last + 1,
                Text::tr("the log ends at event %1, but event %2 was written (head file): events %3 to %2 "
                         "are gone")
                    .arg(last)
                    .arg(head->seq)
                    .arg(last + 1));
        } else if (head->seq > 0) {
            auto at = db.prepare("SELECT hash FROM events WHERE seq = ?");
            if (!at)
                return std::unexpected(at.error());
            at->bind(1, head->seq);
            if (at->step() == SQLITE_ROW && at->bytes(0) != head->hash)
                add(AuditVerification::Problem::HeadMismatch, head->seq,
                    Text::tr("the head file's hash for event %1 differs from the log's").arg(head->seq));
        }
    } else if (last > 0) {
        add(AuditVerification::Problem::HeadMissing, last,
            headRead.error().code == Error::Code::NotFound
                ? Text::tr("the head file %1 is missing, so removal of the newest events cannot be ruled out")
                      .arg(headPath)
                : headRead.error().message + QStringLiteral(": ") + headPath);
    }
    (void)db.exec("COMMIT");
    std::stable_sort(v.findings.begin(), v.findings.end(),
                     [](const AuditVerification::Finding &a, const AuditVerification::Finding &b) {
                         return a.seq < b.seq;
                     });
    return v;
}

} // namespace paddock
