#include "AuditLogPage.h"

#include "AuditModel.h"
#include "Icons.h"
#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "audit/AuditSubscription.h"
#include "engine/Engine.h"
#include "policy/PolicySuggestion.h"
#include "runtime/PersonaRuntime.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPromise>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <climits>

namespace paddock {

namespace {

QString number(qint64 n)
{
    return QLocale().toString(n);
}

bool sameFilter(const AuditFilter &a, const AuditFilter &b)
{
    return a.sinceUs == b.sinceUs && a.untilUs == b.untilUs && a.persona == b.persona &&
           a.source == b.source && a.decisions == b.decisions && a.text == b.text;
}

bool isCsv(const QString &path)
{
    return path.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive);
}

AuditBatch oldestFirst(const AuditBatch &newestFirst)
{
    return AuditBatch(newestFirst.rbegin(), newestFirst.rend());
}

QByteArray withNewline(QByteArray line)
{
    if (!line.endsWith('\n'))
        line += '\n';
    return line;
}

// The set the policy belongs to: the event says so, or it is the persona's own set.
QString policySetOf(const AuditEvent &event)
{
    const QString set = event.detailsObject().value(QStringLiteral("policySet")).toString();
    return set.isEmpty() ? event.persona : set;
}

// Which decisions each entry of the decision filter stands for.
const QList<QList<AuditEvent::Decision>> &decisionChoices()
{
    using D = AuditEvent::Decision;
    static const QList<QList<D>> choices{
        {}, {D::Deny, D::WouldDeny}, {D::Deny}, {D::WouldDeny}, {D::Allow}, {D::Info}};
    return choices;
}

} // namespace

AuditLogPage::AuditLogPage(Engine &engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_store(engine.auditStore())
    , m_subscription(new AuditSubscription(*m_store, this))
    , m_model(new AuditModel(AuditModel::DefaultCapacity, this))
    , m_view(new QTableView)
    , m_follow(new QToolButton)
    , m_pause(new QToolButton)
    , m_newEvents(new QLabel)
    , m_persona(new QComboBox)
    , m_source(new QComboBox)
    , m_decision(new QComboBox)
    , m_text(new QLineEdit)
    , m_range(new QToolButton)
    , m_status(new QLabel)
    , m_export(new QToolButton)
    , m_verify(new QPushButton(tr("&Verify log")))
    , m_verifyProgress(new QProgressBar)
    , m_details(nullptr)
    , m_detailsChain(new QLabel)
    , m_detailsHash(new QLabel)
    , m_detailsPrevHash(new QLabel)
    , m_detailsJson(new QPlainTextEdit)
    , m_openPolicy(new QToolButton)
    , m_openPolicyMenu(new QMenu(this))
    , m_allowHost(new QToolButton)
    , m_allowHostAction(new QAction(tr("&Allow this host…"), this))
    , m_suggest(new QToolButton)
{
    setObjectName(QStringLiteral("auditPage"));
    m_view->setObjectName(QStringLiteral("auditView"));
    m_follow->setObjectName(QStringLiteral("followButton"));
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_newEvents->setObjectName(QStringLiteral("newEventsLabel"));
    m_status->setObjectName(QStringLiteral("auditStatus"));
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_verify->setObjectName(QStringLiteral("verifyButton"));
    m_verifyProgress->setObjectName(QStringLiteral("verifyProgress"));

    // Follow and pause, export and verify.
    m_follow->setText(tr("&Follow"));
    m_follow->setToolTip(tr("Keep the newest event in view"));
    m_follow->setIcon(
        Icons::themed(QStringLiteral("go-bottom"), style()->standardIcon(QStyle::SP_ArrowDown)));
    m_follow->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_pause->setToolTip(tr("Stop adding new events to the view; they are counted until you resume"));
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pause->setCheckable(true);
    m_newEvents->setVisible(false);
    m_export->setText(tr("E&xport"));
    m_export->setIcon(
        Icons::themed(QStringLiteral("document-export"), style()->standardIcon(QStyle::SP_DialogSaveButton)));
    m_export->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(m_export);
    exportMenu->setObjectName(QStringLiteral("exportMenu"));
    QAction *exportSelected = exportMenu->addAction(tr("Export &selection…"));
    exportSelected->setObjectName(QStringLiteral("exportSelectionAction"));
    QAction *exportAll = exportMenu->addAction(tr("Export &filtered…"));
    exportAll->setObjectName(QStringLiteral("exportFilteredAction"));
    exportAll->setToolTip(tr("Every event in the log that matches the filters, not only those shown"));
    m_export->setMenu(exportMenu);
    m_verify->setIcon(
        Icons::themed(QStringLiteral("security-high"), style()->standardIcon(QStyle::SP_DialogApplyButton)));
    m_verify->setToolTip(tr("Check every event's hash and its link to the event before it"));
    m_verifyProgress->setRange(0, 1000);
    m_verifyProgress->setFormat(tr("Verifying… %p%"));
    m_verifyProgress->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 30);
    m_verifyProgress->setVisible(false);

    auto *top = new QHBoxLayout;
    top->addWidget(m_follow);
    top->addWidget(m_pause);
    top->addWidget(m_newEvents);
    top->addStretch();
    top->addWidget(m_export);
    top->addWidget(m_verify);

    auto *statusRow = new QHBoxLayout;
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_verifyProgress);

    m_verifyPanel = makeMessagePanel(QStringLiteral("verifyResult"));
    m_exportPanel = makeMessagePanel(QStringLiteral("exportResult"));

    // The table: fixed row heights and no content-based sizing, so that 100,000 rows stay cheap.
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    // The resource takes the room there is, so that the decision and the policy stay in sight.
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setSectionResizeMode(AuditModel::ResourceColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setMinimumSectionSize(
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("xxxxxx")));
    const auto width = [this](const char *sample) {
        return m_view->fontMetrics().horizontalAdvance(QString::fromLatin1(sample));
    };
    m_view->setColumnWidth(AuditModel::TimeColumn, width("00:00:00.000xxx"));
    m_view->setColumnWidth(AuditModel::SourceColumn, width("Schedulerxx"));
    m_view->setColumnWidth(AuditModel::PersonaColumn, width("persona-namex"));
    m_view->setColumnWidth(AuditModel::ActionColumn, width("git-pushxxxxx"));
    m_view->setColumnWidth(AuditModel::DecisionColumn, width("Would denyxxxxxx"));
    m_view->setColumnWidth(AuditModel::PolicyColumn, width("allow-registriesxx"));
    m_view->installEventFilter(this);

    auto *copy = new QAction(tr("&Copy as JSON"), m_view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_view->addAction(copy);
    auto *exportSelectedFromMenu = new QAction(tr("Export &selection…"), m_view);
    m_view->addAction(exportSelectedFromMenu);
    // Only on a proxy deny or would-deny (showDetails shows and hides it).
    m_allowHostAction->setObjectName(QStringLiteral("allowHostAction"));
    m_allowHostAction->setToolTip(tr("Open the policy editor with a permit for this persona and host:port"));
    m_allowHostAction->setVisible(false);
    m_view->addAction(m_allowHostAction);
    connect(m_allowHostAction, &QAction::triggered, this, &AuditLogPage::allowHost);

    m_details = buildDetails();
    // Scrolls rather than making the window taller than a small screen when the pane is small.
    auto *detailsScroll = new QScrollArea;
    detailsScroll->setWidget(m_details);
    detailsScroll->setWidgetResizable(true);
    detailsScroll->setFrameShape(QFrame::NoFrame);
    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("auditSplitter"));
    split->addWidget(m_view);
    split->addWidget(detailsScroll);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(buildFilterBar());
    layout->addLayout(statusRow);
    layout->addWidget(m_verifyPanel.frame);
    layout->addWidget(m_exportPanel.frame);
    layout->addWidget(split, 1);

    // Live events.
    connect(m_subscription, &AuditSubscription::events, this, &AuditLogPage::receive);
    connect(m_subscription, &AuditSubscription::missed, this, &AuditLogPage::missed);

    // Following: the user scrolling (wheel, scroll bar, keys) decides; the page's own scrolling
    // does not. Reaching the top reads the page before it.
    connect(m_view->verticalScrollBar(), &QScrollBar::actionTriggered, this,
            [this] { QTimer::singleShot(0, this, &AuditLogPage::noteUserScroll); });
    connect(m_follow, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            scrollToNewest();
    });
    connect(m_pause, &QToolButton::toggled, this, &AuditLogPage::setPaused);
    setPaused(false); // the button's text and icon

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &AuditLogPage::showDetails);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditLogPage::showDetails);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &AuditLogPage::showDetails);

    connect(exportSelected, &QAction::triggered, this, [this] { chooseExportFile(true); });
    connect(exportSelectedFromMenu, &QAction::triggered, this, [this] { chooseExportFile(true); });
    connect(exportAll, &QAction::triggered, this, [this] { chooseExportFile(false); });
    connect(copy, &QAction::triggered, this, [this] {
        QByteArray lines;
        for (const AuditEvent &e : selectedEvents())
            lines += e.toJsonLine() + '\n';
        if (!lines.isEmpty())
            QApplication::clipboard()->setText(QString::fromUtf8(lines));
    });
    connect(m_verify, &QPushButton::clicked, this, &AuditLogPage::verify);

    connect(&m_loadWatcher, &QFutureWatcher<Load>::finished, this,
            [this] { showLoad(m_loadWatcher.result()); });
    connect(&m_exportWatcher, &QFutureWatcher<ExportOutcome>::finished, this,
            [this] { showExport(m_exportWatcher.result()); });
    connect(&m_exportWatcher, &QFutureWatcher<ExportOutcome>::progressValueChanged, this, [this](int done) {
        if (m_exportProgress)
            m_exportProgress->setLabelText(tr("Exported %1 events…").arg(number(done)));
    });
    connect(&m_verifyWatcher, &QFutureWatcher<VerifyOutcome>::finished, this,
            [this] { showVerification(m_verifyWatcher.result()); });
    connect(&m_verifyWatcher, &QFutureWatcher<VerifyOutcome>::progressValueChanged, m_verifyProgress,
            &QProgressBar::setValue);
    connect(&m_draftWatcher, &QFutureWatcher<Draft>::finished, this,
            [this] { showDraft(m_draftWatcher.result()); });

    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(200);
    connect(&m_statusTimer, &QTimer::timeout, this, &AuditLogPage::showShownCount);
    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(FilterDelayMs);
    connect(&m_filterTimer, &QTimer::timeout, this, &AuditLogPage::applyFilters);

    showDetails();
    reload();
}

AuditLogPage::~AuditLogPage()
{
    if (m_exportCancel)
        m_exportCancel->store(true);
    if (m_verifyCancel)
        m_verifyCancel->store(true);
    if (m_draftCancel)
        m_draftCancel->store(true);
    m_loadWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
    m_verifyWatcher.waitForFinished();
    m_draftWatcher.waitForFinished();
}

QHBoxLayout *AuditLogPage::buildFilterBar()
{
    m_persona->setObjectName(QStringLiteral("personaFilter"));
    m_source->setObjectName(QStringLiteral("sourceFilter"));
    m_decision->setObjectName(QStringLiteral("decisionFilter"));
    m_text->setObjectName(QStringLiteral("textFilter"));

    m_persona->setEditable(true);
    m_persona->setInsertPolicy(QComboBox::NoInsert);
    // Inline completion would turn "agent" into "agent-2" as it is typed, and filter by that.
    m_persona->completer()->setCompletionMode(QCompleter::PopupCompletion);
    m_persona->addItem(QString());
    m_persona->lineEdit()->setPlaceholderText(tr("Any persona"));
    m_persona->lineEdit()->setClearButtonEnabled(true);
    m_persona->setToolTip(tr("Only the events of this persona (the list holds the personas seen so far)"));

    m_source->addItem(tr("Any source"), -1);
    for (AuditEvent::Source source : AuditEvent::allSources())
        m_source->addItem(AuditModel::sourceLabel(source), int(source));

    m_decision->addItem(tr("Any decision"));
    m_decision->addItem(tr("Denied (deny and would deny)"));
    m_decision->addItem(AuditModel::decisionLabel(AuditEvent::Decision::Deny));
    m_decision->addItem(AuditModel::decisionLabel(AuditEvent::Decision::WouldDeny));
    m_decision->addItem(AuditModel::decisionLabel(AuditEvent::Decision::Allow));
    m_decision->addItem(AuditModel::decisionLabel(AuditEvent::Decision::Info));

    m_text->setPlaceholderText(tr("Search action, resource and details"));
    m_text->setClearButtonEnabled(true);

    connect(m_persona, &QComboBox::editTextChanged, this, [this] {
        if (!m_settingFilter)
            m_filterTimer.start();
    });
    connect(m_persona, &QComboBox::activated, this, &AuditLogPage::applyFilters);
    connect(m_source, &QComboBox::currentIndexChanged, this, &AuditLogPage::applyFilters);
    connect(m_decision, &QComboBox::currentIndexChanged, this, &AuditLogPage::applyFilters);
    connect(m_text, &QLineEdit::textChanged, this, [this] {
        if (!m_settingFilter)
            m_filterTimer.start();
    });
    connect(m_text, &QLineEdit::returnPressed, this, &AuditLogPage::applyFilters);
    auto *find = new QShortcut(QKeySequence::Find, this, this, [this] {
        m_text->setFocus();
        m_text->selectAll();
    });
    find->setContext(Qt::WidgetWithChildrenShortcut);

    // The first entry of each says what it filters ("Any source"), so the row needs no labels
    // and fits a narrow window; screen readers get the names.
    m_persona->setAccessibleName(tr("Persona"));
    m_source->setAccessibleName(tr("Source"));
    m_decision->setAccessibleName(tr("Decision"));
    m_text->setAccessibleName(tr("Search"));
    m_source->setToolTip(tr("Only the events from this part of Paddock"));
    m_decision->setToolTip(tr("Only the events with this decision"));
    for (QComboBox *combo : {m_persona, m_source, m_decision}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
    }
    m_text->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 16);
    // A time range comes only from setFilter() (the dashboard); it shows, and is removed, here.
    m_range->setObjectName(QStringLiteral("timeRangeButton"));
    m_range->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_range->setIcon(
        Icons::themed(QStringLiteral("edit-clear"), style()->standardIcon(QStyle::SP_DialogResetButton)));
    m_range->setToolTip(tr("Only the events in this time range are shown; click to show all"));
    m_range->hide();
    connect(m_range, &QToolButton::clicked, this, [this] {
        AuditFilter f = m_filter;
        f.sinceUs.reset();
        f.untilUs.reset();
        setFilter(f);
    });
    // Drafting a policy from what the persona in the filter did (shown while filtered to one).
    m_suggest->setObjectName(QStringLiteral("suggestPolicyButton"));
    m_suggest->setText(tr("Suggest &policy…"));
    m_suggest->setIcon(
        Icons::themed(QStringLiteral("document-new"), style()->standardIcon(QStyle::SP_FileDialogNewFolder)));
    m_suggest->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_suggest->hide();
    connect(m_suggest, &QToolButton::clicked, this, [this] { suggestPolicy(m_filter.persona); });
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_range);
    bar->addWidget(m_persona, 1);
    bar->addWidget(m_source, 1);
    bar->addWidget(m_decision, 1);
    bar->addWidget(m_text, 2);
    bar->addWidget(m_suggest);
    return bar;
}

QWidget *AuditLogPage::buildDetails()
{
    auto *pane = new QWidget;
    pane->setObjectName(QStringLiteral("detailsPane"));
    m_detailsChain->setObjectName(QStringLiteral("detailsChain"));
    m_detailsHash->setObjectName(QStringLiteral("detailsHash"));
    m_detailsPrevHash->setObjectName(QStringLiteral("detailsPrevHash"));
    m_detailsJson->setObjectName(QStringLiteral("detailsJson"));
    m_openPolicy->setObjectName(QStringLiteral("openPolicyButton"));

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QLabel *l : {m_detailsChain, m_detailsHash, m_detailsPrevHash}) {
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        l->setWordWrap(true);
    }
    m_detailsHash->setFont(mono);
    m_detailsPrevHash->setFont(mono);
    m_detailsJson->setReadOnly(true);
    m_detailsJson->setFont(mono);
    m_detailsJson->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detailsJson->setPlaceholderText(tr("Select an event to see it in full."));

    m_openPolicy->setText(tr("Open &policy"));
    m_openPolicy->setIcon(
        Icons::themed(QStringLiteral("document-open"), style()->standardIcon(QStyle::SP_DirOpenIcon)));
    m_openPolicy->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    connect(m_openPolicy, &QToolButton::clicked, this, [this] {
        if (!m_detailsEvent.policies.isEmpty())
            openPolicy(m_detailsEvent.policies.first());
    });

    m_allowHost->setObjectName(QStringLiteral("allowHostButton"));
    m_allowHost->setDefaultAction(m_allowHostAction);
    m_allowHost->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_allowHostAction->setIcon(
        Icons::themed(QStringLiteral("list-add"), style()->standardIcon(QStyle::SP_DialogYesButton)));

    auto *head = new QHBoxLayout;
    head->addWidget(m_detailsChain, 1);
    head->addWidget(m_allowHost);
    head->addWidget(m_openPolicy);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(head);
    layout->addWidget(m_detailsHash);
    layout->addWidget(m_detailsPrevHash);
    layout->addWidget(m_detailsJson, 1);
    return pane;
}

AuditLogPage::MessagePanel AuditLogPage::makeMessagePanel(const QString &name)
{
    MessagePanel panel;
    panel.frame = new QFrame;
    panel.frame->setObjectName(name + QStringLiteral("Panel"));
    panel.frame->setFrameShape(QFrame::StyledPanel);
    panel.frame->setAutoFillBackground(true);
    panel.icon = new QLabel;
    panel.text = new QLabel;
    panel.text->setObjectName(name);
    panel.text->setWordWrap(true);
    panel.text->setTextFormat(Qt::PlainText);
    panel.text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    panel.text->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // A long list of findings scrolls instead of pushing the table away.
    auto *scroll = new QScrollArea;
    scroll->setWidget(panel.text);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMaximumHeight(fontMetrics().lineSpacing() * 8);
    scroll->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    auto *close = new QToolButton;
    close->setAutoRaise(true);
    close->setIcon(
        Icons::themed(QStringLiteral("window-close"), style()->standardIcon(QStyle::SP_TitleBarCloseButton)));
    close->setToolTip(tr("Close"));
    auto *layout = new QHBoxLayout(panel.frame);
    layout->addWidget(panel.icon, 0, Qt::AlignTop);
    layout->addWidget(scroll, 1);
    layout->addWidget(close, 0, Qt::AlignTop);
    QFrame *frame = panel.frame;
    connect(close, &QToolButton::clicked, frame, &QFrame::hide);
    frame->hide();
    return panel;
}

void AuditLogPage::showMessage(const MessagePanel &panel, Tone tone, const QString &text)
{
    QStyle::StandardPixmap standard = QStyle::SP_MessageBoxInformation;
    QString theme = QStringLiteral("dialog-information");
    QColor background = palette().color(QPalette::AlternateBase);
    if (tone == Tone::Good) {
        standard = QStyle::SP_DialogApplyButton;
        theme = QStringLiteral("emblem-ok-symbolic");
        background = QColor(0xdc, 0xf2, 0xe0);
    } else if (tone == Tone::Bad) {
        standard = QStyle::SP_MessageBoxCritical;
        theme = QStringLiteral("dialog-error");
        background = QColor(0xfd, 0xe0, 0xdc);
    }
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    panel.icon->setPixmap(Icons::themed(theme, style()->standardIcon(standard)).pixmap(size, size));
    QPalette p = panel.frame->palette();
    p.setColor(QPalette::Window, background);
    if (tone != Tone::Neutral)
        p.setColor(QPalette::WindowText, QColor(0x20, 0x20, 0x20));
    panel.frame->setPalette(p);
    panel.text->setText(text);
    panel.frame->show();
}

void AuditLogPage::setStatus(const QString &text, bool problem)
{
    m_statusProblem = problem;
    m_status->setText(text);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText,
               problem ? QColor(0xc6, 0x28, 0x28) : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
}

void AuditLogPage::showShownCount()
{
    // A load in flight or a failure stays on display until the next answer.
    if (m_loading || m_loadingOlder || m_statusProblem)
        return;
    const int rows = m_model->rowCount();
    if (rows == 0)
        setStatus(m_filter.isEmpty() ? tr("No audit events yet.") : tr("No events match the filters."));
    else if (m_moreOlder && m_model->isFull())
        setStatus(tr("%1 events shown, the most the view holds; narrow the filters or export to see older "
                     "ones.")
                      .arg(number(rows)));
    else if (m_moreOlder)
        setStatus(tr("%1 events shown; scroll to the top for older ones.").arg(number(rows)));
    else
        setStatus(tr("%1 events shown.").arg(number(rows)));
}

// Filters

AuditFilter AuditLogPage::filterFromControls() const
{
    AuditFilter f;
    f.sinceUs = m_filter.sinceUs;
    f.untilUs = m_filter.untilUs;
    f.persona = m_persona->currentText().trimmed();
    if (const int source = m_source->currentData().toInt(); source >= 0)
        f.source = AuditEvent::Source(source);
    f.decisions = decisionChoices().value(m_decision->currentIndex());
    f.text = m_text->text().trimmed();
    return f;
}

void AuditLogPage::applyFilters()
{
    m_filterTimer.stop();
    if (m_settingFilter)
        return;
    const AuditFilter f = filterFromControls();
    if (sameFilter(f, m_filter))
        return;
    m_filter = f;
    updateSuggestButton();
    reload();
}

void AuditLogPage::setFilter(const AuditFilter &filter)
{
    m_settingFilter = true;
    m_persona->setEditText(filter.persona);
    m_source->setCurrentIndex(std::max(0, m_source->findData(filter.source ? int(*filter.source) : -1)));
    m_decision->setCurrentIndex(std::max<int>(0, int(decisionChoices().indexOf(filter.decisions))));
    m_text->setText(filter.text);
    m_settingFilter = false;
    m_filterTimer.stop();
    m_filter = filter;
    const auto when = [](qint64 us) {
        return QLocale().toString(QDateTime::fromMSecsSinceEpoch(us / 1000).toLocalTime(),
                                  QLocale::ShortFormat);
    };
    if (filter.sinceUs && filter.untilUs)
        m_range->setText(tr("%1 to %2").arg(when(*filter.sinceUs), when(*filter.untilUs)));
    else if (filter.sinceUs)
        m_range->setText(tr("Since %1").arg(when(*filter.sinceUs)));
    else if (filter.untilUs)
        m_range->setText(tr("Before %1").arg(when(*filter.untilUs)));
    m_range->setVisible(filter.sinceUs || filter.untilUs);
    updateSuggestButton();
    reload();
}

void AuditLogPage::notePersonas(const AuditBatch &batch)
{
    for (const AuditEvent &e : batch) {
        if (e.persona.isEmpty() || m_personas.contains(e.persona))
            continue;
        m_personas.insert(e.persona);
        int at = 1; // after "any"
        while (at < m_persona->count() && m_persona->itemText(at).localeAwareCompare(e.persona) < 0)
            ++at;
        const QString typed = m_persona->currentText();
        m_persona->insertItem(at, e.persona);
        if (m_persona->currentText() != typed) {
            const QSignalBlocker blocker(m_persona);
            m_persona->setEditText(typed);
        }
    }
}

// History

void AuditLogPage::reload()
{
    ++m_generation;
    m_loading = true;
    m_loadingOlder = false;
    // The page read now holds everything before it; what is held arrived before it too.
    m_held.clear();
    m_heldCount = 0;
    m_heldOverflow = false;
    m_heldInexact = false;
    updateNewEventsLabel();
    setStatus(tr("Loading…"));
    startLoad(0, false);
}

void AuditLogPage::loadOlder()
{
    const bool searching = !m_filter.text.isEmpty();
    if (m_loading || m_loadingOlder || !m_moreOlder || (m_model->rowCount() == 0 && !searching))
        return;
    if (m_model->isFull()) {
        showShownCount();
        return;
    }
    m_loadingOlder = true;
    setStatus(searching ? tr("Searching older events…") : tr("Loading older events…"));
    startLoad(m_resumeBefore > 0 ? m_resumeBefore : m_model->firstSeq(), true);
}

// A text search that found less than a page in the stretch it read goes on by itself, in the
// background, until it has a page or reaches the oldest event.
void AuditLogPage::continueSearch()
{
    if (!m_filter.text.isEmpty() && m_moreOlder && m_model->rowCount() < PageSize)
        QTimer::singleShot(0, this, &AuditLogPage::loadOlder);
}

void AuditLogPage::startLoad(qint64 beforeSeq, bool older)
{
    const QString db = m_store->databasePath();
    const AuditFilter filter = m_filter;
    const int generation = m_generation;
    const qint64 anchorSeq = m_model->rowCount() > 0 ? m_model->firstSeq() : 0;
    m_loadWatcher.setFuture(QtConcurrent::run([db, filter, beforeSeq, anchorSeq, generation, older] {
        Load load;
        load.generation = generation;
        load.older = older;
        load.beforeSeq = beforeSeq;
        load.anchorSeq = anchorSeq;
        // Before the store first starts there is no log: nothing to show yet, not an error.
        if (!QFileInfo::exists(db))
            return load;
        auto reader = AuditReader::open(db);
        if (!reader)
            load.page = std::unexpected(reader.error());
        else
            load.page = reader->page(filter, beforeSeq, PageSize);
        // Text is not indexed: each page reads a bounded stretch. Read on for up to a second here.
        QElapsedTimer clock;
        clock.start();
        while (reader && load.page && !filter.text.isEmpty() && load.page->more &&
               load.page->events.size() < PageSize && clock.elapsed() < 1000) {
            auto next =
                reader->page(filter, load.page->resumeBefore, int(PageSize - load.page->events.size()));
            if (!next) {
                load.page = std::unexpected(next.error());
                break;
            }
            load.page->events += next->events;
            load.page->more = next->more;
            load.page->resumeBefore = next->resumeBefore;
        }
        return load;
    }));
}

void AuditLogPage::showLoad(const Load &load)
{
    if (load.generation != m_generation)
        return;
    if (load.older) {
        m_loadingOlder = false;
        // The oldest rows left meanwhile (the cap): the page would not join up with the view.
        if ((m_model->rowCount() > 0 ? m_model->firstSeq() : 0) != load.anchorSeq) {
            showShownCount();
            emit historyLoaded();
            return;
        }
        if (!load.page) {
            setStatus(tr("Cannot read older events: %1").arg(load.page.error().text()), true);
            emit historyLoaded();
            return;
        }
        const AuditBatch events = oldestFirst(load.page->events);
        notePersonas(events);
        const Anchor before = anchor();
        const qsizetype taken = m_model->prepend(events);
        restore(before);
        m_moreOlder = load.page->more || taken < events.size();
        m_resumeBefore = load.page->resumeBefore;
        showShownCount();
        emit historyLoaded();
        continueSearch();
        return;
    }

    m_loading = false;
    if (!load.page) {
        m_model->clear();
        m_moreOlder = false;
        setStatus(tr("Cannot read the audit log: %1").arg(load.page.error().text()), true);
    } else {
        const AuditBatch events = oldestFirst(load.page->events);
        notePersonas(events);
        m_model->reset(events);
        m_moreOlder = load.page->more;
        m_resumeBefore = load.page->resumeBefore;
        if (m_heldOverflow && !m_paused) {
            reload(); // more arrived during the read than the view holds
            return;
        }
    }
    // What arrived during the read and is in the page already is not new.
    const qint64 newest = m_model->lastSeq();
    const qsizetype before = m_held.size();
    m_held.removeIf([newest](const AuditEvent &e) { return e.seq <= newest; });
    m_heldCount = std::max<qint64>(0, m_heldCount - (before - m_held.size()));
    if (!m_paused) {
        AuditBatch held;
        held.swap(m_held);
        m_heldCount = 0;
        insertLive(held);
    }
    updateNewEventsLabel();
    if (isFollowing())
        scrollToNewest();
    showShownCount();
    emit historyLoaded();
    continueSearch();
}

// Live events

void AuditLogPage::receive(const AuditBatch &batch)
{
    notePersonas(batch);
    AuditBatch matching;
    if (m_filter.isEmpty()) {
        matching = batch;
    } else {
        for (const AuditEvent &e : batch)
            if (m_filter.matches(e))
                matching.append(e);
    }
    if (matching.isEmpty())
        return;
    if (m_paused || m_loading)
        hold(matching);
    else
        insertLive(matching);
}

void AuditLogPage::missed(qint64 fromSeq, qint64 toSeq)
{
    if (m_paused || m_loading) {
        // Counted only as far as seen; resuming reads the newest page again.
        m_heldOverflow = true;
        m_heldInexact = true;
        m_held.clear();
        updateNewEventsLabel();
        return;
    }
    // The feed skipped events (the window could not keep up): read the newest page again rather
    // than show a log with a hole in it.
    Q_UNUSED(fromSeq);
    Q_UNUSED(toSeq);
    reload();
}

void AuditLogPage::hold(const AuditBatch &events)
{
    m_heldCount += events.size();
    if (!m_heldOverflow) {
        if (m_held.size() + events.size() > m_model->capacity()) {
            m_heldOverflow = true;
            m_held = {};
        } else {
            m_held += events;
        }
    }
    updateNewEventsLabel();
}

void AuditLogPage::insertLive(const AuditBatch &events)
{
    const bool follow = isFollowing();
    const bool dropsOldest = m_model->rowCount() + events.size() > m_model->capacity();
    const Anchor before = follow || !dropsOldest ? Anchor{} : anchor();
    m_model->append(events);
    if (dropsOldest)
        m_moreOlder = true;
    if (follow)
        scrollToNewest();
    else
        restore(before);
    // The count changes with every batch; a few updates a second are plenty to read.
    if (!m_statusTimer.isActive())
        m_statusTimer.start();
}

bool AuditLogPage::isFollowing() const
{
    return m_follow->isChecked();
}

void AuditLogPage::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

void AuditLogPage::setPaused(bool paused)
{
    const bool changed = m_paused != paused;
    m_paused = paused;
    {
        const QSignalBlocker blocker(m_pause);
        m_pause->setChecked(paused);
    }
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIcon(paused ? Icons::themed(QStringLiteral("media-playback-start"),
                                            style()->standardIcon(QStyle::SP_MediaPlay))
                            : Icons::themed(QStringLiteral("media-playback-pause"),
                                            style()->standardIcon(QStyle::SP_MediaPause)));
    if (changed && !paused)
        resume();
    updateNewEventsLabel();
}

void AuditLogPage::resume()
{
    if (m_loading)
        return; // the read in flight inserts what is held when it is done
    if (m_heldOverflow) {
        reload(); // more came than the view holds, or the feed skipped some
        return;
    }
    AuditBatch held;
    held.swap(m_held);
    m_heldCount = 0;
    insertLive(held);
    if (isFollowing())
        scrollToNewest();
}

void AuditLogPage::updateNewEventsLabel()
{
    m_newEvents->setVisible(m_paused);
    if (!m_paused)
        return;
    m_newEvents->setText(m_heldInexact ? tr("at least %1 new").arg(number(m_heldCount))
                                       : tr("%1 new").arg(number(m_heldCount)));
}

// Scrolling

bool AuditLogPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        switch (static_cast<QKeyEvent *>(event)->key()) {
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_PageUp:
        case Qt::Key_PageDown:
        case Qt::Key_Home:
        case Qt::Key_End:
            QTimer::singleShot(0, this, &AuditLogPage::noteUserScroll);
            break;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void AuditLogPage::noteUserScroll()
{
    const QScrollBar *bar = m_view->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum();
    if (isFollowing() != atBottom)
        setFollowing(atBottom);
    if (bar->maximum() > bar->minimum() && bar->value() <= bar->minimum())
        loadOlder();
}

void AuditLogPage::scrollToNewest()
{
    m_view->scrollToBottom();
}

AuditLogPage::Anchor AuditLogPage::anchor() const
{
    const int row = m_view->rowAt(0);
    if (row < 0)
        return {};
    return {m_model->event(row).seq, m_view->rowViewportPosition(row)};
}

void AuditLogPage::restore(const Anchor &anchor)
{
    if (anchor.seq == 0)
        return;
    const int row = m_model->rowOfSeq(anchor.seq);
    if (row < 0)
        return;
    m_view->doItemsLayout(); // the scroll range must take in the new rows first
    QScrollBar *bar = m_view->verticalScrollBar();
    bar->setValue(bar->value() + m_view->rowViewportPosition(row) - anchor.y);
}

// Details

void AuditLogPage::showDetails()
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_detailsEvent = {};
        m_detailsChain->setText(tr("No event selected."));
        m_detailsHash->clear();
        m_detailsPrevHash->clear();
        m_detailsJson->clear();
        m_openPolicy->setEnabled(false);
        m_openPolicy->setMenu(nullptr);
        m_openPolicy->setPopupMode(QToolButton::DelayedPopup);
        m_allowHostAction->setVisible(false);
        m_allowHost->setVisible(false);
        return;
    }
    const int row = current.row();
    const AuditEvent &e = m_model->event(row);
    if (e.seq == m_detailsEvent.seq && e.hash == m_detailsEvent.hash)
        return;
    m_detailsEvent = e;
    m_allowHostAction->setVisible(canAllowHost());
    m_allowHost->setVisible(m_allowHostAction->isVisible());
    m_detailsJson->setPlainText(QString::fromUtf8(QJsonDocument(e.toJson()).toJson(QJsonDocument::Indented)));

    const qint64 total = std::max(m_store->lastSeq(), m_model->lastSeq());
    const bool first = e.prevHash == AuditEvent::zeroHash();
    m_detailsChain->setText(
        first ? tr("Event %1 of %2; the first of the log.").arg(number(e.seq), number(total))
              : tr("Event %1 of %2; chained onto event %3.")
                    .arg(number(e.seq), number(total), number(e.seq - 1)));

    const QString hash = QString::fromLatin1(e.hash.toHex());
    m_detailsHash->setText(
        e.computeHash() == e.hash
            ? tr("Hash: %1 (matches the event)").arg(hash)
            : tr("Hash: %1 (does NOT match the event: it was changed after it was written)").arg(hash));
    const QString prev = QString::fromLatin1(e.prevHash.toHex());
    const int before = row > 0 && m_model->event(row - 1).seq == e.seq - 1 ? row - 1 : -1;
    if (first)
        m_detailsPrevHash->setText(tr("Previous hash: %1 (none: nothing comes before)").arg(prev));
    else if (before < 0)
        m_detailsPrevHash->setText(tr("Previous hash: %1").arg(prev));
    else if (m_model->event(before).hash == e.prevHash)
        m_detailsPrevHash->setText(tr("Previous hash: %1 (that of event %2)").arg(prev, number(e.seq - 1)));
    else
        m_detailsPrevHash->setText(
            tr("Previous hash: %1 (does NOT match event %2: run Verify log)").arg(prev, number(e.seq - 1)));

    const QString set = policySetOf(e);
    const bool canOpen = !e.policies.isEmpty() && !set.isEmpty();
    m_openPolicy->setEnabled(canOpen);
    m_openPolicy->setToolTip(
        canOpen ? tr("Show policy %1 of the set \"%2\" in the policy editor").arg(e.policies.first(), set)
                : tr("No policy decided this event"));
    m_openPolicyMenu->clear();
    if (canOpen && e.policies.size() > 1) {
        for (const QString &id : e.policies)
            m_openPolicyMenu->addAction(id, this, [this, id] { openPolicy(id); });
        m_openPolicy->setMenu(m_openPolicyMenu);
        m_openPolicy->setPopupMode(QToolButton::MenuButtonPopup);
    } else {
        m_openPolicy->setMenu(nullptr);
        m_openPolicy->setPopupMode(QToolButton::DelayedPopup);
    }
}

void AuditLogPage::openPolicy(const QString &policyId)
{
    const QString set = policySetOf(m_detailsEvent);
    if (!set.isEmpty() && !policyId.isEmpty())
        emit openPolicyRequested(set, policyId);
}

// Suggested policies

QString AuditLogPage::policySetFor(const QString &persona)
{
    const QList<Persona> personas =
        m_engine.personaRuntime() ? m_engine.personaRuntime()->personas() : QList<Persona>();
    const auto it = std::find_if(personas.cbegin(), personas.cend(),
                                 [&persona](const Persona &p) { return p.name == persona; });
    if (it == personas.cend()) {
        setStatus(tr("No policy can be suggested for %1: there is no such persona (any more). Add it on the "
                     "Personas page, or edit the policy set of its trust level by hand.")
                      .arg(persona),
                  true);
        return {};
    }
    return Persona::trustName(it->trust);
}

bool AuditLogPage::canAllowHost() const
{
    return m_detailsEvent.seq > 0 && m_detailsEvent.isDenial() && !m_detailsEvent.persona.isEmpty() &&
           PolicySuggestion::destinationOf(m_detailsEvent).has_value();
}

void AuditLogPage::allowHost()
{
    if (!canAllowHost())
        return;
    const QString set = policySetFor(m_detailsEvent.persona);
    if (set.isEmpty())
        return;
    emit policySuggested(set, PolicySuggestion::allowHost(m_detailsEvent.persona,
                                                          *PolicySuggestion::destinationOf(m_detailsEvent)));
}

void AuditLogPage::updateSuggestButton()
{
    m_suggest->setVisible(!m_filter.persona.isEmpty());
    m_suggest->setToolTip(
        tr("Draft a policy for %1 from every connection of it in the audit log (most useful "
           "while it runs in record mode)")
            .arg(m_filter.persona));
}

void AuditLogPage::suggestPolicy(const QString &persona)
{
    if (persona.isEmpty() || m_draftWatcher.isRunning())
        return;
    if (policySetFor(persona).isEmpty())
        return;
    setStatus(tr("Reading what %1 connected to…").arg(persona));
    m_suggest->setEnabled(false);
    m_draftCancel = std::make_shared<std::atomic<bool>>(false);
    const QString path = m_store->databasePath();
    m_draftWatcher.setFuture(QtConcurrent::run([path, persona, cancel = m_draftCancel] {
        Draft draft;
        draft.persona = persona;
        auto reader = AuditReader::open(path);
        if (!reader) {
            draft.text = std::unexpected(reader.error());
            return draft;
        }
        AuditFilter filter;
        filter.persona = persona;
        filter.source = AuditEvent::Source::Proxy;
        PolicySuggestion suggestion(persona);
        for (qint64 after = 0; !cancel->load();) {
            auto batch = reader->after(after, filter, 5000);
            if (!batch) {
                draft.text = std::unexpected(batch.error());
                return draft;
            }
            if (batch->isEmpty())
                break;
            for (const AuditEvent &e : std::as_const(*batch))
                suggestion.add(e);
            after = batch->back().seq;
        }
        draft.events = suggestion.eventCount();
        draft.text = suggestion.text();
        return draft;
    }));
}

void AuditLogPage::showDraft(const Draft &draft)
{
    m_suggest->setEnabled(true);
    if (!draft.text) {
        setStatus(tr("No policy was suggested for %1: %2").arg(draft.persona, draft.text.error().text()),
                  true);
        return;
    }
    if (draft.text->isEmpty()) {
        setStatus(
            tr("No policy was suggested for %1: the audit log has no connection of it through the proxy "
               "yet. Run it in record mode for a while, then try again.")
                .arg(draft.persona),
            true);
        return;
    }
    const QString set = policySetFor(draft.persona);
    if (set.isEmpty())
        return;
    setStatus(tr("Policy drafted for %1 from %2 events.").arg(draft.persona, number(draft.events)));
    emit policySuggested(set, *draft.text);
}

// Export

AuditBatch AuditLogPage::selectedEvents() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    AuditBatch events;
    events.reserve(rows.size());
    for (int row : std::as_const(rows))
        events << m_model->event(row);
    return events;
}

void AuditLogPage::chooseExportFile(bool selection)
{
    if (selection && !m_view->selectionModel()->hasSelection()) {
        showMessage(m_exportPanel, Tone::Bad, tr("Select the events to export first."));
        return;
    }
    const QString jsonLines = tr("JSON Lines (*.jsonl)");
    const QString csv = tr("CSV (*.csv)");
    auto *dialog =
        new QFileDialog(this, selection ? tr("Export selected audit events") : tr("Export audit events"),
                        QStringLiteral("audit.jsonl"));
    dialog->setObjectName(QStringLiteral("exportDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilters({jsonLines, csv});
    dialog->setDefaultSuffix(QStringLiteral("jsonl"));
    connect(dialog, &QFileDialog::filterSelected, dialog, [dialog, csv](const QString &filter) {
        dialog->setDefaultSuffix(filter == csv ? QStringLiteral("csv") : QStringLiteral("jsonl"));
    });
    connect(dialog, &QFileDialog::fileSelected, this, [this, dialog, selection, csv](const QString &chosen) {
        QString path = chosen;
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix != QStringLiteral("csv") && suffix != QStringLiteral("jsonl"))
            path += dialog->selectedNameFilter() == csv ? QStringLiteral(".csv") : QStringLiteral(".jsonl");
        if (selection)
            exportSelection(path);
        else
            exportFiltered(path);
    });
    dialog->open();
}

void AuditLogPage::exportSelection(const QString &path)
{
    const AuditBatch events = selectedEvents();
    if (events.isEmpty()) {
        showMessage(m_exportPanel, Tone::Bad, tr("Select the events to export first."));
        emit exportFinished(false, 0, path);
        return;
    }
    const bool csv = isCsv(path);
    startExport(
        path,
        [events, csv](QIODevice &out, const std::function<bool(qint64)> &progress) -> Result<qint64> {
            QByteArray bytes;
            if (csv)
                bytes += withNewline(AuditReader::csvHeader());
            qint64 done = 0;
            for (const AuditEvent &e : events) {
                bytes += withNewline(csv ? AuditReader::csvRow(e) : e.toJsonLine());
                if (++done % 1000 == 0 || done == events.size()) {
                    if (out.write(bytes) != bytes.size())
                        return fail(Error::Code::Io, out.errorString());
                    bytes.clear();
                    if (!progress(done))
                        return done;
                }
            }
            if (!bytes.isEmpty() && out.write(bytes) != bytes.size())
                return fail(Error::Code::Io, out.errorString());
            return done;
        },
        false);
}

void AuditLogPage::exportFiltered(const QString &path)
{
    const QString db = m_store->databasePath();
    const AuditFilter filter = m_filter;
    const auto format = isCsv(path) ? AuditReader::Format::Csv : AuditReader::Format::JsonLines;
    startExport(
        path,
        [db, filter, format](QIODevice &out, const std::function<bool(qint64)> &progress) -> Result<qint64> {
            auto reader = AuditReader::open(db);
            if (!reader)
                return std::unexpected(reader.error());
            return reader->exportTo(out, filter, format, progress);
        },
        true);
}

void AuditLogPage::startExport(const QString &path, Writer write, bool withProgress)
{
    if (m_exportWatcher.isRunning()) {
        showMessage(m_exportPanel, Tone::Bad, tr("An export is running; wait for it or cancel it first."));
        emit exportFinished(false, 0, path);
        return;
    }
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_exportCancel = cancel;
    m_exportPanel.frame->hide();
    m_export->setEnabled(false);
    if (withProgress) {
        auto *dialog =
            new QProgressDialog(tr("Exporting audit events to %1…").arg(QDir::toNativeSeparators(path)),
                                tr("Cancel"), 0, 0, this);
        dialog->setObjectName(QStringLiteral("exportProgress"));
        dialog->setWindowTitle(tr("Export audit events"));
        dialog->setWindowModality(Qt::WindowModal);
        dialog->setAutoClose(false);
        dialog->setAutoReset(false);
        dialog->setMinimumDuration(0);
        connect(dialog, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
        m_exportProgress = dialog;
        dialog->open();
    }
    m_exportWatcher.setFuture(QtConcurrent::run([path, write, cancel](QPromise<ExportOutcome> &promise) {
        ExportOutcome outcome;
        outcome.path = path;
        // Written beside the target and renamed at the end: a failed or cancelled export leaves
        // no partial file behind.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            outcome.written = fail(Error::Code::Io, tr("Cannot write the file: %1").arg(file.errorString()),
                                   QDir::toNativeSeparators(path), tr("Choose a folder you can write to."));
            promise.addResult(outcome);
            return;
        }
        const auto progress = [&promise, &cancel](qint64 done) {
            promise.setProgressValue(int(std::min<qint64>(done, INT_MAX)));
            return !cancel->load();
        };
        outcome.written = write(file, progress);
        outcome.cancelled = cancel->load();
        if (outcome.cancelled || !outcome.written)
            file.cancelWriting();
        else if (!file.commit())
            outcome.written = fail(Error::Code::Io, tr("Cannot write the file: %1").arg(file.errorString()),
                                   QDir::toNativeSeparators(path), tr("Check that the disk has room."));
        promise.addResult(outcome);
    }));
}

void AuditLogPage::showExport(const ExportOutcome &outcome)
{
    if (m_exportProgress) {
        m_exportProgress->close();
        m_exportProgress->deleteLater();
    }
    m_export->setEnabled(true);
    const QString where = QDir::toNativeSeparators(outcome.path);
    if (outcome.cancelled) {
        showMessage(m_exportPanel, Tone::Neutral, tr("Export cancelled; %1 was not written.").arg(where));
        emit exportFinished(false, 0, outcome.path);
    } else if (!outcome.written) {
        showMessage(m_exportPanel, Tone::Bad, tr("Export failed: %1").arg(outcome.written.error().text()));
        emit exportFinished(false, 0, outcome.path);
    } else {
        showMessage(m_exportPanel, Tone::Good,
                    tr("Exported %1 events to %2.").arg(number(*outcome.written), where));
        m_store->append(AuditEvent::user(
            QStringLiteral("audit.export"), outcome.path,
            {{QStringLiteral("events"), *outcome.written},
             {QStringLiteral("format"), outcome.path.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive)
                                            ? QStringLiteral("csv")
                                            : QStringLiteral("jsonl")}}));
        emit exportFinished(true, *outcome.written, outcome.path);
    }
}

// Verification

void AuditLogPage::verify()
{
    if (m_verifyWatcher.isRunning()) {
        m_verifyCancel->store(true);
        m_verify->setEnabled(false);
        return;
    }
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_verifyCancel = cancel;
    m_verify->setText(tr("Stop &verifying"));
    m_verifyProgress->setValue(0);
    m_verifyProgress->show();
    m_verifyPanel.frame->hide();
    const QString db = m_store->databasePath();
    const QString head = m_store->headPath();
    m_verifyWatcher.setFuture(QtConcurrent::run([db, head, cancel](QPromise<VerifyOutcome> &promise) {
        QElapsedTimer clock;
        clock.start();
        promise.setProgressRange(0, 1000);
        VerifyOutcome outcome;
        outcome.verification =
            AuditVerifier::verify(db, head, [&promise, &cancel](qint64 done, qint64 total) {
                if (total > 0)
                    promise.setProgressValue(int(std::clamp<qint64>(done * 1000 / total, 0, 1000)));
                return !cancel->load();
            });
        outcome.elapsedMs = clock.elapsed();
        outcome.cancelled = cancel->load();
        promise.addResult(outcome);
    }));
}

void AuditLogPage::showVerification(const VerifyOutcome &outcome)
{
    m_verify->setText(tr("&Verify log"));
    m_verify->setEnabled(true);
    m_verifyProgress->hide();
    QJsonObject details{{QStringLiteral("elapsedMs"), outcome.elapsedMs}};
    bool ok = false;
    if (outcome.cancelled) {
        details.insert(QStringLiteral("outcome"), QStringLiteral("cancelled"));
        showMessage(m_verifyPanel, Tone::Neutral, tr("Verification stopped before the end of the log."));
    } else if (!outcome.verification) {
        details.insert(QStringLiteral("outcome"), QStringLiteral("error"));
        details.insert(QStringLiteral("error"), outcome.verification.error().text());
        showMessage(m_verifyPanel, Tone::Bad,
                    tr("Cannot verify the audit log: %1").arg(outcome.verification.error().text()));
    } else {
        const AuditVerification &v = *outcome.verification;
        ok = v.ok();
        details.insert(QStringLiteral("outcome"), ok ? QStringLiteral("ok") : QStringLiteral("failed"));
        details.insert(QStringLiteral("checked"), v.checked);
        details.insert(QStringLiteral("firstSeq"), v.firstSeq);
        details.insert(QStringLiteral("lastSeq"), v.lastSeq);
        details.insert(QStringLiteral("findings"), int(v.findings.size()));
        const QString seconds = QLocale().toString(double(outcome.elapsedMs) / 1000.0, 'f', 2);
        const QString speed = number(v.checked * 1000 / std::max<qint64>(1, outcome.elapsedMs));
        if (ok) {
            showMessage(
                m_verifyPanel, Tone::Good,
                tr("The audit log is intact: %1 events checked (events %2 to %3) in %4 s, %5 events/s.")
                    .arg(number(v.checked), number(v.firstSeq), number(v.lastSeq), seconds, speed));
        } else {
            details.insert(QStringLiteral("firstBadSeq"), v.firstBadSeq());
            QStringList lines{
                tr("The audit log was changed or damaged: %1 problems found in %2 events checked (%3 s).")
                    .arg(number(v.findings.size()), number(v.checked), seconds)};
            for (const AuditVerification::Finding &f : v.findings)
                lines << tr("Event %1: %2 — %3")
                             .arg(number(f.seq), AuditVerification::problemName(f.problem), f.message);
            if (v.findings.size() >= AuditVerification::MaxFindings)
                lines << tr("(Verification stops listing after %1 problems.)")
                             .arg(AuditVerification::MaxFindings);
            showMessage(m_verifyPanel, Tone::Bad, lines.join(QLatin1Char('\n')));
        }
    }
    // Checking the log is itself something to keep a record of.
    m_store->append(AuditEvent::user(QStringLiteral("audit.verify"), m_store->databasePath(), details));
    emit verifyFinished(ok);
}

} // namespace paddock
