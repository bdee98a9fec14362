#include "personas/PersonaEditDialog.h"

#include "agents/AgentConfig.h"
#include "personas/PersonaCard.h"
#include "personas/PersonaStore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace paddock {

namespace {

const QColor Red(0xc6, 0x28, 0x28);

QStringList items(const QString &text)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

QSpinBox *spin(const char *name, int max, const QString &suffix)
{
    auto *box = new QSpinBox;
    box->setObjectName(QLatin1StringView(name));
    box->setRange(0, max); // below the minimum too, so that validation says why it is too small
    box->setSuffix(suffix);
    return box;
}

QLineEdit *line(const char *name, const QString &placeholder = {})
{
    auto *edit = new QLineEdit;
    edit->setObjectName(QLatin1StringView(name));
    edit->setPlaceholderText(placeholder);
    return edit;
}

void setRed(QWidget *widget, bool red)
{
    QPalette palette = widget->palette();
    palette.setColor(QPalette::WindowText, red ? Red : QPalette().color(QPalette::WindowText));
    palette.setColor(QPalette::ButtonText, red ? Red : QPalette().color(QPalette::ButtonText));
    widget->setPalette(palette);
}

} // namespace

PersonaEditDialog::PersonaEditDialog(const Persona &persona, QList<Persona> others, QWidget *parent)
    : QDialog(parent)
    , m_original(persona)
    , m_others(std::move(others))
    , m_name(line("nameEdit"))
    , m_trust(new QComboBox)
    , m_image(line("imageEdit", QStringLiteral("localhost/paddock-agent:latest")))
    , m_entrypoint(line("entrypointEdit", tr("the image's own")))
    , m_agent(new QComboBox)
    , m_model(line("modelEdit", tr("the agent's default")))
    , m_effort(new QComboBox)
    , m_web(new QCheckBox(tr("Its web UI on the first port, instead of a terminal session")))
    , m_agentCommand(line("agentCommandEdit", tr("the command that runs in the session")))
    , m_agentEnv(new QPlainTextEdit)
    , m_agentKey(new QLabel)
    , m_ports(line("portsEdit", tr("host:container, e.g. 2222:22")))
    , m_volumes(line("volumesEdit", tr("volume:/path, e.g. paddock-dev-home:/home/dev")))
    , m_sshKey(line("sshKeyEdit", tr("the name of the secret with the SSH key")))
    , m_deployKey(new QCheckBox(tr("A deploy key (one repository), not the account key")))
    , m_auditFailMode(new QComboBox)
    , m_policyMode(new QComboBox)
    , m_proxyLoopback(spin("proxyLoopbackSpin", 65535, {}))
    , m_memory(spin("memorySpin", 1024 * 1024, tr(" MB")))
    , m_cpus(new QDoubleSpinBox)
    , m_pids(spin("pidsSpin", 1'000'000, {}))
    , m_nofile(spin("nofileSpin", 1'048'576, {}))
    , m_nproc(spin("nprocSpin", 1'000'000, {}))
    , m_tmp(spin("tmpSpin", 1024 * 1024, tr(" MB")))
    , m_writableRoot(new QCheckBox(tr("Writable root file system")))
    , m_rootUser(new QCheckBox(tr("Run as root inside the container")))
    , m_capabilities(line("capabilitiesEdit", tr("none; e.g. NET_BIND_SERVICE")))
    , m_relaxations(new QLabel)
    , m_error(new QLabel)
{
    setObjectName(QStringLiteral("personaEditDialog"));
    setWindowTitle(persona.name.isEmpty() ? tr("New persona") : tr("Edit persona %1").arg(persona.name));

    m_trust->setObjectName(QStringLiteral("trustCombo"));
    for (Persona::Trust t : {Persona::Trust::Full, Persona::Trust::Moderate, Persona::Trust::Restricted})
        m_trust->addItem(PersonaCard::trustText(t), int(t));
    m_agent->setObjectName(QStringLiteral("agentCombo"));
    using Kind = Persona::Agent::Kind;
    m_agent->addItem(tr("None: a shell (or the entrypoint)"), int(Kind::Shell));
    m_agent->addItem(QStringLiteral("Claude Code"), int(Kind::Claude));
    m_agent->addItem(QStringLiteral("Codex"), int(Kind::Codex));
    m_agent->addItem(QStringLiteral("opencode"), int(Kind::Opencode));
    m_agent->addItem(QStringLiteral("GitHub Copilot CLI"), int(Kind::Copilot));
    m_agent->addItem(tr("A command of your own"), int(Kind::Custom));
    m_agent->setToolTip(tr("What runs in the persona's tmux session in the workspace; Open terminal "
                           "attaches to it."));
    m_effort->setObjectName(QStringLiteral("effortCombo"));
    m_effort->addItem(tr("The agent's default"), QString());
    for (const QString &level : Persona::Agent::effortLevels())
        m_effort->addItem(level, level);
    m_web->setObjectName(QStringLiteral("webCheck"));
    m_agentEnv->setObjectName(QStringLiteral("agentEnvEdit"));
    m_agentEnv->setPlaceholderText(tr("NAME=value, one per line (e.g. ANTHROPIC_BASE_URL=https://gateway…); "
                                      "keys are secrets, not variables"));
    m_agentEnv->setTabChangesFocus(true);
    m_agentEnv->setFixedHeight(m_agentEnv->fontMetrics().lineSpacing() * 4);
    m_agentKey->setObjectName(QStringLiteral("agentKeyLabel"));
    m_agentKey->setWordWrap(true);
    m_deployKey->setObjectName(QStringLiteral("deployKeyCheck"));
    m_auditFailMode->setObjectName(QStringLiteral("auditFailModeCombo"));
    m_auditFailMode->addItem(tr("By trust (restricted personas fail closed)"), -1);
    m_auditFailMode->addItem(tr("Closed: refuse new actions while the audit log fails"),
                             int(AuditFailMode::Closed));
    m_auditFailMode->addItem(tr("Open: go on unrecorded while the audit log fails"),
                             int(AuditFailMode::Open));
    m_policyMode->setObjectName(QStringLiteral("policyModeCombo"));
    m_policyMode->addItem(tr("Enforce: the policies decide"), int(Persona::PolicyMode::Enforce));
    m_policyMode->addItem(tr("Shadow: denials are only recorded"), int(Persona::PolicyMode::Shadow));
    m_policyMode->addItem(tr("Record: everything is allowed and recorded"), int(Persona::PolicyMode::Record));
    m_policyMode->setToolTip(
        tr("How the egress proxy applies this persona's network policies. Shadow and record "
           "let every connection through and record the would-be denials: use them to try "
           "a policy out or to draft one (Suggest policy), then return to enforce."));
    m_proxyLoopback->setSpecialValueText(tr("Off"));
    m_proxyLoopback->setPrefix(QStringLiteral("127.0.0.1:"));
    m_proxyLoopback->setToolTip(
        tr("The egress proxy also serves this persona on 127.0.0.1 at this port while Paddock runs, "
           "for its processes on this host (a full-trust agent run outside a container, for example). "
           "Whatever runs on this host may use it as this persona."));
    m_cpus->setObjectName(QStringLiteral("cpusSpin"));
    m_cpus->setRange(0, 1024);
    m_cpus->setDecimals(2);
    m_cpus->setSingleStep(0.5);
    m_writableRoot->setObjectName(QStringLiteral("writableRootCheck"));
    m_rootUser->setObjectName(QStringLiteral("rootUserCheck"));
    m_relaxations->setObjectName(QStringLiteral("relaxationsLabel"));
    m_relaxations->setWordWrap(true);
    m_relaxations->setTextFormat(Qt::PlainText);
    setRed(m_relaxations, true);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setRed(m_error, true);
    m_error->hide();

    auto *general = new QFormLayout;
    general->addRow(tr("&Name:"), m_name);
    general->addRow(tr("&Trust:"), m_trust);
    general->addRow(tr("&Image:"), m_image);
    general->addRow(tr("&Entrypoint:"), m_entrypoint);
    general->addRow(tr("&Ports:"), m_ports);
    general->addRow(tr("&Volumes:"), m_volumes);
    general->addRow(tr("SSH &key secret:"), m_sshKey);
    general->addRow(QString(), m_deployKey);
    general->addRow(tr("When the &audit log fails:"), m_auditFailMode);
    general->addRow(tr("&Network policy mode:"), m_policyMode);
    general->addRow(tr("Proxy on &loopback:"), m_proxyLoopback);
    m_general = general;

    auto *agentBox = new QGroupBox(tr("Agent"));
    agentBox->setObjectName(QStringLiteral("agentGroup"));
    auto *agent = new QFormLayout(agentBox);
    agent->addRow(tr("A&gent:"), m_agent);
    agent->addRow(tr("M&odel:"), m_model);
    agent->addRow(tr("Rea&soning effort:"), m_effort);
    agent->addRow(QString(), m_web);
    agent->addRow(tr("Comman&d:"), m_agentCommand);
    agent->addRow(tr("Environment:"), m_agentEnv);
    agent->addRow(m_agentKey);
    m_agentForm = agent;

    auto *limitsBox = new QGroupBox(tr("Limits"));
    limitsBox->setObjectName(QStringLiteral("limitsBox"));
    auto *limits = new QFormLayout(limitsBox);
    limits->addRow(tr("&Memory:"), m_memory);
    limits->addRow(tr("&CPUs:"), m_cpus);
    limits->addRow(tr("P&rocesses (PIDs):"), m_pids);
    limits->addRow(tr("Open &files:"), m_nofile);
    limits->addRow(tr("Processes per &user:"), m_nproc);
    limits->addRow(tr("Si&ze of /tmp:"), m_tmp);

    auto *hardeningBox = new QGroupBox(tr("Hardening relaxations"));
    hardeningBox->setObjectName(QStringLiteral("hardeningBox"));
    auto *hardening = new QFormLayout(hardeningBox);
    hardening->addRow(m_writableRoot);
    hardening->addRow(m_rootUser);
    hardening->addRow(tr("Added ca&pabilities:"), m_capabilities);
    hardening->addRow(m_relaxations);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->setObjectName(QStringLiteral("buttons"));
    connect(buttons, &QDialogButtonBox::accepted, this, &PersonaEditDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &PersonaEditDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(general);
    layout->addWidget(agentBox);
    layout->addWidget(limitsBox);
    layout->addWidget(hardeningBox);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    load(persona);
    connect(m_agent, &QComboBox::currentIndexChanged, this, [this] {
        updateAgentRows();
        showError({});
    });
    connect(m_writableRoot, &QCheckBox::toggled, this, &PersonaEditDialog::updateRelaxations);
    connect(m_rootUser, &QCheckBox::toggled, this, &PersonaEditDialog::updateRelaxations);
    connect(m_capabilities, &QLineEdit::textChanged, this, &PersonaEditDialog::updateRelaxations);
    connect(m_policyMode, &QComboBox::currentIndexChanged, this, &PersonaEditDialog::updateRelaxations);
    connect(m_trust, &QComboBox::currentIndexChanged, this, [this] {
        updatePolicyModeRow();
        updateRelaxations();
    });
    connect(m_proxyLoopback, &QSpinBox::valueChanged, this, [this] {
        updatePolicyModeRow();
        updateRelaxations();
    });
    for (QLineEdit *edit : findChildren<QLineEdit *>())
        connect(edit, &QLineEdit::textEdited, this, [this] { showError({}); });
}

void PersonaEditDialog::load(const Persona &p)
{
    m_name->setText(p.name);
    m_trust->setCurrentIndex(m_trust->findData(int(p.trust)));
    m_image->setText(p.image);
    m_entrypoint->setText(commandText(p.entrypoint));
    m_agent->setCurrentIndex(m_agent->findData(int(p.agent.kind)));
    m_model->setText(p.agent.model);
    m_effort->setCurrentIndex(std::max(0, m_effort->findData(p.agent.effort)));
    m_web->setChecked(p.agent.web);
    m_agentCommand->setText(commandText(p.agent.command));
    QStringList env;
    for (auto it = p.agent.env.cbegin(); it != p.agent.env.cend(); ++it)
        env << it.key() + u'=' + it.value();
    m_agentEnv->setPlainText(env.join(u'\n'));
    updateAgentRows();
    m_ports->setText(portsText(p.ports));
    m_volumes->setText(volumesText(p.volumes));
    m_sshKey->setText(p.sshKey);
    m_deployKey->setChecked(p.deployKey);
    m_auditFailMode->setCurrentIndex(m_auditFailMode->findData(p.auditFailMode ? int(*p.auditFailMode) : -1));
    m_policyMode->setCurrentIndex(m_policyMode->findData(int(p.policyMode)));
    m_proxyLoopback->setValue(p.proxyLoopbackPort);
    updatePolicyModeRow();
    m_memory->setValue(int(p.limits.memoryMb));
    m_cpus->setValue(p.limits.cpus);
    m_pids->setValue(p.limits.pids);
    m_nofile->setValue(p.limits.nofile);
    m_nproc->setValue(p.limits.nproc);
    m_tmp->setValue(p.limits.tmpMb);
    m_writableRoot->setChecked(p.relaxed.writableRoot);
    m_rootUser->setChecked(p.relaxed.rootUser);
    m_capabilities->setText(p.relaxed.capabilities.join(QStringLiteral(", ")));
    updateRelaxations();
}

Result<QList<Persona::Port>> PersonaEditDialog::parsePorts(const QString &text)
{
    QList<Persona::Port> ports;
    for (const QString &item : items(text)) {
        const QStringList sides = item.split(u':');
        bool hostOk = false, containerOk = sides.size() == 1;
        const int host = sides.first().toInt(&hostOk);
        const int container = sides.size() == 2 ? sides.at(1).toInt(&containerOk) : host;
        if (sides.size() > 2 || !hostOk || !containerOk)
            return fail(Error::Code::Invalid, tr("\"%1\" is not a port").arg(item), tr("Ports"),
                        tr("Write the host port and the container port as HOST:CONTAINER, e.g. 2222:22."));
        ports.append({host, container});
    }
    return ports;
}

QString PersonaEditDialog::portsText(const QList<Persona::Port> &ports)
{
    QStringList out;
    for (const Persona::Port &p : ports)
        out << QStringLiteral("%1:%2").arg(p.host).arg(p.container);
    return out.join(QStringLiteral(", "));
}

Result<QList<Persona::Volume>> PersonaEditDialog::parseVolumes(const QString &text)
{
    QList<Persona::Volume> volumes;
    for (const QString &item : items(text)) {
        const qsizetype colon = item.indexOf(u':');
        if (colon <= 0 || colon == item.size() - 1)
            return fail(Error::Code::Invalid, tr("\"%1\" is not a volume").arg(item), tr("Volumes"),
                        tr("Write the volume's name and where it is mounted as NAME:/PATH, e.g. "
                           "paddock-dev-home:/home/dev."));
        volumes.append({item.left(colon), item.mid(colon + 1)});
    }
    return volumes;
}

QString PersonaEditDialog::volumesText(const QList<Persona::Volume> &volumes)
{
    QStringList out;
    for (const Persona::Volume &v : volumes)
        out << v.name + u':' + v.target;
    return out.join(QStringLiteral(", "));
}

QString PersonaEditDialog::commandText(const QStringList &args)
{
    // As QProcess::splitCommand reads it back: quotes around what has spaces or quotes, and a
    // literal quote inside them tripled.
    static const QRegularExpression needsQuotes(QStringLiteral("[\\s\"]"));
    QStringList out;
    for (const QString &arg : args) {
        if (!arg.isEmpty() && !arg.contains(needsQuotes))
            out << arg;
        else
            out << u'"' + QString(arg).replace(u'"', QStringLiteral("\"\"\"")) + u'"';
    }
    return out.join(u' ');
}

Result<Persona> PersonaEditDialog::persona() const
{
    Persona p = m_original;
    p.name = m_name->text().trimmed();
    p.trust = Persona::Trust(m_trust->currentData().toInt());
    p.image = m_image->text().trimmed();
    p.entrypoint = QProcess::splitCommand(m_entrypoint->text());
    using Kind = Persona::Agent::Kind;
    p.agent = {};
    p.agent.kind = Kind(m_agent->currentData().toInt());
    if (p.agent.kind != Kind::Shell && !p.entrypoint.isEmpty())
        return fail(Error::Code::Invalid,
                    tr("An agent runs in Paddock's session, so the persona cannot have an entrypoint too"),
                    tr("Entrypoint"),
                    tr("Clear the entrypoint, or choose \"None\" as the agent to run the entrypoint."));
    if (p.agent.kind != Kind::Shell && p.agent.kind != Kind::Custom)
        p.agent.model = m_model->text().trimmed();
    if (Persona::Agent::hasEffort(p.agent.kind))
        p.agent.effort = m_effort->currentData().toString();
    p.agent.web = p.agent.kind == Kind::Opencode && m_web->isChecked();
    if (p.agent.kind == Kind::Custom)
        p.agent.command = QProcess::splitCommand(m_agentCommand->text());
    const QStringList envLines = m_agentEnv->toPlainText().split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : envLines) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0)
            return fail(Error::Code::Invalid, tr("\"%1\" is not NAME=value").arg(line.trimmed().left(80)),
                        tr("Environment"),
                        tr("Write one variable per line, e.g. ANTHROPIC_BASE_URL=https://…"));
        p.agent.env.insert(line.left(eq).trimmed(), line.mid(eq + 1).trimmed());
    }
    auto ports = parsePorts(m_ports->text());
    if (!ports)
        return std::unexpected(ports.error());
    p.ports = *ports;
    auto volumes = parseVolumes(m_volumes->text());
    if (!volumes)
        return std::unexpected(volumes.error());
    p.volumes = *volumes;
    p.sshKey = m_sshKey->text().trimmed();
    p.deployKey = m_deployKey->isChecked();
    const int failMode = m_auditFailMode->currentData().toInt();
    p.auditFailMode = failMode < 0 ? std::nullopt : std::optional(AuditFailMode(failMode));
    p.policyMode = Persona::PolicyMode(m_policyMode->currentData().toInt());
    p.proxyLoopbackPort = m_proxyLoopback->value();
    p.limits.memoryMb = m_memory->value();
    p.limits.cpus = m_cpus->value();
    p.limits.pids = m_pids->value();
    p.limits.nofile = m_nofile->value();
    p.limits.nproc = m_nproc->value();
    p.limits.tmpMb = m_tmp->value();
    p.relaxed.writableRoot = m_writableRoot->isChecked();
    p.relaxed.rootUser = m_rootUser->isChecked();
    p.relaxed.capabilities.clear();
    for (const QString &cap : items(m_capabilities->text()))
        p.relaxed.capabilities << cap.toUpper();
    return p;
}

void PersonaEditDialog::updateAgentRows()
{
    using Kind = Persona::Agent::Kind;
    const Kind kind = Kind(m_agent->currentData().toInt());
    const bool agent = kind != Kind::Shell;
    m_agentForm->setRowVisible(m_model, agent && kind != Kind::Custom);
    m_agentForm->setRowVisible(m_effort, Persona::Agent::hasEffort(kind));
    m_agentForm->setRowVisible(m_web, kind == Kind::Opencode);
    m_agentForm->setRowVisible(m_agentCommand, kind == Kind::Custom);
    m_agentForm->setRowVisible(m_agentEnv, agent);
    // Where its key comes from: a secret of this name, assigned to the persona (Secrets page).
    QString key;
    switch (kind) {
    case Kind::Claude:
        key = tr("Claude Code reads its API key from the secret \"%1\" (or sign in with a subscription).")
                  .arg(QLatin1StringView(AgentConfig::AnthropicKey));
        break;
    case Kind::Codex:
        key = tr("Codex reads its API key from the secret \"%1\".")
                  .arg(QLatin1StringView(AgentConfig::OpenAiKey));
        break;
    case Kind::Opencode:
        key =
            tr("opencode reads the secrets \"%1\" and \"%2\", for its Anthropic and OpenAI models.")
                .arg(QLatin1StringView(AgentConfig::AnthropicKey), QLatin1StringView(AgentConfig::OpenAiKey));
        break;
    case Kind::Copilot:
        key = tr("Copilot CLI reads its GitHub token from the secret \"%1\".")
                  .arg(QLatin1StringView(AgentConfig::GitHubToken));
        break;
    default:
        break;
    }
    if (!key.isEmpty())
        key += u' ' + tr("Assign it to this persona on the Secrets page.");
    m_agentKey->setText(key);
    m_agentForm->setRowVisible(m_agentKey, !key.isEmpty());
}

void PersonaEditDialog::updatePolicyModeRow()
{
    // A full-trust persona's traffic goes through the proxy only by its loopback listener.
    m_general->setRowVisible(m_policyMode,
                             Persona::Trust(m_trust->currentData().toInt()) != Persona::Trust::Full ||
                                 m_proxyLoopback->value() != 0);
}

void PersonaEditDialog::updateRelaxations()
{
    Persona p;
    p.trust = Persona::Trust(m_trust->currentData().toInt());
    p.policyMode = Persona::PolicyMode(m_policyMode->currentData().toInt());
    p.proxyLoopbackPort = m_proxyLoopback->value();
    p.relaxed.writableRoot = m_writableRoot->isChecked();
    p.relaxed.rootUser = m_rootUser->isChecked();
    for (const QString &cap : items(m_capabilities->text()))
        p.relaxed.capabilities << cap.toUpper();
    m_shownRelaxations = p.relaxations();
    QStringList lines;
    for (const QString &sentence : m_shownRelaxations)
        lines << QStringLiteral("• ") + sentence;
    m_relaxations->setText(
        lines.isEmpty() ? QString() : tr("This persona switches off hardening:") + u'\n' + lines.join(u'\n'));
    m_relaxations->setVisible(!lines.isEmpty());
    setRed(m_writableRoot, p.relaxed.writableRoot);
    setRed(m_rootUser, p.relaxed.rootUser);
}

QString PersonaEditDialog::errorText() const
{
    return m_error->text();
}

void PersonaEditDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

void PersonaEditDialog::accept()
{
    auto edited = persona();
    if (!edited) {
        showError(edited.error().text());
        return;
    }
    QList<Persona> all = m_others;
    all << *edited;
    if (auto valid = PersonaStore::validate(all); !valid) {
        showError(valid.error().message + u'\n' + valid.error().hint);
        return;
    }
    showError({});
    QDialog::accept();
}

} // namespace paddock
