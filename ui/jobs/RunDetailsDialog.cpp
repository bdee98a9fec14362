#include "jobs/RunDetailsDialog.h"

#include "jobs/RunText.h"
#include "scheduler/SchedulerService.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace paddock {

using namespace Qt::StringLiterals;

RunDetailsDialog::RunDetailsDialog(const Run &run, const QTimeZone &zone, SchedulerService *scheduler,
                                   QWidget *parent)
    : QDialog(parent)
    , m_run(run)
    , m_zone(zone)
    , m_scheduler(scheduler)
    , m_log(new QPlainTextEdit)
    , m_cancel(new QPushButton(tr("&Cancel run")))
{
    setObjectName(u"runDetailsDialog"_s);
    setWindowTitle(tr("%1 — run %2").arg(run.job).arg(run.id));

    auto *form = new QFormLayout;
    form->addRow(tr("Job:"), value("jobValue"));
    form->addRow(tr("Trigger:"), value("triggerValue"));
    form->addRow(tr("Scheduled for:"), value("scheduledValue"));
    form->addRow(tr("Started:"), value("startedValue"));
    form->addRow(tr("Ended:"), value("endedValue"));
    form->addRow(tr("Status:"), value("statusValue"));
    form->addRow(tr("Exit code:"), value("exitValue"));
    form->addRow(tr("Tokens:"), value("tokensValue"));
    form->addRow(tr("Cost:"), value("costValue"));
    form->addRow(tr("Container:"), value("containerValue"));
    form->addRow(tr("Workspace:"), value("workspaceValue"));
    form->addRow(tr("Result:"), value("resultValue"));

    m_log->setObjectName(u"runLog"_s);
    m_log->setReadOnly(true);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_cancel->setObjectName(u"cancelRunButton"_s);
    auto *reload = new QPushButton(tr("&Reload log"));
    reload->setObjectName(u"reloadLogButton"_s);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_cancel, QDialogButtonBox::ActionRole);
    buttons->addButton(reload, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("The end of its log:")));
    layout->addWidget(m_log, 1);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(reload, &QPushButton::clicked, this, &RunDetailsDialog::reloadLog);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (SchedulerService *s = m_scheduler)
            QMetaObject::invokeMethod(s, [s, id = m_run.id] { s->cancelRun(id); }, Qt::QueuedConnection);
        m_cancel->setEnabled(false);
    });
    showRun();
    reloadLog();
    resize(760, 620);
}

QLabel *RunDetailsDialog::value(const char *name)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1StringView(name));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    m_values.insert(QLatin1StringView(name), label);
    return label;
}

void RunDetailsDialog::showRun()
{
    const Run &r = m_run;
    const auto set = [this](const char *name, const QString &text) {
        m_values.value(QLatin1StringView(name))->setText(text);
    };
    set("jobValue", r.job);
    set("triggerValue", r.attempt > 1 ? tr("%1, attempt %2").arg(RunText::trigger(r.trigger)).arg(r.attempt)
                                      : RunText::trigger(r.trigger));
    if (r.status == Run::Status::Missed && r.slotCount > 1)
        set("scheduledValue",
            tr("%n slot(s) from %1 to %2", nullptr, r.slotCount)
                .arg(RunText::time(r.scheduled, m_zone), RunText::time(r.lastSlot, m_zone)));
    else
        set("scheduledValue", RunText::time(r.scheduled, m_zone));
    set("startedValue", r.started.isValid() ? RunText::time(r.started, m_zone) : tr("did not start"));
    set("endedValue",
        r.ended.isValid() && r.started.isValid()
            ? tr("%1 (took %2)")
                  .arg(RunText::time(r.ended, m_zone), RunText::duration(r.started.msecsTo(r.ended)))
            : RunText::time(r.ended, m_zone));
    set("statusValue", RunText::statusWithReason(r));
    set("exitValue", r.isFinal() && r.exitCode >= 0 ? QString::number(r.exitCode) : u"—"_s);
    set("tokensValue", RunText::tokens(r));
    set("costValue", RunText::cost(r));
    set("containerValue", r.container.isEmpty() ? u"—"_s : r.container);
    set("workspaceValue", r.workspace.isEmpty() ? u"—"_s : r.workspace);
    set("resultValue", r.result.isEmpty() ? u"—"_s : r.result);
    m_cancel->setVisible(!r.isFinal());
}

void RunDetailsDialog::applyRun(const Run &run)
{
    if (run.id != m_run.id)
        return;
    const bool ended = !m_run.isFinal() && run.isFinal();
    m_run = run;
    showRun();
    if (ended)
        reloadLog();
}

void RunDetailsDialog::reloadLog()
{
    m_logLoaded = false;
    if (!m_scheduler) {
        m_log->setPlainText(tr("The run's log cannot be read: no scheduler."));
        return;
    }
    if (m_log->document()->isEmpty())
        m_log->setPlaceholderText(tr("Reading the log…"));
    m_scheduler->readLog(m_run.id, LogBytes, this, [this](const Result<QByteArray> &text) {
        m_logLoaded = true;
        if (!text) {
            m_log->setPlainText(text.error().code == Error::Code::NotFound ? tr("This run left no log.")
                                                                           : text.error().text());
            return;
        }
        QString shown = QString::fromUtf8(*text);
        if (text->size() >= LogBytes)
            shown.prepend(
                tr("[… the beginning is left out: only the last %L1 KiB are shown]\n").arg(LogBytes / 1024));
        m_log->setPlainText(shown);
        m_log->moveCursor(QTextCursor::End);
    });
}

QString RunDetailsDialog::logText() const
{
    return m_log->toPlainText();
}

} // namespace paddock
