#include "jobs/ScheduleEdit.h"

#include <QPainter>
#include <QPainterPath>

namespace paddock {

const QColor ScheduleEdit::ErrorColor(0xd3, 0x2f, 0x2f);

ScheduleEdit::ScheduleEdit(QWidget *parent)
    : QLineEdit(parent)
{}

void ScheduleEdit::setError(int column, int length)
{
    if (column == m_column && length == m_length)
        return;
    m_column = column;
    m_length = length;
    update();
}

int ScheduleEdit::xAt(int position) const
{
    // QLineEdit tells where its cursor is, scrolled as it is; other positions are measured from it.
    const QFontMetrics fm(font());
    const int cursorX = cursorRect().center().x();
    const QString t = text();
    return cursorX - fm.horizontalAdvance(t.left(cursorPosition())) + fm.horizontalAdvance(t.left(position));
}

QRect ScheduleEdit::errorRect() const
{
    if (m_length <= 0 || m_column <= 0)
        return {};
    const qsizetype size = text().size();
    // An error at the end (something missing) underlines the place after the text.
    const int start = int(std::min<qsizetype>(m_column - 1, size));
    const int end = int(std::min<qsizetype>(start + m_length, size));
    const int x1 = xAt(start);
    const int x2 = end > start ? xAt(end) : x1 + fontMetrics().horizontalAdvance(QLatin1Char('m'));
    // The text is centred in the line edit as QLineEdit centres it; the wave goes just under it.
    const QFontMetrics fm(font());
    const QRect inside = contentsRect().marginsRemoved(textMargins());
    const int baseline = inside.top() + (inside.height() - fm.height() + 1) / 2 + fm.ascent();
    return QRect(x1, baseline + 1, std::max(x2 - x1, 4), 4).intersected(rect());
}

void ScheduleEdit::paintEvent(QPaintEvent *event)
{
    QLineEdit::paintEvent(event);
    const QRect r = errorRect();
    if (r.isEmpty())
        return;
    // A wavy line, as spelling errors are underlined.
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(ErrorColor, 1.5));
    QPainterPath wave;
    wave.moveTo(r.left(), r.bottom());
    for (int x = r.left(), i = 0; x < r.right(); x += 2, ++i)
        wave.lineTo(x + 2, i % 2 ? r.bottom() : r.top());
    p.drawPath(wave);
}

} // namespace paddock
