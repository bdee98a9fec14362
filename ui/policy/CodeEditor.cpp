#include "CodeEditor.h"

#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

namespace paddock {

namespace {
class LineNumberArea final : public QWidget
{
public:
    explicit LineNumberArea(CodeEditor *editor)
        : QWidget(editor)
        , m_editor(editor)
    {}
    QSize sizeHint() const override { return {m_editor->lineNumberAreaWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintLineNumbers(event); }

private:
    CodeEditor *m_editor;
};

const QString openers = QStringLiteral("([{");
const QString closers = QStringLiteral(")]}");
} // namespace

KSyntaxHighlighting::Repository &CodeEditor::repository()
{
    static KSyntaxHighlighting::Repository repo; // loads definitions once, shared by every editor
    return repo;
}

CodeEditor::CodeEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_lineNumbers(new LineNumberArea(this))
    , m_highlighter(new KSyntaxHighlighting::SyntaxHighlighter(document()))
{
    setObjectName(QStringLiteral("codeEditor"));
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 4);
    applyTheme();
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(lineNumberAreaWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect &rect, int dy) {
        if (dy)
            m_lineNumbers->scroll(0, dy);
        else
            m_lineNumbers->update(0, rect.y(), m_lineNumbers->width(), rect.height());
    });
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &CodeEditor::updateExtraSelections);
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
    updateExtraSelections();
}

CodeEditor::~CodeEditor() = default;

void CodeEditor::setSyntax(const QString &definitionName)
{
    m_highlighter->setDefinition(repository().definitionForName(definitionName));
}

void CodeEditor::applyTheme()
{
    const KSyntaxHighlighting::Theme theme = repository().themeForPalette(palette());
    m_highlighter->setTheme(theme);
    m_highlighter->rehighlight();
}

bool CodeEditor::event(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyTheme();
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QTextCursor at = cursorForPosition(viewport()->mapFromParent(help->pos()));
        const int line = at.blockNumber() + 1;
        const int column = at.positionInBlock() + 1;
        QStringList messages;
        for (const Mark &m : std::as_const(m_marks))
            if (m.line == line && column >= m.column && column <= m.column + std::max(1, m.length))
                messages << m.message;
        if (!messages.isEmpty())
            QToolTip::showText(help->globalPos(), messages.join(QLatin1Char('\n')), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QPlainTextEdit::event(event);
}

int CodeEditor::lineNumberAreaWidth() const
{
    int digits = 1;
    for (int max = std::max(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    return 8 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * std::max(digits, 3);
}

void CodeEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect cr = contentsRect();
    m_lineNumbers->setGeometry(QRect(cr.left(), cr.top(), lineNumberAreaWidth(), cr.height()));
}

void CodeEditor::paintLineNumbers(QPaintEvent *event)
{
    QPainter painter(m_lineNumbers);
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    const int current = textCursor().blockNumber();
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            const int number = block.blockNumber() + 1;
            const bool marked = std::any_of(m_marks.begin(), m_marks.end(),
                                            [&](const Mark &m) { return m.line == number && m.error; });
            QColor color =
                palette().color(block.blockNumber() == current ? QPalette::Text : QPalette::PlaceholderText);
            if (marked)
                color = QColor(0xc6, 0x28, 0x28);
            painter.setPen(color);
            painter.drawText(0, top, m_lineNumbers->width() - 4, fontMetrics().height(), Qt::AlignRight,
                             QString::number(number));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
    }
}

QTextCursor CodeEditor::cursorAt(int line, int column) const
{
    QTextBlock block = document()->findBlockByNumber(std::max(0, line - 1));
    QTextCursor c(document());
    if (!block.isValid())
        return c;
    c.setPosition(block.position() + std::clamp(column - 1, 0, std::max(0, block.length() - 1)));
    return c;
}

void CodeEditor::setMarks(const QList<Mark> &marks)
{
    m_marks = marks;
    updateExtraSelections();
    m_lineNumbers->update();
}

void CodeEditor::setHighlightedLines(const QList<QPair<int, int>> &ranges, const QColor &color)
{
    m_highlightRanges = ranges;
    m_highlightColor = color;
    updateExtraSelections();
}

void CodeEditor::goTo(int line, int column)
{
    setTextCursor(cursorAt(line, column));
    centerCursor();
    setFocus();
}

void CodeEditor::updateExtraSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    // Policies to point out (what-if), as full-width line backgrounds.
    for (const auto &[first, last] : std::as_const(m_highlightRanges)) {
        for (int line = first; line <= last; ++line) {
            QTextEdit::ExtraSelection s;
            s.format.setBackground(m_highlightColor);
            s.format.setProperty(QTextFormat::FullWidthSelection, true);
            s.cursor = cursorAt(line, 1);
            selections << s;
        }
    }
    // The current line.
    if (!isReadOnly()) {
        QTextEdit::ExtraSelection s;
        QColor c = palette().color(QPalette::Highlight);
        c.setAlpha(28);
        s.format.setBackground(c);
        s.format.setProperty(QTextFormat::FullWidthSelection, true);
        s.cursor = textCursor();
        s.cursor.clearSelection();
        selections << s;
    }
    // Problems, underlined where they are.
    for (const Mark &m : std::as_const(m_marks)) {
        QTextEdit::ExtraSelection s;
        s.format.setUnderlineStyle(QTextCharFormat::SpellCheckUnderline);
        s.format.setUnderlineColor(m.error ? QColor(0xd9, 0x30, 0x25) : QColor(0xe0, 0x9b, 0x00));
        s.format.setToolTip(m.message);
        s.cursor = cursorAt(m.line, m.column);
        s.cursor.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor, std::max(1, m.length));
        selections << s;
    }
    // The bracket at (or just before) the cursor and its partner.
    const QTextCursor cursor = textCursor();
    const QString text = toPlainText();
    int pos = cursor.position();
    auto isBracket = [&](int p) {
        return p >= 0 && p < text.size() && (openers.contains(text[p]) || closers.contains(text[p]));
    };
    if (!isBracket(pos))
        --pos;
    if (isBracket(pos)) {
        const QChar c = text[pos];
        const bool forward = openers.contains(c);
        const QChar partner = forward ? closers[openers.indexOf(c)] : openers[closers.indexOf(c)];
        int depth = 0, match = -1;
        for (int p = pos; p >= 0 && p < text.size(); p += forward ? 1 : -1) {
            if (text[p] == c)
                ++depth;
            else if (text[p] == partner && --depth == 0) {
                match = p;
                break;
            }
        }
        for (int p : {pos, match}) {
            if (p < 0)
                continue;
            QTextEdit::ExtraSelection s;
            s.format.setBackground(match < 0 ? QColor(0xf4, 0xc7, 0xc3) : QColor(0xb7, 0xe1, 0xcd));
            s.cursor = QTextCursor(document());
            s.cursor.setPosition(p);
            s.cursor.setPosition(p + 1, QTextCursor::KeepAnchor);
            selections << s;
        }
    }
    setExtraSelections(selections);
}

void CodeEditor::toggleComment()
{
    QTextCursor c = textCursor();
    const int start = document()->findBlock(c.selectionStart()).blockNumber();
    int end = document()->findBlock(c.selectionEnd()).blockNumber();
    if (c.hasSelection() && end > start &&
        document()->findBlock(c.selectionEnd()).position() == c.selectionEnd())
        --end; // a selection ending at a line's start does not take that line
    bool allCommented = true;
    for (int b = start; b <= end; ++b) {
        const QString line = document()->findBlockByNumber(b).text();
        if (!line.trimmed().isEmpty() && !line.trimmed().startsWith(QLatin1StringView("//")))
            allCommented = false;
    }
    c.beginEditBlock();
    for (int b = start; b <= end; ++b) {
        const QTextBlock block = document()->findBlockByNumber(b);
        const QString line = block.text();
        QTextCursor edit(block);
        if (allCommented) {
            const int at = int(line.indexOf(QLatin1StringView("//")));
            if (at < 0)
                continue;
            edit.setPosition(block.position() + at);
            const int len = line.mid(at + 2).startsWith(QLatin1Char(' ')) ? 3 : 2;
            edit.setPosition(block.position() + at + len, QTextCursor::KeepAnchor);
            edit.removeSelectedText();
        } else if (!line.trimmed().isEmpty()) {
            edit.insertText(QStringLiteral("// "));
        }
    }
    c.endEditBlock();
}

void CodeEditor::keyPressEvent(QKeyEvent *event)
{
    if (event->modifiers() == Qt::ControlModifier && event->key() == Qt::Key_Slash) {
        toggleComment();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace paddock
