#include "personas/PersonaStore.h"

#include "common/TextPosition.h"
#include "config/AtomicFile.h"
#include "config/JsonLocator.h"
#include "config/Paths.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QSet>

#include <nlohmann/json.hpp>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaStore)
};

using json = nlohmann::json;

const QRegularExpression &namePattern()
{
    static const QRegularExpression re(QStringLiteral("^[a-z][a-z0-9-]{0,30}\\z"));
    return re;
}

// A persona of a version 1 file, which had no agents: the old defaults' entrypoints become the
// agents that took their place (web's program: opencode's web UI on its port; agent's gateway:
// Claude Code). Any other entrypoint stays, with no agent (shell).
void migrateAgent(Persona &p)
{
    const QStringList &e = p.entrypoint;
    if (e.size() != 4 || e[0] != QLatin1StringView("/usr/local/bin/paddock-agent") ||
        e[2] != QLatin1StringView("--port"))
        return;
    if (e[1] == QLatin1StringView("web")) {
        p.agent.kind = Persona::Agent::Kind::Opencode;
        p.agent.web = true;
        p.entrypoint.clear();
    } else if (e[1] == QLatin1StringView("gateway")) {
        p.agent.kind = Persona::Agent::Kind::Claude;
        p.entrypoint.clear();
    }
}

// What is wrong with the persona's agent settings, if anything.
std::expected<void, QString> validateAgent(const Persona &p)
{
    using Kind = Persona::Agent::Kind;
    const Persona::Agent &a = p.agent;
    const QString kind = Persona::Agent::kindName(a.kind);
    auto wrong = [&](const QString &what) {
        return std::unexpected(Text::tr("persona \"%1\": %2").arg(p.name, what));
    };
    if (!a.model.isEmpty()) {
        if (a.kind == Kind::Shell || a.kind == Kind::Custom)
            return wrong(Text::tr("the %1 agent takes no model").arg(kind));
        // One word the agent takes as its model, never as an option of its own.
        static const QRegularExpression model(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}\\z"));
        if (!model.match(a.model).hasMatch())
            return wrong(Text::tr("\"%1\" is not a model name (letters, digits and . _ : / @ + -, starting "
                                  "with a letter or digit)")
                             .arg(a.model.left(80)));
    }
    if (!a.effort.isEmpty()) {
        if (!Persona::Agent::hasEffort(a.kind))
            return wrong(Text::tr("the %1 agent has no reasoning effort to set").arg(kind));
        if (!Persona::Agent::effortLevels().contains(a.effort))
            return wrong(
                Text::tr("the effort \"%1\" is not one of %2")
                    .arg(a.effort.left(40), Persona::Agent::effortLevels().join(QStringLiteral(", "))));
    }
    if (a.web && a.kind != Kind::Opencode)
        return wrong(Text::tr("only opencode has a web UI (\"web\")"));
    if (a.web && p.ports.isEmpty())
        return wrong(Text::tr("opencode's web UI needs a published port to be served on"));
    if (a.kind == Kind::Custom && a.command.isEmpty())
        return wrong(Text::tr("the custom agent needs a command"));
    if (a.kind != Kind::Custom && !a.command.isEmpty())
        return wrong(Text::tr("only the custom agent takes a command"));
    for (auto it = a.env.cbegin(); it != a.env.cend(); ++it) {
        if (const QString problem = Persona::Agent::envNameProblem(it.key()); !problem.isEmpty())
            return wrong(problem);
        if (it.value().contains(u'\n') || it.value().contains(u'\0') || it.value().size() > 4096)
            return wrong(
                Text::tr("the value of %1 must be one line of at most 4096 characters").arg(it.key()));
    }
    return {};
}

json toJson(const Persona &p)
{
    json ports = json::array(), volumes = json::array(), caps = json::array(), entry = json::array();
    for (const auto &port : p.ports)
        ports.push_back({{"host", port.host}, {"container", port.container}});
    for (const auto &v : p.volumes)
        volumes.push_back({{"name", v.name.toStdString()}, {"target", v.target.toStdString()}});
    for (const QString &c : p.relaxed.capabilities)
        caps.push_back(c.toStdString());
    for (const QString &e : p.entrypoint)
        entry.push_back(e.toStdString());
    json o = {{"name", p.name.toStdString()},
              {"trust", Persona::trustName(p.trust).toStdString()},
              {"image", p.image.toStdString()},
              {"entrypoint", entry},
              {"ports", ports},
              {"volumes", volumes},
              {"sshKey", p.sshKey.toStdString()},
              {"deployKey", p.deployKey},
              {"limits",
               {{"memoryMb", p.limits.memoryMb},
                {"cpus", p.limits.cpus},
                {"pids", p.limits.pids},
                {"nofile", p.limits.nofile},
                {"nproc", p.limits.nproc},
                {"tmpMb", p.limits.tmpMb}}},
              {"relaxed",
               {{"writableRoot", p.relaxed.writableRoot},
                {"rootUser", p.relaxed.rootUser},
                {"capabilities", caps}}}};
    if (p.auditFailMode)
        o["auditFailMode"] = *p.auditFailMode == AuditFailMode::Closed ? "closed" : "open";
    if (!(p.proxy == Persona::ProxyLimits{}) || p.proxyLoopbackPort != 0) {
        const Persona::ProxyLimits &l = p.proxy;
        o["proxy"] = {{"connectionsPerSecond", l.connectionsPerSecond},
                      {"connectionBurst", l.connectionBurst},
                      {"maxTunnels", l.maxTunnels},
                      {"bytesPerSecond", l.bytesPerSecond},
                      {"connectTimeoutMs", l.connectTimeoutMs},
                      {"headTimeoutMs", l.headTimeoutMs},
                      {"idleTimeoutMs", l.idleTimeoutMs},
                      {"totalTimeoutMs", l.totalTimeoutMs}};
        if (p.proxyLoopbackPort != 0)
            o["proxy"]["loopbackPort"] = p.proxyLoopbackPort;
    }
    if (p.agent.kind != Persona::Agent::Kind::Shell) {
        json agent = {{"name", Persona::Agent::kindName(p.agent.kind).toStdString()}};
        if (!p.agent.model.isEmpty())
            agent["model"] = p.agent.model.toStdString();
        if (!p.agent.effort.isEmpty())
            agent["effort"] = p.agent.effort.toStdString();
        if (p.agent.web)
            agent["web"] = true;
        if (!p.agent.command.isEmpty()) {
            json command = json::array();
            for (const QString &part : p.agent.command)
                command.push_back(part.toStdString());
            agent["command"] = command;
        }
        if (!p.agent.env.isEmpty()) {
            json env = json::object();
            for (auto it = p.agent.env.cbegin(); it != p.agent.env.cend(); ++it)
                env[it.key().toStdString()] = it.value().toStdString();
            agent["env"] = env;
        }
        o["agent"] = agent;
    }
    if (p.policyMode != Persona::PolicyMode::Enforce)
        o["policyMode"] = Persona::policyModeName(p.policyMode).toStdString();
    return o;
}
} // namespace

PersonaStore::PersonaStore(QString path)
    : m_path(std::move(path))
{}

QString PersonaStore::defaultPath()
{
    return Paths::configDir() + QStringLiteral("/personas.json");
}

std::optional<Persona> PersonaStore::find(const QString &name) const
{
    for (const Persona &p : m_personas)
        if (p.name == name)
            return p;
    return std::nullopt;
}

Result<void> PersonaStore::load(const QString &image)
{
    m_loadError.reset();
    auto bytes = AtomicFile::read(m_path);
    if (!bytes) {
        if (bytes.error().code == Error::Code::NotFound) {
            m_personas = Persona::defaults(image);
            return {};
        }
        m_loadError = bytes.error();
        return std::unexpected(*m_loadError);
    }
    auto parsed = parse(*bytes, m_path);
    if (!parsed) {
        m_loadError = parsed.error();
        m_personas = Persona::defaults(image);
        return std::unexpected(*m_loadError);
    }
    m_personas = *parsed;
    return {};
}

Result<QList<Persona>> PersonaStore::parse(const QByteArray &text, const QString &path)
{
    const QString keep =
        Text::tr("Paddock uses its default personas and will not save changes to them until the file "
                 "is fixed or removed (the previous version, if any, is %1).")
            .arg(AtomicFile::backupPath(path));
    const JsonLocator where(text, QLatin1StringView("personas"));
    auto reject = [&](const QString &message, qsizetype offset) -> Result<QList<Persona>> {
        return std::unexpected(
            Error{Error::Code::Parse, message, TextPosition::at(text, offset).format(path), keep});
    };
    json root;
    try {
        root = json::parse(text.constData(), text.constData() + text.size());
    } catch (const json::parse_error &e) {
        return reject(
            Text::tr("not valid JSON: %1").arg(QString::fromStdString(e.what()).section(u':', -1).trimmed()),
            qsizetype(e.byte > 0 ? e.byte - 1 : 0));
    } catch (const json::exception &e) { // a number too large, and the like
        return reject(Text::tr("not valid JSON: %1").arg(QString::fromStdString(e.what())), 0);
    }
    if (!root.is_object())
        return reject(Text::tr("expected a JSON object"), 0);
    if (!root.contains("version") || !root["version"].is_number_integer() ||
        root["version"].get<qint64>() < 1 || root["version"].get<qint64>() > 1000000)
        return reject(Text::tr("\"version\" must be a positive whole number"),
                      qMax<qsizetype>(0, text.indexOf("\"version\"")));
    if (root["version"].get<int>() > FormatVersion)
        return reject(
            Text::tr("written by a newer Paddock (personas version %1; this Paddock reads up to %2)")
                .arg(root["version"].get<int>())
                .arg(FormatVersion),
            qMax<qsizetype>(0, text.indexOf("\"version\"")));
    if (!root.contains("personas") || !root["personas"].is_array())
        return reject(Text::tr("\"personas\" must be a list"),
                      qMax<qsizetype>(0, text.indexOf("\"personas\"")));

    const int version = root["version"].get<int>();
    QList<Persona> out;
    int index = 0;
    for (const json &o : root["personas"]) {
        auto bad = [&](const QString &key, const QString &message) {
            return reject(message, where.at(index, key));
        };
        if (!o.is_object())
            return bad({}, Text::tr("each persona must be an object"));
        Persona p;
        auto text = [&](const char *key, QString &into, bool required) -> std::optional<Error> {
            if (!o.contains(key)) {
                if (required)
                    return bad({}, Text::tr("persona %1 has no \"%2\"")
                                       .arg(index + 1)
                                       .arg(QLatin1StringView(key)))
                        .error();
                return std::nullopt;
            }
            if (!o[key].is_string())
                return bad(QLatin1StringView(key),
                           Text::tr("\"%1\" must be a string").arg(QLatin1StringView(key)))
                    .error();
            into = QString::fromStdString(o[key].get<std::string>());
            return std::nullopt;
        };
        QString trust;
        for (auto [key, into, required] :
             {std::tuple{"name", &p.name, true}, std::tuple{"trust", &trust, true},
              std::tuple{"image", &p.image, true}, std::tuple{"sshKey", &p.sshKey, false}})
            if (auto e = text(key, *into, required))
                return std::unexpected(*e);
        const auto level = Persona::trustFromName(trust);
        if (!level)
            return bad(QStringLiteral("trust"),
                       Text::tr("unknown trust level \"%1\"; use full, moderate or restricted").arg(trust));
        p.trust = *level;
        if (o.contains("deployKey")) {
            if (!o["deployKey"].is_boolean())
                return bad(QStringLiteral("deployKey"), Text::tr("\"deployKey\" must be true or false"));
            p.deployKey = o["deployKey"].get<bool>();
        }
        auto strings = [&](const json &list, const QString &key, QStringList &into) -> bool {
            if (!list.is_array())
                return false;
            for (const json &v : list) {
                if (!v.is_string())
                    return false;
                into << QString::fromStdString(v.get<std::string>());
            }
            (void)key;
            return true;
        };
        if (o.contains("entrypoint") && !strings(o["entrypoint"], QStringLiteral("entrypoint"), p.entrypoint))
            return bad(QStringLiteral("entrypoint"), Text::tr("\"entrypoint\" must be a list of strings"));
        if (o.contains("ports")) {
            if (!o["ports"].is_array())
                return bad(QStringLiteral("ports"), Text::tr("\"ports\" must be a list"));
            for (const json &port : o["ports"]) {
                auto inRange = [&](const char *key) {
                    return port.contains(key) && port[key].is_number_integer() &&
                           port[key].get<qint64>() >= 1 && port[key].get<qint64>() <= 65535;
                };
                if (!port.is_object() || !inRange("host") || !inRange("container"))
                    return bad(QStringLiteral("ports"),
                               Text::tr("each port must be {\"host\": N, \"container\": N} with "
                                        "whole numbers from 1 to 65535"));
                p.ports.push_back({int(port["host"].get<qint64>()), int(port["container"].get<qint64>())});
            }
        }
        if (o.contains("volumes")) {
            if (!o["volumes"].is_array())
                return bad(QStringLiteral("volumes"), Text::tr("\"volumes\" must be a list"));
            for (const json &v : o["volumes"]) {
                if (!v.is_object() || !v.contains("name") || !v.contains("target") ||
                    !v["name"].is_string() || !v["target"].is_string())
                    return bad(QStringLiteral("volumes"),
                               Text::tr("each volume must be {\"name\": \"…\", \"target\": \"/path\"}"));
                p.volumes.push_back({QString::fromStdString(v["name"].get<std::string>()),
                                     QString::fromStdString(v["target"].get<std::string>())});
            }
        }
        if (o.contains("limits")) {
            const json &l = o["limits"];
            if (!l.is_object())
                return bad(QStringLiteral("limits"), Text::tr("\"limits\" must be an object"));
            auto number = [&](const char *key, auto &into) -> bool {
                if (!l.contains(key))
                    return true;
                // Within what the engine takes, so that the conversion below is exact.
                if (!l[key].is_number() || !(l[key].get<double>() >= 0 && l[key].get<double>() <= 1e9))
                    return false;
                into = static_cast<std::decay_t<decltype(into)>>(l[key].get<double>());
                return true;
            };
            if (!number("memoryMb", p.limits.memoryMb) || !number("cpus", p.limits.cpus) ||
                !number("pids", p.limits.pids) || !number("nofile", p.limits.nofile) ||
                !number("nproc", p.limits.nproc) || !number("tmpMb", p.limits.tmpMb))
                return bad(QStringLiteral("limits"),
                           Text::tr("the limits must be numbers from 0 to 1000000000"));
        }
        if (o.contains("proxy")) {
            const json &l = o["proxy"];
            if (!l.is_object())
                return bad(QStringLiteral("proxy"), Text::tr("\"proxy\" must be an object"));
            auto number = [&](const char *key, auto &into) -> bool {
                if (!l.contains(key))
                    return true;
                if (!l[key].is_number() || !(l[key].get<double>() >= 0 && l[key].get<double>() <= 2e9))
                    return false;
                into = static_cast<std::decay_t<decltype(into)>>(l[key].get<double>());
                return true;
            };
            Persona::ProxyLimits &x = p.proxy;
            if (!number("connectionsPerSecond", x.connectionsPerSecond) ||
                !number("connectionBurst", x.connectionBurst) || !number("maxTunnels", x.maxTunnels) ||
                !number("bytesPerSecond", x.bytesPerSecond) ||
                !number("connectTimeoutMs", x.connectTimeoutMs) ||
                !number("headTimeoutMs", x.headTimeoutMs) || !number("idleTimeoutMs", x.idleTimeoutMs) ||
                !number("totalTimeoutMs", x.totalTimeoutMs))
                return bad(QStringLiteral("proxy"),
                           Text::tr("the proxy limits must be numbers from 0 to 2000000000 (timeouts in "
                                    "milliseconds)"));
            if (l.contains("loopbackPort") &&
                (!l["loopbackPort"].is_number_integer() || l["loopbackPort"].get<qint64>() < 0 ||
                 l["loopbackPort"].get<qint64>() > 65535))
                return bad(QStringLiteral("proxy"),
                           Text::tr("\"loopbackPort\" must be a port from 1 to 65535, or 0 for none"));
            if (l.contains("loopbackPort"))
                p.proxyLoopbackPort = l["loopbackPort"].get<int>();
        }
        if (o.contains("relaxed")) {
            const json &r = o["relaxed"];
            if (!r.is_object())
                return bad(QStringLiteral("relaxed"), Text::tr("\"relaxed\" must be an object"));
            if ((r.contains("writableRoot") && !r["writableRoot"].is_boolean()) ||
                (r.contains("rootUser") && !r["rootUser"].is_boolean()) ||
                (r.contains("capabilities") &&
                 !strings(r["capabilities"], QStringLiteral("capabilities"), p.relaxed.capabilities)))
                return bad(QStringLiteral("relaxed"),
                           Text::tr("\"relaxed\" holds writableRoot and rootUser (true or "
                                    "false) and capabilities (a list of names)"));
            p.relaxed.writableRoot = r.value("writableRoot", false);
            p.relaxed.rootUser = r.value("rootUser", false);
        }
        if (o.contains("auditFailMode")) {
            const std::string mode =
                o["auditFailMode"].is_string() ? o["auditFailMode"].get<std::string>() : std::string();
            if (mode != "closed" && mode != "open")
                return bad(QStringLiteral("auditFailMode"),
                           Text::tr("\"auditFailMode\" must be \"closed\" or \"open\""));
            p.auditFailMode = mode == "closed" ? AuditFailMode::Closed : AuditFailMode::Open;
        }
        if (o.contains("agent")) {
            const json &a = o["agent"];
            const auto kind =
                a.is_object() && a.contains("name") && a["name"].is_string()
                    ? Persona::Agent::kindFromName(QString::fromStdString(a["name"].get<std::string>()))
                    : std::nullopt;
            if (!kind)
                return bad(QStringLiteral("agent"),
                           Text::tr("\"agent\" must be an object whose \"name\" is shell, claude, codex, "
                                    "opencode, copilot or custom"));
            p.agent.kind = *kind;
            for (auto [key, into] :
                 {std::pair{"model", &p.agent.model}, std::pair{"effort", &p.agent.effort}}) {
                if (!a.contains(key))
                    continue;
                if (!a[key].is_string())
                    return bad(QStringLiteral("agent"),
                               Text::tr("the agent's \"%1\" must be a string").arg(QLatin1StringView(key)));
                *into = QString::fromStdString(a[key].get<std::string>());
            }
            if (a.contains("web")) {
                if (!a["web"].is_boolean())
                    return bad(QStringLiteral("agent"),
                               Text::tr("the agent's \"web\" must be true or false"));
                p.agent.web = a["web"].get<bool>();
            }
            if (a.contains("command") && !strings(a["command"], QStringLiteral("command"), p.agent.command))
                return bad(QStringLiteral("agent"),
                           Text::tr("the agent's \"command\" must be a list of strings"));
            if (a.contains("env")) {
                const json &env = a["env"];
                bool strings = env.is_object();
                for (auto it = env.begin(); strings && it != env.end(); ++it)
                    strings = it.value().is_string();
                if (!strings)
                    return bad(QStringLiteral("agent"),
                               Text::tr("the agent's \"env\" must be an object of strings"));
                for (auto it = env.begin(); it != env.end(); ++it)
                    p.agent.env.insert(QString::fromStdString(it.key()),
                                       QString::fromStdString(it.value().get<std::string>()));
            }
        } else if (version == 1) {
            migrateAgent(p);
        }
        if (o.contains("policyMode")) {
            const auto mode =
                o["policyMode"].is_string()
                    ? Persona::policyModeFromName(QString::fromStdString(o["policyMode"].get<std::string>()))
                    : std::nullopt;
            if (!mode)
                return bad(QStringLiteral("policyMode"),
                           Text::tr("\"policyMode\" must be \"enforce\", \"shadow\" or \"record\""));
            p.policyMode = *mode;
        }
        out << p;
        ++index;
    }
    if (auto valid = validate(out); !valid) {
        // Point at the persona the problem is about (its name is in the message's where).
        int at = 0;
        for (int i = 0; i < out.size(); ++i)
            if (out[i].name == valid.error().where)
                at = i;
        return reject(valid.error().message, where.at(at, QStringLiteral("name")));
    }
    return out;
}

Result<void> PersonaStore::validate(const QList<Persona> &personas)
{
    QSet<QString> names;
    QHash<int, QString> hostPorts;  // published → by whom
    QHash<int, QString> proxyPorts; // the proxy's loopback listeners → whose
    for (const Persona &p : personas) {
        auto bad = [&](const QString &message) {
            return fail(Error::Code::Invalid, message, p.name,
                        Text::tr("Correct the persona and save again."));
        };
        if (!namePattern().match(p.name).hasMatch())
            return bad(
                Text::tr(
                    "\"%1\" is not a persona name: use lower-case letters, digits and dashes, starting with "
                    "a letter, at most 31")
                    .arg(p.name));
        if (names.contains(p.name))
            return bad(Text::tr("there are two personas named \"%1\"").arg(p.name));
        names.insert(p.name);
        if (p.image.isEmpty())
            return bad(Text::tr("persona \"%1\" names no image").arg(p.name));
        for (const Persona::Port &port : p.ports) {
            if (port.host < 1 || port.host > 65535 || port.container < 1 || port.container > 65535)
                return bad(Text::tr("persona \"%1\": port %2 → %3 is out of range (1 to 65535)")
                               .arg(p.name)
                               .arg(port.host)
                               .arg(port.container));
            if (hostPorts.contains(port.host))
                return bad(Text::tr("persona \"%1\": port %2 is already published by \"%3\"")
                               .arg(p.name)
                               .arg(port.host)
                               .arg(hostPorts.value(port.host)));
            if (proxyPorts.contains(port.host))
                return bad(Text::tr("persona \"%1\": port %2 is already taken by the proxy of \"%3\"")
                               .arg(p.name)
                               .arg(port.host)
                               .arg(proxyPorts.value(port.host)));
            hostPorts.insert(port.host, p.name);
        }
        if (p.proxyLoopbackPort < 0 || p.proxyLoopbackPort > 65535)
            return bad(Text::tr("persona \"%1\": the proxy's loopback port %2 is out of range (1 to 65535)")
                           .arg(p.name)
                           .arg(p.proxyLoopbackPort));
        if (p.proxyLoopbackPort != 0) {
            const int port = p.proxyLoopbackPort;
            if (hostPorts.contains(port) || proxyPorts.contains(port))
                return bad(
                    Text::tr("persona \"%1\": port %2 for its proxy is already taken by \"%3\"")
                        .arg(p.name)
                        .arg(port)
                        .arg(hostPorts.contains(port) ? hostPorts.value(port) : proxyPorts.value(port)));
            proxyPorts.insert(port, p.name);
        }
        for (const Persona::Volume &v : p.volumes)
            if (v.name.isEmpty() || !v.target.startsWith(u'/'))
                return bad(
                    Text::tr("persona \"%1\": a volume needs a name and an absolute target").arg(p.name));
        if (auto agent = validateAgent(p); !agent)
            return bad(agent.error());
        if (p.limits.memoryMb < 64 || p.limits.cpus <= 0 || p.limits.pids < 16 || p.limits.nofile < 64 ||
            p.limits.nproc < 16 || p.limits.tmpMb < 1)
            return bad(
                Text::tr("persona \"%1\": the limits are too small to run an agent (at least 64 MB memory, "
                         "16 processes, 64 open files)")
                    .arg(p.name));
    }
    return {};
}

QByteArray PersonaStore::serialize(const QList<Persona> &personas)
{
    json list = json::array();
    for (const Persona &p : personas)
        list.push_back(toJson(p));
    const json root = {{"version", FormatVersion}, {"personas", list}};
    return QByteArray::fromStdString(root.dump(2)) + '\n';
}

Result<void> PersonaStore::save(const QList<Persona> &personas)
{
    if (m_loadError)
        return fail(Error::Code::Invalid,
                    Text::tr("the personas file has an error, so changes are not saved"), m_loadError->where,
                    m_loadError->message);
    if (auto valid = validate(personas); !valid)
        return valid;
    if (auto written = AtomicFile::write(m_path, serialize(personas)); !written)
        return written;
    m_personas = personas;
    return {};
}

Result<void> PersonaStore::add(const Persona &persona)
{
    QList<Persona> next = m_personas;
    next << persona;
    return save(next);
}

Result<void> PersonaStore::update(const QString &name, const Persona &persona)
{
    QList<Persona> next = m_personas;
    for (Persona &p : next)
        if (p.name == name) {
            p = persona;
            return save(next);
        }
    return fail(Error::Code::NotFound, Text::tr("there is no persona \"%1\"").arg(name), m_path);
}

Result<Persona> PersonaStore::duplicate(const QString &name, const QString &newName)
{
    auto original = find(name);
    if (!original)
        return fail(Error::Code::NotFound, Text::tr("there is no persona \"%1\"").arg(name), m_path);
    Persona copy = *original;
    copy.name = newName;
    copy.ports.clear(); // a copy cannot publish the same host ports
    for (Persona::Volume &v : copy.volumes)
        v.name.replace(QStringLiteral("-") + name + QStringLiteral("-"),
                       QStringLiteral("-") + newName + QStringLiteral("-"));
    if (auto added = add(copy); !added)
        return std::unexpected(added.error());
    return copy;
}

Result<void> PersonaStore::remove(const QString &name)
{
    QList<Persona> next = m_personas;
    const auto removed = next.removeIf([&](const Persona &p) { return p.name == name; });
    if (removed == 0)
        return fail(Error::Code::NotFound, Text::tr("there is no persona \"%1\"").arg(name), m_path);
    return save(next);
}

} // namespace paddock
