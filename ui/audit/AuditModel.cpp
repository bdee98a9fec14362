#include "AuditModel.h"

#include "Icons.h"

#include <QApplication>
#include <QBrush>
#include <QFont>
#include <QStyle>

#include <algorithm>

namespace paddock {

namespace {
QIcon standardIcon(const char *themeName, QStyle::StandardPixmap fallback)
{
    auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
    return Icons::themed(QString::fromLatin1(themeName),
                         app ? app->style()->standardIcon(fallback) : QIcon());
}
} // namespace

AuditModel::AuditModel(qsizetype capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(std::max<qsizetype>(1, capacity))
    , m_denyIcon(standardIcon("dialog-error", QStyle::SP_MessageBoxCritical))
    , m_wouldDenyIcon(standardIcon("dialog-warning", QStyle::SP_MessageBoxWarning))
{
    m_boldFont.setBold(true);
}

void AuditModel::append(const AuditBatch &events)
{
    // What is already shown (the same event from a page and from the live feed) is skipped.
    auto begin = events.begin();
    const qint64 last = lastSeq();
    if (!m_events.empty())
        begin =
            std::find_if(events.begin(), events.end(), [last](const AuditEvent &e) { return e.seq > last; });
    qsizetype take = events.end() - begin;
    if (take == 0)
        return;
    take = std::min(take, m_capacity);
    const qsizetype overflow = qsizetype(m_events.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_events.erase(m_events.begin(), m_events.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(take) - 1);
    m_events.insert(m_events.end(), events.end() - take, events.end());
    endInsertRows();
}

qsizetype AuditModel::prepend(const AuditBatch &events)
{
    auto end = events.end();
    const qint64 first = firstSeq();
    if (!m_events.empty())
        end = std::find_if(events.begin(), events.end(),
                           [first](const AuditEvent &e) { return e.seq >= first; });
    const qsizetype room = m_capacity - qsizetype(m_events.size());
    const qsizetype take = std::min<qsizetype>(end - events.begin(), room);
    if (take <= 0)
        return 0;
    beginInsertRows({}, 0, int(take) - 1);
    m_events.insert(m_events.begin(), end - take, end);
    endInsertRows();
    return take;
}

void AuditModel::reset(const AuditBatch &events)
{
    beginResetModel();
    m_events.clear();
    const qsizetype take = std::min<qsizetype>(events.size(), m_capacity);
    m_events.insert(m_events.end(), events.end() - take, events.end());
    endResetModel();
}

void AuditModel::clear()
{
    reset({});
}

int AuditModel::rowOfSeq(qint64 seq) const
{
    const auto it = std::lower_bound(m_events.begin(), m_events.end(), seq,
                                     [](const AuditEvent &e, qint64 s) { return e.seq < s; });
    return it != m_events.end() && it->seq == seq ? int(it - m_events.begin()) : -1;
}

int AuditModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int AuditModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AuditModel::sourceLabel(AuditEvent::Source source)
{
    switch (source) {
    case AuditEvent::Source::System:
        return tr("System");
    case AuditEvent::Source::User:
        return tr("User");
    case AuditEvent::Source::Policy:
        return tr("Policy");
    case AuditEvent::Source::Proxy:
        return tr("Proxy");
    case AuditEvent::Source::Git:
        return tr("Git");
    case AuditEvent::Source::Runtime:
        return tr("Runtime");
    case AuditEvent::Source::Scheduler:
        return tr("Scheduler");
    }
    return AuditEvent::sourceName(source);
}

QString AuditModel::decisionLabel(AuditEvent::Decision decision)
{
    switch (decision) {
    case AuditEvent::Decision::Info:
        return tr("Info");
    case AuditEvent::Decision::Allow:
        return tr("Allow");
    case AuditEvent::Decision::Deny:
        return tr("Deny");
    case AuditEvent::Decision::WouldDeny:
        return tr("Would deny");
    }
    return AuditEvent::decisionName(decision);
}

QString AuditModel::timeLabel(const QDateTime &local)
{
    // Today's events by their time alone, as a log reads; older ones with their date.
    if (local.date() == QDate::currentDate())
        return local.toString(QStringLiteral("HH:mm:ss.zzz"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QVariant AuditModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEvent &e = m_events[size_t(index.row())];
    const bool deny = e.decision == AuditEvent::Decision::Deny;
    const bool wouldDeny = e.decision == AuditEvent::Decision::WouldDeny;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return timeLabel(e.time().toLocalTime());
        case SourceColumn:
            return sourceLabel(e.source);
        case PersonaColumn:
            return e.persona;
        case ActionColumn:
            return e.action;
        case ResourceColumn:
            return e.resource;
        case DecisionColumn:
            return decisionLabel(e.decision);
        case PolicyColumn:
            return e.policies.join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn:
            return tr("%1 (UTC)").arg(e.time().toString(Qt::ISODateWithMs));
        case ResourceColumn:
            return e.resource.isEmpty() ? QVariant() : QVariant(e.resource);
        case DecisionColumn:
            if (e.policies.isEmpty())
                return deny ? tr("Denied: no policy permits it") : QVariant();
            return tr("Decided by %1").arg(e.policies.join(QStringLiteral(", ")));
        case PolicyColumn:
            return e.policies.isEmpty() ? QVariant() : QVariant(e.policies.join(QStringLiteral("\n")));
        }
        break;
    case Qt::DecorationRole:
        // Never colour alone: denials carry an icon, their decision as text and bold type.
        if (index.column() == DecisionColumn && (deny || wouldDeny))
            return deny ? m_denyIcon : m_wouldDenyIcon;
        break;
    case Qt::FontRole:
        if (deny || wouldDeny)
            return m_boldFont;
        break;
    case Qt::BackgroundRole:
        if (deny)
            return QBrush(QColor(0xfd, 0xe0, 0xdc));
        if (wouldDeny)
            return QBrush(QColor(0xff, 0xf0, 0xd0));
        break;
    case Qt::ForegroundRole:
        if (deny)
            return QBrush(QColor(0x8e, 0x16, 0x16));
        if (wouldDeny)
            return QBrush(QColor(0x6d, 0x42, 0x00));
        break;
    case EventRole:
        return QVariant::fromValue(e);
    case SeqRole:
        return e.seq;
    default:
        break;
    }
    return {};
}

QVariant AuditModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case SourceColumn:
        return tr("Source");
    case PersonaColumn:
        return tr("Persona");
    case ActionColumn:
        return tr("Action");
    case ResourceColumn:
        return tr("Resource");
    case DecisionColumn:
        return tr("Decision");
    case PolicyColumn:
        return tr("Policy");
    }
    return {};
}

} // namespace paddock
