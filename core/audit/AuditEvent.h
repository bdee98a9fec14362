#pragma once

#include "common/Error.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QTimeZone>

#include <optional>

namespace paddock {

// One immutable record of something Paddock decided or did. The store assigns the sequence
// number and the hashes; everything else is the caller's.
struct AuditEvent
{
    // Where the event comes from. Stored by name; new sources are added at the end.
    enum class Source : quint8 { System, User, Policy, Proxy, Git, Runtime, Scheduler };
    enum class Decision : quint8 { Info, Allow, Deny, WouldDeny };

    static constexpr int HashSize = 32; // SHA-256

    qint64 seq = 0;    // 1, 2, 3, …: assigned by the store, gap-free
    qint64 timeUs = 0; // UTC, microseconds since the epoch; stamped by AuditStore::append when 0
    Source source = Source::System;
    QString persona; // the persona or job the event concerns; empty for Paddock itself
    QString action;  // "connect", "git-push", "engine.start", "policy.save", …
    QString resource;
    Decision decision = Decision::Info;
    QStringList policies; // the determining policy ids (for allow, deny, would-deny)
    QByteArray details;   // a compact JSON object ("{}" when there is nothing more)
    QByteArray prevHash;  // the hash of the event before it (zeros before the first)
    QByteArray hash;      // SHA-256 over prevHash and canonical()

    static QString sourceName(Source source);
    static std::optional<Source> sourceFromName(QStringView name);
    static QList<Source> allSources();
    static QString decisionName(Decision decision); // "allow", "deny", "would-deny", "info"
    static std::optional<Decision> decisionFromName(QStringView name);
    static QList<Decision> allDecisions();
    // Deny and would-deny: the rows a person looks for.
    bool isDenial() const { return decision == Decision::Deny || decision == Decision::WouldDeny; }

    QDateTime time() const { return QDateTime::fromMSecsSinceEpoch(timeUs / 1000, QTimeZone::UTC); }
    QJsonObject detailsObject() const;
    void setDetails(const QJsonObject &object);

    // The bytes the hash covers besides prevHash: every field but the hashes, each as
    // <length>:<bytes> (UTF-8), in a fixed order, after a format tag; the policies as their JSON
    // array text. Stable across versions.
    QByteArray canonical() const;
    QByteArray computeHash() const;
    static QByteArray canonical(qint64 seq, qint64 timeUs, QByteArrayView source, QByteArrayView persona,
                                QByteArrayView action, QByteArrayView resource, QByteArrayView decision,
                                QByteArrayView policies, QByteArrayView details);
    static QByteArray hashOf(QByteArrayView prevHash, QByteArrayView canonical);
    // The policy ids as stored: a compact JSON array.
    static QByteArray policiesText(const QStringList &policies);
    static QByteArray zeroHash() { return QByteArray(HashSize, '\0'); }

    // The whole event as JSON (export, `paddockctl audit tail`, the details pane); hashes in hex.
    QJsonObject toJson() const;
    QByteArray toJsonLine() const; // one line, no newline
    static Result<AuditEvent> fromJson(const QJsonObject &object);

    // Shorthands for the events of Paddock itself and of people using it.
    static AuditEvent system(QString action, QString resource = {}, const QJsonObject &details = {});
    static AuditEvent user(QString action, QString resource = {}, const QJsonObject &details = {});
};

using AuditBatch = QList<AuditEvent>;

// What a persona's enforcement points do while audit events cannot be written: refuse new actions
// (Closed, the default for restricted personas) or go on unrecorded (Open).
enum class AuditFailMode : quint8 { Closed, Open };

// The default for a persona of this trust level ("full", "moderate", "restricted") when its own
// configuration does not say: restricted personas fail closed, the others open.
inline AuditFailMode defaultAuditFailMode(QStringView trustLevel)
{
    return trustLevel == QLatin1StringView("restricted") ? AuditFailMode::Closed : AuditFailMode::Open;
}

} // namespace paddock

Q_DECLARE_METATYPE(paddock::AuditEvent)
