#pragma once

#include "audit/AuditEvent.h"

#include <QList>
#include <QString>

#include <optional>

namespace paddock {

// Which events to show or read: the same filter narrows the live stream (matches()) and queries
// the store (AuditReader), so that both agree.
struct AuditFilter
{
    std::optional<qint64> sinceUs; // inclusive
    std::optional<qint64> untilUs; // exclusive
    QString persona;               // exact; empty for any
    std::optional<AuditEvent::Source> source;
    QList<AuditEvent::Decision> decisions; // empty for any
    QString text; // case-insensitive substring of the resource, the action or the details

    bool isEmpty() const;
    bool matches(const AuditEvent &event) const;
};

// One page of a query, newest first. `more` says whether older events may match; ask again with
// beforeSeq = resumeBefore. A text search reads a bounded stretch of the log per page, so a page
// can come back short (even empty) with more = true: it searched back to resumeBefore.
struct AuditPage
{
    AuditBatch events;
    bool more = false;
    qint64 resumeBefore = 0;
};

} // namespace paddock
