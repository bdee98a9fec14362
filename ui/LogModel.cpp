#include "LogModel.h"

#include <QBrush>
#include <QIcon>
#include <QPalette>

namespace paddock {

LogModel::LogModel(qsizetype capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(capacity)
{}

void LogModel::append(const QList<LogEntry> &entries)
{
    if (entries.isEmpty())
        return;
    // Only the newest `capacity` of a huge batch can stay.
    const qsizetype take = std::min<qsizetype>(entries.size(), m_capacity);
    const qsizetype overflow = qsizetype(m_entries.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_entries.size());
    beginInsertRows({}, first, first + int(take) - 1);
    m_entries.insert(m_entries.end(), entries.end() - take, entries.end());
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString LogModel::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return tr("Debug");
    case QtInfoMsg:
        return tr("Info");
    case QtWarningMsg:
        return tr("Warning");
    case QtCriticalMsg:
        return tr("Critical");
    case QtFatalMsg:
        return tr("Fatal");
    }
    return {};
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogEntry &e = m_entries[size_t(index.row())];
    const bool bad = e.type == QtWarningMsg || e.type == QtCriticalMsg || e.type == QtFatalMsg;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case LevelColumn:
            return levelName(e.type);
        case CategoryColumn:
            return e.category;
        case MessageColumn:
            return e.message;
        }
        break;
    case Qt::ToolTipRole:
        return index.column() == MessageColumn ? QVariant(e.message) : QVariant();
    case Qt::DecorationRole:
        // Never colour alone: warnings carry an icon as well.
        if (index.column() == LevelColumn && bad)
            return QIcon::fromTheme(e.type == QtWarningMsg ? QStringLiteral("dialog-warning")
                                                           : QStringLiteral("dialog-error"));
        break;
    case Qt::ForegroundRole:
        if (bad)
            return QBrush(e.type == QtWarningMsg ? QColor(0xa1, 0x5c, 0x00) : QColor(0xc6, 0x28, 0x28));
        break;
    default:
        break;
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case LevelColumn:
        return tr("Level");
    case CategoryColumn:
        return tr("Category");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace paddock
