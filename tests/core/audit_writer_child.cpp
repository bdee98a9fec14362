// For test_audit_integrity's crash test: appends to the audit log at full speed and prints the
// sequence number of every event as soon as it is acknowledged, until it is killed.
//   audit_writer_child DATABASE
#include "audit/AuditStore.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QThread>

#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace paddock;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 2)
        return 2;
    auto *thread = new QThread;
    auto *store = new AuditStore(QString::fromLocal8Bit(argv[1]));
    store->moveToThread(thread);
    thread->start();
    bool started = false;
    QMetaObject::invokeMethod(
        store, [&] { started = store->start().has_value(); }, Qt::BlockingQueuedConnection);
    if (!started)
        return 1;
    std::fputs("started\n", stdout);
    std::fflush(stdout);
    std::thread writer([store] {
        for (qint64 n = 1;; ++n) {
            AuditEvent e;
            e.source = AuditEvent::Source::Proxy;
            e.persona = QStringLiteral("agent");
            e.action = QStringLiteral("connect");
            e.resource = QStringLiteral("host%1.example.com:443").arg(n % 100);
            e.decision = n % 7 ? AuditEvent::Decision::Allow : AuditEvent::Decision::Deny;
            e.setDetails({{QStringLiteral("n"), n}});
            store->append(std::move(e), [](const Result<qint64> &seq) {
                if (!seq)
                    return;
                char line[32];
                const int len = std::snprintf(line, sizeof line, "%lld\n", static_cast<long long>(*seq));
                (void)!::write(STDOUT_FILENO, line, size_t(len));
            });
            while (store->pendingCount() > 20000)
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    writer.detach();
    return QCoreApplication::exec();
}
