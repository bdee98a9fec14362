#pragma once
// For tests of the persona runtime and what runs in its containers: waiting for a persona's state
// while the event loop runs, a shell command in a persona's container, and the audit events of a
// persona once they are there, and a CONNECT through a proxy on 127.0.0.1.

#include "audit/AuditReader.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>

namespace paddock::test {

inline bool waitForState(PersonaRuntime &runtime, const QString &persona, PersonaStatus::State state,
                         int ms = 60000)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (auto s = runtime.status(persona); s && s->state == state)
            return true;
        QTest::qWait(20);
    }
    return false;
}

// Runs a bash command line in the persona's container: its exit code and what it wrote.
// The command's output starts with a marker, so that output the engine lost (podman's exec can
// return none at all under load) is told apart from a command that said nothing: that exec is run
// once more, with a warning; what the command itself does wrong is never retried.
inline EngineClient::ExecResult inContainer(EngineClient &client, const QString &persona,
                                            const QString &script)
{
    static const QByteArray marker = "paddock-exec-began\n";
    for (int attempt = 0;; ++attempt) {
        auto r = client.exec(QStringLiteral("paddock-") + persona,
                             {QStringLiteral("bash"), QStringLiteral("-c"),
                              QStringLiteral("printf 'paddock-exec-began\\n'; ") + script});
        if (!r) {
            qWarning("exec in %s: %s", qPrintable(persona), qPrintable(r.error().text()));
            return EngineClient::ExecResult{};
        }
        if (r->stdoutText.startsWith(marker)) {
            r->stdoutText.remove(0, marker.size());
            return *r;
        }
        qWarning("exec in %s: the engine returned none of the output (exit %d, stdout [%s], stderr [%s])%s",
                 qPrintable(persona), r->exitCode, r->stdoutText.constData(), r->stderrText.constData(),
                 attempt == 0 ? "; once more" : "");
        if (attempt > 0)
            return *r;
    }
}

// The events of `persona` in the log at `databasePath`, oldest first, once there are at least
// `count` (or what there is after 5 s).
inline QList<AuditEvent> eventsOf(const QString &databasePath, const QString &persona, int count)
{
    QList<AuditEvent> out;
    for (int i = 0; i < 100; ++i) {
        if (auto reader = AuditReader::open(databasePath)) {
            AuditFilter filter;
            filter.persona = persona;
            auto batch = reader->after(0, filter, 10000);
            out = batch ? *batch : AuditBatch{};
            if (out.size() >= count)
                break;
        }
        QTest::qWait(50);
    }
    return out;
}

// The status line of the answer to a CONNECT through the proxy on 127.0.0.1:port (empty when it
// could not be reached or said nothing); with a 200 and `echoed`, "ping" is sent through the tunnel
// and what comes back (4 bytes) read into it.
inline QByteArray connectThrough(int port, const QString &authority, QByteArray *echoed = nullptr)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, quint16(port));
    if (!s.waitForConnected(3000))
        return {};
    s.write(QByteArray("CONNECT " + authority.toUtf8() + " HTTP/1.1\r\nHost: " + authority.toUtf8() +
                       "\r\n\r\n"));
    QByteArray got;
    while (!got.contains("\r\n\r\n") && s.waitForReadyRead(5000))
        got += s.readAll();
    const QByteArray status = got.left(got.indexOf("\r\n"));
    if (echoed && status.contains(" 200 ")) {
        s.write("ping");
        QByteArray back = got.mid(got.indexOf("\r\n\r\n") + 4);
        while (back.size() < 4 && s.waitForReadyRead(5000))
            back += s.readAll();
        *echoed = back;
    }
    return status;
}

} // namespace paddock::test
