#pragma once

#include "common/Error.h"

#include <QList>
#include <QString>

#include <atomic>
#include <functional>

namespace paddock {

// Checks an audit log end to end: every row's hash over its contents, every link to the row
// before, gap-free sequence numbers, the pruning record, and the head file against the newest row.
struct AuditVerification
{
    enum class Problem {
        Modified,     // a row's contents no longer match its hash
        Missing,      // sequence numbers skip: rows were deleted
        Reordered,    // a row sits at another place in the chain than it was written at
        Truncated,    // the newest rows are gone (the head file names a later event)
        BrokenLink,   // a row does not chain onto the row before it
        HeadMismatch, // the head file does not match the log
        HeadMissing,  // the head file is gone or unreadable while the log has events
        PruneMismatch // the pruning record does not match the first row kept
    };
    struct Finding
    {
        Problem problem;
        qint64 seq = 0; // where it was found
        QString message;
    };

    bool ok() const { return findings.isEmpty(); }
    qint64 firstBadSeq() const { return findings.isEmpty() ? 0 : findings.first().seq; }
    static QString problemName(Problem problem);
    QString summary() const;

    qint64 checked = 0;  // rows read
    qint64 firstSeq = 0; // the oldest row kept
    qint64 lastSeq = 0;  // the newest row
    qint64 prunedThrough = 0;
    qint64 headSeq = 0;
    QList<Finding> findings; // in order of seq; at most MaxFindings
    static constexpr int MaxFindings = 100;
};

namespace AuditVerifier {
// Reads the log (a consistent snapshot; a writer may go on meanwhile) and the head file.
// `progress(done, total)` is called now and then and may return false to cancel (an error).
Result<AuditVerification> verify(const QString &databasePath, const QString &headPath,
                                 const std::function<bool(qint64 done, qint64 total)> &progress = {});
} // namespace AuditVerifier

} // namespace paddock
