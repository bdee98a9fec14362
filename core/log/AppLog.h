#pragma once

#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QTimer>

#include <deque>

namespace paddock {

struct LogEntry
{
    QDateTime time;
    QtMsgType type = QtInfoMsg;
    QString category;
    QString message;
};

// Paddock's own messages (qDebug/qInfo/qWarning from any thread), kept in a capped history and
// delivered to the UI in batches: at most one batch every BatchIntervalMs, and no timer at all
// while nothing is logged.
class AppLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AppLog)

public:
    static constexpr int BatchIntervalMs = 50;
    static constexpr qsizetype DefaultCapacity = 10000;

    // Installs the message handler (which still prints to stderr as before). One per process.
    explicit AppLog(qsizetype capacity = DefaultCapacity, QObject *parent = nullptr);
    ~AppLog() override;

    static AppLog *instance();
    // What was delivered so far: history() followed by every later entriesAdded() is the whole log.
    QList<LogEntry> history() const;
    qsizetype capacity() const { return m_capacity; }

signals:
    void entriesAdded(const QList<paddock::LogEntry> &entries);

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message);
    void append(LogEntry entry);
    void deliver();

    const qsizetype m_capacity;
    mutable QMutex m_mutex;
    std::deque<LogEntry> m_history;
    QList<LogEntry> m_pending;
    QTimer m_batchTimer;
    QtMessageHandler m_previous = nullptr;
};

} // namespace paddock
