#include "PolicyEditorPage.h"

#include "CodeEditor.h"
#include "HistoryDialog.h"
#include "policy/Json.h"
#include "policy/Parser.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTextCursor>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace paddock {

namespace {
constexpr int LineRole = Qt::UserRole + 1;
constexpr int ColumnRole = Qt::UserRole + 2;

const char *exampleEntities = R"([
  {"uid": {"type": "Paddock::Persona", "id": "agent"}, "attrs": {"trust": "restricted"}, "parents": []},
  {"uid": {"type": "Paddock::Host", "id": "github.com:443"}, "attrs": {"name": "github.com", "port": 443}, "parents": []},
  {"uid": {"type": "Paddock::Branch", "id": "repo:main"}, "attrs": {"name": "main", "repository": "repo"}, "parents": []}
])";
} // namespace

PolicyEditorPage::PolicyEditorPage(PolicyStore &store, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_editor(new CodeEditor)
    , m_sets(new QComboBox)
    , m_problems(new QTreeWidget)
    , m_status(new QLabel)
    , m_save(new QPushButton(tr("&Save")))
    , m_principal(new QComboBox)
    , m_action(new QComboBox)
    , m_resource(new QLineEdit(QStringLiteral("Paddock::Host::\"github.com:443\"")))
    , m_entities(new QPlainTextEdit(QString::fromUtf8(exampleEntities)))
    , m_context(new QPlainTextEdit(QStringLiteral("{}")))
    , m_decision(new QLabel)
    , m_whatIfErrors(new QTreeWidget)
{
    setObjectName(QStringLiteral("policyEditorPage"));
    m_editor->setSyntax(QStringLiteral("Cedar"));
    m_sets->setObjectName(QStringLiteral("policySetCombo"));
    m_problems->setObjectName(QStringLiteral("problemsList"));
    m_status->setObjectName(QStringLiteral("policyStatus"));
    m_save->setObjectName(QStringLiteral("savePolicyButton"));
    m_principal->setObjectName(QStringLiteral("whatIfPrincipal"));
    m_action->setObjectName(QStringLiteral("whatIfAction"));
    m_resource->setObjectName(QStringLiteral("whatIfResource"));
    m_entities->setObjectName(QStringLiteral("whatIfEntities"));
    m_context->setObjectName(QStringLiteral("whatIfContext"));
    m_decision->setObjectName(QStringLiteral("whatIfDecision"));
    m_whatIfErrors->setObjectName(QStringLiteral("whatIfErrors"));

    auto *history = new QPushButton(tr("&History…"));
    history->setObjectName(QStringLiteral("historyButton"));
    auto *importButton = new QPushButton(tr("&Import…"));
    importButton->setObjectName(QStringLiteral("importButton"));
    auto *exportButton = new QPushButton(tr("E&xport…"));
    exportButton->setObjectName(QStringLiteral("exportButton"));
    m_save->setToolTip(tr("Check, save and enforce this policy set (Ctrl+S)"));

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Policy set:")));
    top->addWidget(m_sets);
    top->addStretch();
    top->addWidget(importButton);
    top->addWidget(exportButton);
    top->addWidget(history);
    top->addWidget(m_save);

    m_problems->setHeaderLabels({tr("Line"), tr("Column"), tr("Problem")});
    m_problems->setRootIsDecorated(false);
    m_problems->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_whatIfErrors->setHeaderLabels({tr("Policy"), tr("Error")});
    m_whatIfErrors->setRootIsDecorated(false);
    m_whatIfErrors->header()->setSectionResizeMode(1, QHeaderView::Stretch);

    auto *editorSplit = new QSplitter(Qt::Vertical);
    editorSplit->addWidget(m_editor);
    editorSplit->addWidget(m_problems);
    editorSplit->setStretchFactor(0, 4);
    editorSplit->setStretchFactor(1, 1);

    // What-if: a request against the text in the editor (saved or not).
    auto *whatIf = new QGroupBox(tr("What if…"));
    whatIf->setObjectName(QStringLiteral("whatIfPanel"));
    m_principal->setEditable(true);
    for (const char *persona : {"agent", "web", "dev"})
        m_principal->addItem(QStringLiteral("Paddock::Persona::\"%1\"").arg(QLatin1StringView(persona)));
    m_action->setEditable(true);
    if (const auto schema = m_store.schema())
        for (const auto &[uid, decl] : schema->actions)
            m_action->addItem(QString::fromStdString(uid.toString()));
    if (m_action->count() == 0)
        m_action->addItem(QStringLiteral("Paddock::Action::\"connect\""));
    m_entities->setFont(m_editor->font());
    m_context->setFont(m_editor->font());
    m_context->setMaximumHeight(m_editor->fontMetrics().height() * 4);
    auto *evaluateButton = new QPushButton(tr("&Evaluate"));
    evaluateButton->setObjectName(QStringLiteral("evaluateButton"));
    m_decision->setWordWrap(true);
    m_decision->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *form = new QFormLayout;
    form->addRow(tr("Principal:"), m_principal);
    form->addRow(tr("Action:"), m_action);
    form->addRow(tr("Resource:"), m_resource);
    form->addRow(tr("Entities (JSON):"), m_entities);
    form->addRow(tr("Context (JSON):"), m_context);
    auto *whatIfLayout = new QVBoxLayout(whatIf);
    whatIfLayout->addLayout(form);
    whatIfLayout->addWidget(evaluateButton);
    whatIfLayout->addWidget(m_decision);
    whatIfLayout->addWidget(m_whatIfErrors);

    auto *split = new QSplitter;
    split->addWidget(editorSplit);
    split->addWidget(whatIf);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    m_checkTimer.setSingleShot(true);
    m_checkTimer.setInterval(CheckDelayMs);
    connect(&m_checkTimer, &QTimer::timeout, this, &PolicyEditorPage::startCheck);
    // Only the newest check reports: setFuture() drops the watcher's interest in older ones.
    connect(&m_checkWatcher, &QFutureWatcher<PolicyCheck>::finished, this,
            [this] { showCheck(m_checkWatcher.result()); });
    connect(m_editor, &QPlainTextEdit::textChanged, this, &PolicyEditorPage::scheduleCheck);
    connect(m_problems, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        m_editor->goTo(item->data(0, LineRole).toInt(), item->data(0, ColumnRole).toInt());
    });
    connect(m_problems, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) {
        m_editor->goTo(item->data(0, LineRole).toInt(), item->data(0, ColumnRole).toInt());
    });
    connect(m_save, &QPushButton::clicked, this, &PolicyEditorPage::save);
    connect(history, &QPushButton::clicked, this, &PolicyEditorPage::showHistory);
    connect(evaluateButton, &QPushButton::clicked, this, &PolicyEditorPage::evaluate);
    connect(importButton, &QPushButton::clicked, this, [this] {
        auto *dialog =
            new QFileDialog(this, tr("Import Cedar policies"), QString(), tr("Cedar policies (*.cedar)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        connect(dialog, &QFileDialog::fileSelected, this, &PolicyEditorPage::importFile);
        dialog->open();
    });
    connect(exportButton, &QPushButton::clicked, this, [this] {
        auto *dialog = new QFileDialog(this, tr("Export Cedar policies"),
                                       m_current + QStringLiteral(".cedar"), tr("Cedar policies (*.cedar)"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setAcceptMode(QFileDialog::AcceptSave);
        dialog->setDefaultSuffix(QStringLiteral("cedar"));
        connect(dialog, &QFileDialog::fileSelected, this, &PolicyEditorPage::exportFile);
        dialog->open();
    });
    auto *saveShortcut =
        new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_S), this); // not every theme binds ::Save
    connect(saveShortcut, &QShortcut::activated, this, &PolicyEditorPage::save);
    connect(&m_saveWatcher, &QFutureWatcher<Result<void>>::finished, this, [this] {
        const Result<void> result = m_saveWatcher.result();
        m_save->setEnabled(true);
        if (!result) {
            setStatus(tr("Not saved: %1").arg(result.error().text()), true);
            emit saveFailed(result.error().text());
            return;
        }
        m_savedText = m_store.text(m_current);
        setStatus(tr("Saved and enforced: %1").arg(m_current), false);
        emit saved(m_current);
    });
    connect(m_sets, &QComboBox::activated, this, [this](int index) {
        const QString wanted = m_sets->itemText(index);
        if (wanted == m_current)
            return;
        m_sets->setCurrentText(m_current); // until the user has answered about unsaved changes
        openSet(wanted);
    });
    connect(&m_store, &PolicyStore::policiesChanged, this, [this](const QString &) { reloadSetList(); });
    // The engine loads the store on its own thread; show the sets once they are there.
    connect(&m_store, &PolicyStore::loaded, this, [this] {
        reloadSetList();
        if (!isModified() || m_current.isEmpty()) {
            const QString name = m_current.isEmpty() && m_sets->count() > 0 ? m_sets->itemText(0) : m_current;
            if (!name.isEmpty())
                loadText(name, m_store.text(name));
        }
        if (m_action->count() <= 1)
            if (const auto schema = m_store.schema()) {
                m_action->clear();
                for (const auto &[uid, decl] : schema->actions)
                    m_action->addItem(QString::fromStdString(uid.toString()));
            }
    });

    reloadSetList();
    if (m_sets->count() > 0)
        loadText(m_sets->itemText(0), m_store.text(m_sets->itemText(0)));
}

PolicyEditorPage::~PolicyEditorPage()
{
    m_checkWatcher.waitForFinished();
    m_saveWatcher.waitForFinished();
}

void PolicyEditorPage::reloadSetList()
{
    const QString keep = m_current;
    m_sets->clear();
    m_sets->addItems(m_store.names());
    if (!keep.isEmpty())
        m_sets->setCurrentText(keep);
}

bool PolicyEditorPage::isModified() const
{
    return m_editor->toPlainText() != m_savedText;
}

void PolicyEditorPage::loadText(const QString &name, const QString &text)
{
    m_loading = true;
    m_current = name;
    m_savedText = text;
    m_editor->setPlainText(text);
    m_sets->setCurrentText(name);
    m_loading = false;
    startCheck();
}

void PolicyEditorPage::openSet(const QString &name)
{
    confirmDiscard([this, name] { loadText(name, m_store.text(name)); });
}

void PolicyEditorPage::showPolicy(const QString &set, const QString &policyId)
{
    if (set == m_current) {
        selectPolicy(policyId);
        return;
    }
    if (!m_store.names().contains(set)) {
        setStatus(tr("There is no policy set \"%1\" (policy %2 cannot be shown).").arg(set, policyId), true);
        return;
    }
    confirmDiscard([this, set, policyId] {
        loadText(set, m_store.text(set));
        selectPolicy(policyId);
    });
}

void PolicyEditorPage::appendSuggestion(const QString &set, const QString &policyText)
{
    if (!m_store.names().contains(set)) {
        setStatus(
            tr("There is no policy set \"%1\" to add the suggested policy to; its persona's trust level "
               "has no set in the policies folder.")
                .arg(set),
            true);
        return;
    }
    if (set == m_current) {
        appendText(policyText);
        return;
    }
    confirmDiscard([this, set, policyText] {
        loadText(set, m_store.text(set));
        appendText(policyText);
    });
}

void PolicyEditorPage::appendText(const QString &policyText)
{
    // Through the cursor, so that Undo takes it back.
    QTextCursor cursor(m_editor->document());
    cursor.movePosition(QTextCursor::End);
    const QString text = m_editor->toPlainText();
    QString gap;
    if (!text.isEmpty())
        gap = text.endsWith(QLatin1Char('\n')) ? QStringLiteral("\n") : QStringLiteral("\n\n");
    cursor.beginEditBlock();
    cursor.insertText(gap);
    const int start = cursor.position();
    cursor.insertText(policyText);
    cursor.endEditBlock();
    const int end = cursor.position();
    cursor.setPosition(end);
    cursor.setPosition(start, QTextCursor::KeepAnchor);
    m_editor->setTextCursor(cursor);
    m_editor->centerCursor();
    m_editor->setFocus();
    setStatus(tr("Suggested policy added to \"%1\" (not saved): review it, then save.").arg(m_current),
              false);
}

bool PolicyEditorPage::selectPolicy(const QString &policyId)
{
    // Parsed here rather than taken from the last check: the editor's text is what the user sees,
    // and parsing one set takes well under a millisecond.
    const QByteArray utf8 = m_editor->toPlainText().toUtf8();
    const cedar::ParseResult parsed =
        cedar::parsePolicies(std::string_view(utf8.constData(), size_t(utf8.size())));
    const std::string id = policyId.toStdString();
    const auto it = std::find_if(parsed.policies.begin(), parsed.policies.end(),
                                 [&id](const cedar::Policy &p) { return p.id == id; });
    if (it == parsed.policies.end()) {
        setStatus(tr("The policy set \"%1\" has no policy \"%2\" (any more).").arg(m_current, policyId),
                  true);
        return false;
    }
    // Spans count UTF-8 bytes; the editor counts UTF-16 units.
    const auto position = [&utf8](uint32_t offset) {
        return int(QString::fromUtf8(utf8.left(std::min<qsizetype>(offset, utf8.size()))).size());
    };
    QTextCursor cursor(m_editor->document());
    cursor.setPosition(position(it->span.offset + it->span.length));
    cursor.setPosition(position(it->span.offset), QTextCursor::KeepAnchor);
    m_editor->setTextCursor(cursor);
    m_editor->centerCursor();
    m_editor->setFocus();
    setStatus(tr("Policy %1 of the set \"%2\"").arg(policyId, m_current), false);
    return true;
}

void PolicyEditorPage::confirmDiscard(const std::function<void()> &proceed)
{
    if (!isModified()) {
        proceed();
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Unsaved changes"),
                                tr("The policy set \"%1\" has changes that are not saved.").arg(m_current),
                                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("unsavedChangesBox"));
    box->setInformativeText(tr("Save them (they are checked first), discard them, or go back to editing?"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, proceed](int) {
        const auto button = box->standardButton(box->clickedButton());
        if (button == QMessageBox::Discard) {
            m_savedText = m_editor->toPlainText(); // nothing left to ask about
            proceed();
        } else if (button == QMessageBox::Save) {
            auto *context = new QObject(this);
            connect(this, &PolicyEditorPage::saved, context, [context, proceed] {
                context->deleteLater();
                proceed();
            });
            connect(this, &PolicyEditorPage::saveFailed, context, [context] { context->deleteLater(); });
            save();
        }
    });
    box->open();
}

void PolicyEditorPage::scheduleCheck()
{
    if (m_loading)
        return;
    setStatus(tr("Checking…"), false);
    m_checkTimer.start();
}

void PolicyEditorPage::startCheck()
{
    m_checkTimer.stop();
    const QString text = m_editor->toPlainText();
    PolicyStore *store = &m_store;
    m_checkWatcher.setFuture(QtConcurrent::run([store, text] { return store->check(text); }));
}

void PolicyEditorPage::showCheck(const PolicyCheck &result)
{
    QList<CodeEditor::Mark> marks;
    m_problems->clear();
    for (const cedar::Diagnostic &d : result.diagnostics) {
        const bool error = d.severity == cedar::Diagnostic::Severity::Error;
        QString message = QString::fromStdString(d.message);
        if (!d.help.empty())
            message += QStringLiteral(" — ") + QString::fromStdString(d.help);
        marks << CodeEditor::Mark{int(d.span.line), int(d.span.column),
                                  int(std::max<uint32_t>(1, d.span.length)), error, message};
        auto *item = new QTreeWidgetItem(
            m_problems, {QString::number(d.span.line), QString::number(d.span.column), message});
        item->setData(0, LineRole, int(d.span.line));
        item->setData(0, ColumnRole, int(d.span.column));
        item->setIcon(
            2, style()->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning));
    }
    m_editor->setMarks(marks);
    if (result.valid())
        setStatus(tr("Valid: %n policies", nullptr, int(result.policies->policies().size())) +
                      (isModified() ? tr(" (not saved)") : QString()),
                  false);
    else
        setStatus(tr("%n error(s)", nullptr, result.errorCount()), true);
    emit checked(result.valid());
}

void PolicyEditorPage::setStatus(const QString &text, bool problem)
{
    m_status->setText(text);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText,
               problem ? QColor(0xc6, 0x28, 0x28) : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
}

void PolicyEditorPage::save()
{
    if (m_current.isEmpty() || m_saveWatcher.isRunning())
        return;
    m_save->setEnabled(false);
    setStatus(tr("Saving…"), false);
    const QString name = m_current;
    const QString text = m_editor->toPlainText();
    PolicyStore *store = &m_store;
    m_saveWatcher.setFuture(QtConcurrent::run([store, name, text] { return store->save(name, text); }));
}

void PolicyEditorPage::showHistory()
{
    auto *dialog = new HistoryDialog(m_store, m_current, m_editor->toPlainText(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &HistoryDialog::reverted, this, [this](const QString &name) {
        loadText(name, m_store.text(name));
        setStatus(tr("Reverted and enforced: %1").arg(name), false);
        emit saved(name);
    });
    dialog->open();
}

void PolicyEditorPage::importFile(const QString &path)
{
    auto *watcher = new QFutureWatcher<QByteArray>(this);
    connect(watcher, &QFutureWatcher<QByteArray>::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        const QByteArray bytes = watcher->result();
        if (bytes.isNull()) {
            setStatus(tr("Cannot read %1").arg(path), true);
            return;
        }
        // The imported text replaces the editor's; it is enforced only once saved.
        m_editor->setPlainText(QString::fromUtf8(bytes));
        setStatus(tr("Imported %1 (not saved)").arg(path), false);
    });
    watcher->setFuture(QtConcurrent::run([path] {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }));
}

void PolicyEditorPage::exportFile(const QString &path)
{
    auto *watcher = new QFutureWatcher<bool>(this);
    connect(watcher, &QFutureWatcher<bool>::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        setStatus(watcher->result() ? tr("Exported to %1").arg(path) : tr("Cannot write %1").arg(path),
                  !watcher->result());
    });
    const QByteArray bytes = m_editor->toPlainText().toUtf8();
    watcher->setFuture(QtConcurrent::run([path, bytes] {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    }));
}

void PolicyEditorPage::evaluate()
{
    m_whatIfErrors->clear();
    const PolicyCheck checkResult = m_store.check(m_editor->toPlainText());
    if (!checkResult.valid()) {
        m_decision->setText(tr("Fix the errors in the policies first."));
        return;
    }
    auto fail = [this](const QString &what, const std::string &why) {
        m_decision->setText(tr("%1: %2").arg(what, QString::fromStdString(why)));
        emit evaluated();
    };
    const auto schema = m_store.schema();
    cedar::Request request;
    std::string error;
    if (!cedar::parseEntityUid(m_principal->currentText().toStdString(), request.principal, error))
        return fail(tr("Principal"), error);
    if (!cedar::parseEntityUid(m_action->currentText().toStdString(), request.action, error))
        return fail(tr("Action"), error);
    if (!cedar::parseEntityUid(m_resource->text().toStdString(), request.resource, error))
        return fail(tr("Resource"), error);
    auto entities = cedar::entitiesFromJson(m_entities->toPlainText().toStdString(), schema.get());
    if (!entities)
        return fail(tr("Entities"), entities.error());
    auto context =
        cedar::contextFromJson(m_context->toPlainText().toStdString(), schema.get(), &request.action);
    if (!context)
        return fail(tr("Context"), context.error());
    request.context = *context;
    const cedar::Entities store(std::move(*entities));
    const cedar::Decision d = checkResult.policies->authorize(request, store);

    QStringList reasons;
    QList<QPair<int, int>> lines;
    for (const std::string &id : d.reason) {
        reasons << QString::fromStdString(id);
        if (const cedar::Policy *p = checkResult.policies->find(id)) {
            const int first = int(p->effectSpan.line);
            int last = first;
            // The policy's last line: count the newlines in its span.
            const QString text = m_editor->toPlainText();
            const QByteArray utf8 = text.toUtf8();
            for (uint32_t i = p->span.offset;
                 i < p->span.offset + p->span.length && i < uint32_t(utf8.size()); ++i)
                if (utf8[i] == '\n')
                    ++last;
            lines << qMakePair(int(p->span.line), std::max(first, last));
        }
    }
    m_editor->setHighlightedLines(lines,
                                  d.policyAllowed ? QColor(0xd4, 0xf0, 0xdc) : QColor(0xf8, 0xd7, 0xd4));
    m_decision->setText((d.policyAllowed ? tr("<b>ALLOW</b>") : tr("<b>DENY</b>")) + QStringLiteral(" — ") +
                        (reasons.isEmpty() ? tr("no policy permits")
                                           : tr("decided by %1").arg(reasons.join(QStringLiteral(", ")))));
    for (const cedar::PolicyError &e : d.errors)
        new QTreeWidgetItem(m_whatIfErrors,
                            {QString::fromStdString(e.policyId), QString::fromStdString(e.message)});
    emit evaluated();
}

} // namespace paddock
