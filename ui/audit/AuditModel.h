#pragma once

#include "audit/AuditEvent.h"

#include <QAbstractTableModel>
#include <QFont>
#include <QIcon>

#include <deque>

namespace paddock {

// The audit events a view shows, oldest at the top: a capped ring buffer in sequence order. Live
// batches are appended with one insert each (the oldest rows leave in one remove at the cap), an
// older page can be put in front of the first row, and the whole can be reset to one page.
class AuditModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditModel)

public:
    enum Column {
        TimeColumn,
        SourceColumn,
        PersonaColumn,
        ActionColumn,
        ResourceColumn,
        DecisionColumn,
        PolicyColumn,
        ColumnCount
    };
    enum Role {
        EventRole = Qt::UserRole + 1, // the whole AuditEvent
        SeqRole,                      // qint64
    };
    static constexpr qsizetype DefaultCapacity = 100'000;

    explicit AuditModel(qsizetype capacity = DefaultCapacity, QObject *parent = nullptr);

    // `events` oldest first and newer than the last row; of a batch larger than the cap only the
    // newest stay.
    void append(const AuditBatch &events);
    // `events` oldest first and older than the first row. Only as many as fit under the cap are
    // taken (the newest of them, next to the first row); returns how many.
    qsizetype prepend(const AuditBatch &events);
    // Replaces everything with `events` (oldest first).
    void reset(const AuditBatch &events);
    void clear();

    qsizetype capacity() const { return m_capacity; }
    bool isFull() const { return qsizetype(m_events.size()) >= m_capacity; }
    const AuditEvent &event(int row) const { return m_events[size_t(row)]; }
    qint64 firstSeq() const { return m_events.empty() ? 0 : m_events.front().seq; }
    qint64 lastSeq() const { return m_events.empty() ? 0 : m_events.back().seq; }
    // The row holding `seq`, or -1.
    int rowOfSeq(qint64 seq) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    // What the time column shows for an event at `local` time.
    static QString timeLabel(const QDateTime &local);
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString sourceLabel(AuditEvent::Source source);
    static QString decisionLabel(AuditEvent::Decision decision);

private:
    const qsizetype m_capacity;
    std::deque<AuditEvent> m_events;
    QIcon m_denyIcon;
    QIcon m_wouldDenyIcon;
    QFont m_boldFont;
};

} // namespace paddock
