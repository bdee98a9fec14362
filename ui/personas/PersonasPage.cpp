#include "personas/PersonasPage.h"

#include "Icons.h"
#include "personas/ImageBuildDialog.h"
#include "personas/LogViewer.h"
#include "personas/PersonaCard.h"
#include "personas/PersonaEditDialog.h"
#include "personas/SignInDialog.h"
#include "personas/WorkspaceDialog.h"
#include "runtime/ImageBuilder.h"
#include "runtime/TerminalCommand.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QStandardPaths>
#include <QStyle>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace paddock {

namespace {

const QColor Red(0xb7, 0x1c, 0x1c);

QString actionTitle(const QString &action)
{
    if (action == QLatin1StringView("start"))
        return PersonasPage::tr("start");
    if (action == QLatin1StringView("stop"))
        return PersonasPage::tr("stop");
    if (action == QLatin1StringView("restart"))
        return PersonasPage::tr("restart");
    if (action == QLatin1StringView("remove"))
        return PersonasPage::tr("delete");
    return action;
}

} // namespace

PersonasPage::PersonasPage(PersonaRuntime *runtime, QWidget *parent)
    : QWidget(parent)
    , m_noEngine(new QFrame)
    , m_noEngineText(new QLabel)
    , m_retry(new QPushButton(tr("&Retry now")))
    , m_engineLabel(new QLabel)
    , m_stopAll(new QPushButton(tr("Stop &all agents")))
    , m_message(new QLabel)
    , m_empty(new QLabel(tr("There are no personas. They are read from personas.json in Paddock's "
                            "configuration folder.")))
    , m_scroll(new QScrollArea)
    , m_list(new QWidget)
    , m_listLayout(new QVBoxLayout(m_list))
{
    setObjectName(QStringLiteral("personasPage"));
    m_launch = [](const QStringList &argv) {
        return !argv.isEmpty() && QProcess::startDetached(argv.first(), argv.mid(1));
    };
    // VS Code is offered when it is installed; PATH is searched off the UI thread.
    QtConcurrent::run([] {
        return !QStandardPaths::findExecutable(QStringLiteral("code")).isEmpty();
    }).then(this, [this](bool found) { setVsCodeAvailable(found); });

    auto *title = new QLabel(tr("Personas"));
    title->setObjectName(QStringLiteral("personasTitle"));
    QFont font = title->font();
    font.setPointSizeF(font.pointSizeF() * 1.3);
    font.setBold(true);
    title->setFont(font);
    m_engineLabel->setObjectName(QStringLiteral("engineLabel"));
    m_engineLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stopAll->setObjectName(QStringLiteral("stopAllButton"));
    m_stopAll->setIcon(
        Icons::themed(QStringLiteral("media-playback-stop"), style()->standardIcon(QStyle::SP_MediaStop)));
    m_stopAll->setEnabled(false);
    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addWidget(m_engineLabel, 1);
    header->addWidget(m_stopAll);

    // No engine: say so, say how to start one, offer to look again now.
    m_noEngine->setObjectName(QStringLiteral("noEnginePanel"));
    m_noEngine->setFrameShape(QFrame::StyledPanel);
    m_noEngine->setAutoFillBackground(true);
    QPalette warn = m_noEngine->palette();
    warn.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
    warn.setColor(QPalette::WindowText, QColor(0x3a, 0x2a, 0x00));
    m_noEngine->setPalette(warn);
    auto *noEngineIcon = new QLabel;
    noEngineIcon->setObjectName(QStringLiteral("noEngineIcon"));
    noEngineIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(32, 32));
    m_noEngineText->setObjectName(QStringLiteral("noEngineText"));
    m_noEngineText->setWordWrap(true);
    m_noEngineText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retry->setObjectName(QStringLiteral("retryButton"));
    auto *noEngineLayout = new QHBoxLayout(m_noEngine);
    noEngineLayout->addWidget(noEngineIcon, 0, Qt::AlignTop);
    noEngineLayout->addWidget(m_noEngineText, 1);
    noEngineLayout->addWidget(m_retry, 0, Qt::AlignTop);

    m_message->setObjectName(QStringLiteral("pageMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    m_empty->setObjectName(QStringLiteral("noPersonasLabel"));
    m_empty->setWordWrap(true);

    m_list->setObjectName(QStringLiteral("personaList"));
    m_listLayout->addWidget(m_empty);
    m_listLayout->addStretch(1);
    m_scroll->setObjectName(QStringLiteral("personaScroll"));
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidget(m_list);
    m_scroll->viewport()->installEventFilter(this);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_noEngine);
    layout->addWidget(m_message);
    layout->addWidget(m_scroll, 1);

    m_watchTimer.setSingleShot(true);
    m_watchTimer.setInterval(50);
    connect(&m_watchTimer, &QTimer::timeout, this, &PersonasPage::updateWatched);
    connect(m_scroll->verticalScrollBar(), &QScrollBar::valueChanged, this,
            &PersonasPage::scheduleWatchUpdate);
    connect(m_retry, &QPushButton::clicked, this, [this] {
        // The answer comes as engineConnectionChanged, or not at all when nothing changed.
        m_retry->setEnabled(false);
        m_retry->setText(tr("Looking again…"));
        QTimer::singleShot(RetryPauseMs, m_retry, [this] {
            m_retry->setEnabled(true);
            m_retry->setText(tr("&Retry now"));
        });
        emit reconnectRequested();
    });
    connect(m_stopAll, &QPushButton::clicked, this, &PersonasPage::stopAllRequested);

    applyEngine(false, QString());
    if (runtime)
        connectRuntime(runtime);
}

PersonasPage::~PersonasPage()
{
    // The dialogs are children, deleted after this page's members: they must not call back.
    for (const QPointer<WorkspaceDialog> &dialog : std::as_const(m_workspaceDialogs))
        if (dialog)
            disconnect(dialog, nullptr, this, nullptr);
    for (const QPointer<ImageBuildDialog> &dialog : std::as_const(m_imageDialogs))
        if (dialog)
            disconnect(dialog, nullptr, this, nullptr);
    // The viewers are children; closed here, while this page can still say so.
    for (auto it = m_logViewers.cbegin(); it != m_logViewers.cend(); ++it)
        if (LogViewer *viewer = it.value()) {
            disconnect(viewer, nullptr, this, nullptr);
            emit unfollowLogsRequested(it.key());
            delete viewer;
        }
}

void PersonasPage::connectRuntime(PersonaRuntime *runtime)
{
    m_runtime = runtime;
    connect(this, &PersonasPage::workspaceRequested, this, &PersonasPage::openWorkspace);
    // What the runtime says, delivered on this thread.
    connect(runtime, &PersonaRuntime::personasChanged, this, &PersonasPage::applyPersonas);
    connect(runtime, &PersonaRuntime::statusChanged, this, &PersonasPage::applyStatus);
    connect(runtime, &PersonaRuntime::sampled, this, &PersonasPage::applySample);
    connect(runtime, &PersonaRuntime::engineConnectionChanged, this, &PersonasPage::applyEngine);
    connect(runtime, &PersonaRuntime::logLines, this, &PersonasPage::applyLogLines);
    connect(runtime, &PersonaRuntime::actionFinished, this, &PersonasPage::applyActionFinished);
    connect(runtime, &PersonaRuntime::actionFailed, this, &PersonasPage::applyActionFailed);
    connect(runtime, &PersonaRuntime::storeFailed, this, &PersonasPage::applyStoreFailed);
    // What the page asks for, run on the runtime's thread (queued even where it shares this one,
    // so that the UI thread never does the work).
    constexpr auto queued = Qt::QueuedConnection;
    connect(this, &PersonasPage::startRequested, runtime, &PersonaRuntime::startPersona, queued);
    connect(this, &PersonasPage::stopRequested, runtime, &PersonaRuntime::stopPersona, queued);
    connect(this, &PersonasPage::restartRequested, runtime, &PersonaRuntime::restartPersona, queued);
    connect(this, &PersonasPage::stopAllRequested, runtime, &PersonaRuntime::stopAll, queued);
    connect(this, &PersonasPage::updateRequested, runtime, &PersonaRuntime::updatePersona, queued);
    connect(this, &PersonasPage::duplicateRequested, runtime, &PersonaRuntime::duplicatePersona, queued);
    connect(this, &PersonasPage::removeRequested, runtime, &PersonaRuntime::removePersona, queued);
    connect(this, &PersonasPage::followLogsRequested, runtime, &PersonaRuntime::followLogs, queued);
    connect(this, &PersonasPage::unfollowLogsRequested, runtime, &PersonaRuntime::unfollowLogs, queued);
    connect(this, &PersonasPage::watchedChanged, runtime, &PersonaRuntime::setWatched, queued);
    connect(this, &PersonasPage::reconnectRequested, runtime, &PersonaRuntime::reconnect, queued);
    // Then what it knows already (the snapshots are newer than any signal still under way).
    applyEngine(runtime->isEngineConnected(), runtime->engineDescription());
    applyPersonas(runtime->personas());
    for (const PersonaStatus &status : runtime->statuses())
        applyStatus(status);
}

QList<PersonaCard *> PersonasPage::cards() const
{
    QList<PersonaCard *> out;
    for (const Persona &p : m_personas)
        if (PersonaCard *c = m_cards.value(p.name))
            out << c;
    return out;
}

PersonaCard *PersonasPage::card(const QString &name) const
{
    return m_cards.value(name);
}

QString PersonasPage::shellCommand(const QString &persona) const
{
    Persona p;
    p.name = persona;
    return m_engineCommand + QStringLiteral(" exec -it ") + p.containerName() + QStringLiteral(" bash");
}

LogViewer *PersonasPage::logViewer(const QString &persona) const
{
    return m_logViewers.value(persona);
}

WorkspaceDialog *PersonasPage::workspaceDialog(const QString &persona) const
{
    return m_workspaceDialogs.value(persona);
}

ImageBuildDialog *PersonasPage::imageBuildDialog(const QString &image) const
{
    return m_imageDialogs.value(image);
}

std::optional<Persona> PersonasPage::findPersona(const QString &name) const
{
    for (const Persona &p : m_personas)
        if (p.name == name)
            return p;
    return std::nullopt;
}

QString PersonasPage::message() const
{
    return m_message->text();
}

void PersonasPage::applyPersonas(const QList<Persona> &personas)
{
    QHash<QString, PersonaCard *> kept;
    for (const Persona &p : personas) {
        PersonaCard *c = m_cards.take(p.name);
        if (c)
            c->setPersona(p);
        else
            c = addCard(p);
        kept.insert(p.name, c);
    }
    for (PersonaCard *gone : std::as_const(m_cards))
        delete gone;
    m_cards = kept;
    m_personas = personas;
    // In the order of the file.
    for (qsizetype i = 0; i < personas.size(); ++i) {
        PersonaCard *c = m_cards.value(personas.at(i).name);
        m_listLayout->removeWidget(c);
        m_listLayout->insertWidget(int(i) + 1, c); // after the "no personas" line
    }
    m_empty->setVisible(personas.isEmpty());
    scheduleWatchUpdate();
    if (m_engineConnected)
        checkImages(personaImages());
}

PersonaCard *PersonasPage::addCard(const Persona &persona)
{
    auto *c = new PersonaCard(persona, m_list);
    c->setEngineConnected(m_engineConnected);
    if (auto it = m_statuses.constFind(persona.name); it != m_statuses.cend())
        c->setStatus(*it);
    connect(c, &PersonaCard::startRequested, this, [this, c] { emit startRequested(c->name()); });
    connect(c, &PersonaCard::stopRequested, this, [this, c] { emit stopRequested(c->name()); });
    connect(c, &PersonaCard::restartRequested, this, [this, c] { emit restartRequested(c->name()); });
    connect(c, &PersonaCard::logsRequested, this, [this, c] { openLogs(c->name()); });
    connect(c, &PersonaCard::copyShellRequested, this, [this, c] { copyShellCommand(c->name()); });
    connect(c, &PersonaCard::openTerminalRequested, this, [this, c] { openTerminal(c->name()); });
    connect(c, &PersonaCard::openVsCodeRequested, this, [this, c] { openVsCode(c->name()); });
    connect(c, &PersonaCard::signInRequested, this, [this, c] { signIn(c->name()); });
    c->setVsCodeAvailable(m_vscode);
    connect(c, &PersonaCard::editRequested, this, [this, c] { editPersona(c->name()); });
    connect(c, &PersonaCard::duplicateRequested, this, [this, c] { duplicatePersona(c->name()); });
    connect(c, &PersonaCard::deleteRequested, this, [this, c] { deletePersona(c->name()); });
    connect(c, &PersonaCard::suggestPolicyRequested, this,
            [this, c] { emit suggestPolicyRequested(c->name()); });
    connect(c, &PersonaCard::workspaceDropped, this,
            [this, c](const QString &path) { emit workspaceRequested(c->name(), path); });
    connect(c, &PersonaCard::buildImageRequested, this, [this, c] { buildImage(c->name()); });
    if (m_missingImages.contains(persona.image))
        c->showImageMissing(persona.image);
    return c;
}

void PersonasPage::applyStatus(const PersonaStatus &status)
{
    m_statuses.insert(status.persona, status);
    if (PersonaCard *c = m_cards.value(status.persona))
        c->setStatus(status);
}

void PersonasPage::applySample(const PersonaSample &sample)
{
    if (PersonaCard *c = m_cards.value(sample.persona))
        c->addSample(sample);
}

void PersonasPage::applyEngine(bool connected, const QString &description)
{
    const bool wasConnected = m_engineConnected;
    m_engineConnected = connected;
    if (connected && description.startsWith(QLatin1StringView("docker"), Qt::CaseInsensitive))
        m_engineCommand = QStringLiteral("docker");
    else if (connected)
        m_engineCommand = QStringLiteral("podman");
    m_engineLabel->setText(connected ? description : QString());
    m_engineLabel->setToolTip(description);
    QString text = tr("No container engine is running, so the personas cannot be started.");
    if (!description.isEmpty())
        text += u'\n' + description;
    text += u'\n' + tr("Paddock keeps trying in the background.");
    m_noEngineText->setText(text);
    m_noEngine->setVisible(!connected);
    m_stopAll->setEnabled(connected);
    for (PersonaCard *c : std::as_const(m_cards))
        c->setEngineConnected(connected);
    if (connected && !wasConnected)
        checkImages(personaImages());
}

void PersonasPage::applyLogLines(const QString &persona, const QList<EngineClient::LogLine> &lines)
{
    if (LogViewer *viewer = m_logViewers.value(persona))
        viewer->appendLines(lines);
}

void PersonasPage::applyActionFinished(const QString &persona, const QString &action)
{
    if (action == QLatin1StringView("remove"))
        showMessage(tr("The persona %1 was deleted.").arg(persona), false);
}

void PersonasPage::applyActionFailed(const QString &persona, const QString &action, const Error &error)
{
    const QString text = tr("Could not %1 %2: %3").arg(actionTitle(action), persona, error.text());
    if (PersonaCard *c = m_cards.value(persona))
        c->showMessage(text, true);
    showMessage(text, true);
    // The runtime says NotFound when the image is not there (among other things): ask the engine.
    const bool starting = action == QLatin1StringView("start") || action == QLatin1StringView("restart");
    if (starting && error.code == Error::Code::NotFound)
        if (const auto p = findPersona(persona))
            checkImages({p->image});
}

QStringList PersonasPage::personaImages() const
{
    QStringList images;
    for (const Persona &p : m_personas)
        if (!images.contains(p.image))
            images << p.image;
    return images;
}

void PersonasPage::checkImages(const QStringList &images)
{
    const std::optional<EngineClient::Endpoint> endpoint = engineEndpoint();
    if (!endpoint || images.isEmpty())
        return;
    using Found = std::pair<QHash<QString, bool>, QSet<QString>>; // missing or not; outdated
    QtConcurrent::run([endpoint = *endpoint, images] {
        Found found;
        EngineClient client(endpoint);
        if (!client.connect())
            return found; // no answer: nothing is known
        for (const QString &image : images) {
            auto inspected = client.inspectImage(image);
            if (inspected) {
                found.first.insert(image, false);
                if (ImageBuilder::isOutdated(*inspected))
                    found.second.insert(image);
            } else if (inspected.error().code == Error::Code::NotFound) {
                found.first.insert(image, true);
            }
        }
        return found;
    }).then(this, [this](const Found &found) {
        m_outdatedImages = found.second;
        applyImageCheck(found.first);
    });
}

void PersonasPage::applyImageCheck(const QHash<QString, bool> &missing)
{
    using State = PersonaStatus::State;
    for (auto it = missing.cbegin(); it != missing.cend(); ++it) {
        if (it.value())
            m_missingImages.insert(it.key());
        else
            m_missingImages.remove(it.key());
        for (PersonaCard *c : std::as_const(m_cards)) {
            if (c->persona().image != it.key())
                continue;
            const State s = c->status().state;
            if (it.value() && s != State::Running && s != State::Starting)
                c->showImageMissing(it.key());
            else if (!it.value() && m_outdatedImages.contains(it.key()))
                c->showImageOutdated(it.key());
            else if (!it.value() && (c->isImageMissingShown() || c->isImageOutdatedShown()))
                c->clearImageNotice();
        }
    }
}

void PersonasPage::buildImage(const QString &persona)
{
    const auto p = findPersona(persona);
    if (!p)
        return;
    if (ImageBuildDialog *open = m_imageDialogs.value(p->image)) {
        open->raise();
        open->activateWindow();
        return;
    }
    const std::optional<EngineClient::Endpoint> endpoint = engineEndpoint();
    if (!endpoint) {
        showMessage(tr("The agent image %1 cannot be built: no container engine is running.").arg(p->image),
                    true);
        return;
    }
    auto *dialog = new ImageBuildDialog(p->image, *endpoint, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_imageDialogs.insert(p->image, dialog);
    connect(dialog, &ImageBuildDialog::imageBuilt, this, &PersonasPage::applyImageBuilt);
    connect(dialog, &QObject::destroyed, this, [this, image = p->image] { m_imageDialogs.remove(image); });
    dialog->open();
}

void PersonasPage::applyImageBuilt(const QString &image)
{
    m_missingImages.remove(image);
    m_outdatedImages.remove(image);
    using State = PersonaStatus::State;
    for (PersonaCard *c : std::as_const(m_cards)) {
        const State s = c->status().state;
        if (c->persona().image == image && s != State::Running && s != State::Starting)
            c->showImageBuilt(image);
    }
    showMessage(tr("The agent image %1 is built.").arg(image), false);
}

void PersonasPage::openWorkspace(const QString &persona, const QString &localPath)
{
    if (WorkspaceDialog *open = m_workspaceDialogs.value(persona)) {
        if (PersonaCard *c = m_cards.value(persona); c && open->folder() != localPath)
            c->showMessage(tr("A workspace for %1 is being set up already (from %2): finish or close that "
                              "dialog first.")
                               .arg(persona, open->folder()),
                           true);
        open->show();
        open->raise();
        open->activateWindow();
        return;
    }
    auto *dialog = new WorkspaceDialog(m_runtime, persona, localPath, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_workspaceDialogs.insert(persona, dialog);
    connect(dialog, &QObject::destroyed, this, [this, persona] { m_workspaceDialogs.remove(persona); });
    dialog->show();
}

void PersonasPage::applyStoreFailed(const Error &error)
{
    showMessage(tr("The personas were not saved: %1").arg(error.text()), true);
}

void PersonasPage::showMessage(const QString &text, bool problem)
{
    m_message->setText(text);
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, problem ? Red : this->palette().color(QPalette::WindowText));
    m_message->setPalette(palette);
    m_message->setVisible(!text.isEmpty());
}

void PersonasPage::openLogs(const QString &persona)
{
    if (LogViewer *viewer = m_logViewers.value(persona)) {
        viewer->show();
        viewer->raise();
        viewer->activateWindow();
        return;
    }
    auto *viewer = new LogViewer(persona, LogViewer::DefaultCapacity, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    m_logViewers.insert(persona, viewer);
    connect(viewer, &QObject::destroyed, this, [this, persona] {
        m_logViewers.remove(persona);
        emit unfollowLogsRequested(persona);
    });
    emit followLogsRequested(persona, LogTail);
    viewer->show();
}

std::optional<EngineClient::Endpoint> PersonasPage::engineEndpoint() const
{
    if (m_runtime)
        if (auto reached = m_runtime->endpoint())
            return reached;
    return m_endpoint;
}

QStringList PersonasPage::terminalCommandFor(const QString &persona) const
{
    Persona p;
    p.name = persona;
    return terminalCommandOn(p.containerName());
}

QStringList PersonasPage::terminalCommandOn(const QString &container) const
{
    const std::optional<EngineClient::Endpoint> endpoint = engineEndpoint();
    if (!endpoint)
        return {};
    return terminalCommand(m_terminal, attachCommand(*endpoint, m_engineCommand, container));
}

void PersonasPage::setVsCodeAvailable(bool available)
{
    m_vscode = available;
    for (PersonaCard *c : std::as_const(m_cards))
        c->setVsCodeAvailable(available);
}

Result<void> PersonasPage::openTerminal(const QString &persona)
{
    PersonaCard *c = m_cards.value(persona);
    const QStringList argv = terminalCommandFor(persona);
    Error error;
    if (argv.isEmpty()) {
        error = Error{Error::Code::Unavailable,
                      tr("Cannot open a terminal: the container engine is not known yet."),
                      {},
                      tr("Start the engine; Paddock keeps trying in the background.")};
    } else if (m_launch(argv)) {
        if (c)
            c->showMessage(tr("Opened a terminal on %1's session; detach with Ctrl-b d, the agent keeps "
                              "working.")
                               .arg(persona),
                           false);
        return {};
    } else {
        error = Error{Error::Code::NotFound,
                      tr("Could not start the terminal \"%1\".").arg(argv.first()),
                      {},
                      m_terminal.isEmpty()
                          ? tr("Install a terminal emulator (x-terminal-emulator is Debian's choice of one), "
                               "or name yours in Preferences (e.g. \"konsole -e\").")
                          : tr("Check the terminal named in Preferences.")};
    }
    if (c)
        c->showMessage(error.message + u' ' + error.hint, true);
    return std::unexpected(error);
}

void PersonasPage::openVsCode(const QString &persona)
{
    Persona p;
    p.name = persona;
    if (!m_launch(vscodeCommand(p.containerName())))
        if (PersonaCard *c = m_cards.value(persona))
            c->showMessage(tr("Could not start VS Code (code)."), true);
}

void PersonasPage::signIn(const QString &persona)
{
    const auto it = std::find_if(m_personas.cbegin(), m_personas.cend(),
                                 [&](const Persona &p) { return p.name == persona; });
    if (it == m_personas.cend() || !m_runtime)
        return;
    SignInDialog::Hooks hooks;
    if (m_policyCheck)
        hooks.allows = [check = m_policyCheck, p = *it](const QString &host, int port) {
            return check(p, host, port);
        };
    hooks.terminalCommand = [this](const QString &container) { return terminalCommandOn(container); };
    hooks.launch = m_launch;
    auto *dialog = new SignInDialog(*it, m_runtime, std::move(hooks), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SignInDialog::signedIn, this, [this](const QString &name, const QString &secret) {
        if (PersonaCard *c = m_cards.value(name))
            c->showMessage(
                tr("%1 is signed in (%2 in the keychain); restart it to use the sign-in.").arg(name, secret),
                false);
    });
    dialog->open();
}

void PersonasPage::copyShellCommand(const QString &persona)
{
    const QString command = shellCommand(persona);
    QApplication::clipboard()->setText(command);
    showMessage(tr("Copied to the clipboard: %1").arg(command), false);
}

QList<Persona> PersonasPage::personasExcept(const QString &name) const
{
    QList<Persona> out;
    for (const Persona &p : m_personas)
        if (p.name != name)
            out << p;
    return out;
}

void PersonasPage::editPersona(const QString &persona)
{
    const auto it = std::find_if(m_personas.cbegin(), m_personas.cend(),
                                 [&](const Persona &p) { return p.name == persona; });
    if (it == m_personas.cend())
        return;
    auto *dialog = new PersonaEditDialog(*it, personasExcept(persona), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, persona] {
        if (auto edited = dialog->persona())
            emit updateRequested(persona, *edited);
    });
    dialog->open();
}

QString PersonasPage::uniqueName(const QString &base) const
{
    auto taken = [this](const QString &name) { return m_cards.contains(name); };
    QString name = base + QStringLiteral("-copy");
    for (int i = 2; taken(name); ++i)
        name = base + QStringLiteral("-copy") + QString::number(i);
    return name;
}

void PersonasPage::duplicatePersona(const QString &persona)
{
    auto *dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("duplicateDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Duplicate %1").arg(persona));
    dialog->setLabelText(tr("Name of the copy (its ports are not copied: set them in Edit):"));
    dialog->setTextValue(uniqueName(persona));
    connect(dialog, &QInputDialog::textValueSelected, this,
            [this, persona](const QString &name) { emit duplicateRequested(persona, name.trimmed()); });
    dialog->open();
}

void PersonasPage::deletePersona(const QString &persona)
{
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete persona"),
                                tr("Delete the persona \"%1\"?").arg(persona), QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("deleteConfirmBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(tr("Its container is removed. Its volumes (its home folder and other data) are "
                               "kept unless you tick the box below."));
    auto *volumes = new QCheckBox(tr("Also delete its &volumes"));
    volumes->setObjectName(QStringLiteral("deleteVolumesCheck"));
    box->setCheckBox(volumes);
    QPushButton *confirm = box->addButton(tr("&Delete"), QMessageBox::DestructiveRole);
    confirm->setObjectName(QStringLiteral("confirmDeleteButton"));
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, confirm, volumes, persona](int) {
        if (box->clickedButton() == confirm)
            emit removeRequested(persona, volumes->isChecked());
    });
    box->open();
}

void PersonasPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    scheduleWatchUpdate();
}

void PersonasPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    updateWatched(); // nothing is on screen now
}

bool PersonasPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_scroll->viewport() && (event->type() == QEvent::Resize || event->type() == QEvent::Show))
        scheduleWatchUpdate();
    return QWidget::eventFilter(watched, event);
}

void PersonasPage::scheduleWatchUpdate()
{
    if (!m_watchTimer.isActive())
        m_watchTimer.start();
}

void PersonasPage::updateWatched()
{
    m_watchTimer.stop();
    const QWidget *viewport = m_scroll->viewport();
    QStringList names;
    for (PersonaCard *c : cards()) {
        const QRect where(c->mapTo(viewport, QPoint(0, 0)), c->size());
        const bool onScreen = isVisible() && c->isVisible() && where.intersects(viewport->rect());
        c->setOnScreen(onScreen);
        if (onScreen)
            names << c->name();
    }
    if (names != m_watched) {
        m_watched = names;
        emit watchedChanged(names);
    }
}

} // namespace paddock
