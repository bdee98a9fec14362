#include "agents/SignIn.h"
#include "runtime/PersonaContainer.h"
#include "runtime/PersonaRuntimePrivate.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QThreadPool>

#include <cerrno>
#include <csignal>

// A persona's agent signed in with a subscription (SignIn): its login in a throwaway container,
// the credential it left into the keychain; and a credential the agent rewrote while it ran (Codex
// refreshes its tokens) back into the keychain before its container goes.
namespace paddock {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaRuntime)
};

// How long a person has for the login in their browser.
constexpr auto SignInTimeout = std::chrono::minutes(30);
// What is read of one file a container left (a credential is a few KiB).
constexpr int MaxFileBytes = 1 << 20;

// The files of `folder` in the container (names of the shape paddock-agent gives them; others are
// not read), at most MaxFileBytes each.
Result<QMap<QString, QByteArray>> readFolder(EngineClient &client, const QString &container,
                                             const QString &folder)
{
    auto listing = client.exec(container, {QStringLiteral("ls"), QStringLiteral("-1A"), folder});
    if (!listing)
        return std::unexpected(listing.error());
    QMap<QString, QByteArray> files;
    if (listing->exitCode != 0)
        return files; // no folder: nothing was left
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z"));
    for (const QByteArray &line : listing->stdoutText.split('\n')) {
        const QString file = QString::fromUtf8(line);
        if (!name.match(file).hasMatch())
            continue;
        auto read = client.exec(container, {QStringLiteral("head"), QStringLiteral("-c"),
                                            QString::number(MaxFileBytes), folder + u'/' + file});
        if (!read)
            return std::unexpected(read.error());
        if (read->exitCode == 0)
            files.insert(file, read->stdoutText);
    }
    return files;
}

} // namespace

void PersonaRuntime::signIn(const QString &name, const QStringList &loginCommand)
{
    const auto failed = [this, name](Error error) { emit signInFailed(name, error); };
    const auto persona = findPersona(name);
    if (!persona)
        return failed(Error{Error::Code::NotFound, Text::tr("there is no persona %1").arg(name), {}, {}});
    const auto login = SignIn::login(persona->agent.kind);
    if (!login)
        return failed(Error{Error::Code::Invalid,
                            Text::tr("%1's agent (%2) has no sign-in")
                                .arg(name, Persona::Agent::kindName(persona->agent.kind)),
                            {},
                            Text::tr("Give it an API key on the Secrets page instead.")});
    if (!m_client)
        return failed(Error{
            Error::Code::Unavailable, Text::tr("no container engine to sign in on"), {}, m_description});
    if (!m_options.storeSecret)
        return failed(
            Error{Error::Code::Unavailable, Text::tr("there is no keychain to keep a sign-in in"), {}, {}});
    if (m_relay.isEmpty() || m_entrypoint.isEmpty())
        return failed(Error{Error::Code::NotFound,
                            Text::tr("Paddock's relay or entrypoint is not installed"),
                            {},
                            Text::tr("Reinstall Paddock.")});
    if (m_signIns.contains(name))
        return failed(Error{Error::Code::Busy,
                            Text::tr("%1 is signing in already").arg(name),
                            {},
                            Text::tr("Finish that sign-in in its terminal, or cancel it.")});
    // The login reaches its hosts through the persona's own proxy, as the agent will.
    if (auto ready = ensureSockets(*persona); !ready)
        return failed(ready.error());
    if (!m_signInPool) {
        m_signInPool = std::make_unique<QThreadPool>();
        m_signInPool->setObjectName(QStringLiteral("paddock-sign-ins"));
        m_signInPool->setMaxThreadCount(8);
    }
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    m_signIns.insert(name, cancelled);
    const QStringList command = loginCommand.isEmpty() ? login->command : loginCommand;
    const Persona p = *persona;
    m_signInPool->start([this, p, command, cancelled, endpoint = m_client->endpoint(),
                         api = m_client->apiVersion(), version = m_version, rootless = m_rootless,
                         relay = m_relay, entrypoint = m_entrypoint] {
        EngineClient client(endpoint);
        client.setApiVersion(api);
        const QString container = signInContainerName(p.name);
        const auto finish = [this, p, cancelled](Result<QMap<QString, QByteArray>> left) {
            QMetaObject::invokeMethod(
                this,
                [this, p, cancelled, left] {
                    m_signIns.remove(p.name);
                    if (*cancelled)
                        return emit signInFailed(
                            p.name, Error{Error::Code::Busy, Text::tr("the sign-in was cancelled"), {}, {}});
                    if (!left)
                        return emit signInFailed(p.name, left.error());
                    auto credential = SignIn::credential(p.agent.kind, *left);
                    if (!credential)
                        return emit signInFailed(p.name, credential.error());
                    const QString secret = SignIn::secretName(p.agent.kind, p.name);
                    m_options.storeSecret(p.name, secret, *credential,
                                          [this, p, secret](Result<void> stored) {
                                              if (!stored)
                                                  return emit signInFailed(p.name, stored.error());
                                              emit signInFinished(p.name, secret);
                                          });
                },
                Qt::QueuedConnection);
        };
        if (auto made = prepareSignInContainer(client, version, rootless, p, relay, entrypoint, command);
            !made) {
            (void)client.removeContainer(container, true);
            return finish(std::unexpected(made.error()));
        }
        QMetaObject::invokeMethod(
            this, [this, p, container] { emit signInReady(p.name, container); }, Qt::QueuedConnection);
        // Until the login ends (or the container goes: a cancel, Paddock stopping).
        auto waited =
            client.exec(container, {QLatin1StringView(ContainerEntrypoint), QStringLiteral("sign-in-wait")},
                        {}, {}, SignInTimeout);
        Result<QMap<QString, QByteArray>> left =
            waited ? readFolder(client, container, QLatin1StringView(SignIn::ResultFolder))
                   : Result<QMap<QString, QByteArray>>(std::unexpected(waited.error()));
        if (waited && left && waited->exitCode != 0 && left->isEmpty())
            left = fail(Error::Code::Unavailable, Text::tr("the sign-in ended before it was finished"));
        (void)client.removeContainer(container, true);
        finish(left);
    });
}

void PersonaRuntime::cancelSignIn(const QString &name)
{
    const auto it = m_signIns.constFind(name);
    if (it == m_signIns.cend() || !m_client)
        return;
    **it = true;
    // The waiting exec ends with its container; the sign-in's thread reports the cancel.
    m_pool->start([endpoint = m_client->endpoint(), api = m_client->apiVersion(), name] {
        EngineClient client(endpoint);
        client.setApiVersion(api);
        (void)client.removeContainer(signInContainerName(name), true);
    });
}

void PersonaRuntime::endSignIns()
{
    if (!m_signInPool || !m_client)
        return;
    EngineClient client(m_client->endpoint());
    client.setApiVersion(m_client->apiVersion());
    for (auto it = m_signIns.cbegin(); it != m_signIns.cend(); ++it) {
        **it = true;
        (void)client.removeContainer(signInContainerName(it.key()), true);
    }
    m_signInPool->waitForDone();
}

void PersonaRuntime::removeStaleSignIns()
{
    QSet<QString> waiting;
    for (auto it = m_signIns.cbegin(); it != m_signIns.cend(); ++it)
        waiting.insert(signInContainerName(it.key()));
    m_pool->start([endpoint = m_client->endpoint(), api = m_client->apiVersion(), waiting] {
        EngineClient client(endpoint);
        client.setApiVersion(api);
        auto list = client.containers(QLatin1StringView(SignInLabel));
        for (const QJsonValue &c : list ? *list : QJsonArray{}) {
            const QJsonObject o = c.toObject();
            const QJsonArray names = o.value(QStringLiteral("Names")).toArray();
            const QString name = names.isEmpty() ? QString() : names.first().toString().remove(0, 1);
            // Another Paddock's (a test's, paddockctl's) sign-in is that process's to end.
            bool ok = false;
            const qint64 owner = o.value(QStringLiteral("Labels"))
                                     .toObject()
                                     .value(QStringLiteral("io.paddock.sign-in.owner"))
                                     .toString()
                                     .toLongLong(&ok);
            const bool ownerAlive = ok && owner > 0 && (::kill(pid_t(owner), 0) == 0 || errno == EPERM);
            const bool mine = ok && owner == QCoreApplication::applicationPid();
            if (!name.isEmpty() && !waiting.contains(name) && (mine || !ownerAlive))
                (void)client.removeContainer(name, true);
        }
    });
}

void PersonaRuntime::keepRewritten(const QString &persona, EngineClient &client, const QString &container)
{
    auto files = readFolder(client, container, QLatin1StringView(SignIn::WritableFolder));
    if (!files || files->isEmpty())
        return;
    QMetaObject::invokeMethod(
        this,
        [this, persona, files = *files] {
            const QMap<QString, QByteArray> delivered = m_signInDelivered.value(persona);
            for (auto it = files.cbegin(); it != files.cend(); ++it) {
                const auto agent = SignIn::agentOfSecret(it.key(), persona);
                const auto was = delivered.constFind(it.key());
                // Only Codex rewrites its sign-in; what it wrote must still be its auth.json.
                if (agent != Persona::Agent::Kind::Codex || was == delivered.cend() || *was == it.value() ||
                    !SignIn::credential(*agent, {{QStringLiteral("codex-auth.json"), it.value()}}))
                    continue;
                m_signInDelivered[persona].insert(it.key(), it.value());
                if (!m_options.storeSecret)
                    continue;
                m_signInPending[persona].insert(it.key(), it.value());
                m_options.storeSecret(
                    persona, it.key(), it.value(),
                    [this, persona, secret = it.key(), value = it.value()](Result<void> stored) {
                        auto &pending = m_signInPending[persona];
                        if (pending.value(secret) == value)
                            pending.remove(secret);
                        if (stored)
                            emit credentialKept(persona, secret);
                        else
                            emit problem(QStringLiteral("sign-in:") + persona, stored.error());
                    });
            }
        },
        Qt::QueuedConnection);
}

} // namespace paddock
