#pragma once

#include "common/Error.h"

#include <QThread>

#include <memory>

namespace paddock {

// An engine service (AuditStore, EgressProxy) on a thread of its own for as long as a command (or a
// test) runs: start() runs the service's start on that thread and waits for it; going out of scope
// stops it there, deletes it and joins the thread.
template <typename Service> class ServiceThread
{
public:
    ServiceThread(std::unique_ptr<Service> service, const QString &threadName)
        : m_service(service.release())
    {
        m_thread.setObjectName(threadName);
        m_service->moveToThread(&m_thread);
        m_thread.start();
    }
    ~ServiceThread()
    {
        QMetaObject::invokeMethod(
            m_service,
            [s = m_service] {
                s->stop();
                delete s;
            },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    ServiceThread(const ServiceThread &) = delete;
    ServiceThread &operator=(const ServiceThread &) = delete;

    Result<void> start()
    {
        Result<void> started;
        QMetaObject::invokeMethod(
            m_service, [&] { started = m_service->start(); }, Qt::BlockingQueuedConnection);
        return started;
    }
    Service *get() const { return m_service; }
    Service *operator->() const { return m_service; }

private:
    QThread m_thread;
    Service *m_service;
};

} // namespace paddock
