#include "personas/PersonaCard.h"

#include "Icons.h"
#include "agents/SignIn.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QMimeData>
#include <QStyle>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace paddock {

namespace {

const QColor Red(0xc6, 0x28, 0x28);
const QColor Amber(0xef, 0x6c, 0x00);
const QColor Green(0x2e, 0x7d, 0x32);
const QColor Grey(0x60, 0x7d, 0x8b);

QColor stateColor(const PersonaStatus &status)
{
    using State = PersonaStatus::State;
    switch (status.state) {
    case State::Running:
        return Green;
    case State::Starting:
    case State::Stopping:
        return Amber;
    case State::Exited:
        return status.exitCode == 0 && !status.oomKilled ? Grey : Red;
    case State::Error:
        return Red;
    case State::Unknown:
    case State::Stopped:
        break;
    }
    return Grey;
}

// A badge: white text on a coloured, rounded background.
void paintBadge(QLabel *label, const QColor &color)
{
    label->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; border-radius: 4px; "
                                        "padding: 1px 6px; font-weight: bold; }")
                             .arg(color.name()));
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, color);
    label->setPalette(palette);
}

QLabel *makeLabel(const char *name)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1StringView(name));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// A chart without axes, legend or margins: a line that shows the trend.
QChartView *makeSparkline(const char *name, QLineSeries *series, QValueAxis *x, QValueAxis *y,
                          const QColor &color)
{
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(0, 0, 0, 0));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    chart->setBackgroundVisible(false);
    series->setPen(QPen(color, 1.5));
    chart->addSeries(series);
    for (QValueAxis *axis : {x, y}) {
        axis->setVisible(false);
        axis->setGridLineVisible(false);
    }
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    x->setRange(-PersonaCard::SparklineSamples, 0);
    y->setRange(0, 1);
    auto *view = new QChartView(chart);
    view->setObjectName(QLatin1StringView(name));
    view->setRenderHint(QPainter::Antialiasing);
    view->setFixedHeight(40);
    view->setMinimumWidth(120);
    view->setFrameShape(QFrame::NoFrame);
    view->setBackgroundBrush(Qt::NoBrush);
    return view;
}

} // namespace

PersonaCard::PersonaCard(const Persona &persona, QWidget *parent)
    : QFrame(parent)
    , m_persona(persona)
    , m_name(makeLabel("personaName"))
    , m_trust(makeLabel("trustBadge"))
    , m_relaxed(makeLabel("relaxedLabel"))
    , m_state(makeLabel("statusBadge"))
    , m_uptime(makeLabel("uptimeLabel"))
    , m_ports(makeLabel("portsLabel"))
    , m_workspace(makeLabel("workspaceLabel"))
    , m_message(makeLabel("cardMessage"))
    , m_imageNotice(new QFrame)
    , m_imageNoticeText(makeLabel("imageNoticeText"))
    , m_cpuLabel(makeLabel("cpuLabel"))
    , m_memoryLabel(makeLabel("memoryLabel"))
    , m_cpuSeries(new QLineSeries)
    , m_memorySeries(new QLineSeries)
    , m_cpuX(new QValueAxis)
    , m_cpuY(new QValueAxis)
    , m_memoryX(new QValueAxis)
    , m_memoryY(new QValueAxis)
{
    setObjectName(QStringLiteral("personaCard-") + persona.name);
    setFrameShape(QFrame::StyledPanel);
    setLineWidth(1);
    setAcceptDrops(true);
    setAutoFillBackground(true);

    QFont title = m_name->font();
    title.setPointSizeF(title.pointSizeF() * 1.3);
    title.setBold(true);
    m_name->setFont(title);
    m_relaxed->setWordWrap(true);
    setTextColor(m_relaxed, Red);
    m_message->setWordWrap(true);
    m_message->hide();
    m_workspace->setWordWrap(true);

    m_cpuView = makeSparkline("cpuSparkline", m_cpuSeries, m_cpuX, m_cpuY, QColor(0x15, 0x65, 0xc0));
    m_memoryView =
        makeSparkline("memorySparkline", m_memorySeries, m_memoryX, m_memoryY, QColor(0x6a, 0x1b, 0x9a));

    m_start =
        addButton("startButton", tr("Start"), QStringLiteral("media-playback-start"), QStyle::SP_MediaPlay);
    m_stop = addButton("stopButton", tr("Stop"), QStringLiteral("media-playback-stop"), QStyle::SP_MediaStop);
    m_restart =
        addButton("restartButton", tr("Restart"), QStringLiteral("view-refresh"), QStyle::SP_BrowserReload);
    m_logs =
        addButton("logsButton", tr("Logs"), QStringLiteral("text-x-log"), QStyle::SP_FileDialogDetailedView);
    m_shell = addButton("copyShellButton", tr("Copy shell command"), QStringLiteral("utilities-terminal"),
                        QStyle::SP_CommandLink);
    m_edit = addButton("editButton", tr("Edit…"), QStringLiteral("document-edit"),
                       QStyle::SP_FileDialogContentsView);
    m_duplicate =
        addButton("duplicateButton", tr("Duplicate…"), QStringLiteral("edit-copy"), QStyle::SP_FileLinkIcon);
    m_delete = addButton("deleteButton", tr("Delete…"), QStringLiteral("edit-delete"), QStyle::SP_TrashIcon);
    m_shell->setToolTip(tr("Copies the command that opens a shell in the running container"));
    m_terminal = addButton("openTerminalButton", tr("Open terminal"), QStringLiteral("utilities-terminal"),
                           QStyle::SP_CommandLink);
    m_terminal->setToolTip(tr("A terminal on the agent's session in the container (tmux: detach with "
                              "Ctrl-b d, the agent keeps working)"));
    m_vscode =
        addButton("openVsCodeButton", tr("Open in VS Code"), QStringLiteral("code"), QStyle::SP_DirOpenIcon);
    m_vscode->setToolTip(tr("VS Code attached to the container, on the workspace"));
    m_vscode->hide();
    m_signIn = addButton("signInButton", tr("Sign in…"), QStringLiteral("dialog-password"),
                         QStyle::SP_DialogYesButton);
    m_signIn->setToolTip(tr("Sign the agent in with your subscription instead of an API key"));
    m_signIn->hide();
    m_suggestPolicy = addButton("suggestPolicyButton", tr("Suggest policy…"), QStringLiteral("document-new"),
                                QStyle::SP_FileDialogNewFolder);
    m_suggestPolicy->setToolTip(
        tr("Draft a network policy from every connection recorded for this persona and "
           "open it in the policy editor for review"));
    m_buildImage = addButton("buildImageButton", tr("Build agent image…"), QStringLiteral("run-build"),
                             QStyle::SP_FileIcon);
    m_startNow = addButton("startNowButton", tr("Start %1 now").arg(persona.name),
                           QStringLiteral("media-playback-start"), QStyle::SP_MediaPlay);
    connect(m_buildImage, &QToolButton::clicked, this, &PersonaCard::buildImageRequested);
    connect(m_startNow, &QToolButton::clicked, this, [this] {
        clearImageNotice();
        emit startRequested();
    });
    connect(m_start, &QToolButton::clicked, this, &PersonaCard::startRequested);
    connect(m_stop, &QToolButton::clicked, this, &PersonaCard::stopRequested);
    connect(m_restart, &QToolButton::clicked, this, &PersonaCard::restartRequested);
    connect(m_logs, &QToolButton::clicked, this, &PersonaCard::logsRequested);
    connect(m_shell, &QToolButton::clicked, this, &PersonaCard::copyShellRequested);
    connect(m_terminal, &QToolButton::clicked, this, &PersonaCard::openTerminalRequested);
    connect(m_vscode, &QToolButton::clicked, this, &PersonaCard::openVsCodeRequested);
    connect(m_signIn, &QToolButton::clicked, this, &PersonaCard::signInRequested);
    connect(m_edit, &QToolButton::clicked, this, &PersonaCard::editRequested);
    connect(m_duplicate, &QToolButton::clicked, this, &PersonaCard::duplicateRequested);
    connect(m_delete, &QToolButton::clicked, this, &PersonaCard::deleteRequested);
    connect(m_suggestPolicy, &QToolButton::clicked, this, &PersonaCard::suggestPolicyRequested);

    auto *header = new QHBoxLayout;
    header->addWidget(m_name);
    header->addWidget(m_trust);
    header->addStretch(1);
    header->addWidget(m_uptime);
    header->addWidget(m_state);

    auto *charts = new QGridLayout;
    charts->addWidget(m_cpuLabel, 0, 0);
    charts->addWidget(m_memoryLabel, 0, 1);
    charts->addWidget(m_cpuView, 1, 0);
    charts->addWidget(m_memoryView, 1, 1);

    auto *actions = new QHBoxLayout;
    for (QToolButton *button : {m_start, m_stop, m_restart, m_logs, m_terminal, m_vscode})
        actions->addWidget(button);
    actions->addStretch(1);
    for (QToolButton *button : {m_signIn, m_suggestPolicy, m_shell, m_edit, m_duplicate, m_delete})
        actions->addWidget(button);

    // The image is missing (or was just built): a pale amber strip with what to do.
    m_imageNotice->setObjectName(QStringLiteral("imageNotice"));
    m_imageNotice->setFrameShape(QFrame::StyledPanel);
    m_imageNotice->setAutoFillBackground(true);
    QPalette notice = m_imageNotice->palette();
    notice.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
    notice.setColor(QPalette::WindowText, QColor(0x3a, 0x2a, 0x00));
    m_imageNotice->setPalette(notice);
    m_imageNoticeText->setWordWrap(true);
    m_imageNoticeText->setTextFormat(Qt::PlainText);
    auto *noticeLayout = new QHBoxLayout(m_imageNotice);
    noticeLayout->addWidget(m_imageNoticeText, 1);
    noticeLayout->addWidget(m_buildImage);
    noticeLayout->addWidget(m_startNow);
    m_imageNotice->hide();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_relaxed);
    layout->addLayout(charts);
    layout->addWidget(m_ports);
    layout->addWidget(m_workspace);
    layout->addWidget(m_message);
    layout->addWidget(m_imageNotice);
    layout->addLayout(actions);

    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &PersonaCard::refresh);
    m_uptimeTimer.setInterval(1000);
    connect(&m_uptimeTimer, &QTimer::timeout, this, &PersonaCard::updateUptime);
    connect(&m_dropWatcher, &QFutureWatcher<DropCheck>::finished, this,
            [this] { dropChecked(m_dropWatcher.result()); });

    m_status.persona = persona.name;
    updatePersonaLabels();
    updateStatusLabels();
    refresh();
}

PersonaCard::~PersonaCard() = default;

QToolButton *PersonaCard::addButton(const char *name, const QString &text, const QString &icon, int fallback)
{
    auto *button = new QToolButton;
    button->setObjectName(QLatin1StringView(name));
    button->setText(text);
    button->setIcon(Icons::themed(icon, style()->standardIcon(QStyle::StandardPixmap(fallback))));
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setAutoRaise(true);
    return button;
}

QString PersonaCard::trustText(Persona::Trust trust)
{
    switch (trust) {
    case Persona::Trust::Full:
        return tr("full trust");
    case Persona::Trust::Moderate:
        return tr("moderate trust");
    case Persona::Trust::Restricted:
        return tr("restricted");
    }
    return {};
}

QColor PersonaCard::trustColor(Persona::Trust trust)
{
    // The more a persona may do, the warmer its colour.
    switch (trust) {
    case Persona::Trust::Full:
        return Red;
    case Persona::Trust::Moderate:
        return Amber;
    case Persona::Trust::Restricted:
        return Green;
    }
    return Grey;
}

QString PersonaCard::durationText(qint64 seconds)
{
    seconds = std::max<qint64>(0, seconds);
    const qint64 days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60,
                 secs = seconds % 60;
    if (days > 0)
        return tr("%1 d %2 h").arg(days).arg(hours);
    if (hours > 0)
        return tr("%1 h %2 min").arg(hours).arg(minutes, 2, 10, QLatin1Char('0'));
    if (minutes > 0)
        return tr("%1 min %2 s").arg(minutes).arg(secs, 2, 10, QLatin1Char('0'));
    return tr("%1 s").arg(secs);
}

void PersonaCard::setPersona(const Persona &persona)
{
    if (persona.image != m_persona.image)
        clearImageNotice(); // the page looks at the new one
    m_persona = persona;
    m_startNow->setText(tr("Start %1 now").arg(persona.name));
    setObjectName(QStringLiteral("personaCard-") + persona.name);
    m_status.persona = persona.name;
    updatePersonaLabels();
    updateButtons();
}

void PersonaCard::setStatus(const PersonaStatus &status)
{
    using State = PersonaStatus::State;
    const bool wasUp = m_status.state == State::Starting || m_status.state == State::Running;
    const bool isUp = status.state == State::Starting || status.state == State::Running;
    if (isUp && !wasUp) { // a new run: a new history
        m_samples.clear();
        scheduleRefresh();
    }
    m_status = status;
    if (status.state == State::Error)
        showMessage(status.message, true);
    else if (isUp) {
        showMessage({}, false);
        clearImageNotice();
    }
    updateStatusLabels();
}

void PersonaCard::setEngineConnected(bool connected)
{
    m_engineConnected = connected;
    updateButtons();
}

void PersonaCard::addSample(const PersonaSample &sample)
{
    m_samples.push_back(sample);
    while (m_samples.size() > std::size_t(SparklineSamples))
        m_samples.pop_front();
    scheduleRefresh();
}

void PersonaCard::setOnScreen(bool onScreen)
{
    if (m_onScreen == onScreen)
        return;
    m_onScreen = onScreen;
    updateTimer();
    if (onScreen) {
        updateUptime();
        if (m_dirty)
            scheduleRefresh();
    }
}

void PersonaCard::showMessage(const QString &text, bool problem)
{
    m_message->setText(text);
    setTextColor(m_message, problem ? Red : palette().color(QPalette::WindowText));
    m_message->setVisible(!text.isEmpty());
}

QString PersonaCard::message() const
{
    return m_message->text();
}

void PersonaCard::showImageMissing(const QString &image)
{
    m_imageMissing = true;
    m_imageOutdated = false;
    m_buildImage->setText(tr("Build agent image…"));
    m_imageNoticeText->setText(
        tr("The agent image %1 is missing: %2 cannot start without it.").arg(image, m_persona.name));
    m_buildImage->show();
    m_startNow->hide();
    m_imageNotice->show();
}

void PersonaCard::showImageOutdated(const QString &image)
{
    m_imageMissing = false;
    m_imageOutdated = true;
    m_imageNoticeText->setText(
        tr("The agent image %1 was built by another version of Paddock: its agents and "
           "entrypoint are not this version's. %2 still starts on it.")
            .arg(image, m_persona.name));
    m_buildImage->setText(tr("Update agents…"));
    m_buildImage->show();
    m_startNow->hide();
    m_imageNotice->show();
}

void PersonaCard::showImageBuilt(const QString &image)
{
    m_imageMissing = false;
    m_imageOutdated = false;
    m_imageNoticeText->setText(tr("The agent image %1 is built.").arg(image));
    showMessage({}, false); // the failed start it explained is past
    m_buildImage->hide();
    m_startNow->show();
    m_imageNotice->show();
}

void PersonaCard::clearImageNotice()
{
    m_imageMissing = false;
    m_imageOutdated = false;
    m_imageNoticeText->clear();
    m_imageNotice->hide();
}

QString PersonaCard::imageNotice() const
{
    return m_imageNotice->isHidden() ? QString() : m_imageNoticeText->text();
}

void PersonaCard::updatePersonaLabels()
{
    m_name->setText(m_persona.name);
    m_trust->setText(trustText(m_persona.trust));
    paintBadge(m_trust, trustColor(m_persona.trust));
    m_trust->setToolTip(m_persona.isolated()
                            ? tr("No network: its one way out is Paddock's egress proxy, through a socket")
                            : tr("On the default network"));
    const QStringList relaxations = m_persona.relaxations();
    m_relaxed->setText(relaxations.isEmpty() ? QString()
                                             : tr("Hardening relaxed: %1").arg(relaxations.join(tr("; "))));
    m_relaxed->setVisible(!relaxations.isEmpty());

    QStringList ports;
    for (const Persona::Port &port : m_persona.ports)
        ports << tr("127.0.0.1:%1 → %2").arg(port.host).arg(port.container);
    QString text = ports.isEmpty() ? tr("Ports: none published") : tr("Ports: %1").arg(ports.join(tr(", ")));
    // Where its ways out are (docs/personas.md).
    text += u'\n' + (m_persona.isolated()
                         ? tr("Ways out: no network; the egress proxy and git by its sockets only")
                         : tr("Ways out: the default network; git by its socket"));
    if (m_persona.proxyLoopbackPort != 0)
        text += u'\n' + tr("Egress proxy for it on this host: 127.0.0.1:%1").arg(m_persona.proxyLoopbackPort);
    m_ports->setText(text);
}

void PersonaCard::updateStatusLabels()
{
    m_state->setText(m_status.text());
    paintBadge(m_state, stateColor(m_status));
    m_state->setToolTip(m_status.message);
    m_workspace->setText(m_status.workspace.isEmpty() ? tr("Workspace: none (drop a folder here to open one)")
                                                      : tr("Workspace: %1").arg(m_status.workspace));
    updateUptime();
    updateTimer();
    updateButtons();
}

void PersonaCard::setVsCodeAvailable(bool available)
{
    m_vscode->setVisible(available);
}

void PersonaCard::updateButtons()
{
    using State = PersonaStatus::State;
    const State s = m_status.state;
    const bool up = s == State::Running || s == State::Starting;
    m_start->setEnabled(m_engineConnected && !up && s != State::Stopping);
    m_stop->setEnabled(m_engineConnected && up);
    m_restart->setEnabled(m_engineConnected && s == State::Running);
    m_logs->setEnabled(m_engineConnected && (!m_status.containerId.isEmpty() || s == State::Running ||
                                             s == State::Exited || s == State::Stopping));
    m_shell->setEnabled(s == State::Running);
    m_terminal->setEnabled(m_engineConnected && s == State::Running);
    m_vscode->setEnabled(m_engineConnected && s == State::Running);
    m_startNow->setEnabled(m_start->isEnabled());
    m_suggestPolicy->setVisible(m_persona.isolated() && m_persona.policyMode == Persona::PolicyMode::Record);
    m_signIn->setVisible(SignIn::canSignIn(m_persona.agent.kind));
    m_signIn->setEnabled(m_engineConnected);
}

void PersonaCard::updateUptime()
{
    const bool running = m_status.state == PersonaStatus::State::Running && m_status.startedAt.isValid();
    if (running)
        m_uptime->setText(
            tr("up %1").arg(durationText(m_status.startedAt.secsTo(QDateTime::currentDateTimeUtc()))));
    m_uptime->setVisible(running);
}

void PersonaCard::updateTimer()
{
    const bool tick =
        m_onScreen && m_status.state == PersonaStatus::State::Running && m_status.startedAt.isValid();
    if (tick && !m_uptimeTimer.isActive())
        m_uptimeTimer.start();
    else if (!tick)
        m_uptimeTimer.stop();
}

void PersonaCard::scheduleRefresh()
{
    m_dirty = true;
    if (!m_onScreen || m_refreshTimer.isActive())
        return;
    const qint64 since = m_sinceRefresh.isValid() ? m_sinceRefresh.elapsed() : RefreshIntervalMs;
    m_refreshTimer.start(int(std::max<qint64>(0, RefreshIntervalMs - since)));
}

void PersonaCard::refresh()
{
    if (!m_onScreen && m_sinceRefresh.isValid())
        return; // stays dirty: redrawn when on screen
    m_dirty = false;
    QList<QPointF> cpu, memory;
    cpu.reserve(qsizetype(m_samples.size()));
    memory.reserve(qsizetype(m_samples.size()));
    double cpuHigh = 100;
    qint64 memoryHigh = 0;
    const qint64 lastMs = m_samples.empty() ? 0 : m_samples.back().timeMs;
    for (const PersonaSample &s : m_samples) {
        const qreal x = qreal(s.timeMs - lastMs) / 1000.0;
        cpu.append(QPointF(x, s.cpuPercent));
        memory.append(QPointF(x, qreal(s.memoryBytes)));
        cpuHigh = std::max(cpuHigh, s.cpuPercent);
        memoryHigh = std::max({memoryHigh, s.memoryBytes, s.memoryLimit});
    }
    m_cpuSeries->replace(cpu);
    m_memorySeries->replace(memory);
    m_cpuY->setRange(0, cpuHigh);
    m_memoryY->setRange(0, qreal(std::max<qint64>(memoryHigh, 1)));

    if (m_samples.empty()) {
        m_cpuLabel->setText(tr("CPU: —"));
        m_memoryLabel->setText(tr("Memory: —"));
    } else {
        const PersonaSample &last = m_samples.back();
        const QLocale locale;
        m_cpuLabel->setText(tr("CPU: %1 %").arg(locale.toString(last.cpuPercent, 'f', 1)));
        m_memoryLabel->setText(last.memoryLimit > 0
                                   ? tr("Memory: %1 of %2")
                                         .arg(locale.formattedDataSize(last.memoryBytes),
                                              locale.formattedDataSize(last.memoryLimit))
                                   : tr("Memory: %1").arg(locale.formattedDataSize(last.memoryBytes)));
    }
    m_sinceRefresh.start();
    ++m_refreshCount;
}

QString PersonaCard::refusal(const QMimeData *data)
{
    if (!data || !data->hasUrls())
        return tr("Only a folder can be dropped here: drop a local folder to open it as the workspace.");
    const QList<QUrl> urls = data->urls();
    if (urls.size() != 1)
        return tr("Drop one folder at a time: %n items were dropped.", nullptr, int(urls.size()));
    if (!urls.first().isLocalFile())
        return tr("%1 is not on this computer: drop a local folder to open it as the workspace.")
            .arg(urls.first().toDisplayString());
    return {};
}

void PersonaCard::dragEnterEvent(QDragEnterEvent *event)
{
    // Whether the path is a folder is checked at the drop, off the UI thread.
    if (const QString why = refusal(event->mimeData()); !why.isEmpty()) {
        showMessage(why, true);
        event->ignore();
        return;
    }
    setDropHighlighted(true);
    event->acceptProposedAction();
}

void PersonaCard::dragLeaveEvent(QDragLeaveEvent *event)
{
    setDropHighlighted(false);
    QFrame::dragLeaveEvent(event);
}

void PersonaCard::dropEvent(QDropEvent *event)
{
    setDropHighlighted(false);
    if (const QString why = refusal(event->mimeData()); !why.isEmpty()) {
        showMessage(why, true);
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    const QString path = event->mimeData()->urls().first().toLocalFile();
    showMessage(tr("Checking %1…").arg(path), false);
    m_dropWatcher.setFuture(QtConcurrent::run([path] {
        const QFileInfo info(path);
        return DropCheck{info.isDir() ? info.canonicalFilePath() : path, info.isDir()};
    }));
}

void PersonaCard::dropChecked(const DropCheck &check)
{
    if (!check.isDir) {
        showMessage(
            tr("%1 is not a folder: drop a local folder to open it as the workspace.").arg(check.path), true);
        return;
    }
    showMessage({}, false);
    emit workspaceDropped(check.path);
}

void PersonaCard::setDropHighlighted(bool highlighted)
{
    if (m_dropHighlighted == highlighted)
        return;
    m_dropHighlighted = highlighted;
    QPalette p = palette();
    const QPalette base = parentWidget() ? parentWidget()->palette() : QPalette();
    p.setColor(QPalette::Window,
               highlighted ? base.color(QPalette::Highlight).lighter(170) : base.color(QPalette::Window));
    setPalette(p);
    setLineWidth(highlighted ? 2 : 1);
    setFrameShadow(highlighted ? QFrame::Raised : QFrame::Plain);
}

} // namespace paddock
