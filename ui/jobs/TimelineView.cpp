#include "jobs/TimelineView.h"

#include "jobs/RunText.h"
#include "jobs/TimelineModel.h"
#include "scheduler/CronExpression.h"

#include <QApplication>
#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTimeZone>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Minute = 60'000;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;
// How far the window scrolls: the history kept in practice, and a month or two of what is to come.
constexpr qint64 HistoryMs = 400 * Day;
constexpr qint64 FutureMs = 60 * Day;
constexpr double MinBarPx = 3;
constexpr double GlyphPx = 5; // half a glyph's size, and how near a pointer must be to a bar
constexpr double UpcomingMinPx = 6;
constexpr double ResolutionPx = 3; // slots closer than this are drawn as one stretch
constexpr int TickMinPx = 70;
constexpr std::array<qint64, 13> TickSteps{5 * Minute, 10 * Minute, 15 * Minute, 30 * Minute, Hour,
                                           2 * Hour,   3 * Hour,    6 * Hour,    12 * Hour,   Day,
                                           2 * Day,    7 * Day,     14 * Day};

qint64 floorDiv(qint64 a, qint64 b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

QColor withAlpha(QColor color, int alpha)
{
    color.setAlpha(alpha);
    return color;
}

QString offsetText(int seconds)
{
    const int m = std::abs(seconds) / 60;
    return u"UTC%1%2:%3"_s.arg(seconds < 0 ? u'−' : u'+')
        .arg(m / 60, 2, 10, QLatin1Char('0'))
        .arg(m % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

qint64 TimelineView::spanOf(Zoom zoom)
{
    switch (zoom) {
    case Zoom::Hours:
        return 6 * Hour;
    case Zoom::Day:
        return Day;
    case Zoom::Week:
        return 7 * Day;
    }
    return Day;
}

TimelineView::TimelineView(TimelineModel *model, QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_model(model)
{
    setObjectName(u"timeline"_s);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_span = spanOf(Zoom::Day);
    m_from = now() - m_span * 2 / 3;
    m_nowTimer.setTimerType(Qt::CoarseTimer);
    // The one timer: the "now" line moves, and running bars grow with it.
    connect(&m_nowTimer, &QTimer::timeout, this, [this] { viewport()->update(); });
    connect(m_model, &TimelineModel::jobsReset, this, [this] {
        elideLabels();
        updateScrollBars();
        viewport()->update();
    });
    connect(m_model, &TimelineModel::runsChanged, this, [this] { viewport()->update(); });
    updateMetrics();
    updateScrollBars();
}

TimelineView::~TimelineView() = default;

qint64 TimelineView::now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QDateTime TimelineView::visibleFrom() const
{
    return QDateTime::fromMSecsSinceEpoch(m_from, QTimeZone::UTC);
}

QDateTime TimelineView::visibleTo() const
{
    return QDateTime::fromMSecsSinceEpoch(m_from + m_span, QTimeZone::UTC);
}

int TimelineView::chartWidth() const
{
    return std::max(1, viewport()->width() - m_labelWidth);
}

double TimelineView::pixelsPerMs() const
{
    return double(chartWidth()) / double(m_span);
}

double TimelineView::xOf(qint64 t) const
{
    return m_labelWidth + double(t - m_from) * pixelsPerMs();
}

qint64 TimelineView::timeAt(double x) const
{
    return m_from + qint64((x - m_labelWidth) / pixelsPerMs());
}

qint64 TimelineView::resolutionMs() const
{
    return std::max<qint64>(1000, qint64(ResolutionPx / pixelsPerMs()));
}

int TimelineView::rowTop(int row) const
{
    return m_axisHeight + row * m_rowHeight - verticalScrollBar()->value();
}

int TimelineView::rowAt(int y) const
{
    if (y < m_axisHeight)
        return -1;
    const int row = (y - m_axisHeight + verticalScrollBar()->value()) / m_rowHeight;
    return row < m_model->rowCount() ? row : -1;
}

void TimelineView::apply(qint64 from, qint64 span)
{
    span = std::clamp(span, MinSpanMs, MaxSpanMs);
    const qint64 t = now();
    from = std::clamp(from, t - HistoryMs, t + FutureMs - span);
    if (from == m_from && span == m_span)
        return;
    const bool zoomed = span != m_span;
    m_from = from;
    m_span = span;
    updateScrollBars();
    if (zoomed)
        updateNowTimer();
    viewport()->update();
    emit windowChanged(visibleFrom(), visibleTo());
}

void TimelineView::setSpan(qint64 spanMs, int anchorX)
{
    const double fraction = std::clamp(double(anchorX - m_labelWidth) / chartWidth(), 0.0, 1.0);
    const qint64 anchor = m_from + qint64(fraction * double(m_span));
    spanMs = std::clamp(spanMs, MinSpanMs, MaxSpanMs);
    apply(anchor - qint64(fraction * double(spanMs)), spanMs);
}

void TimelineView::setZoom(Zoom zoom)
{
    const qint64 t = now();
    const bool nowShown = t >= m_from && t <= m_from + m_span;
    setSpan(spanOf(zoom), nowShown ? int(xOf(t)) : m_labelWidth + chartWidth() / 2);
}

void TimelineView::scrollTo(const QDateTime &from)
{
    setFrom(from.toMSecsSinceEpoch());
}

void TimelineView::showNow()
{
    setFrom(now() - m_span * 2 / 3);
}

void TimelineView::setCurrentJob(const QString &job)
{
    if (m_currentJob == job)
        return;
    m_currentJob = job;
    const int row = m_model->rowOf(job);
    if (row >= 0) {
        QScrollBar *v = verticalScrollBar();
        const int top = row * m_rowHeight;
        const int visible = viewport()->height() - m_axisHeight;
        if (top < v->value())
            v->setValue(top);
        else if (top + m_rowHeight > v->value() + visible)
            v->setValue(top + m_rowHeight - visible);
    }
    viewport()->update();
}

QString TimelineView::currentJob() const
{
    return m_currentJob;
}

void TimelineView::updateScrollBars()
{
    const qint64 t = now();
    m_scrollBase = floorDiv(t - HistoryMs, Minute) * Minute;
    QScrollBar *h = horizontalScrollBar();
    {
        // Set from here, not moved by the user: scrollContentsBy is not to hear of it.
        const QSignalBlocker block(h);
        h->setRange(0, int((t + FutureMs - m_span - m_scrollBase) / Minute));
        h->setPageStep(int(std::max<qint64>(1, m_span / Minute)));
        h->setSingleStep(std::max(1, h->pageStep() / 20));
        h->setValue(int((m_from - m_scrollBase) / Minute));
    }
    QScrollBar *v = verticalScrollBar();
    const int visible = std::max(0, viewport()->height() - m_axisHeight);
    v->setRange(0, std::max(0, m_model->rowCount() * m_rowHeight - visible));
    v->setPageStep(visible);
    v->setSingleStep(m_rowHeight);
}

void TimelineView::scrollContentsBy(int dx, int)
{
    if (dx != 0) {
        // The user moved the horizontal scroll bar.
        const qint64 from = m_scrollBase + qint64(horizontalScrollBar()->value()) * Minute;
        if (from != m_from) {
            m_from = from;
            emit windowChanged(visibleFrom(), visibleTo());
        }
    }
    viewport()->update();
}

void TimelineView::updateMetrics()
{
    const QFontMetrics fm(font());
    m_rowHeight = fm.height() + 12;
    m_axisHeight = fm.height() * 2 + 10;
    m_labelWidth = std::clamp(fm.horizontalAdvance(u'x') * 22, 120, 260);
    m_corner = tr("Your time (%1)").arg(QString::fromUtf8(QTimeZone::systemTimeZoneId()));

    const QColor text = palette().color(QPalette::Text);
    for (size_t i = 0; i < m_statusBrush.size(); ++i) {
        const QColor color = RunText::statusColor(Run::Status(i));
        m_statusBrush[i] = QBrush(color);
        m_statusPen[i] = QPen(color.darker(140), 1.5);
    }
    m_slotPen = QPen(withAlpha(text, 210), 2);
    m_latePen = QPen(withAlpha(text, 150), 1, Qt::DotLine);
    m_queuedPen = QPen(RunText::statusColor(Run::Status::Queued).darker(130), 1.5, Qt::DashLine);
    m_upcomingPen = QPen(withAlpha(text, 140), 1, Qt::DashLine);
    m_gridPen = QPen(withAlpha(text, 25), 1);
    m_dayPen = QPen(withAlpha(text, 90), 1);
    m_nowPen = QPen(QColor(0xd3, 0x2f, 0x2f), 2);
    m_clockPen = QPen(QColor(0xb2, 0x8a, 0x00), 1, Qt::DotLine);
    m_clockBrush = QBrush(QColor(0xff, 0xc1, 0x07, 60));
    m_missedBrush = QBrush(RunText::statusColor(Run::Status::Missed), Qt::BDiagPattern);
    m_baseBrush = palette().brush(QPalette::Base);
    m_alternate = palette().color(QPalette::AlternateBase);
    m_highlight = withAlpha(palette().color(QPalette::Highlight), 60);
    m_ticksWidth = -1;
    elideLabels();
}

void TimelineView::elideLabels()
{
    const QFontMetrics fm(font());
    m_labels.resize(size_t(m_model->rowCount()));
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const Job &job = m_model->job(row);
        const QString text = job.enabled ? job.name : tr("%1 (disabled)").arg(job.name);
        m_labels[size_t(row)] = fm.elidedText(text, Qt::ElideRight, m_labelWidth - 14);
    }
}

void TimelineView::updateNowTimer()
{
    // As often as the line moves by a pixel, between once a second and once a minute.
    m_nowTimer.setInterval(int(std::clamp<qint64>(m_span / chartWidth(), 1000, 60'000)));
    if (isVisible())
        m_nowTimer.start();
}

void TimelineView::updateTicks()
{
    const int width = chartWidth();
    if (m_ticksFrom == m_from && m_ticksSpan == m_span && m_ticksWidth == width)
        return;
    m_ticksFrom = m_from;
    m_ticksSpan = m_span;
    m_ticksWidth = width;
    m_ticks.clear();
    const double ppm = pixelsPerMs();
    qint64 step = TickSteps.back();
    for (qint64 s : TickSteps)
        if (double(s) * ppm >= TickMinPx) {
            step = s;
            break;
        }
    const QTimeZone local = QTimeZone::systemTimeZone();
    const QLocale locale;
    const QString dayFormat = u"ddd d MMM"_s;
    const qint64 to = m_from + m_span;
    if (step < Day) {
        // Steps of local time: aligned in the zone's offset (half-hour zones too).
        const qint64 offset =
            qint64(local.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(m_from, QTimeZone::UTC))) * 1000;
        for (qint64 t = floorDiv(m_from + offset, step) * step - offset; t <= to; t += step) {
            const QDateTime lt = QDateTime::fromMSecsSinceEpoch(t, local);
            Tick tick;
            tick.at = t;
            tick.day = lt.time() == QTime(0, 0);
            tick.bottom = locale.toString(lt.time(), u"HH:mm"_s);
            if (tick.day)
                tick.top = locale.toString(lt.date(), dayFormat);
            m_ticks.push_back(std::move(tick));
        }
    } else {
        const int days = int(step / Day);
        for (QDate d = QDateTime::fromMSecsSinceEpoch(m_from, local).date();; d = d.addDays(days)) {
            const qint64 at = QDateTime(d, QTime(0, 0), local).toMSecsSinceEpoch();
            if (at > to)
                break;
            m_ticks.push_back(Tick{at, true, locale.toString(d, dayFormat), {}});
        }
    }
}

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    const QRect area = viewport()->rect();
    p.fillRect(area, m_baseBrush);
    updateTicks();
    const qint64 t = now();
    const int rows = m_model->rowCount();
    const int firstRow = std::max(0, verticalScrollBar()->value() / m_rowHeight);
    const int lastRow = std::min(rows - 1, (verticalScrollBar()->value() + area.height()) / m_rowHeight);
    const int current = m_currentJob.isEmpty() ? -1 : m_model->rowOf(m_currentJob);

    p.setClipRect(
        QRect(m_labelWidth, m_axisHeight, area.width() - m_labelWidth, area.height() - m_axisHeight));
    for (int row = firstRow; row <= lastRow; ++row) {
        const QRect band(m_labelWidth, rowTop(row), area.width() - m_labelWidth, m_rowHeight);
        if (row == current)
            p.fillRect(band, m_highlight);
        else if (row % 2)
            p.fillRect(band, m_alternate);
    }
    for (const Tick &tick : m_ticks) {
        p.setPen(tick.day ? m_dayPen : m_gridPen);
        const double x = xOf(tick.at);
        p.drawLine(QLineF(x, m_axisHeight, x, area.height()));
    }
    for (int row = firstRow; row <= lastRow; ++row)
        paintRow(p, row, rowTop(row), t);
    const double nowX = xOf(t);
    p.setPen(m_nowPen);
    p.drawLine(QLineF(nowX, m_axisHeight, nowX, area.height()));
    p.setClipping(false);

    paintAxis(p);
    paintLabels(p, firstRow, lastRow);
    if (rows == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area.adjusted(m_labelWidth, m_axisHeight, 0, 0), Qt::AlignCenter,
                   tr("No jobs yet: New job… makes one."));
    }
}

void TimelineView::paintRow(QPainter &p, int row, int top, qint64 now) const
{
    const double ppm = pixelsPerMs();
    const qint64 from = m_from;
    const qint64 to = m_from + m_span;
    const double barTop = top + 5;
    const double barHeight = m_rowHeight - 10;
    const double mid = top + m_rowHeight / 2.0;
    const double g = std::min(GlyphPx, barHeight / 2);

    // The hours around a change of the job's clock: a skipped or repeated local hour.
    for (const TimelineModel::ClockChange &c : m_model->clockChanges(row, from, to)) {
        const qint64 d = qint64(std::abs(c.offsetAfter - c.offsetBefore)) * 1000;
        if (c.at + d < from || c.at - d > to)
            continue;
        const double x1 = xOf(c.at - d);
        p.fillRect(QRectF(x1, top, std::max(xOf(c.at + d) - x1, 2.0), m_rowHeight), m_clockBrush);
        p.setPen(m_clockPen);
        p.drawLine(QLineF(xOf(c.at), top, xOf(c.at), top + m_rowHeight));
    }

    // The slots to come, as long as the last run took.
    const qint64 typical = std::max(m_model->typicalDurationMs(row), qint64(UpcomingMinPx / ppm));
    p.setPen(m_upcomingPen);
    p.setBrush(Qt::NoBrush);
    for (const TimelineModel::Upcoming &u : m_model->upcoming(row, from, to, resolutionMs())) {
        if (u.last <= now || u.last + typical < from)
            continue;
        if (u.first > to)
            break;
        const double x1 = xOf(std::max(u.first, now));
        p.drawRect(
            QRectF(x1, barTop + 1, std::max(xOf(u.last + typical) - x1, UpcomingMinPx), barHeight - 2));
    }

    const auto [first, last] = m_model->runsIn(row, from, to, qint64(GlyphPx / ppm) + 1);
    for (qsizetype i = first; i < last; ++i) {
        const TimelineModel::Span &s = m_model->span(row, i);
        const size_t k = size_t(s.status);
        if (s.status == Run::Status::Missed || s.status == Run::Status::Skipped) {
            const double x = xOf(s.scheduled);
            p.setRenderHint(QPainter::Antialiasing, true);
            if (s.status == Run::Status::Skipped) {
                // A hollow triangle pointing down: the slot came, and its run was not started.
                const QPointF triangle[3] = {{x - g, mid - g}, {x + g, mid - g}, {x, mid + g}};
                p.setPen(m_statusPen[k]);
                p.setBrush(m_baseBrush);
                p.drawPolygon(triangle, 3);
            } else {
                // A hollow diamond; a record of many slots covers their stretch.
                if (s.lastSlot > s.scheduled) {
                    const double x2 = xOf(s.lastSlot);
                    p.setPen(Qt::NoPen);
                    p.setBrush(m_missedBrush);
                    p.drawRect(QRectF(x, mid - barHeight / 4, x2 - x, barHeight / 2));
                    const QPointF end[4] = {{x2, mid - g}, {x2 + g, mid}, {x2, mid + g}, {x2 - g, mid}};
                    p.setPen(m_statusPen[k]);
                    p.setBrush(m_baseBrush);
                    p.drawPolygon(end, 4);
                }
                const QPointF diamond[4] = {{x, mid - g}, {x + g, mid}, {x, mid + g}, {x - g, mid}};
                p.setPen(m_statusPen[k]);
                p.setBrush(m_baseBrush);
                p.drawPolygon(diamond, 4);
            }
            p.setRenderHint(QPainter::Antialiasing, false);
            continue;
        }
        const double xSlot = xOf(s.scheduled);
        const double xBegin = xOf(s.begin);
        const double xEnd = std::max(xOf(s.isOpen() ? now : s.end), xBegin + MinBarPx);
        if (s.status == Run::Status::Queued) {
            p.setPen(m_queuedPen);
            p.setBrush(Qt::NoBrush);
        } else {
            p.setPen(m_statusPen[k]);
            p.setBrush(m_statusBrush[k]);
        }
        p.drawRect(QRectF(xBegin, barTop, xEnd - xBegin, barHeight));
        // The slot it was scheduled for: a tick, and a dotted line to a later start.
        if (xBegin - xSlot > 2) {
            p.setPen(m_latePen);
            p.drawLine(QLineF(xSlot, mid, xBegin, mid));
        }
        p.setPen(m_slotPen);
        p.drawLine(QLineF(xSlot, top + 2, xSlot, top + m_rowHeight - 2));
    }
}

void TimelineView::paintAxis(QPainter &p) const
{
    const int width = viewport()->width();
    p.fillRect(QRect(0, 0, width, m_axisHeight), palette().brush(QPalette::Window));
    const QFontMetrics fm(font());
    const double line1 = 4 + fm.ascent();
    const double line2 = line1 + fm.height() + 2;
    const QPen text(palette().color(QPalette::WindowText));
    p.setClipRect(QRect(m_labelWidth, 0, width - m_labelWidth, m_axisHeight));
    for (const Tick &tick : m_ticks) {
        const double x = xOf(tick.at);
        p.setPen(tick.day ? m_dayPen : m_gridPen);
        p.drawLine(QLineF(x, tick.day ? 0 : m_axisHeight / 2, x, m_axisHeight));
        if (x < m_labelWidth)
            continue; // its label would be cut
        p.setPen(text);
        if (!tick.top.isEmpty())
            p.drawText(QPointF(x + 3, line1), tick.top);
        if (!tick.bottom.isEmpty())
            p.drawText(QPointF(x + 3, line2), tick.bottom);
    }
    // Now, on the axis.
    const double x = xOf(now());
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(m_nowPen.color());
    const QPointF marker[3] = {
        {x - 5, m_axisHeight - 7.0}, {x + 5, m_axisHeight - 7.0}, {x, m_axisHeight - 1.0}};
    p.drawPolygon(marker, 3);
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setClipping(false);
    p.setPen(m_dayPen);
    p.drawLine(0, m_axisHeight - 1, width, m_axisHeight - 1);
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(QRect(6, 0, m_labelWidth - 12, m_axisHeight),
               Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, m_corner);
}

void TimelineView::paintLabels(QPainter &p, int firstRow, int lastRow) const
{
    const int height = viewport()->height();
    p.setClipRect(QRect(0, m_axisHeight, m_labelWidth, height - m_axisHeight));
    p.fillRect(QRect(0, m_axisHeight, m_labelWidth, height - m_axisHeight),
               palette().brush(QPalette::Window));
    const int current = m_currentJob.isEmpty() ? -1 : m_model->rowOf(m_currentJob);
    const QColor text = palette().color(QPalette::WindowText);
    const QColor off = palette().color(QPalette::PlaceholderText);
    for (int row = firstRow; row <= lastRow && row < int(m_labels.size()); ++row) {
        const QRect band(0, rowTop(row), m_labelWidth, m_rowHeight);
        if (row == current)
            p.fillRect(band, m_highlight);
        p.setPen(m_model->job(row).enabled ? text : off);
        p.drawText(band.adjusted(8, 0, -6, 0), Qt::AlignLeft | Qt::AlignVCenter, m_labels[size_t(row)]);
    }
    p.setClipping(false);
    p.setPen(m_dayPen);
    p.drawLine(m_labelWidth - 1, 0, m_labelWidth - 1, height);
}

TimelineView::Hit TimelineView::hitAt(const QPoint &pos) const
{
    Hit hit;
    hit.row = rowAt(pos.y());
    if (hit.row < 0)
        return hit;
    if (pos.x() < m_labelWidth) {
        hit.kind = Hit::Kind::Label;
        return hit;
    }
    const double ppm = pixelsPerMs();
    const qint64 t = timeAt(pos.x());
    const qint64 tolerance = qint64(GlyphPx / ppm) + 1;
    const qint64 nowMs = now();
    const double x = pos.x();

    // The run drawn nearest (within a glyph's size), the later of two as near: it is drawn on top.
    const auto [first, last] = m_model->runsIn(hit.row, t - tolerance, t + tolerance, tolerance);
    double best = GlyphPx + 0.5;
    for (qsizetype i = first; i < last; ++i) {
        const TimelineModel::Span &s = m_model->span(hit.row, i);
        const double left = xOf(std::min(s.scheduled, s.begin));
        const double right =
            std::max({xOf(s.isOpen() ? nowMs : s.end), xOf(s.lastSlot), xOf(s.begin) + MinBarPx});
        const double distance = x < left ? left - x : x > right ? x - right : 0;
        if (distance <= best) {
            best = distance;
            hit.kind = Hit::Kind::Run;
            hit.index = i;
        }
    }
    if (hit.kind == Hit::Kind::Run)
        return hit;

    const qint64 typical = std::max(m_model->typicalDurationMs(hit.row), qint64(UpcomingMinPx / ppm));
    for (const TimelineModel::Upcoming &u :
         m_model->upcoming(hit.row, m_from, m_from + m_span, resolutionMs())) {
        if (u.last <= nowMs)
            continue;
        const double x1 = xOf(std::max(u.first, nowMs));
        const double x2 = std::max(xOf(u.last + typical), x1 + UpcomingMinPx);
        if (x >= x1 - 2 && x <= x2 + 2) {
            hit.kind = Hit::Kind::Upcoming;
            hit.at = std::max(u.first, nowMs);
            hit.until = u.last;
            return hit;
        }
    }
    for (const TimelineModel::ClockChange &c : m_model->clockChanges(hit.row, m_from, m_from + m_span)) {
        const qint64 d = qint64(std::abs(c.offsetAfter - c.offsetBefore)) * 1000;
        if (t >= c.at - d && t <= c.at + d) {
            hit.kind = Hit::Kind::ClockChange;
            hit.at = c.at;
            hit.offsetBefore = c.offsetBefore;
            hit.offsetAfter = c.offsetAfter;
            return hit;
        }
    }
    return hit;
}

QString TimelineView::toolTipAt(const QPoint &pos) const
{
    const Hit hit = hitAt(pos);
    if (hit.kind == Hit::Kind::None)
        return {};
    const Job &job = m_model->job(hit.row);
    const QTimeZone zone = m_model->zone(hit.row);
    const auto utc = [](qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC); };
    switch (hit.kind) {
    case Hit::Kind::None:
        break;
    case Hit::Kind::Label: {
        const auto expression = CronExpression::parse(job.schedule);
        QString text = u"<b>%1</b><br>%2"_s.arg(
            job.name.toHtmlEscaped(),
            tr("%1 (%2)")
                .arg(expression ? expression->describe() : job.schedule, job.timeZone)
                .toHtmlEscaped());
        if (!job.enabled)
            text += u"<br>"_s + (job.disabledReason.isEmpty() ? tr("Disabled")
                                                              : tr("Disabled: %1").arg(job.disabledReason))
                                    .toHtmlEscaped();
        return text;
    }
    case Hit::Kind::Run:
        return RunText::summary(m_model->run(hit.row, hit.index), zone, utc(now()));
    case Hit::Kind::Upcoming:
        if (hit.until > hit.at)
            return u"<b>%1</b><br>%2"_s.arg(
                job.name.toHtmlEscaped(),
                tr("On schedule, often, from %1 to %2")
                    .arg(RunText::time(utc(hit.at), zone), RunText::time(utc(hit.until), zone))
                    .toHtmlEscaped());
        return u"<b>%1</b><br>%2"_s.arg(
            job.name.toHtmlEscaped(),
            tr("Next on schedule: %1").arg(RunText::time(utc(hit.at), zone)).toHtmlEscaped());
    case Hit::Kind::ClockChange: {
        const QDateTime before = utc(hit.at).addSecs(hit.offsetBefore);
        const QDateTime after = utc(hit.at).addSecs(hit.offsetAfter);
        const QString clocks =
            hit.offsetAfter > hit.offsetBefore
                ? tr("Clocks in %1 go forward at %2 to %3 (%4 → %5): the times in between do "
                     "not happen; a job due then runs right after.")
                : tr("Clocks in %1 go back at %2 to %3 (%4 → %5): the times in between happen "
                     "twice; a job due then runs once.");
        const QString format = u"yyyy-MM-dd HH:mm"_s;
        return clocks
            .arg(job.timeZone, before.toString(format), after.toString(format), offsetText(hit.offsetBefore),
                 offsetText(hit.offsetAfter))
            .toHtmlEscaped();
    }
    }
    return {};
}

std::optional<Run> TimelineView::runAt(const QPoint &pos) const
{
    const Hit hit = hitAt(pos);
    if (hit.kind != Hit::Kind::Run)
        return std::nullopt;
    return m_model->run(hit.row, hit.index);
}

QPoint TimelineView::pointAt(const QString &job, const QDateTime &t) const
{
    const int row = m_model->rowOf(job);
    if (row < 0)
        return {};
    return QPoint(int(std::lround(xOf(t.toMSecsSinceEpoch()))), rowTop(row) + m_rowHeight / 2);
}

bool TimelineView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, viewport());
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
    updateNowTimer();
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const QPoint delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        if (delta.y() != 0)
            setSpan(qint64(double(m_span) * std::pow(1.25, -delta.y() / 120.0)), int(event->position().x()));
        event->accept();
        return;
    }
    if ((event->modifiers() & Qt::ShiftModifier) || std::abs(delta.x()) > std::abs(delta.y())) {
        const int steps = delta.x() != 0 ? delta.x() : delta.y();
        setFrom(m_from - qint64(steps / 120.0 * double(m_span) / 10));
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    m_pressed = true;
    m_dragging = false;
    m_pressPos = event->position().toPoint();
    m_pressFrom = m_from;
    m_pressTop = verticalScrollBar()->value();
    event->accept();
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_pressed)
        return;
    const QPoint d = event->position().toPoint() - m_pressPos;
    if (!m_dragging && d.manhattanLength() >= QApplication::startDragDistance()) {
        m_dragging = true;
        viewport()->setCursor(Qt::ClosedHandCursor);
    }
    if (m_dragging) {
        setFrom(m_pressFrom - qint64(d.x() / pixelsPerMs()));
        verticalScrollBar()->setValue(m_pressTop - d.y());
    }
    event->accept();
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || !m_pressed) {
        QAbstractScrollArea::mouseReleaseEvent(event);
        return;
    }
    const bool click = !m_dragging;
    m_pressed = m_dragging = false;
    viewport()->unsetCursor();
    event->accept();
    if (!click)
        return;
    const Hit hit = hitAt(event->position().toPoint());
    if (hit.row < 0)
        return;
    const QString job = m_model->job(hit.row).name;
    setCurrentJob(job);
    emit jobActivated(job);
    if (hit.kind == Hit::Kind::Run)
        emit runActivated(m_model->run(hit.row, hit.index));
}

void TimelineView::showEvent(QShowEvent *event)
{
    QAbstractScrollArea::showEvent(event);
    updateNowTimer();
}

void TimelineView::hideEvent(QHideEvent *event)
{
    QAbstractScrollArea::hideEvent(event);
    m_nowTimer.stop();
}

void TimelineView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::PaletteChange) {
        updateMetrics();
        updateScrollBars();
        viewport()->update();
    }
}

} // namespace paddock
