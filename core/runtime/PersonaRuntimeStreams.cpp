#include "runtime/PersonaRuntimePrivate.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

// The persona runtime's engine streams: what the UI watches (stats), follows (logs), and the exit
// of every running container.
namespace paddock {

void PersonaRuntime::setWatched(const QStringList &names)
{
    m_watched = QSet<QString>(names.begin(), names.end());
    updateStreams();
}

void PersonaRuntime::followLogs(const QString &name, int tail)
{
    m_followed.insert(name, tail);
    m_streams->retire(m_streams->logs, name);
    updateStreams();
}

void PersonaRuntime::unfollowLogs(const QString &name)
{
    m_followed.remove(name);
    m_streams->retire(m_streams->logs, name);
}

void PersonaRuntime::updateStreams()
{
    if (!m_client || !m_connected)
        return;
    for (const Persona &p : m_personas) {
        const PersonaStatus s = m_status.value(p.name);
        const bool running = s.state == PersonaStatus::State::Running;
        if (!running) {
            m_streams->retire(m_streams->exits, p.name);
        } else if (!m_streams->exits.contains(p.name)) {
            const QString name = p.name;
            const QString id = s.containerId;
            m_streams->exits[p.name] = std::make_unique<EngineStream>(
                m_client->endpoint(), m_client->apiVersion(),
                QStringLiteral("/containers/%1/wait?condition=not-running")
                    .arg(EngineClient::encoded(p.containerName())),
                [](const QByteArray &) {},
                [this, name, id](const std::optional<Error> &error) {
                    if (error)
                        return; // the events stream says what happened to the engine
                    QMetaObject::invokeMethod(
                        this,
                        [this, name, id] {
                            // Still the container it waited for: read how it ended.
                            if (m_status.value(name).containerId == id || id.isEmpty())
                                refreshOne(name);
                        },
                        Qt::QueuedConnection);
                },
                "POST");
        }
        if (!running || !m_watched.contains(p.name)) {
            m_streams->retire(m_streams->stats, p.name);
        } else if (!m_streams->stats.contains(p.name)) {
            // podman sends a sample a second; the CPU share is computed here from two of them.
            auto previous = std::make_shared<std::optional<EngineClient::ContainerStats>>();
            auto buffer = std::make_shared<QByteArray>();
            const QString name = p.name;
            m_streams->stats[p.name] = std::make_unique<EngineStream>(
                m_client->endpoint(), m_client->apiVersion(),
                QStringLiteral("/containers/%1/stats?stream=true")
                    .arg(EngineClient::encoded(p.containerName())),
                [this, name, previous, buffer](const QByteArray &chunk) {
                    buffer->append(chunk);
                    qsizetype newline;
                    while ((newline = buffer->indexOf('\n')) >= 0) {
                        const QJsonObject o = QJsonDocument::fromJson(buffer->left(newline)).object();
                        buffer->remove(0, newline + 1);
                        if (o.isEmpty())
                            continue;
                        const EngineClient::ContainerStats now = EngineClient::parseStats(o);
                        PersonaSample sample;
                        sample.persona = name;
                        sample.timeMs = QDateTime::currentMSecsSinceEpoch();
                        sample.cpuPercent = *previous ? EngineClient::cpuPercent(**previous, now) : 0.0;
                        sample.memoryBytes = now.memoryBytes;
                        sample.memoryLimit = now.memoryLimit;
                        sample.pids = now.pids;
                        sample.rxBytes = now.rxBytes;
                        sample.txBytes = now.txBytes;
                        *previous = now;
                        emit sampled(sample);
                    }
                });
        }
        if (!m_followed.contains(p.name)) {
            m_streams->retire(m_streams->logs, p.name);
        } else if (!m_streams->logs.contains(p.name) && (running || s.state == PersonaStatus::State::Exited ||
                                                         s.state == PersonaStatus::State::Stopped)) {
            if (s.containerId.isEmpty() && !running)
                continue;
            auto rest = std::make_shared<QByteArray>();
            const QString name = p.name;
            const int tail = m_followed.value(p.name);
            // After the first stream, only what is new: the lines before were already shown.
            m_followed.insert(p.name, 0);
            m_streams->logs[p.name] = std::make_unique<EngineStream>(
                m_client->endpoint(), m_client->apiVersion(),
                QStringLiteral("/containers/%1/logs?follow=%2&stdout=true&stderr=true&tail=%3")
                    .arg(EngineClient::encoded(p.containerName()),
                         running ? QStringLiteral("true") : QStringLiteral("false"),
                         tail < 0 ? QStringLiteral("all") : QString::number(tail)),
                [this, name, rest](const QByteArray &chunk) {
                    const QList<EngineClient::LogLine> lines = EngineClient::demultiplex(*rest, chunk);
                    if (!lines.isEmpty())
                        emit logLines(name, lines);
                });
        }
    }
}

void PersonaRuntime::reap()
{
    auto &r = m_streams->retiring;
    r.erase(std::remove_if(r.begin(), r.end(), [](const auto &s) { return s->isFinished(); }), r.end());
}

} // namespace paddock
