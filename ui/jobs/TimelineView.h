#pragma once

#include "scheduler/Run.h"

#include <QAbstractScrollArea>
#include <QBrush>
#include <QPen>
#include <QTimer>

#include <array>
#include <optional>
#include <vector>

namespace paddock {

class TimelineModel;

// The job timeline: a Gantt chart with a row per job. Past runs are bars from their start to
// their end in the colour of their status, with a tick at the slot they were scheduled for (the
// two differ: a late start, a catch-up); running ones grow to the "now" line; the slots to come are
// outlined; missed slots are a hollow diamond (a missed record of many slots a hatched stretch
// between two), skipped ones a hollow triangle; the hours around a change of the job's zone's
// clock are shaded. Zoom: hours, a day, a week (setZoom, ctrl+wheel); scroll across time with the
// scroll bar, the wheel with shift, or by dragging; a tooltip tells a run's details, a click opens
// them (runActivated).
//
// Paints only what is in the window: the model answers which runs by binary search, and the
// slots to come and clock changes of a window are computed once for a wider one. UI thread.
class TimelineView final : public QAbstractScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimelineView)

public:
    enum class Zoom { Hours, Day, Week };
    Q_ENUM(Zoom)
    static qint64 spanOf(Zoom zoom);
    static constexpr qint64 MinSpanMs = 30LL * 60 * 1000;
    static constexpr qint64 MaxSpanMs = 28LL * 24 * 3600 * 1000;

    explicit TimelineView(TimelineModel *model, QWidget *parent = nullptr);
    ~TimelineView() override;

    TimelineModel *model() const { return m_model; }
    // The window on screen.
    QDateTime visibleFrom() const;
    QDateTime visibleTo() const;
    qint64 spanMs() const { return m_span; }
    // Sets the span, keeping the middle of the window (or "now" where it was) in place.
    void setZoom(Zoom zoom);
    // Sets the span keeping the time at `anchorX` (viewport) under it.
    void setSpan(qint64 spanMs, int anchorX);
    void scrollTo(const QDateTime &from);
    // "Today": the window around now, now two thirds across.
    void showNow();
    // The job whose row is highlighted (the list's selection).
    void setCurrentJob(const QString &job);
    QString currentJob() const;

    // Where a job's row shows time `t` (viewport coordinates, the row's middle); for tests.
    QPoint pointAt(const QString &job, const QDateTime &t) const;
    // What the tooltip at `pos` (viewport coordinates) says; empty: nothing there.
    QString toolTipAt(const QPoint &pos) const;
    // The run drawn at `pos`, if any.
    std::optional<Run> runAt(const QPoint &pos) const;

signals:
    void runActivated(const paddock::Run &run);
    void jobActivated(const QString &job);
    // The window moved or was zoomed: the history it shows may need loading.
    void windowChanged(const QDateTime &from, const QDateTime &to);

protected:
    void paintEvent(QPaintEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Hit
    {
        enum class Kind { None, Label, Run, Upcoming, ClockChange } kind = Kind::None;
        int row = -1;
        qsizetype index = -1; // the run
        qint64 at = 0;        // the slot, or the clock change
        qint64 until = 0;     // the last of a stretch of slots
        int offsetBefore = 0;
        int offsetAfter = 0;
    };
    struct Tick
    {
        qint64 at = 0;
        bool day = false; // a local midnight
        QString top;      // the day, at midnights
        QString bottom;   // the time of day
    };

    static qint64 now();
    int chartLeft() const { return m_labelWidth; }
    int chartWidth() const;
    double pixelsPerMs() const;
    double xOf(qint64 t) const;
    qint64 timeAt(double x) const;
    int rowAt(int y) const;
    int rowTop(int row) const;
    Hit hitAt(const QPoint &pos) const;
    qint64 resolutionMs() const;
    void setFrom(qint64 from) { apply(from, m_span); }
    // Moves and zooms the window (kept within the scrollable time), and tells of it.
    void apply(qint64 from, qint64 span);
    void updateScrollBars();
    void updateMetrics();
    void updateTicks();
    void updateNowTimer();
    void elideLabels();
    void paintRow(QPainter &p, int row, int top, qint64 now) const;
    void paintAxis(QPainter &p) const;
    void paintLabels(QPainter &p, int firstRow, int lastRow) const;

    TimelineModel *m_model;
    qint64 m_from = 0;
    qint64 m_span = 0;
    qint64 m_scrollBase = 0; // the time of the horizontal scroll bar's 0 (a minute per step)
    int m_rowHeight = 24;
    int m_axisHeight = 36;
    int m_labelWidth = 160;
    QString m_currentJob;
    QString m_corner; // what the axis's times are in
    QTimer m_nowTimer;

    // Dragging to scroll.
    QPoint m_pressPos;
    qint64 m_pressFrom = 0;
    int m_pressTop = 0;
    bool m_pressed = false;
    bool m_dragging = false;

    // Made once, not in each frame.
    std::vector<Tick> m_ticks;
    qint64 m_ticksFrom = -1;
    qint64 m_ticksSpan = -1;
    int m_ticksWidth = -1;
    std::vector<QString> m_labels; // the jobs' names, elided
    std::array<QBrush, 10> m_statusBrush;
    std::array<QPen, 10> m_statusPen;
    QPen m_slotPen;
    QPen m_latePen;
    QPen m_queuedPen;
    QPen m_upcomingPen;
    QPen m_gridPen;
    QPen m_dayPen;
    QPen m_nowPen;
    QPen m_clockPen;
    QBrush m_clockBrush;
    QBrush m_missedBrush;
    QBrush m_baseBrush;
    QColor m_alternate;
    QColor m_highlight;
};

} // namespace paddock
