#include "agents/McpConfig.h"

#include "config/AtomicFile.h"
#include "config/Paths.h"
#include "personas/Persona.h"
#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <toml++/toml.hpp>

#include <sstream>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::McpConfig)
};

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// Reads one server's table; the first mistake, at its place, otherwise.
class Reader
{
public:
    explicit Reader(QString file)
        : m_file(std::move(file))
    {}

    std::unexpected<Error> wrong(const toml::source_region &at, const QString &what,
                                 const QString &hint) const
    {
        return std::unexpected(
            Error{Error::Code::Invalid, what,
                  QStringLiteral("%1:%2:%3").arg(m_file).arg(at.begin.line).arg(at.begin.column), hint});
    }

    Result<QString> string(const toml::node &node, const QString &key) const
    {
        if (const auto *s = node.as_string())
            return qs(s->get());
        return wrong(node.source(), Text::tr("\"%1\" must be a string").arg(key),
                     Text::tr("Write it in quotes, e.g. %1 = \"…\".").arg(key));
    }

    Result<QStringList> strings(const toml::node &node, const QString &key) const
    {
        const auto *array = node.as_array();
        if (!array)
            return wrong(node.source(), Text::tr("\"%1\" must be a list of strings").arg(key),
                         Text::tr("Write it as %1 = [\"…\", \"…\"].").arg(key));
        QStringList out;
        for (const toml::node &item : *array) {
            auto s = string(item, key);
            if (!s)
                return std::unexpected(s.error());
            out << *s;
        }
        return out;
    }

    Result<QMap<QString, QString>> map(const toml::node &node, const QString &key) const
    {
        const auto *table = node.as_table();
        if (!table)
            return wrong(node.source(), Text::tr("\"%1\" must be a table of strings").arg(key),
                         Text::tr("Write it as %1 = { NAME = \"…\" }.").arg(key));
        QMap<QString, QString> out;
        for (const auto &[name, value] : *table) {
            auto s = string(value, key + u'.' + qs(name.str()));
            if (!s)
                return std::unexpected(s.error());
            out.insert(qs(name.str()), *s);
        }
        return out;
    }

    Result<McpServer> server(const QString &name, const toml::node &node) const
    {
        static const QRegularExpression valid(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,47}\\z"));
        const auto *table = node.as_table();
        if (!table)
            return wrong(node.source(), Text::tr("servers.%1 must be a table").arg(name),
                         Text::tr("Write it as [servers.%1] with command or url below it.").arg(name));
        if (!valid.match(name).hasMatch())
            return wrong(node.source(), Text::tr("\"%1\" is not a server name").arg(name),
                         Text::tr("Use 1 to 48 lower-case letters, digits, '-' and '_', starting with a "
                                  "letter or a digit: agents name its tools after it."));
        McpServer s;
        s.name = name;
        static const QStringList keys{QStringLiteral("command"), QStringLiteral("args"),
                                      QStringLiteral("env"),     QStringLiteral("secrets"),
                                      QStringLiteral("url"),     QStringLiteral("headers"),
                                      QStringLiteral("personas")};
        for (const auto &[k, value] : *table) {
            const QString key = qs(k.str());
            if (!keys.contains(key))
                return wrong(k.source(), Text::tr("servers.%1 has an unknown key \"%2\"").arg(name, key),
                             Text::tr("Use %1.").arg(keys.join(QStringLiteral(", "))));
            Result<void> ok;
            auto take = [&](auto read, auto &into) {
                auto got = read;
                if (!got)
                    ok = std::unexpected(got.error());
                else
                    into = *got;
            };
            if (key == u"command")
                take(string(value, key), s.command);
            else if (key == u"url")
                take(string(value, key), s.url);
            else if (key == u"args")
                take(strings(value, key), s.args);
            else if (key == u"personas")
                take(strings(value, key), s.personas);
            else if (key == u"env")
                take(map(value, key), s.env);
            else if (key == u"secrets")
                take(map(value, key), s.secrets);
            else if (key == u"headers")
                take(map(value, key), s.headers);
            if (!ok)
                return std::unexpected(ok.error());
            if (key == u"env" || key == u"secrets")
                for (auto it = (key == u"env" ? s.env : s.secrets).cbegin();
                     it != (key == u"env" ? s.env : s.secrets).cend(); ++it) {
                    static const QRegularExpression var(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}\\z"));
                    if (!var.match(it.key()).hasMatch())
                        return wrong(value.source(),
                                     Text::tr("\"%1\" is not an environment variable's name").arg(it.key()),
                                     Text::tr("Use letters, digits and _, not starting with a digit."));
                    if (key == u"secrets")
                        if (auto secret = SecretStore::validateName(it.value()); !secret)
                            return wrong(value.source(), secret.error().message, secret.error().hint);
                    if (key == u"env" &&
                        Persona::Agent::envNameProblem(it.key()).contains(QStringLiteral("key")))
                        return wrong(value.source(), Persona::Agent::envNameProblem(it.key()),
                                     Text::tr("Name the secret under [servers.%1] secrets instead: "
                                              "%2 = \"SECRET-NAME\".")
                                         .arg(name, it.key()));
                }
        }
        if (s.command.isEmpty() == s.url.isEmpty())
            return wrong(node.source(), Text::tr("servers.%1 needs either a command or a url").arg(name),
                         Text::tr("A program the agent starts: command = \"…\" (and args); a server over "
                                  "HTTP: url = \"https://…\"."));
        if (s.isHttp()) {
            if (!s.url.startsWith(QStringLiteral("https://")) && !s.url.startsWith(QStringLiteral("http://")))
                return wrong(
                    table->get("url")->source(),
                    Text::tr("servers.%1: the url must be http:// or https://").arg(name),
                    Text::tr(
                        "Give the server's streamable HTTP endpoint, e.g. https://mcp.example.com/mcp."));
            if (!s.args.isEmpty() || !s.env.isEmpty() || !s.secrets.isEmpty())
                return wrong(
                    node.source(),
                    Text::tr("servers.%1 is a url: args, env and secrets belong to a command").arg(name),
                    Text::tr("Remove them, or use command instead of url."));
        } else if (!s.headers.isEmpty()) {
            return wrong(table->get("headers")->source(),
                         Text::tr("servers.%1: headers belong to a url, not a command").arg(name),
                         Text::tr("Pass what the program needs in env or secrets instead."));
        }
        return s;
    }

private:
    QString m_file;
};

std::string std8(const QString &s)
{
    return s.toStdString();
}
} // namespace

QString McpConfig::defaultPath()
{
    return QDir(Paths::configDir()).filePath(QStringLiteral("mcp.toml"));
}

Result<QList<McpServer>> McpConfig::parse(const QByteArray &text, const QString &file)
{
    toml::table root;
    try {
        root = toml::parse(std::string_view(text.constData(), size_t(text.size())), file.toStdString());
    } catch (const toml::parse_error &e) {
        return fail(
            Error::Code::Parse, qs(e.description()),
            QStringLiteral("%1:%2:%3").arg(file).arg(e.source().begin.line).arg(e.source().begin.column),
            Text::tr("Fix the TOML there (https://toml.io), or remove the file to have no MCP servers."));
    }
    Reader reader(file);
    QList<McpServer> out;
    for (const auto &[key, value] : root) {
        if (key.str() != "servers")
            return reader.wrong(key.source(), Text::tr("unknown table \"%1\"").arg(qs(key.str())),
                                Text::tr("mcp.toml holds [servers.NAME] tables only."));
        const auto *servers = value.as_table();
        if (!servers)
            return reader.wrong(value.source(), Text::tr("\"servers\" must be a table of servers"),
                                Text::tr("Write each as [servers.NAME]."));
        for (const auto &[name, server] : *servers) {
            auto s = reader.server(qs(name.str()), server);
            if (!s)
                return std::unexpected(s.error());
            out << *s;
        }
    }
    return out;
}

Result<QList<McpServer>> McpConfig::load(const QString &path)
{
    QFile f(path);
    if (!f.exists())
        return QList<McpServer>{};
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Code::Io, Text::tr("cannot read the MCP servers: %1").arg(f.errorString()), path,
                    Text::tr("Check the file's permissions."));
    return parse(f.readAll(), path);
}

QList<McpServer> McpConfig::forPersona(const QList<McpServer> &servers, const QString &persona)
{
    QList<McpServer> out;
    for (const McpServer &s : servers)
        if (s.isFor(persona))
            out << s;
    return out;
}

QByteArray McpConfig::serialize(const QList<McpServer> &servers)
{
    toml::table root;
    toml::table all;
    auto array = [](const QStringList &list) {
        toml::array a;
        for (const QString &s : list)
            a.push_back(std8(s));
        return a;
    };
    auto table = [](const QMap<QString, QString> &map) {
        toml::table t;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            t.insert(std8(it.key()), std8(it.value()));
        t.is_inline(true);
        return t;
    };
    for (const McpServer &s : servers) {
        toml::table t;
        if (s.isHttp()) {
            t.insert("url", std8(s.url));
            if (!s.headers.isEmpty())
                t.insert("headers", table(s.headers));
        } else {
            t.insert("command", std8(s.command));
            if (!s.args.isEmpty())
                t.insert("args", array(s.args));
            if (!s.env.isEmpty())
                t.insert("env", table(s.env));
            if (!s.secrets.isEmpty())
                t.insert("secrets", table(s.secrets));
        }
        if (!s.personas.isEmpty())
            t.insert("personas", array(s.personas));
        all.insert(std8(s.name), std::move(t));
    }
    root.insert("servers", std::move(all));
    std::ostringstream out;
    out << "# Paddock's MCP servers: every agent of the personas named finds them in its own configuration.\n"
        << root << '\n';
    return QByteArray::fromStdString(out.str());
}

} // namespace paddock
