#include "policy/PolicySuggestion.h"

#include "policy/Value.h"

#include <QCoreApplication>

#include <algorithm>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PolicySuggestion)
};

const QString Connect = QStringLiteral("connect");
const QString Http = QStringLiteral("http");

QString principalOf(const QString &persona)
{
    return QStringLiteral("Paddock::Persona::") + PolicySuggestion::cedarString(persona);
}

QString actionOf(const QString &action)
{
    return QStringLiteral("Paddock::Action::") + PolicySuggestion::cedarString(action);
}

// `[a, b].contains(expr)`, or `expr == a` for one.
template <typename T, typename Show> QString oneOf(QList<T> values, const QString &expr, Show show)
{
    std::sort(values.begin(), values.end());
    if (values.size() == 1)
        return expr + QStringLiteral(" == ") + show(values.first());
    QStringList shown;
    for (const T &v : values)
        shown << show(v);
    return QLatin1Char('[') + shown.join(QStringLiteral(", ")) + QStringLiteral("].contains(") + expr +
           QLatin1Char(')');
}

QString portText(int port)
{
    return QString::number(port);
}

QString policy(const QString &id, const QString &persona, const QString &action, const QString &condition)
{
    return QStringLiteral("@id(") + PolicySuggestion::cedarString(id) +
           QStringLiteral(")\npermit (principal == ") + principalOf(persona) +
           QStringLiteral(", action == ") + actionOf(action) + QStringLiteral(", resource)\nwhen { ") +
           condition + QStringLiteral(" };\n");
}

QString timeText(qint64 us)
{
    return QDateTime::fromMSecsSinceEpoch(us / 1000, QTimeZone::UTC)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}
} // namespace

std::optional<ProxyDestination> PolicySuggestion::destinationOf(const AuditEvent &event)
{
    if (event.source != AuditEvent::Source::Proxy || event.decision == AuditEvent::Decision::Info ||
        (event.action != Connect && event.action != Http))
        return std::nullopt;
    const qsizetype colon = event.resource.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return std::nullopt;
    bool ok = false;
    const int port = event.resource.sliced(colon + 1).toInt(&ok);
    if (!ok || port <= 0 || port > 65535)
        return std::nullopt;
    QString host = event.resource.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.sliced(1, host.size() - 2);
    else if (host.contains(QLatin1Char(':')))
        return std::nullopt; // an IPv6 address must be in brackets
    if (host.isEmpty())
        return std::nullopt;
    ProxyDestination destination{event.action, host.toLower(), port, {}};
    if (event.action == Http)
        destination.method = event.detailsObject().value(QStringLiteral("method")).toString();
    return destination;
}

QString PolicySuggestion::cedarString(const QString &text)
{
    return QString::fromStdString(cedar::quoteString(text.toStdString()));
}

QString PolicySuggestion::allowHost(const QString &persona, const ProxyDestination &destination)
{
    const QString id = QStringLiteral("allow-%1-%2-%3").arg(persona, destination.host).arg(destination.port);
    QString condition = QStringLiteral("resource.name == ") + cedarString(destination.host) +
                        QStringLiteral(" && resource.port == ") + QString::number(destination.port);
    if (destination.action == Http && !destination.method.isEmpty())
        condition += QStringLiteral(" && context.method == ") + cedarString(destination.method);
    return policy(id, persona, destination.action, condition);
}

PolicySuggestion::PolicySuggestion(QString persona)
    : m_persona(std::move(persona))
{}

void PolicySuggestion::add(const AuditEvent &event)
{
    if (event.persona != m_persona)
        return;
    const auto destination = destinationOf(event);
    if (!destination)
        return;
    ++m_events;
    m_firstUs = m_firstUs == 0 ? event.timeUs : std::min(m_firstUs, event.timeUs);
    m_lastUs = std::max(m_lastUs, event.timeUs);
    auto &hosts = destination->action == Http ? m_http : m_connect;
    auto it = hosts.find(destination->host);
    if (it == hosts.end()) {
        if (m_connect.size() + m_http.size() >= MaxHosts) {
            if (m_leftOut.size() < 10 * MaxHosts && !m_leftOut.contains(destination->host)) {
                m_leftOut.insert(destination->host);
                ++m_hostsLeftOut;
            }
            return;
        }
        it = hosts.insert(destination->host, {});
    }
    it->ports.insert(destination->port);
    if (!destination->method.isEmpty())
        it->methods.insert(destination->method);
}

QString PolicySuggestion::text() const
{
    if (m_events == 0)
        return {};
    QString out =
        Text::tr("// Drafted by Paddock from %n proxy event(s) of the persona %1", nullptr, int(m_events))
            .arg(cedarString(m_persona));
    out += QLatin1Char('\n');
    out += Text::tr("// observed from %1 to %2 UTC: one permit per host with the ports it used.")
               .arg(timeText(m_firstUs), timeText(m_lastUs));
    out += QLatin1Char('\n');
    if (m_hostsLeftOut > 0) {
        out += Text::tr("// %n more host(s) were seen but are not listed (at most %1 are).", nullptr,
                        m_hostsLeftOut)
                   .arg(MaxHosts);
        out += QLatin1Char('\n');
    }
    out += Text::tr("// Review every host before saving: remove what the agent should not reach.");
    out += QLatin1Char('\n');

    // Hosts in order, a host's connect permit before its http one.
    QStringList hosts = m_connect.keys() + m_http.keys();
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    for (const QString &host : std::as_const(hosts)) {
        const QString name = QStringLiteral("resource.name == ") + cedarString(host);
        if (const auto it = m_connect.constFind(host); it != m_connect.cend())
            out += policy(QStringLiteral("record-%1-%2").arg(m_persona, host), m_persona, Connect,
                          name + QStringLiteral(" && ") +
                              oneOf(it->ports.values(), QStringLiteral("resource.port"), portText));
        if (const auto it = m_http.constFind(host); it != m_http.cend()) {
            QString condition = name + QStringLiteral(" && ") +
                                oneOf(it->ports.values(), QStringLiteral("resource.port"), portText);
            if (!it->methods.isEmpty())
                condition += QStringLiteral(" && ") +
                             oneOf(it->methods.values(), QStringLiteral("context.method"), cedarString);
            out +=
                policy(QStringLiteral("record-%1-%2-http").arg(m_persona, host), m_persona, Http, condition);
        }
    }
    return out;
}

} // namespace paddock
