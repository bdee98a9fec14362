#pragma once

#include "log/AppLog.h"

#include <QAbstractTableModel>

#include <deque>

namespace paddock {

// A capped ring buffer of log entries for a view: batches come in with one insert each, and the
// oldest rows leave in one remove when the cap is reached.
class LogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogModel)

public:
    enum Column { TimeColumn, LevelColumn, CategoryColumn, MessageColumn, ColumnCount };

    explicit LogModel(qsizetype capacity = AppLog::DefaultCapacity, QObject *parent = nullptr);

    void append(const QList<LogEntry> &entries);
    void clear();
    qsizetype capacity() const { return m_capacity; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString levelName(QtMsgType type);

private:
    const qsizetype m_capacity;
    std::deque<LogEntry> m_entries;
};

} // namespace paddock
