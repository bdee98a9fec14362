#include "personas/SignInDialog.h"

#include "agents/SignIn.h"
#include "runtime/PersonaRuntime.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace paddock {

SignInDialog::SignInDialog(const Persona &persona, PersonaRuntime *runtime, Hooks hooks, QWidget *parent)
    : QDialog(parent)
    , m_persona(persona)
    , m_runtime(runtime)
    , m_hooks(std::move(hooks))
    , m_hosts(new QTreeWidget(this))
    , m_status(new QLabel(this))
    , m_error(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_start(new QPushButton(tr("Sign in"), this))
    , m_terminal(new QPushButton(tr("Open terminal again"), this))
    , m_copyPolicy(new QPushButton(tr("Copy a policy that allows them"), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    const auto login = SignIn::login(persona.agent.kind);
    setWindowTitle(tr("Sign in — %1").arg(persona.name));
    setObjectName(QStringLiteral("signInDialog"));
    auto *explanation = new QLabel(this);
    explanation->setObjectName(QStringLiteral("explanation"));
    explanation->setWordWrap(true);
    explanation->setTextFormat(Qt::PlainText);
    explanation->setText(login ? tr("%1's agent signs in with your %2 subscription instead of an API key. "
                                    "Its own login runs in a "
                                    "throwaway container of %1, behind its proxy, in a terminal Paddock "
                                    "opens. %3\n\nPaddock keeps "
                                    "the credential in your keychain, never on disk or in a volume, and "
                                    "gives it to the agent at "
                                    "each start.")
                                     .arg(persona.name, login->title, login->browser)
                               : tr("%1's agent (%2) has no sign-in; give it an API key on the Secrets page.")
                                     .arg(persona.name, Persona::Agent::kindName(persona.agent.kind)));

    auto *hostsLabel = new QLabel(tr("The login reaches these hosts from the container:"), this);
    m_hosts->setObjectName(QStringLiteral("hostsList"));
    m_hosts->setRootIsDecorated(false);
    m_hosts->setHeaderLabels({tr("Host"), tr("For"), tr("%1's policies").arg(persona.name)});
    m_hosts->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_hosts->setMaximumHeight(120);
    for (const SignIn::Host &host : login ? login->hosts : QList<SignIn::Host>{}) {
        // -1: not known, 0: refused, 1: allowed.
        int allowed = -1;
        if (m_hooks.allows)
            if (const auto decided = m_hooks.allows(host.name, host.port))
                allowed = decided.value_or(false) ? 1 : 0;
        auto *item =
            new QTreeWidgetItem(m_hosts, {QStringLiteral("%1:%2").arg(host.name).arg(host.port), host.why,
                                          allowed < 0 ? tr("not known")
                                          : allowed   ? tr("allowed")
                                                      : tr("refused")});
        if (allowed == 0) {
            item->setForeground(2, QColor(0xb0, 0x00, 0x20));
            m_refused << host.name;
        }
    }
    m_copyPolicy->setObjectName(QStringLiteral("copyPolicyButton"));
    m_copyPolicy->setToolTip(
        tr("A Cedar policy for this persona that permits these hosts on port 443, to paste "
           "into its policy set in the policy editor"));
    m_copyPolicy->setVisible(!m_refused.isEmpty());
    connect(m_copyPolicy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(policyForRefused());
        m_status->setText(tr("Copied a policy to the clipboard; add it on the Policies page, then sign in."));
    });

    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    if (!m_refused.isEmpty())
        m_status->setText(tr("The policies refuse %1: the login will fail there until a policy allows them.")
                              .arg(m_refused.join(QStringLiteral(", "))));
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->hide();
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 0);
    m_progress->hide();

    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setDefault(true);
    m_start->setEnabled(login.has_value() && m_runtime);
    m_terminal->setObjectName(QStringLiteral("terminalButton"));
    m_terminal->hide();
    m_buttons->addButton(m_start, QDialogButtonBox::AcceptRole);
    m_buttons->addButton(m_terminal, QDialogButtonBox::ActionRole);
    connect(m_start, &QPushButton::clicked, this, &SignInDialog::start);
    connect(m_terminal, &QPushButton::clicked, this, &SignInDialog::openTerminal);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SignInDialog::reject);

    auto *copyRow = new QHBoxLayout;
    copyRow->addStretch(1);
    copyRow->addWidget(m_copyPolicy);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explanation);
    layout->addWidget(hostsLabel);
    layout->addWidget(m_hosts);
    layout->addLayout(copyRow);
    layout->addWidget(m_status);
    layout->addWidget(m_progress);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(m_buttons);
    resize(620, sizeHint().height());

    if (m_runtime) {
        const QString name = persona.name;
        connect(m_runtime, &PersonaRuntime::signInReady, this,
                [this, name](const QString &p, const QString &container) {
                    if (p == name && isVisible()) // a closed one waits for its deletion only
                        ready(container);
                });
        connect(m_runtime, &PersonaRuntime::signInFinished, this,
                [this, name](const QString &p, const QString &secret) {
                    if (p == name && isVisible()) // a closed one waits for its deletion only
                        finished(secret);
                });
        connect(m_runtime, &PersonaRuntime::signInFailed, this,
                [this, name](const QString &p, const Error &e) {
                    if (p == name && isVisible()) // a closed one waits for its deletion only
                        failed(e);
                });
    }
}

SignInDialog::~SignInDialog() = default;

QString SignInDialog::policyForRefused() const
{
    if (m_refused.isEmpty())
        return {};
    QStringList quoted;
    for (const QString &host : m_refused)
        quoted << u'"' + host + u'"';
    return QStringLiteral(
               "@id(\"%1-sign-in\")\n"
               "permit (principal == Paddock::Persona::\"%1\", action == Paddock::Action::\"connect\", "
               "resource)\nwhen { resource.port == 443 && [%2].contains(resource.name) };\n")
        .arg(m_persona.name, quoted.join(QStringLiteral(", ")));
}

void SignInDialog::setRunning(bool running)
{
    m_running = running;
    m_progress->setVisible(running);
    m_start->setEnabled(!running);
    m_terminal->setVisible(running && !m_container.isEmpty());
}

void SignInDialog::start()
{
    m_error->hide();
    m_container.clear();
    m_cancelling = false;
    setRunning(true);
    m_status->setText(tr("Starting the sign-in container of %1…").arg(m_persona.name));
    QMetaObject::invokeMethod(m_runtime,
                              [runtime = m_runtime, name = m_persona.name] { runtime->signIn(name); });
}

void SignInDialog::ready(const QString &container)
{
    m_container = container;
    setRunning(true);
    m_status->setText(tr("Follow the login in the terminal. This window closes its container once the login "
                         "has ended."));
    openTerminal();
}

void SignInDialog::openTerminal()
{
    const QStringList argv = m_hooks.terminalCommand ? m_hooks.terminalCommand(m_container) : QStringList{};
    if (!argv.isEmpty() && m_hooks.launch && m_hooks.launch(argv))
        return;
    m_error->setText(argv.isEmpty() ? tr("Cannot open a terminal: the container engine is not known yet.")
                                    : tr("Could not start the terminal \"%1\". Run this in one: %2")
                                          .arg(argv.first(), argv.join(u' ')));
    m_error->show();
}

void SignInDialog::finished(const QString &secret)
{
    setRunning(false);
    m_terminal->hide();
    m_status->setText(
        tr("Signed in. The credential is in your keychain as %1, assigned to %2; its agent gets it at "
           "its next start (restart it if it runs).")
            .arg(secret, m_persona.name));
    m_start->hide();
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
    emit signedIn(m_persona.name, secret);
}

void SignInDialog::failed(const Error &error)
{
    setRunning(false);
    if (m_cancelling)
        return QDialog::reject();
    m_status->clear();
    m_error->setText(tr("The sign-in failed: %1").arg(error.text()));
    m_error->show();
    m_start->setText(tr("Try again"));
}

void SignInDialog::reject()
{
    if (!m_running)
        return QDialog::reject();
    // The container goes; signInFailed (cancelled) closes the dialog.
    m_cancelling = true;
    m_status->setText(tr("Cancelling…"));
    QMetaObject::invokeMethod(m_runtime,
                              [runtime = m_runtime, name = m_persona.name] { runtime->cancelSignIn(name); });
}

} // namespace paddock
