#include "jobs/RunText.h"

#include <QHash>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

namespace paddock {

using namespace Qt::StringLiterals;

QColor RunText::statusColor(Run::Status status)
{
    switch (status) {
    case Run::Status::Queued:
        return QColor(0x64, 0xb5, 0xf6);
    case Run::Status::Running:
        return QColor(0x15, 0x65, 0xc0);
    case Run::Status::Ok:
        return QColor(0x2e, 0x7d, 0x32);
    case Run::Status::Failed:
        return QColor(0xc6, 0x28, 0x28);
    case Run::Status::Timeout:
        return QColor(0xef, 0x6c, 0x00);
    case Run::Status::Budget:
        return QColor(0x6a, 0x1b, 0x9a);
    case Run::Status::Skipped:
        return QColor(0x9e, 0x9e, 0x9e);
    case Run::Status::Missed:
        return QColor(0xad, 0x14, 0x57);
    case Run::Status::Interrupted:
        return QColor(0x8d, 0x6e, 0x63);
    case Run::Status::Cancelled:
        return QColor(0x61, 0x61, 0x61);
    }
    return Qt::gray;
}

QIcon RunText::statusIcon(Run::Status status)
{
    static QHash<int, QIcon> icons;
    if (auto it = icons.constFind(int(status)); it != icons.cend())
        return *it;
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(statusColor(status).darker(130));
    p.setBrush(statusColor(status));
    p.drawEllipse(QRectF(3, 3, 10, 10));
    p.end();
    return *icons.insert(int(status), QIcon(pixmap));
}

QString RunText::time(const QDateTime &t, const QTimeZone &zone)
{
    if (!t.isValid())
        return u"—"_s;
    return QLocale().toString(t.toTimeZone(zone), u"ddd yyyy-MM-dd HH:mm:ss t"_s);
}

QString RunText::shortTime(const QDateTime &t, const QTimeZone &zone)
{
    if (!t.isValid())
        return u"—"_s;
    return QLocale().toString(t.toTimeZone(zone), u"ddd yyyy-MM-dd HH:mm t"_s);
}

QString RunText::duration(qint64 ms)
{
    const qint64 s = std::max<qint64>(ms, 0) / 1000;
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
    return tr("%1 d %2 h").arg(s / 86400).arg(s % 86400 / 3600);
}

QString RunText::statusWithReason(const Run &run)
{
    const QString status = Run::statusText(run.status);
    return run.reason.isEmpty() ? status : tr("%1: %2").arg(status, run.reason);
}

QString RunText::tokens(const Run &run)
{
    if (run.totalTokens() == 0)
        return tr("none reported");
    return tr("%L1 (in %L2, out %L3, cache %L4)")
        .arg(run.totalTokens())
        .arg(run.inputTokens)
        .arg(run.outputTokens)
        .arg(run.cacheTokens);
}

QString RunText::cost(const Run &run)
{
    return run.costUsd ? tr("US$%L1").arg(*run.costUsd, 0, 'f', 2) : tr("not reported");
}

QString RunText::trigger(Run::Trigger trigger)
{
    switch (trigger) {
    case Run::Trigger::Schedule:
        return tr("on schedule");
    case Run::Trigger::CatchUp:
        return tr("caught up after it was missed");
    case Run::Trigger::Manual:
        return tr("run now");
    case Run::Trigger::OnStart:
        return tr("on start");
    }
    return {};
}

QString RunText::summary(const Run &run, const QTimeZone &zone, const QDateTime &now)
{
    QStringList lines;
    const auto row = [&](const QString &label, const QString &value) {
        lines << u"<b>%1</b> %2"_s.arg(label.toHtmlEscaped(), value.toHtmlEscaped());
    };
    lines << u"<b>%1</b>"_s.arg(
        tr("%1 — run %2 (%3)").arg(run.job).arg(run.id).arg(trigger(run.trigger)).toHtmlEscaped());
    if (run.status == Run::Status::Missed && run.slotCount > 1) {
        row(tr("Missed:"), tr("%n slot(s)", nullptr, run.slotCount));
        row(tr("From:"), time(run.scheduled, zone));
        row(tr("To:"), time(run.lastSlot, zone));
    } else {
        row(tr("Scheduled:"), time(run.scheduled, zone));
    }
    if (run.started.isValid())
        row(tr("Started:"), time(run.started, zone));
    if (run.ended.isValid())
        row(tr("Ended:"),
            tr("%1 (took %2)").arg(time(run.ended, zone), duration(run.started.msecsTo(run.ended))));
    else if (run.status == Run::Status::Running && run.started.isValid())
        row(tr("Running for:"), duration(run.started.msecsTo(now)));
    row(tr("Status:"), statusWithReason(run));
    if (run.isFinal() && run.exitCode >= 0)
        row(tr("Exit code:"), QString::number(run.exitCode));
    if (run.attempt > 1)
        row(tr("Attempt:"), QString::number(run.attempt));
    if (run.totalTokens() > 0 || run.costUsd) {
        row(tr("Tokens:"), tokens(run));
        row(tr("Cost:"), cost(run));
    }
    return lines.join(u"<br>"_s);
}

} // namespace paddock
