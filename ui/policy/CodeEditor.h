#pragma once

#include <QPlainTextEdit>

namespace KSyntaxHighlighting {
class Repository;
class SyntaxHighlighter;
} // namespace KSyntaxHighlighting

namespace paddock {

// A source editor for Cedar (policies and schemas): KSyntaxHighlighting colours themed for the
// palette, line numbers, the current line, matching brackets, comment toggling, and problems
// underlined at their spans with their message as a tooltip.
class CodeEditor final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CodeEditor)

public:
    struct Mark
    {
        int line = 1;   // 1-based
        int column = 1; // 1-based, in characters
        int length = 1;
        bool error = true;
        QString message;
    };

    explicit CodeEditor(QWidget *parent = nullptr);
    ~CodeEditor() override;

    // "Cedar" or "Cedar Schema".
    void setSyntax(const QString &definitionName);
    void setMarks(const QList<Mark> &marks);
    const QList<Mark> &marks() const { return m_marks; }
    // Background highlights (e.g. the policies that decided a what-if), by 1-based line ranges.
    void setHighlightedLines(const QList<QPair<int, int>> &ranges, const QColor &color);
    void goTo(int line, int column);
    void toggleComment();

    int lineNumberAreaWidth() const;
    void paintLineNumbers(QPaintEvent *event);
    static KSyntaxHighlighting::Repository &repository();

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void updateExtraSelections();
    void applyTheme();
    QTextCursor cursorAt(int line, int column) const;

    QWidget *m_lineNumbers;
    KSyntaxHighlighting::SyntaxHighlighter *m_highlighter;
    QList<Mark> m_marks;
    QList<QPair<int, int>> m_highlightRanges;
    QColor m_highlightColor;
};

} // namespace paddock
