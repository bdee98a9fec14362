#include "personas/LogViewer.h"

#include "Icons.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QShortcut>
#include <QStyle>
#include <QTextBlock>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

namespace paddock {

namespace {

// Colour and cursor sequences that programs write to a terminal.
QString plain(const QByteArray &line)
{
    static const QRegularExpression escapes(QStringLiteral("\x1b\\[[0-9;?]*[ -/]*[@-~]|\r"));
    QString text = QString::fromUtf8(line);
    if (text.contains(u'\x1b') || text.contains(u'\r'))
        text.remove(escapes);
    return text;
}

} // namespace

LogViewer::LogViewer(const QString &persona, int capacity, QWidget *parent)
    : QDialog(parent)
    , m_persona(persona)
    , m_view(new QPlainTextEdit)
    , m_follow(new QCheckBox(tr("&Follow")))
    , m_search(new QLineEdit)
    , m_previous(new QToolButton)
    , m_next(new QToolButton)
    , m_matches(new QLabel)
{
    setObjectName(QStringLiteral("logViewer-") + persona);
    setWindowTitle(tr("Log of %1").arg(persona));
    setSizeGripEnabled(true);

    m_view->setObjectName(QStringLiteral("logText"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(capacity);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setUndoRedoEnabled(false);

    m_follow->setObjectName(QStringLiteral("followCheck"));
    m_follow->setToolTip(tr("Keep the newest lines in view"));
    m_follow->setChecked(true);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Search"));
    m_search->setClearButtonEnabled(true);
    m_previous->setObjectName(QStringLiteral("findPreviousButton"));
    m_previous->setIcon(Icons::themed(QStringLiteral("go-up"), style()->standardIcon(QStyle::SP_ArrowUp)));
    m_previous->setToolTip(tr("Previous match (Shift+F3)"));
    m_next->setObjectName(QStringLiteral("findNextButton"));
    m_next->setIcon(Icons::themed(QStringLiteral("go-down"), style()->standardIcon(QStyle::SP_ArrowDown)));
    m_next->setToolTip(tr("Next match (F3)"));
    m_matches->setObjectName(QStringLiteral("matchLabel"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_follow);
    bar->addStretch(1);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_previous);
    bar->addWidget(m_next);
    bar->addWidget(m_matches);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(BatchIntervalMs);
    connect(&m_batchTimer, &QTimer::timeout, this, &LogViewer::flush);
    m_highlightTimer.setSingleShot(true);
    m_highlightTimer.setInterval(300);
    connect(&m_highlightTimer, &QTimer::timeout, this, &LogViewer::highlight);

    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    });
    // Scrolling up by hand stops following; scrolling back to the end resumes it.
    connect(m_view->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this] {
        QScrollBar *bar = m_view->verticalScrollBar();
        QTimer::singleShot(0, this, [this, bar] { setFollowing(bar->value() >= bar->maximum()); });
    });
    connect(m_search, &QLineEdit::textChanged, this, &LogViewer::setSearchText);
    connect(m_search, &QLineEdit::returnPressed, this, &LogViewer::findNext);
    connect(m_next, &QToolButton::clicked, this, &LogViewer::findNext);
    connect(m_previous, &QToolButton::clicked, this, &LogViewer::findPrevious);
    auto *next = new QShortcut(QKeySequence::FindNext, this);
    connect(next, &QShortcut::activated, this, &LogViewer::findNext);
    auto *previous = new QShortcut(QKeySequence::FindPrevious, this);
    connect(previous, &QShortcut::activated, this, &LogViewer::findPrevious);
    auto *search = new QShortcut(QKeySequence::Find, this);
    connect(search, &QShortcut::activated, m_search, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });

    updateMatchLabel();
    resize(820, 520);
}

void LogViewer::appendLines(const QList<EngineClient::LogLine> &lines)
{
    m_pending.append(lines);
    // More than fit are not worth inserting.
    const int capacity = m_view->maximumBlockCount();
    if (capacity > 0 && m_pending.size() > capacity)
        m_pending.remove(0, m_pending.size() - capacity);
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void LogViewer::flush()
{
    m_batchTimer.stop();
    if (m_pending.isEmpty())
        return;
    QTextCharFormat normal;
    QTextCharFormat error;
    error.setForeground(QColor(0xc6, 0x28, 0x28));
    QTextCursor cursor(m_view->document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    for (const EngineClient::LogLine &line : std::as_const(m_pending)) {
        if (m_lines > 0)
            cursor.insertBlock();
        cursor.insertText(plain(line.text),
                          line.stream == EngineClient::LogLine::Stream::Stderr ? error : normal);
        ++m_lines;
    }
    cursor.endEditBlock();
    m_pending.clear();
    if (isFollowing())
        m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    if (!m_search->text().isEmpty() && !m_highlightTimer.isActive())
        m_highlightTimer.start();
}

int LogViewer::lineCount() const
{
    return m_lines == 0 ? 0 : m_view->document()->blockCount();
}

QString LogViewer::text() const
{
    return m_view->toPlainText();
}

bool LogViewer::isFollowing() const
{
    return m_follow->isChecked();
}

void LogViewer::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

void LogViewer::setSearchText(const QString &text)
{
    if (m_search->text() != text)
        m_search->setText(text); // comes back here through textChanged
    highlight();
}

void LogViewer::highlight()
{
    QList<QTextEdit::ExtraSelection> selections;
    m_matchCount = 0;
    const QString needle = m_search->text();
    if (!needle.isEmpty()) {
        QTextCharFormat format;
        format.setBackground(QColor(0xff, 0xe0, 0x82));
        QTextDocument *document = m_view->document();
        QTextCursor at(document);
        while (m_matchCount < MaxHighlighted) {
            at = document->find(needle, at);
            if (at.isNull())
                break;
            selections.append({at, format});
            ++m_matchCount;
        }
    }
    m_view->setExtraSelections(selections);
    updateMatchLabel();
}

void LogViewer::findNext()
{
    find(false);
}

void LogViewer::findPrevious()
{
    find(true);
}

void LogViewer::find(bool backward)
{
    const QString needle = m_search->text();
    if (needle.isEmpty())
        return;
    flush();
    setFollowing(false); // or the next batch scrolls the match away
    const QTextDocument::FindFlags flags =
        backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    QTextDocument *document = m_view->document();
    QTextCursor found = document->find(needle, m_view->textCursor(), flags);
    if (found.isNull()) { // wrap around
        QTextCursor from(document);
        if (backward)
            from.movePosition(QTextCursor::End);
        found = document->find(needle, from, flags);
    }
    if (!found.isNull()) {
        m_view->setTextCursor(found);
        m_view->ensureCursorVisible();
    }
    updateMatchLabel();
}

int LogViewer::currentMatchLine() const
{
    const QTextCursor cursor = m_view->textCursor();
    if (!cursor.hasSelection() || m_search->text().isEmpty() ||
        cursor.selectedText().compare(m_search->text(), Qt::CaseInsensitive) != 0)
        return -1;
    return cursor.block().blockNumber();
}

void LogViewer::updateMatchLabel()
{
    const bool searching = !m_search->text().isEmpty();
    m_previous->setEnabled(searching && m_matchCount > 0);
    m_next->setEnabled(searching && m_matchCount > 0);
    if (!searching)
        m_matches->clear();
    else if (m_matchCount >= MaxHighlighted)
        m_matches->setText(tr("more than %L1 matches").arg(MaxHighlighted));
    else
        m_matches->setText(m_matchCount == 1 ? tr("1 match") : tr("%L1 matches").arg(m_matchCount));
}

} // namespace paddock
