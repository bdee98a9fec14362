#include "audit/AuditEvent.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <openssl/evp.h>

#include <cstdio>

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
    // OpenSSL's SHA-256 uses the CPU's SHA extensions where there are some: the writer hashes every
    // event in order, so this is on the audit log's critical path.
    // One fetched algorithm for the process (shared by every thread, as OpenSSL allows; given back
    // at exit before OpenSSL cleans up), and a context per call: nothing is left in thread-local
    // state that a thread ending late, as the process exits, would still have to free.
    static const struct Algorithm
    {
        EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        ~Algorithm() { EVP_MD_free(md); }
    } algorithm;
    EVP_MD *const md = algorithm.md;
    struct Context
    {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ~Context() { EVP_MD_CTX_free(ctx); }
    } digest;
    static const QByteArray zeros = zeroHash();
    const QByteArrayView prev = prevHash.isEmpty() ? QByteArrayView(zeros) : prevHash;
    QByteArray out(HashSize, Qt::Uninitialized);
    unsigned int length = 0;
    if (!md || !digest.ctx || !EVP_DigestInit_ex2(digest.ctx, md, nullptr) ||
        !EVP_DigestUpdate(digest.ctx, prev.data(), size_t(prev.size())) ||
        !EVP_DigestUpdate(digest.ctx, canonical.data(), size_t(canonical.size())) ||
        !EVP_DigestFinal_ex(digest.ctx, reinterpret_cast<unsigned char *>(out.data()), &length)) {
        // Not expected with a working libcrypto; Qt's own implementation gives the same bytes.
        QCryptographicHash sha(QCryptographicHash::Sha256);
        sha.addData(prev);
        sha.addData(canonical);
        return sha.result();
    }
    return out;
}

QByteArray AuditEvent::computeHash() const
{
    return hashOf(prevHash, canonical());
}

QByteArray AuditEvent::policiesText(const QStringList &policies)
{
    // What QJsonDocument writes for a compact array of strings, without building one per event.
    QByteArray out = "[";
    for (const QString &id : policies) {
        if (out.size() > 1)
            out += ',';
        out += '"';
        for (const char c : id.toUtf8()) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (u < 0x20) {
                static const char *named[] = {"\\b", "\\t", "\\n", nullptr, "\\f", "\\r"};
                const char *n = u >= 8 && u <= 13 ? named[u - 8] : nullptr;
                if (n) {
                    out += n;
                } else {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\u%04x", u);
                    out += esc;
                }
            } else {
                out += c;
            }
        }
        out += '"';
    }
    out += ']';
    return out;
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
