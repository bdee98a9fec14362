#include "log/AppLog.h"

#include <atomic>

namespace paddock {

namespace {
std::atomic<AppLog *> g_instance{nullptr};
thread_local bool t_inHandler = false;
} // namespace

AppLog::AppLog(qsizetype capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(capacity)
{
    m_batchTimer.setParent(this);
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(BatchIntervalMs);
    connect(&m_batchTimer, &QTimer::timeout, this, &AppLog::deliver);
    g_instance = this;
    m_previous = qInstallMessageHandler(&AppLog::handle);
}

AppLog::~AppLog()
{
    qInstallMessageHandler(m_previous);
    g_instance = nullptr;
}

AppLog *AppLog::instance()
{
    return g_instance;
}

void AppLog::handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    AppLog *log = g_instance;
    if (log && log->m_previous)
        log->m_previous(type, context, message);
    else
        fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
    if (!log || t_inHandler)
        return;
    t_inHandler = true;
    log->append(LogEntry{QDateTime::currentDateTimeUtc(), type,
                         QString::fromLatin1(context.category ? context.category : "default"), message});
    t_inHandler = false;
}

void AppLog::append(LogEntry entry)
{
    bool first = false;
    {
        QMutexLocker lock(&m_mutex);
        first = m_pending.isEmpty();
        m_pending.append(std::move(entry));
        if (m_pending.size() > m_capacity)
            m_pending.remove(0, m_pending.size() - m_capacity);
    }
    if (first) // the batch timer lives on this object's thread
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (!m_batchTimer.isActive())
                    m_batchTimer.start();
            },
            Qt::QueuedConnection);
}

void AppLog::deliver()
{
    QList<LogEntry> batch;
    {
        QMutexLocker lock(&m_mutex);
        batch.swap(m_pending);
        m_history.insert(m_history.end(), batch.begin(), batch.end());
        while (qsizetype(m_history.size()) > m_capacity)
            m_history.pop_front();
    }
    if (!batch.isEmpty())
        emit entriesAdded(batch);
}

QList<LogEntry> AppLog::history() const
{
    QMutexLocker lock(&m_mutex);
    return QList<LogEntry>(m_history.begin(), m_history.end());
}

} // namespace paddock
