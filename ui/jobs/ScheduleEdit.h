#pragma once

#include <QLineEdit>

namespace paddock {

// A line edit for a cron expression that underlines, in red, the part a parse error points at
// (CronExpression::ParseError's column and length), as a spell checker underlines a word.
class ScheduleEdit final : public QLineEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScheduleEdit)

public:
    static const QColor ErrorColor;

    explicit ScheduleEdit(QWidget *parent = nullptr);

    // 1-based column and length in characters of the text; length 0: no error.
    void setError(int column, int length);
    void clearError() { setError(0, 0); }
    int errorColumn() const { return m_column; }
    int errorLength() const { return m_length; }
    // Where the underline is drawn, in the widget's coordinates (empty: none).
    QRect errorRect() const;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int xAt(int position) const;

    int m_column = 0;
    int m_length = 0;
};

} // namespace paddock
