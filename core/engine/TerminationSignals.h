#pragma once

#include <QObject>

class QSocketNotifier;

namespace paddock {

// Turns SIGINT, SIGTERM and SIGHUP into a Qt signal on the thread that created this object,
// through a socket pair (the only thing a signal handler may safely touch). One per process.
class TerminationSignals final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminationSignals)

public:
    explicit TerminationSignals(QObject *parent = nullptr);
    ~TerminationSignals() override;

signals:
    void received(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace paddock
