#pragma once

#include "audit/AuditEvent.h"

#include <QMap>
#include <QSet>
#include <QString>

#include <optional>

namespace paddock {

// Where a proxy decision went: the host and port of its resource, and for plain HTTP the method.
struct ProxyDestination
{
    QString action; // "connect" or "http"
    QString host;   // lower case name or IP literal (IPv6 without brackets)
    int port = 0;
    QString method; // "http" only; may be empty
};

// Drafts Cedar policies from what the egress proxy recorded: one permit for a single denied
// destination ("Allow this host…"), or, for a persona watched in record mode, one permit per host
// with the ports it used. Pure: the text is for a person to review in the policy editor and save.
class PolicySuggestion final
{
public:
    // Most hosts a draft lists; further hosts are counted (and the header says so), not listed.
    static constexpr int MaxHosts = 500;

    // A proxy decision ("connect" or "http", not a close) and its destination; nullopt for any
    // other event or a resource that is not "name:port" / "[v6]:port".
    static std::optional<ProxyDestination> destinationOf(const AuditEvent &event);
    // A Cedar string literal for `text`, with its quotes.
    static QString cedarString(const QString &text);
    // `@id("allow-<persona>-<host>-<port>")` and a permit for that persona and destination
    // (for http also the method, when known).
    static QString allowHost(const QString &persona, const ProxyDestination &destination);

    // The draft of everything observed for one persona: add() each of its events (others and
    // anything but proxy decisions are skipped), then text().
    explicit PolicySuggestion(QString persona);
    void add(const AuditEvent &event);
    qint64 eventCount() const { return m_events; }
    int hostCount() const { return int(m_connect.size() + m_http.size()) + m_hostsLeftOut; }
    // A comment header (how many events, which period, what to check) and one permit per host and
    // action, sorted by host; an empty string when nothing was observed.
    QString text() const;

private:
    struct Observed
    {
        QSet<int> ports;
        QSet<QString> methods;
    };

    QString m_persona;
    qint64 m_events = 0;
    qint64 m_firstUs = 0;
    qint64 m_lastUs = 0;
    QMap<QString, Observed> m_connect; // host → what was seen
    QMap<QString, Observed> m_http;
    int m_hostsLeftOut = 0;
    QSet<QString> m_leftOut; // bounded by MaxHosts as well: past that, counted only
};

} // namespace paddock
