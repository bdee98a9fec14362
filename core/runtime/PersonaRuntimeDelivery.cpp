#include "runtime/PersonaRuntimePrivate.h"

#include "agents/AgentConfig.h"
#include "agents/McpServer.h"
#include "agents/SignIn.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

// What a persona's container gets once it runs: its secrets from the keychain and its agents'
// configuration (AgentConfig, with the MCP servers of mcp.toml), delivered into its tmpfs before
// the .ready its entrypoint waits for; and what the windows ask of the engine about images.
namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::PersonaRuntime)
};
} // namespace

void PersonaRuntime::deliverAndFinish(const Persona &persona, const QString &action)
{
    auto deliver = [this, persona, action](Options::Secrets secrets) {
        const auto deliverSecrets = m_options.deliverSecrets;
        // The agents' configuration beside the secrets, in the same tmpfs, before .ready.
        QList<McpServer> mcp;
        if (m_options.mcpServers) {
            auto servers = m_options.mcpServers(persona);
            if (servers) {
                mcp = *servers;
                emit recovered(QStringLiteral("mcp"));
            } else {
                emit problem(QStringLiteral("mcp"), servers.error());
            }
        }
        // A credential its agent rewrote at the last stop, not yet in the keychain, is the newer.
        const QMap<QString, QByteArray> pending = m_signInPending.value(persona.name);
        for (auto it = pending.cbegin(); it != pending.cend(); ++it)
            secrets.insert(it.key(), it.value());
        // The sign-ins it gets: what a credential its agent rewrites is compared with at a stop.
        QMap<QString, QByteArray> signIns;
        for (auto it = secrets.cbegin(); it != secrets.cend(); ++it)
            if (SignIn::agentOfSecret(it.key(), persona.name))
                signIns.insert(it.key(), it.value());
        m_signInDelivered.insert(persona.name, signIns);
        secrets.insert(AgentConfig::files(persona, secrets, mcp));
        runAction(persona.name, action,
                  [deliverSecrets, persona, secrets](EngineClient &client) -> Result<void> {
                      if (!deliverSecrets)
                          return {};
                      return deliverSecrets(client, persona.containerName(), secrets, ContainerUid);
                  });
    };
    if (!m_options.readSecrets)
        return deliver({});
    m_options.readSecrets(persona, [this, persona, action, deliver](Result<Options::Secrets> secrets) {
        if (!secrets) {
            // The container is up without its secrets: stop it rather than run it half-made.
            runAction(persona.name, action,
                      [persona, error = secrets.error()](EngineClient &client) -> Result<void> {
                          (void)client.killContainer(persona.containerName());
                          return std::unexpected(error);
                      });
            return;
        }
        deliver(*secrets);
    });
}

void PersonaRuntime::inspectImage(const QString &image, QObject *context,
                                  std::function<void(Result<QJsonObject>)> done) const
{
    QThreadPool::globalInstance()->start([endpoint = endpoint(), image, context = QPointer<QObject>(context),
                                          done = std::move(done)] {
        Result<QJsonObject> info = fail(Error::Code::Unavailable, Text::tr("no container engine is running"));
        if (endpoint) {
            EngineClient client(*endpoint);
            auto connected = client.connect();
            info = connected ? client.inspectImage(image)
                             : Result<QJsonObject>(std::unexpected(connected.error()));
        }
        if (context)
            QMetaObject::invokeMethod(context.data(), [done, info] { done(info); }, Qt::QueuedConnection);
    });
}

} // namespace paddock
