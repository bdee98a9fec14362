#include "audit/AuditEvent.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AuditEvent)
};

constexpr const char *sourceNames[] = {"system", "user", "policy", "proxy", "git", "runtime", "scheduler"};
constexpr const char *decisionNames[] = {"info", "allow", "deny", "would-deny"};

void field(QByteArray &out, QByteArrayView bytes)
{
    out += QByteArray::number(bytes.size());
    out += ':';
    out += bytes;
}
} // namespace

QString AuditEvent::sourceName(Source source)
{
    return QString::fromLatin1(sourceNames[int(source)]);
}

std::optional<AuditEvent::Source> AuditEvent::sourceFromName(QStringView name)
{
    for (int i = 0; i < int(std::size(sourceNames)); ++i)
        if (name == QLatin1StringView(sourceNames[i]))
            return Source(i);
    return std::nullopt;
}

QList<AuditEvent::Source> AuditEvent::allSources()
{
    QList<Source> all;
    for (int i = 0; i < int(std::size(sourceNames)); ++i)
        all << Source(i);
    return all;
}

QString AuditEvent::decisionName(Decision decision)
{
    return QString::fromLatin1(decisionNames[int(decision)]);
}

std::optional<AuditEvent::Decision> AuditEvent::decisionFromName(QStringView name)
{
    for (int i = 0; i < int(std::size(decisionNames)); ++i)
        if (name == QLatin1StringView(decisionNames[i]))
            return Decision(i);
    return std::nullopt;
}

QList<AuditEvent::Decision> AuditEvent::allDecisions()
{
    return {Decision::Allow, Decision::Deny, Decision::WouldDeny, Decision::Info};
}

QJsonObject AuditEvent::detailsObject() const
{
    return QJsonDocument::fromJson(details).object();
}

void AuditEvent::setDetails(const QJsonObject &object)
{
    details = QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray AuditEvent::canonical(qint64 seq, qint64 timeUs, QByteArrayView source, QByteArrayView persona,
                                 QByteArrayView action, QByteArrayView resource, QByteArrayView decision,
                                 QByteArrayView policies, QByteArrayView details)
{
    QByteArray out;
    out.reserve(96 + persona.size() + action.size() + resource.size() + policies.size() + details.size());
    out += "paddock-audit-1\n";
    field(out, QByteArray::number(seq));
    field(out, QByteArray::number(timeUs));
    field(out, source);
    field(out, persona);
    field(out, action);
    field(out, resource);
    field(out, decision);
    field(out, policies);
    field(out, details.isEmpty() ? QByteArrayView("{}") : details);
    return out;
}

QByteArray AuditEvent::canonical() const
{
    return canonical(seq, timeUs, sourceNames[int(source)], persona.toUtf8(), action.toUtf8(),
                     resource.toUtf8(), decisionNames[int(decision)], policiesText(policies), details);
}

QByteArray AuditEvent::hashOf(QByteArrayView prevHash, QByteArrayView canonical)
{
    QCryptographicHash sha(QCryptographicHash::Sha256);
    sha.addData(prevHash.isEmpty() ? QByteArrayView(zeroHash()) : prevHash);
    sha.addData(canonical);
    return sha.result();
}

QByteArray AuditEvent::computeHash() const
{
    return hashOf(prevHash, canonical());
}

QByteArray AuditEvent::policiesText(const QStringList &policies)
{
    if (policies.isEmpty())
        return QByteArrayLiteral("[]");
    return QJsonDocument(QJsonArray::fromStringList(policies)).toJson(QJsonDocument::Compact);
}

QJsonObject AuditEvent::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("seq"), seq);
    o.insert(QStringLiteral("time"),
             QDateTime::fromMSecsSinceEpoch(timeUs / 1000, QTimeZone::UTC).toString(Qt::ISODateWithMs));
    o.insert(QStringLiteral("timeUs"), timeUs);
    o.insert(QStringLiteral("source"), sourceName(source));
    o.insert(QStringLiteral("persona"), persona);
    o.insert(QStringLiteral("action"), action);
    o.insert(QStringLiteral("resource"), resource);
    o.insert(QStringLiteral("decision"), decisionName(decision));
    o.insert(QStringLiteral("policies"), QJsonArray::fromStringList(policies));
    o.insert(QStringLiteral("details"), detailsObject());
    o.insert(QStringLiteral("prevHash"), QString::fromLatin1(prevHash.toHex()));
    o.insert(QStringLiteral("hash"), QString::fromLatin1(hash.toHex()));
    return o;
}

QByteArray AuditEvent::toJsonLine() const
{
    // details verbatim (as hashed), not re-serialized through QJsonObject.
    QJsonObject o = toJson();
    o.remove(QStringLiteral("details"));
    QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact);
    line.chop(1); // the closing brace
    line += ",\"details\":";
    line += details.isEmpty() ? QByteArrayLiteral("{}") : details;
    line += '}';
    return line;
}

Result<AuditEvent> AuditEvent::fromJson(const QJsonObject &o)
{
    AuditEvent e;
    e.seq = o.value(QStringLiteral("seq")).toInteger();
    e.timeUs = o.value(QStringLiteral("timeUs")).toInteger();
    const auto source = sourceFromName(o.value(QStringLiteral("source")).toString());
    const auto decision = decisionFromName(o.value(QStringLiteral("decision")).toString());
    if (!source)
        return fail(Error::Code::Invalid,
                    Text::tr("unknown source \"%1\"").arg(o.value(QStringLiteral("source")).toString()));
    if (!decision)
        return fail(Error::Code::Invalid,
                    Text::tr("unknown decision \"%1\"").arg(o.value(QStringLiteral("decision")).toString()));
    e.source = *source;
    e.decision = *decision;
    e.persona = o.value(QStringLiteral("persona")).toString();
    e.action = o.value(QStringLiteral("action")).toString();
    e.resource = o.value(QStringLiteral("resource")).toString();
    for (const QJsonValue &v : o.value(QStringLiteral("policies")).toArray())
        e.policies << v.toString();
    e.setDetails(o.value(QStringLiteral("details")).toObject());
    e.prevHash = QByteArray::fromHex(o.value(QStringLiteral("prevHash")).toString().toLatin1());
    e.hash = QByteArray::fromHex(o.value(QStringLiteral("hash")).toString().toLatin1());
    return e;
}

AuditEvent AuditEvent::system(QString action, QString resource, const QJsonObject &details)
{
    AuditEvent e;
    e.source = Source::System;
    e.action = std::move(action);
    e.resource = std::move(resource);
    e.setDetails(details);
    return e;
}

AuditEvent AuditEvent::user(QString action, QString resource, const QJsonObject &details)
{
    AuditEvent e = system(std::move(action), std::move(resource), details);
    e.source = Source::User;
    return e;
}

} // namespace paddock
