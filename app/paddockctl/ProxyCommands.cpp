#include "ProxyCommands.h"
#include "CommandLine.h"
#include "Console.h"
#include "engine/ServiceThread.h"

#include "audit/AuditStore.h"
#include "config/Paths.h"
#include "engine/TerminationSignals.h"
#include "personas/PersonaStore.h"
#include "policy/PolicyStore.h"
#include "proxy/EgressProxy.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <csignal>
#include <unistd.h>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

enum Exit { Ok = 0, Failed = 1, Usage = 2 };

int failWith(const QString &command, const QString &text, int code)
{
    err() << QStringLiteral("paddockctl proxy %1: %2").arg(command, text) << Qt::endl;
    return code;
}

// `proxy listen`: one persona's proxy on an address of the caller's choosing, in the foreground.
int listen(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Runs the egress proxy for PERSONA on ADDRESS:PORT or on a Unix socket in the foreground until "
        "SIGINT or SIGTERM, with the policies of its trust level and its decisions in the audit log. For "
        "tests, and for a persona whose container Paddock does not run."));
    const QCommandLineOption persona(QStringLiteral("persona"), Text::tr("The persona the proxy serves."),
                                     Text::tr("P"));
    const QCommandLineOption address(QStringLiteral("address"),
                                     Text::tr("Where to listen, e.g. 127.0.0.1:3128 (port 0: any free one)."),
                                     Text::tr("ADDRESS:PORT"));
    const QCommandLineOption config(
        QStringLiteral("config"),
        Text::tr("Paddock's configuration folder (default: %1).").arg(Paths::configDir()), Text::tr("DIR"));
    const QCommandLineOption data(
        QStringLiteral("data-dir"),
        Text::tr("Paddock's data folder, where the audit log is (default: %1).").arg(Paths::dataDir()),
        Text::tr("DIR"));
    const QCommandLineOption upstream(QStringLiteral("upstream"),
                                      Text::tr("Chain through the proxy at ADDRESS:PORT."),
                                      Text::tr("ADDRESS:PORT"));
    const QCommandLineOption dns(
        QStringLiteral("dns"),
        Text::tr("Resolve names with these DNS servers (ADDRESS:PORT, comma separated) "
                 "instead of the system's."),
        Text::tr("SERVERS"));
    const QCommandLineOption workers(
        QStringLiteral("workers"),
        Text::tr("Threads serving connections (default: one per core, at most 4)."), Text::tr("N"));
    const QCommandLineOption socket(
        QStringLiteral("socket"),
        Text::tr("Listen on this Unix socket instead (as for an isolated persona's egress socket: whoever "
                 "connects there is PERSONA)."),
        Text::tr("PATH"));
    parser.addOptions({persona, address, socket, config, data, upstream, dns, workers});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl proxy listen"), args))
        return *done;
    if (!parser.isSet(persona) || parser.isSet(address) == parser.isSet(socket))
        return failWith(QStringLiteral("listen"),
                        Text::tr("--persona and one of --address or --socket are required"), Usage);
    const QString where = parser.isSet(socket) ? QStringLiteral("127.0.0.1:0") : parser.value(address);
    const qsizetype colon = where.lastIndexOf(u':');
    bool portOk = false;
    const int port = colon > 0 ? where.mid(colon + 1).toInt(&portOk) : -1;
    QString host = colon > 0 ? where.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (!portOk || port < 0 || port > 65535)
        return failWith(QStringLiteral("listen"),
                        Text::tr("\"%1\" is not ADDRESS:PORT (e.g. 127.0.0.1:3128)").arg(where), Usage);

    bool workersOk = true;
    const int workerCount = parser.isSet(workers) ? parser.value(workers).toInt(&workersOk) : 0;
    if (!workersOk || workerCount < 0 || workerCount > 8)
        return failWith(QStringLiteral("listen"),
                        Text::tr("--workers takes a number from 0 (one per core) to 8, not \"%1\"")
                            .arg(parser.value(workers)),
                        Usage);
    const QString configDir = parser.isSet(config) ? parser.value(config) : Paths::configDir();
    const QString dbPath = parser.isSet(data) ? parser.value(data) + QStringLiteral("/audit.db")
                                              : AuditStore::defaultDatabasePath();
    PersonaStore personas(configDir + QStringLiteral("/personas.json"));
    if (auto loaded = personas.load(QString()); !loaded)
        return failWith(QStringLiteral("listen"), loaded.error().text(), Failed);
    const auto who = personas.find(parser.value(persona));
    if (!who)
        return failWith(
            QStringLiteral("listen"),
            Text::tr("there is no persona \"%1\" in %2").arg(parser.value(persona), personas.path()), Failed);
    auto policies = std::make_shared<PolicyStore>(configDir);
    if (auto loaded = policies->load(); !loaded)
        return failWith(QStringLiteral("listen"), loaded.error().text(), Failed);
    for (const Error &problem : policies->loadProblems())
        err() << Text::tr("paddockctl proxy listen: %1 (its set denies everything until it is fixed)")
                     .arg(problem.text())
              << Qt::endl;

    ServiceThread<AuditStore> audit(std::make_unique<AuditStore>(dbPath), QStringLiteral("paddock-audit"));
    if (auto started = audit.start(); !started)
        return failWith(QStringLiteral("listen"), started.error().text(), Failed);

    EgressProxy::Options options;
    options.policies = [policies](const QString &set) { return policies->policies(set); };
    options.audit = audit.get();
    options.upstream = parser.value(upstream);
    options.resolver.servers = parser.value(dns);
    options.workers = workerCount;
    options.statusPath =
        QDir(Paths::runtimeDir()).filePath(QStringLiteral("paddock/proxy-%1.json").arg(::getpid()));
    // Declared after the audit store: it stops first.
    ServiceThread<EgressProxy> proxy(std::make_unique<EgressProxy>(options), QStringLiteral("paddock-proxy"));
    if (auto started = proxy.start(); !started)
        return failWith(QStringLiteral("listen"), started.error().text(), Failed);
    proxy->setPersona(ProxyPersona::from(*who));
    QString listening;
    if (parser.isSet(socket)) {
        const QString path = QFileInfo(parser.value(socket)).absoluteFilePath();
        if (auto bound = proxy->listenUnix(who->name, path); !bound)
            return failWith(QStringLiteral("listen"), bound.error().text(), Failed);
        listening = QStringLiteral("unix:") + path;
    } else {
        const Result<int> bound = proxy->listen(who->name, host, port);
        if (!bound)
            return failWith(QStringLiteral("listen"), bound.error().text(), Failed);
        listening = host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(*bound)
                                        : QStringLiteral("%1:%2").arg(host).arg(*bound);
    }
    // Fixed words, in every language: scripts wait for this line.
    out() << QStringLiteral("listening on %1 for persona %2 (%3 policies, %4 mode)")
                 .arg(listening, who->name, Persona::trustName(who->trust),
                      Persona::policyModeName(who->policyMode))
          << Qt::endl;
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, &termination,
                     [] { QCoreApplication::quit(); });
    QCoreApplication::exec();
    return Ok;
}

// `proxy status`: what every running proxy (the app's, paddockctl serve's, proxy listen's) last
// wrote about itself.
int status(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Text::tr(
        "Shows the running egress proxies: their listeners, the personas they serve and their counters."));
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("Print JSON (one object per proxy)."));
    parser.addOption(json);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl proxy status"), args))
        return *done;
    const QDir dir(QDir(Paths::runtimeDir()).filePath(QStringLiteral("paddock")));
    QJsonArray all;
    for (const QString &name : dir.entryList({QStringLiteral("proxy-*.json")}, QDir::Files, QDir::Name)) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        const qint64 pid = o.value(QStringLiteral("pid")).toInteger();
        if (pid <= 0 || (::kill(pid_t(pid), 0) != 0 && errno != EPERM)) {
            f.remove(); // left by a proxy that is gone
            continue;
        }
        all.append(o);
    }
    if (parser.isSet(json)) {
        out() << QString::fromUtf8(QJsonDocument(all).toJson(QJsonDocument::Indented));
        return all.isEmpty() ? Failed : Ok;
    }
    if (all.isEmpty()) {
        out()
            << Text::tr(
                   "No egress proxy is running. Start Paddock, paddockctl serve, or paddockctl proxy listen.")
            << Qt::endl;
        return Failed;
    }
    for (const QJsonValue &v : std::as_const(all)) {
        const QJsonObject o = v.toObject();
        out() << Text::tr("Proxy (pid %1)").arg(o.value(QStringLiteral("pid")).toInteger());
        if (o.contains(QStringLiteral("upstream")))
            out() << Text::tr(", through %1").arg(o.value(QStringLiteral("upstream")).toString());
        out() << Qt::endl;
        for (const QJsonValue &l : o.value(QStringLiteral("listeners")).toArray()) {
            const QJsonObject lo = l.toObject();
            const QString host = lo.value(QStringLiteral("address")).toString();
            const int port = lo.value(QStringLiteral("port")).toInt();
            const QString where =
                lo.contains(QStringLiteral("socket"))
                    ? QStringLiteral("unix:") + lo.value(QStringLiteral("socket")).toString()
                : host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port)
                                      : QStringLiteral("%1:%2").arg(host).arg(port);
            out() << Text::tr("  listening on %1 for %2")
                         .arg(where, lo.value(QStringLiteral("persona")).toString())
                  << Qt::endl;
        }
        const QJsonObject personas = o.value(QStringLiteral("personas")).toObject();
        out() << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7 %8 %9")
                     .arg(Text::tr("PERSONA"), -12)
                     .arg(Text::tr("OPEN"), 6)
                     .arg(Text::tr("REQUESTS"), 9)
                     .arg(Text::tr("ALLOWED"), 8)
                     .arg(Text::tr("DENIED"), 7)
                     .arg(Text::tr("WOULD-DENY"), 10)
                     .arg(Text::tr("LIMITED"), 8)
                     .arg(Text::tr("FAILED"), 7)
                     .arg(Text::tr("BYTES UP/DOWN"))
              << Qt::endl;
        for (auto it = personas.begin(); it != personas.end(); ++it) {
            const QJsonObject c = it.value().toObject();
            auto n = [&](const char *key) { return c.value(QLatin1StringView(key)).toInteger(); };
            out() << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7 %8 %9/%10")
                         .arg(it.key(), -12)
                         .arg(n("active"), 6)
                         .arg(n("requests"), 9)
                         .arg(n("allowed"), 8)
                         .arg(n("denied") + n("invalid"), 7)
                         .arg(n("wouldDeny"), 10)
                         .arg(n("limited"), 8)
                         .arg(n("failed"), 7)
                         .arg(n("bytesUp"))
                         .arg(n("bytesDown"))
                  << Qt::endl;
        }
    }
    return Ok;
}

} // namespace

int runProxyCommand(const QStringList &args)
{
    return runCommandGroup(
        QStringLiteral("paddockctl proxy"), Text::tr("The egress proxy."),
        {{QStringLiteral("listen"), Text::tr("Runs a persona's egress proxy in the foreground."), listen},
         {QStringLiteral("status"), Text::tr("Shows the running egress proxies and their counters."),
          status}},
        args);
}
