#include "repo/GitTransport.h"

#include "runtime/EngineClient.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSaveFile>
#include <QSet>
#include <QTimer>
#include <QUrl>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::GitTransport)
};

constexpr int FirstBackoffMs = 1000;
constexpr int MaxBackoffMs = 30000;
constexpr int StopTimeoutMs = 3000;

QString shellQuote(const QString &s)
{
    return u'\'' + QString(s).replace(u'\'', QStringLiteral("'\\''")) + u'\'';
}
} // namespace

struct GitTransport::Instance
{
    QString persona;
    QString address;
    int port = DefaultPort;
    QStringList mirrors;
    QProcess *process = nullptr;
    QTimer *restart = nullptr;
    int backoffMs = FirstBackoffMs;
    bool ready = false;
    bool stopping = false;
    QByteArray stderrTail;
};

GitTransport::GitTransport(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_options.mirrorsDir = QDir::cleanPath(QDir(m_options.mirrorsDir).absolutePath());
}

GitTransport::~GitTransport()
{
    stopAll();
}

QByteArray GitTransport::hookScript(const QString &repository, const QString &paddockctl,
                                    const QString &configDir)
{
    QString script = QStringLiteral(R"(#!/bin/sh
# Installed by Paddock (GitTransport). Every pushed ref is decided by the persona's Cedar policy:
# paddockctl records the decision in the audit log and refuses with the policy's reason. The persona
# is the one Paddock started this mirror's git daemon for, never something the client says.
if [ -z "$PADDOCK_PERSONA" ]; then
    echo "paddock: pushes to this mirror go through Paddock's git transport only" >&2
    exit 1
fi
zero=0000000000000000000000000000000000000000
status=0
while read -r old new ref; do
    set --
    if [ "$new" = "$zero" ]; then
        set -- --delete
    elif [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
        set -- --force
    fi
    @PADDOCKCTL@ policy check git-push @CONFIG@--persona "$PADDOCK_PERSONA" --repo @REPO@ --ref "$ref" "$@" || status=1
done
exit $status
)");
    script.replace(QStringLiteral("@PADDOCKCTL@"), shellQuote(paddockctl));
    script.replace(QStringLiteral("@CONFIG@"),
                   configDir.isEmpty() ? QString()
                                       : QStringLiteral("--config ") + shellQuote(configDir) + u' ');
    script.replace(QStringLiteral("@REPO@"), shellQuote(repository));
    return script.toUtf8();
}

Result<void> GitTransport::installHook(const QString &mirror, const QString &paddockctl,
                                       const QString &configDir)
{
    if (!QFileInfo(mirror + QStringLiteral("/objects")).isDir())
        return fail(Error::Code::NotFound, Text::tr("this is not a mirror (no objects folder)"), mirror,
                    Text::tr("Make the workspace again; its mirror is missing."));
    const QString repository = QFileInfo(mirror).completeBaseName();
    const QString path = mirror + QStringLiteral("/hooks/pre-receive");
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(hookScript(repository, paddockctl, configDir)) < 0 ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                             QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                             QFileDevice::ExeOther) ||
        !file.commit())
        return fail(Error::Code::Io, Text::tr("cannot write the push hook: %1").arg(file.errorString()), path,
                    Text::tr("Check the permissions of Paddock's data folder."));
    return {};
}

Result<void> GitTransport::serve(const QString &persona, const QString &address, const QStringList &mirrors,
                                 int port)
{
    if (mirrors.isEmpty()) {
        stop(persona);
        return {};
    }
    if (address.isEmpty())
        return fail(Error::Code::Invalid, Text::tr("no address to listen on"), persona,
                    Text::tr("The persona's network needs a gateway address."));
    QStringList served;
    for (const QString &m : mirrors) {
        const QString path = QDir::cleanPath(QDir(m).absolutePath());
        if (QFileInfo(path).path() != m_options.mirrorsDir)
            return fail(Error::Code::Invalid,
                        Text::tr("only mirrors in %1 are served").arg(m_options.mirrorsDir), path,
                        Text::tr("This is a bug in Paddock: please report it."));
        if (auto hook = installHook(path, m_options.paddockctl, m_options.configDir); !hook)
            return hook;
        served << path;
    }
    served.sort();
    auto &slot = m_instances[persona];
    if (slot && slot->address == address && slot->port == port && slot->mirrors == served && slot->process)
        return {};
    if (slot)
        stop(persona);
    auto &instance = m_instances[persona];
    instance = std::make_unique<Instance>();
    instance->persona = persona;
    instance->address = address;
    instance->port = port;
    instance->mirrors = served;
    instance->restart = new QTimer(this);
    instance->restart->setSingleShot(true);
    Instance *raw = instance.get();
    connect(instance->restart, &QTimer::timeout, this, [this, raw] { launch(*raw); });
    launch(*raw);
    return {};
}

void GitTransport::launch(Instance &instance)
{
    auto *process = new QProcess(this);
    instance.process = process;
    instance.ready = false;
    instance.stderrTail.clear();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PADDOCK_PERSONA"), instance.persona);
    if (!m_options.dataDir.isEmpty())
        env.insert(QStringLiteral("PADDOCK_DATA_DIR"), m_options.dataDir);
    process->setProcessEnvironment(env);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->setStandardOutputFile(QProcess::nullDevice());
    QStringList args{QStringLiteral("--listen=") + instance.address,
                     QStringLiteral("--port=%1").arg(instance.port),
                     QStringLiteral("--reuseaddr"),
                     QStringLiteral("--base-path=") + m_options.mirrorsDir,
                     QStringLiteral("--export-all"),
                     QStringLiteral("--strict-paths"),
                     QStringLiteral("--enable=receive-pack"),
                     QStringLiteral("--disable=upload-archive"),
                     QStringLiteral("--timeout=300"),
                     QStringLiteral("--init-timeout=10"),
                     QStringLiteral("--max-connections=16"),
                     QStringLiteral("--verbose"),
                     QStringLiteral("--log-destination=stderr")};
    args += instance.mirrors;
    Instance *raw = &instance;
    connect(process, &QProcess::readyReadStandardError, this, [this, raw, process] {
        const QByteArray chunk = process->readAllStandardError();
        raw->stderrTail = QByteArray(raw->stderrTail + chunk).right(4096);
        if (!raw->ready && chunk.contains("Ready to rumble")) {
            raw->ready = true;
            raw->backoffMs = FirstBackoffMs;
            emit ready(raw->persona);
        }
    });
    connect(process, &QProcess::errorOccurred, this, [this, raw, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart || raw->process != process)
            return;
        emit problem(raw->persona,
                     Error{Error::Code::Unavailable,
                           Text::tr("cannot start git daemon: %1").arg(process->errorString()),
                           m_options.gitDaemon, Text::tr("Install git (git daemon is part of it).")});
        process->deleteLater();
        raw->process = nullptr;
        scheduleRestart(*raw);
    });
    connect(process, &QProcess::finished, this, [this, raw, process](int code, QProcess::ExitStatus) {
        if (raw->process != process)
            return;
        process->deleteLater();
        raw->process = nullptr;
        raw->ready = false;
        if (raw->stopping)
            return;
        const QString said = QString::fromUtf8(raw->stderrTail).trimmed().split(u'\n').last();
        emit problem(
            raw->persona,
            Error{Error::Code::Unavailable,
                  Text::tr("git daemon on %1:%2 stopped (exit %3): %4")
                      .arg(raw->address)
                      .arg(raw->port)
                      .arg(code)
                      .arg(said),
                  raw->persona,
                  Text::tr("It is started again shortly; the address exists only while the persona's "
                           "container runs.")});
        scheduleRestart(*raw);
    });
    process->start(m_options.gitDaemon, args);
}

void GitTransport::scheduleRestart(Instance &instance)
{
    if (instance.stopping)
        return;
    instance.restart->start(instance.backoffMs);
    instance.backoffMs = std::min(instance.backoffMs * 2, MaxBackoffMs);
}

void GitTransport::stop(const QString &persona)
{
    auto it = m_instances.find(persona);
    if (it == m_instances.end())
        return;
    Instance &instance = *it->second;
    instance.stopping = true;
    instance.restart->stop();
    instance.restart->deleteLater();
    if (QProcess *process = instance.process) {
        instance.process = nullptr;
        process->disconnect(this);
        process->terminate();
        if (!process->waitForFinished(StopTimeoutMs)) {
            process->kill();
            process->waitForFinished(StopTimeoutMs);
        }
        delete process;
    }
    m_instances.erase(it);
}

void GitTransport::stopAll()
{
    while (!m_instances.empty())
        stop(m_instances.begin()->first);
}

bool GitTransport::isReady(const QString &persona) const
{
    const auto it = m_instances.find(persona);
    return it != m_instances.end() && it->second->ready;
}

QString GitTransport::baseUrl(const QString &persona) const
{
    const auto it = m_instances.find(persona);
    return it == m_instances.end() ? QString() : baseUrl(it->second->address, it->second->port);
}

bool GitTransport::hasDns(EngineClient &client, const QString &network)
{
    EngineClient libpod(client.endpoint());
    libpod.setApiVersion(QString::fromLatin1(PodmanApiVersion));
    auto inspect = libpod.request("GET", QStringLiteral("/libpod/networks/%1/json")
                                             .arg(QString::fromLatin1(QUrl::toPercentEncoding(network))));
    if (!inspect || inspect->status != 200)
        return false; // not podman (dockerd's internal networks resolve container names only)
    return QJsonDocument::fromJson(inspect->body).object().value(QStringLiteral("dns_enabled")).toBool();
}

namespace {
// The first IPv4 value of `key` ("Gateway", "Subnet") in a network's IPAM.Config entries, or empty.
Result<QString> ipamValue(EngineClient &client, const QString &network, QLatin1StringView key)
{
    auto body =
        client.call(Text::tr("inspecting network %1").arg(network), "GET",
                    QStringLiteral("/networks/") + QString::fromLatin1(QUrl::toPercentEncoding(network)));
    if (!body)
        return std::unexpected(body.error());
    const QJsonArray configs = QJsonDocument::fromJson(*body)
                                   .object()
                                   .value(QStringLiteral("IPAM"))
                                   .toObject()
                                   .value(QStringLiteral("Config"))
                                   .toArray();
    for (const QJsonValue &c : configs) {
        const QString value = c.toObject().value(key).toString();
        if (!value.isEmpty() && !value.contains(u':'))
            return value;
    }
    return QString();
}
} // namespace

Result<QString> GitTransport::gatewayAddress(EngineClient &client, const QString &network)
{
    auto gateway = ipamValue(client, network, QLatin1StringView("Gateway"));
    if (!gateway || !gateway->isEmpty())
        return gateway;
    return fail(Error::Code::NotFound, Text::tr("the network has no gateway address"), network,
                Text::tr("Remove the network; Paddock makes it again with a gateway for the git transport."));
}

Result<QString> GitTransport::subnetOf(EngineClient &client, const QString &network)
{
    auto subnet = ipamValue(client, network, QLatin1StringView("Subnet"));
    if (!subnet || !subnet->isEmpty())
        return subnet;
    return fail(Error::Code::NotFound, Text::tr("the network has no IPv4 subnet"), network,
                Text::tr("Remove the network; Paddock makes it again."));
}

Result<QString> GitTransport::createNetworkWithGateway(EngineClient &client, const QString &name,
                                                       const QMap<QString, QString> &labels)
{
    auto all = client.call(Text::tr("listing networks"), "GET", QStringLiteral("/networks"));
    if (!all)
        return std::unexpected(all.error());
    QSet<QString> used;
    for (const QJsonValue &n : QJsonDocument::fromJson(*all).array())
        for (const QJsonValue &c :
             n.toObject().value(QStringLiteral("IPAM")).toObject().value(QStringLiteral("Config")).toArray())
            used.insert(c.toObject().value(QStringLiteral("Subnet")).toString());
    QJsonObject labelObject;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        labelObject.insert(it.key(), it.value());
    EngineClient libpod(client.endpoint());
    libpod.setApiVersion(QString::fromLatin1(PodmanApiVersion));
    const auto ping = libpod.request("GET", QStringLiteral("/libpod/_ping"));
    const bool podman = ping && ping->status == 200;
    Error last;
    for (int third = 254, tries = 0; third > 0 && tries < 8; --third) {
        const QString subnet = QStringLiteral("10.89.%1.0/24").arg(third);
        if (used.contains(subnet))
            continue;
        ++tries;
        const QString gateway = QStringLiteral("10.89.%1.1").arg(third);
        if (podman) {
            // podman's compat API ignores dns_enabled ("not a recognized option") and would start
            // aardvark-dns on the gateway: its own API takes it.
            const QJsonObject own{
                {QStringLiteral("name"), name},
                {QStringLiteral("driver"), QStringLiteral("bridge")},
                {QStringLiteral("internal"), true},
                {QStringLiteral("dns_enabled"), false},
                {QStringLiteral("subnets"), QJsonArray{QJsonObject{{QStringLiteral("subnet"), subnet},
                                                                   {QStringLiteral("gateway"), gateway}}}},
                {QStringLiteral("labels"), labelObject}};
            auto created = libpod.call(Text::tr("creating network %1").arg(name), "POST",
                                       QStringLiteral("/libpod/networks/create"),
                                       QJsonDocument(own).toJson(QJsonDocument::Compact));
            if (created)
                return gateway;
            last = created.error();
            if (last.code == Error::Code::Busy || last.message.contains(QStringLiteral("exists")))
                break;
            continue;
        }
        const QJsonObject spec{{QStringLiteral("Name"), name},
                               {QStringLiteral("Driver"), QStringLiteral("bridge")},
                               {QStringLiteral("Internal"), true},
                               {QStringLiteral("CheckDuplicate"), true},
                               {QStringLiteral("IPAM"),
                                QJsonObject{{QStringLiteral("Driver"), QStringLiteral("default")},
                                            {QStringLiteral("Config"),
                                             QJsonArray{QJsonObject{{QStringLiteral("Subnet"), subnet},
                                                                    {QStringLiteral("Gateway"), gateway}}}}}},
                               {QStringLiteral("Options"),
                                QJsonObject{{QStringLiteral("dns_enabled"), QStringLiteral("false")}}},
                               {QStringLiteral("Labels"), labelObject}};
        auto created =
            client.call(Text::tr("creating network %1").arg(name), "POST", QStringLiteral("/networks/create"),
                        QJsonDocument(spec).toJson(QJsonDocument::Compact));
        if (created)
            return gateway;
        last = created.error();
        if (last.code == Error::Code::Busy || last.message.contains(QStringLiteral("exists")))
            break; // a network of this name, not a subnet taken in the meantime
    }
    return std::unexpected(last);
}

} // namespace paddock
